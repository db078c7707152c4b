"""Enrolment from the family records: search, fit warning, capacity, waiting list, twice refused, involvement."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry, Involvement
from core.people import card_token
from plugins.groups.models import Enrolment


def found(person, family) -> dict:
    """The ids a search result link carries: the child, the household and the search's token (the team is
    not involved with these families yet, so a bare id opens nothing)."""
    return {"person_id": str(person.id), "family_id": str(family.id), "sleutel": card_token(person.id, family.id)}


def test_search_children_by_name_and_enrol_registers_involvement(client, login, world, make_programme):
    p = make_programme(world["petra"])
    fam = world["fam"]
    lotte = fam.children()[0]
    login(client, "worker")
    body = client.get(f"/groepen/{p.id}/inschrijven?q=lotte peeters").get_data(as_text=True)
    assert "Lotte Peeters" in body and "Finn" not in body
    body = client.get(f"/groepen/{p.id}/inschrijven?q=ozturk").get_data(as_text=True)
    assert "Elif Öztürk" in body  # accents ignored
    assert "past niet bij de doelgroep" not in body
    resp = client.post(f"/groepen/{p.id}/inschrijven", data=dict(found(lotte, fam), priority="2", photo_consent="y"))
    assert resp.status_code == 302
    e = db.session.scalar(select(Enrolment))
    assert e.status == "enrolled" and e.photo_consent and not e.film_consent and e.family_id == fam.id
    inv = db.session.scalar(select(Involvement).where(Involvement.family_id == fam.id))
    assert inv.team_id == world["petra"].id and inv.source == "groups"
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.object_type == "groups_enrolment", AuditEntry.action == "create",
        AuditEntry.family_id == fam.id)) == 1


def test_person_id_link_for_other_modules(client, login, world, make_programme):
    p = make_programme(world["petra"], name="Woensdaggroep")
    lotte = world["fam"].children()[0]
    # PeTra links here from a trajectory: the team is involved with the family
    db.session.add(Involvement(family_id=world["fam"].id, team_id=world["petra"].id, reason="Aanmelding PeTra"))
    db.session.commit()
    login(client, "worker")
    body = client.get(f"/groepen/inschrijven?person_id={lotte.id}").get_data(as_text=True)
    assert "Woensdaggroep" in body and f"person_id={lotte.id}" in body
    body = client.get(f"/groepen/{p.id}/inschrijven?person_id={lotte.id}").get_data(as_text=True)
    assert "Lotte Peeters" in body and "5de leerjaar" in body and "Inschrijven" in body


def test_enrolling_a_child_twice_is_refused(client, login, world, make_programme, enrol_person):
    p = make_programme(world["petra"])
    fam = world["fam"]
    lotte = fam.children()[0]
    enrol_person(p, lotte, fam)
    login(client, "worker")
    resp = client.post(f"/groepen/{p.id}/inschrijven", data=dict(found(lotte, fam), priority="1",
                                                                  note="allergie noten"))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422  # a refused operation (core.operations.Refused)
    assert "staat al op de lijst van deze groep" in body and 'value="allergie noten"' in body
    assert db.session.scalar(select(func.count(Enrolment.id))) == 1


def test_fit_warning_needs_confirmation(client, login, world, make_programme):
    p = make_programme(world["petra"], age_group="secundair")
    fam = world["fam"]
    lotte = fam.children()[0]
    login(client, "worker")
    assert "past niet bij de doelgroep" in client.get(f"/groepen/{p.id}/inschrijven?q=lotte").get_data(as_text=True)
    args = found(lotte, fam)
    body = client.get(f"/groepen/{p.id}/inschrijven", query_string=args).get_data(as_text=True)
    # not involved yet: the warning comes from the birth year (2015), not from the school year
    assert "deze groep is voor secundair onderwijs" in body and "5de leerjaar" not in body
    data = dict(args, priority="2", note="broer zit ook")
    body = client.post(f"/groepen/{p.id}/inschrijven", data=data).get_data(as_text=True)
    assert "Vink aan om toch in te schrijven" in body and 'value="broer zit ook"' in body
    assert db.session.scalar(select(func.count(Enrolment.id))) == 0
    assert client.post(f"/groepen/{p.id}/inschrijven", data=dict(data, confirm_fit="y")).status_code == 302
    assert db.session.scalar(select(func.count(Enrolment.id))) == 1


def test_capacity_then_waiting_list_ordered_by_priority_then_time(client, login, world, make_programme, make_family,
                                                                   enrol_person):
    p = make_programme(world["petra"], capacity=1)
    fam, fam2 = world["fam"], world["fam2"]
    lotte, finn = fam.children()
    elif_ = fam2.children()[0]
    login(client, "worker")
    assert client.post(f"/groepen/{p.id}/inschrijven", data=dict(found(lotte, fam), priority="2")).status_code == 302
    # full now: the next ones go to the waiting list
    client.post(f"/groepen/{p.id}/inschrijven", data=dict(found(finn, fam), priority="2", confirm_fit="y"))
    client.post(f"/groepen/{p.id}/inschrijven", data=dict(found(elif_, fam2), priority="1"))
    fam3 = make_family("Claes", children=(("Noor", None),))
    noor = fam3.children()[0]
    enrol_person(p, noor, fam3, status="waiting", priority=2, waiting_since=datetime(2020, 1, 1))
    statuses = dict(db.session.execute(select(Enrolment.person_id, Enrolment.status)).all())
    assert statuses == {lotte.id: "enrolled", finn.id: "waiting", elif_.id: "waiting", noor.id: "waiting"}
    body = client.get(f"/groepen/{p.id}").get_data(as_text=True)
    waitlist = body[body.index('id="wachtlijst"'):]
    # priority 1 first, then the longest waiting of priority 2
    assert waitlist.index("Elif") < waitlist.index("Noor") < waitlist.index("Finn")
    # promoting while full is refused
    finn_e = db.session.scalar(select(Enrolment).where(Enrolment.person_id == finn.id))
    client.post(f"/groepen/inschrijvingen/{finn_e.id}/toelaten")
    db.session.refresh(finn_e)
    assert finn_e.status == "waiting"
    assert "De groep is volzet" in client.get(f"/groepen/{p.id}").get_data(as_text=True)
    # a place frees up: the flash names the first on the list, then promote
    lotte_e = db.session.scalar(select(Enrolment).where(Enrolment.person_id == lotte.id))
    ask = client.post(f"/groepen/inschrijvingen/{lotte_e.id}/uitschrijven")  # "Uitschrijven" asks first
    assert ask.status_code == 200 and "Ja, uitschrijven" in ask.get_data(as_text=True)
    db.session.refresh(lotte_e)
    assert lotte_e.status == "enrolled"
    client.post(f"/groepen/inschrijvingen/{lotte_e.id}/uitschrijven", data={"bevestigd": "1"})
    assert "Eerste op de wachtlijst: Elif Öztürk" in client.get(f"/groepen/{p.id}").get_data(as_text=True)
    elif_e = db.session.scalar(select(Enrolment).where(Enrolment.person_id == elif_.id))
    client.post(f"/groepen/inschrijvingen/{elif_e.id}/toelaten")
    db.session.refresh(elif_e)
    assert elif_e.status == "enrolled"


def test_photo_and_film_consent_edit(client, login, world, make_programme, enrol_person):
    p = make_programme(world["petra"])
    e = enrol_person(p, world["fam"].children()[0], world["fam"])
    login(client, "worker")
    resp = client.post(f"/groepen/inschrijvingen/{e.id}", data={"priority": "1", "film_consent": "y",
                                                                "version": str(e.version)})
    assert resp.status_code == 302
    db.session.refresh(e)
    assert e.film_consent and not e.photo_consent and e.priority == 1
    resp = client.post(f"/groepen/inschrijvingen/{e.id}", data={"priority": "3", "version": "1"})
    assert resp.status_code == 409


def test_parent_group_enrols_parents(client, login, world, make_programme):
    p = make_programme(world["ovw"], name="Oudergroep", age_group="ouders")
    login(client, "ovw")
    body = client.get(f"/groepen/{p.id}/inschrijven?q=sarah").get_data(as_text=True)
    assert "Sarah Peeters" in body
    body = client.get(f"/groepen/{p.id}/inschrijven?q=lotte").get_data(as_text=True)
    assert "Lotte Peeters" not in body


def test_showcase_page_lists_children_without_photo_or_film_consent(client, login, world, make_programme,
                                                                     make_session, enrol_person):
    from datetime import timedelta

    from plugins.groups.logic import now_local

    p = make_programme(world["petra"])
    show = make_session(p, now_local() + timedelta(days=30), kind="showcase")
    lotte, finn = world["fam"].children()
    e1 = enrol_person(p, lotte, world["fam"])
    e2 = enrol_person(p, finn, world["fam"])
    e1.photo_consent, e1.film_consent = True, True
    e2.photo_consent, e2.film_consent = True, False
    db.session.commit()
    login(client, "worker")
    body = client.get(f"/groepen/sessies/{show.id}").get_data(as_text=True)
    assert "Finn Peeters: geen film" in body and "Lotte Peeters" not in body
    client.post("/logout")
    login(client, "ovw")
    assert "Finn" not in client.get(f"/groepen/sessies/{show.id}").get_data(as_text=True)
