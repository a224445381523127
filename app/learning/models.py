"""Applications to cohorts, the enrolments they lead to, and what each learner has read."""

from datetime import datetime
from enum import StrEnum

from flask_babel import gettext as _
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalog.models import Cohort, Lesson
from app.core.types import IDS_NEVER_REUSED, UTCDateTime, string_enum, utcnow
from app.extensions import db


class ApplicationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        """The status in the reader's language (English outside a request)."""
        return {
            "pending": _("Waiting for review"),
            "approved": _("Approved"),
            "rejected": _("Not accepted"),
        }[self.value]


class Application(db.Model):
    """A person's request to join a cohort, and the course team's decision on it."""

    __tablename__ = "applications"
    __table_args__ = (UniqueConstraint("user_id", "cohort_id"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    motivation: Mapped[str] = mapped_column(Text)
    confirms_public_official: Mapped[bool]
    status: Mapped[ApplicationStatus] = mapped_column(
        string_enum(ApplicationStatus), default=ApplicationStatus.PENDING, index=True
    )
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_message: Mapped[str | None] = mapped_column(Text)

    user = relationship("User", foreign_keys=[user_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    cohort: Mapped[Cohort] = relationship()

    @property
    def is_pending(self) -> bool:
        return self.status == ApplicationStatus.PENDING

    def __repr__(self) -> str:
        return f"<Application {self.id} user {self.user_id} cohort {self.cohort_id} {self.status}>"


class ApplicationDraft(db.Model):
    """An application begun and saved, not sent: what the deadline reminders are about."""

    __tablename__ = "application_drafts"
    __table_args__ = (UniqueConstraint("user_id", "cohort_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    motivation: Mapped[str] = mapped_column(Text, default="")
    confirms_public_official: Mapped[bool] = mapped_column(default=False)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    cohort: Mapped[Cohort] = relationship()


class Enrollment(db.Model):
    """A learner's place in a cohort: what lets them read the lessons."""

    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("user_id", "cohort_id"),
        # The progress report filters by cohort and sorts by these.
        Index("ix_enrollments_cohort_lessons_done", "cohort_id", "lessons_done"),
        Index("ix_enrollments_cohort_sessions_attended", "cohort_id", "sessions_attended"),
        Index("ix_enrollments_cohort_completed_at", "cohort_id", "completed_at"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="SET NULL")
    )
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set once, the first time every completion rule holds; never cleared by new content.
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The learner's last step in the course (a lesson done, a quiz, a live session or its
    # recording); None: nothing yet. The stalled-learner mail counts its 10 days from here.
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When that mail was last written for this enrolment (learning/nudges.py).
    nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The progress report's counters, changed in the transaction of the step they count
    # (learning/counter_operations.py): the learner's lessons marked done in the course,
    # whatever the lesson's state now (the report leaves out those learners do not see), and
    # the live sessions of this cohort they attended. `flask reports check-counters` recounts.
    lessons_done: Mapped[int] = mapped_column(default=0, server_default="0")
    sessions_attended: Mapped[int] = mapped_column(default=0, server_default="0")

    user = relationship("User")
    cohort: Mapped[Cohort] = relationship()
    application: Mapped[Application | None] = relationship()

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None

    def __repr__(self) -> str:
        return f"<Enrollment {self.id} user {self.user_id} cohort {self.cohort_id}>"


class LessonProgress(db.Model):
    """A lesson a learner marked as done: one row per learner and lesson, whatever the cohort."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    lesson: Mapped[Lesson] = relationship()

    def __repr__(self) -> str:
        return f"<LessonProgress user {self.user_id} lesson {self.lesson_id}>"


class Announcement(db.Model):
    """A message from the course team to a cohort: shown on the course page and dashboard of
    its learners until each dismisses it, and mailed to them once it is published."""

    __tablename__ = "announcements"
    __table_args__ = (IDS_NEVER_REUSED,)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)  # sanitised, as lessons are
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    publish_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When the mail to the cohort was written (a pass each minute, once it is published).
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    cohort: Mapped[Cohort] = relationship()
    author = relationship("User")

    def is_published(self, now: datetime) -> bool:
        return self.withdrawn_at is None and self.publish_at <= now

    def __repr__(self) -> str:
        return f"<Announcement {self.id} cohort {self.cohort_id}>"


class AnnouncementDismissal(db.Model):
    """A learner has read an announcement and put it away."""

    __tablename__ = "announcement_dismissals"
    __table_args__ = (UniqueConstraint("announcement_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcements.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    dismissed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
