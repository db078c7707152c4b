"""Team meeting decisions, the minutes and the supervision log: rules, Dutch messages, who may see what."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEntry
from plugins.petra import operations
from plugins.petra.models import Supervision, TeamDecision, TeamMeeting


def _decide(client, t, present, decision="continue", held_on=None, note="Gaat goed op school."):
    return client.post(f"/petra/traject/{t.id}/teambeslissing", data={
        "held_on": (held_on or date.today()).isoformat(), "decision": decision, "present": [str(i) for i in present],
        "note": note})


def test_decision_is_recorded_with_date_and_who_was_present(client, login, world, make_trajectory):
    u = world["users"]
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=40),
                        lead=u["worker"])
    login(client, "worker")
    assert client.get(f"/petra/traject/{t.id}/teambeslissing").status_code == 200
    resp = _decide(client, t, [u["worker"].id, u["manager"].id], "change")
    assert resp.status_code == 302
    d = db.session.scalar(select(TeamDecision))
    m = db.session.get(TeamMeeting, d.meeting_id)
    assert (d.decision, d.trajectory_id, m.held_on, m.team_id) == ("change", t.id, date.today(), world["petra"].id)
    assert {p.id for p in m.present} == {u["worker"].id, u["manager"].id}
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "petra_team_decision")).family_id \
        == world["fam"].id
    body = client.get(f"/petra/traject/{t.id}").get_data(as_text=True)
    assert "Bijsturen (wending)" in body
    # the meeting page shows the last decision and links the minutes
    body = client.get("/petra/teamoverleg").get_data(as_text=True)
    assert f"/petra/teamoverleg/{m.id}/verslag" in body and "Bijsturen (wending) (" in body
    # a second decision the same day joins the same meeting
    _decide(client, t, [u["worker"].id], "continue")
    assert db.session.scalar(select(db.func.count(TeamMeeting.id))) == 1


def test_decision_bad_input_dutch_messages_and_nothing_saved(client, login, world, make_trajectory):
    u = world["users"]
    closed = make_trajectory(world["petra"], world["fam"], world["lotte"], status="closed",
                             start_on=date.today() - timedelta(days=90))
    login(client, "worker")
    resp = _decide(client, closed, [u["worker"].id])
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Dit traject is afgesloten: er kan geen teambeslissing meer bij." in body
    assert "Gaat goed op school." in body  # the input stays
    running = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=9))
    body = _decide(client, running, []).get_data(as_text=True)
    assert "Duid aan wie aanwezig was op het overleg." in body
    body = _decide(client, running, [u["ovw"].id]).get_data(as_text=True)  # not of the team: not a choice
    assert f"&#39;{u['ovw'].id}&#39; is een ongeldige keuze voor dit veld." in body
    body = _decide(client, running, [u["worker"].id], held_on=date.today() + timedelta(days=3)).get_data(as_text=True)
    assert "Het overleg ligt in de toekomst." in body
    body = _decide(client, running, [u["worker"].id], decision="").get_data(as_text=True)
    assert "Kies een beslissing." in body
    assert db.session.scalar(select(db.func.count(TeamDecision.id))) == 0
    assert db.session.scalar(select(db.func.count(TeamMeeting.id))) == 0


def test_decision_operation_refuses_staff_of_another_team(app, world, make_trajectory):
    import pytest

    from core.operations import Refused

    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=9))
    with pytest.raises(Refused, match="Alleen medewerkers van het team"):
        operations.record_team_decision(t, world["users"]["worker"], decision="stop", held_on=date.today(),
                                        present_ids=[world["users"]["partner"].id])
    with pytest.raises(Refused, match="Dit traject hoort bij een ander team"):
        operations.record_team_decision(t, world["users"]["ovw"], decision="stop", held_on=date.today(),
                                        present_ids=[world["users"]["worker"].id])


def test_minutes_print_the_meetings_decisions_and_are_audited(client, login, world, make_trajectory, make_family):
    u = world["users"]
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=40))
    fam2 = make_family("Claes", children=(("Jonas", date(2013, 5, 5)),))
    t2 = make_trajectory(world["petra"], fam2, fam2.children()[0], status="waiting")
    login(client, "manager")
    _decide(client, t, [u["worker"].id, u["manager"].id], "stop", note="Doelen bereikt.")
    _decide(client, t2, [u["worker"].id, u["manager"].id], "start", note="")
    m = db.session.scalar(select(TeamMeeting))
    before = db.session.scalar(select(db.func.max(AuditEntry.id)))
    resp = client.get(f"/petra/teamoverleg/{m.id}/verslag")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Verslag teamoverleg PeTra" in body
    assert "Aanwezig: manager" in body or "Aanwezig: " in body
    assert t.ref in body and t2.ref in body and "Stoppen" in body and "Starten" in body and "Doelen bereikt." in body
    assert "Lotte Peeters" in body and "Jonas Claes" in body  # names: the minutes stay inside
    logged = list(db.session.execute(select(AuditEntry.family_id, AuditEntry.object_type)
                                     .where(AuditEntry.id > before)))
    assert sorted(logged) == sorted([(world["fam"].id, "petra_team_decision"), (fam2.id, "petra_team_decision")])


def test_forbidden_users_get_nothing_of_decisions_and_minutes(client, login, world, make_trajectory):
    u = world["users"]
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=40))
    login(client, "worker")
    _decide(client, t, [u["worker"].id], "continue", note="Geheime afspraak")
    m = db.session.scalar(select(TeamMeeting))
    client.post("/logout")
    for name, status in (("ovw", 404), ("onthaal", 404), ("partner", 404)):
        login(client, name)
        for url in (f"/petra/traject/{t.id}/teambeslissing", f"/petra/teamoverleg/{m.id}/verslag"):
            resp = client.get(url)
            assert resp.status_code == status, (name, url)
            assert "Geheime afspraak" not in resp.get_data(as_text=True)
        resp = _decide(client, t, [u["worker"].id], "stop")
        assert resp.status_code == 404
        client.post("/logout")
    assert [d.decision for d in db.session.scalars(select(TeamDecision))] == ["continue"]


def test_supervision_log_visible_to_the_worker_and_the_managers_only(client, login, world, make_user):
    u = world["users"]
    colleague = make_user("collega", {world["petra"]: "member"})
    login(client, "manager")
    assert client.get("/petra/supervisie").status_code == 200
    body = client.post(f"/petra/supervisie/{u['worker'].id}", data={"held_on": date.today().isoformat(),
                                                                     "notes": ""}).get_data(as_text=True)
    assert "Vul de notities van de supervisie in." in body
    body = client.post(f"/petra/supervisie/{u['worker'].id}", data={
        "held_on": (date.today() + timedelta(days=2)).isoformat(), "notes": "Over grenzen"}).get_data(as_text=True)
    assert "de datum ligt in de toekomst" in body and "Over grenzen" in body
    resp = client.post(f"/petra/supervisie/{u['worker'].id}", data={"held_on": date.today().isoformat(),
                                                                     "notes": "Krachtgericht werken besproken."})
    assert resp.status_code == 302
    s = db.session.scalar(select(Supervision))
    assert (s.worker_id, s.manager_id, s.team_id) == (u["worker"].id, u["manager"].id, world["petra"].id)
    client.post("/logout")
    login(client, "worker")
    body = client.get(f"/petra/supervisie/{u['worker'].id}").get_data(as_text=True)
    assert "Krachtgericht werken besproken." in body and "Supervisie noteren" not in body
    assert client.post(f"/petra/supervisie/{u['worker'].id}", data={
        "held_on": date.today().isoformat(), "notes": "zelf"}).status_code == 403
    assert client.get("/petra/supervisie").status_code == 302  # a worker goes to their own log
    client.post("/logout")
    for name in ("collega", "ovw", "onthaal", "partner", "admin"):
        login(client, name)
        resp = client.get(f"/petra/supervisie/{u['worker'].id}")
        assert resp.status_code == 404, name
        assert "Krachtgericht" not in resp.get_data(as_text=True)
        client.post("/logout")
    assert db.session.scalar(select(db.func.count(Supervision.id))) == 1
    del colleague


def test_audit_labels_name_the_new_object_types_in_dutch(app):
    from plugins.petra import hvhk_audit_labels

    labels = hvhk_audit_labels()
    for object_type in ("petra_team_decision", "petra_supervision", "petra_concern", "petra_contact"):
        assert labels[object_type].startswith("PeTra-")
