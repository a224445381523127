"""Reads of the administration pages, each page in a fixed number of queries."""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, func, select, true
from sqlalchemy.orm import contains_eager, joinedload

from app.accounts.models import User
from app.admin.forms import ApplicationFilters, AuditFilters, MailFilters, UserFilters
from app.catalog.models import Cohort, Course
from app.core.audit import AuditEvent
from app.core.mail import MailState, OutgoingMail
from app.core.search import contains_text
from app.extensions import db
from app.learning.models import Application, ApplicationStatus, Enrollment


def manageable_course_filter(user):
    """A WHERE clause on Course limiting rows to the courses the user runs (none for nobody)."""
    if user.is_admin:
        return true()
    return Course.id.in_(user.staffed_course_ids)


def all_courses() -> list[Course]:
    return list(db.session.scalars(select(Course).order_by(Course.title)))


def manageable_cohorts(user) -> list[Cohort]:
    return list(
        db.session.scalars(
            select(Cohort)
            .join(Cohort.course)
            .where(manageable_course_filter(user))
            .options(contains_eager(Cohort.course))
            .order_by(Course.title, Cohort.position, Cohort.starts_on)
        )
    )


def application_queue(user, filters: ApplicationFilters) -> Select:
    """Applications the user may decide on, oldest first, with applicant, cohort and course."""
    statement = (
        select(Application)
        .join(Application.cohort)
        .join(Cohort.course)
        .join(Application.user)
        .where(manageable_course_filter(user))
        .options(
            contains_eager(Application.cohort).contains_eager(Cohort.course),
            contains_eager(Application.user),
            joinedload(Application.decided_by),
        )
        .order_by(Application.submitted_at, Application.id)
    )
    if filters.cohort.data:
        statement = statement.where(Application.cohort_id == filters.cohort.data)
    if filters.status.data:
        statement = statement.where(Application.status == filters.status.data)
    if filters.country.data:
        statement = statement.where(User.country == filters.country.data)
    return statement


def applicant_countries(user) -> list[str]:
    """Countries of the applicants the user can see, for the queue's filter."""
    return sorted(
        code
        for code in db.session.scalars(
            select(User.country)
            .distinct()
            .join(Application, Application.user_id == User.id)
            .join(Cohort, Application.cohort_id == Cohort.id)
            .join(Course, Cohort.course_id == Course.id)
            .where(manageable_course_filter(user), User.country != "")
        )
    )


def manageable_application(user, application_id: int) -> Application | None:
    return db.session.scalar(
        select(Application)
        .join(Application.cohort)
        .join(Cohort.course)
        .where(Application.id == application_id, manageable_course_filter(user))
        .options(contains_eager(Application.cohort).contains_eager(Cohort.course))
    )


def manageable_applications(user, ids: list[int]) -> list[Application]:
    return list(
        db.session.scalars(
            select(Application)
            .join(Application.cohort)
            .join(Cohort.course)
            .where(Application.id.in_(ids), manageable_course_filter(user))
            .options(
                contains_eager(Application.cohort).contains_eager(Cohort.course),
                joinedload(Application.user),
            )
            .order_by(Application.id)
        )
    )


def pending_count(user) -> int:
    return db.session.scalar(
        select(func.count(Application.id))
        .join(Application.cohort)
        .join(Cohort.course)
        .where(manageable_course_filter(user), Application.status == ApplicationStatus.PENDING)
    )


def user_list(filters: UserFilters) -> Select:
    statement = select(User).where(User.deleted_at.is_(None)).order_by(User.name, User.id)
    if filters.q.data:
        statement = statement.where(
            contains_text(filters.q.data, User.email, User.name, User.organisation)
        )
    if filters.role.data:
        statement = statement.where(User.role == filters.role.data)
    return statement


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def audit_events(filters: AuditFilters) -> Select:
    """Audit events, newest first, with their actor."""
    statement = (
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    if filters.action.data:
        statement = statement.where(AuditEvent.action == filters.action.data)
    if filters.actor.data:
        statement = statement.where(
            AuditEvent.actor_id.in_(
                select(User.id).where(contains_text(filters.actor.data, User.email))
            )
        )
    if filters.object_type.data:
        statement = statement.where(AuditEvent.object_type == filters.object_type.data)
    if filters.object_id.data:
        statement = statement.where(AuditEvent.object_id == filters.object_id.data)
    if filters.since.data:
        statement = statement.where(AuditEvent.occurred_at >= _start_of(filters.since.data))
    if filters.until.data and filters.until.data < date.max:
        statement = statement.where(
            AuditEvent.occurred_at < _start_of(filters.until.data + timedelta(days=1))
        )
    return statement


def audit_vocabulary() -> tuple[list[str], list[str]]:
    """The actions and object types that occur in the log, for the filters."""
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    types = db.session.scalars(
        select(AuditEvent.object_type)
        .distinct()
        .where(AuditEvent.object_type.is_not(None))
        .order_by(AuditEvent.object_type)
    )
    return list(actions), list(types)


def outgoing_mail(filters: MailFilters) -> Select:
    """The mail log, newest first: every message written, sent, waiting or failed."""
    statement = select(OutgoingMail).order_by(
        OutgoingMail.created_at.desc(), OutgoingMail.id.desc()
    )
    if filters.q.data:
        statement = statement.where(contains_text(filters.q.data, OutgoingMail.recipient))
    if filters.state.data:
        statement = statement.where(OutgoingMail.state == filters.state.data)
    if filters.kind.data:
        statement = statement.where(OutgoingMail.kind == filters.kind.data)
    return statement


def mail_kinds() -> list[str]:
    """The kinds of message in the log, for its filter."""
    return list(
        db.session.scalars(select(OutgoingMail.kind).distinct().order_by(OutgoingMail.kind))
    )


def failed_mail_count() -> int:
    return db.session.scalar(
        select(func.count(OutgoingMail.id)).where(OutgoingMail.state == MailState.FAILED)
    )


def courses_studied(user) -> list[Course]:
    """The courses a person applied to or is enrolled in (each has their record in it)."""
    cohorts = (
        select(Application.cohort_id)
        .where(Application.user_id == user.id)
        .union(select(Enrollment.cohort_id).where(Enrollment.user_id == user.id))
    )
    # No DISTINCT over the courses' rows: PostgreSQL cannot compare their JSON columns.
    course_ids = select(Cohort.course_id).where(Cohort.id.in_(cohorts))
    return list(
        db.session.scalars(select(Course).where(Course.id.in_(course_ids)).order_by(Course.title))
    )
