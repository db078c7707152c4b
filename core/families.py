"""Shared family records: directory and search, family page, members, involvement, consent, history.

Need-to-know: every staff member finds a family in the directory (name, municipality, involved teams);
details open only for staff of an involved team (and admins). Every read and write is audit-logged.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import NamedTuple

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import Integer, String, and_, bindparam, func, or_, select, true, union
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, selectinload

from . import audit
from .access import can_see_family, end_involvement, register_involvement, require_family
from .downloads import send_download
from .extensions import db
from .family_forms import (
    ConsentForm,
    FamilyForm,
    FamilySearchForm,
    InvolvementForm,
    NewFamilyForm,
    PersonForm,
)
from .formatting import format_date
from .forms import conflict_safe
from .geo import MUNICIPALITIES
from .models import (
    AuditEntry,
    ChangeRecord,
    Consent,
    Family,
    FamilyMember,
    FamilyNameKey,
    Involvement,
    Membership,
    Organisation,
    Person,
    Team,
    User,
    fold,
    utcnow,
)
from .pagination import Page, page_number
from .people import deny
from .plugins import user_hook
from .ui import SearchResult, confirm_first

bp = Blueprint("families", __name__, url_prefix="/gezinnen")
PAGE_SIZE = 25


# --------------------------------------------------------------------------- search


def _prefix_range(column, prefix: str):
    """``column`` starts with ``prefix``, written as a range so a plain b-tree index serves it on any database."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < upper)


def person_match(query: str):
    """SQL condition: a person whose name matches ``query`` (accents and case ignored)."""
    key = fold(query)
    if not key:
        return None
    conditions = [_prefix_range(Person.family_key, key), _prefix_range(Person.given_key, key)]
    tokens = key.split()
    if len(tokens) >= 2:
        first, rest = tokens[0], " ".join(tokens[1:])
        last, head = tokens[-1], " ".join(tokens[:-1])
        conditions.append(and_(_prefix_range(Person.given_key, first), _prefix_range(Person.family_key, rest)))
        conditions.append(and_(_prefix_range(Person.family_key, head), _prefix_range(Person.given_key, last)))
    return or_(*conditions)


TOTAL_CAP = 100  # the directory says how many families it found up to this many, "meer dan 100" beyond


@functools.cache
def _name_key_statement(postgresql: bool, municipality: bool, include_archived: bool):
    """The ids of the first ``:enough`` families (by label, then id) with a name key in [``:key``, ``:upper``)
    (the label's, or a member's given or family name), from the index on family_name_key (name_key, label_key,
    family_id), whatever the number of matches. Built once per process and kind of filter."""
    k = FamilyNameKey
    key, upper = bindparam("key", type_=String), bindparam("upper", type_=String)
    enough = bindparam("enough", type_=Integer)
    # the family's archived flag is in the index's table: the family itself only for a municipality
    filters = [] if include_archived else [k.archived.is_(False)]
    if municipality:
        filters.append(select(Family.id).where(
            Family.id == k.family_id, Family.municipality == bindparam("municipality", type_=String)).exists())
    if not postgresql:  # SQLite: the range of the index, then a sort
        return (select(k.family_id)
                .where(k.name_key >= key, k.name_key < upper, *filters)
                .group_by(k.family_id, k.label_key).order_by(k.label_key, k.family_id).limit(enough))
    # PostgreSQL: the distinct name keys in the range, one index probe each (a recursive "loose index scan":
    # "peeters" is one or two keys however many families bear it), then per key the first families in
    # directory order (an index range scan with LIMIT), merged and cut to ``enough``

    def next_key(after):  # the first name key in the range (after ``after``): one probe of the index
        nxt = aliased(k)
        return (select(nxt.name_key).where(nxt.name_key >= key if after is None else nxt.name_key > after,
                                           nxt.name_key < upper)
                .order_by(nxt.name_key).limit(1).scalar_subquery())

    keys = select(next_key(None).label("k")).cte("name_keys", recursive=True)
    prev = keys.alias("prev")
    keys = keys.union_all(select(next_key(prev.c.k)).where(prev.c.k.is_not(None)))
    hits = (select(k.family_id, k.label_key)
            .where(k.name_key == keys.c.k, *filters)
            .order_by(k.label_key, k.family_id).limit(enough).lateral("hits"))
    return (select(hits.c.family_id).select_from(keys).join(hits, true())
            .group_by(hits.c.family_id, hits.c.label_key).order_by(hits.c.label_key, hits.c.family_id).limit(enough))


