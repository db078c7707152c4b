"""Every read of the network plugin, shared by the staff pages, the partner portal and the hooks: the
directory, the map data, staleness, referral statistics, overviews, a family's ecomap and referrals, what a
partner user may see. Each function costs a fixed number of SQL statements, whatever the data size. Reads
never write (``operations`` does)."""

from __future__ import annotations

import json
import math
import os
from collections import OrderedDict
from dataclasses import astuple, dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import (
    DateTime,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import selectinload

from core.extensions import db
from core.models import Consent, Family, FamilyMember, Organisation, Person, User, fold, utcnow
from core.pagination import Page, paginate
from core.settings import PluginSettings

from .forms import SettingsForm
from .models import (
    SECTOR_FOR_KIND,
    SECTORS,
    Contact,
    EcoTie,
    Partner,
    PartnerChange,
    Referral,
    Relation,
    Service,
)

PAGE_SIZE = 25


DEFAULT_STALE_MONTHS = 12


def _configured_stale_months() -> int:
    """The default: ``NETWORK_STALE_MONTHS`` from the app config or the environment, else 12."""
    raw = current_app.config.get("NETWORK_STALE_MONTHS",
                                 os.environ.get("HVHK_NETWORK_STALE_MONTHS", DEFAULT_STALE_MONTHS))
    try:
        return min(120, max(1, int(raw)))
    except (TypeError, ValueError):
        return DEFAULT_STALE_MONTHS


# house-wide settings of the network plugin, edited by managers on /netwerk/instellingen (core's settings store)
SETTINGS = PluginSettings(defaults={"stale_months": _configured_stale_months}, form=SettingsForm)


def stale_months() -> int:
    """Months after which a partner's data is "possibly out of date" (read once per request)."""
    return min(120, max(1, SETTINGS.get("stale_months")))


def stale_before(today: date | None = None) -> date:
    """Entries verified before this day (or never) are possibly out of date."""
    today = today or date.today()
    months = stale_months()
    y, m = divmod(today.month - 1 - months, 12)
    year, month = today.year + y, m + 1
    day = min(today.day, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30,
                          31, 31, 30, 31, 30, 31][month - 1])
    return date(year, month, day)


def is_stale(partner: Partner | None, limit: date | None = None) -> bool:
    if partner is None or partner.last_verified is None:
        return True
    return partner.last_verified < (limit or stale_before())


def partner_for(org: Organisation) -> Partner | None:
    """The network profile of ``org``, None when it has none yet (``operations.ensure_partner`` makes one)."""
    return db.session.scalar(select(Partner).where(Partner.organisation_id == org.id))


def default_partner(org: Organisation) -> Partner:
    """A new profile for ``org`` with defaults from its core kind, not added to the session (to fill a form;
    ``operations.ensure_partner`` stores one)."""
    return Partner(organisation_id=org.id, sector=SECTOR_FOR_KIND.get(org.kind, "welzijn"), line=1,
                   municipalities=f",{org.municipality}," if org.municipality else "", province="Limburg")


@dataclass
class DirectoryFilters:
    q: str = ""
    sector: str = ""
    line: str = ""
    municipality: str = ""
    service: str = ""
    stale: bool = False


def _like(text: str) -> str:
    return "%" + text.replace("\\", "").replace("%", "").replace("_", "") + "%"


def _profile_filters(stmt, f: DirectoryFilters | MapFilters):
    """``stmt`` (organisations outer-joined to their profile) limited to the sector, line and municipality of ``f``;
    an organisation without a profile matches a municipality by its own."""
    if f.sector:
        stmt = stmt.where(Partner.sector == f.sector)
    if f.line != "" and f.line is not None:
        try:
            stmt = stmt.where(Partner.line == int(f.line))
        except ValueError:
            pass
    if f.municipality:
        stmt = stmt.where(or_(Partner.municipalities.like(f"%,{f.municipality},%"),
                              and_(Partner.id.is_(None), Organisation.municipality == f.municipality)))
    return stmt


