"""Concerns about a child's safety: step by step, visible only to the trajectory's workers and the team's managers,
every read audited, a tile for managers with the open ones; the old tick box became an open concern."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEntry
from core.operations import Refused
from plugins.petra import operations
from plugins.petra.models import Concern, ConcernStep


@pytest.fixture
def case(world, make_trajectory, make_user):
    """A running trajectory of the worker, a colleague of the same team who is not its worker."""
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=40),
                        lead=world["users"]["worker"])
    colleague = make_user("collega", {world["petra"]: "member"})
    return t, colleague


def _raise(client, t, day=None, text="Blauwe plekken op de arm, kind wil niet naar huis."):
    return client.post(f"/petra/traject/{t.id}/zorgen", data={
        "raised_on": (day or date.today() - timedelta(days=5)).isoformat(), "description": text})


def _step(client, t, c, step, day, by, outcome="", note="notitie"):
    return client.post(f"/petra/traject/{t.id}/zorgen/{c.id}/stap", data={
        "step": step, "on_date": day.isoformat(), "by_id": str(by.id), "outcome": outcome, "note": note})


def test_a_concern_is_handled_step_by_step(client, login, world, case):
    t, _ = case
    u = world["users"]
    login(client, "worker")
    assert _raise(client, t).status_code == 302
    c = db.session.scalar(select(Concern))
    assert (c.status, c.raised_by_id) == ("open", u["worker"].id)
    d0 = c.raised_on
    for i, step in enumerate(("observe", "consult", "parents")):
        assert _step(client, t, c, step, d0 + timedelta(days=i), u["manager"] if step == "consult" else u["worker"]
                     ).status_code == 302
    body = client.get(f"/petra/traject/{t.id}/zorgen").get_data(as_text=True)
    assert "Overleg met een collega of de verantwoordelijke" in body and "Gesprek met de ouders" in body
    # the decision needs an outcome
    body = _step(client, t, c, "decide", d0 + timedelta(days=4), u["manager"]).get_data(as_text=True)
    assert "Kies wat er beslist is." in body
    assert _step(client, t, c, "decide", d0 + timedelta(days=4), u["manager"], "specialised").status_code == 302
    db.session.expire_all()
    c = db.session.get(Concern, c.id)
    assert (c.status, c.outcome, c.closed_on) == ("closed", "specialised", d0 + timedelta(days=4))
    assert [(s.step, s.by_id) for s in c.steps] == [("observe", u["worker"].id), ("consult", u["manager"].id),
                                                    ("parents", u["worker"].id), ("decide", u["manager"].id)]
    # a closed concern takes no more steps
    with pytest.raises(Refused, match="al beslist"):
        operations.concern_step(t, c, u["worker"], step="observe", on_date=date.today())


def test_step_before_the_concern_or_in_the_future_is_refused_in_dutch(client, login, world, case):
    t, _ = case
    u = world["users"]
    login(client, "worker")
    _raise(client, t, day=date.today() - timedelta(days=3))
    c = db.session.scalar(select(Concern))
    resp = _step(client, t, c, "observe", date.today() - timedelta(days=10), u["worker"], note="mijn observatie")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert f"Een stap kan niet vóór de zorg liggen ({(date.today() - timedelta(days=3)).strftime('%d/%m/%Y')})." in body
    assert "mijn observatie" in body  # the input stays
    body = _step(client, t, c, "observe", date.today() + timedelta(days=1), u["worker"]).get_data(as_text=True)
    assert "ligt in de toekomst" in body
    body = _step(client, t, c, "observe", date.today(), u["ovw"]).get_data(as_text=True)  # not of the team
    assert "Kies een van de mogelijkheden." in body
    body = _raise(client, t, day=t.referred_on - timedelta(days=1)).get_data(as_text=True)
    assert "Een zorg kan niet vóór de aanmelding liggen." in body
    assert db.session.scalar(select(db.func.count(ConcernStep.id))) == 0
    assert db.session.scalar(select(db.func.count(Concern.id))) == 1


def test_only_the_workers_and_the_teams_managers_see_concerns(client, login, world, case):
    t, colleague = case
    u = world["users"]
    login(client, "worker")
    _raise(client, t, text="Geheime zorg")
    c = db.session.scalar(select(Concern))
    client.post("/logout")
    # the manager sees it; the read is audited with the family
    login(client, "manager")
    before = db.session.scalar(select(db.func.max(AuditEntry.id)))
    assert "Geheime zorg" in client.get(f"/petra/traject/{t.id}/zorgen").get_data(as_text=True)
    read = db.session.scalar(select(AuditEntry).where(AuditEntry.id > before, AuditEntry.object_type == "petra_concern"))
    assert (read.action, read.family_id, read.object_id) == ("view", world["fam"].id, c.id)
    client.post("/logout")
    # a colleague of the same team: 403, logged; another team, no team, a partner: 404; no data anywhere
    for name, status in (("collega", 403), ("ovw", 404), ("onthaal", 404), ("partner", 404)):
        login(client, name)
        for resp in (client.get(f"/petra/traject/{t.id}/zorgen"),
                     _step(client, t, c, "observe", date.today(), u["worker"]), _raise(client, t, text="x")):
            assert resp.status_code == status, name
            assert "Geheime zorg" not in resp.get_data(as_text=True)
        if name == "collega":
            body = client.get(f"/petra/traject/{t.id}").get_data(as_text=True)
            assert "Zorgen over veiligheid" not in body and "/zorgen" not in body
            denied = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "denied",
                                                                AuditEntry.object_type == "petra_concern"))
            assert denied.family_id == world["fam"].id and denied.user_id == colleague.id
        client.post("/logout")
    assert db.session.scalar(select(db.func.count(ConcernStep.id))) == 0
    assert db.session.scalar(select(db.func.count(Concern.id))) == 1
    # an admin who is neither worker nor manager does not see it either
    login(client, "admin")
    assert client.get(f"/petra/traject/{t.id}/zorgen").status_code == 403


def test_dashboard_tile_for_managers_lists_open_concerns(client, login, world, case, make_trajectory, make_family):
    t, _ = case
    u = world["users"]
    fam2 = make_family("Claes", children=(("Jonas", date(2013, 5, 5)),))
    t2 = make_trajectory(world["petra"], fam2, fam2.children()[0], start_on=date.today() - timedelta(days=20),
                         lead=u["worker"])
    c1 = operations.raise_concern(t, u["worker"], raised_on=date.today() - timedelta(days=9), description="a")
    c2 = operations.raise_concern(t2, u["worker"], raised_on=date.today() - timedelta(days=2), description="b")
    operations.concern_step(t2, c2, u["worker"], step="decide", on_date=date.today(), outcome="continue")
    db.session.commit()
    login(client, "manager")
    home = client.get("/").get_data(as_text=True)
    assert "/petra/widget/zorgen" in home
    before = db.session.scalar(select(db.func.max(AuditEntry.id)))
    body = client.htmx_get("/petra/widget/zorgen").get_data(as_text=True)
    assert "<strong>1</strong> open zorg over veiligheid" in body and t.ref in body and t2.ref not in body
    assert "Lotte" not in body and "a" != body  # no names on the tile
    logged = list(db.session.scalars(select(AuditEntry.family_id).where(AuditEntry.id > before)))
    assert logged == [world["fam"].id]
    client.post("/logout")
    login(client, "worker")
    assert "/petra/widget/zorgen" not in client.get("/").get_data(as_text=True)
    assert client.htmx_get("/petra/widget/zorgen").status_code == 404
    client.post("/logout")
    login(client, "admin")  # an admin who manages no PeTra team: no tile
    assert client.htmx_get("/petra/widget/zorgen").status_code == 404
    del c1


def test_concerns_are_in_the_family_export_and_go_with_erasure(app, world, case):
    from core.models import Family
    from plugins.petra import hvhk_family_erase, hvhk_family_export

    t, _ = case
    c = operations.raise_concern(t, world["users"]["worker"], raised_on=date.today(), description="zorg")
    operations.concern_step(t, c, world["users"]["worker"], step="observe", on_date=date.today(), note="gezien")
    db.session.commit()
    [tr] = hvhk_family_export(db.session.get(Family, world["fam"].id))["petra"]
    assert tr["concerns"][0]["description"] == "zorg" and tr["concerns"][0]["steps"][0]["note"] == "gezien"
    hvhk_family_erase(db.session.get(Family, world["fam"].id))
    db.session.commit()
    assert db.session.scalar(select(db.func.count(Concern.id))) == 0
