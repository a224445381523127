"""Submissions to a module's assignment, their files, and the peer reviews they are given."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalog.models import Assignment, Cohort
from app.core.types import IDS_NEVER_REUSED, UTCDateTime, string_enum, utcnow
from app.extensions import db


class Submission(db.Model):
    """A learner's plan for one assignment in one cohort: a draft until it is submitted, once.

    `sections` holds the text by section id. `version` counts the saves, so a save made from
    a page that was loaded before another save (a second tab, a retried request) is noticed:
    its text is kept as a `DraftCopy` beside the saved one, for the author to reconcile,
    never dropped. The course team's assessment, when given, is `staff_*`; with
    `staff_grade_counts` it is the grade, instead of the peers'.
    """

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("assignment_id", "enrollment_id"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    # Copied from the enrolment, for the per-cohort reads (allocation, the course team's list).
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    theme: Mapped[str | None] = mapped_column(String(80))
    sections: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(default=0)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    is_late: Mapped[bool] = mapped_column(default=False)
    shows_in_gallery: Mapped[bool] = mapped_column(default=False)
    staff_levels: Mapped[dict[str, int] | None] = mapped_column(JSON)
    staff_comments: Mapped[dict[str, str] | None] = mapped_column(JSON)
    staff_points: Mapped[int | None]
    staff_grade: Mapped[int | None]  # per cent
    staff_grade_counts: Mapped[bool] = mapped_column(default=False)
    staff_assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    staff_assessed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    assignment: Mapped[Assignment] = relationship()
    cohort: Mapped[Cohort] = relationship()
    author = relationship("User", foreign_keys=[user_id])
    enrollment = relationship("Enrollment")
    files: Mapped[list["SubmissionFile"]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="SubmissionFile.id"
    )
    copies: Mapped[list["DraftCopy"]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="DraftCopy.id"
    )
    reviews: Mapped[list["PeerReview"]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="PeerReview.id"
    )

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    def __repr__(self) -> str:
        return f"<Submission {self.id} of assignment {self.assignment_id} by {self.user_id}>"


class DraftCopy(db.Model):
    """Text saved from a page older than the draft (another tab, another device): written
    as a row of its own, never merged, so neither text is lost; the author keeps what they
    need and discards the copy."""

    __tablename__ = "draft_copies"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200), default="")
    sections: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    submission: Mapped["Submission"] = relationship(back_populates="copies")

    def __repr__(self) -> str:
        return f"<DraftCopy {self.id} of submission {self.submission_id}>"


class SubmissionFile(db.Model):
    """A file attached to a submission: an image or a PDF, checked when uploaded."""

    __tablename__ = "submission_files"
    __table_args__ = (IDS_NEVER_REUSED,)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="files")

    def __repr__(self) -> str:
        return f"<SubmissionFile {self.id} of submission {self.submission_id}>"


class ReviewState(StrEnum):
    ASSIGNED = "assigned"  # given to the reviewer, not done yet
    SUBMITTED = "submitted"
    REPLACED = "replaced"  # not done by its due time: another reviewer was found


class PeerReview(db.Model):
    """One reviewer's review of one submission against the rubric: allocated, then written.

    `levels` is the chosen level's index by criterion id, `comments` the comment by criterion
    id; `points` is their sum when submitted. `helpfulness` is the author's rating of it.
    """

    __tablename__ = "peer_reviews"
    __table_args__ = (UniqueConstraint("submission_id", "reviewer_id"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[ReviewState] = mapped_column(
        string_enum(ReviewState), default=ReviewState.ASSIGNED, index=True
    )
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    levels: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    comments: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    points: Mapped[int | None]
    helpfulness: Mapped[int | None]  # the author's rating: 1 not helpful, 2 helpful, 3 very

    submission: Mapped[Submission] = relationship(back_populates="reviews")
    reviewer = relationship("User", foreign_keys=[reviewer_id])

    @property
    def is_submitted(self) -> bool:
        return self.state == ReviewState.SUBMITTED

    def __repr__(self) -> str:
        return f"<PeerReview {self.id} of submission {self.submission_id} by {self.reviewer_id}>"


class ReviewRound(db.Model):
    """The moment reviews opened for an assignment in a cohort: allocation runs once."""

    __tablename__ = "review_rounds"
    __table_args__ = (UniqueConstraint("assignment_id", "cohort_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When reviews were closed (the cohort's reviews due date): grades were settled then.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<ReviewRound assignment {self.assignment_id} cohort {self.cohort_id}>"


class DateExtension(db.Model):
    """Later due dates the course team gave one learner for one assignment."""

    __tablename__ = "assignment_extensions"
    __table_args__ = (UniqueConstraint("assignment_id", "enrollment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    submission_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reviews_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text, default="")
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def __repr__(self) -> str:
        return f"<DateExtension assignment {self.assignment_id} enrolment {self.enrollment_id}>"
