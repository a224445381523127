"""Template filters for dates and times (through app.core.timezones: in the reader's zone,
with the event's own beside it where it differs), and course text marked with its language."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import gettext as _
from markupsafe import Markup

from app.core.places import country_name
from app.core.timezones import (
    format_clock,
    format_date,
    format_day,
    format_when,
    local_time,
    reader_zone,
    same_clock,
    zone_city,
    zone_label,
    zone_short,
)
from app.core.urls import public_url_for

# `when`'s reader when a template names none: the person logged in, if any.
LOGGED_IN = object()


def long_date(value: date | datetime, zone_name: str | None = None) -> str:
    """'Monday 5 July 2027' (a datetime is first moved to zone_name)."""
    if isinstance(value, datetime):
        value = local_time(value, zone_name or "UTC").date()
    return format_date(value)


def clock(value: datetime, zone_name: str) -> str:
    """'09:00' in the given zone."""
    return format_clock(value, zone_name)


def zone_abbreviation(value: datetime, zone_name: str) -> str:
    """The zone's short name at that moment, in the reader's language: an abbreviation Babel
    knows ('CEST' in Spanish, 'EDT', 'UTC'), else the offset ('GMT+9', 'UTC-5' in French)."""
    return zone_short(value, zone_name)


def when(
    value: datetime,
    event_zone: str | None = None,
    reader: object = LOGGED_IN,
    year: bool = True,
) -> str:
    """A moment on the reader's clock, with the event's own clock beside it where it differs:
    'Thursday 8 July 2027, 16:00 GMT+9 (09:00 in Madrid)'. The reader is the person logged
    in unless given (mails pass the recipient's zone); a visitor reads the event's own clock."""
    zone = reader_zone() if reader is LOGGED_IN else reader
    return format_when(value, event_zone, zone, year=year)  # type: ignore[arg-type]


def day_stated(value: date | datetime, zone_name: str, reader: object = LOGGED_IN) -> str:
    """A day on one zone's clock, with that zone named when the reader's clock differs:
    '7 December 2026 (Madrid time)'. For dates that are one fact for everyone, such as the day
    a course was completed, which its certificate states the same way (a date is taken as it
    is; a datetime is first moved to the zone)."""
    zone = reader_zone() if reader is LOGGED_IN else reader
    if isinstance(value, datetime):
        moment, day = value, local_time(value, zone_name).date()
    else:
        moment = datetime.combine(value, time(12), tzinfo=ZoneInfo(zone_name))
        day = value
    if zone is not None and same_clock(moment, zone, zone_name):  # type: ignore[arg-type]
        return format_day(day)
    return f"{format_day(day)} ({zone_time(zone_name)})"


def zone_time(zone_name: str) -> str:
    """'Madrid time', 'hora de Madrid', 'UTC': a zone named by its city, beside a time."""
    city = zone_city(zone_name)
    return city if city == "UTC" else _("%(zone)s time", zone=city)


def course_text(text: str, language: str) -> Markup:
    """Course text inside a sentence of the interface, marked with the course's language
    (WCAG 3.1.2), e.g. a cohort's title in a flash message: `escape(_("... %(cohort)s ..."))
    % {"cohort": course_text(cohort.title, course.language)}` keeps the sentence safe HTML.

    Templates call the same function: `_('Apply to %(cohort)s', cohort=course_text(cohort.title,
    course.language))`."""
    return Markup('<span lang="{}">{}</span>').format(language, text)


def register_template_filters(app: Flask) -> None:
    app.add_template_filter(long_date, "long_date")
    app.add_template_filter(clock, "clock")
    app.add_template_filter(zone_abbreviation, "zone_abbreviation")
    app.add_template_filter(when, "when")
    app.add_template_filter(day_stated, "day_stated")
    app.add_template_filter(zone_label, "zone_label")
    app.add_template_filter(zone_city, "zone_city")
    app.add_template_filter(zone_time, "zone_time")
    app.add_template_filter(country_name, "country_name")
    app.add_template_global(course_text, "course_text")
    app.add_template_global(reader_zone, "reader_zone")  # names fragments that show times
    # Mails link with this: a link that leaves the site comes from PUBLIC_URL.
    app.add_template_global(public_url_for, "public_url_for")
