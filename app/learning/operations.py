"""Every write to applications, enrolments, lesson progress and completion."""

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.catalog.models import Cohort, Lesson
from app.catalog.outline import CourseOutline
from app.catalog.rules import ApplicationWindow
from app.core import audit, events
from app.core.mail import send_to_user_after_commit
from app.core.models import add_unless_duplicate
from app.core.templating import course_text, long_date, when
from app.core.types import utcnow
from app.extensions import db
from app.learning.counter_operations import count_lesson_done, recount_enrollment
from app.learning.models import (
    Application,
    ApplicationDraft,
    ApplicationStatus,
    Enrollment,
    LessonProgress,
)
from app.learning.progress import CourseProgress, outline_cohort
from app.learning.queries import application_for, course_enrollments, learner_facts


class ApplicationError(ValueError):
    """An application that cannot be made or decided, with a sentence saying why."""


def _sentence(translated: str, cohort: Cohort, marked: bool, **values) -> str:
    """A translated sentence about a cohort, filled in; `marked`: as safe HTML for a page, the
    cohort's title marked with the course's language (plain text for errors and the CLI)."""
    if marked:
        return escape(translated) % {
            "cohort": course_text(cohort.title, cohort.course.language),
            **values,
        }
    return translated % {"cohort": cohort.title, **values}


def closed_reason(cohort: Cohort, now: datetime, *, marked: bool = False) -> str | Markup | None:
    """Why a cohort takes no applications now (from its `application_window`), or None when
    it does."""
    window = cohort.application_window(now)
    if window == ApplicationWindow.ARCHIVED:
        return _sentence(
            _("%(cohort)s is no longer running, so it takes no applications."), cohort, marked
        )
    if window == ApplicationWindow.NOT_YET_OPEN:
        # On the reader's clock, with the cohort's beside it.
        opens = when(cohort.applications_open_at, cohort.applications_open_zone)
        return _sentence(
            _("Applications for %(cohort)s open on %(date)s."), cohort, marked, date=opens
        )
    if window == ApplicationWindow.CLOSED:
        closed = when(cohort.applications_close_at, cohort.applications_close_zone)
        return _sentence(
            _("Applications for %(cohort)s closed on %(date)s. Look out for the next cohort."),
            cohort,
            marked,
            date=closed,
        )
    return None


def already_applied_message(application: Application, *, marked: bool = False) -> str | Markup:
    submitted = long_date(application.submitted_at, application.user.time_zone)
    return _sentence(
        _("You applied to %(cohort)s on %(date)s. Its status: %(status)s."),
        application.cohort,
        marked,
        date=submitted,
        status=application.status.label,
    )


def submit_application(
    user, cohort: Cohort, *, motivation: str, confirms_public_official: bool, now: datetime
) -> Application:
    """Apply to a cohort; in an open cohort the applicant is enrolled at once."""
    reason = closed_reason(cohort, now)
    if reason:
        raise ApplicationError(reason)
    if not user.has_confirmed_email:
        raise ApplicationError(_("Confirm your e-mail address before you apply."))
    existing = application_for(user, cohort)
    if existing is not None:
        raise ApplicationError(already_applied_message(existing))
    application = Application(
        user=user,
        cohort=cohort,
        motivation=motivation,
        confirms_public_official=confirms_public_official,
        submitted_at=now,
    )
    db.session.execute(
        delete(ApplicationDraft).where(
            ApplicationDraft.user_id == user.id, ApplicationDraft.cohort_id == cohort.id
        )
    )
    try:
        with db.session.begin_nested():
            db.session.add(application)
    except IntegrityError as error:  # the same person applying from two tabs at once
        raise ApplicationError(_("You have already applied to this cohort.")) from error
    audit.record(
        "application.submitted", actor=user, target=application, details={"cohort": cohort.slug}
    )
    if cohort.enrols_on_application:
        _decide(application, ApplicationStatus.APPROVED, actor=None, message=None, now=now)
    else:
        _mail_applicant(
            application,
            "mail/application_received.txt",
            _l("We received your application to %(cohort)s", cohort=cohort.title),
        )
    return application


