"""A stand-in plugin answering ``hvhk_billable_units`` / ``hvhk_billable_hours`` with rows set by the test (no
names, as the contract says), kept in two real tables so the costing SQL runs against the real database."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    delete,
    insert,
    select,
)

from core.extensions import db
from core.hookspecs import hookimpl

WORK: list[dict] = []
CALLS: list = []

meta = MetaData()
units = Table("fakework_unit", meta, Column("kind", String(200)), Column("unit_id", Integer), Column("ref", String(200)),
              Column("team_id", Integer), Column("start", Date), Column("end", Date), Column("status", String(200)),
              Column("status_label", String(200)), Column("age_group", String(200)), Column("fee_due", Numeric(8, 2)),
              Column("fee_due_on", Date), Column("fee_paid", Numeric(8, 2)), Column("fee_paid_on", Date),
              Column("fee_waived", Boolean))
hours = Table("fakework_hours", meta, Column("kind", String(200)), Column("unit_id", Integer),
              Column("activity", String(200)), Column("hours", Numeric(10, 2)))


def load(rows: list[dict]) -> None:
    """Put ``rows`` (dicts: kind, ref, team_id, dates, status, age_group, ``hours`` per
    activity and the fee fields) into the tables behind the stand-in's units and hours selects, committed."""
    meta.create_all(db.engine)
    db.session.execute(delete(hours))
    db.session.execute(delete(units))
    unit_rows, hour_rows = [], []
    for n, r in enumerate(rows, start=1):
        kind = r.get("kind") or "trajectory"
        unit_rows.append(dict(kind=kind, unit_id=n, ref=r["ref"], team_id=r.get("team_id"), start=r.get("start"),
                              end=r.get("end"), status=r.get("status"), status_label=r.get("status_label"),
                              age_group=r.get("age_group"), fee_due=r.get("fee_due"),
                              fee_due_on=r.get("fee_due_on", r.get("start") if r.get("fee_due") is not None else None),
                              fee_paid=r.get("fee_paid"), fee_paid_on=r.get("fee_paid_on"),
                              fee_waived=bool(r.get("fee_waived"))))
        hour_rows += [dict(kind=kind, unit_id=n, activity=k, hours=v) for k, v in (r.get("hours") or {}).items()]
    if unit_rows:
        db.session.execute(insert(units), unit_rows)
    if hour_rows:
        db.session.execute(insert(hours), hour_rows)
    db.session.commit()


def drop() -> None:
    db.session.rollback()
    meta.drop_all(db.engine)


@hookimpl
def hvhk_billable_units(period):
    CALLS.append(period)
    return select(*units.c)


@hookimpl
def hvhk_billable_hours(period):
    return select(*hours.c)


class Broken:
    """A plugin whose billable work fails (a missing table, a bug): costing must say its figures are incomplete."""

    @hookimpl
    def hvhk_billable_units(self, period):
        raise RuntimeError("kapot")
