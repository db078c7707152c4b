"""The family directory's search index (family_name_key, core_0009) stays in step with the names on every
write path, and a common name is paged from it (issue 21)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event, select

import core.families
from core.extensions import db
from core.families import search_families
from core.models import Family, FamilyMember, FamilyNameKey, Person, fold


def _expected() -> set[tuple[int, str, str, bool]]:
    """The search keys recomputed from the names themselves."""
    keys = set()
    for fam in db.session.scalars(select(Family)):
        if fold(fam.label):
            keys.add((fam.id, fold(fam.label), fold(fam.label), fam.archived))
    for fid, label, archived, given, family_name in db.session.execute(
            select(Family.id, Family.label, Family.archived, Person.given_name, Person.family_name)
            .join(FamilyMember, FamilyMember.family_id == Family.id).join(Person, Person.id == FamilyMember.person_id)):
        for name in (given, family_name):
            if fold(name):
                keys.add((fid, fold(name), fold(label), archived))
    return keys


def _stored() -> set[tuple[int, str, str, bool]]:
    return set(db.session.execute(select(FamilyNameKey.family_id, FamilyNameKey.name_key, FamilyNameKey.label_key,
                                         FamilyNameKey.archived)))


def _in_step() -> None:
    db.session.expire_all()
    assert _stored() == _expected()


def _labels(q: str, **kwargs) -> list[str]:
    return [f.label for f in search_families(q, **kwargs).items]


def test_the_keys_follow_every_write_of_a_name(app, client, make_team, make_user, make_family, login):
    team = make_team("PeTra")
    make_user("worker", {team: "member"})
    make_user("admin", admin=True)
    fam = make_family("Claes", children=(("Lotte", date(2015, 3, 14)),), involved=(team,))
    other = make_family("Maes", children=(), involved=(team,))
    _in_step()
    login(client, "worker")
    # a new family through the form
    assert client.post("/gezinnen/nieuw", data={
        "label": "Öztürk", "postcode": "3600", "municipality": "Genk", "role": "kind", "given_name": "Elif",
        "family_name": "Öztürk", "birth_date": "2014-05-01", "team_id": team.id, "reason": "nieuw"}).status_code == 302
    _in_step()
    assert _labels("ozturk") == ["Öztürk"] and _labels("elif") == ["Öztürk"]
    # the family's label changes
    assert client.post(f"/gezinnen/{fam.id}/bewerken", data={
        "version": fam.version, "label": "Claes-Janssens", "street": "Kerkstraat 1", "postcode": "3600",
        "municipality": "Genk"}).status_code == 302
    _in_step()
    assert _labels("janssens") == [] and _labels("claes") == ["Claes-Janssens"]
    # a member is added, then renamed
    assert client.post(f"/gezinnen/{other.id}/leden/nieuw", data={
        "role": "kind", "given_name": "Noor", "family_name": "Wouters", "birth_date": "2016-02-02"}).status_code == 302
    _in_step()
    assert _labels("wouters") == ["Maes"] and _labels("noor") == ["Maes"]
    noor = db.session.scalar(select(Person).where(Person.given_name == "Noor"))
    assert client.post(f"/gezinnen/{other.id}/leden/{noor.id}", data={
        "version": noor.version, "role": "kind", "given_name": "Nora", "family_name": "Wauters",
        "birth_date": "2016-02-02"}).status_code == 302
    _in_step()
    assert _labels("noor") == [] and _labels("nora") == ["Maes"] and _labels("wouters") == []
    # a person in two households: renaming them rewrites both
    lotte = db.session.scalar(select(Person).where(Person.given_name == "Lotte"))
    db.session.add(FamilyMember(family_id=other.id, person_id=lotte.id, role="kind"))
    db.session.commit()
    lotte.given_name = "Lotta"
    db.session.commit()
    _in_step()
    assert _labels("lotta") == ["Claes-Janssens", "Maes"]
    # a membership removed
    db.session.delete(db.session.scalar(select(FamilyMember).where(FamilyMember.family_id == other.id,
                                                                    FamilyMember.person_id == lotte.id)))
    db.session.commit()
    _in_step()
    assert _labels("lotta") == ["Claes-Janssens"]
    # archived and restored through the page
    assert client.post(f"/gezinnen/{other.id}/archiveren", data={"bevestigd": "1"}).status_code == 302
    _in_step()
    assert _labels("maes") == [] and _labels("maes", include_archived=True) == ["Maes"]
    assert client.post(f"/gezinnen/{other.id}/archiveren", data={"herstel": "1"}).status_code == 302
    _in_step()
    assert _labels("maes") == ["Maes"]
    # erasure: of a person, then of a family (admins)
    admin = app.test_client()
    login(admin, "admin")
    assert admin.post(f"/gezinnen/{other.id}/leden/{noor.id}/wissen", data={"bevestiging": "Nora"}).status_code == 302
    _in_step()
    assert _labels("nora") == []
    assert admin.post(f"/gezinnen/{fam.id}/wissen", data={"bevestiging": "Claes-Janssens"}).status_code == 302
    _in_step()
    assert _labels("claes", include_archived=True) == [] and _labels("lotta", include_archived=True) == []


def test_the_demo_bulk_insert_fills_the_keys(app):
    from core.demo_data import load_core_demo

    load_core_demo(db.session, 1)
    db.session.commit()
    assert len(_stored()) > 500
    _in_step()


def test_search_by_one_word_matches_the_search_through_the_people(app, make_family):
    """The one-word search from the index finds what the match on the people and labels finds, in the same
    order: label, given and family names of every member, accents folded, archived families only when asked."""
    make_family("Öztürk", children=(("Elif", date(2014, 5, 1)),), parents=(("Peeter", None),))
    make_family("Peeters", children=(("Lotte", date(2015, 3, 14)),))
    make_family("Janssens", children=(("Lotte", date(2015, 3, 14)),), parents=(("Jan", None),))
    blended = make_family("Van den Bergh", children=(("Mila", date(2016, 1, 1)),))
    db.session.add(FamilyMember(family_id=blended.id, role="kind", person=Person(
        given_name="Stan", family_name="Peetersen", birth_date=date(2012, 1, 1))))
    gone = make_family("Peeters", children=())
    gone.archived = True
    make_family("Peeters", municipality="As", children=(("Lotte", date(2015, 3, 14)),))
    db.session.commit()
    for q in ("peeter", "PEETERS", "pe", "lotte", "jan", "van", "öz", "zz", "stan", "peetersen"):
        for archived in (False, True):
            for municipality in (None, "As", "Genk"):
                via_index = search_families(q, include_archived=archived, municipality=municipality, page_size=100)
                ids = [f.id for f in via_index.items]
                filters = [] if archived else [Family.archived.is_(False)]
                if municipality:
                    filters.append(Family.municipality == municipality)
                people = core.families._member_ids(q, fold(q), None, filters, 1000)
                expected = [f.id for f in db.session.scalars(select(Family).where(Family.id.in_(people))
                                                             .order_by(Family.label_key, Family.id))]
                assert ids == expected, (q, archived, municipality)
                assert via_index.total == len(expected) and not via_index.total_more
    assert _labels("peeters") == ["Peeters", "Peeters", "Van den Bergh"]
    assert _labels("peeter") == ["Öztürk", "Peeters", "Peeters", "Van den Bergh"]
    assert _labels("lotte", municipality="As") == ["Peeters"] and _labels("lotte", municipality="Aalst") == []


def test_the_directory_counts_up_to_a_cap(client, make_user, make_family, login, monkeypatch):
    """The count goes as far as the cap or the end of the page, whichever is further, and no further."""
    monkeypatch.setattr(core.families, "TOTAL_CAP", 4)
    make_user("admin", admin=True)
    make_family("Öztürk")
    for i in range(27):
        make_family("Peeters", children=((f"Kind{i}", date(2014, 1, 1)),))
    login(client, "admin")
    assert "1 gezin gevonden." in client.get("/gezinnen/?q=ozturk").get_data(as_text=True)
    assert "Meer dan 25 gezinnen gevonden" in client.get("/gezinnen/?q=peeters").get_data(as_text=True)
    assert "27 gezinnen gevonden." in client.get("/gezinnen/?q=peeters&pagina=2").get_data(as_text=True)
    page = search_families("peeters", page_size=2, page=1)
    assert page.total == 4 and page.total_more and page.has_next
    last = search_families("peeters", page_size=10, page=3)
    assert len(last.items) == 7 and last.total == 27 and not last.total_more and not last.has_next
    assert search_families("peeters", page_size=10, page=4).items == []
    assert search_families("kind1", page_size=5).total == 5 and search_families("kind1", page_size=5).total_more
    assert search_families("", page_size=5).total_more  # no filter: the families in name order, not counted


def test_a_common_name_is_read_from_the_search_index_only(app, make_family, is_postgres):
    """The plan of the directory's query for a common name: the name keys' index, never the people or the
    memberships, whatever the number of matches."""
    for i in range(40):
        make_family("Peeters", children=((f"Kind{i}", date(2014, 1, 1)),))
    seen = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        assert len(search_families("peeters").items) == 25
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    statement, parameters = seen[-1]
    assert "person" not in statement and "family_member" not in statement
    if is_postgres:
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("SET enable_seqscan = off")  # a table of 40 rows: a plan as at 100,000 families
            cur.execute("EXPLAIN " + statement, parameters)
            plan = "\n".join(r[0] for r in cur.fetchall())
        finally:
            raw.close()
        assert "ix_family_name_key_search" in plan and "Recursive Union" in plan

