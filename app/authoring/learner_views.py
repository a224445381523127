"""A learner's record in a course, for its staff: applications, enrolments, progress, quiz
attempts, live sessions, certificates and the mail sent to them; moving them to another
cohort and unenrolling them."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.authoring import bp
from app.authoring.learner_forms import MoveForm, UnenrolForm
from app.authoring.learner_record import LearnerRecord, current_certificate_of, fill, learner_in
from app.authoring.views import managed_course
from app.catalog.models import Quiz
from app.core.permissions import Role, staff_required
from app.core.types import utcnow
from app.extensions import db
from app.learning.forms import ButtonForm
from app.learning.models import Enrollment
from app.learning.operations import ApplicationError, move_enrollment, remove_enrollment
from app.quizzes import operations as quiz_operations
from app.quizzes.operations import QuizError


def _record(course, user_id: int) -> LearnerRecord:
    found = learner_in(course, user_id)
    if found is None:
        abort(404)
    return found


@bp.get("/<slug>/learners/<int:user_id>")
@staff_required
def learner(slug: str, user_id: int):
    """Everything the course knows about one of its learners, and what staff can do."""
    course = managed_course(slug)
    return _page(course, _record(course, user_id))


def _page(course, record: LearnerRecord, *, status=200, move_form=None, unenrol_form=None):
    fill(record, course, sees_account_mail=current_user.role == Role.ADMIN)
    page = render_template(
        "authoring/learner.html",
        course=course,
        record=record,
        learner=record.user,
        move_form=move_form or MoveForm(),
        unenrol_form=unenrol_form or UnenrolForm(),
        other_cohorts=record.cohorts_to_move_to(course),
    )
    return page, status


def _enrollment(course, user_id: int, enrollment_id: int) -> tuple[LearnerRecord, Enrollment]:
    record = _record(course, user_id)
    found = next((e for e in record.enrollments if e.id == enrollment_id), None)
    if found is None:
        abort(404)
    return record, found


@bp.post("/<slug>/learners/<int:user_id>/enrolments/<int:enrollment_id>/move")
@staff_required
def move_learner(slug: str, user_id: int, enrollment_id: int):
    """Move a learner to another cohort of the course."""
    course = managed_course(slug)
    record, enrollment = _enrollment(course, user_id, enrollment_id)
    user = record.user
    form = MoveForm()
    cohort = next((c for c in course.cohorts if c.slug == form.cohort.data), None)
    if not form.validate_on_submit() or cohort is None:
        form.cohort.errors = [_("Choose the cohort to move them to.")]
        return _page(course, record, status=400, move_form=form)
    try:
        move_enrollment(
            enrollment,
            cohort,
            actor=current_user._get_current_object(),
            has_certificate=current_certificate_of(enrollment),
        )
    except ApplicationError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _page(course, record, status=409)
    db.session.commit()
    flash(_("%(name)s is now in %(cohort)s.", name=user.name, cohort=cohort.title), "success")
    return redirect(url_for("authoring.learner", slug=slug, user_id=user_id))


@bp.post("/<slug>/learners/<int:user_id>/enrolments/<int:enrollment_id>/remove")
@staff_required
def unenrol_learner(slug: str, user_id: int, enrollment_id: int):
    """Unenrol a learner from a cohort, with the reason."""
    course = managed_course(slug)
    record, enrollment = _enrollment(course, user_id, enrollment_id)
    user = record.user
    form = UnenrolForm()
    if not form.validate_on_submit():
        return _page(course, record, status=400, unenrol_form=form)
    cohort_title = enrollment.cohort.title
    try:
        remove_enrollment(
            enrollment,
            reason=form.reason.data,
            actor=current_user._get_current_object(),
            has_certificate=current_certificate_of(enrollment),
        )
    except ApplicationError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _page(course, record, status=409)
    db.session.commit()
    flash(
        _("%(name)s is no longer enrolled in %(cohort)s.", name=user.name, cohort=cohort_title),
        "success",
    )
    if record.applications or len(record.enrollments) > 1:  # the record has more to show
        return redirect(url_for("authoring.learner", slug=slug, user_id=user_id))
    return redirect(url_for("authoring.course", slug=slug))


@bp.post("/<slug>/learners/<int:user_id>/quizzes/<int:quiz_id>/grant")
@staff_required
def grant_attempt(slug: str, user_id: int, quiz_id: int):
    """Give a learner who has used their attempts at a quiz one more."""
    course = managed_course(slug)
    record = _record(course, user_id)
    user = record.user
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None or quiz.module.course_id != course.id or not record.enrollments:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        extra = quiz_operations.grant_attempt(
            user, quiz, actor=current_user._get_current_object(), now=utcnow()
        )
    except QuizError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("authoring.learner", slug=slug, user_id=user_id))
    db.session.commit()
    flash(
        ngettext(
            "%(name)s may now make one more attempt at “%(quiz)s” (%(num)d given in all).",
            "%(name)s may now make one more attempt at “%(quiz)s” (%(num)d given in all).",
            extra,
            name=user.name,
            quiz=quiz.title,
        ),
        "success",
    )
    return redirect(url_for("authoring.learner", slug=slug, user_id=user_id))
