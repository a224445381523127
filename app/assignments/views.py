"""Assignment pages: the plan (draft, files, submission), the reviews a learner writes and
receives, and the gallery of the plans their authors show."""

import io

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.assignments import bp, operations, queries
from app.assignments.forms import GalleryFilters
from app.assignments.models import PeerReview, Submission
from app.assignments.operations import AssignmentError
from app.assignments.rules import word_count
from app.catalog.models import Assignment
from app.catalog.translated import translated
from app.core.i18n import current_language
from app.core.listing import Page
from app.core.places import countries
from app.core.types import utcnow
from app.extensions import db
from app.learning.access import readable_outline
from app.learning.progress import course_path
from app.learning.queries import course_enrollments

GALLERY_PER_PAGE = 20


def _load(slug: str, module_slug: str):
    """The course's outline, the module's published assignment (404), its row, and the
    reader's latest enrolment in the course (None for staff who study none)."""
    course = readable_outline(slug)
    module = course.visible_module(module_slug)
    if module is None or module.published_assignment is None:
        abort(404)
    assignment = db.session.get(Assignment, module.published_assignment.id)
    enrollments = course_enrollments(current_user, course)
    return course, module, assignment, (enrollments[0] if enrollments else None)


def _int(value, default=None):
    """A posted whole number, or `default` for anything else (a database integer's range)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if -(2**31) < number < 2**31 else default


def _page(course, module, assignment, enrollment, *, error=None, status=200, submission=None):
    now = utcnow()
    if enrollment is not None and submission is None:
        submission = queries.submission_of(assignment.id, enrollment.id)
    due = queries.due_dates(assignment, enrollment) if enrollment else None
    to_write = (
        queries.reviews_to_write(current_user.id, assignment.id, enrollment.cohort_id)
        if enrollment
        else []
    )
    received = []
    grade = None
    if submission is not None and submission.is_submitted:
        received = [r for r in submission.reviews if r.is_submitted]
        grade = queries.grade(submission, now)
    return render_template(
        "assignments/assignment.html",
        course=course,
        module=module,
        assignment=assignment,
        enrollment=enrollment,
        submission=submission,
        due=due,
        is_past_due=due is not None and now > due.submission_due_at,
        to_write=to_write,
        received=received,
        grade=grade,
        error=error,
        zone=current_user.time_zone,
        neighbours=course_path(course).neighbours("assignment", module.id),
        word_count=word_count,
    ), status


@bp.get("/courses/<slug>/assignments/<module_slug>")
@login_required
def assignment(slug: str, module_slug: str):
    """The assignment: what to write, the learner's plan, and their reviews."""
    course, module, found, enrollment = _load(slug, module_slug)
    return _page(course, module, found, enrollment)


def _own_submission(assignment, enrollment) -> Submission:
    if enrollment is None:
        abort(403)
    submission = queries.submission_of(assignment.id, enrollment.id)
    if submission is None:
        abort(404)
    return submission


@bp.post("/courses/<slug>/assignments/<module_slug>/plan")
@login_required
def save(slug: str, module_slug: str):
    """Save the draft, or save it and submit it (the button pressed says which)."""
    course, module, found, enrollment = _load(slug, module_slug)
    if enrollment is None:
        abort(403)
    now = utcnow()
    sections = {s["id"]: request.form.get(f"section-{s['id']}", "") for s in found.sections}
    try:
        saved = operations.save_draft(
            found,
            enrollment,
            base_version=_int(request.form.get("version"), 0),
            title=request.form.get("title", ""),
            theme=request.form.get("theme") or None,
            sections=sections,
            now=now,
        )
        if saved.kept_as_copy:
            db.session.commit()
            flash(
                _(
                    "This plan was saved from another window or device after you opened this "
                    "page. Your text from this page is kept below the plan as a copy: take what "
                    "you need from it, then discard it."
                ),
                "error",
            )
            return redirect(url_for(".assignment", slug=slug, module_slug=module_slug) + "#copies")
        if request.form.get("action") == "submit":
            operations.submit(
                saved.submission,
                shows_in_gallery=request.form.get("gallery") == "yes",
                now=now,
                actor=current_user._get_current_object(),
            )
            db.session.commit()
            flash(_("Your plan has been submitted. Thank you!"), "success")
        else:
            db.session.commit()
            flash(_("Your draft is saved."), "success")
    except AssignmentError as error:
        db.session.rollback()
        if request.form.get("action") == "submit":
            # The text was valid to save: keep it, and say what stops the submission.
            try:
                kept = operations.save_draft(
                    found, enrollment, base_version=_int(request.form.get("version"), 0),
                    title=request.form.get("title", ""), theme=request.form.get("theme") or None,
                    sections=sections, now=now,
                )  # fmt: skip
                db.session.commit()
                submission = kept.submission
            except AssignmentError:
                db.session.rollback()
                submission = None
            message = _("Your draft is saved, but it was not submitted: %(why)s", why=str(error))
            return _page(
                course, module, found, enrollment, error=message, status=error.status,
                submission=submission,
            )  # fmt: skip
        return _page(course, module, found, enrollment, error=str(error), status=error.status)
    return redirect(url_for(".assignment", slug=slug, module_slug=module_slug))


