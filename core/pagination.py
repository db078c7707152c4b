"""Paging in SQL for every list (core and plugins): ``paginate(stmt)`` fetches one row more than a page to
know whether a next page exists, so no COUNT(*) runs over a large table."""

from __future__ import annotations

from dataclasses import dataclass

from .extensions import db
from .params import arg_int

PAGE_SIZE = 25
MAX_PAGE = 1_000_000


@dataclass
class Page:
    items: list
    number: int
    has_next: bool
    # a capped count, for lists that say how much they found without counting every row: ``total`` rows
    # when ``total_more`` is false, more than ``total`` when it is true; None when the list does not count
    total: int | None = None
    total_more: bool = False

    @property
    def has_prev(self) -> bool:
        return self.number > 1


def page_number(arg: str = "pagina") -> int:
    """The page asked for in the query string (``?pagina=3``); absent means 1, a bad value answers 400."""
    return arg_int(arg, 1, min=1, max=MAX_PAGE)


def paginate(stmt, page: int | None = None, page_size: int = PAGE_SIZE, *, rows: bool = False) -> Page:
    """Run ``stmt`` (an ORDER BY select) for one page: its entities, or with ``rows=True`` its result rows
    (a select of several columns or entities)."""
    number = page if page is not None else page_number()
    stmt = stmt.offset((number - 1) * page_size).limit(page_size + 1)
    if rows:
        rows = list(db.session.execute(stmt).all())
    else:  # unique(): a joinedload of a collection repeats the parent row; each entity counts once
        rows = list(db.session.scalars(stmt).unique())
    return Page(items=rows[:page_size], number=number, has_next=len(rows) > page_size)
