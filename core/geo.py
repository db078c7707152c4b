"""Municipalities of the region with their postcodes and the region they fall in.

Belgian postcodes are four digits (1000-9999). The list below covers the municipalities the demo
and the PeTra region use; any valid Belgian postcode is accepted for an address elsewhere.
"""

import re

# municipality -> (postcodes, region)
MUNICIPALITIES: dict[str, tuple[tuple[str, ...], str]] = {
    "Genk": (("3600",), "GAOZ"),
    "As": (("3665",), "GAOZ"),
    "Oudsbergen": (("3660", "3670"), "GAOZ"),
    "Zutendaal": (("3690",), "GAOZ"),
    "Hasselt": (("3500", "3501", "3510", "3511", "3512"), "Hasselt"),
    "Maasmechelen": (("3630",), "Maasland"),
    "Bilzen-Hoeselt": (("3740", "3730"), "Haspengouw"),
    "Houthalen-Helchteren": (("3530",), "Noord-Limburg"),
    "Lanaken": (("3620",), "Maasland"),
    "Dilsen-Stokkem": (("3650",), "Maasland"),
    "Zonhoven": (("3520",), "Hasselt"),
    "Diepenbeek": (("3590",), "Hasselt"),
    "Maaseik": (("3680",), "Maasland"),
    "Bree": (("3960",), "Noord-Limburg"),
}

POSTCODE_RE = re.compile(r"^[1-9][0-9]{3}$")


def region_of(municipality: str | None) -> str | None:
    entry = MUNICIPALITIES.get(municipality or "")
    return entry[1] if entry else None


def is_valid_postcode(postcode: str) -> bool:
    return bool(POSTCODE_RE.match(postcode or ""))


def postcode_matches(postcode: str, municipality: str) -> bool:
    """True when the postcode belongs to a known municipality, or the municipality is not in our list."""
    entry = MUNICIPALITIES.get(municipality)
    return entry is None or postcode in entry[0]


def municipality_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(MUNICIPALITIES)]