def directory_page(f: DirectoryFilters, page: int = 1, page_size: int = PAGE_SIZE, *,
                   shareable_only: bool = False) -> Page:
    """Organisations with their profile, filtered and paginated in SQL. Items are (Organisation, Partner|None)."""
    stmt = (select(Organisation, Partner).outerjoin(Partner, Partner.organisation_id == Organisation.id)
            .where(Organisation.archived.is_(False)))
    if f.q:
        key = _like(f.q.lower())
        contact_match = select(Contact.organisation_id).where(func.lower(Contact.name).like(key))
        if shareable_only:
            contact_match = contact_match.where(Contact.shareable.is_(True))
        stmt = stmt.where(or_(func.lower(Organisation.name).like(key), Organisation.id.in_(contact_match)))
    stmt = _profile_filters(stmt, f)
    if f.service:
        key = _like(f.service.lower())
        svc = select(Service.organisation_id).where(
            or_(func.lower(Service.name).like(key), func.lower(Service.description).like(key)))
        if shareable_only:
            svc = svc.where(Service.shareable.is_(True))
        stmt = stmt.where(Organisation.id.in_(svc))
    if f.stale:
        stmt = stmt.where(or_(Partner.id.is_(None), Partner.last_verified.is_(None),
                              Partner.last_verified < stale_before()))
    return _page(stmt.order_by(func.lower(Organisation.name), Organisation.id), page, page_size)


def _by_org(model, org_ids: list[int], shareable_only: bool, *order) -> dict[int, list]:
    """The contacts or offers (``model``) of each organisation in ``org_ids`` (one statement)."""
    result: dict[int, list] = {i: [] for i in org_ids}
    if not org_ids:
        return result
    stmt = select(model).where(model.organisation_id.in_(org_ids))
    if shareable_only:
        stmt = stmt.where(model.shareable.is_(True))
    for item in db.session.scalars(stmt.order_by(*order, model.id)):
        result[item.organisation_id].append(item)
    return result


def contacts_by_org(org_ids: list[int], shareable_only: bool = False) -> dict[int, list[Contact]]:
    """Contact persons per organisation, the one to call first on top."""
    return _by_org(Contact, org_ids, shareable_only, Contact.is_primary.desc(), Contact.name)


def services_by_org(org_ids: list[int], shareable_only: bool = False) -> dict[int, list[Service]]:
    return _by_org(Service, org_ids, shareable_only, Service.name)


_DIRECTORY_SUMMARY_STMT = None


def _directory_summary_statement():
    """``directory_summary``'s statement, built once per process (a statement is immutable); ``ids`` expands."""
    global _DIRECTORY_SUMMARY_STMT
    if _DIRECTORY_SUMMARY_STMT is None:
        ids, text = bindparam("ids", expanding=True), String()
        who = select(literal("c", text).label("what"), Contact.organisation_id.label("org"),
                     Contact.name.label("name"), Contact.role.label("role"), Contact.phone.label("phone"),
                     Contact.email.label("email"),
                     func.row_number().over(partition_by=Contact.organisation_id,
                                            order_by=(Contact.is_primary.desc(), Contact.name, Contact.id)).label("rn"),
                     func.count().over(partition_by=Contact.organisation_id).label("n")
                     ).where(Contact.organisation_id.in_(ids))
        what = select(literal("s", text), Service.organisation_id, Service.name, cast(null(), text),
                      cast(null(), text), cast(null(), text),
                      func.row_number().over(partition_by=Service.organisation_id, order_by=(Service.name, Service.id)),
                      func.count().over(partition_by=Service.organisation_id)
                      ).where(Service.organisation_id.in_(ids))
        both = union_all(who, what).subquery()
        _DIRECTORY_SUMMARY_STMT = (select(both).where(or_(and_(both.c.what == "c", both.c.rn == 1),
                                                          and_(both.c.what == "s", both.c.rn <= 3)))
                                   .order_by(both.c.what, both.c.org, both.c.rn))
    return _DIRECTORY_SUMMARY_STMT


