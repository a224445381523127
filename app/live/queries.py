"""Reads of live sessions, attendance and calendar feeds, each in a fixed number of queries."""

from sqlalchemy import ScalarSelect, Select, func, literal, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app.accounts.models import User
from app.catalog.models import Cohort, Course, LiveSession, Status
from app.catalog.queries import course_cohort
from app.core import events
from app.core.search import contains_text
from app.extensions import db
from app.learning.models import Enrollment
from app.learning.queries import is_enrolled
from app.live.models import Attendance, CalendarFeed, RecordingView


def live_session(session_id: int) -> LiveSession | None:
    """A session of a published course, with its cohort, the cohort's sessions and course."""
    return db.session.scalar(
        select(LiveSession)
        .join(LiveSession.cohort)
        .join(Cohort.course)
        .where(LiveSession.id == session_id, Course.status == Status.PUBLISHED)
        .options(
            contains_eager(LiveSession.cohort).contains_eager(Cohort.course),
        )
    )


def cohort_schedule(course_slug: str, cohort_slug: str) -> Cohort | None:
    """A cohort of a published course with its course and live sessions."""
    return course_cohort(course_slug, cohort_slug, selectinload(Cohort.live_sessions))


def is_enrolled_in_cohort(user, cohort_id: int) -> bool:
    return user.is_authenticated and is_enrolled(user.id, cohort_id)


def enrolled_cohorts(user) -> list[Cohort]:
    """The cohorts a person is enrolled in (not archived), with courses and sessions."""
    return list(
        db.session.scalars(
            select(Cohort)
            .join(Enrollment, Enrollment.cohort_id == Cohort.id)
            .join(Cohort.course)
            .where(
                Enrollment.user_id == user.id,
                Course.status == Status.PUBLISHED,
                Cohort.is_archived.is_(False),
            )
            .options(contains_eager(Cohort.course), selectinload(Cohort.live_sessions))
            .order_by(Cohort.starts_on, Cohort.id)
        )
    )


def records_of(user, session_ids: list[int]):
    """A learner's attendances and recording views of these sessions, by session id."""
    if not user.is_authenticated or not session_ids:
        return {}, {}
    attendances = db.session.scalars(
        select(Attendance).where(
            Attendance.user_id == user.id, Attendance.session_id.in_(session_ids)
        )
    )
    views = db.session.scalars(
        select(RecordingView).where(
            RecordingView.user_id == user.id, RecordingView.session_id.in_(session_ids)
        )
    )
    return (
        {attendance.session_id: attendance for attendance in attendances},
        {view.session_id: view for view in views},
    )


@events.taken_part.provide
def taken_part(user_id, course_ids) -> tuple[Select, Select]:
    """The selects of (course id, session id, 'attended' or 'watched'), to UNION ALL: of a
    user id and course ids, or of bound parameters for them."""
    attended = (
        select(Cohort.course_id, Attendance.session_id, literal("attended"))
        .join(LiveSession, LiveSession.id == Attendance.session_id)
        .join(Cohort, Cohort.id == LiveSession.cohort_id)
        .where(Attendance.user_id == user_id, Cohort.course_id.in_(course_ids))
    )
    watched = (
        select(Cohort.course_id, RecordingView.session_id, literal("watched"))
        .join(LiveSession, LiveSession.id == RecordingView.session_id)
        .join(Cohort, Cohort.id == LiveSession.cohort_id)
        .where(RecordingView.user_id == user_id, Cohort.course_id.in_(course_ids))
    )
    return attended, watched


def roster(session: LiveSession, search: str = "") -> Select:
    """The cohort's learners, by name, optionally those whose name or e-mail has `search`."""
    query = (
        select(User)
        .join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.cohort_id == session.cohort_id)
        .order_by(func.lower(User.name), User.id)
    )
    if search.strip():
        query = query.where(contains_text(search, User.name, User.email))
    return query


def session_records(session_id: int, user_ids: list[int]):
    """Attendances and recording views of one session for these learners, by user id."""
    if not user_ids:
        return {}, {}
    views = db.session.scalars(
        select(RecordingView).where(
            RecordingView.session_id == session_id, RecordingView.user_id.in_(user_ids)
        )
    )
    return attendances_in(session_id, user_ids), {view.user_id: view for view in views}


