"""A course's summary: applications, enrolled, active and completed learners, overall, by
cohort, and for the top countries and organisations, in five queries."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    Select,
    and_,
    case,
    func,
    select,
    union,
)
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.catalog.models import (
    Cohort,
    Course,
    Lesson,
    LiveSession,
    Module,
    Quiz,
)
from app.extensions import db
from app.learning.models import Application, ApplicationStatus, Enrollment, LessonProgress
from app.live.models import Attendance, RecordingView
from app.quizzes.models import AttemptState, QuizAttempt

SUMMARY_OUTLINE = (
    selectinload(Course.modules).selectinload(Module.quiz),
    selectinload(Course.cohorts),
)

ACTIVE_DAYS = 7
TOP_ROWS = 10


@dataclass(frozen=True)
class Figures:
    """Applications, enrolled, active and completed learners, overall or for one group."""

    applications: int = 0
    enrolled: int = 0
    active: int = 0
    completed: int = 0


@dataclass(frozen=True)
class Breakdown:
    """The top groups (countries or organisations) by enrolled learners."""

    rows: list[tuple[str, Figures]]
    groups: int  # how many groups there are in all


@dataclass
class CourseSummary:
    by_status: dict[ApplicationStatus, int]
    totals: Figures
    by_country: Breakdown
    by_organisation: Breakdown
    by_cohort: dict[int, tuple[int, int]]  # cohort id: (enrolled, completed)
    since: datetime


def active_learner_ids(course: Course, since: datetime) -> Select:
    """Learners who did something in the course since then: a lesson marked as done, a quiz
    attempt submitted, a live session attended (by its start) or a recording watched."""
    cohorts = select(Cohort.id).where(Cohort.course_id == course.id)
    return union(
        select(LessonProgress.user_id)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(Lesson.course_id == course.id, LessonProgress.completed_at >= since),
        select(QuizAttempt.user_id)
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .join(Module, Module.id == Quiz.module_id)
        .where(
            Module.course_id == course.id,
            QuizAttempt.state == AttemptState.SUBMITTED,
            QuizAttempt.submitted_at >= since,
        ),
        select(Attendance.user_id)
        .join(LiveSession, LiveSession.id == Attendance.session_id)
        .where(LiveSession.cohort_id.in_(cohorts), LiveSession.starts_at >= since),
        select(RecordingView.user_id)
        .join(LiveSession, LiveSession.id == RecordingView.session_id)
        .where(LiveSession.cohort_id.in_(cohorts), RecordingView.watched_at >= since),
    )


def _people(course: Course, since: datetime):
    """One row per person who applied to or is enrolled in a course's cohorts, with 0/1 flags."""
    cohorts = select(Cohort.id).where(Cohort.course_id == course.id)
    applied = (
        select(Application.user_id.label("user_id"), func.count().label("applications"))
        .where(Application.cohort_id.in_(cohorts))
        .group_by(Application.user_id)
        .subquery("applied")
    )
    enrolled = (
        select(
            Enrollment.user_id.label("user_id"),
            func.max(case((Enrollment.completed_at.is_not(None), 1), else_=0)).label("completed"),
        )
        .where(Enrollment.cohort_id.in_(cohorts))
        .group_by(Enrollment.user_id)
        .subquery("enrolled")
    )
    active = active_learner_ids(course, since).subquery("active")
    everyone = union(select(applied.c.user_id), select(enrolled.c.user_id)).subquery("everyone")
    return (
        select(
            User.country.label("country"),
            func.trim(User.organisation).label("organisation"),
            func.coalesce(applied.c.applications, 0).label("applications"),
            case((enrolled.c.user_id.is_not(None), 1), else_=0).label("enrolled"),
            case(
                (and_(enrolled.c.user_id.is_not(None), active.c.user_id.is_not(None)), 1),
                else_=0,
            ).label("active"),
            func.coalesce(enrolled.c.completed, 0).label("completed"),
        )
        .select_from(everyone)
        .join(User, User.id == everyone.c.user_id)
        .outerjoin(applied, applied.c.user_id == User.id)
        .outerjoin(enrolled, enrolled.c.user_id == User.id)
        .outerjoin(active, active.c.user_id == User.id)
        .subquery("people")
    )


def _sums(people) -> list:
    return [
        func.coalesce(func.sum(people.c.applications), 0),
        func.coalesce(func.sum(people.c.enrolled), 0),
        func.coalesce(func.sum(people.c.active), 0),
        func.coalesce(func.sum(people.c.completed), 0),
    ]


def _breakdown(people, column, limit: int) -> Breakdown:
    sums = _sums(people)
    rows = db.session.execute(
        select(column, *sums, func.count().over())
        .group_by(column)
        .order_by(sums[1].desc(), sums[0].desc(), column)
        .limit(limit)
    ).all()
    return Breakdown(
        rows=[(row[0] or "", Figures(*(int(value) for value in row[1:5]))) for row in rows],
        groups=rows[0][5] if rows else 0,
    )


def course_summary(course: Course, now: datetime, limit: int | None = None) -> CourseSummary:
    """A course's figures, by country and organisation too (top `limit` rows): five queries."""
    limit = limit or TOP_ROWS
    since = now - timedelta(days=ACTIVE_DAYS)
    by_status = dict(
        db.session.execute(
            select(Application.status, func.count())
            .join(Cohort, Cohort.id == Application.cohort_id)
            .where(Cohort.course_id == course.id)
            .group_by(Application.status)
        ).all()
    )
    people = _people(course, since)
    totals = db.session.execute(select(*_sums(people))).one()
    by_cohort = {
        cohort_id: (enrolled, completed)
        for cohort_id, enrolled, completed in db.session.execute(
            select(Enrollment.cohort_id, func.count(), func.count(Enrollment.completed_at))
            .join(Cohort, Cohort.id == Enrollment.cohort_id)
            .where(Cohort.course_id == course.id)
            .group_by(Enrollment.cohort_id)
        )
    }
    return CourseSummary(
        by_status={status: by_status.get(status, 0) for status in ApplicationStatus},
        totals=Figures(*(int(value) for value in totals)),
        by_country=_breakdown(people, people.c.country, limit),
        by_organisation=_breakdown(people, people.c.organisation, limit),
        by_cohort=by_cohort,
        since=since,
    )
