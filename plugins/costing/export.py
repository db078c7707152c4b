"""The Excel cost sheet, written with the core's xlsx writer (write-only, so large sheets stream).

Sheets: Invoer (the inputs: values, never formulas), Methode 1 and Methode 2 (every step a live formula
referring to the input cells, rounded to the cent with ROUND exactly as ``model.py`` does), Werkelijk
(one row per trajectory or group programme; hours, cost as a formula at the model's hourly rate, fees)
and Samenvatting (formulas over the other sheets).

Text that comes from users (model name, sources, team names, references, statuses) is written as text
cells by ``core.xlsx``: it can never be read as a formula and is shown exactly as typed. The formulas are
the deliberate ones below, each marked with ``Formula``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from core.xlsx import DATE, DECIMAL, EUR, INT, Book, Formula, column_letter

from .actuals import AGE_LABELS, activity_label
from .calculation import (
    INPUT_SPECS,
    ROUNDTABLE_NORM,
    ROUNDTABLE_NORM_SOURCE,
    Inputs,
    practice_flags,
    roundtable_note,
    scenarios,
)

HOURS = DECIMAL
NUMBER = "#,##0.##"

M2_CELL = {"lager": "'Methode 2'!$D$7", "secundair": "'Methode 2'!$D$8"}
INPUT_ROW = {spec.name: n for n, spec in enumerate(INPUT_SPECS, start=2)}


def ref(name: str) -> str:
    """Absolute reference to an input cell: Invoer!$B$3."""
    return f"Invoer!$B${INPUT_ROW[name]}"


def _fmt_for(kind: str) -> str:
    return {"money": EUR, "percent": NUMBER, "count": INT}.get(kind, NUMBER)


def write_workbook(out, *, model_name: str, year: int, team_name: str, inputs: Inputs, sources: dict,
                   units: Iterable, activity_kinds: list[str],
                   period_start: date, period_end: date, actuals_scope: str = "alle teams") -> int:
    """Write the cost sheet to ``out`` (a path or a binary file object) and return how many units it holds.
    ``units`` may be a generator of objects shaped like ``actuals.UnitActual``: the sheet's totals are formulas
    over the rows it wrote, so a unit committed while the export streams changes the count, never the sums'
    agreement with the rows."""
    book = Book()
    F = Formula

    # ---------------------------------------------------------------- Invoer
    sh = book.sheet("Invoer", [38, 16, 24, 70])
    sh.header(["Invoer", "Waarde", "Eenheid", "Bron"])
    values = inputs.as_dict()
    for spec in INPUT_SPECS:
        v = values[spec.name]
        sh.append([sh.cell(spec.label), sh.cell(v if spec.kind == "count" else Decimal(v), _fmt_for(spec.kind)),
                   sh.cell(spec.unit), sh.cell(sources.get(spec.name, ""), wrap=True)])

    # ---------------------------------------------------------------- Methode 1
    r = ref
    sh = book.sheet("Methode 1", [34, 54, 20, 20, 44])
    sh.header(["Stap", "Berekening", "Eigen berekening", "Aannames van de bron", "Toelichting"])
    m1_rows = [
        ("Jaarloonkost personeel", "loonkost", f"={r('staff_cost')}", f"={r('staff_cost')}", ""),
        ("Werkingsmiddelen", "werkingsmiddelen", f"={r('operating_cost')}", f"={r('operating_cost')}", ""),
        ("Overhead", "overhead % × loonkost",
         f"=ROUND({r('staff_cost')}*{r('overhead_pct')}/100,2)",
         f"=ROUND({r('staff_cost')}*{r('overhead_pct')}/100,2)",
         "De bron beschrijft de overhead maar telt ze niet op."),
        ("Totale kost per jaar", "loonkost + werkingsmiddelen (+ overhead)", "=ROUND(C2+C3+C4,2)", "=ROUND(D2+D3,2)",
         "Bron: zonder overhead."),
        ("Inkomsten uit deelnamegelden", "trajecten × (aandeel VT × verminderd + rest × vol)",
         f"=ROUND({r('trajectories_per_year')}*({r('vt_share_pct')}/100*{r('fee_reduced')}"
         f"+(1-{r('vt_share_pct')}/100)*{r('fee_full')}),2)",
         f"=ROUND({r('trajectories_per_year')}*{r('fee_full')},2)",
         "Bron: iedereen betaalt het volle deelnamegeld."),
        ("Te dragen kost", "totale kost − inkomsten", "=ROUND(C5-C6,2)", "=ROUND(D5-D6,2)", ""),
        ("Kost per traject", "te dragen kost ÷ trajecten",
         f"=ROUND(C7/{r('trajectories_per_year')},2)", f"=ROUND(D7/{r('trajectories_per_year')},2)",
         "Bron: 'ongeveer € 4.750'."),
    ]
    for label, how, c, d, note in m1_rows:
        bold = label == "Kost per traject"
        sh.append([sh.cell(label, bold=bold), sh.cell(how), sh.cell(F(c), EUR, bold=bold),
                   sh.cell(F(d), EUR, bold=bold), sh.cell(note or None, wrap=True)])

    # ---------------------------------------------------------------- Methode 2
    # C: at the hourly rate, per child in full (the source's assumptions); D: the corrected cost per child,
    # the group's hours shared over the children of a group (Invoer: kinderen per groep).
    sh = book.sheet("Methode 2", [34, 12, 20, 20, 52])
    sh.header(["Activiteit", "Uren", "Aannames van de bron", "Eigen berekening (per kind)", "Toelichting"])
    rate = r("hourly_rate")
    children = r("group_children")
    m2_rows = [
        ("Rondetafelgesprekken", f"={r('roundtable_count')}*{r('roundtable_hours')}", False, roundtable_note(inputs)),
        ("Begeleidingsgesprekken", f"={r('talk_count')}*{r('talk_hours')}", False, ""),
        ("Groepsbijeenkomsten op woensdag", f"={r('wednesday_count')}*{r('wednesday_hours')}", True,
         "Eigen berekening: gedeeld over de kinderen van de groep."),
        ("Groepsdag (jonger dan 12)", f"={r('group_day_hours')}", True, "Enkel voor kinderen jonger dan 12."),
        ("Groepsweekend (12 of ouder)", f"={r('weekend_hours')}", True, "Enkel voor jongeren van 12 of ouder."),
    ]
    for n, (label, hours, shared, note) in enumerate(m2_rows, start=2):
        own = f"=ROUND(B{n}*{rate}/MAX(1,{children}),2)" if shared else f"=ROUND(B{n}*{rate},2)"
        sh.append([sh.cell(label), sh.cell(F(hours), HOURS), sh.cell(F(f"=ROUND(B{n}*{rate},2)"), EUR),
                   sh.cell(F(own), EUR), sh.cell(note or None, wrap=True)])
    sh.append([sh.cell("Per kind jonger dan 12", bold=True), sh.cell(F("=B2+B3+B4+B5"), HOURS, bold=True),
               sh.cell(F("=ROUND(C2+C3+C4+C5,2)"), EUR, bold=True), sh.cell(F("=ROUND(D2+D3+D4+D5,2)"), EUR, bold=True),
               sh.cell("Rondetafels, gesprekken, woensdagen, groepsdag.")])
    sh.append([sh.cell("Per kind van 12 of ouder", bold=True), sh.cell(F("=B2+B3+B4+B6"), HOURS, bold=True),
               sh.cell(F("=ROUND(C2+C3+C4+C6,2)"), EUR, bold=True), sh.cell(F("=ROUND(D2+D3+D4+D6,2)"), EUR, bold=True),
               sh.cell("Rondetafels, gesprekken, woensdagen, weekend.")])
    sh.append([sh.cell("Totaal zoals de bron het optelt"), sh.cell(F("=B3+B4+B5+B6"), HOURS),
               sh.cell(F("=ROUND(C3+C4+C5+C6,2)"), EUR), sh.cell(None),
               sh.cell("Zonder rondetafels, met groepsdag én weekend (bron: € 4.366,5).", wrap=True)])
    sh.append([sh.cell(f"Met {ROUNDTABLE_NORM} rondetafels (norm), per kind jonger dan 12"),
               sh.cell(F(f"=B7+({ROUNDTABLE_NORM}-{r('roundtable_count')})*{r('roundtable_hours')}"), HOURS),
               sh.cell(None),
               sh.cell(F(f"=ROUND(D7+({ROUNDTABLE_NORM}-{r('roundtable_count')})*{r('roundtable_hours')}*{rate},2)"), EUR),
               sh.cell(ROUNDTABLE_NORM_SOURCE, wrap=True)])
    sh.append([sh.cell(f"Met {ROUNDTABLE_NORM} rondetafels (norm), per kind van 12 of ouder"),
               sh.cell(F(f"=B8+({ROUNDTABLE_NORM}-{r('roundtable_count')})*{r('roundtable_hours')}"), HOURS),
               sh.cell(None),
               sh.cell(F(f"=ROUND(D8+({ROUNDTABLE_NORM}-{r('roundtable_count')})*{r('roundtable_hours')}*{rate},2)"), EUR),
               sh.cell(ROUNDTABLE_NORM_SOURCE, wrap=True)])

    # ---------------------------------------------------------------- Werkelijk (streamed)
    kinds = list(activity_kinds)
    fixed = ["Referentie", "Soort", "Team", "Leeftijdsgroep", "Start", "Einde", "Status", "Gestart in periode"]
    money_cols = ["Uren totaal", "Kost aan uurtarief", "Bijdrage verschuldigd", "Bijdrage betaald",
                  "Kwijtgescholden", "Betaald op", "Model (methode 2)", "Verschuldigd op", "Status bijdrage"]
    widths = [16, 16, 18, 20, 12, 12, 12, 10] + [11] * len(kinds) + [11, 16, 14, 14, 8, 12, 16, 12, 14]
    sh = book.sheet("Werkelijk", widths, landscape=True)
    sh.header(fixed + [f"Uren: {activity_label(k)}" for k in kinds] + money_cols)
    first_kind = len(fixed) + 1
    col_total = first_kind + len(kinds)
    L = column_letter
    total_letter, cost_letter = L(col_total), L(col_total + 1)
    due_letter, paid_letter, start_letter = L(col_total + 2), L(col_total + 3), L(8)
    waived_letter, paid_on_letter = L(col_total + 4), L(col_total + 5)
    model_letter = L(col_total + 6)
    due_on_letter, status_letter = L(col_total + 7), L(col_total + 8)
    kind_range = (L(first_kind), L(col_total - 1)) if kinds else None
    cell = sh.cell

    def value(v, fmt):  # an empty cell is left out (a styled empty cell would still be written)
        return None if v is None else cell(v, fmt)

    n = 1
    for u in units:
        n += 1
        hours = u.hours
        row = [
            u.ref, u.kind_label if hasattr(u, "kind_label") else u.kind, u.team,
            AGE_LABELS.get(u.age_group, u.age_group or ""), value(u.start, DATE), value(u.end, DATE),
            u.status, 1 if u.started_in_period else 0,
        ]
        for k in kinds:
            h = hours.get(k)
            row.append(None if h is None else cell(float(h), HOURS))
        row.append(cell(F(f"=SUM({kind_range[0]}{n}:{kind_range[1]}{n})") if kind_range else 0, HOURS))
        row.append(cell(F(f"=ROUND({total_letter}{n}*{rate},2)"), EUR))
        row.append(None if u.fee_due is None else cell(float(u.fee_due), EUR))
        row.append(None if u.fee_paid is None else cell(float(u.fee_paid), EUR))
        row.append(u.fee_waived)
        row.append(value(u.fee_paid_on, DATE))
        # the model's cost of one trajectory of this age group: follows the inputs, like every result
        model_cell = M2_CELL.get(u.age_group) if u.kind == "trajectory" else None
        row.append(cell(F(f"={model_cell}"), EUR) if model_cell else None)
        row.append(value(getattr(u, "fee_due_on", None), DATE))
        row.append(getattr(u, "fee_status_label", "") or None)
        sh.append(row)
    last = max(n, 2)

    # ---------------------------------------------------------------- Samenvatting
    sh = book.sheet("Samenvatting", [46, 22, 50])
    sh.header(["Samenvatting", "Waarde", "Toelichting"])

    def rng(letter: str) -> str:
        return f"Werkelijk!{letter}2:{letter}{last}"

    def in_period(letter: str) -> str:  # SUMIFS criteria: a date from B5 to B6 (the period)
        return f'{rng(letter)},">="&B5,{rng(letter)},"<="&B6'

    scenario_labels = {k: label for k, label, _ in scenarios(inputs)}

    rows = [
        ("Model", sh.cell(model_name), None),
        ("Jaar", sh.cell(year, INT), None),
        ("Team van het model", sh.cell(team_name), f"Werkelijke cijfers: {actuals_scope}"),
        ("Werkelijke cijfers van", sh.cell(period_start, DATE), None),
        ("tot en met", sh.cell(period_end, DATE), None),
        ("Kost per traject, methode 1 (eigen berekening)", sh.cell(F("='Methode 1'!C8"), EUR, bold=True), None),
        ("Kost per traject, methode 1 (aannames van de bron)", sh.cell(F("='Methode 1'!D8"), EUR), None),
        ("Methode 2, per kind jonger dan 12", sh.cell(F("='Methode 2'!D7"), EUR), None),
        ("Methode 2, per kind van 12 of ouder", sh.cell(F("='Methode 2'!D8"), EUR), None),
        ("Vastgelegde prijs van een traject", sh.cell(F(f"={r('fixed_price')}"), EUR, bold=True), None),
        ("Vastgelegde prijs − methode 1", sh.cell(F("=ROUND(B11-B7,2)"), EUR), "Negatief: de prijs dekt de kost niet."),
        ("Werkelijk: trajecten gestart in de periode", sh.cell(F(f"=SUM({rng(start_letter)})"), INT), None),
        ("Werkelijk: uren", sh.cell(F(f"=SUM({rng(total_letter)})"), HOURS), None),
        ("Werkelijk: kost aan uurtarief", sh.cell(F(f"=ROUND(SUM({rng(cost_letter)}),2)"), EUR), "Enkel geregistreerde uren."),
        ("Werkelijk: bijdragen verschuldigd",
         sh.cell(F(f"=ROUND(SUMIFS({rng(due_letter)},{in_period(due_on_letter)},{rng(waived_letter)},\"nee\"),2)"), EUR),
         "Vervaldatum in de periode, niet kwijtgescholden."),
        ("Werkelijk: bijdragen betaald", sh.cell(F(f"=ROUND(SUMIFS({rng(paid_letter)},{in_period(paid_on_letter)}),2)"), EUR),
         "Betaaldatum in de periode (ongeacht wanneer verschuldigd)."),
        ("Werkelijk: bijdragen kwijtgescholden (aantal)",
         sh.cell(F(f"=COUNTIFS({in_period(due_on_letter)},{rng(status_letter)},\"kwijtgescholden\")"), INT),
         "Vervaldatum in de periode."),
        ("Werkelijk: bijdragen kwijtgescholden",
         sh.cell(F(f"=ROUND(SUMIFS({rng(due_letter)},{in_period(due_on_letter)},{rng(status_letter)},\"kwijtgescholden\"),2)"), EUR),
         "Vervaldatum in de periode."),
        ("Werkelijk: bijdragen open",
         sh.cell(F(f"=ROUND(SUMIFS({rng(due_letter)},{in_period(due_on_letter)},{rng(status_letter)},\"open\"),2)"), EUR),
         "Vervaldatum in de periode, nog niet betaald noch kwijtgescholden."),
        ("Opbrengst aan vaste prijs", sh.cell(F(f"=B13*{r('fixed_price')}"), EUR), "Gestarte trajecten × vaste prijs."),
        ("Kost volgens model (methode 1)", sh.cell(F("=ROUND(B13*B7,2)"), EUR), "Gestarte trajecten × kost per traject."),
        ("Kost volgens methode 2 (per leeftijdsgroep)", sh.cell(F(f"=ROUND(SUM({rng(model_letter)}),2)"), EUR),
         "Alle trajecten in de lijst, elk aan de kost van zijn leeftijdsgroep."),
        (scenario_labels["only_overhead"],
         sh.cell(F(f"=ROUND(('Methode 1'!C5-ROUND({r('trajectories_per_year')}*{r('fee_full')},2))"
                   f"/{r('trajectories_per_year')},2)"), EUR), "Zoals de vergelijking met de bron."),
        (scenario_labels["only_fees"],
         sh.cell(F(f"=ROUND(('Methode 1'!D5-'Methode 1'!C6)/{r('trajectories_per_year')},2)"), EUR),
         "Zoals de vergelijking met de bron."),
        ("Totaal methode 2 zoals de bron het optelt", sh.cell(F("='Methode 2'!C9"), EUR), None),
        (f"Methode 2 met {ROUNDTABLE_NORM} rondetafels, jonger dan 12", sh.cell(F("='Methode 2'!D10"), EUR), None),
        (f"Methode 2 met {ROUNDTABLE_NORM} rondetafels, 12 of ouder", sh.cell(F("='Methode 2'!D11"), EUR), None),
    ]
    for flag in practice_flags(inputs):
        rows.append(("Aandachtspunt", sh.cell(flag, wrap=True), None))
    for label, value, note in rows:
        sh.append([sh.cell(label), value, sh.cell(note)])

    book.save(out)
    return n - 1


# Where the application's numbers sit in the workbook (for the tests and anyone checking by hand).
CELLS = {
    "m1_corrected": {"overhead": "'Methode 1'!C4", "total_cost": "'Methode 1'!C5", "fee_income": "'Methode 1'!C6",
                     "net_cost": "'Methode 1'!C7", "per_trajectory": "'Methode 1'!C8"},
    "m1_source": {"overhead": "'Methode 1'!D4", "total_cost": "'Methode 1'!D5", "fee_income": "'Methode 1'!D6",
                  "net_cost": "'Methode 1'!D7", "per_trajectory": "'Methode 1'!D8"},
    "m2": {"roundtables": "'Methode 2'!D2", "talks": "'Methode 2'!D3", "wednesdays": "'Methode 2'!D4",
           "group_day": "'Methode 2'!D5", "weekend": "'Methode 2'!D6", "under_12": "'Methode 2'!D7",
           "over_12": "'Methode 2'!D8"},
    "m2_source": {"roundtables": "'Methode 2'!C2", "talks": "'Methode 2'!C3", "wednesdays": "'Methode 2'!C4",
                  "group_day": "'Methode 2'!C5", "weekend": "'Methode 2'!C6", "under_12": "'Methode 2'!C7",
                  "over_12": "'Methode 2'!C8", "stated_style_total": "'Methode 2'!C9"},
}
