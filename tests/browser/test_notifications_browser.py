"""Real Chromium: the bell loads its unread count with htmx after the page, opening a notification marks it
read and follows its link, and the count goes down; no console errors (CSP)."""

import pytest

from core.extensions import db
from core.notifications import notify

pytestmark = pytest.mark.browser


def test_the_bell_counts_and_opening_a_notification_marks_it_read(live_server, page, make_team, make_user,
                                                                  browser_login_as):
    team = make_team("PeTra")
    worker = make_user("worker", {team: "member"})
    notify(worker.id, "referral", "Nieuwe aanmelding voor PeTra: PT-2026-0012", "/zoeken?q=PT")
    notify(worker.id, "task_assigned", "Nieuwe taak voor jou: taak 7", "/")
    db.session.commit()
    browser_login_as("worker")
    page.goto(live_server.url + "/")
    page.locator("#bel .badge").get_by_text("2").wait_for()  # swapped in by htmx after the page loaded

    page.locator("#bel").click()
    page.wait_for_url(live_server.url + "/meldingen/")
    row = page.locator("tr", has_text="PT-2026-0012")
    row.get_by_role("button", name="Openen").click()
    page.wait_for_url(live_server.url + "/zoeken?q=PT")
    page.locator("#bel .badge").get_by_text("1").wait_for()

    page.goto(live_server.url + "/meldingen/")
    page.get_by_role("button", name="Alles als gelezen markeren").click()
    page.get_by_text("1 melding als gelezen gemarkeerd.").wait_for()
    page.locator("#bel:not(:has(.badge))").wait_for()
    assert page.console_errors == []
