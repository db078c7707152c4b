"""Pages, access rules, bad input, concurrent edits, query counts, hooks and demo data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry, Team
from core.plugins import current_plugins
from plugins.costing.calculation import PRESET_INPUTS
from plugins.costing.models import CostingTeamRole, CostModel


def form_data(model: CostModel | None = None, **changes) -> dict:
    data = {k: str(v).replace(".", ",") for k, v in PRESET_INPUTS.as_dict().items()}
    data.update(name="Testmodel", year="2025", notes="")
    if model is not None:
        data.update(team_id=str(model.team_id), version=str(model.version), name=model.name)
    data.update(changes)
    return data


# --------------------------------------------------------------------------- access


@pytest.mark.parametrize("user,status", [
    ("finance", 200), ("manager", 200), ("admin", 200),
    ("worker", 403),  # plain member of a "team" team with the plugin on
    ("onthaal", 404),  # team without the plugin: the core guard
    ("partner", 404),
])
def test_who_may_open_the_costing_pages(client, login, world, make_model, user, status):
    m = make_model(world["petra"])
    login(client, user)
    for url in ("/kostprijs/", f"/kostprijs/{m.id}", "/kostprijs/bron", "/kostprijs/werkelijk", "/kostprijs/tegel"):
        assert client.get(url).status_code == status, url


def test_anonymous_is_sent_to_login(client, world, make_model):
    m = make_model(world["petra"])
    resp = client.get(f"/kostprijs/{m.id}")
    assert resp.status_code in (302, 303) and "/login" in resp.headers["Location"]


def test_manager_sees_only_own_team_models_and_cannot_edit_or_export(client, login, world, make_model):
    own = make_model(world["petra"], name="PeTra eigen")
    other = make_model(world["finance"], name="Financieel model")
    login(client, "manager")
    page = client.get("/kostprijs/").get_data(as_text=True)
    assert "PeTra eigen" in page and "Financieel model" not in page
    assert client.get(f"/kostprijs/{other.id}").status_code == 404
    assert client.get(f"/kostprijs/{other.id}/export.xlsx").status_code == 404
    assert client.get(f"/kostprijs/{own.id}/export.xlsx").status_code == 403
    assert client.get(f"/kostprijs/{own.id}/bewerken").status_code == 403
    assert client.get("/kostprijs/nieuw").status_code == 403
    assert client.post(f"/kostprijs/{own.id}/bewerken", data=form_data(own)).status_code == 403


def test_manager_of_a_team_without_role_row_sees_nothing_of_others(client, login, world, make_model):
    make_model(world["petra"], name="PeTra eigen")
    login(client, "ovwmanager")  # manager, plugin on, no role row: treated as "team"
    page = client.get("/kostprijs/")
    assert page.status_code == 200 and "PeTra eigen" not in page.get_data(as_text=True)


def test_finance_sees_every_model_and_nav_items_follow_access(client, login, world, make_model, app):
    make_model(world["petra"], name="PeTra eigen")
    make_model(world["ovw"], name="OVW model")
    login(client, "finance")
    page = client.get("/kostprijs/").get_data(as_text=True)
    assert "PeTra eigen" in page and "OVW model" in page
    hook = current_plugins().hook_for(world["users"]["worker"], "hvhk_nav_items")
    assert [i for lst in hook(user=world["users"]["worker"]) for i in lst if i.url == "/kostprijs/"] == []
    hook = current_plugins().hook_for(world["users"]["finance"], "hvhk_nav_items")
    assert [i.label for lst in hook(user=world["users"]["finance"]) for i in lst] == ["Kostprijs"]


def test_roles_page_is_for_admins_and_changes_access(client, login, world):
    login(client, "finance")
    assert client.get("/kostprijs/teamrollen").status_code == 403
    client.post("/logout")
    login(client, "admin")
    assert "Opvoedingswinkel" in client.get("/kostprijs/teamrollen").get_data(as_text=True)
    resp = client.post("/kostprijs/teamrollen", data={"team_id": world["ovw"].id, "role": "finance"})
    assert resp.status_code in (302, 303)
    assert db.session.get(CostingTeamRole, world["ovw"].id).role == "finance"
    assert client.post("/kostprijs/teamrollen", data={"team_id": world["onthaal"].id, "role": "finance"}).status_code == 400
    assert client.post("/kostprijs/teamrollen", data={"team_id": world["ovw"].id, "role": "baas"}).status_code == 400


def test_team_enabled_hook_gives_the_team_the_team_role(app, world, make_user):
    team = Team(name="Nieuw team")
    db.session.add(team)
    db.session.commit()
    current_plugins().set_team_enabled(team, "costing", True, world["users"]["admin"])
    db.session.commit()
    assert db.session.get(CostingTeamRole, team.id).role == "team"


# --------------------------------------------------------------------------- forms


def test_finance_creates_a_model_from_the_preset(client, login, world):
    login(client, "finance")
    page = client.get("/kostprijs/nieuw?voorinstelling=petra_2025_bron").get_data(as_text=True)
    assert 'value="308414,34"' in page and "PeTra 2025 (bron)" in page
    resp = client.post("/kostprijs/nieuw?voorinstelling=petra_2025_bron",
                       data=form_data(team_id=str(world["petra"].id), staff_cost="308.414,34",
                                      staff_cost_source="Begroting 2025"))
    assert resp.status_code in (302, 303), resp.get_data(as_text=True)[:2000]
    m = db.session.scalars(select(CostModel)).one()
    assert m.staff_cost == Decimal("308414.34") and m.preset == "petra_2025_bron"
    assert m.sources["staff_cost"] == "Begroting 2025"
    sheet = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "€\xa05.495,98" in sheet and "€\xa04.771,76" in sheet and "Vergelijking met de bron" in sheet


@pytest.mark.parametrize("field,value,message", [
    ("staff_fte", "-1", "Mag niet negatief zijn."),
    ("overhead_pct", "500", "Een percentage van hoogstens 100 %."),
    ("trajectories_per_year", "0", "Moet groter zijn dan 0"),
    ("hourly_rate", "veertig", "Geef een getal (bv. 12,5)."),
])
def test_bad_input_is_refused_next_to_the_field_and_the_model_is_untouched(client, login, world, make_model,
                                                                          field, value, message):
    m = make_model(world["petra"])
    login(client, "finance")
    resp = client.post(f"/kostprijs/{m.id}/bewerken", data=form_data(m, **{field: value}, name="Gewijzigd"))
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert f'id="{field}-fout"' in page and message in page
    assert f'value="{value}"' in page and 'value="Gewijzigd"' in page  # what was typed is kept
    db.session.expire_all()
    m = db.session.get(CostModel, m.id)
    assert m.name == "PeTra 2025 (bron)" and m.version == 1 and m.inputs() == PRESET_INPUTS


def test_second_save_of_the_same_version_is_refused(client, login, world, make_model):
    m = make_model(world["petra"])
    login(client, "finance")
    first = client.post(f"/kostprijs/{m.id}/bewerken", data=form_data(m, hourly_rate="42"))
    assert first.status_code in (302, 303)
    second = client.post(f"/kostprijs/{m.id}/bewerken", data=form_data(m, hourly_rate="43", name="Tweede"))
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "Iemand anders heeft dit intussen gewijzigd" in page and 'value="43"' in page
    db.session.expire_all()
    assert db.session.get(CostModel, m.id).hourly_rate == Decimal("42.00")


def test_post_without_csrf_token_is_refused(client, login, world, make_model):
    m = make_model(world["petra"])
    login(client, "finance")
    assert client.post(f"/kostprijs/{m.id}/bewerken", data=form_data(m), csrf=False).status_code == 400


def test_edit_is_audited(client, login, world, make_model):
    m = make_model(world["petra"])
    login(client, "finance")
    client.post(f"/kostprijs/{m.id}/bewerken", data=form_data(m, overhead_pct="20"))
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "costing_cost_model")))
    assert actions == {"update"}


# --------------------------------------------------------------------------- pages


def test_preset_page_shows_stated_and_corrected_figures(client, login, world):
    login(client, "manager")
    page = client.get("/kostprijs/bron").get_data(as_text=True)
    for figure in ("€\xa0313.414,34", "€\xa03.250,00", "€\xa04.771,76", "ongeveer € 4.750", "€\xa0164,00", "€\xa01.537,50",
                   "€\xa0738,00", "€\xa0451,00", "€\xa01.640,00", "€\xa04.366,50", "€\xa046.262,15", "€\xa05.483,48",
                   "€\xa02.437,50", "€\xa02.890,50", "€\xa04.079,50", "€\xa0359.676,49", "€\xa05.495,98"):
        assert figure in page, figure
    assert "<svg" in page and "Vastgelegde prijs: €\xa04.500,00" in page
    assert "style=" not in page.split("<main", 1)[1]


def test_model_list_costs_a_constant_number_of_queries(client, login, world, make_model, count_queries):
    for n in range(3):
        make_model(world["petra"], name=f"Model {n}")
    login(client, "finance")
    client.get("/kostprijs/")
    with count_queries() as few:
        assert client.get("/kostprijs/").status_code == 200
    for n in range(3, 30):
        make_model(world["petra"], name=f"Model {n:02d}")
    with count_queries() as many:
        page = client.get("/kostprijs/").get_data(as_text=True)
    assert many.count == few.count
    assert "Volgende" in page  # 30 models: two pages
    assert client.get("/kostprijs/?pagina=2").status_code == 200


def test_worked_sheet_shows_every_step(client, login, world, make_model):
    m = make_model(world["petra"], preset=None, overhead_pct=Decimal("10"))
    login(client, "manager")
    page = client.get(f"/kostprijs/{m.id}").get_data(as_text=True).replace("\xa0", " ")
    assert "10 % × € 308.414,34" in page and "€ 30.841,43" in page
    assert "Vergelijking met de bron" not in page  # not built from the preset
    assert "Exporteren naar Excel" not in page  # managers do not export


# --------------------------------------------------------------------------- actuals


def test_actuals_from_billable_work_for_finance(work_app, login, world, make_model):
    make_model(world["petra"])
    client = work_app.test_client()
    login(client, "finance")
    resp = client.get("/kostprijs/werkelijk?jaar=2025")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    for ref in ("PT-2025-0001", "PT-2025-0002", "PT-2024-0042", "GP-2025-01", "OW-2025-0009"):
        assert ref in page
    # PeTra: 2 started in 2025 at € 4.500 = € 9.000; 1 closed; 2 running at year end; fees 50 + 25
    assert "€\xa09.000,00" in page and "€\xa075,00" in page
    petra_row = page.split('<th scope="row">PeTra</th>')[1].split("</tr>")[0]
    cells = [c.split(">", 1)[1].split("<", 1)[0] for c in petra_row.split("<td")[1:]]
    # started, running, closed, programmes, hours, cost, revenue, due, received, waived, model, difference
    assert cells[:4] == ["2", "2", "1", "1"]
    # due and paid in 2025: 50 + 25; the waived fee of PT-2024-0042 was due in 2024, so not waived in 2025
    assert cells[7:10] == ["€\xa075,00", "€\xa075,00", "0"]
    # PT-2025-0001: 25.5 h x 41 = 1,045.50 vs method 2 under 12 = 1,850.13 (group hours shared over 8)
    assert "€\xa01.045,50" in page and "€\xa01.850,13" in page
    assert "deelnamegelden-per-maand-titel" in page and ">feb</text>" in page
    assert "Lotte" not in page and "Peeters" not in page
    # fees due: 50 (PT-2025-0001), 25 (PT-2025-0002), 0 waived, 50 (OW): 1 of 3 at the reduced fee
    assert "1 van 3 trajecten" in page and "(33,3 %); het model rekent met 50 %" in page
    from .conftest import fakework

    assert fakework.CALLS[-1].start == date(2025, 1, 1) and fakework.CALLS[-1].end == date(2025, 12, 31)


def test_manager_sees_only_own_team_actuals(work_app, login, world, make_model):
    make_model(world["petra"])
    client = work_app.test_client()
    login(client, "manager")
    page = client.get("/kostprijs/werkelijk?jaar=2025").get_data(as_text=True)
    assert "PT-2025-0001" in page and "OW-2025-0009" not in page and "Opvoedingswinkel" not in page
    assert client.get(f"/kostprijs/werkelijk?jaar=2025&team={world['ovw'].id}").status_code == 404
    client.post("/logout")
    login(client, "worker")
    assert client.get("/kostprijs/werkelijk").status_code == 403


def test_a_failing_plugin_makes_the_figures_visibly_incomplete_and_blocks_export(broken_app, login, world,
                                                                                make_model):
    m = make_model(world["petra"])
    client = broken_app.test_client()
    login(client, "finance")
    page = client.get("/kostprijs/werkelijk?jaar=2025").get_data(as_text=True)
    assert "Onvolledig" in page and "costing_broken" in page and "PT-2025-0001" in page
    resp = client.get(f"/kostprijs/{m.id}/export.xlsx?jaar=2025")
    assert resp.status_code in (302, 303) and "/kostprijs/werkelijk" in resp.headers["Location"]


def test_demo_data_hook(app, world):
    from plugins.costing.demo import seed

    seed(db.session, 1)
    assert db.session.get(CostingTeamRole, world["finance"].id).role == "finance"
    assert db.session.get(CostingTeamRole, world["petra"].id).role == "team"
    models = db.session.scalars(select(CostModel).order_by(CostModel.year)).all()
    assert [(m.year, m.team_id) for m in models] == [(2025, world["petra"].id), (2026, world["petra"].id)]
    assert models[0].inputs() == PRESET_INPUTS
    assert db.session.scalar(select(func.count()).select_from(CostModel)) == 2


def test_live_preview_for_finance(client, login, world):
    login(client, "finance")
    data = form_data()
    page = client.post("/kostprijs/voorbeeld", data=data, htmx=True).get_data(as_text=True)
    assert 'id="voorbeeld-m1">€\xa05.495,98' in page and "€\xa04.771,76" in page and "€\xa04.366,50" in page
    data["overhead_pct"] = "500"
    data["staff_fte"] = "-2"
    resp = client.post("/kostprijs/voorbeeld", data=data, htmx=True)
    assert resp.status_code == 200  # htmx swaps it: the message says what to fix
    assert "Nog niet te berekenen: verbeter Personeel, Overhead" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CostModel)) == 0
    assert client.post("/kostprijs/voorbeeld", data=form_data(), csrf=False).status_code == 400


def test_live_preview_is_finance_only(client, login, world):
    login(client, "manager")
    assert client.post("/kostprijs/voorbeeld", data=form_data(), htmx=True).status_code == 403


def test_actuals_page_costs_a_constant_number_of_queries(work_app, login, world, make_model, count_queries):
    from .conftest import fakework

    make_model(world["petra"])
    client = work_app.test_client()
    login(client, "finance")
    client.get("/kostprijs/werkelijk?jaar=2025")
    with work_app.app_context(), count_queries() as few:
        assert client.get("/kostprijs/werkelijk?jaar=2025").status_code == 200
    from .conftest import work_rows

    base = work_rows(world["petra"].id, world["ovw"].id)
    fakework.load([dict(base[n % len(base)], ref=f"PT-2025-{n:04d}") for n in range(120)])
    with work_app.app_context(), count_queries() as many:
        page = client.get("/kostprijs/werkelijk?jaar=2025").get_data(as_text=True)
    assert 0 < many.count == few.count
    assert page.count("<tr><td>PT-2025-") == 50 and "Volgende" in page  # 120 units, 50 per page


@pytest.mark.parametrize("user", ["onthaal", "partner"])
def test_users_without_the_plugin_get_404_on_every_route(client, login, world, make_model, user):
    m = make_model(world["petra"])
    login(client, user)
    for url in (f"/kostprijs/{m.id}/export.xlsx", f"/kostprijs/{m.id}/bewerken", "/kostprijs/nieuw",
                "/kostprijs/teamrollen"):
        assert client.get(url).status_code == 404, url
    for url in (f"/kostprijs/{m.id}/bewerken", "/kostprijs/nieuw", "/kostprijs/voorbeeld", "/kostprijs/teamrollen"):
        assert client.post(url, data=form_data(m)).status_code == 404, url
    db.session.expire_all()
    assert db.session.get(CostModel, m.id).version == 1
