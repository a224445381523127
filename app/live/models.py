"""Who took part in a live session, who watched its recording, and personal calendar feeds."""

import hashlib
from datetime import datetime
from enum import StrEnum

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalog.models import LiveSession
from app.core.timezones import local_time
from app.core.types import UTCDateTime, string_enum, utcnow
from app.extensions import db


class AttendanceSource(StrEnum):
    """How an attendance was first recorded."""

    PLATFORM = "platform"
    REPORT = "report"
    MANUAL = "manual"

    @property
    def label(self) -> str:
        """In English: it goes into the personal-data download, which stays machine-readable."""
        return {
            "platform": "joined through the platform",
            "report": "in the meeting's participant report",
            "manual": "marked by the course team",
        }[self.value]


class Attendance(db.Model):
    """A learner took part in a live session: one row per learner and session."""

    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("live_sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    source: Mapped[AttendanceSource] = mapped_column(string_enum(AttendanceSource))
    # When the learner first went to the meeting through /live/<id>/join.
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Minutes present, rejoins added up, from the meeting provider's participant report.
    report_minutes: Mapped[int | None]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    session: Mapped[LiveSession] = relationship()
    user = relationship("User", foreign_keys=[user_id])
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])

    def how(self, zone_name: str) -> str:
        """'joined through the platform at 09:02; 95 minutes in the participant report'."""
        parts = []
        if self.joined_at:
            time = f"{local_time(self.joined_at, zone_name):%H:%M}"
            parts.append(_("joined through the platform at %(time)s", time=time))
        if self.report_minutes is not None:
            parts.append(
                ngettext(
                    "%(num)d minute in the participant report",
                    "%(num)d minutes in the participant report",
                    self.report_minutes,
                )
            )
        if self.source == AttendanceSource.MANUAL:
            parts.append(_("marked by the course team"))
        return "; ".join(parts)

    def __repr__(self) -> str:
        return f"<Attendance session {self.session_id} user {self.user_id} {self.source}>"


class RecordingView(db.Model):
    """A learner who missed a live session watched its recording."""

    __tablename__ = "recording_views"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("live_sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    watched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    session: Mapped[LiveSession] = relationship()

    def __repr__(self) -> str:
        return f"<RecordingView session {self.session_id} user {self.user_id}>"


class CalendarFeed(db.Model):
    """A learner's personal calendar feed; only the SHA-256 of its secret token is stored."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User")

    @staticmethod
    def digest(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def __repr__(self) -> str:
        return f"<CalendarFeed user {self.user_id}>"
