"""A stand-in plugin answering ``hvhk_billable_work`` with rows set by the test (no names, as the contract says)."""

from __future__ import annotations

from core.hookspecs import hookimpl

WORK: list[dict] = []
CALLS: list = []


@hookimpl
def hvhk_billable_work(period):
    CALLS.append(period)
    return [dict(r) for r in WORK]
