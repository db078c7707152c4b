"""Shared vocabulary in the core (school levels, school years, billable age groups), and the core's demo data
naming no plugin."""

from __future__ import annotations

import ast
import importlib.metadata
import re
from pathlib import Path

from sqlalchemy import func, select

from core.extensions import db
from core.models import Person, Team, TeamPlugin
from core.vocabulary import (
    AGE_GROUP_LABELS,
    SCHOOL_LEVEL_CHOICES,
    SCHOOL_LEVEL_LABELS,
    age_group_of,
    school_year_label,
    usual_school_place,
)

ROOT = Path(__file__).resolve().parent.parent


def test_school_year_labels():
    assert school_year_label("lager", 4) == "4de leerjaar"
    assert school_year_label("lager", 1) == "1ste leerjaar"
    assert school_year_label("kleuter", 2) == "2e kleuterklas"
    assert school_year_label("secundair", 1) == "1ste jaar secundair"
    assert school_year_label("secundair", None) == "secundair"
    assert school_year_label(None, 3) == ""
    assert Person(school_level="lager", school_year=5).school_year_label == "5de leerjaar"


def test_usual_place_and_billable_age_group():
    assert [usual_school_place(a) for a in (2, 4, 9, 12, 17, 18)] == [
        (None, None), ("kleuter", 2), ("lager", 4), ("secundair", 1), ("secundair", 6), (None, None)]
    assert age_group_of("lager") == "lager" and age_group_of("kleuter") is None and age_group_of("ouders") is None
    assert set(AGE_GROUP_LABELS) <= set(SCHOOL_LEVEL_LABELS)


def test_every_form_offers_the_same_school_levels(app):
    from core.family_forms import PersonForm
    from plugins.petra.forms import ReferralEditForm, ReferralForm

    for form_class in (PersonForm, ReferralForm, ReferralEditForm):
        assert form_class.school_level.kwargs["choices"] is SCHOOL_LEVEL_CHOICES


def _python_sources():
    return [p for p in [*ROOT.glob("core/**/*.py"), *ROOT.glob("plugins/**/*.py")] if "migrations" not in p.parts]


def test_school_levels_and_years_are_defined_once():
    """Defect: the school-level list and the 1-7 school-year range were written in core, PeTra and groups."""
    level_list = re.compile(r"\(\s*[\"']kleuter[\"']\s*,\s*[\"']Kleuteronderwijs[\"']")
    year_range = re.compile(r"NumberRange\(\s*1\s*,\s*7\b")
    offenders = [str(p.relative_to(ROOT)) for p in _python_sources()
                 if p.name != "vocabulary.py" and (level_list.search(p.read_text()) or year_range.search(p.read_text()))]
    assert offenders == []


def test_core_demo_data_names_no_plugin():
    """No plugin's name (its entry-point id) in the core's demo data; team names like "PeTra" are the house's."""
    plugins = {ep.name for ep in importlib.metadata.entry_points(group="hvhk.plugins")}
    assert {"petra", "groups", "network", "costing"} <= plugins
    tree = ast.parse((ROOT / "core" / "demo_data.py").read_text())
    named = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
             and node.value in plugins}
    assert named == set()


def test_core_demo_switches_on_no_plugin_and_each_plugin_switches_itself_on(app):
    from core.demo_data import load_core_demo
    from plugins.costing.demo import seed
    from plugins.network.demo import load_demo as network_demo

    load_core_demo(db.session, 1)
    db.session.commit()
    assert db.session.scalar(select(func.count(TeamPlugin.id))) == 0
    network_demo(db.session, 1)
    seed(db.session, 1)
    db.session.commit()
    on = {(t, p) for t, p in db.session.execute(
        select(Team.name, TeamPlugin.plugin).join(TeamPlugin, TeamPlugin.team_id == Team.id)
        .where(TeamPlugin.enabled.is_(True)))}
    assert on == {("PeTra", "network"), ("Opvoedingswinkel", "network"), ("Onthaal", "network"),
                  ("PeTra", "costing"), ("Financiële dienst", "costing")}


def test_stored_statuses_are_english_codes_with_dutch_labels():
    from plugins.groups.models import ENROLMENT_STATUSES
    from plugins.network.models import OUTCOMES, WAITING_STATUSES
    from plugins.petra.models import STATUSES

    codes = {c for vocab in (STATUSES, WAITING_STATUSES, OUTCOMES, ENROLMENT_STATUSES) for c, _ in vocab}
    dutch = {"wachtlijst", "vraagverheldering", "lopend", "afgesloten", "doorverwezen", "niet_gestart", "aangemeld",
             "gestart", "afgerond", "niet_opgenomen", "geweigerd"}
    assert codes & dutch == set()
    assert dict(STATUSES)["waiting"] == "Op de wachtlijst" and dict(OUTCOMES)["ongoing"] == "Loopt"
