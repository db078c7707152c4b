"""Queries shared by the staff pages, the partner portal and the hooks: the directory, the map data,
staleness and referral statistics. Each function costs a fixed number of SQL statements."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import and_, case, func, or_, select

from core.extensions import db
from core.models import Organisation, fold
from core.pagination import Page
from core.settings import PluginSettings

from .forms import SettingsForm
from .models import (
    SECTOR_FOR_KIND,
    SECTORS,
    Contact,
    Partner,
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


def partner_for(org: Organisation, create: bool = True) -> Partner | None:
    """The network profile of ``org``; created with defaults from the core kind when missing (not flushed)."""
    p = db.session.scalar(select(Partner).where(Partner.organisation_id == org.id))
    if p is None and create:
        p = Partner(organisation_id=org.id, sector=SECTOR_FOR_KIND.get(org.kind, "welzijn"),
                    line=1, municipalities=f",{org.municipality}," if org.municipality else "", province="Limburg")
        p.organisation = org
        db.session.add(p)
    return p


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
    stmt = stmt.order_by(func.lower(Organisation.name), Organisation.id)
    stmt = stmt.offset((page - 1) * page_size).limit(page_size + 1)
    rows = list(db.session.execute(stmt).all())
    return Page(items=rows[:page_size], number=page, has_next=len(rows) > page_size)


def contacts_by_org(org_ids: list[int], shareable_only: bool = False) -> dict[int, list[Contact]]:
    result: dict[int, list[Contact]] = {i: [] for i in org_ids}
    if not org_ids:
        return result
    stmt = select(Contact).where(Contact.organisation_id.in_(org_ids))
    if shareable_only:
        stmt = stmt.where(Contact.shareable.is_(True))
    for c in db.session.scalars(stmt.order_by(Contact.is_primary.desc(), Contact.name, Contact.id)):
        result[c.organisation_id].append(c)
    return result


def services_by_org(org_ids: list[int], shareable_only: bool = False) -> dict[int, list[Service]]:
    result: dict[int, list[Service]] = {i: [] for i in org_ids}
    if not org_ids:
        return result
    stmt = select(Service).where(Service.organisation_id.in_(org_ids))
    if shareable_only:
        stmt = stmt.where(Service.shareable.is_(True))
    for s in db.session.scalars(stmt.order_by(Service.name, Service.id)):
        result[s.organisation_id].append(s)
    return result


def organisation_choices(exclude_archived: bool = True) -> list[tuple[int, str]]:
    stmt = select(Organisation.id, Organisation.name, Organisation.municipality)
    if exclude_archived:
        stmt = stmt.where(Organisation.archived.is_(False))
    return [(i, f"{n} ({m})" if m else n) for i, n, m in db.session.execute(stmt.order_by(func.lower(Organisation.name)))]


def relations_of(org_id: int) -> list[Relation]:
    from sqlalchemy.orm import selectinload

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


def map_data(f: MapFilters) -> dict:
    """Nodes (with positions) and edges for the network map: two SQL statements, O(n) layout.

    Organisations are grouped by sector; each sector forms a sunflower-shaped cluster, the clusters sit on
    a ring. An "island" is an organisation without any relation (of any kind).
    """
    stmt = (select(Organisation.id, Organisation.name, Organisation.kind, Organisation.municipality,
                   Partner.sector, Partner.line, Partner.municipalities)
            .outerjoin(Partner, Partner.organisation_id == Organisation.id)
            .where(Organisation.archived.is_(False)))
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
