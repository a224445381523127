"""What instructors make in the browser: lesson revisions and uploaded images.

They belong to the catalogue (like `QuestionVersion`): importing a course records lesson
revisions, and the media route serves uploaded images; the editors are in `authoring`.
"""

import re
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalog.models import Lesson, Status
from app.core.types import IDS_NEVER_REUSED, UTCDateTime, string_enum, utcnow
from app.extensions import db

# How the history page names each stored note (the notes themselves stay in English).
REVISION_NOTES = {
    "created": _l("created"),
    "saved": _l("saved"),
    "imported": _l("imported"),
    "links renumbered": _l("links renumbered"),
}
RESTORED_NOTE = re.compile(r"^restored revision (\d+)$")


class LessonRevision(db.Model):
    """A lesson as one save left it: who saved it, when, and its whole content.

    Revisions are never changed or removed; restoring one saves its content as a new revision.
    `author_id` is empty for revisions made by importing the course's files.
    """

    __tablename__ = "lesson_revisions"
    __table_args__ = (UniqueConstraint("lesson_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    number: Mapped[int]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Why the revision exists: "saved", "imported", "restored 3", "created"...
    note: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int]
    objectives: Mapped[list[str]] = mapped_column(JSON, default=list)
    body_md: Mapped[str] = mapped_column(Text)
    status: Mapped[Status] = mapped_column(string_enum(Status))
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    lesson: Mapped[Lesson] = relationship()
    author = relationship("User")

    CONTENT_FIELDS = ("title", "minutes", "objectives", "body_md", "status", "publish_at")

    def content(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.CONTENT_FIELDS}

    def note_label(self) -> str:
        """The note in the reader's language; a note this code does not know, as stored."""
        restored = RESTORED_NOTE.match(self.note)
        if restored:
            return _("restored revision %(number)d", number=int(restored.group(1)))
        return str(REVISION_NOTES.get(self.note, self.note))

    def __repr__(self) -> str:
        return f"<LessonRevision {self.number} of lesson {self.lesson_id}>"


class UploadedImage(db.Model):
    """An image an instructor uploaded for a course's lessons, kept in instance/uploads/."""

    __tablename__ = "uploaded_images"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    # Generated: random hex and the extension of the detected format, never the uploader's.
    name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(50))
    byte_size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    uploaded_by = relationship("User")

    def __repr__(self) -> str:
        return f"<UploadedImage {self.name}>"