@bp.post("/courses/<slug>/assignments/<module_slug>/copies/<int:copy_id>/discard")
@login_required
def discard_copy(slug: str, module_slug: str, copy_id: int):
    """The author is done with a copy kept from another window."""
    _course, _module, found, enrollment = _load(slug, module_slug)
    operations.discard_copy(_own_submission(found, enrollment), copy_id)
    db.session.commit()
    flash(_("The copy is discarded."), "success")
    return redirect(url_for(".assignment", slug=slug, module_slug=module_slug))


@bp.post("/courses/<slug>/assignments/<module_slug>/files")
@login_required
def upload(slug: str, module_slug: str):
    """Attach an image or a PDF to the draft (a draft is made first if there is none)."""
    course, module, found, enrollment = _load(slug, module_slug)
    if enrollment is None:
        abort(403)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(
            course, module, found, enrollment, error=_("Choose a file to attach."), status=400
        )
    submission = queries.submission_of(found.id, enrollment.id)
    now = utcnow()
    try:
        if submission is None:
            submission = operations.save_draft(
                found, enrollment, base_version=0, title="", theme=None, sections={}, now=now
            ).submission
        operations.add_file(
            submission,
            upload.filename,
            upload.read(),
            max_bytes=current_app.config["UPLOAD_MAX_BYTES"],
            now=now,
        )
    except AssignmentError as error:
        db.session.rollback()
        return _page(course, module, found, enrollment, error=str(error), status=error.status)
    db.session.commit()
    flash(_("The file is attached."), "success")
    return redirect(url_for(".assignment", slug=slug, module_slug=module_slug) + "#files")


@bp.post("/courses/<slug>/assignments/<module_slug>/files/<int:file_id>/remove")
@login_required
def remove_file(slug: str, module_slug: str, file_id: int):
    """Remove a file from the draft."""
    course, module, found, enrollment = _load(slug, module_slug)
    try:
        operations.remove_file(_own_submission(found, enrollment), file_id)
    except AssignmentError as error:
        db.session.rollback()
        return _page(course, module, found, enrollment, error=str(error), status=error.status)
    db.session.commit()
    flash(_("The file is removed."), "success")
    return redirect(url_for(".assignment", slug=slug, module_slug=module_slug) + "#files")


@bp.post("/courses/<slug>/assignments/<module_slug>/gallery-consent")
@login_required
def gallery_consent(slug: str, module_slug: str):
    """Show the submitted plan in the gallery, or take it out."""
    course, module, found, enrollment = _load(slug, module_slug)
    shows = request.form.get("gallery") == "yes"
    try:
        operations.set_gallery_consent(
            _own_submission(found, enrollment), shows, actor=current_user._get_current_object()
        )
    except AssignmentError as error:
        db.session.rollback()
        return _page(course, module, found, enrollment, error=str(error), status=error.status)
    db.session.commit()
    flash(
        _("Your plan is shown in the gallery.")
        if shows
        else _("Your plan is no longer shown in the gallery."),
        "success",
    )
    return redirect(url_for(".assignment", slug=slug, module_slug=module_slug))


def _may_read(submission: Submission, course) -> bool:
    """The author, its reviewers, the course's staff, and, for a plan in the gallery, those
    the gallery shows it to."""
    user = current_user
    if submission.user_id == user.id or course.can_manage(user):
        return True
    if any(r.reviewer_id == user.id for r in submission.reviews):
        return True
    return (
        submission.shows_in_gallery
        and submission.is_submitted
        and _in_gallery_of(submission, course)
    )


def _in_gallery_of(submission: Submission, course) -> bool:
    enrollments = course_enrollments(current_user, course)
    if not enrollments:
        return False
    return queries.is_in_gallery_of(submission, enrollments[0].cohort)


