"""PeTra rules without HTTP and without the database: settings, referral warnings, duration, norms, SDQ bands and
chart, fee. Reads live in ``queries.py``, state changes in ``operations.py``."""

from __future__ import annotations

import calendar
import functools
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from core.formatting import format_date
from core.settings import PluginSettings
from core.vocabulary import age_group_of  # noqa: F401  (views use logic.age_group_of)

from .forms import SettingsForm
from .models import CONTACT_KINDS, INFORMANTS, SDQ_SCALES, Trajectory, labels

# --------------------------------------------------------------------------- settings

DEFAULTS: dict[str, int | str] = {
    "max_months": 6,
    "warn_days": 30,
    "norm_sessie_kind": 10,
    "norm_gesprek_ouders": 10,
    "norm_school": 5,
    "norm_rondetafel": 3,
    "norm_ouder_kind": 1,
    "norm_groep_sessies": 6,  # about 6 Wednesday afternoons (000:397)
    "norm_groep_dagen": 1,  # plus a full Saturday (primary) or a multi-day stay (secondary)
    "fee_full": 50,
    "fee_vt": 25,
    "clarifying_max": 3,
    # SDQ total difficulties: first score of the 'borderline' band and of the 'abnormal' band
    "sdq_ouder": "14,17",
    "sdq_leerkracht": "12,16",
    "sdq_kind": "16,20",
    "region": "Genk,As,Oudsbergen,Zutendaal",
    # the partner portal: the team receiving online referrals (0: the only PeTra team, or the partner chooses)
    # and how partners reach the team
    "portal_team_id": 0,
    "portal_phone": "",
    "portal_email": "",
}
# the practice's settings, edited by PeTra managers on /petra/instellingen (core's settings store)
SETTINGS = PluginSettings(defaults=DEFAULTS, form=SettingsForm)


def load_settings() -> dict[str, int | str]:
    """Every PeTra setting with its current value (read once per request)."""
    return SETTINGS.all()


def setting_int(settings: dict, key: str) -> int:
    try:
        return int(settings.get(key, DEFAULTS[key]))
    except (TypeError, ValueError):
        return int(DEFAULTS[key])


def region(settings: dict) -> list[str]:
    return [m.strip() for m in settings.get("region", DEFAULTS["region"]).split(",") if m.strip()]


def sdq_cutoffs(settings: dict, informant: str) -> tuple[int, int]:
    raw = settings.get(f"sdq_{informant}", DEFAULTS.get(f"sdq_{informant}", "14,17"))
    try:
        a, b = (int(x) for x in raw.split(","))
        return a, b
    except ValueError:
        a, b = (int(x) for x in DEFAULTS[f"sdq_{informant}"].split(","))
        return a, b


# --------------------------------------------------------------------------- referral warnings


def referral_warnings(*, school_level: str | None, school_year: int | None, birth_date: date | None,
                      home_municipality: str | None, school_municipality: str | None,
                      contra: list[str], settings: dict[str, str], on: date | None = None,
                      safety: bool = False) -> list[str]:
    """Warnings for a referral. They never block: deciding is a professional judgement."""
    from .models import CONTRA_INDICATIONS

    day = on or date.today()
    out: list[str] = []
    if school_level == "kleuter" or (school_level == "lager" and school_year is not None and school_year < 4):
        out.append("Het kind zit nog niet in het 4de leerjaar (PeTra is er vanaf het 4de leerjaar).")
    if birth_date:
        age = day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))
        if age > 16:
            out.append(f"Het kind is {age} jaar: ouder dan 16 (PeTra is er tot en met 16 jaar).")
        elif age < 8 and school_level != "lager":
            out.append(f"Het kind is {age} jaar: jonger dan de doelgroep.")
    reg = {m.lower() for m in region(settings)}
    home_in = (home_municipality or "").lower() in reg
    school_in = (school_municipality or "").lower() in reg
    if not home_in and not school_in:
        out.append("Het kind woont en gaat naar school buiten het werkingsgebied ("
                   + ", ".join(region(settings)) + ").")
    lab = labels(CONTRA_INDICATIONS)
    for key in contra:
        if key in lab:
            out.append(f"Contra-indicatie aangevinkt: {lab[key]}")
    if safety:
        out.append("Zorg over de veiligheid aangevinkt: de veiligheid van het kind of de ouders is mogelijk in gevaar "
                   "(contra-indicatie). Het wordt een open zorg die de begeleiders stap voor stap opvolgen.")
    return out


