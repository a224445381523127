"""Times written with their IANA zone ('2027-07-05 09:00 Europe/Madrid'), and their display."""

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import dates as babel_dates

from app.core.i18n import current_language

ZONED_TIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) ([A-Za-z_]+(?:/[A-Za-z0-9_+\-]+)+|UTC)$"
)
# Dates go through Babel in every language, so none depends on the process's locale. English
# takes the British order of the certificates ('Monday 5 July 2027'), not CLDR's "en" (US) one;
# the other languages take CLDR's own "full" and "long" formats.
FULL_DATE = {"en": "EEEE d MMMM y"}
LONG_DATE = {"en": "d MMMM y"}
# CLDR has no "full date without the year" format; these follow each language's full one.
WEEKDAY_WITHOUT_YEAR = {"en": "EEEE d MMMM", "es": "EEEE, d 'de' MMMM", "fr": "EEEE d MMMM"}
LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$")


class ZonedTimeError(ValueError):
    """A time that is not written as 'YYYY-MM-DD HH:MM Area/City'."""


def is_time_zone(name: str) -> bool:
    return isinstance(name, str) and name in _zone_names()


@cache
def _zone_names() -> set[str]:
    return available_timezones()


def parse_zoned_time(text: str) -> tuple[datetime, str]:
    """Parse 'YYYY-MM-DD HH:MM Area/City' into an aware UTC datetime and the zone's name."""
    if not isinstance(text, str):
        raise ZonedTimeError(f"{text!r} is not a time; write it as 'YYYY-MM-DD HH:MM Area/City'")
    match = ZONED_TIME.match(text.strip())
    if not match:
        if LOCAL_TIME.match(text.strip()):
            raise ZonedTimeError(
                f"'{text}' has no time zone; write it as 'YYYY-MM-DD HH:MM Area/City'"
            )
        raise ZonedTimeError(f"'{text}' is not a time; write it as 'YYYY-MM-DD HH:MM Area/City'")
    day, clock, zone_name = match.groups()
    if not is_time_zone(zone_name):
        raise ZonedTimeError(f"'{zone_name}' is not an IANA time zone (such as Europe/Madrid)")
    try:
        zone = ZoneInfo(zone_name)
        local = datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=zone)
    except (ValueError, ZoneInfoNotFoundError) as error:
        raise ZonedTimeError(f"'{text}' is not a valid time: {error}") from error
    return local.astimezone(UTC), zone_name


def format_zoned_time(moment: datetime, zone_name: str) -> str:
    """The inverse of parse_zoned_time: 'YYYY-MM-DD HH:MM Area/City'."""
    local = moment.astimezone(ZoneInfo(zone_name))
    return f"{local:%Y-%m-%d %H:%M} {zone_name}"


def local_time(moment: datetime, zone_name: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone_name))


def format_date(day: date, language: str | None = None) -> str:
    """'Monday 5 July 2027', 'lunes, 5 de julio de 2027': unambiguous in every country."""
    language = language or current_language()
    return babel_dates.format_date(day, FULL_DATE.get(language, "full"), locale=language)


def format_day(day: date, language: str | None = None) -> str:
    """'5 July 2027' (the form printed on certificates), '5 de julio de 2027', '5 juillet 2027'."""
    language = language or current_language()
    return babel_dates.format_date(day, LONG_DATE.get(language, "long"), locale=language)


def format_weekday(day: date, *, year: bool = True, language: str | None = None) -> str:
    """'Thursday 8 July', with the year when asked; 'jeudi 8 juillet 2027' in French."""
    language = language or current_language()
    if year:
        return format_date(day, language)
    return babel_dates.format_date(day, WEEKDAY_WITHOUT_YEAR[language], locale=language)


# The night on a person's clock: mail due then goes at 21:00 the evening before instead.
NIGHT_STARTS, NIGHT_ENDS = 22, 7
EVENING = time(21, 0)


def at_a_waking_hour(moment: datetime, zone_name: str) -> datetime:
    """`moment`, or, when it falls between 22:00 and 07:00 on that zone's clock, 21:00 the
    evening before (UTC): a reminder should not arrive in the night."""
    local = local_time(moment, zone_name)
    if NIGHT_ENDS <= local.hour < NIGHT_STARTS:
        return moment
    evening = local.date() if local.hour >= NIGHT_STARTS else local.date() - timedelta(days=1)
    return datetime.combine(evening, EVENING, tzinfo=ZoneInfo(zone_name)).astimezone(UTC)