@bp.get("/courses/<slug>/assignments/<module_slug>/files/<int:file_id>")
@login_required
def file(slug: str, module_slug: str, file_id: int):
    """A plan's attached file, to those who may read the plan."""
    course, _module, found, _enrollment = _load(slug, module_slug)
    attached = queries.submission_file(file_id)
    if attached is None or attached.submission.assignment_id != found.id:
        abort(404)
    if not _may_read(attached.submission, course):
        abort(404)
    response = send_file(
        io.BytesIO(attached.data),
        mimetype=attached.content_type,
        download_name=attached.name,
        as_attachment=attached.content_type == "application/pdf",
    )
    return response


def _review_and_plan(slug: str, module_slug: str, review_id: int):
    course, module, found, _enrollment = _load(slug, module_slug)
    review = queries.review_for(review_id)
    if review is None or review.submission.assignment_id != found.id:
        abort(404)
    return course, module, found, review


def _review_page(course, module, assignment, review: PeerReview, *, error=None, status=200):
    return render_template(
        "assignments/review.html",
        course=course,
        module=module,
        assignment=assignment,
        review=review,
        plan=review.submission,
        error=error,
        zone=current_user.time_zone,
    ), status


@bp.route(
    "/courses/<slug>/assignments/<module_slug>/reviews/<int:review_id>", methods=["GET", "POST"]
)
@login_required
def review(slug: str, module_slug: str, review_id: int):
    """A plan given to the reader to review, and the rubric to review it against."""
    course, module, found, given = _review_and_plan(slug, module_slug, review_id)
    if given.reviewer_id != current_user.id:
        abort(404)
    if request.method == "GET":
        return _review_page(course, module, found, given)
    levels = {c["id"]: _int(request.form.get(f"level-{c['id']}"), -1) for c in found.rubric}
    comments = {c["id"]: request.form.get(f"comment-{c['id']}", "") for c in found.rubric}
    try:
        operations.submit_review(given, levels=levels, comments=comments, now=utcnow())
    except AssignmentError as error:
        db.session.rollback()
        return _review_page(course, module, found, given, error=str(error), status=error.status)
    db.session.commit()
    flash(_("Your review is sent. Thank you!"), "success")
    return redirect(url_for(".assignment", slug=slug, module_slug=module_slug) + "#to-review")


@bp.post("/courses/<slug>/assignments/<module_slug>/reviews/<int:review_id>/helpful")
@login_required
def rate(slug: str, module_slug: str, review_id: int):
    """The plan's author says how helpful a review of it was."""
    course, module, found, given = _review_and_plan(slug, module_slug, review_id)
    if given.submission.user_id != current_user.id or not given.is_submitted:
        abort(404)
    try:
        operations.rate_review(given, _int(request.form.get("helpfulness"), 0))
    except AssignmentError as error:
        db.session.rollback()
        enrollment = given.submission.enrollment
        return _page(course, module, found, enrollment, error=str(error), status=400)
    db.session.commit()
    flash(_("Thank you: the reviewer will see that."), "success")
    return redirect(url_for(".assignment", slug=slug, module_slug=module_slug) + "#received")


@bp.get("/courses/<slug>/assignments/<module_slug>/gallery")
@login_required
def gallery(slug: str, module_slug: str):
    """The plans their authors chose to show to the cohort (and later cohorts)."""
    course, module, found, enrollment = _load(slug, module_slug)
    if found.gallery == "none":
        abort(404)
    language = current_language()
    filters = GalleryFilters.read(
        country=[(code, name) for code, name in countries(language)],
        theme=[(t["id"], t["title"]) for t in translated(course, found, "themes")[0]],
    )
    if enrollment is None:  # the course's staff: every cohort's
        query = queries.gallery_for_staff(
            found, country=filters.country.data, theme=filters.theme.data
        )
    else:
        query = queries.gallery(
            found, enrollment.cohort, country=filters.country.data, theme=filters.theme.data
        )
    page = Page.of(query, GALLERY_PER_PAGE, filters=filters)
    return render_template(
        "assignments/gallery.html",
        course=course,
        module=module,
        assignment=found,
        filters=filters,
        page=page,
        themes={t["id"]: t["title"] for t in translated(course, found, "themes")[0]},
    )


@bp.get("/courses/<slug>/assignments/<module_slug>/plans/<int:submission_id>")
@login_required
def plan(slug: str, module_slug: str, submission_id: int):
    """A submitted plan, read by someone who may (its reviewers, the gallery's readers)."""
    course, module, found, _enrollment = _load(slug, module_slug)
    submission = queries.submission_with_reviews(submission_id)
    if submission is None or submission.assignment_id != found.id:
        abort(404)
    if not submission.is_submitted or not _may_read(submission, course):
        abort(404)
    return render_template(
        "assignments/plan.html",
        course=course,
        module=module,
        assignment=found,
        plan=submission,
        themes={t["id"]: t["title"] for t in translated(course, found, "themes")[0]},
    )
