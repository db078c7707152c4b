"""Dates, times, numbers and amounts in Flemish notation, through Babel's ``nl_BE`` locale.

One function per kind, usable anywhere (views, flash messages, exports, pure computations), and the same
functions as Jinja filters, registered by the core for every template::

    {{ t.referred_on|datum }}         05/03/2025
    {{ entry.at|datumtijd }}          05/03/2025 14:30
    {{ s.starts_at|tijd }}            14:30
    {{ s.starts_at|periode(s.ends_at) }}  wo 05/03/2025 13:30-16:30
    {{ hours|getal }}                 1.234,5
    {{ fee.amount|euro }}             € 2.437,50   (a no-break space after the sign, as Babel writes it)
    {{ team.phone|tel }}              tel:+3289123456   (the href of a link that dials a Belgian number)

Dates are numeric day/month/year (``dd/MM/y``) because that is also what every date field accepts; any
Babel/CLDR pattern, a named length (``short``, ``medium``, ``long``, ``full``) or ``weekdag`` ("wo 05/03/2025")
can be passed instead:
``{{ d|datum('EEEE d MMMM y') }}`` gives "woensdag 5 maart 2025". ``None`` and ``''`` give ``''``
(``euro`` and ``getal`` give ``—`` for ``None``, as tables want a visible blank).
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

LOCALE = "nl_BE"
_LOCALE = Locale.parse(LOCALE)  # once per process: Babel builds (and looks up on disk) a Locale per call given a str
DATE_FORMAT = "dd/MM/y"
DATETIME_FORMAT = "dd/MM/y HH:mm"
TIME_FORMAT = "HH:mm"
WEEKDAY_DATE_FORMAT = "EEEEEE dd/MM/y"  # "wo 05/03/2025"
NAMED_FORMATS = {"weekdag": WEEKDAY_DATE_FORMAT}  # {{ d|datum('weekdag') }}
EMPTY = "—"
_CENT = Decimal("0.01")
_NL_SEPARATORS = str.maketrans(",.", ".,")  # 1,234.50 -> 1.234,50


def _to_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def format_date(value: date | datetime | None, format: str = DATE_FORMAT) -> str:
    """A date (or the date of a date-time) in ``nl_BE``: ``05/03/2025`` by default."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if format == DATE_FORMAT and value.year >= 1000:  # the everyday case, without Babel's pattern machinery
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    return babel_dates.format_date(value, format=NAMED_FORMATS.get(format, format), locale=_LOCALE)


def format_datetime(value: datetime | date | None, format: str = DATETIME_FORMAT) -> str:
    """A date-time in ``nl_BE``: ``05/03/2025 14:30``. A plain date is shown as a date. Stored times are naive
    local times, so no time zone is applied."""
    if not value:
        return ""
    if not isinstance(value, datetime):
        return format_date(value)
    if format == DATETIME_FORMAT and value.year >= 1000:
        return f"{value.day:02d}/{value.month:02d}/{value.year} {value.hour:02d}:{value.minute:02d}"
    return babel_dates.format_datetime(value, format=format, locale=_LOCALE)


def format_time(value: datetime | time | None, format: str = TIME_FORMAT) -> str:
    """A clock time: ``14:30``."""
    if not value:
        return ""
    if format == TIME_FORMAT:
        return f"{value.hour:02d}:{value.minute:02d}"
    return babel_dates.format_time(value, format=format, locale=_LOCALE)


def format_period(start: datetime | None, end: datetime | None = None) -> str:
    """A stretch of time with its weekday: ``wo 05/03/2025 13:30-16:30`` on one day, else
    ``vr 28/03/2025 19:00 tot zo 30/03/2025 12:00``."""
    if not start:
        return ""
    first = f"{format_date(start, WEEKDAY_DATE_FORMAT)} {format_time(start)}"
    if not end:
        return first
    if end.date() == start.date():
        return f"{first}-{format_time(end)}"
    return f"{first} tot {format_date(end, WEEKDAY_DATE_FORMAT)} {format_time(end)}"


