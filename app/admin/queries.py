"""Reads of the administration pages, each page in a fixed number of queries."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, func, select, true
from sqlalchemy.orm import contains_eager, joinedload

from app.accounts.models import User
from app.catalog.models import Cohort, Course
from app.core.audit import AuditEvent
from app.core.inputs import parse_integer
from app.core.permissions import Role
from app.core.search import contains_text
from app.core.types import enum_or_none
from app.extensions import db
from app.learning.models import Application, ApplicationStatus


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


@dataclass(frozen=True)
class ApplicationFilters:
    cohort_id: int | None = None
    status: ApplicationStatus | None = None
    country: str | None = None

    @classmethod
    def from_args(cls, args) -> "ApplicationFilters":
        """Filters from the query string; values that make no sense are ignored."""
        cohort = args.get("cohort", "")
        status = args.get("status", "")
        country = args.get("country", "").upper()
        return cls(
            cohort_id=parse_integer(cohort),
            status=enum_or_none(ApplicationStatus, status),
            country=country if len(country) == 2 and country.isalpha() else None,
        )

    def as_args(self) -> dict[str, str]:
        found = {}
        if self.cohort_id:
            found["cohort"] = str(self.cohort_id)
        if self.status:
            found["status"] = self.status.value
        if self.country:
            found["country"] = self.country
        return found


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
    if filters.cohort_id:
        statement = statement.where(Application.cohort_id == filters.cohort_id)
    if filters.status:
        statement = statement.where(Application.status == filters.status)
    if filters.country:
        statement = statement.where(User.country == filters.country)
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


def user_list(search: str, role: Role | None) -> Select:
    statement = select(User).where(User.deleted_at.is_(None)).order_by(User.name, User.id)
    if search.strip():
        statement = statement.where(contains_text(search, User.email, User.name, User.organisation))
    if role:
        statement = statement.where(User.role == role)
    return statement


@dataclass(frozen=True)
class AuditFilters:
    action: str | None = None
    actor: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_args(cls, args) -> "AuditFilters":
        def day(name: str) -> date | None:
            try:
                return date.fromisoformat(args.get(name, ""))
            except ValueError:
                return None

        return cls(
            action=args.get("action") or None,
            actor=(args.get("actor") or "").strip().lower()[:254] or None,
            object_type=args.get("object_type") or None,
            object_id=(args.get("object_id") or "").strip()[:64] or None,
            since=day("since"),
            until=day("until"),
        )

    def as_args(self) -> dict[str, str]:
        return {
            key: value.isoformat() if isinstance(value, date) else value
            for key, value in self.__dict__.items()
            if value
        }


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def audit_events(filters: AuditFilters) -> Select:
    """Audit events, newest first, with their actor."""
    statement = (
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    if filters.action:
        statement = statement.where(AuditEvent.action == filters.action)
    if filters.actor:
        statement = statement.where(
            AuditEvent.actor_id.in_(select(User.id).where(contains_text(filters.actor, User.email)))
        )
    if filters.object_type:
        statement = statement.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id:
        statement = statement.where(AuditEvent.object_id == filters.object_id)
    if filters.since:
        statement = statement.where(AuditEvent.occurred_at >= _start_of(filters.since))
    if filters.until:
        statement = statement.where(
            AuditEvent.occurred_at < _start_of(filters.until + timedelta(days=1))
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
