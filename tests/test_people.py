"""core.people: the one way to find and show people (need-to-know), and the side doors it closes.

Defect 1 of issue 13: staff read a child's details by person id (PeTra referral form, group enrolment) without
any involvement of their team and without audit; the child searches listed other families' children with
their school. Defect 2: the one-person export crossed into the person's other family.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import Forbidden, NotFound

from core import people
from core.extensions import db
from core.models import AuditEntry, FamilyMember, Involvement
from plugins.groups.models import Enrolment, Programme
from plugins.petra.models import Trajectory


@pytest.fixture
def world(app, make_team, make_staff, make_org, make_family):
    """PeTra (petra and groups on), Opvoedingswinkel (groups on), Onthaal (network on); the Peeters family with
    Lotte (no team involved) and the Claes family with Jonas (PeTra involved)."""
    petra = make_team("PeTra", plugins=("petra", "groups", "network"))
    ovw = make_team("Opvoedingswinkel", plugins=("groups", "network"))
    onthaal = make_team("Onthaal", plugins=("network",))
    school = make_org("Basisschool De Linde")
    other_school = make_org("Basisschool Het Kompas")
    users = make_staff(petra, ovw=ovw, onthaal=onthaal, school=school)
    peeters = make_family("Peeters", children=(("Lotte", date(2015, 3, 14)),), municipality="As")
    lotte = peeters.children()[0]
    lotte.school_id, lotte.class_teacher = school.id, "juf Ingeborg"
    claes = make_family("Claes", children=(("Jonas", date(2013, 5, 5)),), involved=(petra,))
    jonas = claes.children()[0]
    jonas.school_id = other_school.id
    db.session.commit()
    return dict(petra=petra, ovw=ovw, onthaal=onthaal, school=school, other_school=other_school, users=users,
                peeters=peeters, fam=peeters, lotte=lotte, claes=claes, jonas=jonas)


def _denied(family_id=None, object_type=None):
    stmt = select(func.count(AuditEntry.id)).where(AuditEntry.action == "denied")
    if family_id is not None:
        stmt = stmt.where(AuditEntry.family_id == family_id)
    if object_type is not None:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    return db.session.scalar(stmt)


def _views(family_id):
    return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "view",
                                                                     AuditEntry.family_id == family_id))


# --------------------------------------------------------------------------- the API


def test_search_gives_directory_facts_for_other_families_and_details_for_involved_ones(world):
    worker = world["users"]["worker"]
    page = people.search(worker, "peeters")
    [card] = page.items
    assert (card.full_name, card.birth_year, card.municipality, card.teams) == ("Lotte Peeters", 2015, "As", ())
    assert card.details is None and not card.involved and card.token
    assert _views(world["peeters"].id) == 0
    [jonas] = people.search(worker, "jonas cl").items
    assert jonas.involved and jonas.teams == ("PeTra",)
    assert (jonas.details.school, jonas.details.school_year_label, jonas.details.birth_date) == (
        "Basisschool Het Kompas", "5de leerjaar", date(2013, 5, 5))
    assert jonas.details.family_label == "Claes"
    # the read of Jonas's details is in the Claes family's "who looked"
    assert _views(world["claes"].id) == 1
    # birth year narrows; accents and word order do not matter
    assert people.search(worker, "Peeters Lotte", birth_year=2015).items
    assert people.search(worker, "lotte", birth_year=2014).items == []
    assert people.search(worker, "l").items == []
    # parents only where asked for
    assert [c.full_name for c in people.search(worker, "sarah", roles=("ouder",)).items] == ["Sarah Claes",
                                                                                             "Sarah Peeters"]
    # partners and admins
    assert people.search(world["users"]["partner"], "peeters").items == []
    assert people.search(world["users"]["admin"], "peeters").items[0].involved


def test_person_for_refuses_without_involvement_and_logs_the_family(app, world):
    lotte, peeters = world["lotte"], world["peeters"]
    with app.test_request_context():
        with pytest.raises(Forbidden):
            people.person_for(world["users"]["worker"], lotte.id)
    assert _denied(peeters.id, "person") == 1
    with app.test_request_context():
        with pytest.raises(Forbidden):
            people.person_for(world["ovw"], lotte.id, peeters.id, object_type="groups_enrolment")
    assert _denied(peeters.id, "groups_enrolment") == 1
    with app.test_request_context():
        with pytest.raises(NotFound):
            people.person_for(world["users"]["worker"], lotte.id, world["claes"].id)
    # an involved team gets the person and the family; the read is audited with the family
    rec = people.person_for(world["petra"], world["jonas"].id, purpose="test")
    assert (rec.person.id, rec.family.id, rec.role) == (world["jonas"].id, world["claes"].id, "kind")
    assert db.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "view",
                                                             AuditEntry.family_id == world["claes"].id)) == "test"


def test_card_by_id_needs_the_token_of_a_search_unless_involved(app, world):
    worker, ovw = world["users"]["worker"], world["users"]["ovw"]
    lotte, peeters = world["lotte"], world["peeters"]
    with app.test_request_context():
        with pytest.raises(Forbidden):
            people.card(worker, lotte.id, peeters.id)
        with pytest.raises(Forbidden):  # a token for another person is no good
            people.card(worker, lotte.id, peeters.id, token=people.card_token(world["jonas"].id, peeters.id))
    assert _denied(peeters.id) == 2
    token = people.search(worker, "lotte").items[0].token
    found = people.card(worker, lotte.id, peeters.id, token=token)
    assert found.full_name == "Lotte Peeters" and found.details is None
    # the token is not tied to the user: a colleague may follow the link (they could search too)
    assert people.card(ovw, lotte.id, peeters.id, token=token).details is None
    involved = people.card(worker, world["jonas"].id)
    assert involved.details.school == "Basisschool Het Kompas"


def test_involve_registers_the_team_with_its_reason_and_logs_it(app, world):
    worker, lotte, peeters = world["users"]["worker"], world["lotte"], world["peeters"]
    with app.test_request_context():  # from a bare id: refused, logged with the family
        with pytest.raises(Forbidden):
            people.involve(worker, world["petra"], lotte.id, peeters.id, reason="x", source="petra")
    assert _denied(peeters.id) == 1
    rec = people.involve(worker, world["petra"], lotte.id, peeters.id, reason="Aanmelding PeTra", source="petra",
                         token=people.card_token(lotte.id, peeters.id))
    db.session.commit()
    assert rec.family.id == peeters.id
    inv = db.session.scalar(select(Involvement).where(Involvement.family_id == peeters.id))
    assert (inv.team_id, inv.reason, inv.source, inv.created_by_id) == (world["petra"].id, "Aanmelding PeTra",
                                                                        "petra", worker.id)
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "involve", AuditEntry.family_id == peeters.id)) == 1
    assert people.may_see(worker, peeters.id)
    # a user cannot register the involvement of a team they are not in
    with app.test_request_context():
        with pytest.raises(Forbidden):
            people.involve(worker, world["ovw"], lotte.id, peeters.id, reason="x", source="groups",
                           token=people.card_token(lotte.id, peeters.id))


# --------------------------------------------------------------------------- defect 1: PeTra referral form


def test_referral_form_by_child_id_shows_nothing_of_an_uninvolved_family(client, login, world):
    lotte, peeters = world["lotte"], world["peeters"]
    login(client, "worker")
    resp = client.get(f"/petra/aanmelding?kind={lotte.id}")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 403
    assert "Lotte" not in body and "Basisschool De Linde\" selected" not in body and "2015" not in body
    assert _denied(peeters.id) == 1


def test_referral_child_search_lists_directory_facts_and_prefills_no_school(client, login, world):
    login(client, "worker")
    body = client.get("/petra/aanmelding?zoek=lotte").get_data(as_text=True)
    assert "Lotte Peeters" in body and "2015" in body and "As" in body
    assert "juf Ingeborg" not in body and "5de leerjaar" not in body
    link = re.search(r'href="(/petra/aanmelding\?kind=[^"]+)"', body).group(1).replace("&amp;", "&")
    chosen = client.get(link)
    page = chosen.get_data(as_text=True)
    assert chosen.status_code == 200 and "Lotte Peeters" in page
    # the school, level and year are not prefilled: the team is not involved (yet)
    assert re.search(r"<option[^>]*selected[^>]*>Basisschool De Linde", page) is None
    assert 'value="5"' not in page and "juf Ingeborg" not in page
    assert _views(world["peeters"].id) == 0


def test_registering_the_referral_registers_the_involvement_then_details_open(client, login, world):
    from tests.plugins.petra.conftest import referral_data

    login(client, "worker")
    data = referral_data(world)
    resp = client.post("/petra/aanmelding", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    t = db.session.scalar(select(Trajectory))
    assert (t.family_id, t.child_id) == (world["peeters"].id, world["lotte"].id)
    inv = db.session.scalar(select(Involvement).where(Involvement.family_id == world["peeters"].id))
    assert (inv.team_id, inv.reason, inv.source) == (world["petra"].id, "Aanmelding PeTra", "petra")
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "involve", AuditEntry.family_id == world["peeters"].id)) == 1
    body = client.get(f"/petra/aanmelding?kind={world['lotte'].id}").get_data(as_text=True)
    assert re.search(r"<option[^>]*selected[^>]*>Basisschool De Linde", body)


def test_registering_from_a_bare_id_is_refused_and_logged(client, login, world, programme):
    """Acting on a child of another family starts from a search by name: a bare id registers nothing."""
    from tests.plugins.petra.conftest import referral_data

    login(client, "worker")
    data = dict(referral_data(world), sleutel="")
    assert client.post("/petra/aanmelding", data=data).status_code == 403
    client.post("/logout")
    login(client, "ovw")
    resp = client.post(f"/groepen/{programme.id}/inschrijven", data={
        "person_id": str(world["lotte"].id), "family_id": str(world["peeters"].id), "priority": "2"})
    assert resp.status_code == 403
    assert db.session.scalar(select(func.count(Trajectory.id))) == 0
    assert db.session.scalar(select(func.count(Enrolment.id))) == 0
    assert db.session.scalar(select(func.count(Involvement.id)).where(
        Involvement.family_id == world["peeters"].id)) == 0
    assert _denied(world["peeters"].id) == 2


def test_referral_warnings_check_uses_no_details_of_an_uninvolved_child(client, login, world, make_family):
    """The htmx check must not tell the age or school of a child whose family the team is not involved with."""
    maes = make_family("Maes", children=(("Bram", date(2004, 1, 2)),), municipality="Genk")
    bram = maes.children()[0]
    bram.school_level, bram.school_year = "kleuter", 2
    db.session.commit()
    login(client, "worker")
    token = people.card_token(bram.id, maes.id)
    data = {"child_id": str(bram.id), "family_id": str(maes.id), "sleutel": token,
            "referred_on": date.today().isoformat()}
    body = client.post("/petra/aanmelding/controle", data=data, htmx=True).get_data(as_text=True)
    assert "jaar:" not in body and "4de leerjaar" not in body
    # once the team is involved the same check warns about both
    db.session.add(Involvement(family_id=maes.id, team_id=world["petra"].id, reason="test"))
    db.session.commit()
    body = client.post("/petra/aanmelding/controle", data=data, htmx=True).get_data(as_text=True)
    assert "jaar:" in body and "4de leerjaar" in body


# --------------------------------------------------------------------------- defect 1: group enrolment


@pytest.fixture
def programme(world):
    p = Programme(team_id=world["ovw"].id, name="Woensdaggroep", kind="cycle", age_group="lager", capacity=8,
                  location="Campus", start_date=date.today())
    db.session.add(p)
    db.session.commit()
    return p


def test_enrol_pick_by_person_id_is_refused_without_involvement(client, login, world, programme):
    login(client, "ovw")
    resp = client.get(f"/groepen/inschrijven?person_id={world['lotte'].id}")
    assert resp.status_code == 403 and "Lotte" not in resp.get_data(as_text=True)
    assert _denied(world["peeters"].id) == 1


def test_enrol_form_by_ids_is_refused_and_logged_with_the_family(client, login, world, programme):
    login(client, "ovw")
    resp = client.get(f"/groepen/{programme.id}/inschrijven?person_id={world['lotte'].id}"
                      f"&family_id={world['peeters'].id}")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 403 and "Lotte" not in body and "leerjaar" not in body
    assert _denied(world["peeters"].id) == 1 and _views(world["peeters"].id) == 0


def test_enrol_search_then_enrol_registers_the_involvement(client, login, world, programme):
    login(client, "ovw")
    body = client.get(f"/groepen/{programme.id}/inschrijven?q=lotte").get_data(as_text=True)
    assert "Lotte Peeters" in body and "2015" in body
    assert "leerjaar" not in body and "juf Ingeborg" not in body and "Basisschool De Linde" not in body
    link = re.search(r'href="([^"]*inschrijven\?[^"]*person_id=[^"]+)"', body).group(1).replace("&amp;", "&")
    page = client.get(link).get_data(as_text=True)
    assert "Lotte Peeters" in page and "leerjaar" not in page and "Basisschool De Linde" not in page
    assert "betrokkenheid" in page  # the user is told the enrolment registers the team's involvement
    form = dict(re.findall(r'<input[^>]*name="(person_id|family_id|sleutel)"[^>]*value="([^"]*)"', page))
    resp = client.post(f"/groepen/{programme.id}/inschrijven", data=dict(form, priority="2", confirm_fit="y"))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    e = db.session.scalar(select(Enrolment))
    assert (e.person_id, e.family_id) == (world["lotte"].id, world["peeters"].id)
    inv = db.session.scalar(select(Involvement).where(Involvement.family_id == world["peeters"].id))
    assert (inv.team_id, inv.source) == (world["ovw"].id, "groups") and "Woensdaggroep" in inv.reason
    # now involved: the details open, and the read is audited with the family
    page = client.get(f"/groepen/inschrijven?person_id={world['lotte'].id}").get_data(as_text=True)
    assert "Lotte Peeters" in page
    assert _views(world["peeters"].id) >= 1


def test_enrol_post_for_an_uninvolved_family_with_an_error_keeps_the_input_without_details(
        client, login, world, programme):
    login(client, "ovw")
    db.session.add(Enrolment(programme_id=programme.id, person_id=world["lotte"].id,
                             family_id=world["peeters"].id, status="enrolled"))
    db.session.commit()
    token = people.card_token(world["lotte"].id, world["peeters"].id)
    resp = client.post(f"/groepen/{programme.id}/inschrijven", data={
        "person_id": str(world["lotte"].id), "family_id": str(world["peeters"].id), "sleutel": token,
        "priority": "2", "note": "allergie noten"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "staat al op de lijst" in body and "allergie noten" in body
    assert "leerjaar" not in body and "Basisschool De Linde" not in body
    assert db.session.scalar(select(func.count(Involvement.id)).where(
        Involvement.family_id == world["peeters"].id)) == 0


# --------------------------------------------------------------------------- defect 2: one-person export


def test_one_person_export_holds_only_what_belongs_to_the_family_it_is_made_from(client, login, world, app):
    """Lotte belongs to the Peeters family (PeTra involved) and, through the duplicate prompt, to the Wouters
    family of her father (Opvoedingswinkel involved, with an enrolment note and an ecomap tie)."""
    from plugins.network.models import EcoTie

    petra, ovw = world["petra"], world["ovw"]
    peeters, lotte = world["peeters"], world["lotte"]
    db.session.add(Involvement(family_id=peeters.id, team_id=petra.id, reason="Aanmelding PeTra"))
    wouters = peeters.__class__(label="Wouters", municipality="Genk")
    db.session.add(wouters)
    db.session.flush()
    db.session.add(FamilyMember(family_id=wouters.id, person_id=lotte.id, role="kind"))
    db.session.add(Involvement(family_id=wouters.id, team_id=ovw.id, reason="Vraag rond opvoeding"))
    p = Programme(team_id=ovw.id, name="Papa-groep", kind="cycle", age_group="lager", capacity=8, location="X",
                  start_date=date.today())
    db.session.add(p)
    db.session.flush()
    db.session.add(Enrolment(programme_id=p.id, person_id=lotte.id, family_id=wouters.id, status="enrolled",
                             note="geheime notitie papa"))
    db.session.add(EcoTie(family_id=wouters.id, person_id=lotte.id, label="nonkel Rik bij papa", team_id=ovw.id))
    db.session.add(EcoTie(family_id=peeters.id, person_id=lotte.id, label="oma Jeanne", team_id=petra.id))
    t = Trajectory(ref="PT-2025-0001", team_id=petra.id, family_id=peeters.id, child_id=lotte.id,
                   status="waiting", referred_on=date.today() - timedelta(days=3), referrer_kind="school",
                   channel="rechtstreeks", question="vraag bij mama")
    db.session.add(t)
    db.session.commit()
    other_client = app.test_client()
    login(other_client, "ovw")
    assert other_client.get(f"/gezinnen/{wouters.id}").status_code == 200  # a look: in Wouters' log only
    login(client, "manager")
    assert client.get(f"/gezinnen/{peeters.id}").status_code == 200
    resp = client.get(f"/gezinnen/{peeters.id}/leden/{lotte.id}/export")
    assert resp.status_code == 200
    zf = zipfile.ZipFile(io.BytesIO(resp.data))
    raw = zf.read("gegevens.json").decode() + zf.read("overzicht.html").decode()
    data = json.loads(zf.read("gegevens.json"))
    assert "Wouters" not in raw and "geheime notitie papa" not in raw and "nonkel Rik" not in raw
    assert "Papa-groep" not in raw
    assert [f["family_id"] for f in data["families"]] == [peeters.id]
    assert {e["family_id"] for e in data["audit_log"]} == {peeters.id}
    assert "oma Jeanne" in raw and "PT-2025-0001" in raw and "Lotte" in raw
    # made from the Wouters family (by its involved manager), the Peeters part stays out
    from core.rights import person_export

    other = person_export(lotte, wouters)
    text = json.dumps(other, ensure_ascii=False)
    assert "geheime notitie papa" in text and "nonkel Rik" in text
    assert "oma Jeanne" not in text and "PT-2025-0001" not in text and "vraag bij mama" not in text
    assert other["families"] == [{"family_id": wouters.id, "family": "Wouters", "role": "kind", "relation": None}]
    assert {e["family_id"] for e in other["audit_log"]} == {wouters.id}


# --------------------------------------------------------------------------- defect 9 in the core


def test_refused_erasure_pages_name_their_family(client, login, world):
    login(client, "manager")
    peeters, lotte = world["peeters"], world["lotte"]
    assert client.get(f"/gezinnen/{peeters.id}/wissen").status_code == 403
    assert client.get(f"/gezinnen/{peeters.id}/leden/{lotte.id}/wissen").status_code == 403
    assert _denied(peeters.id, "family_erase") == 1 and _denied(peeters.id, "person_erase") == 1


# --------------------------------------------------------------------------- the rule, in the source


def test_no_plugin_looks_people_up_by_id_or_name_itself():
    """Plugins find people through core.people: no ``db.session.get(Person, ...)`` and no search on the
    name keys. The one exception: PeTra's global search matches the child's name only within trajectories
    of the user's own teams (its own records)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "plugins"
    allowed = {("petra/__init__.py", "hvhk_search")}
    offenders = []
    for path in root.rglob("*.py"):
        if path.name == "demo.py" or "migrations" in path.parts:
            continue
        current = None
        for line in path.read_text().splitlines():
            m = re.match(r"\s*def (\w+)", line)
            if m and not line.startswith(" " * 8):
                current = m.group(1)
            if re.search(r"session\.get\(\s*Person\b", line) or re.search(r"Person\.(given|family)_key", line):
                if (str(path.relative_to(root)), current) not in allowed:
                    offenders.append(f"{path.relative_to(root)}:{current}: {line.strip()}")
    assert offenders == []