def directory_summary(org_ids: list[int]) -> tuple[dict[int, tuple], dict[int, tuple[list[str], int]]]:
    """What the directory shows per organisation, in one statement whatever the number of contacts and offers:
    ``contacts[org_id] = (first, n)`` with the contact to call first (a row: name, role, phone, email; None
    without contacts) and the number of contacts, ``offers[org_id] = (names, n)`` with the names of the first
    three offers and the number of offers. Same order as ``contacts_by_org`` and ``services_by_org``."""
    contacts: dict[int, tuple] = {i: (None, 0) for i in org_ids}
    offers: dict[int, tuple[list[str], int]] = {i: ([], 0) for i in org_ids}
    if not org_ids:
        return contacts, offers
    rows = db.session.execute(_directory_summary_statement(), {"ids": list(org_ids)})
    for row in rows:
        if row.what == "c":
            contacts[row.org] = (row, row.n)
        else:
            offers[row.org][0].append(row.name)
            offers[row.org] = (offers[row.org][0], row.n)
    return contacts, offers


def organisation_choices(exclude_archived: bool = True) -> list[tuple[int, str]]:
    stmt = select(Organisation.id, Organisation.name, Organisation.municipality)
    if exclude_archived:
        stmt = stmt.where(Organisation.archived.is_(False))
    return [(i, f"{n} ({m})" if m else n) for i, n, m in db.session.execute(stmt.order_by(func.lower(Organisation.name)))]


def pick_organisations(query: str, page: int = 1, per_page: int = 10) -> Page:
    """A page of ``(id, name, municipality)`` of the organisations whose name holds ``query`` (two characters
    or more), by name: what the ecomap's organisation picker offers."""
    if len(query.strip()) < 2:
        return Page([], 1, False)
    stmt = (select(Organisation.id, Organisation.name, Organisation.municipality)
            .where(Organisation.archived.is_(False), func.lower(Organisation.name).like(_like(query.strip().lower())))
            .order_by(func.lower(Organisation.name), Organisation.id))
    return paginate(stmt, page, per_page, rows=True)


def relations_of(org_id: int) -> list[Relation]:
    return list(db.session.scalars(
        select(Relation).options(selectinload(Relation.source), selectinload(Relation.target))
        .where(or_(Relation.source_id == org_id, Relation.target_id == org_id))
        .order_by(Relation.kind, Relation.id)
    ))


def referral_stats(org_ids: list[int] | None = None) -> dict[int, dict]:
    """Per organisation: number of referrals, warm handovers, and counts by outcome (one GROUP BY)."""
    stmt = select(
        Referral.organisation_id, func.count(Referral.id),
        func.sum(case((Referral.accompanied.is_(True), 1), else_=0)),
        func.sum(case((Referral.waiting_status == "waiting", 1), else_=0)),
        func.sum(case((Referral.outcome.in_(["ongoing", "completed"]), 1), else_=0)),
        func.sum(case((Referral.outcome.in_(["declined", "refused"]), 1), else_=0)),
    ).group_by(Referral.organisation_id)
    if org_ids is not None:
        stmt = stmt.where(Referral.organisation_id.in_(org_ids))
    return {oid: {"total": n, "accompanied": int(acc or 0), "waiting": int(w or 0), "started": int(ok or 0),
                  "not_started": int(bad or 0)}
            for oid, n, acc, w, ok, bad in db.session.execute(stmt)}


# --------------------------------------------------------------------------- the network map

@dataclass
class MapFilters:
    sector: str = ""
    line: str = ""
    municipality: str = ""
    kind: str = ""
    focus: int | None = None


_MAP_CACHE_SIZE = 32  # per app (one per worker process): (filters, map version) -> the map's data


def _map_version_statement():
    """Per table the number of rows, the sum of their versions (every ORM update raises a row's version) and
    the highest id; for relations also the newest ``created_at``: SQLite (no AUTOINCREMENT) gives a new row the
    id of a deleted highest one, so "delete the newest relation, add another" keeps count, versions and highest
    id, but never the newest creation time. Built once per process (a statement is immutable)."""
    global _MAP_VERSION_STMT
    if _MAP_VERSION_STMT is None:
        parts = [select(literal(i), func.count(), func.coalesce(func.sum(m.version), 0),
                        func.coalesce(func.max(m.id), 0), cast(null(), DateTime) if m is not Relation
                        else func.max(Relation.created_at)).select_from(m)
                 for i, m in enumerate((Organisation, Partner, Relation))]
        _MAP_VERSION_STMT = union_all(*parts)
    return _MAP_VERSION_STMT


