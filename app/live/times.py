"""A live session's times as read in a time zone, and how long until it starts.

Words are in the request's language (English outside a request); weekdays and months come
from app.core.timezones, also in the request's language.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext

from app.core.templating import zone_abbreviation
from app.core.timezones import format_weekday, local_time


@dataclass(frozen=True)
class ZonedSpan:
    """A start and an end as the clocks of one time zone show them."""

    start: datetime
    end: datetime
    zone_name: str

    @classmethod
    def of(cls, starts_at: datetime, ends_at: datetime, zone_name: str) -> "ZonedSpan":
        return cls(local_time(starts_at, zone_name), local_time(ends_at, zone_name), zone_name)

    @property
    def abbreviation(self) -> str:
        return zone_abbreviation(self.start, self.zone_name)

    @property
    def crosses_midnight(self) -> bool:
        return self.end.date() != self.start.date()

    def day(self, *, year: bool = True) -> str:
        """'Thursday 8 July 2027'."""
        return format_weekday(self.start.date(), year=year)

    def clock(self) -> str:
        """'09:00–11:00 GMT+2'; '23:00 – Friday 9 July 01:00 GMT+9' across midnight; both
        abbreviations when the clocks change during the session."""
        end_day = f"{format_weekday(self.end.date(), year=False)} " if self.crosses_midnight else ""
        end_abbreviation = zone_abbreviation(self.end, self.zone_name)
        if end_abbreviation != self.abbreviation:
            return (
                f"{self.start:%H:%M} {self.abbreviation} – "
                f"{end_day}{self.end:%H:%M} {end_abbreviation}"
            )
        if end_day:
            return f"{self.start:%H:%M} – {end_day}{self.end:%H:%M} {self.abbreviation}"
        return f"{self.start:%H:%M}–{self.end:%H:%M} {self.abbreviation}"

    def text(self, *, year: bool = True) -> str:
        """'Thursday 8 July 2027, 09:00–11:00 GMT+2' ('CEST' in Spanish, see zone_short)."""
        return f"{self.day(year=year)}, {self.clock()}"

    def same_clock_as(self, other: "ZonedSpan") -> bool:
        """True when both zones show the same wall-clock times (the same offset)."""
        return self.start.utcoffset() == other.start.utcoffset()


def session_spans(session, viewer_zone: str | None) -> tuple[ZonedSpan, ZonedSpan | None]:
    """The session in the viewer's zone, and in its own zone when the clocks differ."""
    own = ZonedSpan.of(session.starts_at, session.ends_at, session.time_zone)
    if not viewer_zone:
        return own, None
    seen = ZonedSpan.of(session.starts_at, session.ends_at, viewer_zone)
    return seen, (None if seen.same_clock_as(own) else own)


def _days(number: int) -> str:
    return ngettext("%(num)d day", "%(num)d days", number)


def _hours(number: int) -> str:
    return ngettext("%(num)d hour", "%(num)d hours", number)


def _minutes(number: int) -> str:
    return ngettext("%(num)d minute", "%(num)d minutes", number)


def _both(larger: str, smaller: str) -> str:
    return _("%(larger)s and %(smaller)s", larger=larger, smaller=smaller)


def duration_left(start: datetime, now: datetime) -> str:
    """'3 days and 4 hours', '25 minutes': from now until a start that is still to come."""
    minutes = -(-(start - now) // timedelta(minutes=1))  # rounded up: never "in 0 minutes"
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days >= 7 or (days and not hours):
        return _days(days)
    if days:
        return _both(_days(days), _hours(hours))
    if hours:
        return _both(_hours(hours), _minutes(minutes)) if minutes else _hours(hours)
    return _minutes(minutes)


def time_until(start: datetime, end: datetime, now: datetime) -> str:
    """'in 3 days and 4 hours', 'in 25 minutes', 'on now' or 'over'."""
    if now >= end:
        return _("over")
    if now >= start:
        return _("on now")
    return _("in %(time)s", time=duration_left(start, now))


def countdown(start: datetime, end: datetime, now: datetime) -> str:
    """'Starts in 3 days and 4 hours', 'On now' or 'Over', as a sentence of its own."""
    if now >= end:
        return _("Over")
    if now >= start:
        return _("On now")
    return _("Starts in %(time)s", time=duration_left(start, now))
