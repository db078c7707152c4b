"""core.people.search at volume: each way of matching read from an index in the search's order and cut at the
page (core_0012), instead of every match of a common name joined and sorted. The results must be exactly
those of the plain query it replaced: same people and households, same order, same pages."""

from __future__ import annotations

import random
from datetime import date, datetime

import pytest
from sqlalchemy import and_, or_, select

from core import people
from core.extensions import db
from core.models import AuditEntry, Family, FamilyMember, Involvement, Person, fold

FAMILY_NAMES = ["Peeters", "Peet", "Öztürk", "Oztürk", "Van den Bergh", "Vandeput", "Van Loon", "Lotte", "Claes",
                "El Amrani", "Jansen", "Peeters-Claes"]
GIVEN_NAMES = ["Lotte", "Lotta", "Élise", "Elif", "Els", "Jan", "Jana", "Jan Willem", "Jonas", "Peeters", "Öykü",
               "Lotte Marie", "Ella", "Van"]


def _old_search(query: str, *, birth_year=None, roles=("kind",), page=1, per_page=20):
    """The query ``people.search`` ran before core_0012, kept here as the reference."""

    def prefix(column, p):
        return and_(column >= p, column < p[:-1] + chr(ord(p[-1]) + 1))

    key = fold(query)
    conditions = [prefix(Person.family_key, key), prefix(Person.given_key, key)]
    tokens = key.split()
    if len(tokens) >= 2:
        conditions.append(and_(prefix(Person.given_key, tokens[0]), prefix(Person.family_key, " ".join(tokens[1:]))))
        conditions.append(and_(prefix(Person.family_key, " ".join(tokens[:-1])), prefix(Person.given_key, tokens[-1])))
    stmt = (select(Person.id, Family.id, FamilyMember.role)
            .join(FamilyMember, FamilyMember.person_id == Person.id).join(Family, Family.id == FamilyMember.family_id)
            .where(or_(*conditions), FamilyMember.role.in_(roles), Person.archived.is_(False),
                   Family.archived.is_(False), Family.anonymised_at.is_(None)))
    if birth_year:
        stmt = stmt.where(Person.birth_date >= date(birth_year, 1, 1), Person.birth_date <= date(birth_year, 12, 31))
    rows = db.session.execute(stmt.order_by(Person.family_key, Person.given_key, Person.id, Family.id)
                              .offset((page - 1) * per_page).limit(per_page + 1)).all()
    return [tuple(r) for r in rows[:per_page]], len(rows) > per_page


@pytest.fixture
def crowd(app, make_team, make_user):
    """About 120 households of a few names (accents, names of several words, a given name that is a family
    name), children in two households, archived people and households, an erased household, unborn children."""
    rnd = random.Random(12)
    team = make_team("PeTra", plugins=())
    worker = make_user("worker", {team: "member"})
    admin = make_user("admin", admin=True)
    families = []
    for i in range(120):
        name = rnd.choice(FAMILY_NAMES)
        fam = Family(label=f"{name} {i}", municipality="Genk", street="Kerkstraat 1", postcode="3600",
                     archived=rnd.random() < 0.08)
        if rnd.random() < 0.04:
            fam.anonymised_at = datetime(2026, 1, 1)
        db.session.add(fam)
        families.append((fam, name))
    db.session.flush()
    for fam, name in families:
        for role, count in (("kind", rnd.randint(0, 4)), ("ouder", rnd.randint(1, 2)), ("verwacht", rnd.random() < .1)):
            for _ in range(count):
                born = None if rnd.random() < 0.1 else date(rnd.randint(2012, 2017), rnd.randint(1, 12), 1)
                p = Person(given_name=rnd.choice(GIVEN_NAMES), family_name=rnd.choice([name, name, name.upper(),
                                                                                      rnd.choice(FAMILY_NAMES)]),
                           birth_date=born, archived=rnd.random() < 0.05)
                db.session.add(p)
                db.session.flush()
                db.session.add(FamilyMember(family_id=fam.id, person_id=p.id, role=role))
                if role == "kind" and rnd.random() < 0.15:  # a child living in a second household too
                    other = rnd.choice(families)[0]
                    if other.id != fam.id:
                        db.session.add(FamilyMember(family_id=other.id, person_id=p.id, role="kind"))
        if rnd.random() < 0.3:
            db.session.add(Involvement(family_id=fam.id, team_id=team.id, reason="test"))
    db.session.commit()
    return dict(worker=worker, admin=admin)


QUERIES = ["peeters", "PEETERS", "Peet", "pe", "öztürk", "OZTURK", "oz", "lotte", "Lotte", "LOTTA", "lot",
           "Lotte Peet", "Peeters Lotte", "peeters lo", "lo pe", "Van den", "van den bergh jan", "jan willem",
           "Jan Willem Peeters", "jan", "ja", "el", "élise", "ELISE PEETERS", "van", "van jan", "lotte marie claes",
           "claes", "peeters-claes", "zz", "x y"]


