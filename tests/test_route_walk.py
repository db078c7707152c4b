"""Walks every GET route that carries an id, as every role that must not see other families, on the demo data.

For each role (staff of a team that is not involved, onthaal, a partner user, an anonymous visitor) the
families the role may not see are collected: for staff those no team of theirs is involved with, for the
partner those without an active consent for the partner's organisation, for anonymous visitors all. Every
route of ``app.url_map`` with an id (GET only) is then requested with ids that exist in those families'
records (the family, its members, trajectories, roundtables, enrolments, programmes and sessions with their
children, referrals, the schools of their children, ...), plus the routes that take a person or family id in
the query string (prefilled forms). A page, download (xlsx, zip) or fragment fails the walk when it shows:

- the full name of a person of a forbidden family ("Lotte Peeters");
- a birth date of such a person (dd/mm/yyyy, yyyy-mm-dd, dd-mm-yyyy, "14 maart 2015"); dates within a year of
  today are left out, as pages show session, contact and log dates of that period everywhere;
- the class teacher of such a child; or, on a page about a family record (not on an organisation's own
  page), the name of the child's school outside the unselected options of a drop-down list.

Names, dates and teachers that also belong to a person the role may see are left out (namesakes). A route
whose ids the walk cannot fill fails the test, so a new route with an id has to be added to ``_samples``.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.demo import load_demo
from core.extensions import db
from core.models import (
    Consent,
    Family,
    FamilyMember,
    Involvement,
    Membership,
    Organisation,
    Person,
    Team,
    User,
)

PER_ROUTE = 3
ROLES = ["ovw", "worker", "onthaal", "partner", None]  # None: not logged in
FAMILY_ARGS = {"family_id", "person_id", "trajectory_id", "roundtable_id", "enrolment_id", "session_id",
               "programme_id", "ref_id", "task_id", "appointment_id"}
# routes that take ids in the query string: endpoint -> {query argument: which id}
QUERY_IDS = {
    "petra.referral": {"kind": "person_id", "gezin": "family_id"},
    "groups.enrol_pick_programme": {"person_id": "person_id", "family_id": "family_id"},
    "groups.enrol": {"person_id": "person_id", "family_id": "family_id"},
}
MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december"]
OPTION_RE = re.compile(r"<option(?![^>]*\bselected\b)[^>]*>.*?</option>", re.S | re.I)


def _forbidden_families(user: User | None) -> set[int]:
    every = set(db.session.scalars(select(Family.id)))
    if user is None:
        return every
    if user.organisation_id:
        consented = set(db.session.scalars(select(Consent.family_id).where(
            Consent.organisation_id == user.organisation_id, Consent.withdrawn_at.is_(None))))
        return every - consented
    teams = select(Membership.team_id).where(Membership.user_id == user.id)
    involved = set(db.session.scalars(select(Involvement.family_id).where(
        Involvement.team_id.in_(teams), Involvement.ended_at.is_(None))))
    return every - involved


def _facts(family_ids: set[int]) -> dict[str, set[str]]:
    facts = {"name": set(), "date": set(), "teacher": set(), "school": set()}
    if not family_ids:
        return facts
    rows = db.session.execute(
        select(Person, Organisation.name).join(FamilyMember, FamilyMember.person_id == Person.id)
        .outerjoin(Organisation, Organisation.id == Person.school_id)
        .where(FamilyMember.family_id.in_(family_ids), Person.expected.is_(False)))
    recent = (date.today() - timedelta(days=2 * 366), date.today() + timedelta(days=366))
    for person, school in rows:
        facts["name"].add(f"{person.given_name} {person.family_name}")
        b = person.birth_date
        if b and not recent[0] <= b <= recent[1]:
            facts["date"] |= {b.strftime("%d/%m/%Y"), b.isoformat(), b.strftime("%d-%m-%Y"),
                              f"{b.day} {MONTHS[b.month - 1]} {b.year}"}
        if person.class_teacher:
            facts["teacher"].add(person.class_teacher)
        if school:
            facts["school"].add(school)
    return facts


def _partner_contact_names() -> set[str]:
    """Contact persons of partner organisations: professionals, shown on their organisation's page."""
    from plugins.network.models import Contact as NetworkContact

    return set(db.session.scalars(select(NetworkContact.name)))


def _first(stmt, n=PER_ROUTE) -> list:
    return list(db.session.execute(stmt.limit(n)).all())


