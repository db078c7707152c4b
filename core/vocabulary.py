"""Words the core and every plugin share: school levels, school years and the age groups of billable work.

Stored values are short codes (``lager``); what a person reads comes from the labels here. A plugin that needs
a school level or a school year takes it from this module, never from another plugin or a copy of its own.
"""

from __future__ import annotations

from wtforms.validators import NumberRange, Optional

# Flemish education: kleuteronderwijs (3 years), lager onderwijs (6 leerjaren), secundair onderwijs (6, a 7th in
# some courses). A child's place is (level, year), e.g. ("lager", 4) is the 4de leerjaar.
SCHOOL_LEVELS = [("kleuter", "Kleuteronderwijs"), ("lager", "Lager onderwijs"), ("secundair", "Secundair onderwijs")]
SCHOOL_LEVEL_LABELS = dict(SCHOOL_LEVELS)
SCHOOL_LEVEL_CHOICES = [("", "—"), *SCHOOL_LEVELS]  # a SelectField that may stay empty
FIRST_SCHOOL_YEAR, LAST_SCHOOL_YEAR = 1, 7

# The age groups of billable work (``age_group`` of ``hvhk_billable_units``): costing's method 2 prices a trajectory of a child in
# lager onderwijs (younger than 12) and one in secundair onderwijs (12 or older) differently.
AGE_GROUPS = [("lager", "Lager (jonger dan 12)"), ("secundair", "Secundair (12 of ouder)")]
AGE_GROUP_LABELS = dict(AGE_GROUPS)


def school_year_validators(message: str = "Kies een jaar van 1 tot 7.") -> list:
    """Validators of a school-year field (empty allowed): ``IntegerField("Leerjaar", validators=...)``."""
    return [Optional(), NumberRange(FIRST_SCHOOL_YEAR, LAST_SCHOOL_YEAR, message)]


def _ordinal(year: int) -> str:
    return f"{year}{'ste' if year in (1, 8) else 'de'}"


def school_year_label(level: str | None, year: int | None) -> str:
    """'4de leerjaar', '2e kleuterklas', '1ste jaar secundair'; the level alone without a year; '' without a level."""
    if not level:
        return ""
    if level == "kleuter":
        return f"{year or ''}e kleuterklas".strip()
    if level == "lager":
        return f"{_ordinal(year)} leerjaar" if year else "lager"
    if level == "secundair":
        return f"{_ordinal(year)} jaar secundair" if year else "secundair"
    return SCHOOL_LEVEL_LABELS.get(level, level)


def age_group_of(level: str | None) -> str | None:
    """The billable age group of a school level (or of a group programme's age band): lager, secundair or None."""
    return level if level in AGE_GROUP_LABELS else None


def usual_school_place(age: int) -> tuple[str | None, int | None]:
    """Where a child of ``age`` usually is: (level, year), or (None, None) below 3 and from 18."""
    if age < 3 or age >= 18:
        return None, None
    if age < 6:
        return "kleuter", age - 2
    if age < 12:
        return "lager", age - 5
    return "secundair", age - 11


# PeTra's team meeting (000:952-955): what the team decides about a trajectory ("keuzevragen").
TEAM_DECISIONS = [("start", "Starten"), ("continue", "Verder zetten"), ("change", "Bijsturen (wending)"),
                  ("stop", "Stoppen"), ("refer", "Doorverwijzen")]
TEAM_DECISION_LABELS = dict(TEAM_DECISIONS)

# A concern about a child's safety, step by step (Kindreflex, 004:4557): observe, consult, talk, decide.
CONCERN_STEPS = [("observe", "Signalen in kaart brengen (observeren)"),
                 ("consult", "Overleg met een collega of de verantwoordelijke"),
                 ("parents", "Gesprek met de ouders"), ("decide", "Beslissen")]
CONCERN_STEP_LABELS = dict(CONCERN_STEPS)
CONCERN_OUTCOMES = [("continue", "Verder begeleiden binnen het traject"),
                    ("specialised", "Gespecialiseerde hulp inschakelen"), ("report", "Melden")]
CONCERN_OUTCOME_LABELS = dict(CONCERN_OUTCOMES)