@functools.cache
def _page_statement(ids, municipality: bool, include_archived: bool):
    """One page of the families whose ids ``ids`` selects, with how many it selects (``count(*) OVER ()``)."""
    return (select(Family, func.count().over())
            .where(Family.id.in_(ids), *_family_filters(municipality, include_archived))
            .order_by(Family.label_key, Family.id)
            .offset(bindparam("offset", type_=Integer)).limit(bindparam("page_size", type_=Integer)))


def _family_filters(municipality: bool, include_archived: bool) -> list:
    filters = []
    if municipality:
        filters.append(Family.municipality == bindparam("municipality", type_=String))
    if not include_archived:
        filters.append(Family.archived.is_(False))
    return filters


def _member_ids(q: str, key: str, born: date | None, family_filters: list, enough: int):
    """The ids of the families matching a query of several words (a given name and a family name of one
    person) or a birth date: each way of matching cut to ``enough`` families in name order, then combined."""
    if db.session.get_bind().dialect.name == "postgresql":
        # the families of each matching person through the person_id index (a nested loop): without the
        # fence (OFFSET 0) PostgreSQL hashes a sequential scan of every family member and of every family
        # (the family inside the fence too: else the planner may walk every family in name order, hoping
        # to meet the LIMIT early, and compare each with every match)
        families_of = (select(Family.id, Family.label_key)
                       .join(FamilyMember, FamilyMember.family_id == Family.id)
                       .where(FamilyMember.person_id == Person.id, *family_filters)
                       .offset(0).lateral())
        member_q = select(families_of.c.id, families_of.c.label_key).select_from(Person).join(families_of, true())
        order = (families_of.c.label_key, families_of.c.id)
    else:  # SQLite walks the indexes on its own
        member_q = (select(Family.id, Family.label_key)
                    .join(FamilyMember, FamilyMember.family_id == Family.id)
                    .join(Person, Person.id == FamilyMember.person_id)
                    .where(*family_filters))
        order = (Family.label_key, Family.id)
    if key:
        member_q = member_q.where(person_match(q))
    if born:
        member_q = member_q.where(Person.birth_date == born)
    branches = [member_q.distinct().order_by(*order).limit(enough)]
    if key and not born:
        branches.append(select(Family.id, Family.label_key).where(_prefix_range(Family.label_key, key), *family_filters)
                        .order_by(Family.label_key, Family.id).limit(enough))
    # each branch as a subquery of its own: a compound SELECT may not hold ORDER BY/LIMIT per part (SQLite)
    return union(*(select(b.subquery().c.id) for b in branches))


def search_families(q: str = "", born: date | None = None, municipality: str | None = None,
                    include_archived: bool = False, page: int = 1, page_size: int = PAGE_SIZE) -> Page:
    """Families matching the filters, ordered by name, one page; one SQL query, with a capped count
    (``Page.total``: the number found up to ``TOTAL_CAP``, or more than that, never counting further).

    Flat in the data size: the families up to the end of the asked page (and past ``TOTAL_CAP`` for the count)
    are taken in name order from an index before the page's rows are read: a one-word name from the
    family_name_key index, a name of several words or a birth date through the people (each way of matching
    cut early), no filter or a municipality from the family's own indexes."""
    page = max(1, page)
    key = fold(q)
    family_filters = _family_filters(bool(municipality), include_archived)
    enough = max(page * page_size, TOTAL_CAP) + 1  # one more than is shown or counted: there is more
    params = {"municipality": municipality, "enough": enough, "offset": (page - 1) * page_size,
              "page_size": page_size}
    if key and not born and " " not in key:
        ids = _name_key_statement(db.session.get_bind().dialect.name == "postgresql", bool(municipality),
                                  include_archived)
        stmt = _page_statement(ids, bool(municipality), include_archived)
        params.update(key=key, upper=key[:-1] + chr(ord(key[-1]) + 1))
    else:
        if key or born:
            ids = _member_ids(q, key, born, family_filters, enough)
        else:
            ids = select(Family.id).where(*family_filters).order_by(Family.label_key, Family.id).limit(enough)
        stmt = _page_statement.__wrapped__(ids, bool(municipality), include_archived)
    rows = db.session.execute(stmt, params).all()
    found = rows[0][1] if rows else (0 if page == 1 else None)
    return Page(items=[f for f, _ in rows], number=page, has_next=bool(found and found > page * page_size),
                total=None if found is None else min(found, enough - 1), total_more=bool(found and found >= enough))


class TeamRef(NamedTuple):
    """A team as the directory shows it: its id, name and phone number (no Team object loaded per row)."""

    id: int
    name: str
    phone: str | None = None