def trajectory_referral_warnings(t: Trajectory, settings: dict[str, str], safety: bool = False) -> list[str]:
    child = t.child
    return referral_warnings(
        school_level=t.school_level, school_year=t.school_year,
        birth_date=child.birth_date if child else None,
        home_municipality=t.family.municipality if t.family else None,
        school_municipality=t.school.municipality if t.school else None,
        contra=t.contra_keys, settings=settings, on=t.referred_on, safety=safety)


# --------------------------------------------------------------------------- duration


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass
class Duration:
    end: date | None
    days_left: int | None
    state: str  # "geen" (not started), "ok", "bijna" (near the end), "over" (past), "afgesloten"
    message: str | None


def end_of(start: date, months: int) -> date:
    """The last day of a trajectory that started on ``start`` and may last ``months`` months."""
    return add_months(start, months)


def half_way(start: date, months: int) -> date:
    """When the interim evaluation is due: halfway the maximum duration (for an odd number of months, half a
    month is 15 days). Non-decreasing in ``start``, so the team meeting can ask for it in SQL."""
    return add_months(start, months // 2) + timedelta(days=15 * (months % 2))


@functools.lru_cache(maxsize=512)
def latest_start(fn, months: int, limit: date) -> date:
    """The latest start date ``s`` with ``fn(s, months) <= limit`` for a non-decreasing ``fn`` (``end_of``,
    ``half_way``): a rule on the computed date becomes ``start_on <= latest_start(...)`` in SQL."""
    lo, hi = limit - timedelta(days=31 * months + 62), limit
    while lo < hi:  # the largest s in [lo, hi] with fn(s) <= limit (fn(lo) <= limit by construction)
        mid = lo + timedelta(days=(hi - lo).days // 2 + (hi - lo).days % 2)
        if fn(mid, months) <= limit:
            lo = mid
        else:
            hi = mid - timedelta(days=1)
    return lo


def duration_of(t: Trajectory, settings: dict[str, str], today: date | None = None) -> Duration:
    today = today or date.today()
    if t.start_on is None:
        return Duration(None, None, "geen", None)
    end = add_months(t.start_on, t.max_months or setting_int(settings, "max_months"))
    if t.status not in ("ongoing", "clarifying"):
        return Duration(end, None, "afgesloten", None)
    left = (end - today).days
    if left < 0:
        return Duration(end, left, "over", f"De maximale duur van {t.max_months} maanden is {-left} dagen "
                                            f"overschreden (einde was {format_date(end)}).")
    if left <= setting_int(settings, "warn_days"):
        return Duration(end, left, "bijna", f"Nog {left} dagen tot de maximale duur van {t.max_months} maanden "
                                             f"(einde {format_date(end)}).")
    return Duration(end, left, "ok", None)


# --------------------------------------------------------------------------- norms and clarifying talks

NORMS = [  # key, label, contact kinds counted
    ("norm_sessie_kind", "Sessies met het kind", ("sessie_kind",)),
    ("norm_gesprek_ouders", "Gesprekken met ouders", ("gesprek_ouders",)),
    ("norm_school", "Contacten met school", ("contact_school", "rondetafel")),
    ("norm_rondetafel", "waarvan rondetafels", ("rondetafel",)),
    ("norm_ouder_kind", "Ouder-kindactiviteit", ("ouder_kind",)),
]


@dataclass
class NormProgress:
    label: str
    done: int
    norm: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.norm)) if self.norm else 100


def norm_progress(counts: dict[str, int], settings: dict[str, str]) -> list[NormProgress]:
    return [NormProgress(label, sum(counts.get(k, 0) for k in kinds), setting_int(settings, key))
            for key, label, kinds in NORMS]


def clarifying_warning(counts: dict[str, int], settings: dict[str, str]) -> list[str]:
    limit = setting_int(settings, "clarifying_max")
    names = {"kind": "het kind", "ouders": "de ouders", "school": "de school"}
    return [f"Dit is al het {n}de vraagverhelderingsgesprek met {names[p]} voor de start "
            f"(de werkwijze voorziet maximaal {limit} per partij)."
            for p, n in counts.items() if n > limit]


# --------------------------------------------------------------------------- SDQ

SDQ_BANDS = [("normaal", "Normaal"), ("grensgebied", "Grensgebied"), ("verhoogd", "Verhoogd")]