@pytest.mark.parametrize("query", QUERIES)
def test_search_finds_exactly_what_the_plain_query_found(crowd, query):
    for user in (crowd["worker"],):
        for roles in (("kind",), ("ouder",), ("kind", "ouder", "verwacht")):
            for birth_year in (None, 2014):
                for per_page, pages in ((3, (1, 2, 4)), (20, (1, 2))):
                    for page in pages:
                        found = people.search(user, query, birth_year=birth_year, roles=roles, page=page,
                                              per_page=per_page)
                        expected, has_next = _old_search(query, birth_year=birth_year, roles=roles, page=page,
                                                         per_page=per_page)
                        what = (query, roles, birth_year, per_page, page)
                        assert [(c.person_id, c.family_id, c.role) for c in found.items] == expected, what
                        assert found.has_next == has_next, what
                        if not has_next:
                            break
    db.session.rollback()


@pytest.mark.parametrize("query", ["el", "lo", "jan", "Lotte Peet", "peeters lo", "lo pe", "van jan", "j p"])
def test_too_many_given_names_fall_back_to_one_sorted_range(crowd, monkeypatch, query):
    """Past MAX_GIVEN_KEYS given names a way of matching is one range (sorted by the database): same results."""
    monkeypatch.setattr(people, "MAX_GIVEN_KEYS", 1)
    given_keys, seen = people._given_keys, []
    monkeypatch.setattr(people, "_given_keys", lambda prefixes: seen.append(given_keys(prefixes)) or seen[-1])
    for roles in (("kind",), ("kind", "ouder", "verwacht")):
        for birth_year in (None, 2015):
            for per_page, page in ((3, 1), (3, 2), (20, 1)):
                found = people.search(crowd["admin"], query, birth_year=birth_year, roles=roles, page=page,
                                      per_page=per_page)
                expected, has_next = _old_search(query, birth_year=birth_year, roles=roles, page=page,
                                                 per_page=per_page)
                assert [(c.person_id, c.family_id, c.role) for c in found.items] == expected, (query, roles, page)
                assert found.has_next == has_next
    assert None in seen[0]  # the fallback ran: some way of matching had more than one given name
    db.session.rollback()


def test_the_comparison_sees_a_difference(crowd):
    """The reference is not trivially empty or equal to anything: the common names fill several pages."""
    rows, has_next = _old_search("peeters", roles=("kind", "ouder"), per_page=5)
    assert len(rows) == 5 and has_next
    other, _ = _old_search("peeters", roles=("kind", "ouder"), per_page=5, page=2)
    assert rows != other
    assert _old_search("lotte peet", roles=("kind", "ouder"))[0] and _old_search("peeters lotte", roles=("kind", "ouder"))[0]


def test_details_and_audit_only_for_involved_households(crowd):
    worker = crowd["worker"]
    involved = set(db.session.scalars(select(Involvement.family_id)))
    before = db.session.scalar(select(db.func.count(AuditEntry.id)))
    found = people.search(worker, "peeters", roles=("kind", "ouder"), per_page=50).items
    assert found and any(c.involved for c in found) and any(not c.involved for c in found)
    assert all(c.involved == (c.family_id in involved) for c in found)
    assert all(c.token and people.token_ok(c.token, c.person_id, c.family_id) for c in found)
    reads = db.session.execute(select(AuditEntry.object_id, AuditEntry.family_id).where(AuditEntry.id > 0)
                               .order_by(AuditEntry.id).offset(before)).all()
    assert [tuple(r) for r in reads] == [(c.person_id, c.family_id) for c in found if c.involved]


def test_same_number_of_queries_for_a_rare_and_a_common_name(app, crowd, count_queries):
    for user in (crowd["admin"], crowd["worker"]):
        counts = []
        assert user.is_admin in (True, False)  # loaded before counting
        for query in ("peeters", "öykü", "lotte peet", "el", "zz"):
            with app.test_request_context(), count_queries() as n:  # the reads are audited at the request's end
                people.search(user, query, roles=("kind", "ouder"))
            counts.append(n.count)
        assert max(counts) <= 5, counts  # the given names, the page, the user's teams, the involvements, the teams


def _person_indexes():
    from sqlalchemy import inspect

    return {ix["name"]: tuple(ix["column_names"]) for ix in inspect(db.engine).get_indexes("person")
            if "_key" in ix["name"]}


def test_core_0012_up_and_down(migration_app):
    from flask_migrate import downgrade, upgrade

    with migration_app.app_context():
        upgrade(revision="core_0012")
        assert _person_indexes() == {"ix_person_family_key_given_key_id": ("family_key", "given_key", "id"),
                                     "ix_person_given_key_family_key_id": ("given_key", "family_key", "id")}
        downgrade(revision="core_0011")
        assert _person_indexes() == {"ix_person_family_key_given_key": ("family_key", "given_key"),
                                     "ix_person_given_key": ("given_key",)}
        upgrade(revision="core_0012")
        assert "ix_person_given_key_family_key_id" in _person_indexes()


def test_the_person_model_matches_the_migration(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert [d for d in diff if "'ix_person_" in repr(d)] == []