def involved_teams_by_family(family_ids: list[int]) -> dict[int, list[TeamRef]]:
    result: dict[int, list[TeamRef]] = {fid: [] for fid in family_ids}
    if not family_ids:
        return result
    rows = db.session.execute(
        select(Involvement.family_id, Team.id, Team.name, Team.phone).join(Team, Team.id == Involvement.team_id)
        .where(Involvement.family_id.in_(family_ids), Involvement.ended_at.is_(None)).order_by(Team.name)
    )
    for fid, team_id, name, phone in rows:
        team = TeamRef(team_id, name, phone)
        if team not in result[fid]:
            result[fid].append(team)
    return result


def search_results_for_global(query: str) -> list[SearchResult]:
    page = search_families(query, page_size=10)
    teams = involved_teams_by_family([f.id for f in page.items])
    mine = current_user.team_ids()
    years = children_birth_years([f.id for f in page.items])
    results = []
    for fam in page.items:
        names = ", ".join(t.name for t in teams[fam.id]) or "geen team"
        open_ = current_user.is_admin or any(t.id in mine for t in teams[fam.id])
        results.append(SearchResult(label=family_search_label(fam, years[fam.id]),
                                    url=url_for("families.show", family_id=fam.id),
                                    kind="Gezin", detail=names
                                    + ("" if open_ else " · details enkel voor betrokken teams")))
    return results


def team_contacts(teams: list[TeamRef]) -> dict[int, list[User]]:
    """Whom to call about a family one cannot open: each involved team's managers (active accounts), with
    their e-mail; the team's members when it has no manager. One query."""
    result: dict[int, list[User]] = {t.id: [] for t in teams}
    if not teams:
        return result
    rows = db.session.execute(
        select(Membership.team_id, Membership.role, User).join(User, User.id == Membership.user_id)
        .where(Membership.team_id.in_(list(result)), User.active.is_(True))
        .order_by(Membership.team_id, User.display_name))
    members: dict[int, list[User]] = {t.id: [] for t in teams}
    for team_id, role, user in rows:
        (result if role == "manager" else members)[team_id].append(user)
    for team_id, managers in result.items():
        if not managers:
            result[team_id] = members[team_id][:3]
    return result


def children_birth_years(family_ids: list[int]) -> dict[int, list[int | None]]:
    """The birth years of each family's children (one query): what tells same-name families apart."""
    result: dict[int, list[int | None]] = {fid: [] for fid in family_ids}
    if family_ids:
        rows = db.session.execute(
            select(FamilyMember.family_id, Person.birth_date).join(Person, Person.id == FamilyMember.person_id)
            .where(FamilyMember.family_id.in_(family_ids), FamilyMember.role == "kind")
            .order_by(FamilyMember.family_id, Person.birth_date))
        for fid, born in rows:
            result[fid].append(born.year if born else None)
    return result


def family_search_label(family: Family, years: list[int | None]) -> str:
    """ "Öztürk — Gent, 2 kinderen (2014, 2017)": the family, where, and its children's birth years."""
    parts = [family.municipality or "gemeente onbekend"]
    if years:
        known = ", ".join(str(y) for y in years if y)
        parts.append(f"{len(years)} {'kind' if len(years) == 1 else 'kinderen'}" + (f" ({known})" if known else ""))
    else:
        parts.append("geen kinderen")
    return f"{family.label} — " + ", ".join(parts)


@bp.get("/")
def directory():
    form = FamilySearchForm(request.args)
    form.gemeente.choices = [("", "Alle gemeenten")] + [(m, m) for m in sorted(MUNICIPALITIES)]
    page_no = page_number()
    page = Page([], 1, False)
    if form.validate():
        page = search_families(form.q.data or "", form.geboren.data, form.gemeente.data or None,
                               include_archived=form.archief.data == "1", page=page_no)
    teams = involved_teams_by_family([f.id for f in page.items])
    mine = current_user.team_ids()
    admin = current_user.is_admin
    open_ids = {fid for fid, involved in teams.items() if admin or any(t.id in mine for t in involved)}
    args = {k: v for k, v in request.args.items() if k != "pagina"}
    return render_template("core/families/directory.html", form=form, page=page, teams=teams, mine=mine,
                           open_ids=open_ids, args=args)


# --------------------------------------------------------------------------- create


def _team_choices() -> list[tuple[int, str]]:
    if not current_user.is_admin:  # the user's teams, loaded with the user (core.security.load_user)
        return sorted(((m.team.id, m.team.name) for m in current_user.memberships), key=lambda t: (t[1], t[0]))
    return [(i, n) for i, n in db.session.execute(select(Team.id, Team.name).order_by(Team.name))]


def _school_choices() -> list[tuple[str, str]]:
    schools = db.session.execute(
        select(Organisation.id, Organisation.name, Organisation.municipality)
        .where(Organisation.kind == "school", Organisation.archived.is_(False)).order_by(Organisation.name)
    )
    return [("", "— geen of onbekend —")] + [(str(i), f"{n} ({m})" if m else n) for i, n, m in schools]


