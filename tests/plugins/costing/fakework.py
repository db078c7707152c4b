"""A stand-in plugin answering ``hvhk_billable_work`` with rows set by the test (no names, as the contract says)."""

from __future__ import annotations

from core.hookspecs import hookimpl

WORK: list[dict] = []
CALLS: list = []


@hookimpl
def hvhk_billable_work(period):
    CALLS.append(period)
    return [dict(r) for r in WORK]


class Broken:
    """A plugin whose billable work fails (a missing table, a bug): costing must say its figures are incomplete."""

    @hookimpl
    def hvhk_billable_work(self, period):
        raise RuntimeError("kapot")
