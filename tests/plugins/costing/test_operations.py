"""The costing operations called directly (no HTTP), and a few HTTP checks that a refusal arrives next to
its field with the typed input kept."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEntry, Team
from core.operations import Refused
from core.plugins import current_plugins
from plugins.costing import operations
from plugins.costing.calculation import PRESET_INPUTS, PRESET_KEY, PRESET_SOURCES
from plugins.costing.models import CostingTeamRole, CostModel


def _audit(object_type: str, object_id: int | None = None) -> list[AuditEntry]:
    q = select(AuditEntry).where(AuditEntry.object_type == object_type).order_by(AuditEntry.id)
    if object_id is not None:
        q = q.where(AuditEntry.object_id == object_id)
    return list(db.session.scalars(q))


def _create(world, **changes) -> CostModel:
    values = dict(team_id=world["petra"].id, year=2025, name="PeTra 2025", inputs=PRESET_INPUTS.as_dict(),
                  by=world["users"]["finance"], sources=PRESET_SOURCES, notes="  Begroting  ")
    values.update(changes)
    return operations.create_cost_model(**values)


def _refusal(call) -> Refused:
    with pytest.raises(Refused) as caught:
        call()
    db.session.rollback()
    return caught.value


# --------------------------------------------------------------------------- cost models


def test_create_writes_the_model_and_its_audit_entry_without_committing(app, world):
    m = _create(world, preset=PRESET_KEY)
    assert m.id is not None and m.inputs() == PRESET_INPUTS and m.preset == PRESET_KEY
    assert m.notes == "Begroting" and m.sources["staff_cost"] == PRESET_SOURCES["staff_cost"]
    assert m.updated_by_id == world["users"]["finance"].id
    [entry] = _audit("costing_cost_model", m.id)
    assert (entry.action, entry.user_id, entry.family_id) == ("create", world["users"]["finance"].id, None)
    assert entry.detail == "vanuit de voorinstelling van de bron"
    db.session.rollback()  # the operation did not commit: the caller's rollback leaves nothing
    assert db.session.scalars(select(CostModel)).all() == [] and _audit("costing_cost_model") == []


@pytest.mark.parametrize("changes,field,message", [
    ({"name": "   "}, "name", "Geef het model een naam."),
    ({"year": 1999}, "year", "Een jaar tussen 2000 en 2100."),
    ({"inputs": PRESET_INPUTS.with_(overhead_pct=Decimal(500)).as_dict()}, "overhead_pct",
     "Een percentage van hoogstens 100 %."),
    ({"inputs": PRESET_INPUTS.with_(trajectories_per_year=0).as_dict()}, "trajectories_per_year",
     "Moet groter zijn dan 0"),
    ({"preset": "iets_anders"}, None, "Onbekende voorinstelling."),
])
def test_create_refuses_bad_values_naming_the_field(app, world, changes, field, message):
    refused = _refusal(lambda: _create(world, **changes))
    assert refused.field == field and message in refused.message
    assert db.session.scalars(select(CostModel)).all() == []


def test_a_model_belongs_to_a_team_with_the_plugin_on(app, world):
    refused = _refusal(lambda: _create(world, team_id=world["onthaal"].id))
    assert (refused.field, refused.message) == ("team_id", operations.TEAM_REFUSED)


def test_a_team_has_one_model_of_a_name_per_year(app, world):
    _create(world, name="Raming")
    db.session.commit()
    refused = _refusal(lambda: _create(world, name="  raming "))
    assert (refused.field, refused.message) == ("name", operations.NAME_TAKEN)
    _create(world, name="Raming", year=2026)  # another year
    _create(world, name="Raming", team_id=world["ovw"].id)  # another team
    db.session.commit()
    assert len(db.session.scalars(select(CostModel)).all()) == 3


def test_update_changes_everything_and_audits(app, world):
    m = _create(world)
    db.session.commit()
    operations.update_cost_model(m, team_id=world["ovw"].id, year=2026, name="PeTra 2025",
                                 inputs=PRESET_INPUTS.with_(hourly_rate=Decimal("42.50")).as_dict(),
                                 by=world["users"]["admin"], sources={"hourly_rate": " barema 2026 "}, notes="")
    db.session.commit()
    db.session.expire_all()
    m = db.session.get(CostModel, m.id)
    assert (m.team_id, m.year, m.hourly_rate, m.notes, m.version) == (world["ovw"].id, 2026, Decimal("42.50"), None, 2)
    assert m.sources == {"hourly_rate": "barema 2026"} and m.updated_by_id == world["users"]["admin"].id
    assert [e.action for e in _audit("costing_cost_model", m.id)] == ["create", "update"]


def test_update_to_another_models_name_is_refused_and_changes_nothing(app, world):
    m = _create(world)
    _create(world, name="Raming")
    db.session.commit()
    refused = _refusal(lambda: operations.update_cost_model(
        m, team_id=m.team_id, year=2025, name="Raming", inputs=PRESET_INPUTS.with_(fee_full=Decimal(60)).as_dict(),
        by=world["users"]["finance"]))
    assert refused.field == "name"
    db.session.expire_all()
    m = db.session.get(CostModel, m.id)
    assert (m.name, m.fee_full, m.version) == ("PeTra 2025", Decimal("50.00"), 1)


def test_copy_takes_inputs_sources_and_team_and_refuses_a_second_copy_of_the_same_name(app, world):
    m = _create(world, preset=PRESET_KEY, inputs=PRESET_INPUTS.with_(talk_count=Decimal(30)).as_dict())
    db.session.commit()
    copy = operations.copy_cost_model(m, by=world["users"]["finance"])
    db.session.commit()
    assert copy.id != m.id and copy.name == "PeTra 2025 (kopie)" and copy.year == 2025
    assert copy.inputs() == m.inputs() and copy.sources == m.sources and copy.team_id == m.team_id
    assert copy.preset is None and copy.notes == "Begroting"
    [copied] = [e for e in _audit("costing_cost_model", m.id) if e.action == "copy"]
    assert copied.detail == f"kopie: model {copy.id}"
    refused = _refusal(lambda: operations.copy_cost_model(m, by=world["users"]["finance"]))
    assert (refused.field, refused.message) == ("name", operations.NAME_TAKEN)
    other_year = operations.copy_cost_model(m, by=world["users"]["finance"], year=2026)
    assert (other_year.name, other_year.year) == ("PeTra 2025 (kopie)", 2026)


def test_delete_removes_the_model_and_audits_without_values(app, world):
    m = _create(world)
    db.session.commit()
    model_id = m.id
    operations.delete_cost_model(m, by=world["users"]["finance"])
    db.session.commit()
    assert db.session.get(CostModel, model_id) is None
    entry = _audit("costing_cost_model", model_id)[-1]
    assert (entry.action, entry.detail) == ("delete", f"jaar 2025, team {world['petra'].id}")
    assert "PeTra" not in entry.detail


# --------------------------------------------------------------------------- team roles


def test_set_team_role_creates_or_changes_the_row_and_audits(app, world):
    admin = world["users"]["admin"]
    row = operations.set_team_role(world["ovw"].id, "finance", by=admin)
    db.session.commit()
    assert (row.role, row.changed_by_id) == ("finance", admin.id)
    operations.set_team_role(world["petra"].id, "finance", by=admin)  # a row existed ("team")
    db.session.commit()
    assert db.session.get(CostingTeamRole, world["petra"].id).role == "finance"
    assert [e.detail for e in _audit("costing_team_role")] == ["rol Financiële dienst", "rol Financiële dienst"]


@pytest.mark.parametrize("team,role,field", [("ovw", "baas", "role"), ("onthaal", "finance", "team_id")])
def test_set_team_role_refuses_unknown_roles_and_teams_without_the_plugin(app, world, team, role, field):
    refused = _refusal(lambda: operations.set_team_role(world[team].id, role, by=world["users"]["admin"]))
    assert refused.field == field
    assert db.session.get(CostingTeamRole, world[team].id) is None


def test_switching_the_plugin_on_again_keeps_a_finance_role(app, world):
    admin = world["users"]["admin"]
    team = Team(name="Boekhouding")
    db.session.add(team)
    db.session.commit()
    current_plugins().set_team_enabled(team, "costing", True, admin)
    assert db.session.get(CostingTeamRole, team.id).role == "team"  # the hook ran: ensure_team_role
    operations.set_team_role(team.id, "finance", by=admin)
    current_plugins().set_team_enabled(team, "costing", False, admin)
    current_plugins().set_team_enabled(team, "costing", True, admin)
    db.session.commit()
    assert db.session.get(CostingTeamRole, team.id).role == "finance"


# --------------------------------------------------------------------------- through HTTP


def _form(team_id: int, **changes) -> dict:
    data = {k: str(v).replace(".", ",") for k, v in PRESET_INPUTS.as_dict().items()}
    data.update(name="Raming", year="2025", notes="", team_id=str(team_id))
    data.update(changes)
    return data


def test_a_duplicate_name_is_refused_next_to_the_name_with_the_input_kept(client, login, world, make_model):
    make_model(world["petra"], name="Raming")
    login(client, "finance")
    resp = client.post("/kostprijs/nieuw", data=_form(world["petra"].id, staff_cost="310.000,5", name="raming"))
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert 'id="name-fout"' in page and operations.NAME_TAKEN in page
    assert 'value="raming"' in page and 'value="310.000,5"' in page
    assert len(db.session.scalars(select(CostModel)).all()) == 1


def test_editing_into_a_duplicate_name_keeps_the_typed_input(client, login, world, make_model):
    make_model(world["petra"], name="Raming")
    m = make_model(world["petra"], name="Begroting")
    login(client, "finance")
    resp = client.post(f"/kostprijs/{m.id}/bewerken",
                       data=_form(m.team_id, name="Raming", version=str(m.version), hourly_rate="44"))
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert operations.NAME_TAKEN in page and 'value="44"' in page and 'value="Raming"' in page
    db.session.expire_all()
    assert db.session.get(CostModel, m.id).name == "Begroting"


def test_copy_and_delete_through_the_pages(client, login, world, make_model):
    m = make_model(world["petra"], name="Begroting")
    login(client, "finance")
    resp = client.post(f"/kostprijs/{m.id}/kopie")
    assert resp.status_code in (302, 303)
    copy = db.session.scalars(select(CostModel).where(CostModel.name == "Begroting (kopie)")).one()
    assert resp.headers["Location"].endswith(f"/kostprijs/{copy.id}/bewerken")
    again = client.post(f"/kostprijs/{m.id}/kopie", follow_redirects=True)  # the name is taken now
    assert operations.NAME_TAKEN in again.get_data(as_text=True)
    assert client.post(f"/kostprijs/{m.id}/kopie", csrf=False).status_code == 400
    assert "Model verwijderen" in client.get(f"/kostprijs/{copy.id}/verwijderen").get_data(as_text=True)
    stale = client.post(f"/kostprijs/{copy.id}/verwijderen", data={"version": str(copy.version + 1)})
    assert stale.status_code == 409 and db.session.get(CostModel, copy.id) is not None
    copy_id = copy.id
    gone = client.post(f"/kostprijs/{copy_id}/verwijderen", data={"version": str(copy.version)})
    assert gone.status_code in (302, 303)
    db.session.expire_all()
    assert db.session.get(CostModel, copy_id) is None


@pytest.mark.parametrize("user,status", [("manager", 403), ("ovwmanager", 404), ("worker", 403)])
def test_only_finance_may_copy_or_delete(client, login, world, make_model, user, status):
    m = make_model(world["petra"])
    login(client, user)
    assert client.post(f"/kostprijs/{m.id}/kopie").status_code == status
    assert client.post(f"/kostprijs/{m.id}/verwijderen", data={"version": "1"}).status_code == status
    assert db.session.scalars(select(CostModel)).all() == [m]
