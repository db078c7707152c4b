"""Finding and showing people: the one way plugins look up a child, a parent or a carer (need-to-know).

A person belongs to one or more households (``FamilyMember``); what a user may see of them depends on the
household the person is looked at *through*:

- **Directory level** (a ``PersonCard`` without ``details``): name, birth year, the household's municipality
  and the teams involved with it. Every staff member may see these for a person *found by name*
  (``search``), so that a worker can tell the right child from a namesake and knows which team to call.
- **Details** (``PersonDetails``): birth date, school, level, school year, class teacher and the household's
  name. Only for staff of a team involved with that household (and admins); every such read is audited
  with the household (``audit.record_read``).

Opening a person by id (a link, a prefilled form) is a side door around the name search, so:

- a person of a household the user's teams are involved with opens with details (read audited);
- a person of another household opens at directory level only when the link carries the ``token`` the
  search handed out for this person and household (``PersonCard.token``): walking ids yields nothing;
- anything else is refused with 403 and a ``denied`` audit entry naming every household concerned.

Registering work (a PeTra referral, a group enrolment) is what makes a team involved: the plugin's *create*
action calls ``involve``, which registers the team's involvement with the plugin's reason through
``core.access.register_involvement`` (logged), never a GET that merely shows a form.

Public API (plugins use these and never query ``Person`` for another household's details themselves)::

    search(user, query, *, birth_year=None, roles=("kind",), page=1, per_page=20, purpose="zoeken") -> Page
    card(user, person_id, family_id=None, *, token=None, roles=None, purpose=None) -> PersonCard
    person_for(who, person_id, family_id=None, *, roles=None, purpose=None, object_type="person") -> PersonRecord
    involve(user, team, person_id, family_id=None, *, reason, source, token=None, roles=None) -> PersonRecord
    may_see(who, family_id) -> bool
    family_ids_of(person_id, *, roles=None) -> list[int]
    deny(object_type, object_id, family_ids, *, detail=None) -> NoReturn
    card_token(person_id, family_id) -> str
    token_ok(token, person_id, family_id) -> bool

``who`` is a ``User`` (any of the user's teams counts; admins see everything; partner users and anonymous
users see nothing), a ``Team`` or a team id (that team only).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import NoReturn

from flask import abort, current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import exists, select, true

from . import audit
from .access import register_involvement
from .extensions import db
from .models import Family, FamilyMember, Involvement, Membership, Organisation, Person, Team, fold
from .pagination import Page, paginate

TOKEN_SALT = "hvhk.people.card"
TOKEN_MAX_AGE = 12 * 3600  # a search result link stays usable for a working day


# --------------------------------------------------------------------------- what a caller gets


@dataclass(frozen=True)
class PersonDetails:
    """What only an involved team sees of a person in one household."""

    birth_date: date | None
    expected: bool
    school_id: int | None
    school: str | None
    school_level: str | None
    school_year: int | None
    school_year_label: str
    class_teacher: str | None
    family_label: str


@dataclass(frozen=True)
class PersonRecord:
    """The person and the household the details were opened through, for a caller allowed to see them."""

    person: Person
    family: Family
    role: str


@dataclass(frozen=True)
class PersonCard:
    """A person as seen through one household: directory-level facts; ``details`` (and, from ``card``, the
    ``record`` with the person and household objects) only when one of the user's teams is involved."""

    person_id: int
    family_id: int
    given_name: str
    family_name: str
    birth_year: int | None
    municipality: str | None
    role: str
    teams: tuple[str, ...]
    details: PersonDetails | None = None
    token: str | None = None
    record: PersonRecord | None = field(default=None, compare=False, repr=False)  # only with details

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def involved(self) -> bool:
        """True when the details are shown (one of the user's teams is involved with the household)."""
        return self.details is not None


# --------------------------------------------------------------------------- who sees what


def _team_ids(who) -> set[int] | None:
    """The teams whose involvement counts for ``who``; None means every team (admins)."""
    if isinstance(who, int):
        return {who}
    if isinstance(who, Team):
        return {who.id}
    if not getattr(who, "is_authenticated", False) or getattr(who, "is_partner", True):
        return set()
    if who.is_admin:
        return None
    return set(db.session.scalars(select(Membership.team_id).where(Membership.user_id == who.id)))


