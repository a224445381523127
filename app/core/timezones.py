"""Times written with their IANA zone ('2027-07-05 09:00 Europe/Madrid'), and their display.

Every time a person reads goes through here: in their own zone when they are logged in
(`reader_zone`), with the zone the event was set in beside it when its clocks differ
(`format_when`), and zones named in the reader's language by Babel ('Seoul', 'hora de
Colombia', 'GMT+9'), never as raw IANA names.
"""

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from babel import dates as babel_dates
from flask import has_request_context
from flask_login import current_user

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
WEEKDAY_WITHOUT_YEAR = {
    "en": "EEEE d MMMM",
    "es": "EEEE, d 'de' MMMM",
    "fr": "EEEE d MMMM",
    "pt": "EEEE, d 'de' MMMM",
    "ar": "EEEE، d MMMM",
    "ko": "MMMM d일 EEEE",
}
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
    pattern = WEEKDAY_WITHOUT_YEAR.get(language)
    if pattern is None:
        return format_date(day, language)
    return babel_dates.format_date(day, pattern, locale=language)


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


# Zones, as people read them. ---------------------------------------------------------------

UNIVERSAL_ZONES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT"})
ETC_OFFSET = re.compile(r"^Etc/GMT([+-]\d+)$")


def reader_zone() -> str | None:
    """The zone of the person reading this request: their profile's when they are logged in;
    None for a visitor, who is shown each time in the zone it was set in."""
    if not has_request_context() or not current_user.is_authenticated:
        return None
    zone = getattr(current_user, "time_zone", None)
    return zone if zone and is_time_zone(zone) else "UTC"


def _language(language: str | None) -> str:
    return language or current_language()


def _offset_text(moment: datetime, language: str) -> str:
    """The offset in the language's GMT format, as short as it goes: 'GMT+9', 'GMT-3:30',
    'UTC+2' in French, '+9 GMT' in Portuguese, 'GMT' for no offset."""
    offset = moment.utcoffset() or timedelta(0)
    minutes = round(offset.total_seconds() / 60)
    pattern = Locale.parse(language).zone_formats["gmt"]
    if minutes == 0:
        return (pattern % "").strip()
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return pattern % (f"{sign}{hours}:{rest:02d}" if rest else f"{sign}{hours}")


def zone_short(moment: datetime, zone_name: str, language: str | None = None) -> str:
    """The zone's short name at `moment`: a well-known abbreviation where Babel has one for
    the language ('EDT', 'GMT', 'CEST' in Spanish, 'UTC'), else its offset ('GMT+9')."""
    language = _language(language)
    local = local_time(moment, zone_name)
    if zone_name not in UNIVERSAL_ZONES and not ETC_OFFSET.match(zone_name):
        name = babel_dates.get_timezone_name(local, width="short", locale=language)
        # Babel answers '+0900' for a zone without a common abbreviation.
        if name and not any(character.isdigit() for character in name):
            return name
    elif zone_name in UNIVERSAL_ZONES:
        return babel_dates.get_timezone_name(local, width="short", locale=language)
    return _offset_text(local, language)


def zone_city(zone_name: str, language: str | None = None) -> str:
    """The zone's city in the language ('Seoul', 'Seúl', '서울'): 'UTC' and 'GMT-5' for the
    zones of no place."""
    language = _language(language)
    if zone_name in UNIVERSAL_ZONES:
        return "UTC"
    if ETC_OFFSET.match(zone_name):
        return _offset_text(local_time(datetime.now(UTC), zone_name), language)
    return babel_dates.get_timezone_location(ZoneInfo(zone_name), language, return_city=True)


def zone_label(zone_name: str, language: str | None = None) -> str:
    """The zone as the picker offers it and pages name it: its city and the name of its time,
    'Seoul (Korean Time)', 'Bogotá (hora de Colombia)', 'UTC (Coordinated Universal Time)'."""
    language = _language(language)
    if ETC_OFFSET.match(zone_name):
        return zone_city(zone_name, language)
    return f"{zone_city(zone_name, language)} ({zone_generic_name(zone_name, language)})"


