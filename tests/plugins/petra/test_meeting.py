"""The team meeting view and settings that shape trajectories (maximum duration, norms)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from core.extensions import db
from plugins.petra import logic
from plugins.petra.models import Roundtable, SdqResult, Trajectory

from .conftest import referral_data


def test_meeting_lists_new_referrals_due_evaluations_and_open_fees(client, login, world, make_trajectory,
                                                                    make_family):
    login(client, "worker")
    client.post("/petra/aanmelding", data=referral_data(world, referred_on=(date.today() - timedelta(days=3)).isoformat()))
    new = db.session.scalar(select(Trajectory))
    fam2 = make_family("Claes", children=(("Jonas", date(2013, 5, 5)),))
    # started 100 days ago: SDQ at the start and the interim evaluation are due
    due = make_trajectory(world["petra"], fam2, fam2.children()[0], start_on=date.today() - timedelta(days=100),
                          has_fee=True)
    # started 100 days ago with both done: nothing due
    fam3 = make_family("Aydin", children=(("Emir", date(2014, 5, 5)),))
    done = make_trajectory(world["petra"], fam3, fam3.children()[0], start_on=date.today() - timedelta(days=100))
    db.session.add(Roundtable(trajectory_id=done.id, kind="tussentijds", held_on=date.today() - timedelta(days=5),
                              participants="ouders"))
    db.session.add(SdqResult(trajectory_id=done.id, informant="ouder", moment="voor", taken_on=done.start_on,
                             emotional=1, conduct=1, hyperactivity=1, peer=1, prosocial=5, total=4))
    db.session.commit()
    body = client.get("/petra/teamoverleg").get_data(as_text=True)
    new_section = body.split('id="nieuw-titel"')[1].split("</section>")[0]
    assert new.ref in new_section and due.ref not in new_section
    due_section = body.split('id="due-titel"')[1].split("</section>")[0]
    assert f"{due.ref}</a> Jonas Claes: SDQ bij de start, Tussentijdse evaluatie" in due_section
    assert done.ref not in due_section
    fees_section = body.split('id="fees-titel"')[1].split("</section>")[0]
    assert "1 open, samen €\xa050,00" in fees_section


def test_maximum_duration_setting_applies_to_new_referrals(client, login, world):
    login(client, "manager")
    assert client.post("/petra/instellingen", data=dict(logic.DEFAULTS, max_months="4")).status_code == 302
    body = client.post("/petra/instellingen", data=dict(logic.DEFAULTS, max_months="40")).get_data(as_text=True)
    assert "Kies tussen 1 en 24 maanden." in body and 'value="40"' in body
    client.post("/petra/aanmelding", data=referral_data(world))
    assert db.session.scalar(select(Trajectory)).max_months == 4


def test_norms_are_settings(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=10),
                        contacts=2)
    login(client, "manager")
    client.post("/petra/instellingen", data=dict(logic.DEFAULTS, norm_sessie_kind="12"))
    body = client.get(f"/petra/traject/{t.id}").get_data(as_text=True)
    assert "Sessies met het kind: <strong>2</strong> / 12" in body


def test_waiting_list_is_in_order_of_registration(client, login, world, make_trajectory, make_family):
    fam2 = make_family("Claes", children=(("Jonas", date(2013, 5, 5)),))
    late = make_trajectory(world["petra"], world["fam"], world["lotte"], status="waiting",
                           referred_on=date.today() - timedelta(days=5))
    early = make_trajectory(world["petra"], fam2, fam2.children()[0], status="waiting",
                            referred_on=date.today() - timedelta(days=40))
    login(client, "worker")
    body = client.get("/petra/wachtlijst").get_data(as_text=True)
    assert body.index(early.ref) < body.index(late.ref)
    assert '<td class="petra-days">40</td>' in body and '<td class="petra-days">5</td>' in body


def test_workers_and_duration_of_a_trajectory_can_change(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=10),
                        lead=world["users"]["worker"])
    login(client, "worker")
    assert client.get(f"/petra/traject/{t.id}/begeleiders").status_code == 200
    body = client.post(f"/petra/traject/{t.id}/begeleiders", data={
        "version": str(t.version), "lead_worker_id": str(world["users"]["worker"].id),
        "second_worker_id": str(world["users"]["worker"].id), "max_months": "8"}).get_data(as_text=True)
    assert "De tweede begeleider moet iemand anders zijn" in body and 'value="8"' in body
    resp = client.post(f"/petra/traject/{t.id}/begeleiders", data={
        "version": str(t.version), "lead_worker_id": str(world["users"]["worker"].id),
        "second_worker_id": str(world["users"]["manager"].id), "max_months": "8"})
    assert resp.status_code == 302
    db.session.expire_all()
    t = db.session.get(Trajectory, t.id)
    assert t.second_worker_id == world["users"]["manager"].id and t.max_months == 8
    # another team's worker cannot be chosen
    body = client.post(f"/petra/traject/{t.id}/begeleiders", data={
        "version": str(t.version), "lead_worker_id": str(world["users"]["ovw"].id), "second_worker_id": "0",
        "max_months": "6"}).get_data(as_text=True)
    assert "Kies een van de mogelijkheden." in body


def test_family_panel_offers_referral_of_children_without_a_running_trajectory(client, login, world, make_family):
    fam = make_family("Claes", children=(("Jonas", date(2013, 5, 5)), ("Mila", date(2015, 6, 6))),
                      involved=(world["petra"],))
    login(client, "worker")
    body = client.htmx_get(f"/petra/gezin/{fam.id}/paneel").get_data(as_text=True)
    jonas = [p for p in fam.children() if p.given_name == "Jonas"][0]
    assert f"/petra/aanmelding?kind={jonas.id}" in body and "Mila" in body


def test_year_overview_counts_the_year(client, login, world, make_trajectory, make_family, count_queries):
    from plugins.petra.models import Contact, Fee

    year = date.today().year - 1
    fam2 = make_family("Claes", children=(("Jonas", date(2013, 5, 5)),))
    closed = make_trajectory(world["petra"], world["fam"], world["lotte"], status="closed",
                             referred_on=date(year, 1, 10), start_on=date(year, 2, 9), has_fee=True)
    closed.closed_on, closed.closure_reason = date(year, 7, 9), "zelfstandig"
    make_trajectory(world["petra"], fam2, fam2.children()[0], status="waiting", referred_on=date(year, 11, 1))
    make_trajectory(world["ovw"], fam2, fam2.children()[0], status="ongoing", referred_on=date(year, 3, 1),
                    start_on=date(year, 3, 20))  # another team: not counted
    for day, kind, minutes in ((date(year, 2, 9), "rondetafel", 90), (date(year, 3, 1), "sessie_kind", 60),
                               (date(year, 3, 8), "sessie_kind", 60)):
        db.session.add(Contact(trajectory_id=closed.id, on_date=day, minutes=minutes, kind=kind, place="school",
                               parties="kind"))
    for moment, total in (("voor", 20), ("na", 12)):
        db.session.add(SdqResult(trajectory_id=closed.id, informant="ouder", moment=moment, taken_on=date(year, 3, 1),
                                 emotional=total // 4, conduct=total // 4, hyperactivity=total // 4, peer=total // 4,
                                 prosocial=5, total=total))
    fee = db.session.scalar(select(Fee))
    fee.paid_on = date(year, 2, 20)
    db.session.commit()
    login(client, "worker")
    body = client.get(f"/petra/jaaroverzicht?jaar={year}").get_data(as_text=True)
    assert "Aanmeldingen: 2</h2>" in body and "Gestart: 1</h2>" in body and "Afgerond: 1</h2>" in body
    assert "<strong>30</strong> dagen" in body  # from referral to start
    assert f"<strong>{(date(year, 7, 9) - date(year, 2, 9)).days}</strong> dagen" in body
    assert "<td>Sessie met het kind</td><td>2</td><td>2,0</td>" in body
    assert "<td>Ouder</td><td>1</td><td>20,0</td><td>12,0</td><td>1</td>" in body
    # the house's fee figures (core.finance): due by the start, paid by the payment date
    assert '<tr data-fee="paid"><td>Bijdragen betaald</td><td>1</td><td>€\xa050,00</td></tr>' in body
    assert '<tr data-fee="due"><td>Bijdragen verschuldigd</td><td>1</td><td>€\xa050,00</td></tr>' in body
    assert '<tr data-fee="open"><td>Bijdragen open</td><td>0</td><td>€\xa00,00</td></tr>' in body
    with count_queries() as n:
        client.get(f"/petra/jaaroverzicht?jaar={year}")
    assert n.count < 25


def test_meeting_shows_decided_trajectories_without_start_roundtable(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], status="clarifying")
    t.phase2_on = date.today() - timedelta(days=45)
    db.session.commit()
    login(client, "worker")
    body = client.get("/petra/teamoverleg").get_data(as_text=True)
    section = body.split('id="stil-titel"')[1].split("</section>")[0]
    assert t.ref in section and "(45 dagen)" in section


def test_the_meeting_shows_one_team_at_a_time_and_never_a_team_that_is_not_yours(client, login, world,
                                                                                    make_trajectory, make_family):
    """An admin (or a manager of several teams) picks the team; the list is that team's only (the queries stay
    one team wide); a worker asking for another team's meeting gets their own team's."""
    fam2 = make_family("Claes", children=(("Jonas", date(2013, 5, 5)),))
    ours = make_trajectory(world["petra"], fam2, fam2.children()[0], start_on=date.today() - timedelta(days=100))
    fam3 = make_family("Aydin", children=(("Emir", date(2014, 5, 5)),))
    theirs = make_trajectory(world["ovw"], fam3, fam3.children()[0], start_on=date.today() - timedelta(days=100))
    login(client, "admin")
    first = client.get("/petra/teamoverleg").get_data(as_text=True)  # teams by name: Opvoedingswinkel first
    assert 'name="team"' in first and theirs.ref in first and ours.ref not in first
    picked = client.get(f"/petra/teamoverleg?team={world['petra'].id}").get_data(as_text=True)
    assert "<h1>Teamoverleg PeTra</h1>" in picked and ours.ref in picked and theirs.ref not in picked
    worker = client.application.test_client()
    login(worker, "worker")
    body = worker.get(f"/petra/teamoverleg?team={world['ovw'].id}").get_data(as_text=True)
    assert ours.ref in body and theirs.ref not in body and 'name="team"' not in body
