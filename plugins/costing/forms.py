"""The cost-model form: every input with its unit and source, Flemish number notation accepted."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.forms import Form, VersionedForm

from .calculation import INPUT_SPECS, validate

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def parse_decimal(text) -> Decimal | None:
    """'308.414,34', '308414,34', '€ 5.000', '1,5', '15 %' and '1.5' -> Decimal; anything else -> None.

    The comma is the decimal sign. A dot is a thousands separator when there are several, when a comma
    follows, or when exactly three digits follow it ('5.000' is five thousand, as a Flemish user means it);
    otherwise it is a decimal point ('1.5', '41.00').
    """
    if text is None:
        return None
    if isinstance(text, (int, Decimal)):
        return Decimal(text)
    s = str(text).strip().replace("€", "").replace("%", "").replace("\u00a0", "").replace(" ", "")
    if not s:
        return None
    if "," in s and "." in s:
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    elif "," in s:
        s = s.replace(",", ".") if s.count(",") == 1 else s.replace(",", "")
    elif s.count(".") > 1 or re.fullmatch(r"-?\d{1,3}\.\d{3}", s):
        s = s.replace(".", "")
    if not _NUMBER.match(s):
        return None
    try:
        return Decimal(s)
    except InvalidOperation:  # pragma: no cover - the pattern already excludes it
        return None


def _fmt_input(value) -> str:
    """Show a stored Decimal in Flemish notation without trailing zeros: 308414,34 / 1,5 / 15."""
    if value is None or value == "":
        return ""
    d = Decimal(str(value))
    if d == d.to_integral_value():
        return str(int(d))
    return f"{d.normalize():f}".replace(".", ",")


class CostModelForm(VersionedForm):
    name = StringField("Naam", validators=[DataRequired(), Length(max=120)])
    year = IntegerField("Jaar", validators=[DataRequired(), NumberRange(2000, 2100, "Een jaar tussen 2000 en 2100.")])
    team_id = SelectField("Team", coerce=int)
    notes = TextAreaField("Opmerkingen", validators=[Optional(), Length(max=4000)])

    def input_rows(self):
        """(spec, value field, source field) for the template, in the order of INPUT_SPECS."""
        return [(s, self[s.name], self[f"{s.name}_source"]) for s in INPUT_SPECS]

    def fill_from(self, values: dict, sources: dict | None = None) -> None:
        for s in INPUT_SPECS:
            self[s.name].data = _fmt_input(values.get(s.name))
            self[f"{s.name}_source"].data = (sources or {}).get(s.name, "")

    def validate_inputs(self) -> dict | None:
        """Parse every input; put Dutch messages next to the bad fields. Returns the parsed values or None."""
        parsed: dict = {}
        raw_ok: dict = {}
        for s in INPUT_SPECS:
            f = self[s.name]
            value = parse_decimal(f.data)
            if value is None:
                f.errors = list(f.errors) + [
                    "Dit veld is verplicht." if not (f.data or "").strip() else "Geef een getal (bv. 12,5)."]
            else:
                raw_ok[s.name] = value
        problems = validate({**{s.name: "x" for s in INPUT_SPECS}, **raw_ok})
        for name, message in problems.items():
            if name in raw_ok:
                self[name].errors = list(self[name].errors) + [message]
        if any(self[s.name].errors for s in INPUT_SPECS):
            return None
        for s in INPUT_SPECS:
            v = raw_ok[s.name]
            parsed[s.name] = int(v) if s.kind == "count" else v
        return parsed

    def sources(self) -> dict:
        return {s.name: (self[f"{s.name}_source"].data or "").strip()[:300] for s in INPUT_SPECS
                if (self[f"{s.name}_source"].data or "").strip()}


for _spec in INPUT_SPECS:
    setattr(CostModelForm, _spec.name, StringField(f"{_spec.label} ({_spec.unit})"))
    setattr(CostModelForm, f"{_spec.name}_source",
            StringField(f"Bron: {_spec.label}", validators=[Optional(), Length(max=300)]))


class TeamRoleForm(Form):
    role = SelectField("Rol", choices=[("team", "Team"), ("finance", "Financiële dienst")])
