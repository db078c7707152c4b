"""Babel formats for nl_BE: the functions, the Jinja filters every template uses, and a source check that no
template (or view) formats dates and amounts its own way."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from flask import render_template_string

from core.formatting import (
    format_date,
    format_datetime,
    format_euro,
    format_number,
    format_period,
    format_time,
    month_label,
)

ROOT = Path(__file__).resolve().parent.parent
NBSP = "\xa0"


def test_dates_and_times_in_flemish_notation():
    assert format_date(date(2025, 3, 5)) == "05/03/2025"
    assert format_date(datetime(2025, 3, 5, 23, 59)) == "05/03/2025"
    assert format_date(date(2025, 3, 5), "weekdag") == "wo 05/03/2025"
    assert format_date(date(2025, 3, 5), "long") == "5 maart 2025"
    assert format_date(date(2025, 3, 5), "EEEE d MMMM y") == "woensdag 5 maart 2025"
    assert format_datetime(datetime(2025, 3, 5, 9, 7)) == "05/03/2025 09:07"
    assert format_datetime(date(2025, 3, 5)) == "05/03/2025"
    assert format_time(time(14, 30)) == "14:30"
    assert month_label(date(2025, 3, 1)) == "maart 2025"
    assert format_date(None) == format_datetime(None) == format_time(None) == ""


def test_periods_on_one_day_and_over_a_weekend():
    assert format_period(datetime(2025, 3, 5, 13, 30), datetime(2025, 3, 5, 16, 30)) == "wo 05/03/2025 13:30-16:30"
    assert (format_period(datetime(2025, 3, 28, 19, 0), datetime(2025, 3, 30, 12, 0))
            == "vr 28/03/2025 19:00 tot zo 30/03/2025 12:00")


def test_numbers_use_a_decimal_comma_and_point_for_thousands():
    assert format_number(Decimal("308414.34")) == "308.414,34"
    assert format_number(Decimal("1.50")) == "1,5"
    assert format_number(Decimal("4500.00")) == "4.500"
    assert format_number(65) == "65"
    assert format_number(2, 1) == "2,0"
    assert format_number(Decimal("12.25"), 1) == "12,3"  # half away from zero
    assert format_number(None) == "—"


def test_euros_as_babel_writes_them_for_nl_be():
    assert format_euro(Decimal("2437.5")) == f"€{NBSP}2.437,50"
    assert format_euro(425) == f"€{NBSP}425,00"
    assert format_euro(Decimal("-12.5")) == f"€{NBSP}-12,50"
    assert format_euro(Decimal("0.005")) == f"€{NBSP}0,01"  # rounded half away from zero, like the cost model
    assert format_euro(Decimal("2.675")) == f"€{NBSP}2,68"
    assert format_euro(None) == "—"


def test_euros_written_out_match_babel_for_every_kind_of_amount():
    """format_euro writes Babel's nl_BE currency pattern itself (speed): it must give Babel's text exactly."""
    import random
    from decimal import ROUND_HALF_UP

    from babel import numbers as babel_numbers

    rnd = random.Random(21)
    values = [Decimal(v) for v in ("0", "-0.004", "0.004", "999.995", "-999.995", "1E+3", "1e10", "-1234567.891")]
    values += [Decimal(rnd.randint(-10**10, 10**10)).scaleb(-rnd.randint(0, 4)) for _ in range(3000)]
    for v in values:
        expected = babel_numbers.format_currency(v.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "EUR",
                                                 locale="nl_BE")
        assert format_euro(v) == expected, v


def test_filters_are_registered_for_every_template(app):
    out = render_template_string(
        "{{ d|datum }}|{{ dt|datumtijd }}|{{ dt|tijd }}|{{ dt|periode(end) }}|{{ n|getal }}|{{ n|getal(1) }}|"
        "{{ a|euro }}|{{ none|datum or '—' }}",
        d=date(2025, 3, 5), dt=datetime(2025, 3, 5, 13, 30), end=datetime(2025, 3, 5, 16, 30),
        n=Decimal("1234.5"), a=Decimal("2437.5"), none=None)
    assert out == (f"05/03/2025|05/03/2025 13:30|13:30|wo 05/03/2025 13:30-16:30|1.234,5|1.234,5|"
                   f"€{NBSP}2.437,50|—")


def test_petra_fee_and_costing_amounts_look_the_same(app):
    """Defect: PeTra showed "€ 425.00" and costing "€ 2.437,50"; both now go through the euro filter."""
    petra = (ROOT / "plugins/petra/templates/petra/fees.html").read_text()
    costing = (ROOT / "plugins/costing/templates/costing/widget.html").read_text()
    assert "|euro" in petra and "|euro" in costing
    assert render_template_string("{{ a|euro }}", a=Decimal("425")) == f"€{NBSP}425,00"


# --------------------------------------------------------------------------- source checks

def _templates() -> list[Path]:
    return sorted([*ROOT.glob("templates/**/*.html"), *ROOT.glob("plugins/*/templates/**/*.html")])


FORBIDDEN_IN_TEMPLATES = {
    "petra_date": re.compile(r"\|\s*petra_date\b"),
    "groups_dt/groups_day/groups_span": re.compile(r"\|\s*groups_(dt|day|span)\b"),
    "date_nl/datetime_nl macros": re.compile(r"\b(date_nl|datetime_nl)\b"),
    "strftime": re.compile(r"\.strftime\("),
    "'%.2f' amounts": re.compile(r"%\.2f"),
    "costing's own eur/num filters": re.compile(r"\|\s*(eur|num)\b(?!o)"),
}


def test_no_template_formats_dates_or_amounts_its_own_way():
    templates = _templates()
    assert len(templates) > 50
    offenders = [f"{p.relative_to(ROOT)}: {name}" for p in templates for name, rx in FORBIDDEN_IN_TEMPLATES.items()
                 if rx.search(p.read_text())]
    assert offenders == []


def test_no_view_or_rule_writes_a_user_facing_date_with_strftime():
    """Python that builds Dutch text uses core.formatting; strftime is left for file names and machine keys."""
    pattern = re.compile(r"strftime\(\s*[\"'][^\"']*%d/%m")
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in [*ROOT.glob("core/**/*.py"), *ROOT.glob("plugins/**/*.py")]
                 if "migrations" not in p.parts
                 for n, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert offenders == []


def test_no_plugin_registers_its_own_date_or_money_filter():
    rx = re.compile(r"app_template_filter\(\s*[\"'](petra_date|groups_dt|groups_day|groups_span|eur|num)[\"']")
    offenders = [str(p.relative_to(ROOT)) for p in ROOT.glob("plugins/**/*.py") if rx.search(p.read_text())]
    assert offenders == []


def test_the_source_check_catches_each_old_way(tmp_path):
    samples = ["{{ t.referred_on|petra_date }}", "{{ s|groups_span }}", "{{ date_nl(x) }}",
               "{{ d.strftime('%d/%m/%Y') }}", "€ {{ '%.2f'|format(f.amount) }}", "{{ v|eur }}"]
    for sample in samples:
        assert any(rx.search(sample) for rx in FORBIDDEN_IN_TEMPLATES.values()), sample
    assert not any(rx.search("{{ v|euro }} {{ d|datum }}") for rx in FORBIDDEN_IN_TEMPLATES.values())


def test_the_everyday_formats_written_without_babel_are_babels_own():
    """format_date/format_datetime/format_time write the default patterns themselves (per page, dozens of
    times): the text must be exactly Babel's for nl_BE."""
    from datetime import datetime, time, timedelta

    from babel import dates as babel_dates

    from core.formatting import (
        DATE_FORMAT,
        DATETIME_FORMAT,
        TIME_FORMAT,
        format_date,
        format_datetime,
        format_time,
    )

    moment = datetime(1000, 1, 1, 0, 0)
    for _ in range(400):
        moment += timedelta(days=9137, minutes=797)
        assert format_date(moment.date()) == babel_dates.format_date(moment.date(), DATE_FORMAT, locale="nl_BE")
        assert format_datetime(moment) == babel_dates.format_datetime(moment, DATETIME_FORMAT, locale="nl_BE")
        assert format_time(moment.time()) == babel_dates.format_time(moment.time(), TIME_FORMAT, locale="nl_BE")
        if moment.year > 9000:
            break
    assert format_time(time(7, 3)) == "07:03"
