"""One demo scenario for the whole house, decided once in the core and followed by every plugin's demo hook.

The story has a shared timeline (the last two school years up to today, with the Flemish school calendar),
the houses with their teams and staff, and each family's story decided first: referred, waiting, in a
trajectory, in a group, closed, referred on. ``load_core_demo`` builds it and keeps it on the session;
a plugin's ``hvhk_demo_data`` reads it with ``story_for(session)`` and derives its rows from it, so dates,
statuses, notes and attendance agree across plugins. The core names no plugin: team keys are the house's
(``TRAJECTORIES`` is the team that runs pedagogical trajectories, ``PARENTING`` the parenting shop, ...).

Deterministic for a given date and seed. Everything is computed in Python once and written with bulk
inserts (``bulk_insert``: COPY on PostgreSQL, executemany elsewhere).

Adding a part (a new table's demo rows): write ``demo_things(session, story, ...)`` next to your models and add
it with one line to the ``STEPS`` list of your plugin's demo module (``core.demo.STEPS`` for a core table).
"""

from __future__ import annotations

import operator
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Boolean, insert

SEED = 20251
STORY_KEY = "hvhk_demo_story"

# team keys (the house's teams, not plugins)
TRAJECTORIES, PARENTING, RECEPTION, FINANCE = "trajecten", "opvoeding", "onthaal", "financien"

# what a trajectory story comes to (the plugin maps it to its own statuses)
REFERRED, NOT_STARTED, REFERRED_ELSEWHERE, CLARIFYING, ONGOING, CLOSED = (
    "aangemeld", "niet_gestart", "doorverwezen", "vraagverheldering", "lopend", "afgesloten")
EARLY_STOPS = ("vroegtijdig_gezin", "vroegtijdig_school")


# --------------------------------------------------------------------------- the Flemish school calendar