_MAP_VERSION_STMT = None


def map_version() -> tuple:
    """What the map is drawn from, in one small statement (``_map_version_statement``). Another value means the
    map changed (in this process or any other), so a cached layout is used only while it is still the same."""
    return tuple(sorted(tuple(r) for r in db.session.execute(_map_version_statement()).all()))


def map_data(f: MapFilters) -> dict:
    """The network map's data (``layout_map``), cached per process while ``map_version()`` stays the same:
    the layout is not recomputed per request. Callers must not change the returned dict."""
    return _map_entry(f)["data"]


def map_json(f: MapFilters) -> bytes:
    """``map_data`` as UTF-8 JSON, encoded once per cached layout."""
    entry = _map_entry(f)
    if entry["json"] is None:
        entry["json"] = json.dumps(entry["data"], separators=(",", ":")).encode()
    return entry["json"]


def _map_entry(f: MapFilters) -> dict:
    cache = current_app.extensions.setdefault("hvhk_network_map", OrderedDict())
    key = (astuple(f), map_version())
    found = cache.get(key)
    if found is not None:
        cache.move_to_end(key)
        return found
    entry = cache[key] = {"data": layout_map(f), "json": None}
    while len(cache) > _MAP_CACHE_SIZE:
        cache.popitem(last=False)
    return entry


def layout_map(f: MapFilters) -> dict:
    """Nodes (with positions) and edges for the network map: two SQL statements, O(n) layout.

    Organisations are grouped by sector; each sector forms a sunflower-shaped cluster, the clusters sit on
    a ring. An "island" is an organisation without any relation (of any kind).
    """
    stmt = (select(Organisation.id, Organisation.name, Organisation.kind, Organisation.municipality,
                   Partner.sector, Partner.line, Partner.municipalities)
            .outerjoin(Partner, Partner.organisation_id == Organisation.id)
            .where(Organisation.archived.is_(False)))
    stmt = _profile_filters(stmt, f)
    rows = db.session.execute(stmt.order_by(Organisation.id)).all()
    rel_rows = db.session.execute(
        select(Relation.id, Relation.source_id, Relation.target_id, Relation.kind, Relation.direction,
               Relation.structural)
    ).all()

    degree: dict[int, int] = {}
    for _rid, s, t, *_ in rel_rows:
        degree[s] = degree.get(s, 0) + 1
        degree[t] = degree.get(t, 0) + 1
    connected = set(degree)
    visible = {r[0] for r in rows}
    edges = [
        {"id": rid, "source": s, "target": t, "kind": k, "direction": d, "structural": bool(st)}
        for rid, s, t, k, d, st in rel_rows
        if s in visible and t in visible and (not f.kind or k == f.kind)
    ]
    if f.focus:
        keep = {f.focus}
        for e in edges:
            if e["source"] == f.focus or e["target"] == f.focus:
                keep.add(e["source"])
                keep.add(e["target"])
        rows = [r for r in rows if r[0] in keep]
        edges = [e for e in edges if e["source"] in keep and e["target"] in keep]

    sector_order = {k: i for i, (k, _) in enumerate(SECTORS)}
    groups: dict[str, list] = {}
    for r in rows:
        sector = r[4] or SECTOR_FOR_KIND.get(r[2], "welzijn")
        groups.setdefault(sector, []).append(r)
    ordered = sorted(groups.items(), key=lambda kv: sector_order.get(kv[0], 99))
    for _sector, members in ordered:  # hubs (most relations) in the centre of their cluster
        members.sort(key=lambda r: (-degree.get(r[0], 0), r[0]))

    spacing = 16.0
    golden = math.pi * (3 - math.sqrt(5))
    radii = [spacing * math.sqrt(len(members)) + spacing for _, members in ordered]
    circumference = sum(2 * r + 30 for r in radii)
    ring = max(circumference / (2 * math.pi), max(radii, default=0) * 1.2, 120.0) if len(ordered) > 1 else 0.0
    base = 2 * (ring + max(radii, default=spacing))
    font = max(13.0, base / 75)
    width = base + 2 * font * 15  # room for the sector labels left and right
    height = base + 2 * font * 3
    size = width
    centre = width / 2
    centre_y = height / 2
    nodes = []
    clusters = []
    angle = -math.pi / 2
    for (sector, members), radius in zip(ordered, radii, strict=True):
        share = (2 * radius + 30) / circumference if circumference else 1
        angle_mid = angle + share * math.pi
        cx = centre + ring * math.cos(angle_mid)
        cy = centre_y + ring * math.sin(angle_mid)
        angle += share * 2 * math.pi
        dx, dy = (math.cos(angle_mid), math.sin(angle_mid)) if ring else (0.0, -1.0)
        clusters.append({"sector": sector, "x": round(cx, 1), "y": round(cy, 1), "r": round(radius, 1),
                         "count": len(members),
                         "label_x": round(cx + dx * (radius + 16), 1), "label_y": round(cy + dy * (radius + 16) + 4, 1),
                         "anchor": "start" if dx > 0.35 else ("end" if dx < -0.35 else "middle")})
        for i, (oid, name, _kind, mun, _sector, line, muns) in enumerate(members):
            rr = spacing * math.sqrt(i + 0.5)
            theta = i * golden
            nodes.append({
                "id": oid, "name": name, "sector": sector, "line": line if line is not None else 1,
                "municipality": mun, "area": [m for m in (muns or "").split(",") if m] or ([mun] if mun else []),
                "island": oid not in connected, "degree": degree.get(oid, 0),
                "r": round(4 + min(8.0, math.sqrt(degree.get(oid, 0))), 1),
                "x": round(cx + rr * math.cos(theta), 1), "y": round(cy + rr * math.sin(theta), 1),
            })
    return {"size": round(size, 1), "width": round(width, 1), "height": round(height, 1), "font": round(font, 1), "nodes": nodes, "edges": edges, "clusters": clusters,
            "islands": sum(1 for n in nodes if n["island"])}


