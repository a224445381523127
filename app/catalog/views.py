"""Public catalogue pages: the list of courses, a course's page, its guidebook and images."""

from flask import abort, current_app, make_response, render_template, request, send_from_directory
from flask_login import current_user

from app.catalog import bp, queries
from app.catalog.outlines import shared_outline
from app.core.types import utcnow
from app.learning.queries import applications_by_cohort, course_progress


@bp.get("/")
def index():
    """List the published courses."""
    return render_template("catalog/index.html", courses=queries.published_courses())


@bp.get("/courses/<slug>")
def course(slug: str):
    """A course's summary, modules, cohorts and schedule; for its learners, their progress."""
    found = shared_outline(slug)
    if found is None:
        abort(404)
    progress, enrollment = course_progress(current_user, found)
    can_read = progress is not None
    return render_template(
        "catalog/course.html",
        course=found,
        now=utcnow(),
        can_read=can_read,
        progress=progress,
        enrollment=enrollment,
        applications=applications_by_cohort(current_user, found),
    )


@bp.get("/courses/<slug>/guidebook")
def guidebook(slug: str):
    """Show the course's guidebook: requirements, schedule and hours."""
    found = shared_outline(slug)
    if found is None:
        abort(404)
    return render_template("catalog/guidebook.html", course=found)


@bp.get("/courses/<slug>/media/<name>")
def media(slug: str, name: str):
    """Serve an image of a course's media/ folder, or one uploaded in the browser."""
    found = queries.media_file(slug, name)
    if found is None:
        return _uploaded_image(slug, name)
    response = make_response(found.data)
    response.headers["Content-Type"] = found.content_type
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.set_etag(found.sha256)
    return response.make_conditional(request)


def _uploaded_image(slug: str, name: str):
    """An image from instance/uploads: its name is generated, so its content never changes."""
    image = queries.uploaded_image(slug, name)
    if image is None:
        abort(404)
    response = send_from_directory(
        current_app.config["UPLOAD_FOLDER"], image.name, mimetype=image.content_type, max_age=0
    )
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
