"""Reads about certificates: a cohort's eligible learners, a holder's certificates, search."""

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from app.accounts.models import User
from app.catalog.models import Cohort, Course
from app.certificates.models import Certificate, CertificateStatus, canonical_serial
from app.core import events
from app.core.audit import AuditEvent
from app.core.search import contains_text
from app.extensions import db
from app.learning.models import Enrollment


def _without_certificate():
    return ~exists().where(Certificate.current_for_enrollment_id == Enrollment.id)


def any_course_cohort(course_slug: str, cohort_slug: str) -> Cohort | None:
    """A cohort with its course, published or not: hidden and archived courses still certify."""
    return db.session.scalar(
        select(Cohort)
        .join(Cohort.course)
        .where(Course.slug == course_slug, Cohort.slug == cohort_slug)
        .options(contains_eager(Cohort.course))
    )


def enrollment_in(cohort: Cohort, enrollment_id: int) -> Enrollment | None:
    """One of the cohort's enrolments, with its learner."""
    return db.session.scalar(
        select(Enrollment)
        .where(Enrollment.id == enrollment_id, Enrollment.cohort_id == cohort.id)
        .options(joinedload(Enrollment.user))
    )


def eligible_enrollments(cohort: Cohort) -> list[Enrollment]:
    """The cohort's learners who completed and have no certificate yet (none revoked either)."""
    return list(
        db.session.scalars(
            select(Enrollment)
            .join(Enrollment.user)
            .where(
                Enrollment.cohort_id == cohort.id,
                Enrollment.completed_at.is_not(None),
                _without_certificate(),
            )
            .options(contains_eager(Enrollment.user))
            .order_by(Enrollment.completed_at, Enrollment.id)
        )
    )


def cohort_roster(cohort: Cohort, *, show: str, search: str) -> Select:
    """The cohort's enrolments for the issuing page, filtered: a query to paginate."""
    query = (
        select(Enrollment)
        .join(Enrollment.user)
        .outerjoin(Certificate, Certificate.current_for_enrollment_id == Enrollment.id)
        .where(Enrollment.cohort_id == cohort.id)
        .options(contains_eager(Enrollment.user))
    )
    if show == "eligible":
        query = query.where(Enrollment.completed_at.is_not(None), Certificate.id.is_(None))
    elif show == "certified":
        query = query.where(Certificate.id.is_not(None))
    elif show == "not_complete":
        query = query.where(Enrollment.completed_at.is_(None), Certificate.id.is_(None))
    if search.strip():
        query = query.where(contains_text(search, User.name, User.email))
    return query.order_by(func.lower(User.name), Enrollment.id)


def current_certificates_of(enrollments: list[Enrollment]) -> dict[int, Certificate]:
    """The current certificate of each of these enrolments that has one, by enrolment id."""
    found = db.session.scalars(
        select(Certificate).where(
            Certificate.current_for_enrollment_id.in_([e.id for e in enrollments])
        )
    )
    return {certificate.current_for_enrollment_id: certificate for certificate in found}


def roster_counts(cohort: Cohort) -> dict[str, int]:
    """How many of the cohort's learners are in each view of the issuing page."""
    rows = db.session.execute(
        select(
            Enrollment.completed_at.is_not(None),
            Certificate.id.is_not(None),
            func.count(Enrollment.id),
        )
        .outerjoin(Certificate, Certificate.current_for_enrollment_id == Enrollment.id)
        .where(Enrollment.cohort_id == cohort.id)
        .group_by(Enrollment.completed_at.is_not(None), Certificate.id.is_not(None))
    ).all()
    counts = dict.fromkeys(("all", "eligible", "certified", "not_complete"), 0)
    for completed, certified, count in rows:
        counts["all"] += count
        if certified:
            counts["certified"] += count
        elif completed:
            counts["eligible"] += count
        else:
            counts["not_complete"] += count
    return counts


def valid_certificates_of(user) -> list[Certificate]:
    """A person's issued, unrevoked certificates: those a name correction reissues."""
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user.id, Certificate.status == CertificateStatus.ISSUED)
            .order_by(Certificate.issued_at)
        )
    )


def certificates_of(user) -> list[Certificate]:
    """Every certificate a person ever had, replaced and revoked ones too, oldest first."""
    return list(
        db.session.scalars(
            select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.id)
        )
    )


@events.current_certificates.provide
def current_certificates(user) -> dict[int, Certificate]:
    """A person's current certificate for each enrolment, by enrolment id."""
    found = db.session.scalars(
        select(Certificate).where(
            Certificate.user_id == user.id, Certificate.current_for_enrollment_id.is_not(None)
        )
    )
    return {certificate.current_for_enrollment_id: certificate for certificate in found}


def by_serial(text: str) -> Certificate | None:
    """The issued certificate with this serial, however it was typed; None for anything else."""
    serial = canonical_serial(text)
    if serial is None:
        return None
    return db.session.scalar(
        select(Certificate)
        .where(Certificate.serial == serial)
        .options(
            joinedload(Certificate.replaced_by),
            joinedload(Certificate.course),
            joinedload(Certificate.cohort),  # its zone names the dates the PDF prints
            joinedload(Certificate.status_entry),  # the verification page names its list
        )
    )


def replaced_one(certificate: Certificate) -> Certificate | None:
    """The certificate this one replaced, if any."""
    return db.session.scalar(
        select(Certificate).where(Certificate.replaced_by_id == certificate.id)
    )


def search_certificates(
    *,
    search: str = "",
    status: CertificateStatus | None = None,
    course_id: int | None = None,
    cohort_id: int | None = None,
) -> Select:
    """Every certificate matching the filters, newest first: for the admin list and the ZIP."""
    query = select(Certificate).join(Certificate.user).options(contains_eager(Certificate.user))
    if status is not None:
        query = query.where(Certificate.status == status)
    if course_id is not None:
        query = query.where(Certificate.course_id == course_id)
    if cohort_id is not None:
        query = query.where(Certificate.cohort_id == cohort_id)
    search = search.strip()
    if search:
        serial = canonical_serial(search)
        conditions = [contains_text(search, Certificate.holder_name, User.name, User.email)]
        if serial is not None:
            conditions.append(Certificate.serial == serial)
        query = query.where(or_(*conditions))
    return query.order_by(Certificate.created_at.desc(), Certificate.id.desc())


def count_of(statement: Select) -> int:
    """How many rows a filtered select matches."""
    return db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))


def certificate_in_full(certificate_id: int) -> Certificate | None:
    """One certificate with the people and course around it, for the admin's page."""
    return db.session.scalar(
        select(Certificate)
        .where(Certificate.id == certificate_id)
        .options(
            joinedload(Certificate.user),
            joinedload(Certificate.course),
            joinedload(Certificate.cohort),
            joinedload(Certificate.issued_by),
            joinedload(Certificate.revoked_by),
            joinedload(Certificate.replaced_by),
        )
    )


def audit_events_of(certificate: Certificate) -> list[AuditEvent]:
    """What happened to a certificate, newest first."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.object_type == "certificates",
                AuditEvent.object_id == str(certificate.id),
            )
            .options(joinedload(AuditEvent.actor))
            .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        )
    )


def course_id_by_slug(slug: str) -> int | None:
    """Any course's id (a credential may name a course archived since)."""
    return db.session.scalar(select(Course.id).where(Course.slug == slug))
