"""iCalendar files (RFC 5545) for live sessions: one session, a cohort, or a learner's feed.

Times are written in UTC, which every calendar application converts to its own zone.
A session's UID is built from the slugs of its course, cohort and session, so it stays the
same across edits and re-imports; SEQUENCE is the session's own counter, which grows with
every change, so calendar applications replace the event instead of adding another.
The text people read (the description, "Online") is in the request's language, or the
language of the feed's owner; the machine fields stay as they are.
"""

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from flask_babel import gettext as _
from icalendar import Calendar, Event, vDuration

from app.catalog.models import LiveSession
from app.catalog.translated import plain_text_of

PRODUCT_ID = "-//Caring Cities//Course server//EN"
# How often a subscribed calendar application should fetch a feed again.
FEED_REFRESH = timedelta(hours=6)


def event_uid(session: LiveSession, domain: str) -> str:
    cohort = session.cohort
    return f"{cohort.course.slug}.{cohort.slug}.{session.slug}@{domain}"


def session_event(
    session: LiveSession,
    *,
    domain: str,
    now: datetime,
    page_url: str,
    join_url: str | None,
) -> Event:
    """One VEVENT; `join_url` (the platform's join link) only for the cohort's learners."""
    course = session.cohort.course
    event = Event()
    event.add("uid", event_uid(session, domain))
    event.add("sequence", session.sequence)
    event.add("dtstamp", now)
    event.add("last-modified", session.updated_at)
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    title = plain_text_of(course, session)
    event.add("summary", f"{plain_text_of(course, course)}: {title}")
    event.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
    event.add("url", page_url)
    lines = []
    if session.is_cancelled:
        lines.append(_("This live session is cancelled."))
    if session.description:
        lines.append(plain_text_of(course, session, "description"))
    if join_url and not session.is_cancelled:
        lines.append(_("Join (from 15 minutes before the start): %(url)s", url=join_url))
        event.add("location", join_url)
    else:
        event.add("location", _("Online"))
    lines.append(_("Schedule and details: %(url)s", url=page_url))
    event.add("description", "\n\n".join(lines))
    return event


def calendar_file(
    sessions: Iterable[LiveSession],
    *,
    name: str,
    domain: str,
    now: datetime,
    page_url: Callable[[LiveSession], str],
    join_url: Callable[[LiveSession], str | None],
    is_feed: bool = False,
) -> bytes:
    """A VCALENDAR with one event per session."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    if is_feed:
        calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(FEED_REFRESH).to_ical().decode())
    for session in sessions:
        calendar.add_component(
            session_event(
                session,
                domain=domain,
                now=now,
                page_url=page_url(session),
                join_url=join_url(session),
            )
        )
    return calendar.to_ical()
