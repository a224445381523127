"""A learner's record in a course, for its staff: applications, enrolments, progress, quiz
attempts, live sessions, certificates and the mail sent to them; moving them to another
cohort and unenrolling them."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.authoring import bp
from app.authoring.learner_forms import MoveForm, UnenrolForm
from app.authoring.views import managed_course
from app.catalog.models import LiveSession, Module, Quiz
from app.catalog.outline import outline_of
from app.certificates.models import Certificate
from app.core.mail import OutgoingMail
from app.core.permissions import Role, staff_required
from app.core.types import utcnow
from app.extensions import db
from app.learning.forms import ButtonForm
from app.learning.models import Application, Enrollment
from app.learning.operations import ApplicationError, move_enrollment, remove_enrollment
from app.learning.progress import CourseProgress, outline_cohort
from app.learning.queries import learner_facts
from app.live.models import Attendance, RecordingView
from app.quizzes import operations as quiz_operations
from app.quizzes.models import AttemptGrant, QuizAttempt
from app.quizzes.operations import QuizError

# Mail about the account itself, which the course team has no business reading about.
ACCOUNT_MAIL = ("reset_password", "confirm_email", "registration_attempt")
MAIL_SHOWN = 50


def _record(course, user_id: int):
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        abort(404)
    cohort_ids = [cohort.id for cohort in course.cohorts]
    applications = db.session.scalars(
        select(Application)
        .where(Application.user_id == user.id, Application.cohort_id.in_(cohort_ids))
        .order_by(Application.submitted_at.desc())
    ).all()
    enrollments = db.session.scalars(
        select(Enrollment)
        .where(Enrollment.user_id == user.id, Enrollment.cohort_id.in_(cohort_ids))
        .order_by(Enrollment.enrolled_at.desc())
    ).all()
    if not applications and not enrollments:
        abort(404)  # not a learner of this course: their record is not the course's to see
    return user, applications, enrollments


@bp.get("/<slug>/learners/<int:user_id>")
@staff_required
def learner(slug: str, user_id: int):
    """Everything the course knows about one of its learners, and what staff can do."""
    course = managed_course(slug)
    user, applications, enrollments = _record(course, user_id)
    return _page(course, user, applications, enrollments)


def _page(
    course, user, applications, enrollments, *, status=200, move_form=None, unenrol_form=None
):
    outline = outline_of(course)
    facts = learner_facts(user, [outline])[outline.id]
    progress = {
        enrollment.id: CourseProgress(outline, outline_cohort(outline, enrollment), facts)
        for enrollment in enrollments
    }
    attempts = db.session.scalars(
        select(QuizAttempt)
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .join(Module, Module.id == Quiz.module_id)
        .where(QuizAttempt.user_id == user.id, Module.course_id == course.id)
        .options(joinedload(QuizAttempt.quiz))
        .order_by(QuizAttempt.started_at.desc())
    ).all()
    cohort_ids = [cohort.id for cohort in course.cohorts]
    attendances = db.session.scalars(
        select(Attendance)
        .join(LiveSession, LiveSession.id == Attendance.session_id)
        .where(Attendance.user_id == user.id, LiveSession.cohort_id.in_(cohort_ids))
        .options(joinedload(Attendance.session))
        .order_by(LiveSession.starts_at)
    ).all()
    recordings = db.session.scalars(
        select(RecordingView)
        .join(LiveSession, LiveSession.id == RecordingView.session_id)
        .where(RecordingView.user_id == user.id, LiveSession.cohort_id.in_(cohort_ids))
        .options(joinedload(RecordingView.session))
    ).all()
    certificates = db.session.scalars(
        select(Certificate)
        .where(Certificate.user_id == user.id, Certificate.course_id == course.id)
        .order_by(Certificate.id.desc())
    ).all()
    mails = select(OutgoingMail).where(
        or_(OutgoingMail.user_id == user.id, OutgoingMail.recipient == user.email)
    )
    if current_user.role != Role.ADMIN:
        mails = mails.where(OutgoingMail.kind.not_in(ACCOUNT_MAIL))
    mails = db.session.scalars(mails.order_by(OutgoingMail.id.desc()).limit(MAIL_SHOWN)).all()
    current = {c.current_for_enrollment_id for c in certificates if c.current_for_enrollment_id}
    granted = dict(
        db.session.execute(
            select(AttemptGrant.quiz_id, AttemptGrant.extra).where(AttemptGrant.user_id == user.id)
        ).all()
    )
    limited = [
        (quiz, sum(1 for a in attempts if a.quiz_id == quiz.id), granted.get(quiz.id, 0))
        for quiz in outline.published_quizzes()
        if quiz.max_attempts is not None
    ]
    page = render_template(
        "authoring/learner.html",
        course=course,
        learner=user,
        applications=applications,
        enrollments=enrollments,
        progress=progress,
        attempts=attempts,
        attendances=attendances,
        recordings=recordings,
        certificates=certificates,
        certified=current,
        limited=[
            (quiz, used, extra, quiz.max_attempts + extra - used <= 0)
            for quiz, used, extra in limited
        ],
        mails=mails,
        mail_limit=MAIL_SHOWN,
        move_form=move_form or MoveForm(),
        unenrol_form=unenrol_form or UnenrolForm(),
        other_cohorts={
            enrollment.id: [
                cohort
                for cohort in course.cohorts
                if cohort.id not in {e.cohort_id for e in enrollments} and not cohort.is_archived
            ]
            for enrollment in enrollments
        },
    )
    return page, status


def _enrollment(course, user_id: int, enrollment_id: int):
    user, applications, enrollments = _record(course, user_id)
    found = next((e for e in enrollments if e.id == enrollment_id), None)
    if found is None:
        abort(404)
    return user, applications, enrollments, found


def _has_certificate(enrollment: Enrollment) -> bool:
    return (
        db.session.scalar(
            select(Certificate.id).where(Certificate.current_for_enrollment_id == enrollment.id)
        )
        is not None
    )


@bp.post("/<slug>/learners/<int:user_id>/enrolments/<int:enrollment_id>/move")
@staff_required
def move_learner(slug: str, user_id: int, enrollment_id: int):
    """Move a learner to another cohort of the course."""
    course = managed_course(slug)
    user, applications, enrollments, enrollment = _enrollment(course, user_id, enrollment_id)
    form = MoveForm()
    cohort = next((c for c in course.cohorts if c.slug == form.cohort.data), None)
    if not form.validate_on_submit() or cohort is None:
        form.cohort.errors = [_("Choose the cohort to move them to.")]
        return _page(course, user, applications, enrollments, status=400, move_form=form)
    try:
        move_enrollment(
            enrollment,
            cohort,
            actor=current_user._get_current_object(),
            has_certificate=_has_certificate(enrollment),
        )
    except ApplicationError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _page(course, user, applications, enrollments, status=409)
    db.session.commit()
    flash(_("%(name)s is now in %(cohort)s.", name=user.name, cohort=cohort.title), "success")
    return redirect(url_for("authoring.learner", slug=slug, user_id=user_id))


@bp.post("/<slug>/learners/<int:user_id>/enrolments/<int:enrollment_id>/remove")
@staff_required
def unenrol_learner(slug: str, user_id: int, enrollment_id: int):
    """Unenrol a learner from a cohort, with the reason."""
    course = managed_course(slug)
    user, applications, enrollments, enrollment = _enrollment(course, user_id, enrollment_id)
    form = UnenrolForm()
    if not form.validate_on_submit():
        return _page(course, user, applications, enrollments, status=400, unenrol_form=form)
    cohort_title = enrollment.cohort.title
    try:
        remove_enrollment(
            enrollment,
            reason=form.reason.data,
            actor=current_user._get_current_object(),
            has_certificate=_has_certificate(enrollment),
        )
    except ApplicationError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _page(course, user, applications, enrollments, status=409)
    db.session.commit()
    flash(
        _("%(name)s is no longer enrolled in %(cohort)s.", name=user.name, cohort=cohort_title),
        "success",
    )
    if applications or len(enrollments) > 1:  # the record still has something to show
        return redirect(url_for("authoring.learner", slug=slug, user_id=user_id))
    return redirect(url_for("authoring.course", slug=slug))


@bp.post("/<slug>/learners/<int:user_id>/quizzes/<int:quiz_id>/grant")
@staff_required
def grant_attempt(slug: str, user_id: int, quiz_id: int):
    """Give a learner who has used their attempts at a quiz one more."""
    course = managed_course(slug)
    user, _applications, enrollments = _record(course, user_id)
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None or quiz.module.course_id != course.id or not enrollments:
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
