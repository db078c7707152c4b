"""Family records: search, duplicates, need-to-know, consent, audit, history, concurrent edits, bad input."""

from datetime import date, timedelta

from sqlalchemy import select

from core.access import consent_covers
from core.extensions import db
from core.families import search_families
from core.models import AuditEntry, ChangeRecord, Consent, Family, FamilyMember, Involvement, Person


def test_search_ignores_accents_and_case_and_pages(app, make_family):
    make_family("Öztürk", children=(("Elif", date(2014, 5, 1)),))
    make_family("Van den Bergh", children=(("Noor", date(2013, 1, 2)),))
    for i in range(30):
        make_family("Peeters", children=((f"Kind{i:02d}", date(2012, 1, 1)),))
    assert [f.label for f in search_families("ozturk").items] == ["Öztürk"]
    assert [f.label for f in search_families("ÖZTÜRK").items] == ["Öztürk"]
    assert [f.label for f in search_families("elif oz").items] == ["Öztürk"]
    assert [f.label for f in search_families("van den").items] == ["Van den Bergh"]
    assert [f.label for f in search_families("noor").items] == ["Van den Bergh"]
    first = search_families("peeters", page_size=25)
    second = search_families("peeters", page=2, page_size=25)
    assert len(first.items) == 25 and first.has_next
    assert len(second.items) == 5 and not second.has_next
    assert not {f.id for f in first.items} & {f.id for f in second.items}
    assert [f.label for f in search_families("", born=date(2013, 1, 2)).items] == ["Van den Bergh"]
    assert search_families("", municipality="As").items == []


def test_directory_shows_entry_and_involved_teams_to_every_staff_member(client, make_team, make_user, make_family, login):
    petra = make_team("PeTra")
    onthaal = make_team("Onthaal")
    make_user("onthaal", {onthaal: "member"})
    make_family("Öztürk", involved=(petra,))
    login(client, "onthaal")
    html = client.get("/gezinnen/?q=Ozturk").get_data(as_text=True)
    assert "Öztürk" in html and "PeTra" in html and "enkel voor betrokken teams" in html


def test_uninvolved_team_is_refused_details_and_the_refusal_is_logged(client, make_team, make_user, make_family, login):
    petra = make_team("PeTra")
    onthaal = make_team("Onthaal")
    user = make_user("onthaal", {onthaal: "member"})
    fam = make_family("Claes", children=(("Lotte", date(2015, 3, 14)),), involved=(petra,))
    login(client, "onthaal")
    resp = client.get(f"/gezinnen/{fam.id}")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 403
    assert "Lotte" not in body and "Kerkstraat" not in body and "PeTra" in body
    for url in (f"/gezinnen/{fam.id}/bewerken", f"/gezinnen/{fam.id}/geschiedenis", f"/gezinnen/{fam.id}/leden/nieuw",
                f"/gezinnen/{fam.id}/toestemming/nieuw"):
        assert client.get(url).status_code == 403, url
    denied = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "denied",
                                                         AuditEntry.user_id == user.id)).all()
    assert len(denied) == 5 and all(e.family_id == fam.id for e in denied)
    # registering an involvement of the user's own team, with a reason, opens the details (and is logged)
    resp = client.post(f"/gezinnen/{fam.id}/betrokkenheid", data={"team_id": onthaal.id, "reason": "Vraag aan het onthaal"})
    assert resp.status_code == 302
    assert client.get(f"/gezinnen/{fam.id}").status_code == 200
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "involve")) is not None


def test_staff_cannot_register_involvement_for_a_team_they_are_not_in(client, make_team, make_user, make_family, login):
    petra = make_team("PeTra")
    onthaal = make_team("Onthaal")
    make_user("onthaal", {onthaal: "member"})
    fam = make_family("Claes")
    login(client, "onthaal")
    resp = client.post(f"/gezinnen/{fam.id}/betrokkenheid", data={"team_id": petra.id, "reason": "ik wil binnen"})
    assert resp.status_code == 400
    assert db.session.scalar(select(Involvement).where(Involvement.family_id == fam.id)) is None


