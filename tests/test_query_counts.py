"""What a request costs in SQL statements: a constant number, whatever the data size (issue 21).

Counted with a SQLAlchemy ``before_cursor_execute`` listener (the ``count_queries`` fixture) at a small and a
larger data size; the figures must be equal, not merely small.
"""

from __future__ import annotations

from datetime import date

import pytest

from core.extensions import db
from core.models import AuditEntry, Organisation


@pytest.fixture
def house(make_team, make_user, make_family, make_org):
    petra = make_team("PeTra", plugins=("petra", "groups", "network", "costing"))
    other = make_team("Onthaal", plugins=("network",))
    make_user("worker", {petra: "member", other: "member"})
    make_user("outsider", {other: "member"})
    fam = make_family("Peeters", involved=(petra,), children=(("Lotte", date(2015, 3, 14)),))
    school = make_org("Basisschool De Linde")

    def grow(n: int) -> None:
        """More of everything the pages read: families with the same name, members, organisations, views."""
        for i in range(n):
            make_family("Peeters", involved=(petra,), children=((f"K{i}", date(2014, 1, 1)), (f"L{i}", date(2016, 1, 1))))
            db.session.add(Organisation(name=f"Dienst {i:03d}", kind="andere", municipality="Genk"))
            db.session.add(AuditEntry(action="view", object_type="family", object_id=fam.id, family_id=fam.id,
                                      user_id=None, address="127.0.0.1"))
        db.session.commit()

    return dict(fam_id=fam.id, school_id=school.id, grow=grow)


def _counts(client, count_queries, paths: dict[str, str]) -> dict[str, int]:
    found = {}
    for name, path in paths.items():
        client.get(path)  # warm: what a worker caches per process is filled, as in a running server
        with count_queries() as n:
            resp = client.get(path)
        assert resp.status_code == 200, (name, resp.status_code)
        found[name] = n.count
    return found


def test_fixed_costs_and_family_pages_do_not_grow_with_the_data(app, client, house, login, count_queries):
    anonymous = app.test_client()
    login(client, "worker")
    fam = house["fam_id"]
    staff_pages = {"family page": f"/gezinnen/{fam}", "family search": "/gezinnen/?q=peeters",
                   "dashboard": "/", "ecomap panel": f"/netwerk/gezin/{fam}/ecomap"}
    public_pages = {"healthz": "/healthz", "login page": "/login"}
    small = _counts(client, count_queries, staff_pages) | _counts(anonymous, count_queries, public_pages)
    house["grow"](30)
    large = _counts(client, count_queries, staff_pages) | _counts(anonymous, count_queries, public_pages)
    assert large == small
    assert small["family page"] <= 7  # user+teams (+ the plugin switches' version), family+members,
    # involvements, consents, who looked, costing's menu entry, the audit INSERT
    # PostgreSQL: its own kept connection, outside the pool (0 here); SQLite: one SELECT 1
    assert small["healthz"] == (0 if db.engine.dialect.name == "postgresql" else 1)
    assert small["login page"] == 0
    assert small["family search"] <= 6
    # the start page is "Mijn werk": user, plugins, today's appointments, agenda items, what is due (one or two
    # queries per plugin), my tasks, my own cases; the same count whatever the data size (above)
    assert small["dashboard"] <= 12


def test_family_page_audit_commit_does_not_reload_the_user(client, house, login, count_queries):
    login(client, "worker")
    client.get(f"/gezinnen/{house['fam_id']}")
    with count_queries() as n:
        client.get(f"/gezinnen/{house['fam_id']}")
    after_insert = n.statements[[i for i, s in enumerate(n.statements) if s.startswith("INSERT INTO audit_entry")][0]:]
    assert len(after_insert) == 1  # the INSERT is the last statement: no user row read again after the commit
    # the plugin switches are held by the process: no query for them (read with the user: its cache version)
    assert not [s for s in n.statements if "team_plugin" in s or "plugin_state" in s]


def test_plugin_switches_held_by_a_process_follow_a_change_made_by_another(app_factory, client, house, login,
                                                                             count_queries):
    """Each server process holds the plugin switches; a manager or admin switching a plugin in another process
    (another app here: its own plugin host and cache) is seen at this process's next request."""
    from core.models import PluginState, Team, TeamPlugin

    login(client, "worker")
    assert client.get("/petra/").status_code == 200
    with count_queries() as n:
        assert client.get("/petra/").status_code == 200
    assert not [s for s in n.statements if "team_plugin" in s or "plugin_state" in s]
    other = app_factory()

    def switch(enabled: bool | None = None, available: bool | None = None) -> None:
        with other.app_context():
            if enabled is not None:
                team_id = db.session.scalar(db.select(Team.id).where(Team.name == "PeTra"))
                row = db.session.scalar(db.select(TeamPlugin).where(TeamPlugin.team_id == team_id,
                                                                    TeamPlugin.plugin == "petra"))
                row.enabled = enabled
            if available is not None:
                state = db.session.get(PluginState, "petra") or PluginState(name="petra")
                state.available = available
                db.session.add(state)
            db.session.commit()

    switch(enabled=False)
    assert client.get("/petra/").status_code == 404
    switch(enabled=True)
    assert client.get("/petra/").status_code == 200
    switch(available=False)  # the admins switch it off for the whole house
    assert client.get("/petra/").status_code == 404
    switch(available=True)
    assert client.get("/petra/").status_code == 200


