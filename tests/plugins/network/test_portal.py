"""The partner portal: the shared social map, the own organisation's page, agreements, and referrals only
under consent. Every other URL (also guessed ids) answers 404."""

from __future__ import annotations

from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry, utcnow
from plugins.network.models import Contact, PartnerChange, Service


def test_partner_sees_social_map_with_shareable_items_only(client, login, world):
    login(client, "partner")
    resp = client.get("/netwerk/portaal/")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "CLB Genk" in html and "Carla Claes" in html
    assert "CGG Limburg" in html and "Geert Geerts" not in html  # CGG's contact is not shareable
    page = client.get(f"/netwerk/portaal/organisatie/{world['cgg'].id}").get_data(as_text=True)
    assert "Kinderpsychiatrie" in page and "Geert Geerts" not in page
    # the partner home page of the core lists the portal pages
    home = client.get("/").get_data(as_text=True)
    assert "/netwerk/portaal/mijn-organisatie" in home


def test_partner_keeps_own_page_up_to_date_and_staff_see_the_change(client, login, world):
    school = world["school"]
    login(client, "partner")
    assert "Pascale Peeters" in client.get("/netwerk/portaal/mijn-organisatie").get_data(as_text=True)
    c = db.session.scalar(select(Contact).where(Contact.organisation_id == school.id))
    resp = client.post(f"/netwerk/portaal/mijn-organisatie/contact/{c.id}", data={
        "name": "Pascale Peeters", "role": "zorgcoördinator", "phone": "0470 12 34 56", "email": "pascale@delinde.be",
        "is_primary": "y", "shareable": "y", "version": str(c.version)})
    assert resp.status_code == 302
    resp = client.post("/netwerk/portaal/mijn-organisatie/aanbod/nieuw", data={
        "name": "Brugfiguur voor ouders", "cost": "gratis", "age_min": "3", "age_max": "12", "shareable": "y"})
    assert resp.status_code == 302
    bad = client.post("/netwerk/portaal/mijn-organisatie/contact/nieuw", data={
        "name": "Nieuwe collega", "phone": "abc", "email": "x@"})
    html = bad.get_data(as_text=True)
    assert "Geen geldig telefoonnummer" in html and 'value="Nieuwe collega"' in html
    changes = list(db.session.scalars(select(PartnerChange).where(PartnerChange.organisation_id == school.id)))
    assert {(ch.object_type, ch.action) for ch in changes} >= {("contact", "update"), ("service", "create")}
    assert any(ch.field == "phone" and ch.new_value == "0470 12 34 56" for ch in changes)
    client.post("/logout")
    login(client, "worker")
    staff = client.get(f"/netwerk/organisatie/{school.id}").get_data(as_text=True)
    assert "Wijzigingen door de partner" in staff and "0470 12 34 56" in staff and "Partner" in staff


def test_partner_cannot_touch_other_organisations_items(client, login, world):
    clb_contact = db.session.scalar(select(Contact).where(Contact.organisation_id == world["clb"].id))
    clb_service = db.session.scalar(select(Service).where(Service.organisation_id == world["clb"].id))
    login(client, "partner")
    assert client.get(f"/netwerk/portaal/mijn-organisatie/contact/{clb_contact.id}").status_code == 404
    assert client.post(f"/netwerk/portaal/mijn-organisatie/contact/{clb_contact.id}",
                       data={"name": "Gekaapt", "phone": "089 00 00 00", "version": "1"}).status_code == 404
    assert client.post(f"/netwerk/portaal/mijn-organisatie/aanbod/{clb_service.id}/verwijderen").status_code == 404
    assert client.post(f"/netwerk/portaal/mijn-organisatie/contact/{clb_contact.id}/verwijderen").status_code == 404
    db.session.expire_all()
    assert db.session.get(Contact, clb_contact.id).name == "Carla Claes"
    assert db.session.get(Service, clb_service.id) is not None


def test_partner_is_refused_every_staff_and_family_page(client, login, world, make_referral):
    fam = world["fam"]
    ref = make_referral(fam, world["school"])
    login(client, "partner")
    urls = ["/netwerk/", "/netwerk/kaart", "/netwerk/kaart.json", "/netwerk/relaties", "/netwerk/verwijzingen",
            "/netwerk/import", "/netwerk/export.xlsx", f"/netwerk/organisatie/{world['school'].id}",
            f"/netwerk/organisatie/{world['school'].id}/bewerken", f"/netwerk/gezin/{fam.id}/ecomap",
            f"/netwerk/gezin/{fam.id}/verwijzingen", f"/netwerk/gezin/{fam.id}/verwijzingen/{ref.id}",
            f"/gezinnen/{fam.id}", "/gezinnen/", "/netwerk/tegel"]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/netwerk/organisatie/{world['school'].id}/nagekeken").status_code == 404
    assert client.post("/netwerk/relaties/nieuw", data={"source_id": world["school"].id,
                                                        "target_id": world["clb"].id}).status_code == 404


