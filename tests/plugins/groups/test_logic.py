"""Planning rules: series with skipped dates, skip-date parsing, attendance figures, fit warnings."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from core.models import Person
from plugins.groups.logic import attendance_figures, fit_warning, generate_series, parse_skip_dates
from plugins.groups.models import GroupSession, Programme


def test_series_every_wednesday_skips_listed_holiday_and_still_gives_six():
    # 2025-02-19 is a Wednesday; the Krokus holiday week 3-9 March 2025 is skipped.
    skip = parse_skip_dates("03/03/2025 - 09/03/2025")
    slots, skipped = generate_series(date(2025, 2, 17), 2, time(13, 30), time(16, 30), 6, skip)
    days = [s.starts_at.date() for s in slots]
    assert days == [date(2025, 2, 19), date(2025, 2, 26), date(2025, 3, 12), date(2025, 3, 19),
                    date(2025, 3, 26), date(2025, 4, 2)]
    assert skipped == [date(2025, 3, 5)]
    assert all(s.starts_at.time() == time(13, 30) and s.ends_at.time() == time(16, 30) for s in slots)
    assert all(d.weekday() == 2 for d in days)


def test_series_skips_single_dates_in_several_formats():
    skip = parse_skip_dates("26/02/2025\n2025-03-12; 19.03.2025")
    slots, skipped = generate_series(date(2025, 2, 19), 2, time(13, 30), time(16, 30), 3, skip)
    assert [s.starts_at.date() for s in slots] == [date(2025, 2, 19), date(2025, 3, 5), date(2025, 3, 26)]
    assert skipped == [date(2025, 2, 26), date(2025, 3, 12), date(2025, 3, 19)]


def test_series_starts_on_first_matching_weekday():
    slots, _ = generate_series(date(2025, 2, 20), 2, time(13, 30), time(16, 30), 1)  # a Thursday
    assert slots[0].starts_at == datetime(2025, 2, 26, 13, 30)


@pytest.mark.parametrize("bad", ["31/02/2025", "morgen", "09/03/2025 - 03/03/2025", "1/1/2025 - 2/2/2025 - 3/3/2025"])
def test_bad_skip_dates_raise_dutch_message(bad):
    with pytest.raises(ValueError, match="geen geldige datum"):
        parse_skip_dates(bad)


def _sessions(n):
    return [GroupSession(id=i + 1, programme_id=1, starts_at=datetime(2025, 3, 1 + i, 13, 30),
                         ends_at=datetime(2025, 3, 1 + i, 16, 30), cancelled=False) for i in range(n)]


def test_attendance_rates_per_child_and_per_session():
    sessions = _sessions(4)
    records = [(1, 10, "present"), (2, 10, "present"), (3, 10, "excused"), (4, 10, "present"),
               (1, 11, "present"), (2, 11, "absent"), (3, 11, "present"), (4, 11, "absent")]
    per_child, per_session = attendance_figures(sessions, records, [10, 11])
    assert per_child[10].rate == 75 and per_child[10].excused == 1
    assert per_child[11].rate == 50 and per_child[11].absent == 2
    assert not per_child[11].flagged  # absences not in a row
    assert per_session[1].rate == 100 and per_session[2].rate == 50 and per_session[4].rate == 50
    assert per_session[3].recorded == 2


def test_two_absences_in_a_row_flag_and_excused_or_cancelled_do_not_count():
    sessions = _sessions(4)
    per_child, _ = attendance_figures(sessions, [(1, 1, "present"), (3, 1, "absent"), (4, 1, "absent")], [1])
    assert per_child[1].flagged
    # recorded out of order: still judged in time order
    per_child, _ = attendance_figures(sessions, [(4, 2, "absent"), (1, 2, "absent"), (3, 2, "present")], [2])
    assert not per_child[2].flagged
    per_child, _ = attendance_figures(sessions, [(3, 3, "excused"), (4, 3, "absent")], [3])
    assert not per_child[3].flagged
    sessions[3].cancelled = True
    per_child, _ = attendance_figures(sessions, [(2, 4, "absent"), (3, 4, "absent"), (4, 4, "present")], [4])
    assert per_child[4].flagged and per_child[4].recorded == 2


def test_no_records_means_no_rate():
    per_child, per_session = attendance_figures(_sessions(2), [], [5])
    assert per_child[5].rate is None and per_session[1].rate is None


def test_fit_warning_school_level_and_age_range():
    prog = Programme(name="g", age_group="secundair", start_date=date(2025, 3, 1))
    kid = Person(given_name="Lotte", family_name="P", school_level="lager", school_year=5, birth_date=date(2015, 3, 14))
    assert "secundair onderwijs" in fit_warning(prog, kid)
    prog.age_group = "lager"
    assert fit_warning(prog, kid) is None
    prog.age_group, prog.age_min, prog.age_max = "leeftijd", 6, 9
    assert "is 9 jaar" not in (fit_warning(prog, kid) or "")  # 9 on 1/3/2025: fits
    prog.start_date = date(2025, 3, 15)
    assert "10 jaar" in fit_warning(prog, kid)
    prog.age_group = "ouders"
    assert fit_warning(prog, kid) is None


def test_series_properties_hold_for_any_pattern():
    from datetime import timedelta

    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=200, deadline=None)
    @given(first=st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)),
           weekday=st.integers(0, 6), count=st.integers(1, 52),
           skip_offsets=st.sets(st.integers(0, 400), max_size=30))
    def check(first, weekday, count, skip_offsets):
        skip = {first + timedelta(days=o) for o in skip_offsets}
        slots, skipped = generate_series(first, weekday, time(13, 30), time(16, 30), count, skip)
        days = [s.starts_at.date() for s in slots]
        assert len(slots) == count
        assert all(d.weekday() == weekday and d >= first and d not in skip for d in days)
        assert all((b - a).days % 7 == 0 and b > a for a, b in zip(days, days[1:], strict=False))
        assert set(skipped) <= skip and all(d < days[-1] for d in skipped)
        # no matching weekday between the first and the last slot is lost unless it was skipped
        candidate = first + timedelta(days=(weekday - first.weekday()) % 7)
        assert (days[-1] - candidate).days // 7 + 1 == count + len(skipped)

    check()
