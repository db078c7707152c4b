"""SDQ validation and banding per informant; engagement fee by VT, waiver, settings."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.extensions import db
from plugins.petra import logic
from plugins.petra.models import Fee, SdqResult

SCALES = ["emotional", "conduct", "hyperactivity", "peer", "prosocial"]


def sdq_data(informant="ouder", moment="voor", scores=(3, 3, 4, 4, 7), **over):
    data = {"informant": informant, "moment": moment, "taken_on": (date.today() - timedelta(days=3)).isoformat(),
            **{k: str(v) for k, v in zip(SCALES, scores, strict=True)}}
    data.update(over)
    return data


def test_sdq_score_of_eleven_is_refused_with_input_kept(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=30))
    login(client, "worker")
    resp = client.post(f"/petra/traject/{t.id}/sdq", data=sdq_data(scores=(11, 3, 4, 4, 7)))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Een schaalscore ligt tussen 0 en 10." in body and 'value="11"' in body
    assert "Niet opgeslagen." in body
    assert db.session.scalar(select(func.count(SdqResult.id))) == 0


def test_sdq_missing_subscale_and_negative_are_refused(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=30))
    login(client, "worker")
    body = client.post(f"/petra/traject/{t.id}/sdq", data=sdq_data(peer="")).get_data(as_text=True)
    assert "Vul deze score in (0 tot 10)." in body
    body = client.post(f"/petra/traject/{t.id}/sdq", data=sdq_data(conduct="-1")).get_data(as_text=True)
    assert "Een schaalscore ligt tussen 0 en 10." in body
    assert db.session.scalar(select(func.count(SdqResult.id))) == 0


def test_sdq_total_is_sum_without_prosocial_and_banded_per_informant(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=30))
    login(client, "worker")
    for inf in ("ouder", "leerkracht", "kind"):  # Lotte is 11: self-report allowed
        resp = client.post(f"/petra/traject/{t.id}/sdq", data=sdq_data(informant=inf, scores=(3, 3, 4, 4, 10)))
        assert resp.status_code == 302
    totals = {s.informant: s.total for s in db.session.scalars(select(SdqResult))}
    assert totals == {"ouder": 14, "leerkracht": 14, "kind": 14}
    settings = logic.load_settings()
    # 14: parent 14-16 borderline, teacher 12-15 borderline, self-report 16-19 borderline -> normal
    assert logic.sdq_band(14, "ouder", settings) == "grensgebied"
    assert logic.sdq_band(17, "ouder", settings) == "verhoogd"
    assert logic.sdq_band(13, "ouder", settings) == "normaal"
    assert logic.sdq_band(16, "leerkracht", settings) == "verhoogd"
    assert logic.sdq_band(14, "kind", settings) == "normaal"
    assert logic.sdq_band(20, "kind", settings) == "verhoogd"
    body = client.get(f"/petra/traject/{t.id}/sdq").get_data(as_text=True)
    assert body.count("<svg") == 3 and body.count("petra-band-grensgebied") == 2
    # entering the same moment again replaces it
    client.post(f"/petra/traject/{t.id}/sdq", data=sdq_data(informant="ouder", scores=(1, 1, 1, 1, 9)))
    assert db.session.scalar(select(func.count(SdqResult.id))) == 3


def test_sdq_cutoffs_are_settings(client, login, world, make_trajectory):
    login(client, "manager")
    values = dict(logic.DEFAULTS, sdq_ouder="10,12")
    assert client.post("/petra/instellingen", data=values).status_code == 302
    assert logic.sdq_band(11, "ouder", logic.load_settings()) == "grensgebied"
    values = dict(logic.DEFAULTS, sdq_ouder="12,10")
    body = client.post("/petra/instellingen", data=values).get_data(as_text=True)
    assert "Het eerste getal moet kleiner zijn dan het tweede" in body and 'value="12,10"' in body


def test_self_report_under_eleven_is_refused(client, login, world, make_family, make_trajectory):
    fam = make_family("Claes", children=(("Jonas", date.today() - timedelta(days=int(9.5 * 365))),))
    t = make_trajectory(world["petra"], fam, fam.children()[0], start_on=date.today() - timedelta(days=30))
    login(client, "worker")
    body = client.post(f"/petra/traject/{t.id}/sdq", data=sdq_data(informant="kind")).get_data(as_text=True)
    assert "De zelfrapportage is er vanaf 11 jaar" in body
    assert db.session.scalar(select(func.count(SdqResult.id))) == 0


def _start(client, t):
    return client.post(f"/petra/traject/{t.id}/rondetafel", data={
        "kind": "start", "held_on": (date.today() - timedelta(days=5)).isoformat(), "minutes": "90",
        "participants": ["klasleerkracht", "ouders"]})


def test_fee_follows_vt_of_the_family(client, login, world, make_family, make_trajectory):
    vt_fam = make_family("Aydin", children=(("Emir", date(2014, 1, 1)),), has_vt=True)
    t_vt = make_trajectory(world["petra"], vt_fam, vt_fam.children()[0], status="clarifying")
    t_full = make_trajectory(world["petra"], world["fam"], world["lotte"], status="clarifying")
    login(client, "worker")
    assert _start(client, t_vt).status_code == 302
    assert _start(client, t_full).status_code == 302
    fees = {f.trajectory_id: f for f in db.session.scalars(select(Fee))}
    assert fees[t_vt.id].amount == Decimal("25.00") and fees[t_vt.id].vt
    assert fees[t_full.id].amount == Decimal("50.00") and not fees[t_full.id].vt
    body = client.get("/petra/bijdragen").get_data(as_text=True)
    assert t_vt.ref in body and t_full.ref in body and "€\xa075,00" in body


def test_fee_waiver_needs_a_reason_and_leaves_the_open_list(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today(), has_fee=True)
    login(client, "worker")
    fee = db.session.scalar(select(Fee))
    body = client.post(f"/petra/traject/{t.id}/bijdrage", data={
        "version": str(fee.version), "action": "kwijtschelden", "waive_reason": ""}).get_data(as_text=True)
    assert "Geef de reden van de kwijtschelding." in body
    resp = client.post(f"/petra/traject/{t.id}/bijdrage", data={
        "version": str(fee.version), "action": "kwijtschelden", "waive_reason": "financiële drempel"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.expire_all()
    fee = db.session.scalar(select(Fee))
    assert fee.waived and fee.waive_reason == "financiële drempel"
    assert t.ref not in client.get("/petra/bijdragen").get_data(as_text=True)


def test_fee_amounts_are_settings(client, login, world, make_trajectory):
    login(client, "manager")
    assert client.post("/petra/instellingen", data=dict(logic.DEFAULTS, fee_full="60", fee_vt="20")).status_code == 302
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], status="clarifying")
    assert _start(client, t).status_code == 302
    assert db.session.scalar(select(Fee)).amount == Decimal("60.00")


def test_settings_are_for_managers_only(client, login, world):
    login(client, "worker")
    assert client.get("/petra/instellingen").status_code == 403
    assert client.post("/petra/instellingen", data=dict(logic.DEFAULTS, max_months="4")).status_code == 403
    assert logic.load_settings()["max_months"] == 6
