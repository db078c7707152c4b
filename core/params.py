"""Query-string parameters, read one way everywhere (core and plugins).

Every function reads ``request.args[name]`` and returns a checked Python value. An absent or empty
parameter gives ``default``; anything else that does not fit answers the request with a Dutch 400 page that
names the parameter, shows (a short piece of) what was given and says what is allowed. Views never parse
``request.args`` by hand::

    from core.params import arg_choice, arg_date, arg_int, arg_str

    year = arg_int("jaar", date.today().year, min=2000, max=2100)
    day = arg_date("dag", date.today())
    scope = arg_choice("team", ("mijn", "alle"), "mijn")
    q = arg_str("q", max_len=100)

The 400 is raised as :class:`BadParameter` (a ``werkzeug`` ``BadRequest``), so it works from helpers too;
the core's error handler renders it with ``core.errors.render_error``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from flask import request
from werkzeug.exceptions import BadRequest

__all__ = ["BadParameter", "INT_MAX", "arg_bool", "arg_choice", "arg_date", "arg_id", "arg_int", "arg_month",
           "arg_str"]

#: the largest value an INTEGER column holds on PostgreSQL: the default bounds of ``arg_int``
INT_MAX = 2**31 - 1
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2200, 12, 31)
_INT = re.compile(r"[+-]?\d{1,12}")
_TRUE = {"1", "true", "ja", "on", "yes"}
_FALSE = {"0", "false", "nee", "off", "no"}


class BadParameter(BadRequest):
    """A query parameter that does not fit: 400 with a Dutch message naming the parameter."""

    def __init__(self, name: str, given: str, allowed: str):
        super().__init__()
        self.param = name
        shown = given if len(given) <= 40 else given[:40] + "…"
        self.hvhk_message = (f"Het adres bevat een ongeldige waarde voor ‘{name}’: ‘{shown}’. Toegelaten: {allowed}. "
                             "Ga terug en gebruik de knoppen en filters op de pagina.")


def _raw(name: str) -> str | None:
    value = request.args.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _day(d: date) -> str:
    return f"{d:%d/%m/%Y}"


def arg_int(name: str, default: int | None = None, *, min: int | None = -INT_MAX, max: int | None = INT_MAX,
            ) -> int | None:
    """A whole number from ``?name=``, with ``min <= value <= max`` (both inclusive; by default the range of
    a database INTEGER, so the value is always safe to compare with an id column)."""
    raw = _raw(name)
    if raw is None:
        return default
    lo = -INT_MAX if min is None else min
    hi = INT_MAX if max is None else max
    value = int(raw) if _INT.fullmatch(raw) else None
    if value is None or not lo <= value <= hi:
        raise BadParameter(name, raw, f"een geheel getal van {lo} tot en met {hi}")
    return value


def arg_id(name: str) -> int | None:
    """A record id (a positive INTEGER) from ``?name=``, or None when absent."""
    return arg_int(name, None, min=1)


def _parse_date(raw: str) -> date | None:
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", raw) or None
    if m:
        y, mo, d = (int(x) for x in m.groups())
    else:
        m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", raw)
        if not m:
            return None
        d, mo, y = (int(x) for x in m.groups())
    try:
        return date(y, mo, d)
    except ValueError:
        return None


def arg_date(name: str, default: date | None = None, *, min: date = DATE_MIN, max: date = DATE_MAX) -> date | None:
    """A date from ``?name=`` written ``jjjj-mm-dd`` (as ``url_for`` writes it) or ``dd/mm/jjjj``."""
    raw = _raw(name)
    if raw is None:
        return default
    value = _parse_date(raw)
    if value is None or not min <= value <= max:
        raise BadParameter(name, raw, f"een datum (jjjj-mm-dd) van {_day(min)} tot en met {_day(max)}")
    return value


def arg_month(name: str, default: date | None = None, *, min: date = DATE_MIN, max: date = DATE_MAX) -> date | None:
    """A month from ``?name=jjjj-mm``, returned as the first day of that month."""
    raw = _raw(name)
    if raw is None:
        return default
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", raw)
    value = date(int(m.group(1)), int(m.group(2)), 1) if m and 1 <= int(m.group(2)) <= 12 else None
    if value is None or not min.replace(day=1) <= value <= max:
        raise BadParameter(name, raw, f"een maand (jjjj-mm) van {min:%m/%Y} tot en met {max:%m/%Y}")
    return value


def arg_choice(name: str, choices: Iterable, default: str | None = None) -> str | None:
    """One of ``choices`` (values, or ``(value, label)`` pairs as in a SelectField, or a dict's keys)."""
    raw = _raw(name)
    if raw is None:
        return default
    values = [c[0] if isinstance(c, tuple | list) else c for c in choices]
    if raw not in values:
        shown = ", ".join(str(v) for v in values if v != "")
        raise BadParameter(name, raw, shown if len(values) <= 12 else "een van de keuzes uit de lijst op de pagina")
    return raw


def arg_str(name: str, default: str = "", *, max_len: int = 100) -> str:
    """Free text from ``?name=`` (a search term), stripped, at most ``max_len`` characters."""
    raw = _raw(name)
    if raw is None:
        return default
    if len(raw) > max_len:
        raise BadParameter(name, raw, f"een tekst van hoogstens {max_len} tekens")
    return raw


def arg_bool(name: str, default: bool = False) -> bool:
    """A yes/no switch from ``?name=1`` / ``?name=0`` (also ja/nee, true/false, on/off)."""
    raw = _raw(name)
    if raw is None:
        return default
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise BadParameter(name, raw, "1 (ja) of 0 (nee)")