def easter(year: int) -> date:
    """Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ll = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ll) // 451
    month = (h + ll - 7 * m + 114) // 31
    day = (h + ll - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def school_year_start(year: int) -> date:
    """The calendar since 2025: the school year starts on the last Monday of August."""
    end = date(year, 8, 31)
    return end - timedelta(days=end.weekday())


def school_year_end(year: int) -> date:
    """... and ends on the first Friday of July."""
    first = date(year + 1, 7, 1)
    return first + timedelta(days=(4 - first.weekday()) % 7)


def holidays(year: int) -> list[tuple[date, date]]:
    """The breaks of school year ``year``-``year+1`` (inclusive ranges): two weeks around 1 November, at
    Christmas, at carnival (krokus) and at Easter, plus the single days off."""
    def fortnight(day: date) -> tuple[date, date]:
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=13)

    e = easter(year + 1)
    days = [date(year, 11, 11), date(year + 1, 5, 1), e + timedelta(days=39), e + timedelta(days=40),
            e + timedelta(days=50)]
    return [fortnight(date(year, 11, 1)), fortnight(date(year, 12, 25)), fortnight(e - timedelta(days=48)),
            (e + timedelta(days=1), e + timedelta(days=14))] + [(d, d) for d in days]


def school_year_of(day: date) -> int:
    """The school year ``day`` falls in; the summer belongs to the year that just ended."""
    return day.year if day >= school_year_start(day.year) else day.year - 1


def season_of(day: date) -> str:
    return "najaar" if day.month >= 9 else ("voorjaar" if day.month <= 6 else "zomer")


class Timeline:
    """The last two school years up to today, derived from ``today`` so the demo stays current."""

    def __init__(self, today: date):
        self.today = today
        self.now = datetime.combine(today, time(12, 0))
        current = school_year_of(today)
        self.school_years = [current - 1, current]
        self.start = school_year_start(current - 1)
        self._school: set[int] = set()
        for y in range(current - 8, current + 2):
            off = set()
            for a, b in holidays(y):
                off.update(range(a.toordinal(), b.toordinal() + 1))
            d, end = school_year_start(y), school_year_end(y)
            while d <= end:
                if d.weekday() < 5 and d.toordinal() not in off:
                    self._school.add(d.toordinal())
                d += timedelta(days=1)
        self._bank = {date(y, 11, 11).toordinal() for y in range(current - 8, current + 2)}
        self._bank |= {date(y, 5, 1).toordinal() for y in range(current - 8, current + 3)}
        self._bank |= {date(y, 12, 25).toordinal() for y in range(current - 8, current + 2)}
        self._bank |= {date(y, 1, 1).toordinal() for y in range(current - 8, current + 3)}
        # the answers of school_day and workday for every day of the years above, looked up (asked millions of
        # times at large scales); days outside them take the loops below
        first, last = date(current - 8, 1, 1).toordinal(), date(current + 2, 12, 31).toordinal()
        self._next_school: dict[int, date] = {}
        self._next_work: dict[int, date] = {}
        next_school = next_work = None
        for o in range(last, first - 1, -1):
            if o in self._school:
                next_school = o
            if (o - 1) % 7 < 5 and o not in self._bank:  # (ordinal - 1) % 7 is the weekday, 0 = Monday
                next_work = o
            if next_school is not None:
                self._next_school[o] = date.fromordinal(next_school if next_school - o < 120 else o)
            if next_work is not None:
                self._next_work[o] = date.fromordinal(next_work)

    def is_school_day(self, day: date) -> bool:
        return day.toordinal() in self._school

    def is_workday(self, day: date) -> bool:
        return day.weekday() < 5 and day.toordinal() not in self._bank

    def school_day(self, day: date) -> date:
        """The first school day on or after ``day``."""
        o = day.toordinal()
        known = self._next_school.get(o)
        if known is not None:
            return known
        for _ in range(120):
            if o in self._school:
                return date.fromordinal(o)
            o += 1
        return day

    def school_day_before(self, day: date) -> date:
        """The last school day on or before ``day``."""
        o = day.toordinal()
        for _ in range(120):
            if o in self._school:
                return date.fromordinal(o)
            o -= 1
        return day

    def workday(self, day: date) -> date:
        """The first working day (Monday to Friday, no bank holiday) on or after ``day``."""
        known = self._next_work.get(day.toordinal())
        if known is not None:
            return known
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def school_weekdays(self, first: date, weekday: int, n: int) -> list[date]:
        """``n`` school days falling on ``weekday`` (0 = Monday), from ``first`` on."""
        day = first + timedelta(days=(weekday - first.weekday()) % 7)
        out = []
        while len(out) < n:
            if self.is_school_day(day):
                out.append(day)
            day += timedelta(days=7)
        return out


# --------------------------------------------------------------------------- the story's parts

@dataclass
class House:
    index: int
    name: str  # "Huis van het Kind Genk - Campus O3"
    town: str
    places: list  # (municipality, postcode, weight) where its families live
    teams: dict = field(default_factory=dict)  # team key -> team id
    team_names: dict = field(default_factory=dict)  # team key -> team name
    schools: dict = field(default_factory=dict)  # level -> [organisation ids]
    clb: int | None = None
    meldpunt: int | None = None
    ocmw: int | None = None
    rooms: list = field(default_factory=list)


@dataclass
class Unit:
    """One scale unit: about 300 families of one house and the staff who work with them."""
    index: int
    house: House
    staff: dict = field(default_factory=dict)  # team key -> [user ids]; trajectories: [lead workers...]


@dataclass
class SessionPlan:
    kind: str  # info, session, multiday, showcase
    starts_at: datetime
    ends_at: datetime
    theme: str | None
    location: str | None = None  # None: the programme's location

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@dataclass
class Participant:
    person_id: int
    family_id: int
    status: str  # enrolled or waiting
    since: datetime
    priority: int
    photo_consent: bool
    film_consent: bool
    attendance: list  # per session: present / absent / excused, None when not marked (future or info)
    trajectory: TrajectoryStory | None = None


@dataclass
class GroupPlan:
    unit: Unit
    team_key: str
    kind: str  # cycle, parent_group, summer_school
    age_group: str  # lager, secundair, leeftijd, ouders
    name: str
    location: str
    capacity: int
    themes: str
    sessions: list
    leaders: list
    participants: list = field(default_factory=list)
    partner_id: int | None = None  # an organisation delivering a block
    age_min: int | None = None
    age_max: int | None = None

    @property
    def first_day(self) -> date:
        return self.sessions[0].starts_at.date()

    @property
    def last_day(self) -> date:
        return self.sessions[-1].ends_at.date()

    def core_sessions(self) -> list[tuple[int, SessionPlan]]:
        return [(i, s) for i, s in enumerate(self.sessions) if s.kind in ("session", "multiday")]


@dataclass
class TrajectoryStory:
    unit: Unit
    ref: str
    family_id: int
    child_id: int
    parent_ids: list
    born: date
    level: str  # at referral
    year: int
    school_id: int | None
    referred_on: date
    referrer_kind: str
    referrer_org_id: int | None
    referrer_contact: str | None
    channel: str
    outcome: str  # REFERRED ... CLOSED
    decision_on: date | None = None
    decision_org_id: int | None = None
    lead: int | None = None
    second: int | None = None
    start_on: date | None = None
    phase3_on: date | None = None
    phase4_on: date | None = None
    closed_on: date | None = None
    closure_reason: str | None = None
    closure_org_id: int | None = None
    planned_end: date | None = None
    sdq_trend: str = "beter"  # beter, gelijk, slechter
    has_vt: bool = False
    group: GroupPlan | None = None
    group_status: str | None = None
    archive: bool = False  # closed years ago: past its retention term

    @property
    def phase(self) -> int:
        if self.outcome in (REFERRED, NOT_STARTED, REFERRED_ELSEWHERE):
            return 1
        if self.outcome == CLARIFYING:
            return 2
        if self.phase4_on:
            return 4
        return 3 if self.phase3_on else 2


@dataclass
class ReferralStory:
    """A family referred on to a partner organisation (by the team named), with the family's consent."""
    family_id: int
    team_key: str
    house: House
    organisation_id: int
    on: date
    question: str
    accompanied: bool
    waiting_status: str
    outcome: str
    trajectory_ref: str | None = None