def sdq_band(total: int, informant: str, settings: dict[str, str]) -> str:
    borderline, abnormal = sdq_cutoffs(settings, informant)
    if total >= abnormal:
        return "verhoogd"
    if total >= borderline:
        return "grensgebied"
    return "normaal"


def sdq_total(emotional: int, conduct: int, hyperactivity: int, peer: int) -> int:
    return emotional + conduct + hyperactivity + peer


INFORMANT_LABELS = labels(INFORMANTS)
SHORT_SCALES = {"emotional": "Emotioneel", "conduct": "Gedrag", "hyperactivity": "Hyperactief", "peer": "Leeftijdsgen.",
                "prosocial": "Prosociaal", "total": "Totaal /40"}


def sdq_chart(before, after) -> dict:
    """Geometry of a grouped bar chart (inline SVG): before and after per subscale (0-10) and the total
    difficulties score (0-40, drawn on the same height)."""
    bars, labels_ = [], []
    x = 20
    for key in [k for k, _ in SDQ_SCALES] + ["total"]:
        top = 40 if key == "total" else 10
        for which, res in (("voor", before), ("na", after)):
            v = getattr(res, key) if res else None
            h = round((v or 0) * 120 / top)
            bars.append(dict(x=x, y=140 - h, h=h, value=v, which=which, label=SHORT_SCALES[key]))
            x += 26
        labels_.append((x - 26, SHORT_SCALES[key]))
        x += 24
    return {"bars": bars, "width": x, "labels": labels_}


# --------------------------------------------------------------------------- fee and references


def fee_amount(has_vt: bool, settings: dict[str, str]) -> Decimal:
    return Decimal(setting_int(settings, "fee_vt" if has_vt else "fee_full"))


HOUR_KEYS = {k: k for k, _ in CONTACT_KINDS}


def due_items(t: Trajectory, sdq_moments: set[tuple[str, str]], roundtable_kinds: set[str],
              settings: dict[str, str], today: date | None = None) -> list[str]:
    """What is due for the team meeting: interim evaluation, final evaluation, SDQs."""
    today = today or date.today()
    out: list[str] = []
    if t.start_on is None or t.status != "ongoing":
        return out
    end = end_of(t.start_on, t.max_months)
    half = half_way(t.start_on, t.max_months)
    if today >= t.start_on + timedelta(days=28) and not any(m == "voor" for _, m in sdq_moments):
        out.append("SDQ bij de start")
    if today >= half and "tussentijds" not in roundtable_kinds:
        out.append("Tussentijdse evaluatie")
    if today >= end - timedelta(days=setting_int(settings, "warn_days")):
        if "eind" not in roundtable_kinds:
            out.append("Eindevaluatie")
        if not any(m == "na" for _, m in sdq_moments):
            out.append("SDQ bij de afronding")
    return out


FEE_TERM_DAYS = 30  # an engagement fee still open this long after it fell due is followed up


def dated_due_items(t: Trajectory, sdq_moments: set[tuple[str, str]], roundtable_kinds: set[str],
                    planned_kinds: set[str], settings: dict, today: date) -> list[tuple[str, date]]:
    """What is due in one trajectory and by when (for "Mijn werk" and the digest): the SDQ at the start (4 weeks
    after the start roundtable), the interim evaluation (half-way), the final evaluation and the SDQ at the
    end (the maximum duration), the maximum duration itself when near or past, an open engagement fee (30 days
    after it fell due). A roundtable already planned ahead is not due any more."""
    out: list[tuple[str, date]] = []
    if t.start_on is None or t.status != "ongoing":
        return out
    end = add_months(t.start_on, t.max_months or setting_int(settings, "max_months"))
    half = t.start_on + (end - t.start_on) / 2
    if not any(m == "voor" for _, m in sdq_moments):
        out.append(("SDQ bij de start", t.start_on + timedelta(days=28)))
    if "tussentijds" not in roundtable_kinds and "tussentijds" not in planned_kinds:
        out.append(("Tussentijdse evaluatie", half))
    if "eind" not in roundtable_kinds and "eind" not in planned_kinds:
        out.append(("Eindevaluatie", end))
    if not any(m == "na" for _, m in sdq_moments):
        out.append(("SDQ bij de afronding", end))
    if (end - today).days <= setting_int(settings, "warn_days"):
        out.append(("Maximale duur", end))
    fee = t.fee
    if fee is not None and fee.is_open:
        out.append(("Bijdrage open", fee.due_on + timedelta(days=FEE_TERM_DAYS)))
    return out