def _samples(args: frozenset[str], forbidden: set[int]) -> list[tuple[dict, bool]]:
    """Ids for a route's arguments, taken from records of the forbidden families where the route is about
    one; where those families have no such record (a PeTra worker's team is involved with every family that
    has a trajectory), from any family's records. Returns the ids, each with whether they came from forbidden
    families' records."""
    from core.work import Appointment, Task
    from plugins.costing.models import CostModel
    from plugins.groups.models import Enrolment, GroupSession, Programme
    from plugins.network.models import Contact as NetworkContact
    from plugins.network.models import EcoTie, Referral, Relation, Service
    from plugins.petra.models import Contact as PetraContact
    from plugins.petra.models import PortalReferral, Roundtable, TeamMeeting, Trajectory

    fams = sorted(forbidden)
    with_work = []  # families with plugin records first: their pages and panels have the most to show
    for col in (Trajectory.family_id, Enrolment.family_id, Referral.family_id, EcoTie.family_id):
        with_work += [r[0] for r in _first(select(col).where(col.in_(fams)).distinct().order_by(col), 1)]
    pool = list(dict.fromkeys(with_work + fams[:1]))
    orgs = select(Person.school_id).join(FamilyMember, FamilyMember.person_id == Person.id).where(
        FamilyMember.family_id.in_(fams), Person.school_id.is_not(None)).distinct()

    def of_families(stmt, family_col, n=PER_ROUTE):
        rows = [(r, True) for r in _first(stmt.where(family_col.in_(fams)), n)]
        return rows or [(r, False) for r in _first(stmt.where(family_col.is_not(None)), n)]

    def any_(stmt, n=PER_ROUTE):
        return [(r, True) for r in _first(stmt, n)]

    def programmes():
        # with children of forbidden families; and each team's first programme (the role's own: its
        # enrolment form is walked with forbidden children's ids in the query string)
        own = _first(select(Programme.id).where(Programme.id.in_(
            select(func.min(Programme.id)).group_by(Programme.team_id))), 10)
        return of_families(select(Enrolment.programme_id).distinct().order_by(Enrolment.programme_id),
                           Enrolment.family_id) + [(r, False) for r in own]

    table = {
        "family_id": lambda: [((f,), True) for f in pool],
        "family_id person_id": lambda: any_(select(FamilyMember.family_id, FamilyMember.person_id)
                                            .where(FamilyMember.family_id.in_(pool)).order_by(FamilyMember.id), 5),
        "family_id ref_id": lambda: of_families(select(Referral.family_id, Referral.id).order_by(Referral.id),
                                                Referral.family_id),
        "ref_id": lambda: of_families(select(Referral.id).order_by(Referral.id), Referral.family_id),
        "family_id tie_id": lambda: of_families(select(EcoTie.family_id, EcoTie.id).order_by(EcoTie.id),
                                                EcoTie.family_id),
        "trajectory_id": lambda: of_families(select(Trajectory.id).order_by(Trajectory.id), Trajectory.family_id),
        "roundtable_id trajectory_id": lambda: of_families(
            select(Roundtable.trajectory_id, Roundtable.id).join(Trajectory, Trajectory.id == Roundtable.trajectory_id)
            .order_by(Roundtable.id), Trajectory.family_id),
        "contact_id trajectory_id": lambda: of_families(
            select(PetraContact.id, PetraContact.trajectory_id)
            .join(Trajectory, Trajectory.id == PetraContact.trajectory_id).order_by(PetraContact.id),
            Trajectory.family_id),
        "meeting_id": lambda: any_(select(TeamMeeting.id).order_by(TeamMeeting.id)),
        "worker_id": lambda: any_(select(User.id).order_by(User.id)),

        "referral_id": lambda: of_families(  # accepted portal referrals (a family), then a pending one (none yet)
            select(PortalReferral.id).join(Trajectory, Trajectory.id == PortalReferral.trajectory_id)
            .order_by(PortalReferral.id), Trajectory.family_id)
        + any_(select(PortalReferral.id).where(PortalReferral.trajectory_id.is_(None)).order_by(PortalReferral.id), 1),
        "enrolment_id": lambda: of_families(select(Enrolment.id).order_by(Enrolment.id), Enrolment.family_id),
        "programme_id": programmes,
        "session_id": lambda: of_families(
            select(GroupSession.id).join(Enrolment, Enrolment.programme_id == GroupSession.programme_id).distinct()
            .order_by(GroupSession.id.desc()), Enrolment.family_id),
        "model_id": lambda: any_(select(CostModel.id).order_by(CostModel.id)),
        "org_id": lambda: any_(select(Organisation.id).where(Organisation.id.in_(orgs)).order_by(Organisation.id)),
        "item_id org_id": lambda: any_(select(Service.id, Service.organisation_id).order_by(Service.id), 2)
        + any_(select(NetworkContact.id, NetworkContact.organisation_id).order_by(NetworkContact.id), 2),
        "item_id": lambda: any_(select(Service.id).order_by(Service.id), 2)
        + any_(select(NetworkContact.id).order_by(NetworkContact.id), 2),
        "rel_id": lambda: any_(select(Relation.id).order_by(Relation.id)),
        "task_id": lambda: of_families(select(Task.id).order_by(Task.id), Task.family_id),
        "appointment_id": lambda: of_families(select(Appointment.id).order_by(Appointment.id), Appointment.family_id),
        "token": lambda: [(("geen-geldige-sleutel",), False)],
        "user_id": lambda: any_(select(User.id).order_by(User.id)),
        "team_id": lambda: any_(select(Team.id).order_by(Team.id), 10),
    }
    key = " ".join(sorted(args))
    if key not in table:
        return []
    return [(dict(zip(key.split(), row, strict=True)), sourced) for row, sourced in table[key]()]


