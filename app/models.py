"""Every model, imported in one place so the metadata (and Alembic) sees them all."""

from app.accounts.models import Role, User
from app.catalog.models import (
    Choice,
    Cohort,
    Course,
    Lesson,
    LiveSession,
    MediaFile,
    Module,
    Question,
    Quiz,
)

__all__ = [
    "Choice",
    "Cohort",
    "Course",
    "Lesson",
    "LiveSession",
    "MediaFile",
    "Module",
    "Question",
    "Quiz",
    "Role",
    "User",
]