def find_duplicates(given: str, family_name: str, born: date | None) -> list[tuple[Person, list[Family]]]:
    if not born:
        return []
    people = list(db.session.scalars(
        select(Person).options(selectinload(Person.memberships).selectinload(FamilyMember.family))
        .where(Person.given_key == fold(given), Person.family_key == fold(family_name), Person.birth_date == born)
    ))
    return [(p, [m.family for m in p.memberships]) for p in people]


@bp.route("/nieuw", methods=["GET", "POST"])
def create():
    if not current_user.is_staff:
        abort(404)
    form = NewFamilyForm()
    form.team_id.choices = _team_choices()
    form.school_id.choices = _school_choices()
    if not form.team_id.choices:
        flash("Je zit nog in geen enkel team: vraag de beheerder je aan een team toe te voegen.", "error")
        return redirect(url_for("families.directory"))
    duplicates = []
    if request.method == "POST" and form.validate():
        duplicates = find_duplicates(form.given_name.data, form.family_name.data, form.birth_date.data)
        if duplicates and not form.confirm_duplicate.data:
            form.confirm_duplicate.errors = ["Er bestaat al een persoon met dezelfde naam en geboortedatum. "
                                             "Open dat gezin, of bevestig dat het om iemand anders gaat."]
        elif form.team_id.data not in {t for t, _ in form.team_id.choices}:
            form.team_id.errors = ["Kies een van je eigen teams."]
        else:
            family = Family()
            _apply_family_form(form, family)
            db.session.add(family)
            db.session.flush()
            person = Person()
            _apply_person_form(form, person)
            db.session.add(person)
            db.session.flush()
            db.session.add(FamilyMember(family_id=family.id, person_id=person.id, role=form.role.data,
                                        relation=form.relation.data or None))
            audit.record("create", "family", family.id, family_id=family.id)
            audit.record("create", "person", person.id, family_id=family.id)
            register_involvement(family, form.team_id.data, form.reason.data)
            db.session.commit()
            flash(f"Gezin {family.label} is aangemaakt.", "success")
            return redirect(url_for("families.show", family_id=family.id))
    return render_template("core/families/new.html", form=form, duplicates=duplicates)


def _apply_family_form(form, family: Family) -> list[str]:
    """Copy form data onto the family; record each changed field in the history. Returns changed fields."""
    values = {
        "label": form.label.data,
        "street": form.street.data or None,
        "postcode": form.postcode.data or None,
        "municipality": form.municipality.data or None,
        "languages": form.languages.data or None,
        "contact_channels": ", ".join(form.contact_channels.data or []) or None,
        "phone": form.phone.data or None,
        "email": form.email.data or None,
        "has_vt": bool(form.has_vt.data),
        "notes": form.notes.data or None,
    }
    return _apply(family, values, family.id, "family")


def _apply_person_form(form, person: Person, family_id: int | None = None) -> list[str]:
    values = {
        "given_name": form.given_name.data,
        "family_name": form.family_name.data,
        "birth_date": form.birth_date.data,
        "expected": form.role.data == "verwacht",
        "gender": form.gender.data or None,
        "school_id": int(form.school_id.data) if form.school_id.data else None,
        "school_level": form.school_level.data or None,
        "school_year": form.school_year.data,
        "class_teacher": form.class_teacher.data or None,
    }
    return _apply(person, values, family_id, "person")


def _apply(obj, values: dict, family_id: int | None, object_type: str) -> list[str]:
    changed = []
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            changed.append(field)
            if obj.id is not None and family_id is not None:
                db.session.add(ChangeRecord(user_id=current_user.id, family_id=family_id, object_type=object_type,
                                            object_id=obj.id, field=field, old_value=_str(old), new_value=_str(new)))
            setattr(obj, field, new)
    return changed


def _str(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, date):
        return format_date(value)
    return str(value)


# --------------------------------------------------------------------------- family page


@functools.cache
def _family_page_statements() -> dict:
    """The family page's three SELECTs, built once per process with the family id as a bound parameter:
    building a statement with its loader options (and its cache key) costs more than running it."""
    fid = bindparam("family_id", type_=Integer)
    return {
        # the family with its members, their people and the names of their schools
        "family": select(Family).where(Family.id == fid)
        .options(joinedload(Family.members).joinedload(FamilyMember.person).joinedload(Person.school)
                 .load_only(Organisation.name)),
        # the active involvements with their teams (which also answer need-to-know)
        "involvements": select(Involvement).options(joinedload(Involvement.team))
        .where(Involvement.family_id == fid, Involvement.ended_at.is_(None))
        .order_by(Involvement.started_at, Involvement.id),
        "consents": select(Consent).options(joinedload(Consent.organisation).load_only(Organisation.name),
                                            joinedload(Consent.given_by).load_only(Person.given_name,
                                                                                   Person.family_name))
        .where(Consent.family_id == fid).order_by(Consent.given_on.desc()),
    }