@dataclass
class Story:
    timeline: Timeline
    houses: list
    units: list
    trajectories: list = field(default_factory=list)
    groups: list = field(default_factory=list)
    referrals: list = field(default_factory=list)
    consents: list = field(default_factory=list)  # rows for core.models.Consent
    partner_org_id: int | None = None  # the demo partner user's organisation
    partner_user_id: int | None = None
    users: dict = field(default_factory=dict)  # username -> id
    orgs: dict = field(default_factory=dict)  # name -> id
    families: list = field(default_factory=list)  # family ids with a story (not the directory-only ones)

    def team_ids(self, key: str) -> list[int]:
        return [h.teams[key] for h in self.houses if key in h.teams]

    def team_names(self, key: str) -> list[str]:
        return [h.team_names[key] for h in self.houses if key in h.team_names]


def story_for(session) -> Story | None:
    """The story ``load_core_demo`` decided for this demo load (None when the core's demo did not run)."""
    return session.info.get(STORY_KEY)


# --------------------------------------------------------------------------- writing fast

def bulk_insert(session, target, rows: list[dict], chunk: int = 20000) -> None:
    """Insert ``rows`` (dicts with the same keys) into a model's table or a ``Table`` in the session's
    transaction, past the ORM: COPY on PostgreSQL, the driver's executemany elsewhere (values through the
    columns' own bind processors). Python-side column defaults fill the columns the rows leave out."""
    if not rows:
        return
    table = getattr(target, "__table__", target)
    session.flush()
    conn = session.connection()
    dialect = conn.dialect
    cols = list(rows[0].keys())
    fill = {}
    for c in table.columns:
        if c.name not in cols and c.default is not None and not c.primary_key:
            d = c.default
            fill[c.name] = d.arg(None) if d.is_callable else (d.arg if d.is_scalar else None)
    names = cols + list(fill)
    extra = tuple(fill.values())
    # one C-level call per row picks the values out of the dict (rows count in the millions at large scales)
    pick = operator.itemgetter(*cols) if len(cols) > 1 else (lambda r, c=cols[0]: (r[c],))
    raw = conn.connection.driver_connection
    quoted = ", ".join(f'"{n}"' for n in names)
    if dialect.name == "postgresql":
        # formatting the rows here while a worker thread sends the previous buffers to the server
        from psycopg.copy import QueuedLibpqWriter

        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN',
                                           writer=QueuedLibpqWriter(cur)) as copy:
            write = copy.write_row
            if extra:
                for r in rows:
                    write(pick(r) + extra)
            else:
                for r in map(pick, rows):
                    write(r)
        return
    # the columns' bind processors (SQLite stores a bool as 0/1 by itself: no need to convert those)
    procs = [None if isinstance(table.c[n].type, Boolean) else table.c[n].type.bind_processor(dialect)
             for n in names]
    extra_values = tuple(p(v) if p and v is not None else v for p, v in zip(procs[len(cols):], extra, strict=True))
    conv = [(i, p) for i, p in enumerate(procs[:len(cols)]) if p is not None]
    sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" * len(names))})'

    def converted():
        for r in rows:
            v = list(pick(r))
            for i, p in conv:
                if v[i] is not None:
                    v[i] = p(v[i])
            yield (*v, *extra_values)

    if dialect.name == "sqlite":
        _c_level_date_adapters()
        if conv:
            values = converted()
        elif extra_values:
            values = (v + extra_values for v in map(pick, rows))
        else:
            values = map(pick, rows)
        cur = raw.cursor()
        try:
            cur.executemany(sql, values)
        finally:
            cur.close()
        return
    for i in range(0, len(rows), chunk):
        session.execute(insert(table), rows[i:i + chunk])


def _c_level_date_adapters() -> None:
    """The sqlite3 module turns dates and datetimes into text with Python functions (``adapt_date``:
    ``isoformat()``, ``adapt_datetime``: ``isoformat(" ")``), one call per value: millions in a large demo.
    ``date.isoformat`` and ``datetime.__str__`` give the very same text from C. Same values stored, for every
    user of the sqlite3 module in this process (and no Python 3.12 warning about the default adapters)."""
    import sqlite3

    sqlite3.register_adapter(date, date.isoformat)
    sqlite3.register_adapter(datetime, datetime.__str__)


