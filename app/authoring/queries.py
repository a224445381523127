"""Reads for the authoring pages."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.catalog.models import Course, Module, Quiz
from app.extensions import db

EDITABLE_OUTLINE = (
    selectinload(Course.modules).selectinload(Module.lessons),
    selectinload(Course.modules).selectinload(Module.quiz).selectinload(Quiz.questions),
    selectinload(Course.cohorts),
)


def course_by_slug(slug: str, *options) -> Course | None:
    """A course in any state (staff edit drafts too), with what `options` load."""
    return db.session.scalar(select(Course).where(Course.slug == slug).options(*options))


def manageable_courses(user) -> list[Course]:
    """The courses a user may edit: every course for admins, their own for instructors."""
    query = select(Course).order_by(Course.title)
    if not user.is_admin:
        query = query.where(Course.id.in_(user.staffed_course_ids or {0}))
    return list(db.session.scalars(query))
