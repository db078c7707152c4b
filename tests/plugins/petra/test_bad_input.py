"""Bad input is refused with a Dutch message next to the field, the typed input kept, nothing saved half;
the second of two concurrent saves is refused."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from core.extensions import db
from plugins.petra.models import Contact, Roundtable, Trajectory

from .conftest import referral_data


def _contact(**over):
    data = {"on_date": date.today().isoformat(), "minutes": "45", "kind": "gesprek_ouders", "place": "huisbezoek",
            "parties": ["ouders"], "note": "mijn notitie"}
    data.update(over)
    return data


def test_contact_before_referral_or_in_future_is_refused(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=30))
    login(client, "worker")
    before = (t.referred_on - timedelta(days=1)).isoformat()
    body = client.post(f"/petra/traject/{t.id}/contact", data=_contact(on_date=before)).get_data(as_text=True)
    assert "Een contact kan niet vóór de aanmelding liggen" in body and 'value="mijn notitie"' in body
    body = client.post(f"/petra/traject/{t.id}/contact", htmx=True,
                       data=_contact(on_date=(date.today() + timedelta(days=2)).isoformat())).get_data(as_text=True)
    assert "Een contact kan niet in de toekomst liggen." in body and 'value="mijn notitie"' in body
    assert "<html" not in body  # the htmx fragment with the errors, not a whole page
    body = client.post(f"/petra/traject/{t.id}/contact", data=_contact(parties=[])).get_data(as_text=True)
    assert "Duid aan wie deelnam" in body
    body = client.post(f"/petra/traject/{t.id}/contact", data=_contact(minutes="0")).get_data(as_text=True)
    assert "Geef een duur tussen 5 en 720 minuten." in body
    assert db.session.scalar(select(func.count(Contact.id))) == 0


def test_roundtable_without_participants_is_refused(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], status="clarifying")
    login(client, "worker")
    resp = client.post(f"/petra/traject/{t.id}/rondetafel", data={
        "kind": "start", "held_on": date.today().isoformat(), "minutes": "90", "agreements": "Mijn afspraken"})
    body = resp.get_data(as_text=True)
    assert "Een rondetafel zonder deelnemers kan niet" in body and "Mijn afspraken" in body
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Roundtable.id))) == 0
    assert db.session.get(Trajectory, t.id).start_on is None


def test_roundtable_needs_intake_and_start_first(client, login, world, make_trajectory):
    waiting = make_trajectory(world["petra"], world["fam"], world["lotte"], status="waiting")
    login(client, "worker")
    body = client.post(f"/petra/traject/{waiting.id}/rondetafel", data={
        "kind": "start", "held_on": date.today().isoformat(), "minutes": "90",
        "participants": ["ouders"]}).get_data(as_text=True)
    assert "Neem eerst de intakebeslissing" in body
    started = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=9))
    body = client.post(f"/petra/traject/{started.id}/rondetafel", data={
        "kind": "start", "held_on": date.today().isoformat(), "minutes": "90",
        "participants": ["ouders"]}).get_data(as_text=True)
    assert "Er is al een startrondetafel" in body
    assert db.session.scalar(select(func.count(Roundtable.id))) == 0


def test_closure_without_reason_is_refused(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=30))
    login(client, "worker")
    resp = client.post(f"/petra/traject/{t.id}/afronding", data={
        "version": str(t.version), "closed_on": date.today().isoformat(), "closure_reason": "",
        "final_evaluation": "Mijn eindevaluatie", "closure_org_id": "0"})
    body = resp.get_data(as_text=True)
    assert "Kies de reden van afronding." in body and "Mijn eindevaluatie" in body
    body = client.post(f"/petra/traject/{t.id}/afronding", data={
        "version": str(t.version), "closed_on": date.today().isoformat(), "closure_reason": "doorverwijzing",
        "closure_org_id": "0"}).get_data(as_text=True)
    assert "Kies de organisatie waarnaar je begeleid doorverwijst." in body
    db.session.expire_all()
    assert db.session.get(Trajectory, t.id).status == "ongoing"


def test_referral_without_question_or_child_is_refused(client, login, world):
    login(client, "worker")
    body = client.post("/petra/aanmelding", data=referral_data(world, question="", child_id="",
                                                               referrer_contact="juf Anja")).get_data(as_text=True)
    assert "Dit veld is verplicht." in body and "Vul de familienaam in." in body and 'value="juf Anja"' in body
    body = client.post("/petra/aanmelding", data=referral_data(
        world, referred_on=(date.today() + timedelta(days=1)).isoformat())).get_data(as_text=True)
    assert "Deze datum ligt in de toekomst." in body
    assert db.session.scalar(select(func.count(Trajectory.id))) == 0


def test_second_concurrent_closure_is_refused(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=30))
    login(client, "worker")
    stale = str(t.version)
    resp = client.post(f"/petra/traject/{t.id}/fase", data={"version": stale, "phase": "3",
                                                             "on": date.today().isoformat()},
                       follow_redirects=True)
    assert "Het traject is nu in de fase &#39;Ondersteuning&#39;." in resp.get_data(as_text=True)
    body = client.post(f"/petra/traject/{t.id}/afronding", data={
        "version": stale, "closed_on": date.today().isoformat(), "closure_reason": "zelfstandig",
        "final_evaluation": "Mijn tekst"}).get_data(as_text=True)
    assert "Iemand anders heeft dit intussen gewijzigd." in body and "Mijn tekst" in body
    db.session.expire_all()
    assert db.session.get(Trajectory, t.id).status == "ongoing"


def test_contact_entered_by_mistake_can_be_deleted_but_not_a_roundtable(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=30),
                        contacts=2)
    rt = Roundtable(trajectory_id=t.id, kind="start", held_on=t.start_on, participants="ouders")
    db.session.add(rt)
    db.session.flush()
    rt_contact = Contact(trajectory_id=t.id, on_date=t.start_on, minutes=90, kind="rondetafel", place="school",
                         parties="ouders,school", roundtable_id=rt.id)
    db.session.add(rt_contact)
    db.session.commit()
    first = db.session.scalar(select(Contact).where(Contact.roundtable_id.is_(None)).order_by(Contact.id))
    login(client, "worker")
    # the button asks first, in place (htmx) or as a page; nothing is deleted until the answer
    ask = client.post(f"/petra/traject/{t.id}/contact/{first.id}/verwijderen", htmx=True).get_data(as_text=True)
    assert 'role="alertdialog"' in ask and "Ja, verwijderen" in ask and "<html" not in ask
    assert "Ja, verwijderen" in client.post(f"/petra/traject/{t.id}/contact/{first.id}/verwijderen").get_data(as_text=True)
    assert db.session.scalar(select(func.count(Contact.id))) == 3
    body = client.post(f"/petra/traject/{t.id}/contact/{first.id}/verwijderen", data={"bevestigd": "1"},
                       htmx=True).get_data(as_text=True)
    assert '<section id="petra-contacts"' in body
    body = client.post(f"/petra/traject/{t.id}/contact/{rt_contact.id}/verwijderen", htmx=True).get_data(as_text=True)
    assert "hoort bij een rondetafel" in body
    assert db.session.scalar(select(func.count(Contact.id))) == 2
    client.post("/logout")
    login(client, "ovw")
    other = db.session.scalar(select(Contact).where(Contact.roundtable_id.is_(None)))
    assert client.post(f"/petra/traject/{t.id}/contact/{other.id}/verwijderen").status_code == 404
    assert db.session.scalar(select(func.count(Contact.id))) == 2


def test_roundtable_agreements_completed_afterwards_and_stale_save_refused(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], status="clarifying")
    login(client, "worker")
    client.post(f"/petra/traject/{t.id}/rondetafel", data={
        "kind": "start", "held_on": date.today().isoformat(), "minutes": "90", "participants": ["ouders"]})
    r = db.session.scalar(select(Roundtable))
    assert client.get(f"/petra/traject/{t.id}/rondetafel/{r.id}").status_code == 200
    body = client.post(f"/petra/traject/{t.id}/rondetafel/{r.id}", data={
        "version": str(r.version), "minutes": "120", "agreements": "Zonder deelnemers"}).get_data(as_text=True)
    assert "Een rondetafel zonder deelnemers kan niet" in body and "Zonder deelnemers" in body
    resp = client.post(f"/petra/traject/{t.id}/rondetafel/{r.id}", data={
        "version": str(r.version), "minutes": "120", "participants": ["ouders", "klasleerkracht", "kind"],
        "agreements": "Afspraken met iedereen"})
    assert resp.status_code == 302
    db.session.expire_all()
    r = db.session.get(Roundtable, r.id)
    c = db.session.scalar(select(Contact).where(Contact.roundtable_id == r.id))
    assert r.agreements == "Afspraken met iedereen" and c.minutes == 120 and c.parties == "kind,ouders,school"
    body = client.post(f"/petra/traject/{t.id}/rondetafel/{r.id}", data={
        "version": "1", "minutes": "60", "participants": ["ouders"], "agreements": "Oude versie"}).get_data(as_text=True)
    assert "Iemand anders heeft dit intussen gewijzigd." in body and "Oude versie" in body
