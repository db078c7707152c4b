"""Pure rules of the groups plugin (no database, no HTTP): series generation, skipped dates, the wording of a
planning conflict, who can be enrolled and the fit warning, the waiting-list order, attendance figures, the
calendar's days. The reads that feed them are in ``queries.py``, the writes in ``operations.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.formatting import format_datetime, format_time
from core.models import Person
from core.vocabulary import SCHOOL_LEVEL_LABELS

from .models import Enrolment, GroupSession, Programme

TZ = ZoneInfo("Europe/Brussels")
WEEKDAYS = [(0, "maandag"), (1, "dinsdag"), (2, "woensdag"), (3, "donderdag"), (4, "vrijdag"), (5, "zaterdag"),
            (6, "zondag")]
WEEKDAY_LABELS = dict(WEEKDAYS)


def now_local() -> datetime:
    """The current wall-clock time in Brussels, naive (like the stored session times)."""
    return datetime.now(TZ).replace(tzinfo=None)


# --------------------------------------------------------------------------- skipped dates

_DATE = r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})|(\d{4})-(\d{2})-(\d{2})"


def _parse_one(text: str) -> date:
    m = re.fullmatch(_DATE, text.strip())
    if not m:
        raise ValueError(text)
    if m.group(1):
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    return date(int(m.group(4)), int(m.group(5)), int(m.group(6)))


def parse_skip_dates(text: str | None) -> set[date]:
    """Dates and ranges the user lists, one per line or separated by commas or semicolons.

    ``24/02/2025`` or ``2025-02-24``; a range ``24/02/2025 - 02/03/2025`` (a school holiday) or
    ``24/02/2025 tot 02/03/2025``. Raises ValueError with a Dutch message on the first bad item.
    """
    days: set[date] = set()
    for raw in re.split(r"[\n,;]+", text or ""):
        item = raw.strip()
        if not item:
            continue
        parts = re.split(r"\s+(?:-|tot|t/m)\s+|\s*–\s*", item)
        if len(parts) == 1 and item.count("-") == 1 and "/" in item:
            parts = item.split("-")
        try:
            if len(parts) == 1:
                days.add(_parse_one(parts[0]))
            elif len(parts) == 2:
                a, b = _parse_one(parts[0]), _parse_one(parts[1])
                if b < a:
                    raise ValueError(item)
                if (b - a).days > 366:
                    raise ValueError(item)
                days.update(a + timedelta(days=i) for i in range((b - a).days + 1))
            else:
                raise ValueError(item)
        except ValueError:
            raise ValueError(f"'{item}' is geen geldige datum of periode (dd/mm/jjjj of dd/mm/jjjj - dd/mm/jjjj).") from None
    return days


# --------------------------------------------------------------------------- series


@dataclass
class Slot:
    starts_at: datetime
    ends_at: datetime


def generate_series(first_day: date, weekday: int, start: time, end: time, count: int,
                    skip: Iterable[date] = ()) -> tuple[list[Slot], list[date]]:
    """``count`` weekly slots on ``weekday`` from ``first_day`` on; listed dates are skipped and do not count.

    Returns the slots and the dates that were skipped (so the user sees which weeks moved on).
    """
    skip_set = set(skip)
    day = first_day + timedelta(days=(weekday - first_day.weekday()) % 7)
    slots: list[Slot] = []
    skipped: list[date] = []
    guard = 0
    while len(slots) < count and guard < count + 200:
        guard += 1
        if day in skip_set:
            skipped.append(day)
        else:
            slots.append(Slot(datetime.combine(day, start), datetime.combine(day, end)))
        day += timedelta(days=7)
    return slots, skipped


# --------------------------------------------------------------------------- conflicts


@dataclass
class Conflict:
    session: GroupSession
    reasons: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        s = self.session
        return (f"{s.programme.name}: {format_datetime(s.starts_at)}-{format_time(s.ends_at)} "
                f"({'; '.join(self.reasons)})")


# --------------------------------------------------------------------------- enrolment rules


def fit_warning(programme: Programme, person: Person | None, on: date | None = None) -> str | None:
    """A Dutch warning when the child's age or school year does not fit the programme, else None (also for
    a detached enrolment, which has no person)."""
    day = on or programme.start_date or date.today()
    if person is None or programme.age_group == "ouders":
        return None
    if programme.age_group in ("lager", "secundair"):
        level = person.school_level
        wanted = SCHOOL_LEVEL_LABELS[programme.age_group].lower()
        if not level:
            return f"Het schooljaar van {person.given_name} is niet bekend; deze groep is voor {wanted}."
        if level != programme.age_group:
            return (f"{person.given_name} zit in {person.school_year_label or level}; deze groep is voor {wanted}.")
        return None
    if programme.age_group == "leeftijd":
        age = person.age_on(day)
        if age is None:
            return f"De leeftijd van {person.given_name} is niet bekend; deze groep is voor {programme.age_label}."
        if (programme.age_min is not None and age < programme.age_min) or (
                programme.age_max is not None and age > programme.age_max):
            return f"{person.given_name} is {age} jaar; deze groep is voor {programme.age_label}."
    return None


def enrolment_roles(programme: Programme) -> tuple[str, ...]:
    """Who can be enrolled: children, or parents and carers for a parent group."""
    return ("ouder", "opvoeder") if programme.age_group == "ouders" else ("kind",)


def card_fit_warning(programme: Programme, card) -> str | None:
    """The fit warning for a ``core.people.PersonCard``: from the child's school year and age when the team may
    see them (the card holds the record), else from the birth year alone (directory level)."""
    if card.record is not None:
        return fit_warning(programme, card.record.person)
    return fit_warning_by_birth_year(programme, card.given_name, card.birth_year)


def fit_warning_by_birth_year(programme: Programme, given_name: str, birth_year: int | None,
                              on: date | None = None) -> str | None:
    """The fit warning from the birth year alone, for a child whose school year and birth date the team may not
    see yet (its team is not involved with the family): the usual school level of that birth year (Flemish
    schools: primary from the calendar year a child turns 6), or the ages the child can be at the start."""
    day = on or programme.start_date or date.today()
    if birth_year is None or programme.age_group == "ouders":
        return None
    if programme.age_group in ("lager", "secundair"):
        wanted = "lager onderwijs" if programme.age_group == "lager" else "secundair onderwijs"
        school_year_start = day.year if day.month >= 9 else day.year - 1
        turns = school_year_start - birth_year  # the age reached in the calendar year the school year starts
        usual = "kleuter" if turns < 6 else "lager" if turns < 12 else "secundair" if turns < 18 else None
        if usual != programme.age_group:
            return (f"Volgens het geboortejaar ({birth_year}) past {given_name} wellicht niet: deze groep is voor "
                    f"{wanted}. Het schooljaar zie je pas als je team betrokken is bij het gezin.")
        return None
    if programme.age_group == "leeftijd":
        oldest, youngest = day.year - birth_year, day.year - birth_year - 1
        if (programme.age_min is not None and oldest < programme.age_min) or (
                programme.age_max is not None and youngest > programme.age_max):
            return (f"Volgens het geboortejaar ({birth_year}) past {given_name} niet: deze groep is voor "
                    f"{programme.age_label}.")
    return None


def waiting_order():
    """Waiting list order: priority first (1 = high), then longest waiting."""
    return (Enrolment.priority.asc(), Enrolment.waiting_since.asc(), Enrolment.id.asc())


# --------------------------------------------------------------------------- attendance figures


@dataclass
class ChildFigures:
    present: int = 0
    absent: int = 0
    excused: int = 0
    flagged: bool = False  # the two most recent recorded sessions were both unexcused absences

    @property
    def recorded(self) -> int:
        return self.present + self.absent + self.excused

    @property
    def rate(self) -> float | None:
        return round(100 * self.present / self.recorded) if self.recorded else None


@dataclass
class SessionFigures:
    present: int = 0
    recorded: int = 0

    @property
    def rate(self) -> float | None:
        return round(100 * self.present / self.recorded) if self.recorded else None


def attendance_figures(sessions: list[GroupSession], records: list[tuple[int, int, str]],
                       enrolment_ids: Iterable[int]) -> tuple[dict[int, ChildFigures], dict[int, SessionFigures]]:
    """Rates per child and per session from (session_id, enrolment_id, status) rows.

    The rate is present / recorded sessions (excused counts as recorded but not present). A child is
    flagged when its two most recent recorded sessions (in time order, cancelled ones ignored) were both
    "absent": the worker should call home.
    """
    order = {s.id: (s.starts_at, s.id) for s in sessions if not s.cancelled}
    per_child: dict[int, ChildFigures] = {eid: ChildFigures() for eid in enrolment_ids}
    per_session: dict[int, SessionFigures] = {s.id: SessionFigures() for s in sessions}
    history: dict[int, list[tuple[tuple, str]]] = {}
    for sid, eid, status in records:
        if sid not in order:
            continue
        fig = per_child.setdefault(eid, ChildFigures())
        setattr(fig, status, getattr(fig, status) + 1)
        sf = per_session[sid]
        sf.recorded += 1
        sf.present += status == "present"
        history.setdefault(eid, []).append((order[sid], status))
    for eid, items in history.items():
        items.sort()
        last_two = [st for _, st in items[-2:]]
        per_child[eid].flagged = last_two == ["absent", "absent"]
    return per_child, per_session


# --------------------------------------------------------------------------- calendar


def by_day(sessions: list[GroupSession], first: date, days: int) -> dict[date, list[GroupSession]]:
    """The sessions on each of ``days`` days from ``first`` on; a multi-day session shows on each of its days."""
    result: dict[date, list[GroupSession]] = {first + timedelta(days=i): [] for i in range(days)}
    for s in sessions:
        d = max(s.starts_at.date(), first)
        while d <= s.ends_at.date() and d in result:
            result[d].append(s)
            d += timedelta(days=1)
    return result