def search_organisations(query: str, limit: int = 10) -> list[tuple[Organisation, Partner | None]]:
    key = _like(query.lower())
    stmt = (select(Organisation, Partner).outerjoin(Partner, Partner.organisation_id == Organisation.id)
            .where(Organisation.archived.is_(False), func.lower(Organisation.name).like(key))
            .order_by(func.lower(Organisation.name)).limit(limit))
    return list(db.session.execute(stmt).all())


def folded(text: str) -> str:
    return fold(text)


def _page(stmt, page_no: int, page_size: int = PAGE_SIZE, *, scalars: bool = False) -> Page:
    """One page of ``stmt`` through the core's ``paginate``: entities, or rows of several columns."""
    return paginate(stmt, page_no, page_size, rows=not scalars)


# --------------------------------------------------------------------------- staff overviews

def widget_counts(today: date | None = None) -> dict[str, int]:
    """The start-page tile: organisations, of which possibly out of date, referrals waiting, partner edits of
    the last 14 days, relations due for review."""
    today = today or date.today()
    limit = stale_before(today)
    total = db.session.scalar(select(func.count(Organisation.id)).where(Organisation.archived.is_(False))) or 0
    verified = db.session.scalar(
        select(func.count(Partner.id)).join(Organisation, Organisation.id == Partner.organisation_id)
        .where(Organisation.archived.is_(False), Partner.last_verified >= limit)) or 0
    waiting = db.session.scalar(select(func.count(Referral.id)).where(Referral.waiting_status == "waiting")) or 0
    since = utcnow() - timedelta(days=14)
    changes = db.session.scalar(select(func.count(PartnerChange.id)).where(PartnerChange.at >= since)) or 0
    reviews = db.session.scalar(select(func.count(Relation.id)).where(Relation.review_date.is_not(None),
                                                                     Relation.review_date <= today)) or 0
    return {"total": total, "stale": total - verified, "waiting": waiting, "changes": changes, "reviews": reviews}