@bp.get("/<int:family_id>")
def show(family_id: int):
    # A constant number of queries (tests/test_query_counts.py): the family with its members, their people and
    # schools in one; the active involvements (which also answer need-to-know) in one; consents; who looked.
    stmts, params = _family_page_statements(), {"family_id": family_id}
    family = db.session.scalars(stmts["family"], params).unique().first()
    if family is None:
        abort(404)
    involvements = list(db.session.scalars(stmts["involvements"], params))
    if not can_see_family(current_user, family_id, involved={i.team_id for i in involvements}):
        audit.record_denied("family", family_id, family_id=family_id)
        teams = involved_teams_by_family([family_id])[family_id]
        form = InvolvementForm()
        form.team_id.choices = _team_choices()
        return render_template("core/families/no_access.html", family=family, teams=teams, form=form,
                               contacts=team_contacts(teams)), 403
    members = sorted(family.members, key=lambda m: (m.role, m.id))
    consents = list(db.session.scalars(stmts["consents"], params))
    viewers = audit.who_looked(family_id)
    panels = []
    for group in user_hook("hvhk_family_panels")(family=family, user=current_user):
        panels.extend(group or [])
    panels.sort(key=lambda p: (p.order, p.title))
    inv_form = InvolvementForm()
    involved = {i.team_id for i in involvements}
    inv_form.team_id.choices = [c for c in _team_choices() if c[0] not in involved]
    audit.record_read("family", family_id, family_id=family_id)
    return render_template("core/families/show.html", family=family, members=members, consents=consents,
                           involvements=involvements, viewers=viewers, panels=panels, inv_form=inv_form,
                           my_team_ids=current_user.team_ids(),
                           today=date.today())


@bp.get("/<int:family_id>/geschiedenis")
def history(family_id: int):
    family = require_family(family_id, "family_history")
    changes = list(db.session.scalars(
        select(ChangeRecord).options(selectinload(ChangeRecord.user))
        .where(ChangeRecord.family_id == family_id).order_by(ChangeRecord.at.desc(), ChangeRecord.id.desc()).limit(200)
    ))
    log = list(db.session.scalars(
        select(AuditEntry).options(*audit.actor_options())
        .where(AuditEntry.family_id == family_id).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(200)
    ))
    audit.record_read("family_history", family_id, family_id=family_id)
    from .audit import ACTION_LABELS

    return render_template("core/families/history.html", family=family, changes=changes, log=log,
                           labels=ACTION_LABELS, object_labels=audit.object_labels())


@bp.route("/<int:family_id>/bewerken", methods=["GET", "POST"])
def edit(family_id: int):
    family = require_family(family_id)
    form = FamilyForm(obj=family if request.method == "GET" else None)
    if request.method == "GET":
        form.contact_channels.data = [c.strip() for c in (family.contact_channels or "").split(",") if c.strip()]
        form.version.data = family.version
    save = conflict_safe(form)
    if request.method == "POST" and form.validate():
        with save:
            save.check(family)
            changed = _apply_family_form(form, family)
            if changed:
                audit.record("update", "family", family.id, family_id=family.id, detail=",".join(changed))
        if save.saved:
            flash("Gezinsgegevens opgeslagen." if changed else "Er was niets gewijzigd.", "success")
            return redirect(url_for("families.show", family_id=family.id))
    if request.method == "GET":
        audit.record_read("family", family_id, family_id=family_id, detail="bewerken")
    return render_template("core/families/edit.html", form=form, family=family, conflict=save.conflict), (
        save.status)


@bp.post("/<int:family_id>/archiveren")
def archive(family_id: int):
    family = require_family(family_id)
    if request.form.get("herstel") != "1":
        asked = confirm_first(
            title="Gezin archiveren", question=f"Gezin {family.label} archiveren?",
            explanation="Het gezin verdwijnt uit de gewone lijsten en zoekresultaten; de gegevens blijven bewaard "
                        "en je kan het terugzetten via ‘ook gearchiveerde’. Na de bewaartermijn wordt een "
                        "gearchiveerd gezin zonder actief team gewist.",
            confirm_label="Ja, archiveren", cancel_url=url_for("families.show", family_id=family.id))
        if asked:
            return asked
    family.archived = request.form.get("herstel") != "1"
    audit.record("archive" if family.archived else "restore", "family", family.id, family_id=family.id)
    db.session.commit()
    flash("Het gezin is gearchiveerd: het blijft bewaard en is terug te vinden via ‘ook gearchiveerde’."
          if family.archived else "Het gezin is hersteld.", "success")
    return redirect(url_for("families.show", family_id=family.id))


