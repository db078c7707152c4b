"""Staff pages: directory with filters and "who to call", stale marker, partner page, relations, access."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, insert, select

from core.extensions import db
from core.models import AuditEntry, Organisation
from plugins.network.models import Contact, Partner, Relation, Service


def test_directory_filters_by_sector_line_municipality_and_service(client, login, world, make_partner):
    make_partner("Voetbalclub Waterschei", sector="vrije_tijd", line=0, areas=["Genk", "As"], service="Zomerkamp")
    login(client, "worker")
    html = client.get("/netwerk/").get_data(as_text=True)
    assert "Basisschool De Linde" in html and "CGG Limburg" in html
    html = client.get("/netwerk/?sector=onderwijs").get_data(as_text=True)
    assert "Basisschool De Linde" in html and "CLB Genk" not in html
    html = client.get("/netwerk/?lijn=2").get_data(as_text=True)
    assert "CGG Limburg" in html and "CLB Genk" not in html
    html = client.get("/netwerk/?gemeente=As").get_data(as_text=True)
    assert "Voetbalclub Waterschei" in html and "Basisschool De Linde" not in html
    html = client.get("/netwerk/?aanbod=zomerk").get_data(as_text=True)
    assert "Voetbalclub Waterschei" in html and "CLB Genk" not in html
    # searching a contact person's name finds the organisation
    html = client.get("/netwerk/?q=carla").get_data(as_text=True)
    assert "CLB Genk" in html and "Basisschool De Linde" not in html


def test_directory_shows_who_to_call_first(client, login, world):
    login(client, "worker")
    html = client.get("/netwerk/?q=CLB").get_data(as_text=True)
    assert "Wie bel je?" in html
    assert "Carla Claes" in html and 'href="tel:089302010"' in html


def test_directory_query_count_is_constant(client, login, world, make_partner, count_queries):
    login(client, "worker")
    client.get("/netwerk/")

    def run():
        client.get("/netwerk/")  # warm: what the process holds is renewed after the writes (core.held)
        with count_queries() as n:
            assert client.get("/netwerk/").status_code == 200
        return n.count

    small = run()
    for i in range(27):
        make_partner(f"Organisatie {i:02d}", contact=f"Persoon {i}", service=f"Aanbod {i}")
    assert db.session.scalar(select(func.count(Organisation.id))) == 30
    assert run() == small
    assert small <= 5  # user, plugin switches, the page, its contacts and offers (one statement), the settings


def test_directory_shows_the_first_contact_and_three_offers_of_many(client, login, world, make_partner):
    org_id = make_partner("Huis met veel", contact="Zeno Eerst").id
    for i in range(4):
        db.session.add(Contact(organisation_id=org_id, name=f"Anna {i}", phone="089 00 00 0{i}"))
    for name in ("Eten", "Dansen", "Boeken", "Aanbod <b>", "Fietsen"):
        db.session.add(Service(organisation_id=org_id, name=name))
    db.session.commit()
    login(client, "worker")
    html = client.get("/netwerk/?q=veel").get_data(as_text=True)
    assert "<strong>Zeno Eerst</strong>, zorgcoördinator" in html  # the primary contact before the others
    assert "Anna 0" not in html and "+ 4 andere" in html
    assert "Aanbod &lt;b&gt;; Boeken; Dansen …" in html  # the first three by name, escaped, then more


def test_directory_is_paginated(client, login, world):
    rows = [{"name": f"Vereniging {i:03d}", "kind": "andere", "municipality": "Genk", "archived": False, "version": 1}
            for i in range(60)]
    db.session.execute(insert(Organisation), rows)
    db.session.commit()
    login(client, "worker")
    first = client.get("/netwerk/").get_data(as_text=True)
    assert 'rel="next"' in first
    second = client.get("/netwerk/?pagina=2").get_data(as_text=True)
    assert "Vereniging 000" not in second and "Vereniging 030" in second


def test_stale_marker_after_configured_months(app, client, login, world, make_partner):
    make_partner("Oud Centrum", verified_days_ago=400)
    make_partner("Vers Centrum", verified_days_ago=45)
    make_partner("Nooit Nagekeken", verified_days_ago=None)
    login(client, "worker")
    html = client.get("/netwerk/?verouderd=1").get_data(as_text=True)
    assert "Oud Centrum" in html and "Nooit Nagekeken" in html and "Vers Centrum" not in html
    vers = db.session.scalar(select(Organisation).where(Organisation.name == "Vers Centrum"))
    oud = db.session.scalar(select(Organisation).where(Organisation.name == "Oud Centrum"))
    assert "mogelijk verouderd" not in client.get(f"/netwerk/organisatie/{vers.id}").get_data(as_text=True)
    assert "mogelijk verouderd" in client.get(f"/netwerk/organisatie/{oud.id}").get_data(as_text=True)
    app.config["NETWORK_STALE_MONTHS"] = 1
    assert "mogelijk verouderd" in client.get(f"/netwerk/organisatie/{vers.id}").get_data(as_text=True)
    # marking it verified today clears the marker
    app.config["NETWORK_STALE_MONTHS"] = 12
    client.post(f"/netwerk/organisatie/{oud.id}/nagekeken")
    assert "mogelijk verouderd" not in client.get(f"/netwerk/organisatie/{oud.id}").get_data(as_text=True)


def test_partner_page_edit_with_bad_input_keeps_input(client, login, world):
    login(client, "worker")
    org = world["clb"]
    form_html = client.get(f"/netwerk/organisatie/{org.id}/bewerken").get_data(as_text=True)
    assert "CLB Genk" in form_html
    p = db.session.scalar(select(Partner).where(Partner.organisation_id == org.id))
    resp = client.post(f"/netwerk/organisatie/{org.id}/bewerken", data={
        "name": "CLB Genk-Zuid", "sector": "leerlingenbegeleiding", "line": "1", "municipalities": ["Genk", "As"],
        "phone": "12ab", "email": "geen-mail", "version": str(p.version)})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Geen geldig telefoonnummer" in html and "Geen geldig e-mailadres" in html
    assert 'value="CLB Genk-Zuid"' in html
    resp = client.post(f"/netwerk/organisatie/{org.id}/bewerken", data={
        "name": "CLB Genk-Zuid", "sector": "leerlingenbegeleiding", "line": "1", "municipalities": ["Genk", "As"],
        "phone": "+32 89 30 20 10", "email": "onthaal@clb.example.be", "version": str(p.version)})
    assert resp.status_code == 302
    db.session.expire_all()
    p = db.session.scalar(select(Partner).where(Partner.organisation_id == org.id))
    assert p.municipality_list == ["Genk", "As"] and p.organisation.name == "CLB Genk-Zuid"


def test_second_save_of_a_contact_is_refused(client, login, world):
    login(client, "worker")
    org = world["clb"]
    c = db.session.scalar(select(Contact).where(Contact.organisation_id == org.id))
    data = {"name": "Carla Claes", "role": "directeur", "phone": "089 30 20 11", "version": str(c.version)}
    assert client.post(f"/netwerk/organisatie/{org.id}/contact/{c.id}", data=data).status_code == 302
    resp = client.post(f"/netwerk/organisatie/{org.id}/contact/{c.id}", data=dict(data, role="secretariaat"))
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert "Iemand anders heeft dit intussen gewijzigd" in html and 'value="secretariaat"' in html
    db.session.expire_all()
    assert db.session.get(Contact, c.id).role == "directeur"


def test_contact_needs_phone_or_email(client, login, world):
    login(client, "worker")
    resp = client.post(f"/netwerk/organisatie/{world['clb'].id}/contact/nieuw", data={"name": "Iemand", "version": ""})
    assert resp.status_code == 200
    assert "Geef een telefoonnummer of een e-mailadres." in resp.get_data(as_text=True)


def test_relation_with_itself_is_refused(client, login, world):
    login(client, "worker")
    clb = world["clb"]
    resp = client.post("/netwerk/relaties/nieuw", data={
        "source_id": clb.id, "target_id": clb.id, "kind": "verwijsroute", "direction": "heen", "structural": "1"})
    assert resp.status_code == 200
    assert "Een organisatie kan geen relatie met zichzelf hebben" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Relation.id))) == 0


def test_relation_with_itself_is_refused_by_the_database(app, world):
    import pytest
    from sqlalchemy.exc import IntegrityError

    db.session.add(Relation(source_id=world["clb"].id, target_id=world["clb"].id, kind="consult"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_relation_crud_with_agreement_terms(client, login, world):
    login(client, "worker")
    school, clb = world["school"], world["clb"]
    resp = client.post("/netwerk/relaties/nieuw", data={
        "source_id": school.id, "target_id": clb.id, "kind": "samenwerkingsakkoord", "direction": "wederzijds",
        "structural": "1", "privacy_terms": "Enkel met toestemming", "secrecy_terms": "Gedeeld beroepsgeheim",
        "start_date": "2025-09-01", "end_date": "2025-01-01", "review_date": "2026-06-30"})
    assert "De einddatum ligt voor de startdatum." in resp.get_data(as_text=True)
    resp = client.post("/netwerk/relaties/nieuw", data={
        "source_id": school.id, "target_id": clb.id, "kind": "samenwerkingsakkoord", "direction": "wederzijds",
        "structural": "1", "privacy_terms": "Enkel met toestemming", "secrecy_terms": "Gedeeld beroepsgeheim",
        "start_date": "2025-09-01", "review_date": "2026-06-30"})
    assert resp.status_code == 302
    rel = db.session.scalar(select(Relation))
    assert rel.privacy_terms == "Enkel met toestemming" and rel.start_date == date(2025, 9, 1)
    html = client.get(f"/netwerk/organisatie/{clb.id}").get_data(as_text=True)
    assert "Samenwerkingsakkoord" in html and "Basisschool De Linde" in html
    assert "Samenwerkingsakkoord" in client.get("/netwerk/relaties?soort=samenwerkingsakkoord").get_data(as_text=True)
    resp = client.post(f"/netwerk/relaties/{rel.id}", data={
        "source_id": school.id, "target_id": clb.id, "kind": "consult", "direction": "wederzijds",
        "structural": "0", "version": str(rel.version)})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Relation, rel.id).kind == "consult"
    ask = client.post(f"/netwerk/relaties/{rel.id}/verwijderen")
    assert ask.status_code == 200 and "Ja, verwijderen" in ask.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Relation.id))) == 1
    assert client.post(f"/netwerk/relaties/{rel.id}/verwijderen", data={"bevestigd": "1"}).status_code == 302
    assert db.session.scalar(select(func.count(Relation.id))) == 0


def test_new_organisation(client, login, world):
    login(client, "worker")
    resp = client.post("/netwerk/organisatie/nieuw", data={
        "name": "Chiro Bret", "kind": "andere", "sector": "vrije_tijd", "line": "0", "municipalities": ["Genk"],
        "website": "https://chirobret.example.be", "last_verified": date.today().isoformat()})
    assert resp.status_code == 302
    org = db.session.scalar(select(Organisation).where(Organisation.name == "Chiro Bret"))
    p = db.session.scalar(select(Partner).where(Partner.organisation_id == org.id))
    assert p.sector == "vrije_tijd" and p.line == 0


def test_team_without_plugin_and_partner_get_404(client, login, world):
    login(client, "finance")
    for url in ("/netwerk/", "/netwerk/kaart", "/netwerk/kaart.json", f"/netwerk/organisatie/{world['clb'].id}",
                f"/netwerk/gezin/{world['fam'].id}/ecomap", "/netwerk/export.xlsx"):
        assert client.get(url).status_code == 404, url


def test_family_pages_by_involvement(client, login, world):
    fam, other = world["fam"], world["other"]
    login(client, "worker")
    assert client.get(f"/netwerk/gezin/{fam.id}/ecomap").status_code == 200
    assert client.get(f"/netwerk/gezin/{fam.id}/verwijzingen").status_code == 200
    assert client.get(f"/netwerk/gezin/{other.id}/ecomap").status_code == 403
    assert client.get(f"/netwerk/gezin/{other.id}/verwijzingen").status_code == 403
    assert client.post(f"/netwerk/gezin/{other.id}/ecomap", data={"kind": "informeel", "label": "oma",
                                                                  "person_id": "0", "organisation_id": "0",
                                                                  "strength": "sterk"}).status_code == 403
    denied = db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "denied",
                                                                       AuditEntry.family_id == other.id))
    assert denied >= 3
    client.post("/logout")
    login(client, "onthaal")  # network on, but Onthaal is not involved with this family
    assert client.get(f"/netwerk/gezin/{fam.id}/ecomap").status_code == 403


def test_ecomap_add_and_draw(client, login, world):
    fam = world["fam"]
    login(client, "worker")
    resp = client.post(f"/netwerk/gezin/{fam.id}/ecomap", htmx=True, data={
        "kind": "informeel", "label": "grootmoeder Maria", "person_id": "0", "organisation_id": "0",
        "strength": "sterk"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<svg" in html and "grootmoeder Maria" in html
    assert 'stroke-width="5"' in html  # a strong tie is a thick line
    resp = client.post(f"/netwerk/gezin/{fam.id}/ecomap", htmx=True, data={
        "kind": "dienst", "label": "", "person_id": "0", "organisation_id": str(world["clb"].id), "strength": "zwak"})
    html = resp.get_data(as_text=True)
    assert "<svg" in html and "CLB Genk" in html  # a service without a label takes the organisation's name
    resp = client.post(f"/netwerk/gezin/{fam.id}/ecomap", htmx=True, data={
        "kind": "informeel", "label": " ", "person_id": "0", "organisation_id": "0", "strength": "zwak"})
    assert "Dit veld is verplicht" in resp.get_data(as_text=True)
    views = db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.object_type == "network_eco_tie",
                                                                      AuditEntry.family_id == fam.id))
    assert views == 2


def test_referral_register_and_stats(client, login, world):
    fam, cgg = world["fam"], world["cgg"]
    login(client, "worker")
    resp = client.post(f"/netwerk/gezin/{fam.id}/verwijzingen/nieuw", data={
        "organisation_id": cgg.id, "referred_on": date.today().isoformat(), "accompanied": "y",
        "waiting_status": "waiting", "outcome": "open", "question": "Onderzoek naar ADHD"})
    assert resp.status_code == 302
    future = client.post(f"/netwerk/gezin/{fam.id}/verwijzingen/nieuw", data={
        "organisation_id": cgg.id, "referred_on": (date.today() + timedelta(days=3)).isoformat(),
        "waiting_status": "registered", "outcome": "open", "question": "Te vroeg"})
    assert "De verwijsdatum ligt in de toekomst." in future.get_data(as_text=True)
    assert 'Te vroeg' in future.get_data(as_text=True)
    html = client.get(f"/netwerk/gezin/{fam.id}/verwijzingen", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "CGG Limburg" in html and "Op de wachtlijst" in html
    html = client.get("/netwerk/verwijzingen").get_data(as_text=True)
    assert "CGG Limburg" in html
    page = client.get(f"/netwerk/organisatie/{cgg.id}").get_data(as_text=True)
    assert "1 verwijzing," in page and "1 op de wachtlijst" in page


def test_post_without_csrf_is_400(client, login, world):
    login(client, "worker")
    resp = client.post("/netwerk/relaties/nieuw", csrf=False, data={
        "source_id": world["clb"].id, "target_id": world["cgg"].id, "kind": "consult"})
    assert resp.status_code == 400
    resp = client.post(f"/netwerk/organisatie/{world['clb'].id}/nagekeken", csrf=False)
    assert resp.status_code == 400


def test_partner_page_query_count_is_constant(client, login, world, make_partner, make_relation, count_queries):
    login(client, "worker")
    clb = world["clb"]
    make_relation(world["school"], clb)
    url = f"/netwerk/organisatie/{clb.id}"
    client.get(url)
    with count_queries() as n1:
        client.get(url)
    for i in range(10):
        o = make_partner(f"School {i}", contact=f"Juf {i}")
        make_relation(o, clb)
        db.session.add(Contact(organisation_id=clb.id, name=f"Extra {i}", phone="089 11 22 33"))
    db.session.commit()
    client.get(url)  # warm: what the process holds is renewed after the writes (core.held)
    with count_queries() as n2:
        client.get(url)
    assert n1.count == n2.count
    assert date.today() - timedelta(days=1) < date.today()


def test_stale_months_setting_by_a_manager(client, login, world, make_user, make_partner):
    make_user("mgr", {world["petra"]: "manager"})
    org = make_partner("Half Jaar Geleden", verified_days_ago=200)
    login(client, "worker")
    assert client.get("/netwerk/instellingen").status_code == 403
    assert "mogelijk verouderd" not in client.get(f"/netwerk/organisatie/{org.id}").get_data(as_text=True)
    client.post("/logout")
    login(client, "mgr")
    resp = client.post("/netwerk/instellingen", data={"stale_months": "0"})
    assert "Tussen 1 en 120 maanden." in resp.get_data(as_text=True)
    assert client.post("/netwerk/instellingen", data={"stale_months": "6"}).status_code == 302
    assert "mogelijk verouderd" in client.get(f"/netwerk/organisatie/{org.id}").get_data(as_text=True)
    assert "niet nagekeken in de laatste 6 maanden" in client.get("/netwerk/").get_data(as_text=True)


def test_referral_second_save_is_refused(client, login, world, make_referral):
    fam, cgg = world["fam"], world["cgg"]
    ref = make_referral(fam, cgg)
    login(client, "worker")
    url = f"/netwerk/gezin/{fam.id}/verwijzingen/{ref.id}"
    data = {"organisation_id": cgg.id, "referred_on": date.today().isoformat(), "waiting_status": "started",
            "outcome": "ongoing", "version": str(ref.version)}
    assert client.post(url, data=data).status_code == 302
    resp = client.post(url, data=dict(data, outcome="completed"))
    assert resp.status_code == 409 and "Iemand anders heeft dit intussen gewijzigd" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert ref.outcome == "ongoing"


def test_ids_of_other_families_are_not_mixed(client, login, world, make_referral, make_family):
    from plugins.network.models import EcoTie

    fam = world["fam"]
    second = make_family("Claes", involved=(world["petra"],))
    tie = EcoTie(family_id=second.id, kind="informeel", label="oom", strength="gewoon")
    db.session.add(tie)
    db.session.commit()
    ref = make_referral(second, world["cgg"])
    login(client, "worker")
    assert client.post(f"/netwerk/gezin/{fam.id}/ecomap/{tie.id}/verwijderen").status_code == 404
    assert client.get(f"/netwerk/gezin/{fam.id}/verwijzingen/{ref.id}").status_code == 404
    assert db.session.get(EcoTie, tie.id) is not None


def test_admin_sees_every_family_network(client, login, world):
    login(client, "admin")
    assert client.get(f"/netwerk/gezin/{world['other'].id}/ecomap").status_code == 200
    assert client.get("/netwerk/instellingen").status_code == 200


def test_removing_a_tie_from_the_ecomap_asks_first(client, login, world):
    from plugins.network.models import EcoTie

    fam = world["fam"]
    tie = EcoTie(family_id=fam.id, kind="informeel", label="grootmoeder", strength="sterk")
    db.session.add(tie)
    db.session.commit()
    login(client, "worker")
    url = f"/netwerk/gezin/{fam.id}/ecomap/{tie.id}/verwijderen"
    inline = client.post(url, htmx=True).get_data(as_text=True)
    assert 'role="alertdialog"' in inline and "De band ‘grootmoeder’ van het ecogram verwijderen?" in inline
    assert "<html" not in inline and db.session.get(EcoTie, tie.id) is not None
    tie_id = tie.id
    assert client.post(url, data={"bevestigd": "1"}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(EcoTie).where(EcoTie.id == tie_id)) == 0
