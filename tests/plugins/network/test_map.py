"""The network map: data for 1,000 organisations stays fast and complete; filters; islands stand out."""

from __future__ import annotations

import random

from sqlalchemy import insert, select

from core.extensions import db
from core.models import Organisation
from plugins.network.models import SECTORS, Partner, Relation


def _generate(n: int = 1000, relations: int = 1500, seed: int = 7):
    rng = random.Random(seed)
    db.session.execute(insert(Organisation), [
        {"name": f"Organisatie {i:04d}", "kind": "andere", "municipality": rng.choice(["Genk", "As", "Zutendaal"]),
         "archived": False, "version": 1} for i in range(n)])
    ids = list(db.session.scalars(select(Organisation.id).where(Organisation.name.like("Organisatie %"))
                                  .order_by(Organisation.id)))
    sectors = [k for k, _ in SECTORS]
    db.session.execute(insert(Partner), [
        {"organisation_id": oid, "sector": sectors[i % len(sectors)], "line": i % 3,
         "municipalities": ",Genk," if i % 2 else ",As,Genk,", "version": 1} for i, oid in enumerate(ids)])
    connected = ids[: int(n * 0.9)]  # the last 10% stay islands
    pairs = set()
    while len(pairs) < relations:
        a, b = rng.sample(connected, 2)
        if (a, b) not in pairs and (b, a) not in pairs:
            pairs.add((a, b))
    kinds = ["verwijsroute", "samenwerkingsakkoord", "consult", "coordinatiemandaat", "gedeeld_aanbod"]
    db.session.execute(insert(Relation), [
        {"source_id": a, "target_id": b, "kind": kinds[i % 5], "direction": "wederzijds", "structural": i % 2 == 0,
         "version": 1} for i, (a, b) in enumerate(sorted(pairs))])
    # make sure every "connected" organisation really has a relation
    have = {a for a, _ in pairs} | {b for _, b in pairs}
    extra = [oid for oid in connected if oid not in have]
    db.session.execute(insert(Relation), [
        {"source_id": oid, "target_id": connected[0] if oid != connected[0] else connected[1], "kind": "consult",
         "direction": "wederzijds", "structural": True, "version": 1} for oid in extra]) if extra else None
    db.session.commit()
    return ids, len(pairs) + len(extra)


def test_map_data_for_1000_organisations(client, login, world, count_queries):
    ids, n_rel = _generate()
    login(client, "worker")
    client.get("/netwerk/kaart.json")
    with count_queries() as n:
        resp = client.get("/netwerk/kaart.json")
    assert resp.status_code == 200
    data = resp.get_json()
    assert len(data["nodes"]) == 1000 + 3  # plus the three organisations of the world fixture
    assert len(data["edges"]) == n_rel
    islands = {node["id"] for node in data["nodes"] if node["island"]}
    assert set(ids[900:]) <= islands and not (set(ids[:900]) & islands)
    assert data["islands"] == len(islands)
    # every node has a position inside the drawing, no two nodes on the same spot
    spots = {(node["x"], node["y"]) for node in data["nodes"]}
    assert len(spots) == len(data["nodes"])
    assert all(0 <= node["x"] <= data["width"] and 0 <= node["y"] <= data["height"] for node in data["nodes"])
    # user, plugin checks, the map's version (the layout is cached): independent of the number of organisations
    assert n.count <= 3

    page = client.get("/netwerk/kaart")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('class="network-node') == 1003
    assert html.count("network-island") >= 100
    assert "<script>" not in html and 'style="' not in html


def test_map_filters(client, login, world, make_relation, make_partner):
    school, clb, cgg = world["school"], world["clb"], world["cgg"]
    make_relation(school, clb, "verwijsroute")
    make_relation(clb, cgg, "consult")
    island = make_partner("Eenzame Vereniging", sector="vrije_tijd", areas=["As"])
    login(client, "worker")
    data = client.get("/netwerk/kaart.json").get_json()
    assert {n["name"] for n in data["nodes"] if n["island"]} == {"Eenzame Vereniging"}
    data = client.get("/netwerk/kaart.json?soort=consult").get_json()
    assert [(e["source"], e["target"]) for e in data["edges"]] == [(clb.id, cgg.id)]
    data = client.get("/netwerk/kaart.json?sector=onderwijs").get_json()
    assert [n["name"] for n in data["nodes"]] == ["Basisschool De Linde"] and data["edges"] == []
    data = client.get("/netwerk/kaart.json?lijn=2").get_json()
    assert [n["name"] for n in data["nodes"]] == ["CGG Limburg"]
    data = client.get("/netwerk/kaart.json?gemeente=As").get_json()
    assert [n["id"] for n in data["nodes"]] == [island.id]
    data = client.get(f"/netwerk/kaart.json?focus={school.id}").get_json()
    assert {n["name"] for n in data["nodes"]} == {"Basisschool De Linde", "CLB Genk"}
    html = client.get("/netwerk/kaart").get_data(as_text=True)
    assert "Eilanden (1)" in html and "Eenzame Vereniging" in html
    # find an organisation by name: the map shows it with its neighbours
    data = client.get("/netwerk/kaart.json?naam=clb").get_json()
    assert {n["name"] for n in data["nodes"]} == {"Basisschool De Linde", "CLB Genk", "CGG Limburg"}
    html = client.get("/netwerk/kaart?naam=clb").get_data(as_text=True)
    assert "Enkel <strong>CLB Genk</strong>" in html
    html = client.get("/netwerk/kaart?naam=bestaatniet").get_data(as_text=True)
    assert "Geen organisatie gevonden" in html


def test_map_cache_notices_a_deleted_newest_relation_replaced_by_another(client, login, world, make_relation):
    """SQLite gives a new row the id of a deleted highest one: count, versions and highest id stay the same, the
    cached layout must not (the map's version also holds the newest creation time of a relation)."""
    school, clb, cgg = world["school"], world["clb"], world["cgg"]
    make_relation(school, clb, "verwijsroute")
    newest = make_relation(clb, cgg, "consult")
    login(client, "worker")
    before = client.get("/netwerk/kaart.json").get_json()
    assert {(e["source"], e["target"]) for e in before["edges"]} == {(school.id, clb.id), (clb.id, cgg.id)}
    old_id = newest.id
    db.session.delete(newest)
    db.session.commit()
    replaced = make_relation(school, cgg, "consult")
    if db.engine.dialect.name == "sqlite":
        assert replaced.id == old_id  # the case this test is about
    after = client.get("/netwerk/kaart.json").get_json()
    assert {(e["source"], e["target"]) for e in after["edges"]} == {(school.id, clb.id), (school.id, cgg.id)}