def test_staff_get_404_on_portal_pages(client, login, world):
    login(client, "worker")
    for url in ("/netwerk/portaal/", "/netwerk/portaal/mijn-organisatie", "/netwerk/portaal/verwijzingen"):
        assert client.get(url).status_code == 404, url


def test_referral_visible_only_under_consent_and_only_what_it_names(client, login, world, make_referral,
                                                                    give_consent):
    fam, other, school, clb = world["fam"], world["other"], world["school"], world["clb"]
    shared = make_referral(fam, school)
    not_shared = make_referral(other, school, question="Geheime hulpvraag")
    to_clb = make_referral(fam, clb, question="Vraag aan het CLB")
    give_consent(fam, school, "verwijzing")
    give_consent(fam, clb, "verwijzing,contactgegevens")  # consent for another organisation does not count
    login(client, "partner")
    listing = client.get("/netwerk/portaal/verwijzingen").get_data(as_text=True)
    assert shared.ref in listing and not_shared.ref not in listing and to_clb.ref not in listing
    assert "Gezin Peeters" not in listing  # contact details were not part of the consent
    detail = client.get(f"/netwerk/portaal/verwijzingen/{shared.id}")
    html = detail.get_data(as_text=True)
    assert detail.status_code == 200
    assert "Samen kijken naar de overgang" in html
    assert "Interne notitie" not in html and "Peeters" not in html and "Kerkstraat" not in html
    # guessed ids: no consent, another organisation's referral, a non-existing one
    for rid in (not_shared.id, to_clb.id, 99999):
        assert client.get(f"/netwerk/portaal/verwijzingen/{rid}").status_code == 404
        assert client.post(f"/netwerk/portaal/verwijzingen/{rid}/status",
                           data={"waiting_status": "started", "outcome": "ongoing"}).status_code == 404
    denied = db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "denied",
                                                                       AuditEntry.object_type == "network_referral"))
    assert denied >= 1


def test_contact_details_shown_when_consent_names_them(client, login, world, make_referral, give_consent):
    fam, school = world["fam"], world["school"]
    ref = make_referral(fam, school)
    give_consent(fam, school, "verwijzing,contactgegevens")
    login(client, "partner")
    html = client.get(f"/netwerk/portaal/verwijzingen/{ref.id}").get_data(as_text=True)
    assert "Gezin Peeters" in html
    assert "Gezin Peeters" in client.get("/netwerk/portaal/verwijzingen").get_data(as_text=True)
    reads = db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "view", AuditEntry.object_type == "network_referral", AuditEntry.family_id == fam.id))
    assert reads >= 2


def test_consent_for_other_kinds_only_does_not_open_referrals(client, login, world, make_referral, give_consent):
    ref = make_referral(world["fam"], world["school"])
    give_consent(world["fam"], world["school"], "contactgegevens,groepsaanbod")
    login(client, "partner")
    assert client.get(f"/netwerk/portaal/verwijzingen/{ref.id}").status_code == 404
    assert ref.ref not in client.get("/netwerk/portaal/verwijzingen").get_data(as_text=True)


def test_withdrawing_consent_stops_access_at_once(client, login, world, make_referral, give_consent):
    ref = make_referral(world["fam"], world["school"])
    consent = give_consent(world["fam"], world["school"], "verwijzing")
    login(client, "partner")
    assert client.get(f"/netwerk/portaal/verwijzingen/{ref.id}").status_code == 200
    consent.withdrawn_at = utcnow()
    db.session.commit()
    assert client.get(f"/netwerk/portaal/verwijzingen/{ref.id}").status_code == 404
    assert ref.ref not in client.get("/netwerk/portaal/verwijzingen").get_data(as_text=True)


