"""Small value types that hooks return to the core (menus, tiles, panels, search results, periods)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


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
