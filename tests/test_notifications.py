"""The bell: my notifications only, marked read by POST with CSRF, my mail preferences; nobody reads or marks
another user's notifications; the tables match their migration."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEntry
from core.notifications import MailOutbox, Notification, NotificationPreference, notify


@pytest.fixture
def two(make_team, make_user):
    team = make_team("Gezinsondersteuning")
    anna = make_user("anna", {team: "member"})
    bram = make_user("bram", {team: "member"})
    for i in range(3):
        notify(anna.id, "task_assigned", f"Nieuwe taak voor jou: taak {i + 1}", f"/taken/{i + 1}")
    notify(bram.id, "referral", "Nieuwe aanmelding voor Gezinsondersteuning: PT-2026-0042", "/petra/42")
    db.session.commit()
    return anna, bram


def ids_of(user):
    return db.session.scalars(select(Notification.id).where(Notification.user_id == user.id)
                              .order_by(Notification.id)).all()


def test_the_bell_counts_my_unread_and_the_page_loads_it_without_a_query_of_its_own(client, login, two):
    login(client, "anna")
    page = client.get("/").get_data(as_text=True)
    assert 'hx-get="/meldingen/bel"' in page and 'href="/meldingen/voorkeuren"' in page
    bell = client.htmx_get("/meldingen/bel").get_data(as_text=True)
    assert '<span class="badge">3</span>' in bell and "3 ongelezen" in bell


def test_my_list_shows_mine_only_and_marking_read_is_a_post(client, login, two):
    anna, bram = two
    login(client, "anna")
    page = client.get("/meldingen/").get_data(as_text=True)
    assert page.count("Nieuwe taak voor jou") == 3 and "PT-2026-0042" not in page
    first = ids_of(anna)[0]
    assert client.get(f"/meldingen/{first}/gelezen").status_code == 405
    assert client.post(f"/meldingen/{first}/gelezen", csrf=False).status_code == 400
    assert db.session.get(Notification, first).read_at is None
    resp = client.post(f"/meldingen/{first}/gelezen", data={"open": "1"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/taken/1"
    db.session.expire_all()
    assert db.session.get(Notification, first).read_at is not None
    assert '<span class="badge">2</span>' in client.htmx_get("/meldingen/bel").get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "notification",
                                                      AuditEntry.object_id == first)).user_id == anna.id


def test_mark_all_read_marks_only_mine(client, login, two):
    anna, bram = two
    login(client, "anna")
    resp = client.post("/meldingen/alles-gelezen", follow_redirects=True)
    assert "3 meldingen als gelezen gemarkeerd" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert all(db.session.get(Notification, i).read_at for i in ids_of(anna))
    assert db.session.get(Notification, ids_of(bram)[0]).read_at is None
    assert "badge" not in client.htmx_get("/meldingen/bel").get_data(as_text=True)


def test_another_users_notification_cannot_be_read_or_marked(client, login, two):
    anna, bram = two
    theirs = ids_of(bram)[0]
    login(client, "anna")
    for data in ({}, {"open": "1"}):
        resp = client.post(f"/meldingen/{theirs}/gelezen", data=data)
        assert resp.status_code == 404
        assert "PT-2026-0042" not in resp.get_data(as_text=True)
    assert client.post("/meldingen/999999/gelezen").status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, theirs).read_at is None
    assert "PT-2026-0042" not in client.get("/meldingen/").get_data(as_text=True)


def test_a_notification_never_sends_anyone_off_site(client, login, two):
    anna, _ = two
    n = notify(anna.id, "referral", "Nieuwe aanmelding: PT-1", "https://evil.example/x")
    m = notify(anna.id, "referral", "Nieuwe aanmelding: PT-2", "//evil.example/x")
    db.session.commit()
    login(client, "anna")
    for nid in (n.id, m.id):
        resp = client.post(f"/meldingen/{nid}/gelezen", data={"open": "1"})
        assert resp.headers["Location"] == "/meldingen/"


def test_partners_and_anonymous_users_get_no_bell(client, login, two, make_org, make_user):
    org = make_org("Basisschool De Linde")
    make_user("partner", organisation=org)
    assert client.get("/meldingen/").status_code in (302, 401)
    login(client, "partner")
    for url in ("/meldingen/", "/meldingen/bel", "/meldingen/voorkeuren"):
        assert client.get(url).status_code in (403, 404)
    assert "/meldingen/bel" not in client.get("/").get_data(as_text=True)


# --------------------------------------------------------------------------- preferences


def test_preferences_page_says_mail_is_off_and_saves_my_choices(client, login, two):
    anna, _ = two
    login(client, "anna")
    page = client.get("/meldingen/voorkeuren").get_data(as_text=True)
    assert "E-mail staat uit op dit intranet" in page
    # the defaults: the digest and task mails on, referral mails off
    assert '<input checked id="daily_digest"' in page and '<input checked id="mail_task_assigned"' in page
    assert '<input id="mail_referral"' in page
    resp = client.post("/meldingen/voorkeuren", data={"email": "anna@hvhk.example", "mail_referral": "y"})
    assert resp.status_code == 302
    db.session.expire_all()
    pref = db.session.get(NotificationPreference, anna.id)
    assert (pref.daily_digest, pref.mail_task_assigned, pref.mail_referral) == (False, False, True)
    assert db.session.get(type(anna), anna.id).email == "anna@hvhk.example"


def test_a_bad_address_is_refused_next_to_the_field_and_kept(client, login, two):
    anna, _ = two
    login(client, "anna")
    resp = client.post("/meldingen/voorkeuren", data={"email": "anna(at)hvhk", "daily_digest": "y"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Geen geldig e-mailadres." in page and 'value="anna(at)hvhk"' in page
    assert db.session.get(NotificationPreference, anna.id) is None


def test_with_mail_on_a_mail_choice_needs_an_address(app_factory, app, login, two):
    a = app_factory(SMTP_URL="smtp://127.0.0.1:25", MAIL_FROM="intranet@hvhk.example")
    c = a.test_client()
    login(c, "anna")
    page = c.get("/meldingen/voorkeuren").get_data(as_text=True)
    assert "E-mail staat uit" not in page
    resp = c.post("/meldingen/voorkeuren", data={"email": "", "mail_task_assigned": "y"})
    assert resp.status_code == 422 and "Geef een e-mailadres, of vink de e-mails uit." in resp.get_data(as_text=True)
    assert c.post("/meldingen/voorkeuren", data={"email": ""}).status_code == 302  # no mail wanted: fine


def test_notify_queues_an_immediate_mail_only_when_mail_is_on_and_wanted(app_factory, app, two):
    anna, bram = two
    anna.email = "anna@hvhk.example"
    db.session.commit()
    a = app_factory(SMTP_URL="smtp://127.0.0.1:25", MAIL_FROM="intranet@hvhk.example")
    with a.app_context(), a.test_request_context():
        notify(anna.id, "task_assigned", "Nieuwe taak voor jou: taak 9", "/taken/9")  # wanted by default
        notify(anna.id, "referral", "Nieuwe aanmelding: PT-9", "/petra/9")  # off by default
        notify(bram.id, "task_assigned", "Nieuwe taak voor jou: taak 10", "/taken/10")  # no address
        db.session.commit()
    rows = db.session.scalars(select(MailOutbox)).all()
    assert [(r.user_id, r.kind, r.status) for r in rows] == [(anna.id, "task_assigned", "pending")]


# --------------------------------------------------------------------------- schema


def test_the_models_match_the_migration(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    mine = {"notification", "notification_preference", "mail_outbox"}

    def table_of(d):
        d = d[0] if isinstance(d, list) else d
        for part in d[1:]:
            name = getattr(part, "name", None) if not isinstance(part, str) else part
            table = getattr(part, "table", None)
            if table is not None and table.name in mine:
                return table.name
            if name in mine:
                return name
        return None

    assert [d for d in diff if table_of(d)] == []


def test_the_list_and_the_bell_cost_the_same_queries_for_few_and_many(client, login, two, count_queries):
    anna, _ = two
    login(client, "anna")
    counts = []
    for _ in range(2):
        client.get("/meldingen/")  # warm: what the process holds is loaded (core.held), as in a running server
        with count_queries() as page:
            assert client.get("/meldingen/").status_code == 200
        with count_queries() as bell:
            assert client.htmx_get("/meldingen/bel").status_code == 200
        counts.append((page.count, bell.count))
        for i in range(40):
            notify(anna.id, "task_assigned", f"Nieuwe taak voor jou: taak {100 + i}", "/")
        db.session.commit()
    assert counts[0] == counts[1]
    print("queries (list page, bell):", counts[0])