def save_application_draft(
    user, cohort: Cohort, *, motivation: str, confirms_public_official: bool, now: datetime
) -> ApplicationDraft:
    """Keep an application as it stands, to finish later (one draft per person and cohort)."""
    draft = db.session.scalar(
        select(ApplicationDraft).where(
            ApplicationDraft.user_id == user.id, ApplicationDraft.cohort_id == cohort.id
        )
    )
    if draft is None:
        draft = ApplicationDraft(user_id=user.id, cohort_id=cohort.id)
        if not add_unless_duplicate(draft):  # saved from another tab a moment ago
            return save_application_draft(
                user,
                cohort,
                motivation=motivation,
                confirms_public_official=confirms_public_official,
                now=now,
            )
    draft.motivation = motivation
    draft.confirms_public_official = confirms_public_official
    draft.saved_at = now
    return draft


def decide_application(
    application: Application, approve: bool, *, actor, message: str | None = None
) -> None:
    """Approve (enrolling the applicant) or reject a pending application, and tell them."""
    status = ApplicationStatus.APPROVED if approve else ApplicationStatus.REJECTED
    _decide(application, status, actor=actor, message=message or None, now=utcnow())


def _decide(application, status, *, actor, message, now) -> None:
    # Conditional update: of two people deciding at once, only the first one changes anything.
    changed = db.session.execute(
        update(Application)
        .where(Application.id == application.id, Application.status == ApplicationStatus.PENDING)
        .values(
            status=status,
            decided_at=now,
            decided_by_id=actor.id if actor else None,
            decision_message=message,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(application)
    if changed != 1:
        raise ApplicationError(
            _(
                "The application of %(name)s was already decided (%(status)s).",
                name=application.user.name,
                status=application.status.label.lower(),
            )
        )
    audit.record(
        f"application.{status.value}",
        actor=actor,
        target=application,
        details={"cohort": application.cohort.slug, "automatic": actor is None},
    )
    if status == ApplicationStatus.APPROVED:
        enrol(application.user, application.cohort, application=application, actor=actor)
        _mail_applicant(
            application,
            "mail/application_approved.txt",
            _l("You are enrolled in %(cohort)s", cohort=application.cohort.title),
        )
    else:
        _mail_applicant(
            application,
            "mail/application_rejected.txt",
            _l("Your application to %(cohort)s", cohort=application.cohort.title),
        )


def enrol(user, cohort: Cohort, *, application: Application | None = None, actor=None):
    """Give a person a place in a cohort (once: enrolling twice changes nothing)."""
    existing = db.session.scalar(
        select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.cohort_id == cohort.id)
    )
    if existing is not None:
        return existing
    enrollment = Enrollment(user=user, cohort=cohort, application=application)
    db.session.add(enrollment)
    recount_enrollment(enrollment)
    audit.record(
        "enrollment.created",
        actor=actor,
        target=enrollment,
        details={"cohort": cohort.slug, "user": user.id},
    )
    return enrollment


def _mail_applicant(application: Application, template: str, subject) -> None:
    """Write to the applicant in their profile's language (a lazy subject, rendered there)."""
    send_to_user_after_commit(
        application.user,
        subject,
        template,
        application=application,
        course=application.cohort.course,
    )


def note_activity(user, course_id: int, *, now: datetime) -> None:
    """The learner took a step in the course (a lesson done, a quiz started or submitted, a
    live session joined or its recording watched): their enrolments in it are active as of
    `now`, and the stalled-learner mail (learning/nudges.py) waits 10 days from here."""
    db.session.execute(
        update(Enrollment)
        .where(
            Enrollment.user_id == user.id,
            Enrollment.cohort_id.in_(select(Cohort.id).where(Cohort.course_id == course_id)),
            or_(Enrollment.last_active_at.is_(None), Enrollment.last_active_at < now),
        )
        .values(last_active_at=now)
        .execution_options(synchronize_session=False)
    )


def mark_lesson_done(user, lesson: Lesson, *, now: datetime) -> bool:
    """Record that a learner finished a lesson; True the first time, False after that."""
    note_activity(user, lesson.module.course.id, now=now)
    exists_already = db.session.scalar(
        select(LessonProgress.id).where(
            LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id
        )
    )
    if exists_already is not None:
        return False
    # The same lesson marked from two tabs at once stores one row, and counts once.
    if not add_unless_duplicate(
        LessonProgress(user_id=user.id, lesson_id=lesson.id, completed_at=now)
    ):
        return False
    count_lesson_done(user.id, lesson.module.course.id)
    return True


def record_completion(user, course: CourseOutline, *, now: datetime) -> list[Enrollment]:
    """Mark complete, once, each of the learner's enrolments in the course whose rules all hold.

    `course`: its outline (shared, or `outline_of` the rows a write loaded). A completed
    enrolment stays complete when content is added later.
    """
    facts = learner_facts(user, [course])[course.id]
    completed = []
    for enrollment in course_enrollments(user, course):
        if enrollment.is_complete:
            continue
        cohort = outline_cohort(course, enrollment)
        if not CourseProgress(course, cohort, facts.as_of(cohort, now)).rules_met:
            continue
        changed = db.session.execute(
            update(Enrollment)
            .where(Enrollment.id == enrollment.id, Enrollment.completed_at.is_(None))
            .values(completed_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.refresh(enrollment)
        if changed == 1:
            audit.record(
                "enrollment.completed",
                actor=user,
                target=enrollment,
                details={"cohort": enrollment.cohort.slug},
            )
            completed.append(enrollment)
    for enrollment in completed:
        # The certificates package issues what the course gives by itself (core/events.py).
        events.enrollment_completed.send(enrollment, now=now)
    return completed


def move_enrollment(enrollment: Enrollment, cohort: Cohort, *, actor, has_certificate: bool):
    """Move a learner to another cohort of the same course (their schedule, announcements and
    mail follow it). Refused when they are in that cohort already, or hold a certificate of
    the one they leave (it names that cohort: revoke or reissue it first)."""
    old = enrollment.cohort
    if cohort.course_id != old.course_id or cohort.id == old.id:
        raise ApplicationError(_("Choose another cohort of the same course."))
    if has_certificate:
        raise ApplicationError(
            _(
                "%(name)s holds a certificate of %(cohort)s, which names that cohort: revoke "
                "it first if the move is right.",
                name=enrollment.user.name,
                cohort=old.title,
            )
        )
    taken = db.session.scalar(
        select(Enrollment.id).where(
            Enrollment.user_id == enrollment.user_id, Enrollment.cohort_id == cohort.id
        )
    )
    if taken is not None:
        raise ApplicationError(
            _(
                "%(name)s is enrolled in %(cohort)s already.",
                name=enrollment.user.name,
                cohort=cohort.title,
            )
        )
    enrollment.cohort_id = cohort.id
    recount_enrollment(enrollment)
    db.session.expire(enrollment, ["cohort"])
    audit.record(
        "enrollment.moved",
        actor=actor,
        target=enrollment,
        details={"from": old.slug, "to": cohort.slug},
    )


def remove_enrollment(enrollment: Enrollment, *, reason: str, actor, has_certificate: bool):
    """Unenrol a learner, with the reason (audited). What they did (lessons done, attempts,
    attendance) is kept, so enrolling them again gives it back. Refused while they hold a
    certificate of this enrolment: revoke it first."""
    if has_certificate:
        raise ApplicationError(
            _(
                "%(name)s holds a certificate of this enrolment: revoke it first if they "
                "should leave the cohort.",
                name=enrollment.user.name,
            )
        )
    audit.record(
        "enrollment.removed",
        actor=actor,
        target=enrollment,
        details={"cohort": enrollment.cohort.slug, "reason": reason},
    )
    db.session.delete(enrollment)
    db.session.flush()
