"""The pure cost model: the seed's figures to the cent, the corrected figures, validation, notation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins.costing.calculation import (
    PRESET_INPUTS,
    Inputs,
    compare_with_stated,
    method1,
    method2,
    money,
    validate,
)
from plugins.costing.forms import parse_decimal

D = Decimal


def test_source_assumptions_reproduce_every_stated_figure_to_the_cent():
    m1 = method1(PRESET_INPUTS, "source")
    m2 = method2(PRESET_INPUTS, "source")
    assert m1.total_cost == D("313414.34")
    assert m1.fee_income == D("3250.00")
    assert m1.per_trajectory == D("4771.76")  # "ongeveer € 4.750"
    assert not m1.overhead_added
    assert (m2.roundtables, m2.talks, m2.wednesdays, m2.group_day, m2.weekend) == (
        D("164.00"), D("1537.50"), D("738.00"), D("451.00"), D("1640.00"))
    assert m2.stated_style_total == D("4366.50")
    assert m2.total == D("4366.50")


def test_corrected_figures():
    m1 = method1(PRESET_INPUTS, "corrected")
    m2 = method2(PRESET_INPUTS, "corrected")
    assert m1.overhead == D("46262.15")
    assert m1.total_cost == D("359676.49")
    assert m1.fee_income == D("2437.50")
    assert m1.net_cost == D("357238.99")
    assert m1.per_trajectory == D("5495.98")
    # overhead added but the source's fee income kept: the 5,483.48 of the domain notes
    assert method1(PRESET_INPUTS.with_(fee_reduced=D("50")), "corrected").per_trajectory == D("5483.48")
    # the group's hours shared over a group of 8 (000:66): 738/8, 451/8, 1.640/8
    assert (m2.wednesdays, m2.group_day, m2.weekend) == (D("92.25"), D("56.38"), D("205.00"))
    assert m2.under_12 == D("1850.13")
    assert m2.over_12 == D("1998.75")
    # not shared when the user says so (1 child per group): the per-child figures of the table
    unshared = method2(PRESET_INPUTS.with_(group_children=1), "corrected")
    assert (unshared.under_12, unshared.over_12) == (D("2890.50"), D("4079.50"))
    assert m2.hours_under_12 == D("4") + D("37.5") + D("18") + D("11")


def test_every_step_is_listed_with_its_numbers():
    m1 = method1(PRESET_INPUTS, "corrected")
    keys = [s.key for s in m1.steps]
    assert keys == ["staff_cost", "operating_cost", "overhead", "total_cost", "fee_income", "net_cost",
                    "per_trajectory"]
    fee = next(s for s in m1.steps if s.key == "fee_income")
    assert "65 × (50 % × €\xa025,00 + 50 % × €\xa050,00)" == fee.formula
    src = method1(PRESET_INPUTS, "source")
    assert "niet opgeteld" in next(s for s in src.steps if s.key == "overhead").note
    assert "stated_total" in [s.key for s in method2(PRESET_INPUTS, "source").steps]


def test_comparison_reproduces_and_explains_each_difference():
    by_key = {c.key: c for c in compare_with_stated(PRESET_INPUTS)}
    assert all(c.reproduced for c in by_key.values())
    tc = by_key["total_cost"]
    assert (tc.stated, tc.source_value, tc.corrected_value) == (D("313414.34"), D("313414.34"), D("359676.49"))
    assert "niet op" in tc.explanation and "€\xa046.262,15" in tc.explanation
    fee = by_key["fee_income"]
    assert fee.corrected_value == D("2437.50") and fee.source_value == D("3250.00")
    assert "€\xa02.437,50" in fee.explanation and "volle deelnamegeld" in fee.explanation
    per = by_key["per_trajectory"]
    assert per.source_value == D("4771.76") and per.stated == D("4750")
    assert "ongeveer € 4.750" in per.explanation and "€\xa05.483,48" in per.explanation
    assert dict(per.corrected_extra)["Enkel overhead erbij"] == D("5483.48")
    tot = by_key["method2_total"]
    assert tot.source_value == D("4366.50") and tot.corrected_value is None and tot.differs
    assert "rondetafels" in tot.explanation and "€\xa01.850,13" in tot.explanation and "€\xa01.998,75" in tot.explanation
    assert "10 uur" in by_key["group_day"].explanation
    assert not by_key["roundtables"].differs


def test_comparison_says_when_changed_inputs_no_longer_give_the_stated_figure():
    by_key = {c.key: c for c in compare_with_stated(PRESET_INPUTS.with_(hourly_rate=D("42")))}
    assert not by_key["roundtables"].reproduced
    assert "€\xa0168,00" in by_key["roundtables"].explanation
    assert not by_key["method2_total"].reproduced


@pytest.mark.parametrize("field,value,message", [
    ("staff_fte", "-1", "negatief"),
    ("overhead_pct", "500", "hoogstens 100"),
    ("trajectories_per_year", "0", "groter zijn dan 0"),
    ("trajectories_per_year", "2.5", "geheel"),
    ("hourly_rate", "veertig", "getal"),
    ("hourly_rate", "NaN", "getal"),
    ("fee_full", "50.555", "centen"),
    ("staff_cost", "", "verplicht"),
])
def test_validate_refuses_bad_input_with_a_dutch_message(field, value, message):
    values = {k: str(v) for k, v in PRESET_INPUTS.as_dict().items()}
    assert validate(values) == {}
    values[field] = value
    errors = validate(values)
    assert list(errors) == [field]
    assert message in errors[field].lower()


def test_division_by_zero_is_refused_by_the_model_too():
    with pytest.raises(ValueError):
        method1(PRESET_INPUTS.with_(trajectories_per_year=0))


@pytest.mark.parametrize("text,expected", [
    ("308.414,34", D("308414.34")), ("308414,34", D("308414.34")), ("€ 5.000", D("5000")),
    ("5.000.000", D("5000000")), ("1,5", D("1.5")), ("1.5", D("1.5")), ("15 %", D("15")),
    ("1,000,000", D("1000000")), ("-3", D("-3")), ("abc", None), ("1e5", None), ("NaN", None),
    ("Infinity", None), ("", None), ("1.500", D("1500")), ("41.00", D("41.00")),
])
def test_parse_decimal_accepts_flemish_notation(text, expected):
    assert parse_decimal(text) == expected


def test_money_rounds_half_away_from_zero():
    assert money(D("2.675")) == D("2.68") and money(D("-2.675")) == D("-2.68")


# --------------------------------------------------------------------------- properties

def cents_between(lo: str, hi: str):
    return st.decimals(min_value=D(lo), max_value=D(hi), places=2, allow_nan=False, allow_infinity=False)


inputs_strategy = st.builds(
    Inputs,
    staff_fte=cents_between("0", "50"), staff_cost=cents_between("0", "5000000"),
    operating_cost=cents_between("0", "100000"), overhead_pct=cents_between("0", "100"),
    trajectories_per_year=st.integers(1, 5000), fee_full=cents_between("0", "200"),
    fee_reduced=cents_between("0", "200"), vt_share_pct=cents_between("0", "100"),
    hourly_rate=cents_between("0", "200"), roundtable_count=cents_between("0", "10"),
    roundtable_hours=cents_between("0", "10"), talk_count=cents_between("0", "60"),
    talk_hours=cents_between("0", "5"), wednesday_count=cents_between("0", "20"),
    wednesday_hours=cents_between("0", "8"), group_day_hours=cents_between("0", "24"),
    weekend_hours=cents_between("0", "60"), fixed_price=cents_between("0", "20000"),
)


@settings(max_examples=200, deadline=None)
@given(inputs_strategy)
def test_model_invariants(i):
    assert validate({k: str(v) for k, v in i.as_dict().items()}) == {}
    c1, s1 = method1(i, "corrected"), method1(i, "source")
    assert c1.total_cost - s1.total_cost == c1.overhead
    assert abs(c1.per_trajectory * i.trajectories_per_year - c1.net_cost) <= D("0.005") * i.trajectories_per_year
    if i.fee_reduced <= i.fee_full:
        assert c1.fee_income <= s1.fee_income
    m2 = method2(i)
    assert m2.over_12 - m2.under_12 == m2.weekend - m2.group_day
    assert m2.stated_style_total == m2.under_12 + m2.weekend - m2.roundtables
    for v in (c1.per_trajectory, m2.under_12, m2.over_12):
        assert v == v.quantize(D("0.01"))


def test_practice_flags_roundtables_below_the_norm_and_unshared_group_hours():
    from plugins.costing.calculation import practice_flags

    flags = practice_flags(PRESET_INPUTS)
    assert len(flags) == 1 and "2 rondetafels" in flags[0] and "3 voorziet (000:402)" in flags[0]
    assert "€\xa082,00 meer" in flags[0]  # one roundtable of 2 h at € 41
    assert practice_flags(PRESET_INPUTS.with_(roundtable_count=D("3"))) == []
    assert "kinderen per groep: 1" in practice_flags(PRESET_INPUTS.with_(roundtable_count=D("3"), group_children=1))[0]