def test_partner_users_never_see_family_records(client, make_org, make_user, make_family, make_team, login):
    team = make_team("PeTra")
    school = make_org("Basisschool De Linde")
    make_user("partner", organisation=school)
    fam = make_family("Claes", involved=(team,))
    login(client, "partner")
    for url in ("/gezinnen/", f"/gezinnen/{fam.id}", "/gezinnen/?q=claes", "/zoeken?q=claes"):
        resp = client.get(url)
        assert resp.status_code == 404 and "Claes" not in resp.get_data(as_text=True), url


def test_admin_sees_every_family(client, make_user, make_family, login):
    make_user("root", admin=True)
    fam = make_family("Claes")
    login(client, "root")
    assert client.get(f"/gezinnen/{fam.id}").status_code == 200


def test_reads_and_writes_are_audited_and_shown_on_the_family_page(client, make_team, make_user, make_family, login):
    team = make_team("PeTra")
    user = make_user("worker", {team: "member"})
    fam = make_family("Claes", involved=(team,))
    login(client, "worker")
    client.get(f"/gezinnen/{fam.id}")
    form = client.get(f"/gezinnen/{fam.id}/bewerken")
    assert form.status_code == 200
    resp = client.post(f"/gezinnen/{fam.id}/bewerken", data={
        "version": fam.version, "label": "Claes", "street": "Molenstraat 4", "postcode": "3600",
        "municipality": "Genk", "has_vt": "y", "notes": "geheime notitie"})
    assert resp.status_code == 302
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.family_id == fam.id, AuditEntry.user_id == user.id)).all()
    actions = [e.action for e in entries]
    assert "view" in actions and "update" in actions
    update = next(e for e in entries if e.action == "update")
    assert "street" in update.detail and "Molenstraat" not in (update.detail or "")
    assert all("geheime" not in (e.detail or "") for e in entries)  # never the data itself
    history = {c.field: (c.old_value, c.new_value) for c in db.session.scalars(select(ChangeRecord))}
    assert history["street"] == ("Kerkstraat 1", "Molenstraat 4")
    assert history["has_vt"] == ("nee", "ja")
    page = client.get(f"/gezinnen/{fam.id}").get_data(as_text=True)
    assert "Wie keek er naar dit gezin?" in page and "Worker" in page


def test_audit_log_cannot_be_changed_through_the_application(app, make_user):
    user = make_user("worker")
    from core import audit

    entry = audit.record("view", "family", 1, family_id=1, user_id=user.id)
    db.session.commit()
    entry.action = "update"
    try:
        db.session.commit()
        raised = False
    except PermissionError:
        raised = True
        db.session.rollback()
    assert raised
    assert db.session.get(AuditEntry, entry.id).action == "view"


def test_second_concurrent_save_is_refused_and_keeps_what_was_typed(app, make_team, make_user, make_family, login):
    team = make_team("PeTra")
    make_user("anna", {team: "member"})
    make_user("bert", {team: "member"})
    fam = make_family("Claes", involved=(team,))
    version = fam.version
    anna, bert = app.test_client(), app.test_client()
    login(anna, "anna")
    login(bert, "bert")
    base = {"version": version, "label": "Claes", "postcode": "3600", "municipality": "Genk"}
    assert anna.post(f"/gezinnen/{fam.id}/bewerken", data=dict(base, street="Anna's straat 1")).status_code == 302
    resp = bert.post(f"/gezinnen/{fam.id}/bewerken", data=dict(base, street="Berts straat 2"))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "Iemand anders heeft dit intussen gewijzigd" in body and "Berts straat 2" in body
    db.session.expire_all()
    assert db.session.get(Family, fam.id).street == "Anna's straat 1"


