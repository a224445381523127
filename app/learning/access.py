"""Who may study a course: the check shared by the pages of lessons, lectures and quizzes."""

from flask import abort
from flask_login import current_user

from app.catalog import queries as catalog_queries
from app.catalog.models import Course
from app.catalog.outlines import shared_outline


def readable_course(slug: str, *, shared: bool = False) -> Course:
    """A published course, with its outline, that the current user may study (404, then 403).

    `shared`: the outline shared between requests (catalog/outlines.py), for pages that only
    read it.
    """
    course = shared_outline(slug) if shared else catalog_queries.published_course_outline(slug)
    if course is None:
        abort(404)
    if not course.can_read_lessons(current_user):
        abort(403)
    return course