def format_number(value, decimals: int | None = None) -> str:
    """A number in ``nl_BE``: ``1.234,5``; without useless decimals unless ``decimals`` fixes their count
    (``format_number(2, 1)`` is ``2,0``). ``None`` gives ``—``."""
    d = _to_decimal(value)
    if d is None:
        return EMPTY
    if decimals is None:
        # a Decimal (amounts, hours, inputs) is exact: show every significant decimal; a float at most three
        exact = isinstance(value, Decimal | int)
        return babel_numbers.format_decimal(d.normalize() if exact else d, locale=_LOCALE, decimal_quantization=not exact)
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    d = d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return babel_numbers.format_decimal(d, format=pattern, locale=_LOCALE, decimal_quantization=False)


def format_euro(value) -> str:
    """An amount in euro in ``nl_BE``, rounded to the cent half away from zero: ``€ 2.437,50``
    (``€ -12,50`` when negative). ``None`` gives ``—``."""
    d = _to_decimal(value)
    if d is None:
        return EMPTY
    d = d.quantize(_CENT, rounding=ROUND_HALF_UP)
    if not d.is_finite():
        return babel_numbers.format_currency(d, "EUR", locale=_LOCALE)
    # Babel's nl_BE currency pattern ("¤ #,##0.00", a no-break space after the sign, the minus after it) written
    # out: the same text at a fraction of the cost (a cost sheet shows hundreds of amounts; tests compare both)
    digits = f"{abs(d):,.2f}".translate(_NL_SEPARATORS)
    return f"€\xa0-{digits}" if d.is_signed() else f"€\xa0{digits}"


def month_label(value: date) -> str:
    """``maart 2025``: a month heading."""
    return babel_dates.format_date(value, format="LLLL y", locale=_LOCALE)


# --------------------------------------------------------------------------- Belgian phone numbers

_PHONE_CHARS = set("0123456789 +/.-()")
_ONE_DIGIT_ZONES = "2349"  # Brussel, Antwerpen, Luik, Gent: 0Z XXX XX XX; every other zone 0ZZ XX XX XX


def belgian_phone(text: str | None) -> str | None:
    """A Belgian phone number written the Flemish way (``089 12 34 56``, ``02 123 45 67``, ``0470 12 34 56``,
    ``0800 12 345``), or None when ``text`` is not one. Accepts spaces, ``/``, ``.``, ``-``, brackets and the
    international forms ``+32 89 ...``, ``0032 89 ...`` and ``+32 (0)89 ...``."""
    if not text or not set(text) <= _PHONE_CHARS or text.count("+") > 1 or "+" in text.strip()[1:]:
        return None
    compact = text.replace("(0)", "") if text.lstrip().startswith(("+32", "0032")) else text
    digits = "".join(c for c in compact if c.isdigit())
    if text.strip().startswith("+"):
        if not digits.startswith("32"):
            return None
        digits = "0" + digits[2:]
    elif digits.startswith("0032"):
        digits = "0" + digits[4:]
    if not digits.startswith("0") or digits.startswith("00"):
        return None
    if len(digits) == 10 and digits[1] == "4":  # mobile: 04XX XX XX XX
        return f"{digits[:4]} {digits[4:6]} {digits[6:8]} {digits[8:]}"
    if len(digits) != 9:
        return None
    if digits[:3] in ("080", "090"):  # 0800 (free) and 090x (paying) numbers: 0800 12 345
        return f"{digits[:4]} {digits[4:6]} {digits[6:]}"
    if digits[1] in _ONE_DIGIT_ZONES:
        return f"{digits[:2]} {digits[2:5]} {digits[5:7]} {digits[7:]}"
    return f"{digits[:3]} {digits[3:5]} {digits[5:7]} {digits[7:]}"


def tel_uri(phone: str | None) -> str:
    """``tel:+3289123456`` for a link that dials ``phone`` (any Belgian form ``belgian_phone`` accepts);
    ``''`` when it is not one."""
    national = belgian_phone(phone)
    return "tel:+32" + national[1:].replace(" ", "") if national else ""


FILTERS = {
    "datum": format_date,
    "datumtijd": format_datetime,
    "tijd": format_time,
    "periode": format_period,
    "getal": format_number,
    "euro": format_euro,
    "tel": tel_uri,
}


def init_app(app) -> None:
    """Register the filters (``datum``, ``datumtijd``, ``tijd``, ``periode``, ``getal``, ``euro``, ``tel``)."""
    app.jinja_env.filters.update(FILTERS)
