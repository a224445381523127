"""What the live package keeps about a person: attendance, recordings watched, the calendar
feed (their part of the personal-data download and of erasure: app/core/events.py)."""

from typing import Any

from sqlalchemy import delete

from app.core.types import iso_or_none
from app.extensions import db
from app.live.models import Attendance, CalendarFeed, RecordingView
from app.live.queries import calendar_feed_of, live_records_of


def personal_data(user) -> dict[str, Any]:
    return {
        "live_sessions": [
            {
                "course": record.session.cohort.course.title,
                "cohort": record.session.cohort.title,
                "session": record.session.title,
                "took_part": isinstance(record, Attendance),
                "how": record.source.label
                if isinstance(record, Attendance)
                else "watched the recording",
                "joined_at": iso_or_none(getattr(record, "joined_at", None)),
                "minutes_in_report": getattr(record, "report_minutes", None),
                "watched_at": iso_or_none(getattr(record, "watched_at", None)),
            }
            for record in live_records_of(user)
        ],
        "calendar_feed": (
            {
                "created_at": feed.created_at.isoformat(),
                "last_used_at": iso_or_none(feed.last_used_at),
            }
            if (feed := calendar_feed_of(user))
            else None
        ),
    }


def erase_person(user) -> list[str]:
    db.session.execute(delete(Attendance).where(Attendance.user_id == user.id))
    db.session.execute(delete(RecordingView).where(RecordingView.user_id == user.id))
    db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    return []
