"""Addresses of a live session and its calendar files, shared by the pages and the mails."""

from urllib.parse import urlsplit

from flask import url_for

from app.catalog.models import LiveSession
from app.core.types import utcnow
from app.core.urls import public_url, public_url_for
from app.live.calendar import calendar_file


def schedule_url(live: LiveSession, *, external: bool = False) -> str:
    """The session on its cohort's schedule (from PUBLIC_URL when external: calendars, mail)."""
    cohort = live.cohort
    build = public_url_for if external else url_for
    return build(
        "live.schedule",
        slug=cohort.course.slug,
        cohort_slug=cohort.slug,
        _anchor=f"session-{live.slug}",
    )


def join_url(live: LiveSession) -> str:
    """The platform's join link (it records the attendance, then goes to the meeting)."""
    return public_url_for("live.join", session_id=live.id)


def calendar(sessions, *, name: str, join_cohort_ids: set[int], is_feed: bool = False) -> bytes:
    """An iCalendar file of these sessions; join links only in the sessions of `join_cohort_ids`."""
    return calendar_file(
        sessions,
        name=name,
        domain=urlsplit(public_url()).hostname,
        now=utcnow(),
        page_url=lambda live: schedule_url(live, external=True),
        join_url=lambda live: join_url(live) if live.cohort_id in join_cohort_ids else None,
        is_feed=is_feed,
    )


def calendar_filename(live: LiveSession) -> str:
    cohort = live.cohort
    return f"{cohort.course.slug}-{cohort.slug}-{live.slug}.ics"
