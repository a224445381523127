"""Countries and time zones offered in forms."""

import unicodedata
from functools import cache
from zoneinfo import available_timezones

from babel import Locale

# Babel's territories include groupings and special codes that are not countries.
NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}
ZONE_AREAS = (
    "Africa",
    "America",
    "Antarctica",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)


@cache
def countries(locale: str = "en") -> tuple[tuple[str, str], ...]:
    """(ISO 3166 code, name) for every country and territory, sorted by name in `locale`
    ('Égypte' among the E's, not after 'Zimbabwe'). Every language offers the same codes: one
    that a language has no name for (Sark in Spanish) keeps its English name."""
    english = Locale.parse("en").territories
    names = Locale.parse(locale).territories
    found = [
        (code, names.get(code) or name)
        for code, name in english.items()
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    ]
    return tuple(sorted(found, key=lambda pair: _sort_key(pair[1])))


def _sort_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def country_name(code: str | None, locale: str = "en") -> str:
    if not code:
        return ""
    return dict(countries(locale)).get(code, code)


@cache
def time_zones_by_area() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The IANA zones people pick from, grouped by area ('Europe': 'Europe/Madrid', ...)."""
    zones = available_timezones()
    grouped = []
    for area in ZONE_AREAS:
        members = sorted(zone for zone in zones if zone.startswith(area + "/"))
        grouped.append((area, tuple(members)))
    grouped.append(("Other", ("UTC",)))
    return tuple(grouped)


@cache
def selectable_time_zones() -> frozenset[str]:
    return frozenset(zone for _area, members in time_zones_by_area() for zone in members)
