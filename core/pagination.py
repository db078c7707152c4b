"""Paging in SQL for every list (core and plugins): ``paginate(stmt)`` fetches one row more than a page to
know whether a next page exists, so no COUNT(*) runs over a large table."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import func, select, union_all

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


def paginate_union(stmts: Iterable, order: Callable, page: int | None = None, page_size: int = PAGE_SIZE) -> Page:
    """One page of rows from several selects of the same columns (say one per team and status), merged in
    ``order``: a function from a select's columns (``stmt.selected_columns`` or a subquery's ``c``) to the
    ORDER BY terms. Each select is ordered and cut at the end of the page on its own, so that with an index on
    its filter and order each is an index range scan with LIMIT whatever the table's size (an ``IN`` list of
    teams would read and sort every matching row first). Rows, not entities."""
    number = page if page is not None else page_number()
    stmts = list(stmts)
    if not stmts:
        return Page(items=[], number=number, has_next=False)
    if len(stmts) == 1:
        return paginate(stmts[0].order_by(*order(stmts[0].selected_columns)), number, page_size, rows=True)
    cut = number * page_size + 1
    branches = [select(*s.order_by(*order(s.selected_columns)).limit(cut).subquery().c) for s in stmts]
    merged = union_all(*branches).subquery()
    return paginate(select(*merged.c).order_by(*order(merged.c)), number, page_size, rows=True)


def count_upto(stmt, cap: int) -> int:
    """How many rows ``stmt`` returns, counting no further than ``cap + 1``: a figure for a page header that
    stops early on a large table (show a result above ``cap`` as "meer dan {cap}")."""
    return db.session.scalar(select(func.count()).select_from(stmt.limit(cap + 1).subquery()))
