"""The network plugin's operations, called directly (no HTTP): what they write, what they refuse (with the Dutch
message and the field), the audit entry with the family, the partner change log; plus a few HTTP tests that
show a refusal next to its field with the typed input kept."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from core.extensions import db
from core.models import AuditEntry, FamilyMember, Involvement, Organisation
from core.operations import Refused
from core.xlsx import Book
from plugins.network import importer, operations, queries
from plugins.network.models import Contact, EcoTie, Partner, PartnerChange, Referral, Relation, Service


def audit_of(object_type: str, action: str | None = None) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.object_type == object_type).order_by(AuditEntry.id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return list(db.session.scalars(stmt))


def refused(call, *args, **kwargs) -> Refused:
    with pytest.raises(Refused) as info:
        call(*args, **kwargs)
    db.session.rollback()
    return info.value


PROFILE = {"name": "Kinderdagverblijf Het Nestje", "sector": "gezinsondersteuning", "line": "1",
           "municipalities": ["Genk", "As", "Nergensdorp"], "phone": " 089 11 22 33 ", "email": "",
           "last_verified": date(2026, 1, 5)}


# --------------------------------------------------------------------------- partner profile


def test_create_and_edit_a_partner_profile(app, world):
    worker = world["users"]["worker"]
    org = operations.create_partner(PROFILE, kind="ckg", user=worker)
    db.session.commit()
    partner = queries.partner_for(org)
    assert (org.kind, org.municipality) == ("ckg", "Genk")
    assert partner.municipality_list == ["Genk", "As"]  # an unknown municipality is dropped
    assert (partner.phone, partner.email, partner.line) == ("089 11 22 33", None, 1)
    created = audit_of("network_partner", "create")
    assert [(a.object_id, a.user_id) for a in created] == [(org.id, worker.id)]

    changed = operations.edit_partner(org, dict(PROFILE, name="Het Nestje", line="2"), user=worker)
    db.session.commit()
    assert changed == ["name", "line"]
    assert audit_of("network_partner", "update")[-1].detail == "name,line"
    assert operations.edit_partner(org, dict(PROFILE, name="Het Nestje", line="2"), user=worker) == []


def test_partner_profile_refusals_name_their_field(app, world):
    worker = world["users"]["worker"]
    assert refused(operations.create_partner, dict(PROFILE, name="  "), user=worker).field == "name"
    assert refused(operations.create_partner, dict(PROFILE, sector="ruimtevaart"), user=worker).field == "sector"
    assert refused(operations.create_partner, dict(PROFILE, line="7"), user=worker).field == "line"
    assert refused(operations.create_partner, PROFILE, kind="bank", user=worker).field == "kind"
    assert db.session.scalar(select(Organisation).where(Organisation.name == PROFILE["name"])) is None


def test_confirm_partner_page_by_staff_and_by_the_partner_user(app, world, make_org):
    school, worker, partner_user = world["school"], world["users"]["worker"], world["users"]["partner"]
    bare = make_org("Speelpleinwerking Zonder Profiel", kind="andere")
    operations.confirm_partner_page(bare, user=worker)  # staff: the missing profile is made, no change log
    db.session.commit()
    assert queries.partner_for(bare).last_verified == date.today()
    assert db.session.scalar(select(PartnerChange)) is None

    operations.confirm_partner_page(school, user=partner_user)
    db.session.commit()
    change = db.session.scalar(select(PartnerChange))
    assert (change.organisation_id, change.user_id, change.field, change.new_value) == (
        school.id, partner_user.id, "last_verified", date.today().isoformat())

    err = refused(operations.confirm_partner_page, world["clb"], user=partner_user)
    assert err.message == "Je kan enkel de pagina van je eigen organisatie wijzigen."
    err = refused(operations.confirm_partner_page, school, user=worker, on=date.today() + timedelta(days=1))
    assert (err.field, err.message) == ("last_verified", "De datum van nakijken ligt in de toekomst.")


# --------------------------------------------------------------------------- contacts and offers


def test_contacts_add_edit_delete_with_one_primary_and_the_partner_log(app, world):
    school, partner_user = world["school"], world["users"]["partner"]
    first = db.session.scalar(select(Contact).where(Contact.organisation_id == school.id))
    assert first.is_primary
    new = operations.add_item(Contact, school, {"name": " Ilse Indekeu ", "phone": "089 12 34 56",
                                                "is_primary": True, "shareable": False}, user=partner_user)
    db.session.commit()
    db.session.refresh(first)
    assert (new.name, new.is_primary, first.is_primary) == ("Ilse Indekeu", True, False)
    assert operations.edit_item(new, {"name": "Ilse Indekeu", "phone": "089 12 34 56", "email": "ilse@example.be",
                                      "is_primary": True}, user=partner_user) == ["email"]
    operations.delete_item(new, user=partner_user)
    db.session.commit()
    assert db.session.get(Contact, new.id) is None
    log = [(c.action, c.field, c.new_value or c.old_value) for c in
           db.session.scalars(select(PartnerChange).order_by(PartnerChange.id))]
    assert log == [("create", None, "Ilse Indekeu"), ("update", "email", "ilse@example.be"),
                   ("delete", None, "Ilse Indekeu")]
    assert [a.action for a in audit_of("network_contact")] == ["create", "update", "archive"]


def test_contact_and_offer_refusals(app, world):
    school, clb = world["school"], world["clb"]
    err = refused(operations.add_item, Contact, school, {"name": "Zonder Nummer"}, user=world["users"]["worker"])
    assert (err.field, err.message) == ("phone", "Geef een telefoonnummer of een e-mailadres.")
    err = refused(operations.add_item, Service, school, {"name": "Huiswerkklas", "age_min": 12, "age_max": 6},
                  user=world["users"]["worker"])
    assert (err.field, err.message) == ("age_max", "De maximumleeftijd ligt onder de minimumleeftijd.")
    # a partner user touches only their own organisation
    offer = db.session.scalar(select(Service).where(Service.organisation_id == clb.id))
    refused(operations.edit_item, offer, {"name": "Overgenomen"}, user=world["users"]["partner"])
    refused(operations.delete_item, offer, user=world["users"]["partner"])
    assert db.session.get(Service, offer.id).name == "Leerlingenbegeleiding"
    assert db.session.scalar(select(PartnerChange)) is None


# --------------------------------------------------------------------------- relations


def test_relation_lifecycle_and_refusals(app, world):
    worker, school, clb = world["users"]["worker"], world["school"], world["clb"]
    values = {"source_id": school.id, "target_id": clb.id, "kind": "samenwerkingsakkoord", "structural": True,
              "start_date": date(2025, 9, 1), "privacy_terms": "  "}
    rel = operations.add_relation(values, user=worker)
    db.session.commit()
    assert (rel.direction, rel.privacy_terms) == ("wederzijds", None)
    assert operations.edit_relation(rel, dict(values, kind="consult"), user=worker) == ["kind"]
    db.session.commit()
    err = refused(operations.edit_relation, rel, dict(values, target_id=school.id), user=worker)
    assert err.field == "target_id" and "relatie met zichzelf" in err.message
    err = refused(operations.add_relation, dict(values, end_date=date(2025, 1, 1)), user=worker)
    assert (err.field, err.message) == ("end_date", "De einddatum ligt voor de startdatum.")
    assert refused(operations.add_relation, dict(values, kind="vriendschap"), user=worker).field == "kind"
    rel = db.session.get(Relation, rel.id)
    operations.delete_relation(rel, user=worker)
    db.session.commit()
    assert db.session.scalar(select(Relation)) is None
    assert [a.action for a in audit_of("network_relation")] == ["create", "update", "archive"]


# --------------------------------------------------------------------------- ecomap


def test_ecomap_tie_add_edit_end_audited_with_the_family(app, world, make_user):
    fam = world["fam"]
    nieuw = make_user("nieuw", {world["onthaal"]: "member"})  # Onthaal is not yet involved with the family
    child = db.session.scalar(select(FamilyMember.person_id).where(FamilyMember.family_id == fam.id,
                                                                   FamilyMember.role == "kind"))
    tie = operations.add_tie(fam, {"kind": "informeel", "label": " grootmoeder ", "person_id": child,
                                   "organisation_id": 0, "strength": "sterk"}, user=nieuw)
    db.session.commit()
    assert (tie.label, tie.person_id, tie.team_id, tie.organisation_id) == ("grootmoeder", child,
                                                                             world["onthaal"].id, None)
    involvement = db.session.scalar(select(Involvement).where(Involvement.family_id == fam.id,
                                                              Involvement.team_id == world["onthaal"].id))
    assert involvement is not None and involvement.reason == "Ecomap bijgehouden"

    service = operations.add_tie(fam, {"kind": "dienst", "label": "", "person_id": 0,
                                       "organisation_id": world["cgg"].id}, user=nieuw)
    assert (service.label, service.person_id, service.strength) == ("CGG Limburg", None, "gewoon")
    assert operations.edit_tie(tie, fam, {"kind": "informeel", "label": "grootmoeder", "person_id": child,
                                          "strength": "stressvol", "note": "ziek"}, user=nieuw) == ["strength", "note"]
    operations.end_tie(tie, fam, user=nieuw)
    db.session.commit()
    assert [t.id for t in db.session.scalars(select(EcoTie))] == [service.id]
    entries = [(a.action, a.object_id, a.family_id) for a in audit_of("network_eco_tie")]
    assert entries == [("create", tie.id, fam.id), ("create", service.id, fam.id), ("update", tie.id, fam.id),
                       ("archive", tie.id, fam.id)]


def test_ecomap_refusals(app, world):
    fam, other, worker = world["fam"], world["other"], world["users"]["worker"]
    strangers_child = db.session.scalar(select(FamilyMember.person_id).where(FamilyMember.family_id == other.id))
    err = refused(operations.add_tie, fam, {"kind": "informeel", "label": "oom", "person_id": strangers_child},
                  user=worker)
    assert (err.field, err.message) == ("person_id", "Kies een kind van dit gezin of het hele gezin.")
    err = refused(operations.add_tie, fam, {"kind": "informeel", "label": " "}, user=worker)
    assert err.field == "label" and err.message.startswith("Dit veld is verplicht")
    assert refused(operations.add_tie, fam, {"kind": "informeel", "label": "x", "strength": "eeuwig"},
                   user=worker).field == "strength"
    tie = operations.add_tie(other, {"kind": "informeel", "label": "buurvrouw"}, user=worker)
    db.session.commit()
    assert refused(operations.end_tie, tie, fam, user=worker).message == "Deze band hoort niet bij dit gezin."
    assert db.session.get(EcoTie, tie.id) is not None
    assert db.session.scalar(select(EcoTie).where(EcoTie.family_id == fam.id)) is None


# --------------------------------------------------------------------------- referrals


def test_record_and_edit_a_referral(app, world):
    fam, worker, cgg = world["fam"], world["users"]["worker"], world["cgg"]
    ref = operations.record_referral(fam, {"organisation_id": cgg.id, "referred_on": date.today(),
                                           "accompanied": True, "question": " Slaapproblemen ", "note": ""},
                                     user=worker, team_id=queries.team_for_family(worker, fam.id))
    db.session.commit()
    assert (ref.team_id, ref.waiting_status, ref.outcome, ref.question, ref.note) == (
        world["petra"].id, "registered", "open", "Slaapproblemen", None)
    values = {"organisation_id": cgg.id, "referred_on": date.today(), "accompanied": True,
              "waiting_status": "started", "outcome": "ongoing", "question": "Slaapproblemen"}
    assert operations.edit_referral(ref, values, user=worker) == ["waiting_status", "outcome"]
    db.session.commit()
    entries = [(a.action, a.object_id, a.family_id, a.user_id) for a in audit_of("network_referral")]
    assert entries == [("create", ref.id, fam.id, worker.id), ("update", ref.id, fam.id, worker.id)]


def test_referral_refusals(app, world):
    fam, worker, cgg = world["fam"], world["users"]["worker"], world["cgg"]
    base = {"organisation_id": cgg.id, "referred_on": date.today()}
    err = refused(operations.record_referral, fam, dict(base, referred_on=date.today() + timedelta(days=3)),
                  user=worker)
    assert (err.field, err.message) == ("referred_on", "De verwijsdatum ligt in de toekomst.")
    assert refused(operations.record_referral, fam, dict(base, organisation_id=987654), user=worker).field \
        == "organisation_id"
    err = refused(operations.record_referral, fam, dict(base, waiting_status="waiting", outcome="completed"),
                  user=worker)
    assert err.field == "outcome"
    assert err.message == ("Het resultaat 'Afgerond' kan enkel als de hulp gestart is: zet de wachtstatus op "
                           "'Hulp gestart'.")
    assert db.session.scalar(select(Referral)) is None
    assert audit_of("network_referral") == []


def test_partner_records_the_outcome_of_a_referral_to_their_organisation(app, world, make_referral):
    school_ref = make_referral(world["fam"], world["school"])
    partner_user = world["users"]["partner"]
    changed = operations.record_referral_outcome(school_ref, waiting_status="started", outcome="ongoing",
                                                 user=partner_user)
    db.session.commit()
    assert changed == ["waiting_status", "outcome"]
    log = [(c.field, c.old_value, c.new_value) for c in db.session.scalars(select(PartnerChange).order_by(PartnerChange.id))]
    assert log == [("waiting_status", "Aangemeld", "Hulp gestart"), ("outcome", "Nog open", "Loopt")]
    assert audit_of("network_referral", "update")[-1].family_id == world["fam"].id
    # back to "waiting" while the help "is ongoing" does not fit; another organisation's referral is not theirs
    assert refused(operations.record_referral_outcome, school_ref, waiting_status="waiting", outcome="ongoing",
                   user=partner_user).field == "outcome"
    cgg_ref = make_referral(world["fam"], world["cgg"])
    refused(operations.record_referral_outcome, cgg_ref, waiting_status="started", outcome="completed",
            user=partner_user)
    assert db.session.get(Referral, cgg_ref.id).outcome == "open"


def test_referral_reported_by_another_plugin_is_audited_with_the_family(app, world):
    from core.plugins import current_plugins

    hook = current_plugins().hook_available("hvhk_referral_recorded")
    payload = {"family_id": world["fam"].id, "organisation_id": world["cgg"].id, "date": date.today(),
               "source": "petra", "source_ref": "PT-2026-0042", "user_id": world["users"]["worker"].id}
    hook(referral=payload)
    hook(referral=dict(payload, date=date.today() + timedelta(days=30), source_ref="PT-2026-0043"))  # refused
    db.session.commit()
    [ref] = db.session.scalars(select(Referral))
    [entry] = audit_of("network_referral")
    assert (entry.action, entry.object_id, entry.family_id, entry.detail) == ("create", ref.id, world["fam"].id,
                                                                               "bron petra")


# --------------------------------------------------------------------------- import and settings


def test_import_writes_parsed_rows_through_the_operation(app, world):
    book = Book()
    sheet = book.sheet("Partners", [20] * 5)
    sheet.header(["Naam", "Sector", "Gemeenten", "Contactpersoon", "Aanbod"])
    sheet.append(["CLB Genk", "leerlingenbegeleiding", "Genk", "Nieuwe Collega", ""])
    sheet.append(["Jeugdhuis De Kelder", "vrije tijd", "As; Genk", "", "Fuifzaal; Atelier"])
    sheet.append(["", "welzijn", "", "", ""])
    report = importer.parse_file(FileStorage(io.BytesIO(book.to_bytes()), filename="partners.xlsx"))
    assert report.fatal is None
    assert [r.name for r in report.rows] == ["CLB Genk", "Jeugdhuis De Kelder"] and len(report.rejected) == 1
    assert db.session.scalar(select(Organisation).where(Organisation.name == "Jeugdhuis De Kelder")) is None
    assert operations.import_partners(report.rows, rejected=1, user=world["users"]["worker"]) == (1, 1)
    db.session.commit()
    kelder = db.session.scalar(select(Organisation).where(Organisation.name == "Jeugdhuis De Kelder"))
    assert queries.partner_for(kelder).municipality_list == ["As", "Genk"]
    assert sorted(s.name for s in db.session.scalars(select(Service).where(Service.organisation_id == kelder.id))) \
        == ["Atelier", "Fuifzaal"]
    assert queries.contact_named(world["clb"].id, "nieuwe collega") is not None
    [entry] = audit_of("network_import")
    assert entry.detail == "1 nieuw, 1 bijgewerkt, 1 geweigerd"


def test_settings_change_is_checked_and_stored(app, world):
    manager = world["users"]["admin"]
    err = refused(operations.change_settings, {"stale_months": 0}, user=manager)
    assert (err.field, err.message) == ("stale_months", "Tussen 1 en 120 maanden.")
    assert operations.change_settings({"stale_months": 6}, user=manager) == ["stale_months"]
    db.session.commit()
    assert queries.stale_months() == 6


# --------------------------------------------------------------------------- through HTTP


def test_referral_refusal_shows_next_to_the_outcome_with_the_input_kept(client, login, world):
    fam = world["fam"]
    login(client, "worker")
    resp = client.post(f"/netwerk/gezin/{fam.id}/verwijzingen/nieuw", data={
        "organisation_id": world["cgg"].id, "referred_on": date.today().isoformat(), "waiting_status": "registered",
        "outcome": "completed", "question": "Hulp bij de opvoeding van Lotte"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "kan enkel als de hulp gestart is" in html
    assert html.index("kan enkel als de hulp gestart is") > html.index('name="outcome"')  # under its field
    assert "Hulp bij de opvoeding van Lotte" in html
    assert db.session.scalar(select(Referral)) is None


def test_partner_portal_refusal_is_flashed_and_nothing_changes(client, login, world, make_referral, give_consent):
    ref = make_referral(world["fam"], world["school"])
    give_consent(world["fam"], world["school"], "verwijzing")
    login(client, "partner")
    resp = client.post(f"/netwerk/portaal/verwijzingen/{ref.id}/status",
                       data={"waiting_status": "not_started", "outcome": "completed"}, follow_redirects=True)
    assert "kan enkel als de hulp gestart is" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert (ref.waiting_status, ref.outcome) == ("registered", "open")
    assert db.session.scalar(select(PartnerChange)) is None


def test_tie_edit_page_saves_and_refuses_a_concurrent_edit(client, login, world):
    fam, worker = world["fam"], world["users"]["worker"]
    tie = operations.add_tie(fam, {"kind": "informeel", "label": "buurman Jos"}, user=worker)
    db.session.commit()
    login(client, "worker")
    url = f"/netwerk/gezin/{fam.id}/ecomap/{tie.id}"
    assert "buurman Jos" in client.get(url).get_data(as_text=True)
    data = {"kind": "informeel", "label": "buurman Jos", "person_id": "0", "organisation_id": "0",
            "strength": "zwak", "note": "verhuist", "version": str(tie.version)}
    assert client.post(url, data=data).status_code == 302
    resp = client.post(url, data=dict(data, strength="sterk"))  # the version the first save replaced
    assert resp.status_code == 409 and '<option selected value="sterk">' in resp.get_data(as_text=True)
    db.session.expire_all()
    assert (tie.strength, tie.note) == ("zwak", "verhuist")
    assert client.get(f"/netwerk/gezin/{world['other'].id}/ecomap/{tie.id}").status_code in (403, 404)


def test_partner_profile_without_one_yet_is_made_on_the_first_save(client, login, world, make_org):
    org = make_org("Buurtsport Genk", kind="andere")
    login(client, "worker")
    assert client.get(f"/netwerk/organisatie/{org.id}/bewerken").status_code == 200
    assert db.session.scalar(select(Partner).where(Partner.organisation_id == org.id)) is None  # a GET writes nothing
    resp = client.post(f"/netwerk/organisatie/{org.id}/bewerken", data={
        "name": "Buurtsport Genk", "sector": "vrije_tijd", "line": "0", "municipalities": ["Genk"], "version": ""})
    assert resp.status_code == 302
    assert queries.partner_for(org).sector == "vrije_tijd"