def test_bad_input_gets_dutch_messages_next_to_fields_and_nothing_is_saved(client, make_team, make_user, login):
    team = make_team("PeTra")
    make_user("worker", {team: "member"})
    login(client, "worker")
    future = (date.today() + timedelta(days=30)).isoformat()
    resp = client.post("/gezinnen/nieuw", data={
        "label": "", "postcode": "123", "municipality": "Genk", "role": "kind", "given_name": "Lotte",
        "family_name": "Claes", "birth_date": future, "school_id": "999", "team_id": team.id, "reason": "test",
        "notes": "wat ik typte"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Geef een naam voor het gezin" in body
    assert "4 cijfers" in body
    assert "De geboortedatum ligt in de toekomst" in body
    assert "Onbekende school" in body
    assert "wat ik typte" in body and 'value="Lotte"' in body
    old = (date.today() - timedelta(days=365 * 30)).isoformat()
    resp = client.post("/gezinnen/nieuw", data={
        "label": "Claes", "postcode": "3500", "municipality": "Genk", "role": "kind", "given_name": "Lotte",
        "family_name": "Claes", "birth_date": old, "team_id": team.id, "reason": "test"})
    body = resp.get_data(as_text=True)
    assert "hoogstens 24 jaar" in body and "Postcode 3500 hoort niet bij Genk" in body
    assert db.session.scalar(select(Family)) is None and db.session.scalar(select(Person)) is None


def test_creating_a_family_warns_about_an_existing_person_and_offers_to_open_it(client, make_team, make_user,
                                                                                 make_family, login):
    team = make_team("PeTra")
    make_user("worker", {team: "member"})
    existing = make_family("Claes", children=(("Lotte", date(2015, 3, 14)),), involved=(team,))
    login(client, "worker")
    data = {"label": "Claes", "postcode": "3600", "municipality": "Genk", "role": "kind", "given_name": "LOTTE",
            "family_name": "claes", "birth_date": "2015-03-14", "team_id": team.id, "reason": "nieuw"}
    resp = client.post("/gezinnen/nieuw", data=data)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Bestaat dit gezin al?" in body
    assert f"/gezinnen/{existing.id}" in body
    assert db.session.query(Family).count() == 1
    resp = client.post("/gezinnen/nieuw", data=dict(data, confirm_duplicate="y"))
    assert resp.status_code == 302
    assert db.session.query(Family).count() == 2
    new = db.session.scalars(select(Family).order_by(Family.id.desc())).first()
    assert db.session.scalar(select(Involvement).where(Involvement.family_id == new.id)).team_id == team.id


def test_a_person_can_belong_to_two_families(client, make_team, make_user, make_family, login):
    team = make_team("PeTra")
    make_user("worker", {team: "member"})
    mum = make_family("Claes", children=(("Lotte", date(2015, 3, 14)),), involved=(team,))
    dad = make_family("Maes", children=(), involved=(team,))
    login(client, "worker")
    data = {"role": "kind", "given_name": "Lotte", "family_name": "Claes", "birth_date": "2015-03-14"}
    resp = client.post(f"/gezinnen/{dad.id}/leden/nieuw", data=data)
    assert "bestaat misschien al" in resp.get_data(as_text=True)
    lotte = db.session.scalar(select(Person).where(Person.given_name == "Lotte"))
    resp = client.post(f"/gezinnen/{dad.id}/leden/nieuw", data=dict(data, existing_person_id=lotte.id))
    assert resp.status_code == 302
    families = db.session.scalars(select(FamilyMember.family_id).where(FamilyMember.person_id == lotte.id)).all()
    assert sorted(families) == sorted([mum.id, dad.id])


def test_consent_granting_expiry_and_withdrawal(client, make_team, make_user, make_family, make_org, login):
    team = make_team("PeTra")
    make_user("worker", {team: "member"})
    school = make_org("Basisschool De Linde")
    clb = make_org("CLB Genk", kind="clb")
    fam = make_family("Claes", involved=(team,))
    parent = db.session.scalar(select(FamilyMember).where(FamilyMember.family_id == fam.id, FamilyMember.role == "ouder"))
    login(client, "worker")
    assert not consent_covers(fam.id, school.id, "verwijzing")
    resp = client.post(f"/gezinnen/{fam.id}/toestemming/nieuw", data={
        "organisation_id": school.id, "purpose": "Afstemming met de school", "info_kinds": ["verwijzing", "trajectverloop"],
        "given_by_person_id": parent.person_id, "given_on": date.today().isoformat(),
        "valid_until": (date.today() + timedelta(days=90)).isoformat()})
    assert resp.status_code == 302
    assert consent_covers(fam.id, school.id, "verwijzing")
    assert consent_covers(fam.id, school.id, ["verwijzing", "trajectverloop"])
    assert not consent_covers(fam.id, school.id, ["verwijzing", "evaluatie"])  # only what it names
    assert not consent_covers(fam.id, clb.id, "verwijzing")  # only that organisation
    assert not consent_covers(fam.id, school.id, "verwijzing", on=date.today() + timedelta(days=91))  # expired
    consent = db.session.scalar(select(Consent))
    assert client.post(f"/gezinnen/{fam.id}/toestemming/{consent.id}/intrekken", data={"bevestigd": "1"}).status_code == 302
    db.session.expire_all()
    assert not consent_covers(fam.id, school.id, "verwijzing")  # withdrawal stops sharing at once
    actions = {e.action for e in db.session.scalars(select(AuditEntry).where(AuditEntry.family_id == fam.id))}
    assert {"consent", "withdraw"} <= actions


def test_consent_form_refuses_bad_input(client, make_team, make_user, make_family, make_org, login):
    team = make_team("PeTra")
    make_user("worker", {team: "member"})
    school = make_org("Basisschool De Linde")
    fam = make_family("Claes", involved=(team,))
    parent = db.session.scalar(select(FamilyMember).where(FamilyMember.family_id == fam.id, FamilyMember.role == "ouder"))
    login(client, "worker")
    resp = client.post(f"/gezinnen/{fam.id}/toestemming/nieuw", data={
        "organisation_id": school.id, "purpose": "Afstemming", "given_by_person_id": parent.person_id,
        "given_on": (date.today() + timedelta(days=2)).isoformat()})
    body = resp.get_data(as_text=True)
    assert "Kies minstens één soort informatie" in body and "niet in de toekomst" in body
    assert db.session.scalar(select(Consent)) is None


def test_query_count_of_family_list_and_page_stays_constant(client, make_team, make_user, make_family, login, count_queries):
    team = make_team("PeTra")
    make_user("worker", {team: "member"})
    fam = make_family("Peeters", involved=(team,), children=(("A", date(2014, 1, 1)),))
    fam_id = fam.id  # read here: the test's own reload of an expired object is no query of the page
    login(client, "worker")
    client.get("/gezinnen/?q=peeters")  # warm caches
    with count_queries() as few_list:
        client.get("/gezinnen/?q=peeters")
    with count_queries() as few_page:
        client.get(f"/gezinnen/{fam_id}")
    for i in range(20):
        make_family("Peeters", involved=(team,), children=((f"K{i}", date(2014, 1, 1)), (f"L{i}", date(2016, 1, 1))))
    for _ in range(4):  # more members, consents and views on the same family
        client.get(f"/gezinnen/{fam_id}")
    with count_queries() as many_list:
        client.get("/gezinnen/?q=peeters")
    with count_queries() as many_page:
        client.get(f"/gezinnen/{fam_id}")
    assert many_list.count == few_list.count
    assert many_page.count == few_page.count
    assert few_page.count < 25




def test_racing_saves_in_two_database_sessions_one_wins_the_other_is_told(app, make_family):
    """Both sessions passed the form's version check; the version column still refuses the second UPDATE."""
    import pytest
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    fam = make_family("Claes")
    with Session(db.engine) as first, Session(db.engine) as second:
        a = first.get(Family, fam.id)
        b = second.get(Family, fam.id)
        assert a.version == b.version
        a.street = "Eerste straat 1"
        b.street = "Tweede straat 2"
        first.commit()
        with pytest.raises(StaleDataError):
            second.commit()
        second.rollback()
    db.session.expire_all()
    assert db.session.get(Family, fam.id).street == "Eerste straat 1"
