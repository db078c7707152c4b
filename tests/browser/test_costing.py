"""Real browser: finance reads the seed comparison, corrects a bad input and exports; the tile loads."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.extensions import db
from core.formatting import format_euro
from plugins.costing.calculation import PRESET_INPUTS, PRESET_KEY, PRESET_SOURCES, method1
from plugins.costing.models import CostingTeamRole, CostModel

from .conftest import wait_until

pytestmark = pytest.mark.browser


@pytest.fixture
def costing_world(make_team, make_user):
    finance = make_team("Financiële dienst", plugins=("costing",))
    petra = make_team("PeTra", plugins=("costing",))
    db.session.add(CostingTeamRole(team_id=finance.id, role="finance"))
    make_user("finance", {finance: "member"})
    make_user("manager", {petra: "manager"})
    m = CostModel(team_id=petra.id, year=2025, name="PeTra 2025 (bron)", preset=PRESET_KEY,
                  sources=dict(PRESET_SOURCES), **PRESET_INPUTS.as_dict())
    db.session.add(m)
    db.session.commit()
    return m


def test_finance_compares_corrects_and_exports(page, live_server, browser_login_as, costing_world):
    browser_login_as("finance")
    page.goto(live_server.url + "/kostprijs/bron")
    row = page.locator("#vergelijk-total_cost")
    assert "€\xa0313.414,34" in row.inner_text() and "€\xa0359.676,49" in row.inner_text()
    assert "€\xa04.771,76" in page.locator("#vergelijk-per_trajectory").inner_text()
    assert page.locator("svg[role=img]").count() >= 1

    page.goto(live_server.url + f"/kostprijs/{costing_world.id}/bewerken")
    page.fill("#staff_fte", "-1")
    page.fill("#overhead_pct", "500")
    page.click("form.costing-form button[type=submit]")
    assert page.locator("#staff_fte-fout").inner_text() == "Mag niet negatief zijn."
    assert "hoogstens 100" in page.locator("#overhead_pct-fout").inner_text()
    assert page.input_value("#staff_fte") == "-1"
    page.fill("#staff_fte", "4")
    page.fill("#overhead_pct", "20")
    expected = format_euro(method1(PRESET_INPUTS.with_(overhead_pct=Decimal(20))).per_trajectory)
    wait_until(page, "t => document.querySelector('#voorbeeld-m1')?.textContent === t", expected)  # the preview follows the typing (htmx), before saving
    page.click("form.costing-form button[type=submit]")
    page.wait_for_url(f"**/kostprijs/{costing_world.id}")
    assert "20 % × € 308.414,34" in page.content().replace("&nbsp;", " ").replace("\xa0", " ")

    with page.expect_download() as dl:
        page.click("text=Exporteren naar Excel")
    assert dl.value.suggested_filename.endswith(".xlsx")
    # the refused form answers 422 on purpose; any other console error (a CSP violation) fails the test
    assert [e for e in page.console_errors if "status of 422" not in e] == []


def test_manager_sees_the_tile_without_export(page, live_server, browser_login_as, costing_world):
    browser_login_as("manager")
    page.goto(live_server.url + "/")
    page.wait_for_selector("text=Methode 1:")
    page.goto(live_server.url + f"/kostprijs/{costing_world.id}")
    assert page.locator("text=Exporteren naar Excel").count() == 0
    assert page.console_errors == []