def roster_counts(session: LiveSession) -> dict[str, int]:
    """How many learners the cohort has, and how many took part or watched the recording."""
    enrolled = db.session.scalar(
        select(func.count()).where(Enrollment.cohort_id == session.cohort_id)
    )
    attended = db.session.scalar(
        select(func.count())
        .select_from(Attendance)
        .join(Enrollment, Enrollment.user_id == Attendance.user_id)
        .where(Attendance.session_id == session.id, Enrollment.cohort_id == session.cohort_id)
    )
    watched = db.session.scalar(
        select(func.count())
        .select_from(RecordingView)
        .where(RecordingView.session_id == session.id)
    )
    return {"enrolled": enrolled or 0, "attended": attended or 0, "watched": watched or 0}


def cohort_learner(cohort_id: int, user_id: int | None) -> User | None:
    """A learner enrolled in the cohort, or None."""
    return db.session.scalar(
        select(User)
        .join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.cohort_id == cohort_id, User.id == user_id)
    )


def cohort_learners_by_email(cohort_id: int, emails: list[str]) -> dict[str, User]:
    """The cohort's learners whose e-mail (in lower case) is one of these."""
    if not emails:
        return {}
    found = db.session.scalars(
        select(User)
        .join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.cohort_id == cohort_id, func.lower(User.email).in_(emails))
    )
    return {user.email.lower(): user for user in found}


def known_emails(emails: list[str]) -> set[str]:
    """Which of these e-mails (lower case) belong to an account."""
    if not emails:
        return set()
    return set(
        db.session.scalars(select(func.lower(User.email)).where(func.lower(User.email).in_(emails)))
    )


def attendances_in(session_id: int, user_ids: list[int]) -> dict[int, Attendance]:
    """Attendances of one session for these learners, by user id."""
    if not user_ids:
        return {}
    found = db.session.scalars(
        select(Attendance).where(
            Attendance.session_id == session_id, Attendance.user_id.in_(user_ids)
        )
    )
    return {attendance.user_id: attendance for attendance in found}


def calendar_feed_of(user) -> CalendarFeed | None:
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def feed_by_token(token: str) -> CalendarFeed | None:
    """The active feed whose secret is `token`; a wrong or revoked token finds nothing."""
    if not token or len(token) > 200:
        return None
    return db.session.scalar(
        select(CalendarFeed).where(CalendarFeed.token_digest == CalendarFeed.digest(token))
    )


@events.session_attendance.provide
def attendance_counts(cohort_id: int) -> dict[int, int]:
    """How many learners took part in each of a cohort's sessions, by session id."""
    rows = db.session.execute(
        select(Attendance.session_id, func.count())
        .join(LiveSession, LiveSession.id == Attendance.session_id)
        .where(LiveSession.cohort_id == cohort_id)
        .group_by(Attendance.session_id)
    )
    return dict(rows.all())


@events.sessions_attended_count.provide
def sessions_attended_count(enrollments) -> ScalarSelect:
    """How many of the enrolment's cohort's sessions its learner attended, for each row of
    `enrollments` (the table or an alias of it): a correlated scalar SELECT."""
    return (
        select(func.count())
        .select_from(Attendance)
        .join(LiveSession, LiveSession.id == Attendance.session_id)
        .where(
            Attendance.user_id == enrollments.c.user_id,
            LiveSession.cohort_id == enrollments.c.cohort_id,
        )
        .scalar_subquery()
    )


def live_records_of(user) -> list[Attendance | RecordingView]:
    """Every attendance and recording view of a person, by session start, with their cohort."""
    options = (
        joinedload(Attendance.session).joinedload(LiveSession.cohort).joinedload(Cohort.course),
    )
    attendances = db.session.scalars(
        select(Attendance).where(Attendance.user_id == user.id).options(*options)
    ).all()
    views = db.session.scalars(
        select(RecordingView)
        .where(RecordingView.user_id == user.id)
        .options(
            joinedload(RecordingView.session)
            .joinedload(LiveSession.cohort)
            .joinedload(Cohort.course)
        )
    ).all()
    return sorted([*attendances, *views], key=lambda record: record.session.starts_at)