def _visible_families(who, family_ids: Iterable[int]) -> set[int]:
    ids = {f for f in family_ids if f}
    teams = _team_ids(who)
    if not ids or teams is None:
        return ids
    if not teams:
        return set()
    return set(db.session.scalars(select(Involvement.family_id).where(
        Involvement.family_id.in_(ids), Involvement.team_id.in_(teams), Involvement.ended_at.is_(None))))


def may_see(who, family_id: int) -> bool:
    """May ``who`` (a user, a team or a team id) see the details of household ``family_id``?"""
    teams = _team_ids(who)
    if teams is None:
        return True
    if not teams:
        return False
    return bool(db.session.scalar(select(exists().where(
        Involvement.family_id == family_id, Involvement.team_id.in_(teams), Involvement.ended_at.is_(None)))))


def deny(object_type: str, object_id: int | None, family_ids: Iterable[int | None], *,
         detail: str | None = None) -> NoReturn:
    """Refuse a read (403) and log it: one ``denied`` entry per household concerned, so the refusal shows in
    each household's "who looked" and export; one entry without household when none is concerned."""
    ids = sorted({f for f in family_ids if f})
    db.session.rollback()
    for fid in ids or [None]:
        audit.record("denied", object_type, object_id, family_id=fid, detail=detail)
    db.session.commit()
    abort(403)


def _user_id(user) -> int | None:
    return getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=TOKEN_SALT)


def card_token(person_id: int, family_id: int) -> str:
    """The token that opens this person, in this household, by id at directory level: ``search`` hands it
    out with every result. It is signed with the app's secret key and expires after ``TOKEN_MAX_AGE``; it is
    not tied to a user (a colleague may follow a link to a child found by name: they could search too)."""
    return _serializer().dumps([person_id, family_id])


def token_ok(token: str | None, person_id: int, family_id: int) -> bool:
    """Is ``token`` the one ``search`` hands out for this person in this household (and not expired)?"""
    if not token:
        return False
    try:
        value = _serializer().loads(token, max_age=TOKEN_MAX_AGE)
    except (BadSignature, TypeError, ValueError):
        return False
    return value == [person_id, family_id]


# --------------------------------------------------------------------------- search


