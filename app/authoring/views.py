"""Authoring pages: a course's outline, modules and lessons, revisions and images.

The quiz editor, the live-session editor and the reports add their routes to this blueprint
from their own modules (`quiz_views.py`, `session_views.py`, `report_views.py`).
"""

from flask import Blueprint, abort, render_template
from flask_login import current_user

from app.authoring import queries
from app.catalog.models import Course
from app.core.permissions import staff_required
from app.core.types import utcnow

bp = Blueprint("authoring", __name__, url_prefix="/author")


def managed_course(slug: str, *options) -> Course:
    """The course with this slug, if the current user may manage it (404, then 403)."""
    course = queries.course_by_slug(slug, *options)
    if course is None:
        abort(404)
    if not course.can_manage(current_user):
        abort(403)
    return course


@bp.get("/")
@staff_required
def index():
    """The courses the current user can edit."""
    return render_template("authoring/index.html", courses=queries.manageable_courses(current_user))


@bp.get("/<slug>")
@staff_required
def course(slug: str):
    """A course's outline for its staff: modules, lessons and quizzes with their state."""
    found = managed_course(slug, *queries.EDITABLE_OUTLINE)
    return render_template("authoring/course.html", course=found, now=utcnow())


# The other authoring pages add their routes to this blueprint.
from app.authoring import quiz_views, report_views, session_views  # noqa: E402, F401
