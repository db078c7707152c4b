"""The house's report for funders: whom it reached, where and how, in a period (``/rapport``).

The core counts families, children and parents reached (each person once per period, whatever the number of
plugins that served them), new and continuing, per municipality and per team; every plugin adds its own
section through ``hvhk_report_figures(period, team_ids)`` (a ``Section``). Counts only, SQL aggregates, a
constant number of queries per section; no names anywhere. Numbers under ``SMALL`` are shown as "< 5" in
anything that leaves the intranet (the xlsx workbook and the printable page).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, and_, case, func, literal, select, union_all

from .extensions import db
from .models import Family, FamilyMember, Team
from .ui import Period

log = logging.getLogger("hvhk.reports")
SMALL = 5
PEOPLE_COLUMNS = ("person_id", "family_id", "role", "team_id", "since")


@dataclass
class Table:
    """One table of a section: rows of (label, number); ``chart`` draws it as bars on screen."""

    title: str
    rows: list[tuple[str, int]]
    chart: bool = False


@dataclass
class Section:
    """A plugin's part of the report (``hvhk_report_figures``).

    ``people``: a ``Select`` of ``PEOPLE_COLUMNS`` (``person_id``, ``family_id``, ``role`` "kind"/"ouder",
    ``team_id``, ``since``: the date the plugin first served that person in this record, e.g. the referral)
    for everyone the plugin served in the period; the core counts reach from it."""

    key: str
    title: str
    tables: list[Table] = field(default_factory=list)
    people: Select | None = None
    order: int = 50


def masked(n: int | None) -> str | int:
    """A count as it may leave the intranet: under 5 (but not 0) becomes "< 5"."""
    if n is None:
        return ""
    return f"< {SMALL}" if 0 < n < SMALL else n


def school_year(year: int) -> Period:
    """School year ``year``-``year+1`` (1 September to 31 August)."""
    return Period(date(year, 9, 1), date(year + 1, 8, 31), f"schooljaar {year}-{year + 1}")


def calendar_year(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31), f"kalenderjaar {year}")


def _sections(period: Period, team_ids: set[int] | None) -> tuple[list[Section], list[str]]:
    from .plugins import current_plugins

    host = current_plugins()
    out: list[Section] = []
    failed: list[str] = []
    for impl in host.hook_available("hvhk_report_figures").get_hookimpls():
        try:
            result = impl.function(period=period, team_ids=team_ids)
        except Exception:  # one broken plugin must not hide the others' figures, nor pass unnoticed
            log.exception("hvhk_report_figures of %s failed", impl.plugin_name)
            db.session.rollback()
            failed.append(host.info(impl.plugin_name).label)
            continue
        if result is not None:
            out.append(result)
    out.sort(key=lambda s: (s.order, s.title))
    return out, failed


def _reach(people: list[Select], period: Period) -> list[Section]:
    """The core's sections: reached, new and continuing, per municipality, per team (five queries)."""
    if not people:
        return [Section("bereik", "Bereik", [Table("Bereikt", [("Gezinnen", 0), ("Kinderen", 0), ("Ouders", 0)])],
                        order=0)]
    subs = [p.subquery() for p in people]
    u = union_all(*[select(*[sub.c[n].label(n) for n in PEOPLE_COLUMNS]) for sub in subs]).subquery("u")
    # a family is new when no plugin served it before the period
    fam = select(u.c.family_id, func.min(u.c.since).label("since")).group_by(u.c.family_id).subquery("fam")
    kids = (select(u.c.person_id, func.min(u.c.since).label("since")).where(u.c.role == "kind")
            .group_by(u.c.person_id).subquery("kids"))
    n_fam, new_fam = db.session.execute(select(func.count(), func.coalesce(func.sum(
        case((fam.c.since >= period.start, 1), else_=0)), 0))).one()
    n_kids, new_kids = db.session.execute(select(func.count(), func.coalesce(func.sum(
        case((kids.c.since >= period.start, 1), else_=0)), 0))).one()
    # parents: the parents of the families reached, and every parent a plugin served itself
    parents = union_all(
        select(FamilyMember.person_id.label("person_id")).join(fam, fam.c.family_id == FamilyMember.family_id)
        .where(FamilyMember.role == "ouder"),
        select(u.c.person_id).where(u.c.role == "ouder")).subquery("parents")
    n_parents = db.session.scalar(select(func.count(func.distinct(parents.c.person_id))))
    by_municipality = db.session.execute(
        select(func.coalesce(Family.municipality, literal("(onbekend)")), func.count())
        .join(fam, fam.c.family_id == Family.id).group_by(Family.municipality)
        .order_by(func.count().desc(), Family.municipality)).all()
    by_team = db.session.execute(
        select(Team.name, func.count(func.distinct(u.c.family_id))).join(Team, Team.id == u.c.team_id)
        .group_by(Team.name).order_by(Team.name)).all()
    n_fam, new_fam, n_kids, new_kids = int(n_fam), int(new_fam), int(n_kids), int(new_kids)
    return [
        Section("bereik", "Bereik", [
            Table("Bereikt in de periode", [("Gezinnen", n_fam), ("Kinderen", n_kids), ("Ouders", int(n_parents))],
                  chart=True),
            Table("Nieuw en lopend", [("Nieuwe gezinnen", new_fam), ("Gezinnen al eerder bereikt", n_fam - new_fam),
                                      ("Nieuwe kinderen", new_kids), ("Kinderen al eerder bereikt", n_kids - new_kids)]),
        ], order=0),
        Section("gemeenten", "Gezinnen per gemeente", [Table("Gezinnen", [(m, int(n)) for m, n in by_municipality],
                                                             chart=True)], order=1),
        Section("teams", "Gezinnen per team", [Table("Gezinnen", [(t, int(n)) for t, n in by_team], chart=True)],
                order=2),
    ]


def report(period: Period, team_ids: set[int] | None) -> tuple[list[Section], list[str]]:
    """Every section of the report for ``period`` (``team_ids``: the teams in scope; None: the house) and the
    labels of the plugins that failed to deliver theirs."""
    plugin_sections, failed = _sections(period, team_ids)
    people = [s.people for s in plugin_sections if s.people is not None]
    per_plugin = []
    for s in plugin_sections:
        if s.people is not None:
            sub = s.people.subquery()
            per_plugin.append((s.title, int(db.session.scalar(select(func.count(func.distinct(sub.c.family_id)))))))
    core = _reach(people, period)
    core.append(Section("modules", "Gezinnen per module", [Table("Gezinnen", per_plugin, chart=True)], order=3))
    return core + plugin_sections, failed


def in_period(column, period: Period):
    """``column`` (a date) within ``period``: for the plugins' report queries."""
    return and_(column >= period.start, column <= period.end)
