"""Template filters for dates and times, in the zone the time was written in, and course text
marked with its language."""

from datetime import date, datetime

from flask import Flask
from markupsafe import Markup

from app.core.places import country_name
from app.core.timezones import format_date, local_time
from app.core.urls import public_url_for


def long_date(value: date | datetime, zone_name: str | None = None) -> str:
    """'Monday 5 July 2027' (a datetime is first moved to zone_name)."""
    if isinstance(value, datetime):
        value = local_time(value, zone_name or "UTC").date()
    return format_date(value)


def clock(value: datetime, zone_name: str) -> str:
    """'09:00' in the given zone."""
    return f"{local_time(value, zone_name):%H:%M}"


def zone_abbreviation(value: datetime, zone_name: str) -> str:
    """'CEST' for Madrid in summer; zones without a letter name show their UTC offset."""
    local = local_time(value, zone_name)
    name = local.tzname() or ""
    if name.startswith(("+", "-")):
        return f"UTC{name}"
    return name


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
    app.add_template_filter(country_name, "country_name")
    app.add_template_global(course_text, "course_text")
    # Mails link with this: a link that leaves the site comes from PUBLIC_URL.
    app.add_template_global(public_url_for, "public_url_for")
