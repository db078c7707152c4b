"""Fixtures for the costing plugin: finance and PeTra teams, users of every kind, models, fake billable work."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from core.extensions import db
from core.testing import saved
from plugins.costing.calculation import PRESET_INPUTS, PRESET_KEY, PRESET_SOURCES
from plugins.costing.models import CostingTeamRole, CostModel


def _load_fakework():
    name = "costing_fakework"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("fakework.py"))
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


fakework = _load_fakework()


@pytest.fixture
def world(app, make_team, make_user, make_org):
    finance = make_team("Financiële dienst", plugins=("costing",))
    petra = make_team("PeTra", plugins=("costing",))
    ovw = make_team("Opvoedingswinkel", plugins=("costing",))
    onthaal = make_team("Onthaal", plugins=())
    db.session.add_all([CostingTeamRole(team_id=finance.id, role="finance"),
                        CostingTeamRole(team_id=petra.id, role="team")])
    db.session.commit()
    school = make_org("Basisschool De Linde")
    users = {
        "finance": make_user("finance", {finance: "member"}),
        "manager": make_user("manager", {petra: "manager"}),
        "worker": make_user("worker", {petra: "member"}),
        "ovwmanager": make_user("ovwmanager", {ovw: "manager"}),
        "onthaal": make_user("onthaal", {onthaal: "member"}),
        "partner": make_user("partner", organisation=school),
        "admin": make_user("admin", admin=True),
    }
    return dict(finance=finance, petra=petra, ovw=ovw, onthaal=onthaal, users=users)


@pytest.fixture
def make_model(app):
    def factory(team, year=2025, name="PeTra 2025 (bron)", preset=PRESET_KEY, **changes) -> CostModel:
        values = PRESET_INPUTS.with_(**changes).as_dict()
        return saved(CostModel(team_id=team.id, year=year, name=name, preset=preset,
                               sources=dict(PRESET_SOURCES), **values))

    return factory


def work_rows(petra_id: int, ovw_id: int) -> list[dict]:
    return [
        {"kind": "trajectory", "ref": "PT-2025-0001", "team_id": petra_id, "team": "PeTra",
         "start": date(2025, 2, 3), "end": None, "status": "ongoing", "status_label": "Lopend", "age_group": "lager",
         "hours": {"rondetafel": 4.0, "sessie_kind": 12.5, "gesprek_ouders": 9},
         "fee_due": Decimal("50"), "fee_paid": Decimal("50"), "fee_waived": False, "fee_paid_on": date(2025, 2, 10),
         "child_name": "Lotte Peeters"},  # a key outside the contract: costing must never show it
        {"kind": "trajectory", "ref": "PT-2025-0002", "team_id": petra_id, "team": "PeTra",
         "start": date(2025, 3, 1), "end": date(2025, 8, 30), "status": "closed", "status_label": "Afgesloten", "age_group": "secundair",
         "hours": {"rondetafel": 6, "sessie_kind": 15, "groepsweekend": 40},
         "fee_due": Decimal("25"), "fee_paid": Decimal("25"), "fee_waived": False, "fee_paid_on": date(2025, 3, 20)},
        {"kind": "trajectory", "ref": "PT-2024-0042", "team_id": petra_id, "team": "PeTra",
         "start": date(2024, 11, 5), "end": None, "status": "ongoing", "status_label": "Lopend", "age_group": "lager",
         "hours": {"sessie_kind": 3}, "fee_due": Decimal("0"), "fee_paid": None, "fee_waived": True,
         "fee_paid_on": None},
        {"kind": "group_programme", "ref": "GP-2025-01", "team_id": petra_id, "team": "PeTra",
         "start": date(2025, 3, 5), "end": date(2025, 4, 16), "status": "closed", "status_label": "Afgesloten", "age_group": "lager",
         "hours": {"groepsbijeenkomst": 18, "groepsdag": 11}, "fee_due": None, "fee_paid": None,
         "fee_waived": False, "fee_paid_on": None},
        {"kind": "trajectory", "ref": "OW-2025-0009", "team_id": ovw_id, "team": "Opvoedingswinkel",
         "start": date(2025, 5, 2), "end": None, "status": "ongoing", "status_label": "Lopend", "age_group": "secundair",
         "hours": {"gesprek_ouders": 6}, "fee_due": Decimal("50"), "fee_paid": Decimal("50"), "fee_waived": False,
         "fee_paid_on": date(2025, 5, 2)},
    ]


@pytest.fixture
def work_app(app_factory, app, world):
    """An app with a stand-in plugin that reports billable work for PeTra and the Opvoedingswinkel."""
    fakework.load(work_rows(world["petra"].id, world["ovw"].id))
    fakework.CALLS.clear()
    # Only costing and the stand-in: the figures asserted are exactly the stand-in's rows.
    yield app_factory(HVHK_PLUGINS="costing", HVHK_EXTRA_PLUGINS=[("costing_fakework", fakework)])
    fakework.drop()


@pytest.fixture
def broken_app(app_factory, app, world):
    fakework.load(work_rows(world["petra"].id, world["ovw"].id))
    yield app_factory(HVHK_PLUGINS="costing", HVHK_EXTRA_PLUGINS=[("costing_fakework", fakework),
                                                                  ("costing_broken", fakework.Broken())])
    fakework.drop()


@pytest.fixture
def fake_work(app, world):
    """The stand-in's rows in the database of the plain ``app`` (no plugin hooks): for ``export_to``."""
    fakework.load(work_rows(world["petra"].id, world["ovw"].id))
    yield fakework
    fakework.drop()