def partner_changes_page(page_no: int) -> Page:
    """Edits partner users made to their own pages, newest first: (PartnerChange, organisation name, user)."""
    return _page(select(PartnerChange, Organisation.name, User.display_name)
                 .join(Organisation, Organisation.id == PartnerChange.organisation_id)
                 .outerjoin(User, User.id == PartnerChange.user_id)
                 .order_by(PartnerChange.at.desc(), PartnerChange.id.desc()), page_no)


def recent_changes(org_id: int, limit: int = 30) -> list[tuple[PartnerChange, str | None]]:
    """The latest partner edits of one organisation with the name of the user who made them."""
    return list(db.session.execute(
        select(PartnerChange, User.display_name).outerjoin(User, User.id == PartnerChange.user_id)
        .where(PartnerChange.organisation_id == org_id)
        .order_by(PartnerChange.at.desc(), PartnerChange.id.desc()).limit(limit)).all())


def portal_users(org_id: int) -> list[str]:
    """Names of the organisation's active partner users."""
    return list(db.session.scalars(select(User.display_name).where(User.organisation_id == org_id,
                                                                   User.active.is_(True))
                                   .order_by(User.display_name)))


def relations_page(page_no: int, *, kind: str = "", review_due: bool = False) -> Page:
    """Relations of one kind (or all), optionally only those due for review, paginated."""
    stmt = select(Relation).options(selectinload(Relation.source), selectinload(Relation.target))
    if kind:
        stmt = stmt.where(Relation.kind == kind)
    if review_due:
        stmt = stmt.where(Relation.review_date.is_not(None), Relation.review_date <= date.today())
    return _page(stmt.order_by(Relation.kind, Relation.id), page_no, scalars=True)


def agreements_of(org_id: int) -> list[Relation]:
    """The collaboration agreements ``org_id`` is party to, newest first."""
    return list(db.session.scalars(
        select(Relation).options(selectinload(Relation.source), selectinload(Relation.target))
        .where(Relation.kind == "samenwerkingsakkoord", or_(Relation.source_id == org_id, Relation.target_id == org_id))
        .order_by(Relation.start_date.desc().nullslast(), Relation.id)))


def organisation_named(name: str) -> int | None:
    """The first organisation whose name contains ``name`` (shortest name first), for the map's focus."""
    key = "%" + name.lower().replace("%", "").replace("_", "") + "%"
    return db.session.scalar(select(Organisation.id).where(Organisation.archived.is_(False),
                                                           func.lower(Organisation.name).like(key))
                             .order_by(func.length(Organisation.name), Organisation.name).limit(1))


def referral_overview(page_no: int) -> tuple[Page, dict[int, Organisation], dict[int, dict]]:
    """Organisations by number of referrals (most first), a page of them with their figures."""
    page = _page(select(Referral.organisation_id, func.count(Referral.id).label("n"))
                 .group_by(Referral.organisation_id)
                 .order_by(func.count(Referral.id).desc(), Referral.organisation_id), page_no)
    ids = [r[0] for r in page.items]
    if not ids:
        return page, {}, {}
    orgs = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}
    return page, orgs, referral_stats(ids)


def search(query: str) -> tuple[list, list, list]:
    """The global search box: organisations (5), contact persons (3) and offers (3) matching ``query``."""
    key = _like(query.lower())
    orgs = db.session.execute(
        select(Organisation.id, Organisation.name, Organisation.municipality)
        .where(Organisation.archived.is_(False), func.lower(Organisation.name).like(key))
        .order_by(func.lower(Organisation.name)).limit(5)).all()
    contacts = db.session.execute(
        select(Contact.organisation_id, Contact.name, Contact.role, Contact.phone, Organisation.name)
        .join(Organisation, Organisation.id == Contact.organisation_id)
        .where(func.lower(Contact.name).like(key)).order_by(Contact.name).limit(3)).all()
    services = db.session.execute(
        select(Service.organisation_id, Service.name, Organisation.name)
        .join(Organisation, Organisation.id == Service.organisation_id)
        .where(func.lower(Service.name).like(key)).order_by(Service.name).limit(3)).all()
    return orgs, contacts, services