def test_family_search_is_ordered_and_paged_like_before(client, house, login):
    house["grow"](30)
    login(client, "worker")
    first = client.get("/gezinnen/?q=peeters").get_data(as_text=True)
    second = client.get("/gezinnen/?q=peeters&pagina=2").get_data(as_text=True)
    from core.families import search_families

    with client.application.test_request_context():
        page1 = search_families("peeters", page=1, page_size=25)
        page2 = search_families("peeters", page=2, page_size=25)
        everything = search_families("peeters", page=1, page_size=1000)
    ids = [f.id for f in everything.items]
    assert len(ids) == 31 and ids == sorted(ids)  # all "Peeters": ordered by label, then id
    assert [f.id for f in page1.items] + [f.id for f in page2.items] == ids
    assert page1.has_next and not page2.has_next
    assert f"/gezinnen/{ids[0]}" in first and f"/gezinnen/{ids[-1]}" in second


def test_ecomap_panel_offers_a_search_instead_of_every_organisation(client, house, login, count_queries):
    house["grow"](30)
    login(client, "worker")
    fam = house["fam_id"]
    panel = client.get(f"/netwerk/gezin/{fam}/ecomap").get_data(as_text=True)
    assert "Dienst 000" not in panel and "Dienst 029" not in panel and "<option value=\"" not in panel.split(
        "tie-org-keuzes")[1][:2000]
    assert f"/netwerk/gezin/{fam}/ecomap/organisaties" in panel
    found = client.get(f"/netwerk/gezin/{fam}/ecomap/organisaties?organisatie=dienst", headers={"HX-Request": "true"})
    body = found.get_data(as_text=True)
    assert found.status_code == 200 and body.count('name="organisation_id"') == 11  # "none" and a page of 10
    assert "Dienst 000" in body and "Dienst 010" not in body and "pagina=2" in body
    page3 = client.get(f"/netwerk/gezin/{fam}/ecomap/organisaties?organisatie=dienst&pagina=3",
                       headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Dienst 020" in page3 and "Dienst 029" in page3 and "pagina=4" not in page3
    with count_queries() as n:
        client.get(f"/netwerk/gezin/{fam}/ecomap/organisaties?organisatie=dienst", headers={"HX-Request": "true"})
    assert n.count <= 8
    # a tie to a picked organisation is stored (the radio's value)
    org_id = db.session.scalar(db.select(Organisation.id).where(Organisation.name == "Dienst 007"))
    saved = client.post(f"/netwerk/gezin/{fam}/ecomap", data={"kind": "dienst", "label": "", "person_id": "0",
                                                               "organisation_id": str(org_id), "strength": "gewoon"},
                        headers={"HX-Request": "true"})
    assert saved.status_code == 200 and "Dienst 007" in saved.get_data(as_text=True)


def test_the_organisation_search_needs_access_to_the_family(app, house, login):
    house["grow"](3)
    outsider = app.test_client()
    login(outsider, "outsider")
    resp = outsider.get(f"/netwerk/gezin/{house['fam_id']}/ecomap/organisaties?organisatie=dienst")
    assert resp.status_code == 403
    assert "Dienst 000" not in resp.get_data(as_text=True)


def test_network_map_json_is_cached_until_the_network_changes(client, house, login, count_queries, make_org):
    house["grow"](5)
    login(client, "worker")
    first = client.get("/netwerk/kaart.json").get_json()
    with count_queries() as n:
        again = client.get("/netwerk/kaart.json").get_json()
    assert again == first
    assert not any("FROM organisation LEFT OUTER JOIN" in s for s in n.statements)  # no layout from the rows
    org = db.session.scalar(db.select(Organisation).where(Organisation.name == "Dienst 003"))
    org.name = "Dienst drie"
    db.session.commit()
    changed = client.get("/netwerk/kaart.json").get_json()
    assert "Dienst drie" in {n["name"] for n in changed["nodes"]}
    make_org("Nieuwe school")
    assert "Nieuwe school" in {n["name"] for n in client.get("/netwerk/kaart.json").get_json()["nodes"]}
