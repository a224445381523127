"""Who may study a course: the check shared by the pages of lessons, lectures and quizzes."""

from flask import abort
from flask_login import current_user

from app.catalog import queries as catalog_queries
from app.catalog.models import Course


def readable_course(slug: str) -> Course:
    """A published course, with its outline, that the current user may study (404, then 403)."""
    course = catalog_queries.published_course_outline(slug)
    if course is None:
        abort(404)
    if not course.can_read_lessons(current_user):
        abort(403)
    return course