# --------------------------------------------------------------------------- members


@bp.route("/<int:family_id>/leden/nieuw", methods=["GET", "POST"])
def add_member(family_id: int):
    family = require_family(family_id)
    form = PersonForm()
    form.school_id.choices = _school_choices()
    if request.method == "GET":
        form.family_name.data = family.label
    duplicates = []
    if request.method == "POST" and form.validate():
        duplicates = find_duplicates(form.given_name.data, form.family_name.data, form.birth_date.data)
        existing_id = request.form.get("existing_person_id", type=int)
        if existing_id and any(p.id == existing_id for p, _ in duplicates):
            person = db.session.get(Person, existing_id)
        elif duplicates and request.form.get("new_person") != "1":
            return render_template("core/families/member.html", form=form, family=family, duplicates=duplicates,
                                   person=None)
        else:
            person = Person()
            _apply_person_form(form, person)
            db.session.add(person)
            db.session.flush()
            audit.record("create", "person", person.id, family_id=family.id)
        if db.session.scalar(select(FamilyMember.id).where(FamilyMember.family_id == family.id,
                                                           FamilyMember.person_id == person.id)):
            form.given_name.errors = ["Deze persoon hoort al bij dit gezin."]
            db.session.rollback()
        else:
            db.session.add(FamilyMember(family_id=family.id, person_id=person.id, role=form.role.data,
                                        relation=form.relation.data or None))
            audit.record("update", "family", family.id, family_id=family.id, detail="lid toegevoegd")
            try:
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
                form.given_name.errors = ["Deze persoon hoort al bij dit gezin."]
            else:
                flash(f"{person.full_name} is toegevoegd aan het gezin.", "success")
                return redirect(url_for("families.show", family_id=family.id))
    return render_template("core/families/member.html", form=form, family=family, duplicates=duplicates, person=None)


@bp.route("/<int:family_id>/leden/<int:person_id>", methods=["GET", "POST"])
def edit_member(family_id: int, person_id: int):
    family = require_family(family_id, "person", person_id)
    membership = db.session.scalar(select(FamilyMember).where(FamilyMember.family_id == family_id,
                                                               FamilyMember.person_id == person_id))
    if membership is None:
        abort(404)
    person = membership.person
    form = PersonForm(obj=person if request.method == "GET" else None)
    form.school_id.choices = _school_choices()
    if request.method == "GET":
        form.role.data = membership.role
        form.relation.data = membership.relation
        form.school_id.data = str(person.school_id) if person.school_id else ""
        form.version.data = person.version
        audit.record_read("person", person.id, family_id=family_id)
    save = conflict_safe(form)
    if request.method == "POST" and form.validate():
        with save:
            save.check(person)
            changed = _apply_person_form(form, person, family_id)
            if membership.role != form.role.data or membership.relation != (form.relation.data or None):
                changed.append("rol")
                membership.role = form.role.data
                membership.relation = form.relation.data or None
            if changed:
                audit.record("update", "person", person.id, family_id=family_id, detail=",".join(changed))
        if save.saved:
            flash(f"Gegevens van {person.full_name} opgeslagen.", "success")
            return redirect(url_for("families.show", family_id=family_id))
    return render_template("core/families/member.html", form=form, family=family, duplicates=[], person=person), (
        save.status)


# --------------------------------------------------------------------------- involvement


@bp.post("/<int:family_id>/betrokkenheid")
def involve(family_id: int):
    """Register an involvement of one of the user's own teams (how an uninvolved team gets access)."""
    family = db.session.get(Family, family_id)
    if family is None or not current_user.is_staff:
        abort(404)
    form = InvolvementForm()
    form.team_id.choices = _team_choices()
    if form.validate():
        register_involvement(family, form.team_id.data, form.reason.data)
        db.session.commit()
        flash("De betrokkenheid van je team is geregistreerd.", "success")
        return redirect(url_for("families.show", family_id=family_id))
    teams = involved_teams_by_family([family_id])[family_id]
    if can_see_family(current_user, family_id):
        flash(" ".join(e for errs in form.errors.values() for e in errs), "error")
        return redirect(url_for("families.show", family_id=family_id))
    return render_template("core/families/no_access.html", family=family, teams=teams, form=form,
                           contacts=team_contacts(teams)), 400