def contact_named(org_id: int, name: str) -> Contact | None:
    return db.session.scalar(select(Contact).where(Contact.organisation_id == org_id,
                                                   func.lower(Contact.name) == name.lower()))


# --------------------------------------------------------------------------- a family's network

def team_for_family(user, family_id: int) -> int | None:
    """The team of ``user`` that owns new network work for this family: involved and with the plugin on,
    else involved, else with the plugin on."""
    from core.access import involved_team_ids
    from core.plugins import team_ids_for

    involved = involved_team_ids(family_id)
    mine = user.team_ids()
    with_plugin = team_ids_for(user)
    for pool in (involved & mine & with_plugin, involved & mine, mine & with_plugin):
        if pool:
            return min(pool)
    return None


def family_children(family_id: int) -> list[Person]:
    return list(db.session.scalars(
        select(Person).join(FamilyMember, FamilyMember.person_id == Person.id)
        .where(FamilyMember.family_id == family_id, FamilyMember.role == "kind").order_by(Person.given_name)))


def family_ties(family_id: int) -> list[EcoTie]:
    return list(db.session.scalars(select(EcoTie).options(selectinload(EcoTie.organisation))
                                   .where(EcoTie.family_id == family_id).order_by(EcoTie.kind, EcoTie.id)))


def family_referrals(family_id: int) -> list[Referral]:
    return list(db.session.scalars(
        select(Referral).options(selectinload(Referral.organisation))
        .where(Referral.family_id == family_id).order_by(Referral.referred_on.desc(), Referral.id.desc())))


def referral_from(source: str, source_ref: str, org_id: int) -> Referral | None:
    """The referral another plugin already reported with this reference, if any."""
    return db.session.scalar(select(Referral).where(Referral.source == source, Referral.source_ref == source_ref,
                                                    Referral.organisation_id == org_id))


# --------------------------------------------------------------------------- the partner portal

def partner_referrals_page(org_id: int, family_ids: set[int], page_no: int) -> Page:
    """Referrals to ``org_id`` of the families in ``family_ids`` (those whose consent covers them)."""
    if not family_ids:
        return Page(items=[], number=page_no, has_next=False)
    return _page(select(Referral).where(Referral.organisation_id == org_id, Referral.family_id.in_(family_ids))
                 .order_by(Referral.referred_on.desc(), Referral.id.desc()), page_no, scalars=True)


def covered_kinds(org_id: int, family_ids: list[int]) -> dict[int, set[str]]:
    """Per family: the info kinds its active consents share with the organisation (to show only those)."""
    result: dict[int, set[str]] = {f: set() for f in family_ids}
    if not family_ids:
        return result
    for c in db.session.scalars(select(Consent).where(Consent.organisation_id == org_id,
                                                      Consent.family_id.in_(family_ids),
                                                      Consent.withdrawn_at.is_(None))):
        if c.is_active_on(date.today()):
            result[c.family_id] |= set(c.kinds)
    return result


def families_by_id(ids: list[int]) -> dict[int, Family]:
    if not ids:
        return {}
    return {f.id: f for f in db.session.scalars(select(Family).where(Family.id.in_(ids)))}


# --------------------------------------------------------------------------- "Mijn werk"

STALE_DUE_LIMIT = 20  # "Mijn werk" lists the longest-unchecked partner pages, not hundreds


def stale_partners(limit: int = STALE_DUE_LIMIT, today: date | None = None) -> list[tuple[Organisation, date | None]]:
    """Organisations (not archived) whose partner page was not checked within ``stale_months`` (or never): the
    longest-unchecked first, with their last check (one query)."""
    cutoff = stale_before(today)
    return [(o, v) for o, v in db.session.execute(
        select(Organisation, Partner.last_verified).outerjoin(Partner, Partner.organisation_id == Organisation.id)
        .where(Organisation.archived.is_(False), or_(Partner.last_verified.is_(None), Partner.last_verified < cutoff))
        .order_by(Partner.last_verified.is_not(None), Partner.last_verified, Organisation.name).limit(limit))]
