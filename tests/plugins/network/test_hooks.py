"""Hooks: referrals from other plugins, family export and erasure, search, menu, panels, tile, demo data."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core.extensions import db
from core.models import Organisation, User
from core.plugins import current_plugins
from plugins.network.models import EcoTie, Partner, Referral, Relation


def test_referral_recorded_by_another_plugin_is_stored_once(app, world):
    hook = current_plugins().hook_available("hvhk_referral_recorded")
    payload = {"family_id": world["fam"].id, "organisation_id": world["cgg"].id, "date": date(2026, 5, 1),
               "accompanied": True, "source": "petra", "source_ref": "PT-2026-0007", "note": "Afronding",
               "user_id": world["users"]["worker"].id}
    hook(referral=payload)
    hook(referral=payload)  # the same closure reported twice is stored once
    hook(referral=dict(payload, organisation_id=999999))  # unknown organisation: ignored
    db.session.commit()
    refs = list(db.session.scalars(select(Referral)))
    assert len(refs) == 1
    r = refs[0]
    assert (r.source, r.source_ref, r.accompanied, r.referred_on) == ("petra", "PT-2026-0007", True, date(2026, 5, 1))
    assert r.team_id == world["petra"].id  # the reporting worker's team involved with the family


def test_referral_from_petra_shows_in_family_panel(client, login, world):
    current_plugins().hook_available("hvhk_referral_recorded")(referral={
        "family_id": world["fam"].id, "organisation_id": world["cgg"].id, "date": date.today(),
        "accompanied": False, "source": "petra", "source_ref": "PT-2026-0001", "note": None, "user_id": None})
    db.session.commit()
    login(client, "worker")
    html = client.htmx_get(f"/netwerk/gezin/{world['fam'].id}/verwijzingen").get_data(as_text=True)
    assert "CGG Limburg" in html and "PT-2026-0001" in html


def test_family_export_and_erase(app, world, make_referral):
    fam = world["fam"]
    db.session.add(EcoTie(family_id=fam.id, kind="informeel", label="buurvrouw Ria", strength="sterk"))
    make_referral(fam, world["cgg"], question="Vraag met naam Lotte", note="Notitie")
    host = current_plugins()
    exported = [part for part in host.hook_available("hvhk_family_export")(family=fam) if part]
    net = next(p for p in exported if "ecomap" in p)
    assert net["ecomap"][0]["label"] == "buurvrouw Ria"
    assert net["referrals"][0]["question"] == "Vraag met naam Lotte"
    results = host.hook_available("hvhk_family_erase")(family=fam)
    db.session.commit()
    assert {"removed": 1, "kept": 1} in results
    assert db.session.scalar(select(func.count(EcoTie.id))) == 0
    r = db.session.scalar(select(Referral))
    assert r.question is None and r.note is None and r.organisation_id == world["cgg"].id


def test_search_finds_organisations_contacts_and_services(client, login, world):
    login(client, "worker")
    html = client.get("/zoeken?q=carla").get_data(as_text=True)
    assert "Carla Claes" in html and "Contactpersoon" in html
    html = client.get("/zoeken?q=kinderpsych").get_data(as_text=True)
    assert "Kinderpsychiatrie" in html
    html = client.get("/zoeken?q=linde").get_data(as_text=True)
    assert "Basisschool De Linde" in html
    client.post("/logout")
    login(client, "finance")  # no network plugin: no partner results
    assert "Carla Claes" not in client.get("/zoeken?q=carla").get_data(as_text=True)


def test_menu_tile_and_family_panels(client, login, world, make_relation):
    make_relation(world["school"], world["clb"], "samenwerkingsakkoord", review_date=date(2020, 1, 1))
    login(client, "worker")
    home = client.get("/").get_data(as_text=True)
    assert "/netwerk/tegel" in home and "Sociale kaart" in home
    tile = client.htmx_get("/netwerk/tegel").get_data(as_text=True)
    assert "3</strong> organisaties" in tile and "1 samenwerking te evalueren" in tile
    page = client.get(f"/gezinnen/{world['fam'].id}").get_data(as_text=True)
    assert f"/netwerk/gezin/{world['fam'].id}/ecomap" in page and "Verwijzingen naar partners" in page
    client.post("/logout")
    login(client, "finance")
    assert "/netwerk/tegel" not in client.get("/").get_data(as_text=True)


def test_fragment_without_htmx_is_a_full_page(client, login, world):
    login(client, "worker")
    html = client.get(f"/netwerk/gezin/{world['fam'].id}/ecomap").get_data(as_text=True)
    assert "<!doctype html>" in html and "Terug naar het gezin" in html
    html = client.htmx_get(f"/netwerk/gezin/{world['fam'].id}/ecomap").get_data(as_text=True)
    assert "<!doctype html>" not in html


def test_demo_data(app, client, login):
    from core.demo import load_demo

    load_demo(scale=1)
    n_orgs = db.session.scalar(select(func.count(Organisation.id)))
    assert 140 <= n_orgs <= 160
    assert db.session.scalar(select(func.count(Partner.id))) == n_orgs
    assert db.session.scalar(select(func.count(Relation.id))) > 100
    linde = db.session.scalar(select(Organisation).where(Organisation.name == "Basisschool De Linde"))
    partner_user = db.session.scalar(select(User).where(User.username == "partner"))
    assert partner_user.organisation_id == linde.id
    assert db.session.scalar(select(func.count(Relation.id)).where(
        Relation.kind == "samenwerkingsakkoord",
        (Relation.source_id == linde.id) | (Relation.target_id == linde.id))) >= 1
    # the demo story: seven families referred to the school's bridge figure; one gave no consent, one withdrew it
    assert db.session.scalar(select(func.count(Referral.id)).where(Referral.organisation_id == linde.id)) == 7
    login(client, "partner")
    html = client.get("/netwerk/portaal/verwijzingen").get_data(as_text=True)
    assert html.count('href="/netwerk/portaal/verwijzingen/') == 5
    client.post("/logout")
    login(client, "worker")
    assert client.get("/netwerk/kaart").status_code == 200
