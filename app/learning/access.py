"""Who may study a course: the check shared by the pages of lessons, lectures and quizzes."""

from typing import TypeVar

from flask import abort
from flask_login import current_user

from app.catalog import queries as catalog_queries
from app.catalog.models import Course
from app.catalog.outline import CourseOutline
from app.catalog.outlines import shared_outline
from app.catalog.rules import can_read_lessons
from app.learning.queries import is_enrolled_in_course


def readable_outline(slug: str) -> CourseOutline:
    """The outline of a published course that the current user may study (404, then 403),
    shared between requests: for pages that only read it."""
    return _readable(shared_outline(slug))


def readable_course(slug: str) -> Course:
    """A published course, its outline's rows loaded, that the current user may study (404,
    then 403): for the requests that write."""
    return _readable(catalog_queries.published_course_outline(slug))


T = TypeVar("T", Course, CourseOutline)


def _readable(course: T | None) -> T:
    if course is None:
        abort(404)
    user = current_user
    if not can_read_lessons(course, user, enrolled=_is_enrolled(user, course)):
        abort(403)
    return course


def _is_enrolled(user, course: Course | CourseOutline) -> bool:
    """Asked only of a learner who is not the course's staff (who need not be enrolled)."""
    if not user.is_authenticated or course.can_manage(user):
        return False
    return is_enrolled_in_course(user, course)