@bp.post("/<int:family_id>/betrokkenheid/<int:involvement_id>/stop")
def uninvolve(family_id: int, involvement_id: int):
    require_family(family_id)
    inv = db.session.get(Involvement, involvement_id)
    if inv is None or inv.family_id != family_id or inv.ended_at is not None:
        abort(404)
    if not current_user.is_admin and inv.team_id not in current_user.team_ids():
        deny("involvement", inv.id, [family_id], detail="team van een ander")
    others = db.session.scalar(select(func.count(Involvement.id)).where(
        Involvement.family_id == family_id, Involvement.ended_at.is_(None), Involvement.id != inv.id,
        Involvement.team_id.in_(current_user.team_ids() or {-1})))
    loses_access = not current_user.is_admin and not others
    asked = confirm_first(
        title="Betrokkenheid beëindigen",
        question=f"De betrokkenheid van {inv.team.name} bij gezin {inv.family.label} beëindigen?",
        explanation=("Je verliest meteen de toegang tot dit gezin: je ziet de gegevens niet meer en komt "
                     "pas terug binnen als een team van jou opnieuw betrokken wordt (met een reden, gelogd)."
                     if loses_access else
                     f"{inv.team.name} ziet de gegevens van dit gezin daarna niet meer, tenzij het team "
                     "opnieuw betrokken wordt. De geschiedenis blijft bewaard."),
        confirm_label="Ja, betrokkenheid beëindigen", warning=True,
        cancel_url=url_for("families.show", family_id=family_id))
    if asked:
        return asked
    end_involvement(inv)
    db.session.commit()
    flash(f"De betrokkenheid van {inv.team.name} is beëindigd.", "success")
    return redirect(url_for("families.show", family_id=family_id) if can_see_family(current_user, family_id)
                    else url_for("families.directory"))


# --------------------------------------------------------------------------- consent


def _consent_form(family: Family) -> ConsentForm:
    form = ConsentForm()
    form.organisation_id.choices = [(o.id, o.name) for o in db.session.scalars(
        select(Organisation).where(Organisation.archived.is_(False)).order_by(Organisation.name))]
    members = db.session.scalars(select(FamilyMember).options(selectinload(FamilyMember.person))
                                 .where(FamilyMember.family_id == family.id))
    form.given_by_person_id.choices = [(m.person_id, f"{m.person.full_name} ({m.role_label.lower()})")
                                       for m in members if m.role != "verwacht"]
    return form


@bp.route("/<int:family_id>/toestemming/nieuw", methods=["GET", "POST"])
def add_consent(family_id: int):
    family = require_family(family_id, "consent")
    form = _consent_form(family)
    if request.method == "GET":
        form.given_on.data = date.today()
    if request.method == "POST" and form.validate():
        consent = Consent(family_id=family.id, organisation_id=form.organisation_id.data, purpose=form.purpose.data,
                          info_kinds=",".join(form.info_kinds.data), given_by_person_id=form.given_by_person_id.data,
                          given_on=form.given_on.data, valid_until=form.valid_until.data,
                          recorded_by_id=current_user.id)
        db.session.add(consent)
        db.session.flush()
        audit.record("consent", "consent", consent.id, family_id=family.id)
        db.session.commit()
        flash("De toestemming is geregistreerd.", "success")
        return redirect(url_for("families.show", family_id=family.id))
    return render_template("core/families/consent.html", form=form, family=family)


@bp.post("/<int:family_id>/toestemming/<int:consent_id>/intrekken")
def withdraw_consent(family_id: int, consent_id: int):
    require_family(family_id, "consent", consent_id)
    consent = db.session.get(Consent, consent_id)
    if consent is None or consent.family_id != family_id:
        abort(404)
    if consent.withdrawn_at is None:
        asked = confirm_first(
            title="Toestemming intrekken", question=f"De toestemming voor {consent.organisation.name} intrekken?",
            explanation="Vanaf nu wordt niets meer gedeeld met deze organisatie. Een nieuwe toestemming kan je "
                        "later opnieuw registreren.",
            confirm_label="Ja, intrekken", cancel_url=url_for("families.show", family_id=family_id))
        if asked:
            return asked
        consent.withdrawn_at = utcnow()
        consent.withdrawn_by_id = current_user.id
        audit.record("withdraw", "consent", consent.id, family_id=family_id)
        db.session.commit()
    flash("De toestemming is ingetrokken: er wordt vanaf nu niets meer gedeeld.", "success")
    return redirect(url_for("families.show", family_id=family_id))


# --------------------------------------------------------------------------- data rights


def _may_export(family_id: int) -> bool:
    if current_user.is_admin:
        return True
    managed = current_user.managed_team_ids()
    return bool(managed & {i for i in db.session.scalars(
        select(Involvement.team_id).where(Involvement.family_id == family_id, Involvement.ended_at.is_(None)))})