def _query_samples(forbidden: set[int]) -> list[dict]:
    """(person, family) pairs of children and parents of forbidden families, for prefilled forms."""
    rows = _first(select(FamilyMember.person_id, FamilyMember.family_id).where(
        FamilyMember.family_id.in_(sorted(forbidden)), FamilyMember.role.in_(("kind", "ouder")))
        .order_by(FamilyMember.role, FamilyMember.family_id), PER_ROUTE)
    return [{"person_id": p, "family_id": f} for p, f in rows]


def _body_text(resp) -> str:
    data = resp.get_data()
    if data[:4] != b"PK\x03\x04":
        return data.decode("utf-8", "replace")
    parts = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            parts.append(zf.read(name).decode("utf-8", "replace"))
        if any(n.startswith("xl/") for n in zf.namelist()):
            from openpyxl import load_workbook

            wb = load_workbook(io.BytesIO(data), read_only=True)
            for ws in wb.worksheets:
                for row in ws.iter_rows(values_only=True):
                    for v in row:
                        if isinstance(v, date):
                            parts.append(v.strftime("%d/%m/%Y") + " " + v.strftime("%Y-%m-%d"))
                        elif v is not None:
                            parts.append(str(v))
    return "\n".join(parts)


def _leaks(text: str, facts: dict[str, set[str]], family_page: bool, own_record: bool) -> list[str]:
    """What of ``facts`` the page shows. On the page of a record of a family the role may see (``own_record``)
    only names and class teachers count: its dates and its school are that family's own, and a forbidden
    child may share a school or a birthday with it."""
    found = [f"naam {n!r}" for n in facts["name"] if n in text]
    found += [f"klasleerkracht {t!r}" for t in facts["teacher"] if t in text]
    if own_record:
        return found
    found += [f"geboortedatum {d!r}" for d in facts["date"] if d in text]
    if family_page:
        visible = OPTION_RE.sub("", text)
        found += [f"school {s!r}" for s in facts["school"] if s in visible]
    return found


def _routes(app):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        args = frozenset(a for a in rule.arguments if a in rule._converters)
        if args or rule.endpoint in QUERY_IDS:
            yield rule, args


@pytest.fixture
def demo(app):
    load_demo(scale=1)
    return app


def test_no_route_with_an_id_shows_a_family_the_role_may_not_see(demo, login):
    app = demo
    routes = list(_routes(app))
    assert len(routes) > 40
    failures, unfilled, requests = [], [], 0
    for role in ROLES:
        user = db.session.scalar(select(User).where(User.username == role)) if role else None
        forbidden = _forbidden_families(user)
        assert forbidden, role
        facts = _facts(forbidden)
        allowed = _facts(set(db.session.scalars(select(Family.id))) - forbidden)
        for kind in ("name", "date", "teacher"):
            facts[kind] -= allowed[kind]
        facts["name"] -= _partner_contact_names()
        client = app.test_client()
        if role:
            login(client, role)
        query_samples = _query_samples(forbidden)
        for rule, args in routes:
            samples = _samples(args, forbidden) if args else [({}, True)]
            if not samples:
                unfilled.append(rule.rule)
                continue
            urls = []  # (url, whether it is about a forbidden family's record)
            for values, sourced in samples:
                url = rule.build(values, append_unknown=False)[1]
                if args:
                    urls.append((url, sourced))
                for extra in query_samples if rule.endpoint in QUERY_IDS else []:
                    query = "&".join(f"{q}={extra[which]}" for q, which in QUERY_IDS[rule.endpoint].items())
                    urls.append((f"{url}?{query}", True))
            family_page = bool(args & FAMILY_ARGS) or rule.endpoint in QUERY_IDS
            for url, sourced in urls:
                resp = client.get(url)
                requests += 1
                if resp.status_code >= 500:
                    failures.append(f"{role}: GET {url} answered {resp.status_code}")
                    continue
                for leak in _leaks(_body_text(resp), facts, family_page, own_record=not sourced):
                    failures.append(f"{role}: GET {url} ({resp.status_code}) shows {leak}")
    print(f"route walk: {len(routes)} routes, {requests} requests over {len(ROLES)} roles")
    assert not failures, f"{len(failures)} leaks:\n" + "\n".join(failures[:40])
    assert not unfilled, f"no ids for these routes: add them to _samples: {sorted(set(unfilled))}"
