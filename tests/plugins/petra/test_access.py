"""Access: only teams with PeTra; a trajectory for its owning team (and admins); refusals audit-logged;
partners and teams without the plugin get 404; a POST without CSRF token gets 400."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry
from core.plugins import current_plugins
from plugins.petra.models import Contact

from .conftest import referral_data


def test_other_team_gets_404_and_the_refusal_is_logged(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=10))
    login(client, "ovw")  # Opvoedingswinkel has PeTra on, but does not own this trajectory
    for url in (f"/petra/traject/{t.id}", f"/petra/traject/{t.id}/plan", f"/petra/traject/{t.id}/sdq",
                f"/petra/traject/{t.id}/plan/afdruk", f"/petra/traject/{t.id}/afronding"):
        assert client.get(url).status_code == 404, url
    resp = client.post(f"/petra/traject/{t.id}/contact", data={
        "on_date": date.today().isoformat(), "minutes": "30", "kind": "sessie_kind", "place": "school",
        "parties": ["kind"]})
    assert resp.status_code == 404
    assert db.session.scalar(select(func.count(Contact.id))) == 0
    denied = db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "denied", AuditEntry.family_id == world["fam"].id,
        AuditEntry.user_id == world["users"]["ovw"].id))
    assert denied == 6
    body = client.get("/petra/").get_data(as_text=True)
    assert t.ref not in body
    assert client.get("/petra/wachtlijst").status_code == 200


def test_team_without_plugin_and_partner_get_404(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"])
    login(client, "onthaal")
    for url in ("/petra/", "/petra/aanmelding", f"/petra/traject/{t.id}", "/petra/teamoverleg"):
        assert client.get(url).status_code == 404, url
    client.post("/logout")
    login(client, "partner")
    for url in ("/petra/", f"/petra/traject/{t.id}", "/petra/bijdragen"):
        assert client.get(url).status_code == 404, url


def test_post_without_csrf_token_is_refused(client, login, world):
    login(client, "worker")
    resp = client.post("/petra/aanmelding", data=referral_data(world), csrf=False)
    assert resp.status_code == 400


def test_admin_sees_every_trajectory_and_views_are_audited(client, login, world, make_trajectory):
    t = make_trajectory(world["ovw"], world["fam"], world["lotte"])
    login(client, "admin")
    assert client.get(f"/petra/traject/{t.id}").status_code == 200
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "view",
                                                       AuditEntry.object_type == "petra_trajectory"))
    assert entry.family_id == world["fam"].id and entry.object_id == t.id


def test_search_by_number_and_by_name_only_for_the_owning_team(app, client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"])
    login(client, "worker")
    hook = current_plugins().hook_for
    with app.test_request_context():
        worker, ovw = world["users"]["worker"], world["users"]["ovw"]
        by_ref = [r for rs in hook(worker, "hvhk_search")(query=t.ref, user=worker) for r in rs]
        by_name = [r for rs in hook(worker, "hvhk_search")(query="lotte", user=worker) for r in rs]
        other = [r for rs in hook(ovw, "hvhk_search")(query="lotte", user=ovw) for r in rs]
        other_ref = [r for rs in hook(ovw, "hvhk_search")(query=t.ref, user=ovw) for r in rs]
    assert [r.label for r in by_ref] == [f"{t.ref} · Lotte Peeters"]
    assert by_ref[0].url == f"/petra/traject/{t.id}"
    assert len(by_name) == 1 and other == [] and other_ref == []


def test_family_panel_and_caseload_widget(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], lead=world["users"]["worker"],
                        start_on=date.today() - timedelta(days=3))
    make_trajectory(world["ovw"], world["fam"], world["lotte"])
    login(client, "worker")
    body = client.htmx_get(f"/petra/gezin/{world['fam'].id}/paneel").get_data(as_text=True)
    assert t.ref in body and "1 traject(en) bij een ander team." in body and "<html" not in body
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.object_type == "petra_family_panel", AuditEntry.family_id == world["fam"].id)) == 1
    body = client.htmx_get("/petra/widget/caseload").get_data(as_text=True)
    assert "Worker" in body and "<td>1</td>" in body
    client.post("/logout")
    login(client, "onthaal")
    assert client.htmx_get(f"/petra/gezin/{world['fam'].id}/paneel").status_code == 404


def test_global_search_page_shows_own_trajectories(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"])
    login(client, "worker")
    body = client.get(f"/zoeken?q={t.ref}").get_data(as_text=True)
    assert f"/petra/traject/{t.id}" in body and "PeTra-traject" in body
    client.post("/logout")
    login(client, "ovw")
    body = client.get(f"/zoeken?q={t.ref}").get_data(as_text=True)
    assert f"/petra/traject/{t.id}" not in body


def test_lists_with_children_names_are_audited_per_family(client, login, world, make_trajectory, make_family):
    fam2 = make_family("Claes", children=(("Jonas", date(2013, 5, 5)),))
    make_trajectory(world["petra"], world["fam"], world["lotte"], status="waiting")
    make_trajectory(world["petra"], fam2, fam2.children()[0], status="waiting")
    login(client, "worker")
    assert client.get("/petra/wachtlijst").status_code == 200
    families = set(db.session.scalars(select(AuditEntry.family_id).where(
        AuditEntry.action == "view", AuditEntry.detail == "lijst: wachtlijst")))
    assert families == {world["fam"].id, fam2.id}
