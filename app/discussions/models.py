"""A cohort's discussion: threads (one per module, and free ones), their posts, the "helpful"
marks and reports on posts, and who follows each thread."""

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalog.models import Cohort, Module
from app.core.types import IDS_NEVER_REUSED, UTCDateTime, utcnow
from app.extensions import db


class DiscussionThread(db.Model):
    """A conversation in a cohort: a module's (one per module and cohort, made the first time
    someone opens it) or a free one, started by someone with a title."""

    __tablename__ = "discussion_threads"
    __table_args__ = (UniqueConstraint("cohort_id", "module_id"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    # A module's thread; None for a free thread (which has a title instead).
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    title: Mapped[str | None] = mapped_column(String(200))
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The last visible post's time (else the thread's own): the list's order after the pins.
    last_posted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    is_pinned: Mapped[bool] = mapped_column(default=False)
    is_locked: Mapped[bool] = mapped_column(default=False)

    cohort: Mapped[Cohort] = relationship()
    module: Mapped[Module | None] = relationship()
    started_by = relationship("User")

    @property
    def is_module_thread(self) -> bool:
        return self.module_id is not None

    def __repr__(self) -> str:
        return f"<DiscussionThread {self.id} cohort {self.cohort_id} module {self.module_id}>"


class DiscussionPost(db.Model):
    """What a person wrote in a thread: its Markdown and the sanitised HTML rendered from it
    when it was written. Hidden posts stay in the database for the course staff only."""

    __tablename__ = "discussion_posts"
    __table_args__ = (IDS_NEVER_REUSED,)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_threads.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("discussion_posts.id", ondelete="SET NULL")
    )
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)  # sanitised, as lessons are
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str | None] = mapped_column(String(500))
    # Its author's account was erased: the text is gone, the place in the thread stays.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    thread: Mapped[DiscussionThread] = relationship()
    author = relationship("User", foreign_keys=[author_id])
    hidden_by = relationship("User", foreign_keys=[hidden_by_id])
    reply_to: Mapped["DiscussionPost | None"] = relationship(remote_side=[id])

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    def can_edit(self, user, now: datetime, window: timedelta) -> bool:
        """Its author may correct it for `window` after writing it, while it is shown and
        the thread is open."""
        return bool(
            user.is_authenticated
            and self.author_id == user.id
            and not self.is_hidden
            and not self.is_erased
            and not self.thread.is_locked
            and now - self.created_at <= window
        )

    def __repr__(self) -> str:
        return f"<DiscussionPost {self.id} thread {self.thread_id} author {self.author_id}>"


class HelpfulMark(db.Model):
    """A reader found a post helpful: one mark per reader and post."""

    __tablename__ = "discussion_helpful_marks"
    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_posts.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<HelpfulMark post {self.post_id} user {self.user_id}>"


class PostReport(db.Model):
    """A reader asks the course staff to look at a post, saying why; one per reader and post.
    Resolved when the staff hide the post or keep it."""

    __tablename__ = "discussion_reports"
    __table_args__ = (UniqueConstraint("post_id", "user_id"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_posts.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    post: Mapped[DiscussionPost] = relationship()
    user = relationship("User")

    def __repr__(self) -> str:
        return f"<PostReport {self.id} post {self.post_id} user {self.user_id}>"


class ThreadSubscription(db.Model):
    """A person follows a thread: its new posts reach them by mail (core.subscriptions says
    whether each as it comes or in a daily digest, or not at all)."""

    __tablename__ = "discussion_subscriptions"
    __table_args__ = (UniqueConstraint("thread_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_threads.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    subscribed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<ThreadSubscription thread {self.thread_id} user {self.user_id}>"