def fix_sequences(session, tables: list[str]) -> None:
    """After inserts with explicit ids, move PostgreSQL's sequences past them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    from sqlalchemy import text

    for table in tables:
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"COALESCE((SELECT MAX(id) FROM {table}), 1))"))


def skip_row_checks(session) -> bool:
    """PostgreSQL, as a superuser: switch off the per-row foreign-key triggers for the rest of this transaction
    (``session_replication_role = replica``; the schema has no other triggers). At large scales those triggers
    cost the server more than the rows themselves: a lookup and a row lock on the referenced row for every
    foreign key of every row. ``check_foreign_keys`` then checks every foreign key once, set-based, before the
    commit. Returns False (and changes nothing) elsewhere."""
    from sqlalchemy import text

    if session.get_bind().dialect.name != "postgresql":
        return False
    if session.execute(text("SELECT current_setting('is_superuser')")).scalar() != "on":
        return False
    session.execute(text("SET LOCAL session_replication_role = replica"))
    return True


def check_foreign_keys(session) -> None:
    """Every foreign key of the schema, checked once with one anti-join per constraint (after
    ``skip_row_checks``); switches the per-row triggers back on. Raises when a row points nowhere."""
    from sqlalchemy import text

    session.flush()
    session.execute(text("SET LOCAL session_replication_role = origin"))
    fks = session.execute(text(
        "SELECT c.conname, c.conrelid::regclass::text, c.confrelid::regclass::text, "
        "ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i) "
        "      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i), "
        "ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i) "
        "      JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) "
        "FROM pg_constraint c JOIN pg_namespace s ON s.oid = c.connamespace "
        "WHERE c.contype = 'f' AND s.nspname = current_schema() ORDER BY 1")).all()
    for name, child, parent, cols, pcols in fks:
        present = " AND ".join(f'c."{col}" IS NOT NULL' for col in cols)
        match = " AND ".join(f'p."{pc}" = c."{col}"' for col, pc in zip(cols, pcols, strict=True))
        bad = session.execute(text(f"SELECT 1 FROM {child} c WHERE {present} AND NOT EXISTS "
                                   f"(SELECT 1 FROM {parent} p WHERE {match}) LIMIT 1")).first()
        if bad is not None:
            raise RuntimeError(f"demo data: a row of {child} breaks foreign key {name}")


# --------------------------------------------------------------------------- deciding the stories

PETRA_THEMES = ["Kennismaken en groepsafspraken", "Vriendschap en relaties", "Groepsdruk", "Omgaan met gezag",
                "Boos zijn: wat doe je ermee?", "Grenzen aangeven", "Samenwerken en vertrouwen", "Trots op jezelf"]
PARENT_GROUPS = {"najaar": ("Oudergroep Opvoeden doe je niet alleen",
                            ["Kennismaking en verwachtingen", "Grenzen stellen", "Schermtijd thuis",
                             "Ruzie tussen broers en zussen", "Zorgen voor jezelf als ouder", "Slotmoment"]),
                 "voorjaar": ("Oudergroep Praten met je puber",
                              ["Kennismaking en verwachtingen", "Wat gebeurt er in het puberbrein?",
                               "Luisteren zonder oordeel", "Afspraken en vrijheid", "Vrienden en groepsdruk",
                               "Slotmoment"])}
SUMMER_THEMES = ["Taal en spel", "Buiten spelen", "Knutselen", "Sport en beweging", "Uitstap"]
CAMP_PLACE = "Jeugdverblijf De Wissel, Opglabbeek (groepsweekend)"
DAY_PLACE = "Groepsdag: bosspel en workshop in Genk-Zuid"
REFERRER_CONTACTS = {"school": ["zorgcoördinator", "directie", "klasleerkracht"], "clb": ["CLB-medewerker"],
                     "opvoedingswinkel": ["opvoedingsondersteuner"], "hulpverlening": ["psycholoog", "begeleider"],
                     "ouders": ["mama", "papa"]}
ONTHAAL_QUESTIONS = ["Vraag naar financiële ondersteuning en budgethulp", "Zoekt een buddy voor het gezin",
                     "Vraag naar opvoedingsondersteuning bij een peuter", "Zoekt woonbegeleiding",
                     "Vraag naar hulp bij huiswerk en contact met de school"]


def _dt(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def build_story(session, rng: random.Random, timeline: Timeline, houses: list[House], units: list[Unit],
                orgs: dict, make_family, partner_org_id: int | None = None, partner_user_id: int | None = None) -> Story:
    """Decide every family's story, unit by unit; ``make_family(unit, spec)`` writes the family's rows
    (the core's family generator) and returns (family_id, parent ids, child ids, has_vt)."""
    story = Story(timeline=timeline, houses=houses, units=units, orgs=orgs, partner_org_id=partner_org_id,
                  partner_user_id=partner_user_id)
    refs: dict[int, int] = {}
    for unit in units:
        _unit_story(rng, story, unit, make_family, refs)
    return story


def _next_ref(refs: dict, day: date) -> str:
    refs[day.year] = refs.get(day.year, 0) + 1
    return f"PT-{day.year}-{refs[day.year]:04d}"


def _unit_story(rng, story: Story, unit: Unit, make_family, refs: dict) -> None:
    tl, house, today = story.timeline, unit.house, story.timeline.today
    orgs = story.orgs
    span = (today - tl.start).days
    care = [orgs[n] for n in ("CGG Limburg", "CKG De Vlinder", "CAW Limburg - JAC Genk") if n in orgs]
    help_on = [o for o in (house.ocmw, orgs.get("CAW Limburg - JAC Genk"), orgs.get("Kind en Gezin Genk"),
                           orgs.get("Opvoedingswinkel Genk")) if o]
    ovw_org = orgs.get("Opvoedingswinkel Genk")

    # 2. the groups of the house: PeTra cycles per band and season, parent groups, the summer school
    petra_staff = unit.staff.get(TRAJECTORIES) or []
    ovw_staff = unit.staff.get(PARENTING) or petra_staff
    suffix = f" ({unit.index // len(story.houses) + 1})" if unit.index >= len(story.houses) else ""
    cycles = []
    for sy in story.timeline.school_years:
        for season, first_from in (("najaar", date(sy, 10, 1)), ("voorjaar", date(sy + 1, 3, 1))):
            for band_no, band in enumerate(("lager", "secundair")):
                weds = tl.school_weekdays(first_from, 2, 6)
                info = tl.school_day_before(weds[0] - timedelta(days=8))
                if info > today + timedelta(days=120):  # the next group is planned a season ahead
                    continue
                sessions = [SessionPlan("info", _dt(info, 18, 30), _dt(info, 20), "Infomoment voor ouders")]
                sessions += [SessionPlan("session", _dt(d, 13, 30), _dt(d, 16, 30), PETRA_THEMES[i])
                             for i, d in enumerate(weds)]
                if band == "lager":
                    sat = weds[-1] + timedelta(days=3)
                    sessions.append(SessionPlan("multiday", _dt(sat, 10), _dt(sat, 20), "Groepsdag", DAY_PLACE))
                else:
                    fri = weds[-1] + timedelta(days=2)
                    sessions.append(SessionPlan("multiday", _dt(fri, 19), _dt(fri + timedelta(days=2), 12),
                                                "Groepsweekend", CAMP_PLACE))
                show = tl.school_day(weds[-1] + timedelta(days=15))
                sessions.append(SessionPlan("showcase", _dt(show, 18), _dt(show, 20), "Toonmoment met film"))
                leaders = petra_staff[2 * band_no:2 * band_no + 2] or petra_staff[:2]
                cycles.append(GroupPlan(
                    unit=unit, team_key=TRAJECTORIES, kind="cycle", age_group=band,
                    name=f"PeTra-groep {band} {season} {weds[0].year}{suffix}", location=house.rooms[band_no],
                    capacity=8, themes="relaties, groepsdruk, gezag", sessions=sessions, leaders=leaders,
                    partner_id=orgs.get("CAW Limburg - JAC Genk")))
    # 1. trajectories: about 65 a year per unit, referred over the two school years (the first ones in the
    #    spring before, so that the house is already at work when the timeline starts)
    trajectories = []
    step = (span + 120) / 120
    for i in range(120):  # spread evenly over the time, with some jitter; the bands alternate
        referred = tl.start + timedelta(days=int(-120 + i * step + rng.uniform(0, step)))
        level = "lager" if i % 2 == 0 else "secundair"
        age = rng.randint(9, 11) if level == "lager" else rng.randint(12, 15)
        born = referred - timedelta(days=int(age * 365.25) + rng.randint(15, 350))
        year = age - 5 if level == "lager" else age - 11
        school = rng.choice(house.schools[level])
        kind = rng.choices(["school", "clb", "opvoedingswinkel", "hulpverlening", "ouders"], [42, 33, 10, 8, 7])[0]
        referred = tl.school_day(referred) if kind in ("school", "clb") else tl.workday(referred)
        if referred > today:
            referred = tl.workday(today - timedelta(days=3))
            while referred > today:
                referred -= timedelta(days=1)
        ref_org = {"school": school, "clb": house.clb, "opvoedingswinkel": ovw_org,
                   "hulpverlening": rng.choice(care) if care else None, "ouders": None}[kind]
        channel = ("meldpunt" if level == "secundair" else "rechtstreeks") if kind == "school" else (
            "rechtstreeks" if kind == "clb" else "andere")
        fam = make_family(unit, {"story": "traject", "born": born, "school_id": school, "referred": referred})
        t = TrajectoryStory(unit=unit, ref=_next_ref(refs, referred), family_id=fam[0], child_id=fam[2][0],
                            parent_ids=fam[1], born=born, level=level, year=year, school_id=school,
                            referred_on=referred, referrer_kind=kind, referrer_org_id=ref_org,
                            referrer_contact=rng.choice(REFERRER_CONTACTS[kind]), channel=channel,
                            outcome=REFERRED, has_vt=fam[3])
        _decide_trajectory(rng, tl, unit, t, care, cycles)
        trajectories.append(t)
    trajectories.sort(key=lambda t: t.referred_on)
    story.trajectories.extend(trajectories)

    for plan in cycles:  # a planned group: trajectories that found no place yet wait for one
        if plan.sessions[1].starts_at.date() > today:
            _waiting_list(rng, tl, plan, trajectories)
    story.groups.extend(cycles)

    parent_plans = []
    for sy in story.timeline.school_years:
        for season, first_from in (("najaar", date(sy, 10, 6)), ("voorjaar", date(sy + 1, 3, 2))):
            tuesdays = tl.school_weekdays(first_from, 1, 6)
            if tuesdays[0] > today + timedelta(days=120):  # the next parent group is planned a season ahead
                continue
            title, themes = PARENT_GROUPS[season]
            sessions = [SessionPlan("session", _dt(d, 19), _dt(d, 21), themes[i]) for i, d in enumerate(tuesdays)]
            parent_plans.append(GroupPlan(unit=unit, team_key=PARENTING, kind="parent_group", age_group="ouders",
                                          name=f"{title} {season} {tuesdays[0].year}{suffix}",
                                          location=house.rooms[2], capacity=12, themes="opvoeding, steun",
                                          sessions=sessions, leaders=ovw_staff[:2], partner_id=ovw_org))
    summer = []
    for sy in story.timeline.school_years:
        first = school_year_end(sy) + timedelta(days=3)  # the Monday after the last school day
        if first > today:
            continue
        days = [first + timedelta(days=7 * w + d) for w in range(2) for d in range(5)]
        sessions = [SessionPlan("session", _dt(d, 9, 30), _dt(d, 15, 30), SUMMER_THEMES[i % 5])
                    for i, d in enumerate(days)]
        summer.append(GroupPlan(unit=unit, team_key=PARENTING, kind="summer_school", age_group="leeftijd",
                                name=f"Zomerschool {first.year}{suffix}", location=house.rooms[3], capacity=20,
                                themes="taal, spel, buiten spelen", sessions=sessions, leaders=ovw_staff[-2:],
                                age_min=6, age_max=12))

    drop_in = []  # reception's weekly drop-in for parents with toddlers, every school-week Friday morning
    for sy in story.timeline.school_years:
        fridays = tl.school_weekdays(school_year_start(sy), 4, 1)
        day, out = fridays[0], []
        while day <= school_year_end(sy):
            if tl.is_school_day(day):
                out.append(day)
            day += timedelta(days=7)
        sessions = [SessionPlan("session", _dt(d, 9, 30), _dt(d, 11, 30), "Inloop: spelen en praten")
                    for d in out]
        drop_in.append(GroupPlan(unit=unit, team_key=RECEPTION, kind="weekly", age_group="ouders",
                                 name=f"Inloopmoment ouders en peuters {sy}-{sy + 1}{suffix}",
                                 location=house.rooms[2], capacity=12, themes="ontmoeting, spel, vragen",
                                 sessions=sessions, leaders=unit.staff.get(RECEPTION, [])[:1]))

    # 3. parents in a parent group, children at the summer school, toddlers at the drop-in
    for plan in parent_plans:
        planned = plan.first_day > today  # registrations so far: full, and a waiting list
        for i in range(15 if planned else 10):
            day = tl.workday(plan.first_day - timedelta(days=rng.randint(7, 35)))
            if day > today:
                day = tl.workday(today - timedelta(days=rng.randint(3, 40)))
                while day > today:
                    day -= timedelta(days=1)
            since = _dt(day, 10)
            fam = make_family(unit, {"story": "oudergroep", "first": since.date()})
            _participant(rng, tl, plan, fam[1][0], fam[0], since, i >= plan.capacity, streak=i == 3)
    for plan in summer:
        for i in range(16):
            since = _dt(tl.workday(plan.first_day - timedelta(days=rng.randint(14, 60))), 10)
            age = rng.randint(6, 11)
            fam = make_family(unit, {"story": "zomerschool", "first": since.date(),
                                     "born": plan.first_day - timedelta(days=int(age * 365.25) + rng.randint(10, 300))})
            _participant(rng, tl, plan, fam[2][0], fam[0], since, False, streak=i == 2)
    for plan in drop_in:
        for _ in range(8):
            day = tl.workday(plan.first_day + timedelta(days=rng.randint(-10, 120)))
            if day > today:
                continue
            fam = make_family(unit, {"story": "inloop", "first": day,
                                     "born": day - timedelta(days=rng.randint(300, 900))})
            _participant(rng, tl, plan, fam[2][0], fam[0], _dt(day, 9), False, streak=False, drop_in=True)
    story.groups.extend(parent_plans + summer + drop_in)

    # 4. reception: first talks, some referred on to a partner (with the family's consent)
    for i in range(30):
        day = tl.workday(tl.start + timedelta(days=rng.randint(0, span)))
        if day > today:
            day = tl.start
        partner_school = story.partner_org_id if (unit.index == 0 and i < 7) else None
        fam = make_family(unit, {"story": "onthaal", "first": day, "school_id": partner_school})
        if partner_school or i % 3:
            org = partner_school or rng.choice(help_on)
            on = tl.workday(day + timedelta(days=rng.randint(0, 14)))
            if on > today:
                on = day
            question = ("Brugfiguur: samen met de school de communicatie met de ouders verbeteren."
                        if partner_school else rng.choice(ONTHAAL_QUESTIONS))
            ref = _referral(rng, today, fam[0], RECEPTION, house, org, on, question)
            story.referrals.append(ref)
            consent = i != 5 or not partner_school  # one family at the partner school gave no consent (yet)
            if consent:
                withdrawn = (i == 6 and partner_school) or (not partner_school and rng.random() < 0.12)
                story.consents.append(_consent(fam, org, on, "Doorverwijzing en opvolging van de hulpvraag",
                                               "verwijzing,contactgegevens", withdrawn, today, rng))

    # 5. referred on by the trajectory team (at intake, or a guided referral at closure): with consent
    for t in trajectories:
        org, on = None, None
        if t.outcome == REFERRED_ELSEWHERE:
            org, on, q = t.decision_org_id, t.decision_on, "Leer- of taalproblematiek op de voorgrond"
        elif t.closure_reason == "doorverwijzing":
            org, on, q = t.closure_org_id, t.closed_on, "Verdere begeleiding na het pedagogisch traject"
        if org and on:
            story.referrals.append(_referral(rng, today, t.family_id, TRAJECTORIES, house, org, on, q,
                                             accompanied=True, trajectory_ref=t.ref))
            story.consents.append(_consent((t.family_id, t.parent_ids, [t.child_id]), org, on,
                                           "Begeleide doorverwijzing na het traject", "verwijzing,trajectverloop",
                                           rng.random() < 0.1, today, rng))
        if t.start_on and t.school_id and not t.archive:
            story.consents.append(_consent((t.family_id, t.parent_ids, [t.child_id]), t.school_id, t.start_on,
                                           "Afstemming met de school tijdens het traject",
                                           "trajectverloop,evaluatie", False, today, rng,
                                           valid_until=t.closed_on))

    # 6. past their retention term: two trajectories closed six years ago, two archived families
    for _ in range(2):
        closed = tl.school_day(today - timedelta(days=365 * 6 + rng.randint(30, 300)))
        referred = closed - timedelta(days=rng.randint(180, 230))
        level = rng.choice(["lager", "secundair"])
        age = 10 if level == "lager" else 13
        born = referred - timedelta(days=int(age * 365.25) + 40)
        school = rng.choice(house.schools[level])
        fam = make_family(unit, {"story": "archief", "born": born, "school_id": school, "referred": referred})
        start = tl.school_day(referred + timedelta(days=30))
        t = TrajectoryStory(unit=unit, ref=_next_ref(refs, referred), family_id=fam[0], child_id=fam[2][0],
                            parent_ids=fam[1], born=born, level=level, year=age - 5 if level == "lager" else age - 11,
                            school_id=school, referred_on=referred, referrer_kind="clb", referrer_org_id=house.clb,
                            referrer_contact="CLB-medewerker", channel="rechtstreeks", outcome=CLOSED,
                            decision_on=referred + timedelta(days=10), lead=petra_staff[0] if petra_staff else None,
                            start_on=start, phase3_on=start + timedelta(days=30),
                            phase4_on=closed - timedelta(days=20), closed_on=closed, closure_reason="zelfstandig",
                            planned_end=closed, has_vt=fam[3], archive=True)
        story.trajectories.append(t)
    for _ in range(2):
        make_family(unit, {"story": "gearchiveerd"})
    # 7. everyone else: in the directory (a few with an old question to the parenting shop)
    for _ in range(300 - 120 - 30 - 2 - 2 - sum(len(p.participants) for p in parent_plans + summer + drop_in)):
        make_family(unit, {"story": "vraag" if rng.random() < 0.25 else "geen",
                           "first": tl.workday(tl.start + timedelta(days=rng.randint(0, span)))})


def _decide_trajectory(rng, tl: Timeline, unit: Unit, t: TrajectoryStory, care: list, cycles: list) -> None:
    today = tl.today
    staff = unit.staff.get(TRAJECTORIES) or [None]
    age = (today - t.referred_on).days
    r = rng.random()
    if age < 21 or (age < 45 and r < 0.3):
        return  # registered, the team decides in its meeting
    t.decision_on = tl.workday(t.referred_on + timedelta(days=rng.randint(7, 20)))
    if t.decision_on > today:
        t.decision_on = None
        return
    if r < 0.07:
        t.outcome = NOT_STARTED
        return
    if r < 0.14:
        t.outcome, t.decision_org_id = REFERRED_ELSEWHERE, rng.choice(care) if care else None
        return
    t.lead = rng.choice(staff)
    t.second = rng.choice([w for w in staff if w != t.lead]) if len(staff) > 1 and rng.random() < 0.2 else None
    start = tl.school_day(t.decision_on + timedelta(days=rng.randint(14, 35)))
    t.outcome = CLARIFYING
    if start > today:
        return
    t.start_on = start
    t.planned_end = start + timedelta(days=rng.randint(120, 182))
    reason = rng.choices(["zelfstandig", "doorverwijzing", "vroegtijdig_gezin", "vroegtijdig_school", "andere"],
                         [68, 12, 10, 5, 5])[0]
    closed = start + timedelta(days=rng.randint(35, 90)) if reason in EARLY_STOPS else t.planned_end
    group = _group_for(rng, tl, t, cycles)
    if group is not None:  # the trajectory runs at least until after the group's showcase
        show = group.sessions[-1].starts_at.date()
        t.planned_end = max(t.planned_end, show + timedelta(days=rng.randint(7, 21)))
        closed = max(closed, show + timedelta(days=rng.randint(5, 20)))
        if reason not in EARLY_STOPS:
            closed = t.planned_end
    closed = tl.school_day(closed) if reason != "vroegtijdig_gezin" else tl.workday(closed)
    t.outcome = ONGOING
    p3 = tl.workday(start + timedelta(days=rng.randint(21, 42)))
    if p3 <= min(today, closed):
        t.phase3_on = p3
    if closed <= today:
        t.outcome, t.closed_on, t.closure_reason = CLOSED, closed, reason
        t.closure_org_id = (rng.choice(care) if care else None) if reason == "doorverwijzing" else None
        t.phase4_on = closed if reason in EARLY_STOPS else tl.workday(closed - timedelta(days=rng.randint(12, 25)))
        t.sdq_trend = rng.choices(["beter", "gelijk", "slechter"], {
            "zelfstandig": [76, 17, 7], "doorverwijzing": [30, 40, 30], "andere": [50, 30, 20]}.get(
            reason, [0, 50, 50]))[0]
    else:
        t.closure_reason = None
        p4 = tl.workday(t.planned_end - timedelta(days=rng.randint(10, 25)))
        if p4 <= today:
            t.phase4_on = p4
    if group is not None:
        _enrol(rng, tl, group, t)
    if t.phase4_on and t.phase3_on and t.phase4_on < t.phase3_on:
        t.phase4_on = t.phase3_on
    if t.phase4_on and not t.phase3_on and t.phase4_on < start:
        t.phase4_on = start


def _group_for(rng, tl: Timeline, t: TrajectoryStory, cycles: list) -> GroupPlan | None:
    """The group of the child's band whose first Wednesday falls two weeks to fifteen weeks after the start
    roundtable and that still has a place (most children take part in the group trajectory)."""
    if rng.random() > 0.9:
        return None
    for plan in cycles:
        first = plan.sessions[1].starts_at.date()
        if (plan.age_group == t.level and t.start_on + timedelta(days=14) <= first <= t.start_on + timedelta(days=130)
                and sum(p.status == "enrolled" for p in plan.participants) < plan.capacity):
            return plan
    return None


def _enrol(rng, tl: Timeline, plan: GroupPlan, t: TrajectoryStory) -> None:
    first = plan.sessions[1].starts_at.date()
    since = _dt(tl.workday(max(t.start_on + timedelta(days=1), first - timedelta(days=rng.randint(7, 13)))), 10)
    t.group, t.group_status = plan, "enrolled"
    n = len(plan.participants)
    _participant(rng, tl, plan, t.child_id, t.family_id, since, False,
                 streak=t.closure_reason in EARLY_STOPS or n == 1, trajectory=t)


def _waiting_list(rng, tl: Timeline, plan: GroupPlan, trajectories: list) -> None:
    first = plan.sessions[1].starts_at.date()
    waiting = [t for t in trajectories if t.group is None and t.level == plan.age_group and t.outcome == ONGOING
               and t.start_on <= tl.today - timedelta(days=3) and t.start_on >= first - timedelta(days=210)]
    free = plan.capacity - sum(p.status == "enrolled" for p in plan.participants)
    for t in waiting[:free + 3]:  # registered for the next group while places last, then on its waiting list
        since = _dt(tl.workday(t.start_on + timedelta(days=1)), 10)
        if since.date() > tl.today:
            continue
        full = free <= 0
        free -= 1
        t.group, t.group_status = plan, "waiting" if full else "enrolled"
        _participant(rng, tl, plan, t.child_id, t.family_id, since, full, trajectory=t)


def _participant(rng, tl: Timeline, plan: GroupPlan, person_id: int, family_id: int, since: datetime,
                 waiting: bool, streak: bool = False, trajectory=None, drop_in: bool = False) -> None:
    marks = []
    if drop_in:  # comes when it suits: marked present on the mornings the family came, from the first one on
        marks = [("present" if rng.random() < 0.55 else None) if since <= s.starts_at < tl.now else None
                 for s in plan.sessions]
    elif not waiting:
        past = [i for i, s in enumerate(plan.sessions) if s.kind != "info" and s.starts_at < tl.now]
        for i, s in enumerate(plan.sessions):
            if i not in past or s.starts_at < since:
                marks.append(None)
            elif streak and i in past[-2:]:
                marks.append("absent")
            else:
                r = rng.random()
                marks.append("present" if r < 0.86 else ("absent" if r < 0.93 else "excused"))
    if waiting:
        marks = [None] * len(plan.sessions)
    plan.participants.append(Participant(
        person_id=person_id, family_id=family_id, status="waiting" if waiting else "enrolled", since=since,
        priority=rng.choice([1, 2, 2, 3]), photo_consent=rng.random() < 0.8, film_consent=rng.random() < 0.7,
        attendance=marks, trajectory=trajectory))


def _referral(rng, today, family_id, team_key, house, org, on, question, accompanied=None, trajectory_ref=None):
    age = (today - on).days
    if age < 14:
        waiting, outcome = "registered", "open"
    elif age < 45:
        waiting, outcome = rng.choice([("waiting", "open"), ("started", "ongoing")])
    else:
        waiting = rng.choices(["started", "not_started"], [80, 20])[0]
        outcome = (rng.choice(["ongoing", "completed", "completed"]) if waiting == "started"
                   else rng.choice(["declined", "refused", "referred"]))
    return ReferralStory(family_id=family_id, team_key=team_key, house=house, organisation_id=org, on=on,
                         question=question, accompanied=rng.random() < 0.6 if accompanied is None else accompanied,
                         waiting_status=waiting, outcome=outcome, trajectory_ref=trajectory_ref)


def _consent(fam, org, on, purpose, kinds, withdrawn, today, rng, valid_until=None) -> dict:
    giver = fam[1][0] if fam[1] else None
    gone = None
    if withdrawn:
        gone = datetime.combine(min(today, on + timedelta(days=rng.randint(20, 120))), time(11, 15))
    return dict(family_id=fam[0], organisation_id=org, purpose=purpose, info_kinds=kinds,
                given_by_person_id=giver, given_on=on, valid_until=valid_until, withdrawn_at=gone)