def test_partner_updates_referral_status_under_consent(client, login, world, make_referral, give_consent):
    ref = make_referral(world["fam"], world["school"])
    give_consent(world["fam"], world["school"], "verwijzing")
    login(client, "partner")
    resp = client.post(f"/netwerk/portaal/verwijzingen/{ref.id}/status",
                       data={"waiting_status": "started", "outcome": "ongoing"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert ref.waiting_status == "started" and ref.outcome == "ongoing"
    assert client.post(f"/netwerk/portaal/verwijzingen/{ref.id}/status", csrf=False,
                       data={"waiting_status": "waiting", "outcome": "open"}).status_code == 400


def test_agreements_the_partner_is_party_to(client, login, world, make_relation):
    school, clb, cgg = world["school"], world["clb"], world["cgg"]
    make_relation(clb, school, "samenwerkingsakkoord", privacy_terms="Delen enkel met toestemming",
                  secrecy_terms="Gedeeld beroepsgeheim")
    make_relation(clb, cgg, "samenwerkingsakkoord", privacy_terms="Geheime afspraak CLB-CGG")
    make_relation(school, cgg, "verwijsroute")
    login(client, "partner")
    html = client.get("/netwerk/portaal/afspraken").get_data(as_text=True)
    assert "Met CLB Genk" in html and "Delen enkel met toestemming" in html
    assert "Geheime afspraak CLB-CGG" not in html


def test_other_partner_user_sees_own_organisation_only(client, login, world):
    login(client, "clbuser")
    html = client.get("/netwerk/portaal/mijn-organisatie").get_data(as_text=True)
    assert "CLB Genk" in html and "Pascale Peeters" not in html
    school_contact = db.session.scalar(select(Contact).where(Contact.organisation_id == world["school"].id))
    assert client.get(f"/netwerk/portaal/mijn-organisatie/contact/{school_contact.id}").status_code == 404


def test_partner_confirms_page_is_up_to_date_and_staff_see_recent_changes(client, login, world):
    from datetime import date, timedelta

    from plugins.network.models import Partner

    school = world["school"]
    p = db.session.scalar(select(Partner).where(Partner.organisation_id == school.id))
    p.last_verified = date.today() - timedelta(days=500)
    db.session.commit()
    login(client, "partner")
    assert "Kijk ze even na" in client.get("/netwerk/portaal/mijn-organisatie").get_data(as_text=True)
    assert client.post("/netwerk/portaal/mijn-organisatie/nagekeken").status_code == 302
    db.session.expire_all()
    assert db.session.get(Partner, p.id).last_verified == date.today()
    assert client.post("/netwerk/portaal/mijn-organisatie/nagekeken", csrf=False).status_code == 400
    client.post("/logout")
    login(client, "worker")
    html = client.get("/netwerk/wijzigingen").get_data(as_text=True)
    assert "Basisschool De Linde" in html and "profiel gewijzigd (laatst nagekeken)" in html
    assert "1 wijziging door partners" in client.htmx_get("/netwerk/tegel").get_data(as_text=True)


def test_partner_corrects_own_general_details_never_another_organisation(client, login, world):
    import pytest

    from core.models import User
    from core.operations import Refused
    from plugins.network import operations
    from plugins.network.models import Partner

    school, clb = world["school"], world["clb"]
    login(client, "partner")
    page = client.get("/netwerk/portaal/mijn-organisatie/algemeen")
    assert page.status_code == 200 and "Algemeen telefoonnummer" in page.get_data(as_text=True)
    bad = client.post("/netwerk/portaal/mijn-organisatie/algemeen",
                      data={"website": "geen-website", "phone": "089 11 22 33", "sector": "onderwijs"})
    assert bad.status_code in (200, 400, 422)
    assert "Geen geldige website" in bad.get_data(as_text=True) and 'value="089 11 22 33"' in bad.get_data(as_text=True)
    # an organisation id in the request changes nothing: the portal edits the user's own organisation
    version = db.session.scalar(select(Partner.version).where(Partner.organisation_id == school.id))
    resp = client.post(f"/netwerk/portaal/mijn-organisatie/algemeen?org_id={clb.id}", data={
        "website": "https://www.delinde.example", "phone": "089 11 22 33", "sector": "onderwijs", "org_id": clb.id,
        "version": str(version or "")})
    assert resp.status_code == 302
    db.session.expire_all()
    mine = db.session.scalar(select(Partner).where(Partner.organisation_id == school.id))
    theirs = db.session.scalar(select(Partner).where(Partner.organisation_id == clb.id))
    assert mine.website == "https://www.delinde.example" and mine.phone == "089 11 22 33"
    assert theirs is None or theirs.phone != "089 11 22 33"
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.object_type == "network_partner", AuditEntry.object_id == school.id,
        AuditEntry.action == "update")) == 1
    changes = {ch.field for ch in db.session.scalars(select(PartnerChange).where(
        PartnerChange.organisation_id == school.id, PartnerChange.object_type == "profile"))}
    assert changes == {"website", "phone"}
    # the operation itself refuses another organisation
    partner_user = db.session.scalar(select(User).where(User.username == "partner"))
    with pytest.raises(Refused):
        operations.edit_general_details(clb, {"website": None, "phone": "1", "sector": "welzijn"}, user=partner_user)
    db.session.rollback()
    # without CSRF nothing is stored
    assert client.post("/netwerk/portaal/mijn-organisatie/algemeen", csrf=False,
                       data={"phone": "000", "sector": "onderwijs"}).status_code == 400


def test_deleting_a_contact_asks_first(client, login, world):
    c = db.session.scalar(select(Contact).where(Contact.organisation_id == world["school"].id))
    login(client, "partner")
    ask = client.post(f"/netwerk/portaal/mijn-organisatie/contact/{c.id}/verwijderen")
    assert ask.status_code == 200 and "Ja, verwijderen" in ask.get_data(as_text=True)
    assert db.session.get(Contact, c.id) is not None
    inline = client.post(f"/netwerk/portaal/mijn-organisatie/contact/{c.id}/verwijderen", htmx=True)
    assert 'role="alertdialog"' in inline.get_data(as_text=True) and "<html" not in inline.get_data(as_text=True)
    done = client.post(f"/netwerk/portaal/mijn-organisatie/contact/{c.id}/verwijderen", data={"bevestigd": "1"})
    assert done.status_code == 302
