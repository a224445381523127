"""Public catalogue pages: the list of courses, a course's guidebook and images.

A course's own page shows a reader their progress, so learning serves it (learning/views.py,
as `catalog.course`): catalog does not import learning.
"""

from flask import abort, current_app, make_response, render_template, request, send_from_directory
from flask_babel import gettext as _
from flask_babel import ngettext

from app.catalog import bp, queries
from app.catalog.outlines import guard_outline_writes, shared_outline
from app.catalog.rules import CompletionTargets, completion_targets


@bp.get("/")
def index():
    """List the published courses."""
    return render_template("catalog/index.html", courses=queries.published_courses())


@bp.get("/courses/<slug>/guidebook")
def guidebook(slug: str):
    """Show the course's guidebook: requirements, schedule and hours."""
    found = shared_outline(slug)
    if found is None:
        abort(404)
    return render_template(
        "catalog/guidebook.html",
        course=found,
        requirements=requirement_sentences(completion_targets(found)),
    )


def requirement_sentences(targets: CompletionTargets) -> list[str]:
    """The completion rules of course.yaml, as sentences a learner can act on."""
    sentences = []
    if targets.lessons is not None:
        sentences.append(
            ngettext(
                "Read every lesson and mark it as done: %(num)d lesson, "
                "about %(minutes)d minutes of reading in all.",
                "Read every lesson and mark it as done: %(num)d lessons, "
                "about %(minutes)d minutes of reading in all.",
                len(targets.lessons),
                minutes=targets.reading_minutes,
            )
        )
    if targets.quizzes:
        marks = targets.pass_marks
        if len(targets.quizzes) == 1:
            sentence = _(
                "Pass the module quiz with at least %(mark)d %%. "
                "You can take a quiz again; your best score counts.",
                mark=marks[0],
            )
        elif len(marks) == 1:
            sentence = _(
                "Pass each of the %(count)d module quizzes with at least %(mark)d %%. "
                "You can take a quiz again; your best score counts.",
                count=len(targets.quizzes),
                mark=marks[0],
            )
        else:
            sentence = _(
                "Pass each of the %(count)d module quizzes with at least its pass mark. "
                "You can take a quiz again; your best score counts.",
                count=len(targets.quizzes),
            )
        sentences.append(sentence)
    if targets.live_minimum:
        if targets.recordings_count:
            sentence = _(
                "Take part in at least %(minimum)d of the live sessions that count for "
                "the certificate (see the schedule) or watch their recordings.",
                minimum=targets.live_minimum,
            )
        else:
            sentence = _(
                "Take part in at least %(minimum)d of the live sessions that count for "
                "the certificate (see the schedule).",
                minimum=targets.live_minimum,
            )
        sentences.append(sentence)
    return sentences


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


@bp.record_once
def _check_outline_versions(state) -> None:
    """Under TESTING, a request that changes an outline without a new version fails."""
    if state.app.config.get("TESTING"):
        guard_outline_writes()