@bp.get("/<int:family_id>/export")
def export(family_id: int):
    """Subject access: a zip with everything the house holds about the family (admins, managers of an involved team)."""
    family = require_family(family_id, "family_export")
    if not _may_export(family_id):
        audit.record_denied("family_export", family_id, family_id=family_id)
        abort(403)
    from .rights import export_zip

    payload = export_zip(family)
    db.session.commit()
    return send_download(payload, f"gezin-{family.id}-inzage.zip", "application/zip")


@bp.route("/<int:family_id>/wissen", methods=["GET", "POST"])
def erase(family_id: int):
    """Erasure: a preview of what goes and what stays, then a confirmation (admins only)."""
    if not current_user.is_admin:
        deny("family_erase", family_id, [family_id], detail="enkel beheerders")
    family = require_family(family_id, "family_erase")
    from .rights import erase_family, erase_preview

    preview = erase_preview(family)
    error = None
    if request.method == "POST":
        if preview["blocked"]:
            error = "Voor dit gezin geldt een juridische bewaarplicht: wissen is geblokkeerd."
        elif (request.form.get("bevestiging") or "").strip() != family.label:
            error = f"Typ de naam van het gezin (“{family.label}”) om te bevestigen."
        else:
            erase_family(family)
            db.session.commit()
            flash("Het gezin is gewist: persoonsgegevens zijn verwijderd, tellingen en kosten blijven kloppen.", "success")
            return redirect(url_for("families.directory"))
    else:
        audit.record_read("family_erase", family_id, family_id=family_id, detail="voorbeeld")
    return render_template("core/families/erase.html", family=family, preview=preview, error=error), (
        400 if error else 200)


def _member(family_id: int, person_id: int) -> Person:
    membership = db.session.scalar(select(FamilyMember).where(FamilyMember.family_id == family_id,
                                                               FamilyMember.person_id == person_id))
    if membership is None:
        abort(404)
    return membership.person


@bp.get("/<int:family_id>/leden/<int:person_id>/export")
def person_export(family_id: int, person_id: int):
    """Subject access for one person: a zip with what the house holds about them (who may export the family)."""
    family = require_family(family_id, "person_export", person_id)
    person = _member(family_id, person_id)
    if not _may_export(family_id):
        audit.record_denied("person_export", person_id, family_id=family_id)
        abort(403)
    from .rights import person_export_zip

    payload = person_export_zip(person, family)
    db.session.commit()
    return send_download(payload, f"persoon-{person.id}-inzage.zip", "application/zip")


@bp.route("/<int:family_id>/leden/<int:person_id>/wissen", methods=["GET", "POST"])
def person_erase(family_id: int, person_id: int):
    """Erasure of one person (admins only): a preview, then a confirmation with the person's given name."""
    if not current_user.is_admin:
        deny("person_erase", person_id, [family_id], detail="enkel beheerders")
    family = require_family(family_id, "person_erase", person_id)
    person = _member(family_id, person_id)
    from .rights import ERASED, erase_person, person_erase_preview

    if person.given_name == ERASED:
        flash("Deze persoon is al gewist.", "info")
        return redirect(url_for("families.show", family_id=family_id))
    preview = person_erase_preview(person)
    error = None
    if request.method == "POST":
        if preview["blocked"]:
            error = "Voor een gezin van deze persoon geldt een juridische bewaarplicht: wissen is geblokkeerd."
        elif fold(request.form.get("bevestiging") or "") != fold(person.given_name):
            error = f"Typ de voornaam (“{person.given_name}”) om te bevestigen."
        else:
            erase_person(person)
            db.session.commit()
            flash("De persoon is gewist: naam, geboortedatum en wat modules aan hem of haar koppelden zijn "
                  "verwijderd; de rest van het gezin blijft.", "success")
            return redirect(url_for("families.show", family_id=family_id))
    else:
        audit.record_read("person_erase", person_id, family_id=family_id, detail="voorbeeld")
    return render_template("core/families/person_erase.html", family=family, person=person, preview=preview,
                           error=error), (400 if error else 200)


@bp.post("/<int:family_id>/bewaarplicht")
def legal_hold(family_id: int):
    if not current_user.is_admin:
        deny("family", family_id, [family_id], detail="bewaarplicht: enkel beheerders")
    family = require_family(family_id)
    family.legal_hold = request.form.get("on") == "1"
    audit.record("update", "family", family.id, family_id=family.id,
                 detail=f"bewaarplicht {'aan' if family.legal_hold else 'uit'}")
    db.session.commit()
    flash("Juridische bewaarplicht " + ("ingesteld: het gezin kan niet gewist worden." if family.legal_hold
                                        else "opgeheven."), "success")
    return redirect(url_for("families.show", family_id=family.id))


def init_app(app) -> None:
    app.register_blueprint(bp)
