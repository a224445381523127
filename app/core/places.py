"""Countries and time zones offered in forms, and the zone a person most likely lives in."""

import unicodedata
from functools import cache
from zoneinfo import available_timezones

from babel import Locale
from babel.core import get_global

from app.core.timezones import zone_label

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


# The picker's regions (the IANA areas where people live), then UTC.
PICKER_AREAS = ("Africa", "America", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")


@cache
def _aliases() -> dict[str, tuple[str, ...]]:
    """Old names of each zone ('Asia/Calcutta' for 'Asia/Kolkata'), which some browsers still
    report: the picker lists a zone once, under its current name."""
    zones = available_timezones()
    found: dict[str, list[str]] = {}
    for alias, zone in get_global("zone_aliases").items():
        if alias in zones and zone in zones and alias != zone and "/" in alias:
            found.setdefault(zone, []).append(alias)
    return {zone: tuple(sorted(names)) for zone, names in found.items()}


def canonical_zone(zone: str) -> str:
    """A zone under its current name: 'Asia/Kolkata' for 'Asia/Calcutta'."""
    current = get_global("zone_aliases").get(zone)
    return current if current and current in available_timezones() else zone


@cache
def _picker_zones() -> tuple[tuple[str, tuple[str, ...]], ...]:
    zones = available_timezones()
    return tuple(
        (
            area,
            tuple(sorted(z for z in zones if z.startswith(area + "/") and canonical_zone(z) == z)),
        )
        for area in PICKER_AREAS
    )


@cache
def time_zone_choices(
    language: str,
) -> tuple[tuple[str, tuple[tuple[str, str, tuple[str, ...]], ...]], ...]:
    """The picker's groups, each (area, ((zone, label, old names), ...)) with the zones sorted
    by their label in `language`, and ('UTC', (('UTC', ...),)) last."""
    groups = []
    for area, zones in _picker_zones():
        labelled = [(zone, zone_label(zone, language), _aliases().get(zone, ())) for zone in zones]
        groups.append((area, tuple(sorted(labelled, key=lambda item: _sort_key(item[1])))))
    groups.append(("UTC", (("UTC", zone_label("UTC", language), ("Etc/UTC",)),)))
    return tuple(groups)


# The zone a person most likely lives in, for a picker's first value, when no browser says.
# A country with several zones takes its most populous one.
MAIN_ZONE = {
    "AR": "America/Argentina/Buenos_Aires",
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "CD": "Africa/Kinshasa",
    "CL": "America/Santiago",
    "CN": "Asia/Shanghai",
    "CY": "Asia/Nicosia",
    "DE": "Europe/Berlin",
    "EC": "America/Guayaquil",
    "ES": "Europe/Madrid",
    "FM": "Pacific/Pohnpei",
    "GL": "America/Nuuk",
    "ID": "Asia/Jakarta",
    "KI": "Pacific/Tarawa",
    "KZ": "Asia/Almaty",
    "MH": "Pacific/Majuro",
    "MN": "Asia/Ulaanbaatar",
    "MX": "America/Mexico_City",
    "MY": "Asia/Kuala_Lumpur",
    "NZ": "Pacific/Auckland",
    "PF": "Pacific/Tahiti",
    "PG": "Pacific/Port_Moresby",
    "PS": "Asia/Hebron",
    "PT": "Europe/Lisbon",
    "RU": "Europe/Moscow",
    "UA": "Europe/Kyiv",
    "US": "America/New_York",
    "UZ": "Asia/Tashkent",
}
# For a language alone: where most of the programme's officials who read it live.
LANGUAGE_ZONE = {
    "en": "Europe/London",
    "es": "America/Bogota",
    "fr": "Europe/Paris",
    "pt": "America/Sao_Paulo",
    "ar": "Asia/Amman",
    "ko": "Asia/Seoul",
}
FALLBACK_ZONE = "Europe/London"


def territory_zone(territory: str) -> str | None:
    """The main zone of a country ('CO': 'America/Bogota'), by Babel's territory zones."""
    territory = territory.upper()
    if territory in MAIN_ZONE:
        return MAIN_ZONE[territory]
    zones = [
        canonical_zone(zone)
        for zone in get_global("territory_zones").get(territory, ())
        if canonical_zone(zone) in available_timezones()
    ]
    return zones[0] if zones else None


def language_zone(language: str) -> str | None:
    """The likeliest zone for a language without a country: the table's, else the zone of the
    language's likeliest country (Babel's likely subtags: 'tr' is Turkey)."""
    language = language.lower()
    if language in LANGUAGE_ZONE:
        return LANGUAGE_ZONE[language]
    likely = get_global("likely_subtags").get(language)
    if not likely:
        return None
    try:
        territory = Locale.parse(likely).territory
    except (ValueError, TypeError):
        return None
    return territory_zone(territory) if territory else None


def guess_zone(tags: list[str], language: str | None = None) -> str:
    """The zone to offer first, from a browser's languages (best first): the first one naming
    a country ('es-CO': America/Bogota), else the first language ('es': America/Bogota), else
    the interface's `language`; never UTC by default."""
    parsed = []
    for tag in tags:
        parts = tag.replace("_", "-").split("-")
        if not parts[0].isalpha():
            continue  # '*'
        region = next((p for p in parts[1:] if len(p) == 2 and p.isalpha()), None)
        parsed.append((parts[0], region))
    for _language, region in parsed:
        zone = territory_zone(region) if region else None
        if zone:
            return zone
    for found, _region in [*parsed, (language or "", None)]:
        zone = language_zone(found) if found else None
        if zone:
            return zone
    return FALLBACK_ZONE
