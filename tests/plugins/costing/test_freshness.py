"""The actual figures are cached per process and computed again the moment the billable work changes
(``plugins/costing/freshness.py``); the page of units reads only the teams and rows it shows."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, insert, select, update

from core.extensions import db
from core.ui import Period
from plugins.costing import freshness, queries
from plugins.costing.calculation import PRESET_INPUTS
from plugins.costing.models import BillableChange

from .conftest import fakework, work_rows

YEAR = Period(date(2025, 1, 1), date(2025, 12, 31), "2025")


def _figures():
    result, work = queries.actual_costs(YEAR, PRESET_INPUTS)
    return result.total, work


def test_a_new_update_or_deleted_row_shows_at_once(work_app, world):
    with work_app.app_context():
        freshness.clear()
        total, _ = _figures()
        hours, units = total.hours_total, total.units
        n = len(fakework.CALLS)
        again, _ = _figures()
        assert again.hours_total == hours and len(fakework.CALLS) == n + 1  # the selects, not their figures
        assert len(freshness._cache) == 1

        db.session.execute(insert(fakework.hours), [dict(kind="trajectory", unit_id=1, activity="rondetafel",
                                                         hours=Decimal("2.5"))])
        db.session.commit()
        assert _figures()[0].hours_total == hours + Decimal("2.5")

        db.session.execute(update(fakework.hours).where(fakework.hours.c.unit_id == 1,
                                                        fakework.hours.c.hours == Decimal("2.5")).values(hours=4))
        db.session.commit()
        assert _figures()[0].hours_total == hours + 4

        db.session.execute(delete(fakework.units).where(fakework.units.c.ref == "OW-2025-0009"))
        db.session.commit()
        assert _figures()[0].units == units - 1


def test_a_rolled_back_write_leaves_no_change_and_a_later_write_still_counts(work_app, world):
    with work_app.app_context():
        freshness.clear()
        hours = _figures()[0].hours_total
        before = freshness.state()
        db.session.execute(insert(fakework.hours), [dict(kind="trajectory", unit_id=1, activity="x", hours=1)])
        db.session.rollback()
        assert freshness.state() == before and _figures()[0].hours_total == hours
        with db.session.begin_nested():
            db.session.execute(insert(fakework.hours), [dict(kind="trajectory", unit_id=1, activity="x", hours=1)])
        db.session.commit()
        assert _figures()[0].hours_total == hours + 1


def test_writes_elsewhere_keep_the_figures_and_the_log_is_pruned(work_app, world, monkeypatch, make_model):
    with work_app.app_context():
        freshness.clear()
        _figures()
        before = freshness.state()
        make_model(world["petra"], name="Nog een model")  # costing's own table: not billable work
        assert freshness.state() == before
        monkeypatch.setattr(freshness, "PRUNE_EVERY", 3)
        for n in range(7):
            db.session.execute(insert(fakework.hours), [dict(kind="trajectory", unit_id=2, activity="x", hours=n)])
            db.session.commit()
        ids = db.session.scalars(select(BillableChange.id).order_by(BillableChange.id)).all()
        assert ids[0] > 1 and len(ids) < 2 * 3  # every third row removes the rows three and more before it


def test_unit_pages_follow_team_name_kind_and_reference(work_app, login, world, make_model):
    make_model(world["petra"])
    base = work_rows(world["petra"].id, world["ovw"].id)
    rows = [dict(base[n % len(base)], ref=f"{base[n % len(base)]['ref'][:2]}-2025-{n:04d}") for n in range(120)]
    fakework.load(rows)
    client = work_app.test_client()
    login(client, "finance")
    seen = []
    for number in (1, 2, 3):
        page = client.get(f"/kostprijs/werkelijk?jaar=2025&pagina={number}").get_data(as_text=True)
        seen += re.findall(r"<tr><td>((?:PT|GP|OW)-2025-\d{4})</td>", page)
        assert ("Volgende" in page) == (number < 3)
    names = {world["petra"].id: "PeTra", world["ovw"].id: "Opvoedingswinkel"}
    kinds = {"trajectory": 1, "group_programme": 0}  # "group_programme" < "trajectory"
    expected = [r["ref"] for r in sorted(rows, key=lambda r: (names[r["team_id"]], kinds[r["kind"]], r["ref"]))]
    assert seen == expected


def test_a_contact_saved_in_petra_shows_at_once(app):
    """With the real plugins: a contact added (ORM) or changed counts in the very next figures."""
    from core.demo import load_demo
    from plugins.petra.models import Contact, Trajectory

    load_demo(scale=1)
    freshness.clear()
    year = date.today().year
    period = Period(date(year, 1, 1), date(year, 12, 31), str(year))
    before = queries.actual_costs(period, PRESET_INPUTS)[0].total
    assert queries.actual_costs(period, PRESET_INPUTS)[0].total.hours_total == before.hours_total
    t = db.session.scalars(select(Trajectory).where(Trajectory.start_on.is_not(None)).order_by(Trajectory.id)).first()
    contact = Contact(trajectory_id=t.id, on_date=date(year, 1, 15), minutes=90, kind="gesprek_ouders",
                      place="huis", parties="ouders")
    db.session.add(contact)
    db.session.commit()
    after = queries.actual_costs(period, PRESET_INPUTS)[0].total
    assert after.hours_total == before.hours_total + Decimal("1.5")
    contact.minutes = 30
    db.session.commit()
    assert queries.actual_costs(period, PRESET_INPUTS)[0].total.hours_total == before.hours_total + Decimal("0.5")


def test_costing_0003_matches_the_model_and_goes_down_and_up(app, migration_app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert [d for d in diff if "costing_billable_change" in repr(d)] == []

    with migration_app.app_context():
        upgrade(revision="heads")
        assert "costing_billable_change" in inspect(db.engine).get_table_names()
        db.session.remove()
        downgrade(revision="costing@costing_0002")
        assert "costing_billable_change" not in inspect(db.engine).get_table_names()
        upgrade(revision="heads")
        assert "costing_billable_change" in inspect(db.engine).get_table_names()
        db.session.remove()