def _upper(prefix: str) -> str:
    """The first string after every string that starts with ``prefix`` (a range ``[prefix, upper)``)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _prefix(column, prefix: str):
    return (column >= prefix) & (column < _upper(prefix))


def _given_ranges(key: str) -> list[tuple[str, str | None]]:
    """The ways a folded query matches a person, each as (given-name prefix, family-name prefix or None):
    the family name alone is ``("", key)``. "lotte peet": given "lotte peet", given "lotte" with family
    "peet", given "peet" with family "lotte"; and family "lotte peet"."""
    ways = [("", key), (key, None)]
    tokens = key.split()
    if len(tokens) >= 2:
        ways.append((tokens[0], " ".join(tokens[1:])))
        ways.append((tokens[-1], " ".join(tokens[:-1])))
    return ways


MAX_GIVEN_KEYS = 40  # given names per way of matching read one by one; beyond, one range sorted by the database


def _given_keys(prefixes: list[str]) -> list[list[str] | None]:
    """Every distinct given name key starting with each of ``prefixes``, in one query: per prefix a recursive
    "loose index scan" of the index on person.given_key (one probe per distinct key, however many people
    bear it: "lotte" is one key for thousands of children). None for a prefix with more than
    ``MAX_GIVEN_KEYS`` keys (a letter or two of a real list of names): the scan stops there."""
    from sqlalchemy import Integer, literal, literal_column, union_all
    from sqlalchemy.orm import aliased

    parts = []
    for n, prefix in enumerate(prefixes):
        def next_key(after, prefix=prefix):
            p = aliased(Person)
            return (select(p.given_key).where(p.given_key >= prefix if after is None else p.given_key > after,
                                              p.given_key < _upper(prefix))
                    .order_by(p.given_key).limit(1).scalar_subquery())

        keys = select(next_key(None).label("k"), literal_column("1", Integer).label("depth")).cte(
            f"given_keys_{n}", recursive=True)
        prev = keys.alias(f"prev_{n}")
        keys = keys.union_all(select(next_key(prev.c.k), prev.c.depth + literal_column("1", Integer))
                              .where(prev.c.k.is_not(None), prev.c.depth <= MAX_GIVEN_KEYS))
        parts.append(select(literal(n).label("n"), keys.c.k).where(keys.c.k.is_not(None)))
    found: list[list[str]] = [[] for _ in prefixes]
    for n, k in db.session.execute(union_all(*parts) if len(parts) > 1 else parts[0]):
        found[n].append(k)
    return [keys if len(keys) <= MAX_GIVEN_KEYS else None for keys in found]


def _search_ids(query: str, birth_year: int | None, roles: tuple[str, ...], enough: int):
    """The (person, household, role) rows of ``search`` up to the ``enough``-th, in the search's order, as a
    subquery with the order's columns: flat in the data size.

    Each way of matching (``_given_ranges``) is read from an index in the search's order (family key, given
    key, person id) and cut at ``enough`` rows: the family name from the index (family_key, given_key, id)
    as one range; a given name per distinct given key (``_given_keys``) from the index (given_key,
    family_key, id), where within one key the order is (family key, person id). Every branch is an index
    range scan with LIMIT, each match's households a probe; the merged branches are at most a few times
    ``enough`` rows to sort. Costs grow with the page asked for and the number of given names starting with
    the query (a vocabulary, not the data), not with the number of people of a common name; past
    ``MAX_GIVEN_KEYS`` given names (a query of one or two letters) that way of matching is one range of the
    given-name index that the database sorts, as before. Not flat either: a given name whose bearers hardly
    ever have one of ``roles`` (or the ``birth_year``): every bearer is probed before the branch ends."""
    from sqlalchemy import union

    key = fold(query)
    ways = _given_ranges(key)
    keys = _given_keys([given for given, _ in ways if given])
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    member_filters = [FamilyMember.role.in_(roles), Family.archived.is_(False), Family.anonymised_at.is_(None)]
    person_filters = [Person.archived.is_(False)]
    if birth_year:
        person_filters += [Person.birth_date >= date(birth_year, 1, 1), Person.birth_date <= date(birth_year, 12, 31)]

    def branch(*conditions):
        if postgresql:
            # the person's households as a probe per person (a nested loop through family_member.person_id):
            # the fence (OFFSET 0) keeps PostgreSQL from hashing every family member of a common name
            homes = (select(FamilyMember.family_id, FamilyMember.role)
                     .join(Family, Family.id == FamilyMember.family_id)
                     .where(FamilyMember.person_id == Person.id, *member_filters).offset(0).lateral("homes"))
            stmt = (select(Person.id.label("person_id"), homes.c.family_id, homes.c.role,
                           Person.family_key, Person.given_key)
                    .select_from(Person).join(homes, true()))
            family_id = homes.c.family_id
        else:  # SQLite walks the person index in order and probes the households on its own
            stmt = (select(Person.id.label("person_id"), FamilyMember.family_id, FamilyMember.role,
                           Person.family_key, Person.given_key)
                    .join(FamilyMember, FamilyMember.person_id == Person.id)
                    .join(Family, Family.id == FamilyMember.family_id).where(*member_filters))
            family_id = FamilyMember.family_id
        stmt = (stmt.where(*conditions, *person_filters)
                .order_by(Person.family_key, Person.given_key, Person.id, family_id).limit(enough))
        return select(*stmt.subquery().c)  # a subquery of its own: a compound SELECT holds no LIMIT per part

    branches = []
    found = iter(keys)
    for given, family in ways:
        if not given:
            branches.append(branch(_prefix(Person.family_key, family)))
            continue
        given_keys = next(found)
        family_range = [] if family is None else [_prefix(Person.family_key, family)]
        if given_keys is None:  # too many given names: their range at once, sorted by the database
            branches.append(branch(_prefix(Person.given_key, given), *family_range))
        for given_key in given_keys or ():
            branches.append(branch(Person.given_key == given_key, *family_range))
    return union(*branches).subquery("matches")  # UNION: a person found two ways counts once


def _teams_by_family(family_ids: list[int]) -> dict[int, tuple[str, ...]]:
    result: dict[int, list[str]] = {fid: [] for fid in family_ids}
    if family_ids:
        for fid, name in db.session.execute(
                select(Involvement.family_id, Team.name).join(Team, Team.id == Involvement.team_id)
                .where(Involvement.family_id.in_(family_ids), Involvement.ended_at.is_(None))
                .order_by(Team.name)):
            if name not in result[fid]:
                result[fid].append(name)
    return {fid: tuple(names) for fid, names in result.items()}


def _details(person: Person, family: Family, school_name: str | None) -> PersonDetails:
    return PersonDetails(birth_date=person.birth_date, expected=person.expected, school_id=person.school_id,
                         school=school_name, school_level=person.school_level, school_year=person.school_year,
                         school_year_label=person.school_year_label, class_teacher=person.class_teacher,
                         family_label=family.label)


def _card(person: Person, family: Family, role: str, teams: tuple[str, ...], details: PersonDetails | None,
          token: str | None, record: PersonRecord | None = None) -> PersonCard:
    return PersonCard(person_id=person.id, family_id=family.id, given_name=person.given_name,
                      family_name=person.family_name,
                      birth_year=person.birth_date.year if person.birth_date else None,
                      municipality=family.municipality, role=role, teams=teams, details=details, token=token,
                      record=record)


def search(user, query: str, *, birth_year: int | None = None, roles: tuple[str, ...] = ("kind",), page: int = 1,
           per_page: int = 20, purpose: str = "zoeken") -> Page:
    """People whose given or family name starts with ``query`` (accents and case ignored; "Lotte Peet" and
    "Peeters Lotte" both work), optionally born in ``birth_year``, with one of ``roles`` in a household that
    is neither archived nor erased. One ``PersonCard`` per person and household, ordered by name.

    Every card has the directory-level facts and a ``token`` to open it by id; ``details`` and ``record`` only
    where one of the user's teams is involved with the household, and each of those reads is audited with the
    household.
    Partner users and anonymous users get an empty page. A query under two characters finds nothing.
    """
    page = max(1, page)
    if len(fold(query)) < 2 or not getattr(user, "is_authenticated", False) or user.is_partner:
        return Page([], page, False)
    matches = _search_ids(query, birth_year, roles, page * per_page + 1)
    stmt = (select(Person, Family, matches.c.role).select_from(matches)
            .join(Person, Person.id == matches.c.person_id).join(Family, Family.id == matches.c.family_id)
            .order_by(matches.c.family_key, matches.c.given_key, matches.c.person_id, matches.c.family_id))
    found = paginate(stmt, page, per_page, rows=True)
    has_next, rows = found.has_next, found.items
    family_ids = sorted({f.id for _, f, _ in rows})
    visible = _visible_families(user, family_ids)
    teams = _teams_by_family(family_ids)
    schools = _school_names({p.school_id for p, f, _ in rows if f.id in visible and p.school_id})
    cards = []
    for person, family, role in rows:
        details = _details(person, family, schools.get(person.school_id)) if family.id in visible else None
        record = PersonRecord(person=person, family=family, role=role) if details is not None else None
        cards.append(_card(person, family, role, teams[family.id], details, card_token(person.id, family.id), record))
        if details is not None:
            audit.record_read("person", person.id, family_id=family.id, detail=purpose)
    return Page(cards, page, has_next)


def _school_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all())


# --------------------------------------------------------------------------- one person


def _memberships(person_id: int, roles: tuple[str, ...] | None) -> list[tuple[Person, Family, str]]:
    stmt = (select(Person, Family, FamilyMember.role)
            .join(FamilyMember, FamilyMember.person_id == Person.id).join(Family, Family.id == FamilyMember.family_id)
            .where(Person.id == person_id, Family.anonymised_at.is_(None)).order_by(Family.id))
    if roles:
        stmt = stmt.where(FamilyMember.role.in_(roles))
    return [(p, f, r) for p, f, r in db.session.execute(stmt)]


def _pick(who, person_id: int, family_id: int | None, roles) -> tuple[list, tuple | None]:
    """All households of the person (with ``roles``) and the one asked for: ``family_id`` if given, else the
    first the caller may see, else the first. 404 when the person is not in that household."""
    rows = _memberships(person_id or 0, roles)
    if family_id:
        chosen = next((r for r in rows if r[1].id == family_id), None)
        if chosen is None:
            abort(404)
        return rows, chosen
    if not rows:
        abort(404)
    visible = _visible_families(who, [r[1].id for r in rows])
    return rows, next((r for r in rows if r[1].id in visible), rows[0])


def family_ids_of(person_id: int, *, roles: tuple[str, ...] | None = None) -> list[int]:
    """The ids of the households a person belongs to (with one of ``roles``): for naming the households
    concerned in a refusal, never shown."""
    stmt = select(FamilyMember.family_id).where(FamilyMember.person_id == person_id).order_by(FamilyMember.family_id)
    if roles:
        stmt = stmt.where(FamilyMember.role.in_(roles))
    return list(db.session.scalars(stmt))


def card(user, person_id: int, family_id: int | None = None, *, token: str | None = None,
         roles: tuple[str, ...] | None = None, purpose: str | None = None) -> PersonCard:
    """The person ``person_id`` seen through household ``family_id`` (or their first household the user may
    see), for a page that opens a person by id (a prefilled form).

    With details and ``record`` (read audited with the household, ``purpose`` as detail) when one of the
    user's teams is involved; at directory level when ``token`` is the one ``search`` gave this user for this person and
    household; otherwise 403 with a refusal logged for every household concerned. 404 when there is no such
    person in such a household (with one of ``roles``).
    """
    rows, (person, family, role) = _pick(user, person_id, family_id, roles)
    teams = _teams_by_family([family.id])[family.id]
    if may_see(user, family.id):
        school = _school_names({person.school_id} if person.school_id else set()).get(person.school_id)
        audit.record_read("person", person.id, family_id=family.id, detail=purpose)
        return _card(person, family, role, teams, _details(person, family, school), card_token(person.id, family.id),
                     PersonRecord(person=person, family=family, role=role))
    if token_ok(token, person.id, family.id):
        return _card(person, family, role, teams, None, token)
    deny("person", person.id, [family.id] if family_id else [r[1].id for r in rows],
         detail=purpose or "persoon opgevraagd zonder betrokkenheid")


def person_for(who, person_id: int, family_id: int | None = None, *, roles: tuple[str, ...] | None = None,
               purpose: str | None = None, object_type: str = "person") -> PersonRecord:
    """The person and household for a caller allowed to see the details: one of ``who``'s teams (or the team
    ``who``) is involved with the household. The read is audited with the household (``object_type``,
    ``purpose``). Otherwise 403 (``core.access`` semantics) with a refused-read entry naming the household
    (every household of the person when ``family_id`` is not given); 404 when there is no such person in
    such a household.
    """
    rows, (person, family, role) = _pick(who, person_id, family_id, roles)
    if not may_see(who, family.id):
        deny(object_type, person.id, [family.id] if family_id else [r[1].id for r in rows],
             detail=purpose or "persoon opgevraagd zonder betrokkenheid")
    audit.record_read(object_type, person.id, family_id=family.id, detail=purpose)
    return PersonRecord(person=person, family=family, role=role)


def involve(user, team: Team | int, person_id: int, family_id: int | None = None, *, reason: str, source: str,
            token: str | None = None, roles: tuple[str, ...] | None = None) -> PersonRecord:
    """The create action of a plugin (a referral, an enrolment) registering work for ``team`` about this person
    in this household: registers the team's involvement with ``reason`` (``core.access.register_involvement``,
    audited as ``involve`` with the household) unless the team is involved already, and returns the person
    and household. Does not commit.

    Refused (403, logged with the household) when ``user`` is not in ``team`` (admins: any team), or when no
    team of the user is involved with the household and ``token`` is not the one ``search`` gave for this
    person and household: acting on a person of another household starts from a search by name, never from
    a bare id. 404 when there is no such person in such a household (with one of ``roles``).
    """
    team_id = team if isinstance(team, int) else team.id
    teams = _team_ids(user)
    if teams is not None and team_id not in teams:
        deny("involvement", None, [family_id], detail="team van een ander")
    rows, (person, family, role) = _pick(team_id, person_id, family_id, roles)
    if not may_see(user, family.id) and not token_ok(token, person.id, family.id):
        deny("person", person.id, [family.id], detail="registratie zonder zoekopdracht")
    register_involvement(family, team_id, reason, source=source, user_id=_user_id(user))
    return PersonRecord(person=person, family=family, role=role)
