"""PeTra through the core's kit: its teams from its module, conflict-safe saves (409, the read still logged),
list reads, and htmx answers (a fragment for htmx, a page for a boosted link or a plain request)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from racing import edited_meanwhile
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry, Membership
from plugins.petra.models import Trajectory

from .conftest import referral_data


def test_referral_offers_only_the_users_teams_that_use_petra(client, login, world):
    db.session.add(Membership(user_id=world["users"]["worker"].id, team_id=world["onthaal"].id, role="member"))
    db.session.commit()
    login(client, "worker")
    html = client.get("/petra/aanmelding").get_data(as_text=True)
    teams = re.search(r'<select[^>]*name="team_id".*?</select>', html, re.S).group(0)
    assert re.findall(r">([^<]+)</option>", teams) == ["PeTra"]  # not Onthaal (PeTra off), not another team


def test_a_stale_save_is_409_keeps_the_input_and_still_logs_the_read(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], status="waiting")
    login(client, "worker")
    old = t.version
    data = referral_data(world, version=str(old), question="Eerste aanpassing")
    assert client.post(f"/petra/traject/{t.id}/aanmelding", data=data).status_code == 302
    reads = select(func.count(AuditEntry.id)).where(AuditEntry.action == "view", AuditEntry.object_id == t.id,
                                                    AuditEntry.detail == "aanmelding bewerken")
    before = db.session.scalar(reads)
    resp = client.post(f"/petra/traject/{t.id}/aanmelding", data=dict(data, question="Te laat"))
    assert resp.status_code == 409
    body = resp.get_data(as_text=True)
    assert "Iemand anders heeft dit intussen gewijzigd." in body and "Te laat" in body
    assert db.session.scalar(reads) == before + 1  # the rollback of the save did not take the read with it
    db.session.expire_all()
    assert db.session.get(Trajectory, t.id).question == "Eerste aanpassing"


def test_a_racing_save_of_the_workers_is_a_409(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], lead=world["users"]["worker"],
                        start_on=date.today() - timedelta(days=10))
    login(client, "worker")
    data = {"version": str(t.version), "lead_worker_id": str(world["users"]["manager"].id), "second_worker_id": "0",
            "max_months": "9"}
    with edited_meanwhile(Trajectory, t.id, max_months=12) as ran:
        resp = client.post(f"/petra/traject/{t.id}/begeleiders", data=data)
    assert ran and resp.status_code == 409
    assert "Iemand anders heeft dit intussen gewijzigd." in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Trajectory, t.id).max_months == 12


def test_a_stale_phase_change_is_refused_with_a_message(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=20))
    login(client, "worker")
    old = t.version
    t.max_months = 7
    db.session.commit()
    resp = client.post(f"/petra/traject/{t.id}/fase", data={"version": str(old), "phase": "4",
                                                             "on": date.today().isoformat()}, follow_redirects=True)
    assert "Iemand anders heeft dit intussen gewijzigd." in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Trajectory, t.id).phase == 3


def test_waiting_list_logs_one_read_per_family_with_its_trajectory(client, login, world, make_trajectory,
                                                                    make_family):
    other = make_family("Janssens", children=(("Mila", date(2015, 1, 5)),))
    a = make_trajectory(world["petra"], world["fam"], world["lotte"], status="waiting")
    make_trajectory(world["petra"], world["fam"], world["lotte"], status="waiting")
    c = make_trajectory(world["petra"], other, other.children()[0], status="waiting")
    login(client, "worker")
    assert client.get("/petra/wachtlijst").status_code == 200
    rows = db.session.execute(select(AuditEntry.family_id, AuditEntry.object_id).where(
        AuditEntry.detail == "lijst: wachtlijst").order_by(AuditEntry.family_id)).all()
    assert sorted(rows) == sorted([(world["fam"].id, a.id), (other.id, c.id)])


def test_family_panel_is_a_fragment_for_htmx_and_a_page_otherwise(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"])
    login(client, "worker")
    url = f"/petra/gezin/{world['fam'].id}/paneel"
    assert "<!doctype html>" not in client.htmx_get(url).get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert "<!doctype html>" in page and "<h1>PeTra-trajecten</h1>" in page and t.ref in page
    assert f'href="/gezinnen/{world["fam"].id}"' in page and "Terug naar het gezin" in page


def test_a_boosted_contact_post_gets_the_page_flow_not_a_fragment(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=5))
    login(client, "worker")
    data = {"on_date": date.today().isoformat(), "minutes": "45", "kind": "sessie_kind", "place": "school",
            "parties": ["kind"], "note": ""}
    fragment = client.post(f"/petra/traject/{t.id}/contact", data=data, htmx=True)
    assert fragment.status_code == 200 and 'id="petra-contacts"' in fragment.get_data(as_text=True)
    boosted = client.post(f"/petra/traject/{t.id}/contact", data=data,
                          headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert boosted.status_code == 302 and boosted.headers["Location"].endswith(f"/petra/traject/{t.id}")