def zone_generic_name(zone_name: str, language: str | None = None) -> str:
    """The name of the zone's time all year round: 'Central European Time', 'hora de Corea'."""
    language = _language(language)
    zone = ZoneInfo(zone_name)
    if zone_name in UNIVERSAL_ZONES:
        # Given a moment, Babel names UTC ('Coordinated Universal Time'); given only the zone,
        # it would say 'Unknown Region (UTC) Time'.
        moment = datetime(2000, 1, 1, tzinfo=zone)
        return babel_dates.get_timezone_name(moment, width="long", locale=language)
    if ETC_OFFSET.match(zone_name):
        return zone_city(zone_name, language)
    return babel_dates.get_timezone_name(
        zone, width="long", zone_variant="generic", locale=language
    )


def format_clock(moment: datetime, zone_name: str, language: str | None = None) -> str:
    """'16:00': a 24-hour clock, as every page of the course writes it."""
    local = local_time(moment, zone_name)
    return babel_dates.format_time(local, "HH:mm", locale=_language(language))


def date_and_time(day: str, clock: str, language: str | None = None) -> str:
    """'Thursday 8 July 2027, 16:00 GMT+9': a date and a time joined the language's way."""
    pattern = Locale.parse(_language(language)).datetime_formats["full"]
    return str(pattern).format(clock, day)


def format_moment(
    moment: datetime, zone_name: str, language: str | None = None, *, year: bool = True
) -> str:
    """'Thursday 8 July 2027, 16:00 GMT+9': a moment on one zone's clock, with the zone."""
    language = _language(language)
    local = local_time(moment, zone_name)
    clock = f"{format_clock(local, zone_name, language)} {zone_short(local, zone_name, language)}"
    day = format_weekday(local.date(), year=year, language=language)
    return date_and_time(day, clock, language)


def same_clock(moment: datetime, first: str, second: str) -> bool:
    """Whether two zones show the same wall-clock time at `moment` (the same offset)."""
    return local_time(moment, first).utcoffset() == local_time(moment, second).utcoffset()


def format_when(
    moment: datetime,
    event_zone: str | None = None,
    reader: str | None = None,
    language: str | None = None,
    *,
    year: bool = True,
) -> str:
    """A moment for a reader: on their clock, with the event's own clock beside it where it
    differs ('Thursday 8 July 2027, 16:00 GMT+9 (09:00 in Madrid)'); for a visitor without a
    zone (`reader` None), on the event's clock with its place ('..., 09:00 GMT+2 (Madrid time)').

    The words beside come from the catalogue (`_`), so this needs an app context when an
    event zone is given; dates, times and zone names come from Babel."""
    from flask_babel import gettext as _

    language = _language(language)
    if reader is None:
        zone = event_zone or "UTC"
        seen = format_moment(moment, zone, language, year=year)
        if event_zone is None or zone in UNIVERSAL_ZONES:
            return seen
        return f"{seen} ({_('%(zone)s time', zone=zone_city(zone, language))})"
    seen = format_moment(moment, reader, language, year=year)
    if event_zone is None or same_clock(moment, reader, event_zone):
        return seen
    own = local_time(moment, event_zone)
    if own.date() == local_time(moment, reader).date():
        there = format_clock(own, event_zone, language)
    else:
        there = date_and_time(
            format_weekday(own.date(), year=False, language=language),
            format_clock(own, event_zone, language),
            language,
        )
    return f"{seen} ({_('%(time)s in %(zone)s', time=there, zone=zone_city(event_zone, language))})"


def format_day_in(
    moment: datetime, zone_name: str, language: str | None = None, *, weekday: bool = True
) -> str:
    """The day of `moment` on a zone's clock: 'Monday 7 December 2026' or '7 December 2026'."""
    language = _language(language)
    day = local_time(moment, zone_name).date()
    return format_date(day, language) if weekday else format_day(day, language)
