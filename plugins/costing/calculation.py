"""The cost model of one trajectory: pure computations in Decimal, exact to the cent.

Nothing here touches the database or Flask, so the same functions feed the worked sheet, the charts,
the Excel export (which writes the same steps as live formulas) and the tests.

Rounding: every amount that the worked sheet shows is rounded to the cent, half away from zero (Excel's
ROUND and Decimal's ROUND_HALF_UP agree on that), and later steps use the rounded amount, exactly as the
exported workbook does with ``ROUND(...; 2)``.

Two modes:
- ``corrected`` ("eigen berekening"): the model's own inputs, computed consistently: the overhead is added
  to the cost, families with VT pay the reduced fee, and a child takes the group day *or* the weekend.
- ``source`` ("aannames van de bron"): the assumptions the 2025 practice description (seed 000, section
  4.4) actually used, so its stated figures can be reproduced: the overhead is described but not added,
  every family pays the full fee, and method 2's total adds the last four lines of the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core.formatting import format_euro, format_number

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
MODES = ("corrected", "source")
MODE_LABELS = {"corrected": "Eigen berekening (gecorrigeerd)", "source": "Aannames van de bron"}


def money(value: Decimal) -> Decimal:
    """Round to the cent, half away from zero (as Excel's ROUND)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class InputSpec:
    name: str
    label: str
    unit: str
    kind: str  # "money", "number", "percent", "count"
    minimum: Decimal
    maximum: Decimal
    min_exclusive: bool = False
    help: str = ""


INPUT_SPECS: list[InputSpec] = [
    InputSpec("staff_fte", "Personeel", "VTE", "number", Decimal(0), Decimal(500),
              help="Aantal voltijdse equivalenten (VTE) in het team."),
    InputSpec("staff_cost", "Jaarloonkost personeel", "€ per jaar", "money", Decimal(0), Decimal(100_000_000)),
    InputSpec("operating_cost", "Werkingsmiddelen", "€ per jaar", "money", Decimal(0), Decimal(100_000_000),
              help="Wekelijkse groepen, educatief materiaal, weekendactiviteiten."),
    InputSpec("overhead_pct", "Overhead", "% op de loonkost", "percent", Decimal(0), Decimal(100),
              help="Infrastructuur, aansturing, administratie, vorming, verplaatsingen."),
    InputSpec("trajectories_per_year", "Trajecten per jaar", "aantal", "count", Decimal(0), Decimal(100_000),
              min_exclusive=True),
    InputSpec("fee_full", "Deelnamegeld", "€ per traject", "money", Decimal(0), Decimal(100_000)),
    InputSpec("fee_reduced", "Verminderd deelnamegeld (VT)", "€ per traject", "money", Decimal(0),
              Decimal(100_000), help="Voor gezinnen met verhoogde tegemoetkoming."),
    InputSpec("vt_share_pct", "Aandeel gezinnen met VT", "% van de trajecten", "percent", Decimal(0),
              Decimal(100)),
    InputSpec("hourly_rate", "Uurtarief", "€ per uur", "money", Decimal(0), Decimal(10_000)),
    InputSpec("roundtable_count", "Rondetafelgesprekken", "aantal per traject", "number", Decimal(0),
              Decimal(1000), help="Start- en eindrondetafel."),
    InputSpec("roundtable_hours", "Duur van een rondetafel", "uur", "number", Decimal(0), Decimal(1000)),
    InputSpec("talk_count", "Begeleidingsgesprekken", "aantal per traject", "number", Decimal(0),
              Decimal(1000)),
    InputSpec("talk_hours", "Duur van een begeleidingsgesprek", "uur (met voorbereiding)", "number",
              Decimal(0), Decimal(1000)),
    InputSpec("wednesday_count", "Groepsbijeenkomsten op woensdag", "aantal per traject", "number",
              Decimal(0), Decimal(1000)),
    InputSpec("wednesday_hours", "Duur van een groepsbijeenkomst", "uur", "number", Decimal(0),
              Decimal(1000)),
    InputSpec("group_day_hours", "Groepsdag (jonger dan 12)", "uur", "number", Decimal(0), Decimal(1000)),
    InputSpec("weekend_hours", "Groepsweekend (12 of ouder)", "uur", "number", Decimal(0), Decimal(1000)),
    InputSpec("fixed_price", "Vastgelegde prijs van een traject", "€ per traject", "money", Decimal(0),
              Decimal(10_000_000)),
    InputSpec("group_children", "Kinderen per groep", "aantal (1: groepsuren niet delen)", "count", Decimal(1),
              Decimal(100),
              help="De uren van de groepsbijeenkomsten, de groepsdag en het weekend worden in de eigen berekening "
                   "van methode 2 gedeeld over de kinderen van de groep (de praktijk: groepen van 8). Zet 1 om ze "
                   "per kind volledig te rekenen."),
]
SPEC_BY_NAME = {s.name: s for s in INPUT_SPECS}
COUNT_INPUTS = {s.name for s in INPUT_SPECS if s.kind == "count"}
# The practice's norm: "een 5-tal contacten met school, waarvan 3 rondetafels met al de partijen" (seed 000:402),
# while the source's cost table counts a start and an end roundtable (000:1015).
ROUNDTABLE_NORM = 3
ROUNDTABLE_NORM_SOURCE = "PeTra-praktijkbeschrijving 2025 (000:402): 3 rondetafels met alle partijen"
INPUT_NAMES = [s.name for s in INPUT_SPECS]


@dataclass(frozen=True)
class Inputs:
    staff_fte: Decimal
    staff_cost: Decimal
    operating_cost: Decimal
    overhead_pct: Decimal
    trajectories_per_year: int
    fee_full: Decimal
    fee_reduced: Decimal
    vt_share_pct: Decimal
    hourly_rate: Decimal
    roundtable_count: Decimal
    roundtable_hours: Decimal
    talk_count: Decimal
    talk_hours: Decimal
    wednesday_count: Decimal
    wednesday_hours: Decimal
    group_day_hours: Decimal
    weekend_hours: Decimal
    fixed_price: Decimal
    group_children: int = 1

    @classmethod
    def from_object(cls, obj) -> Inputs:
        """Build from anything with the input attributes (a CostModel row, a form's data)."""
        values = {}
        for f in fields(cls):
            if isinstance(obj, dict):
                v = obj.get(f.name, 1) if f.name == "group_children" else obj[f.name]
            else:
                v = getattr(obj, f.name, None)
                v = 1 if v is None and f.name == "group_children" else v
            values[f.name] = int(v) if f.name in COUNT_INPUTS else Decimal(str(v))
        return cls(**values)

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def with_(self, **changes) -> Inputs:
        return replace(self, **changes)


def validate(values: dict) -> dict[str, str]:
    """Check raw input values against their specs. Returns {field: Dutch message} for every bad field."""
    errors: dict[str, str] = {}
    for spec in INPUT_SPECS:
        raw = values.get(spec.name)
        if raw is None or raw == "":
            errors[spec.name] = "Dit veld is verplicht."
            continue
        try:
            v = Decimal(str(raw))
        except (InvalidOperation, ValueError):
            errors[spec.name] = "Geef een getal (bv. 12,5)."
            continue
        if not v.is_finite():
            errors[spec.name] = "Geef een getal (bv. 12,5)."
            continue
        if spec.kind == "count" and v != v.to_integral_value():
            errors[spec.name] = "Geef een geheel aantal."
            continue
        if spec.min_exclusive and v <= spec.minimum:
            errors[spec.name] = f"Moet groter zijn dan {format_number(spec.minimum)} (er wordt door gedeeld)."
        elif v < spec.minimum:
            errors[spec.name] = "Mag niet negatief zijn."
        elif v > spec.maximum:
            if spec.kind == "percent":
                errors[spec.name] = f"Een percentage van hoogstens {format_number(spec.maximum)} %."
            else:
                errors[spec.name] = f"Hoogstens {format_number(spec.maximum)}."
        elif spec.kind == "money" and v != v.quantize(CENT):
            errors[spec.name] = "Hoogstens twee cijfers na de komma (centen)."
    return errors


# --------------------------------------------------------------------------- computation steps


@dataclass
class Step:
    key: str
    label: str
    formula: str  # the computation in words and numbers, Dutch
    value: Decimal
    unit: str = "€"
    note: str = ""


@dataclass
class Method1:
    mode: str
    overhead: Decimal
    overhead_added: bool
    total_cost: Decimal
    fee_income: Decimal
    net_cost: Decimal
    per_trajectory: Decimal
    steps: list[Step] = field(default_factory=list)


@dataclass
class Method2:
    mode: str
    roundtables: Decimal
    talks: Decimal
    wednesdays: Decimal
    group_day: Decimal
    weekend: Decimal
    under_12: Decimal
    over_12: Decimal
    stated_style_total: Decimal  # the sum the source makes: the last four lines
    hours_under_12: Decimal
    hours_over_12: Decimal
    steps: list[Step] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        """The figure this mode reports as "the" method-2 total."""
        return self.stated_style_total if self.mode == "source" else self.over_12


def method1(i: Inputs, mode: str = "corrected") -> Method1:
    """(staff + operating [+ overhead] - fee income) / trajectories."""
    if mode not in MODES:
        raise ValueError(mode)
    traj = Decimal(i.trajectories_per_year)
    if traj <= 0:
        raise ValueError("trajectories_per_year must be positive")
    overhead = money(i.staff_cost * i.overhead_pct / HUNDRED)
    added = mode == "corrected"
    total = i.staff_cost + i.operating_cost + (overhead if added else 0)
    vt = i.vt_share_pct / HUNDRED
    reduced = i.fee_reduced if mode == "corrected" else i.fee_full
    fee_income = money(traj * (vt * reduced + (1 - vt) * i.fee_full))
    net = total - fee_income
    per = money(net / traj)
    steps = [
        Step("staff_cost", "Jaarloonkost personeel", f"{format_number(i.staff_fte)} VTE", i.staff_cost),
        Step("operating_cost", "Werkingsmiddelen", "per jaar", i.operating_cost),
        Step("overhead", "Overhead",
             f"{format_number(i.overhead_pct)} % × {format_euro(i.staff_cost)}", overhead,
             note="" if added else "Beschreven maar niet opgeteld (zoals in de bron)."),
        Step("total_cost", "Totale kost per jaar",
             (f"{format_euro(i.staff_cost)} + {format_euro(i.operating_cost)}"
              + (f" + {format_euro(overhead)}" if added else "")), money(total)),
    ]
    if mode == "corrected":
        fee_formula = (f"{i.trajectories_per_year} × ({format_number(i.vt_share_pct)} % × {format_euro(i.fee_reduced)}"
                       f" + {format_number(HUNDRED - i.vt_share_pct)} % × {format_euro(i.fee_full)})")
    else:
        fee_formula = f"{i.trajectories_per_year} × {format_euro(i.fee_full)} (iedereen het volle deelnamegeld)"
    steps += [
        Step("fee_income", "Inkomsten uit deelnamegelden", fee_formula, fee_income),
        Step("net_cost", "Te dragen kost", f"{format_euro(total)} − {format_euro(fee_income)}", money(net)),
        Step("per_trajectory", "Kost per traject", f"{format_euro(net)} ÷ {i.trajectories_per_year}", per),
    ]
    return Method1(mode, overhead, added, money(total), fee_income, money(net), per, steps)


def method2(i: Inputs, mode: str = "corrected") -> Method2:
    """Hours per activity at the hourly rate; a child takes the group day (under 12) or the weekend. In the
    corrected mode the group's hours (Wednesdays, group day, weekend) are shared over the children of a group
    (``group_children``; seed 000:66, a group of 8); the source counts them per child."""
    if mode not in MODES:
        raise ValueError(mode)
    r = i.hourly_rate
    share = Decimal(i.group_children) if mode == "corrected" and i.group_children > 1 else Decimal(1)
    rt_h = i.roundtable_count * i.roundtable_hours
    talk_h = i.talk_count * i.talk_hours
    wed_h = i.wednesday_count * i.wednesday_hours
    rt = money(rt_h * r)
    talks = money(talk_h * r)
    wed = money(wed_h * r / share)
    day = money(i.group_day_hours * r / share)
    wknd = money(i.weekend_hours * r / share)
    under = rt + talks + wed + day
    over = rt + talks + wed + wknd
    stated_style = talks + wed + day + wknd
    per = f" ÷ {int(share)} kinderen" if share > 1 else ""
    steps = [
        Step("roundtables", "Rondetafelgesprekken",
             f"{format_number(i.roundtable_count)} × {format_number(i.roundtable_hours)} u = {format_number(rt_h)} u × {format_euro(r)}", rt,
             note=roundtable_note(i)),
        Step("talks", "Begeleidingsgesprekken",
             f"{format_number(i.talk_count)} × {format_number(i.talk_hours)} u = {format_number(talk_h)} u × {format_euro(r)}", talks),
        Step("wednesdays", "Groepsbijeenkomsten op woensdag",
             f"{format_number(i.wednesday_count)} × {format_number(i.wednesday_hours)} u = {format_number(wed_h)} u × {format_euro(r)}{per}", wed),
        Step("group_day", "Groepsdag (jonger dan 12)", f"{format_number(i.group_day_hours)} u × {format_euro(r)}{per}", day),
        Step("weekend", "Groepsweekend (12 of ouder)", f"{format_number(i.weekend_hours)} u × {format_euro(r)}{per}", wknd),
        Step("under_12", "Per kind jonger dan 12",
             f"{format_euro(rt)} + {format_euro(talks)} + {format_euro(wed)} + {format_euro(day)} (groepsdag)", under),
        Step("over_12", "Per kind van 12 of ouder",
             f"{format_euro(rt)} + {format_euro(talks)} + {format_euro(wed)} + {format_euro(wknd)} (weekend)", over),
    ]
    if mode == "source":
        steps.append(Step("stated_total", "Totaal zoals de bron het optelt",
                          f"{format_euro(talks)} + {format_euro(wed)} + {format_euro(day)} + {format_euro(wknd)}"
                          " (zonder rondetafels, met groepsdag én weekend)", stated_style))
    return Method2(mode, rt, talks, wed, day, wknd, under, over, stated_style,
                   rt_h + talk_h + wed_h + i.group_day_hours, rt_h + talk_h + wed_h + i.weekend_hours, steps)


def scenarios(i: Inputs) -> list[tuple[str, str, Decimal]]:
    """Method 1's cost per trajectory with one of the source's assumptions corrected at a time (the page's
    comparison and the cost sheet's summary both show them): (key, Dutch label, amount)."""
    s1, c1 = method1(i, "source"), method1(i, "corrected")
    only_overhead = method1(i.with_(fee_reduced=i.fee_full), "corrected").per_trajectory
    only_fees = money((s1.total_cost - c1.fee_income) / Decimal(i.trajectories_per_year))
    return [("only_overhead", "Kost per traject, enkel overhead erbij (iedereen het volle deelnamegeld)", only_overhead),
            ("only_fees", "Kost per traject, enkel deelnamegelden verbeterd (zonder overhead)", only_fees)]


def roundtable_note(i: Inputs) -> str:
    """The flag when the model counts fewer roundtables than the practice's norm (3; the cost table: 2)."""
    if i.roundtable_count >= ROUNDTABLE_NORM:
        return ""
    extra = money((ROUNDTABLE_NORM - i.roundtable_count) * i.roundtable_hours * i.hourly_rate)
    return (f"Let op: het model rekent {format_number(i.roundtable_count)} rondetafels (de kostentabel van de bron: "
            f"een start- en een eindrondetafel), terwijl de praktijk er {ROUNDTABLE_NORM} voorziet (000:402). "
            f"Met {ROUNDTABLE_NORM} rondetafels kost een traject {format_euro(extra)} meer.")


def practice_flags(i: Inputs) -> list[str]:
    """Where the model's inputs differ from the practice description (shown on the sheet and in the workbook)."""
    flags = []
    if note := roundtable_note(i):
        flags.append(note)
    if i.group_children <= 1:
        flags.append("De groepsuren worden per kind volledig gerekend (kinderen per groep: 1); in de praktijk "
                     "delen de kinderen van een groep (000:66: een groep van 8) die uren.")
    return flags


@dataclass
class Summary:
    method1: Method1
    method2: Method2
    fixed_price: Decimal

    @property
    def chart_bars(self) -> list[tuple[str, Decimal]]:
        return [
            ("Methode 1 (jaarbudget)", self.method1.per_trajectory),
            ("Methode 2, jonger dan 12", self.method2.under_12),
            ("Methode 2, 12 of ouder", self.method2.over_12),
            ("Vastgelegde prijs", self.fixed_price),
        ]


def summary(i: Inputs, mode: str = "corrected") -> Summary:
    return Summary(method1(i, mode), method2(i, mode), i.fixed_price)


# --------------------------------------------------------------------------- the preset from the seed

SEED = "PeTra-praktijkbeschrijving 2025, §4.4 Kostprijs"

PRESET_KEY = "petra_2025_bron"
PRESET_NAME = "PeTra 2025 (bron)"
PRESET_YEAR = 2025
PRESET_INPUTS = Inputs.from_object(dict(
    staff_fte="4", staff_cost="308414.34", operating_cost="5000.00", overhead_pct="15", trajectories_per_year=65,
    fee_full="50.00", fee_reduced="25.00", vt_share_pct="50", hourly_rate="41.00",
    roundtable_count="2", roundtable_hours="2", talk_count="25", talk_hours="1.5", wednesday_count="6",
    wednesday_hours="3", group_day_hours="11", weekend_hours="40", fixed_price="4500.00", group_children=8,
))
PRESET_SOURCES = {
    "staff_fte": f"{SEED}: 4 VTE bachelor, 15-20 jaar anciënniteit",
    "staff_cost": f"{SEED}: jaarloonkosten",
    "operating_cost": f"{SEED}: werkingsmiddelen op jaarbasis",
    "overhead_pct": f"{SEED}: 15 % boven op de jaarloonkosten",
    "trajectories_per_year": f"{SEED}: 65 begeleidingen op jaarbasis",
    "fee_full": f"{SEED}: € 50 per deelnemer",
    "fee_reduced": f"{SEED}: € 25 met VT-statuut",
    "vt_share_pct": f"{SEED}: 'een helft' (de tweede € 50 is een tikfout voor € 25)",
    "hourly_rate": f"{SEED}: uurtarief bachelor, ca. 20 jaar anciënniteit",
    "roundtable_count": f"{SEED}: start- en eindrondetafel",
    "roundtable_hours": f"{SEED}: ongeveer 2 uur per gesprek",
    "talk_count": f"{SEED}: gemiddeld 25 begeleidingsgesprekken",
    "talk_hours": f"{SEED}: 1,5 uur met voorbereiding en verwerking",
    "wednesday_count": f"{SEED}: minstens 6 woensdagnamiddagen",
    "wednesday_hours": f"{SEED}: 13.30-16.30 uur",
    "group_day_hours": f"{SEED}: tabel, 11 u (de tekst zegt 10.00-20.00 uur)",
    "weekend_hours": f"{SEED}: tabel, 40 u (vrijdagavond-zondagmiddag)",
    "fixed_price": f"{SEED}: 'leggen we de kostprijs vast op € 4.500'",
    "group_children": "PeTra-praktijkbeschrijving 2025 (000:66): 'PeTra-traject met 8 jongeren'",
}


@dataclass(frozen=True)
class Stated:
    key: str
    label: str
    value: Decimal
    quote: str  # how the source words it
    approximate: bool = False


PRESET_STATED: list[Stated] = [
    Stated("total_cost", "Totale kostprijs per jaar", Decimal("313414.34"), "TOTALE KOSTPRIJS: € 313.414,34"),
    Stated("fee_income", "Inkomsten uit deelnamegelden", Decimal("3250.00"), "neer op € 3250"),
    Stated("per_trajectory", "Kost per traject (methode 1)", Decimal("4750.00"),
           "ongeveer € 4.750", approximate=True),
    Stated("roundtables", "Rondetafelgesprekken", Decimal("164.00"), "4 u € 164"),
    Stated("talks", "Begeleidingsgesprekken", Decimal("1537.50"), "25 x 1,5 u € 1.537,5"),
    Stated("wednesdays", "Groepsbijeenkomsten op woensdag", Decimal("738.00"), "6 x 3 u € 738"),
    Stated("group_day", "Weekendprogramma -12-jarigen", Decimal("451.00"), "11 u € 451"),
    Stated("weekend", "Weekendprogramma +12-jarigen", Decimal("1640.00"), "40 u € 1.640"),
    Stated("method2_total", "Totale begeleidingsprijs (methode 2)", Decimal("4366.50"), "€ 4.366,5"),
    Stated("fixed_price", "Vastgelegde prijs", Decimal("4500.00"), "vast op € 4.500"),
]


@dataclass
class Comparison:
    key: str
    label: str
    quote: str
    stated: Decimal
    source_value: Decimal  # computed with the source's own assumptions
    corrected_value: Decimal | None  # computed consistently (None: not one figure, see explanation)
    reproduced: bool  # the source's assumptions give the stated figure (to the cent, or rounded)
    explanation: str
    corrected_extra: list[tuple[str, Decimal]] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return self.corrected_value is None or self.corrected_value != self.stated


def compare_with_stated(i: Inputs, stated: list[Stated] | None = None) -> list[Comparison]:
    """Put every stated figure of the source beside the figures the model computes, with a plain Dutch
    explanation of each difference. The explanations use the model's own numbers."""
    stated = stated if stated is not None else PRESET_STATED
    s1, c1 = method1(i, "source"), method1(i, "corrected")
    s2, c2 = method2(i, "source"), method2(i, "corrected")
    lines = ("roundtables", "talks", "wednesdays", "group_day", "weekend")
    figures = {  # key: (with the source's assumptions, computed consistently)
        "total_cost": (s1.total_cost, c1.total_cost), "fee_income": (s1.fee_income, c1.fee_income),
        "per_trajectory": (s1.per_trajectory, c1.per_trajectory), "method2_total": (s2.stated_style_total, None),
        "fixed_price": (i.fixed_price, i.fixed_price), **{k: (getattr(s2, k), getattr(c2, k)) for k in lines},
    }
    out: list[Comparison] = []
    for st in stated:
        k = st.key
        if k not in figures:  # pragma: no cover - unknown key in a custom list
            continue
        src, cor = figures[k]
        extra: list[tuple[str, Decimal]] = []
        if k == "total_cost":
            expl = (f"De bron beschrijft een overhead van {format_number(i.overhead_pct)} % op de loonkost "
                    f"({format_euro(c1.overhead)}), maar telt die niet op: {format_euro(st.value)} is enkel de "
                    f"loonkost ({format_euro(i.staff_cost)}) plus de werkingsmiddelen ({format_euro(i.operating_cost)}). "
                    f"Met de overhead erbij is de totale kost {format_euro(cor)}.")
            extra = [("Overhead die ontbreekt", c1.overhead)]
        elif k == "fee_income":
            expl = (f"De bron rekent alsof elk gezin het volle deelnamegeld betaalt: {i.trajectories_per_year} × "
                    f"{format_euro(i.fee_full)} = {format_euro(src)}. Ze schrijft 'een helft € 50 en een helft € 50'; "
                    f"de tweede helft hoort het verminderde tarief van {format_euro(i.fee_reduced)} te zijn. Met "
                    f"{format_number(i.vt_share_pct)} % gezinnen met VT is de inkomst {format_euro(cor)}.")
        elif k == "per_trajectory":
            variants = {k: v for k, _, v in scenarios(i)}
            only_overhead, only_fees = variants["only_overhead"], variants["only_fees"]
            expl = (f"Met de eigen aannames van de bron komt er ({format_euro(s1.total_cost)} − "
                    f"{format_euro(s1.fee_income)}) ÷ {i.trajectories_per_year} = {format_euro(src)} uit; de bron "
                    f"rondt dat af tot '{st.quote}'. Telt men de overhead mee, dan wordt het "
                    f"{format_euro(only_overhead)}; met overhead én de juiste deelnamegelden {format_euro(cor)}.")
            extra = [("Enkel overhead erbij", only_overhead), ("Enkel deelnamegelden verbeterd", only_fees)]
        elif k in lines:
            if src == st.value:
                expl = "Klopt met de invoer."
            else:
                expl = f"Met de invoer van het model komt er {format_euro(src)} uit, niet {format_euro(st.value)}."
            if k == "group_day":
                expl += (f" Let op: de tekst noemt een groepsdag van 10.00 tot 20.00 uur (10 uur); de tabel "
                         f"rekent {format_number(i.group_day_hours)} uur. Het model volgt de tabel; pas het aantal "
                         f"uren aan als de groepsdag 10 uur telt.")
            if k == "group_day" or k == "weekend":
                expl += " Een kind volgt de groepsdag (jonger dan 12) óf het weekend (12 of ouder), niet beide."
        elif k == "method2_total":
            expl = (f"De bron telt de laatste vier lijnen van de tabel op ({format_euro(s2.talks)} + "
                    f"{format_euro(s2.wednesdays)} + {format_euro(s2.group_day)} + {format_euro(s2.weekend)}): de "
                    f"rondetafels ({format_euro(s2.roundtables)}) ontbreken en zowel de groepsdag als het weekend "
                    f"zijn meegeteld, terwijl een kind er maar één van volgt. Per kind is het "
                    f"{format_euro(c2.under_12)} (jonger dan 12) of {format_euro(c2.over_12)} (12 of ouder).")
            extra = [("Per kind jonger dan 12", c2.under_12), ("Per kind van 12 of ouder", c2.over_12)]
        elif k == "fixed_price":
            expl = (f"Een beslissing, geen berekening. Tegenover methode 1 (gecorrigeerd, {format_euro(c1.per_trajectory)}) "
                    f"is het verschil {format_euro(i.fixed_price - c1.per_trajectory)}; tegenover methode 2 "
                    f"{format_euro(i.fixed_price - c2.under_12)} (jonger dan 12) en "
                    f"{format_euro(i.fixed_price - c2.over_12)} (12 of ouder).")
        if st.approximate:
            # "about 4,750": reproduced when the computed figure rounds to it at the nearest 50 euro
            reproduced = abs(src - st.value) <= Decimal(25)
        else:
            reproduced = src == st.value
        if not reproduced and k not in lines:
            expl = (f"Met de aannames van de bron en de huidige invoer komt er {format_euro(src)} uit, niet "
                    f"{format_euro(st.value)}. " + expl)
        out.append(Comparison(k, st.label, st.quote, st.value, src, cor, reproduced, expl, extra))
    return out
