"""Small value types that hooks return to the core (menus, tiles, panels, search results, periods,
retention rules)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    order: int = 50


@dataclass(frozen=True)
class Widget:
    title: str
    url: str | None = None  # fragment loaded lazily with htmx
    html: str | None = None  # or ready markup (escape user data!)
    order: int = 50


@dataclass(frozen=True)
class Panel:
    id: str  # unique HTML id, e.g. "petra-trajectories"
    title: str
    url: str
    order: int = 50


@dataclass(frozen=True)
class SearchResult:
    label: str
    url: str
    kind: str  # shown beside the label, e.g. "Traject"
    detail: str = ""


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str = field(default="")

    def contains(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end


@dataclass(frozen=True)
class RetentionRule:
    """A kind of record with a retention term (``hvhk_retention_rules``)."""

    key: str  # stable and unique: "petra_closed_trajectory"; the setting is "retention_<key>_years"
    label: str  # Dutch, shown to admins: "Afgesloten PeTra-trajecten"
    default_years: int
    action: str  # Dutch, what applying does: "vrije tekst, plan en SDQ wissen; cijfers blijven"
    due: Callable[[date], Select]  # cutoff -> Select(id, label, since, family_id) of records past the term
    apply: Callable[[list[int]], int]  # anonymise these ids; return how many; do not commit
    holding: Callable[[], int] | None = None  # how many records of this kind still hold personal data
    holding_label: str | None = None  # Dutch label for that count on the overview (default: ``label``)
