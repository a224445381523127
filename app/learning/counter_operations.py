"""The progress report's counters on each enrolment (lessons done, live sessions attended):
changed in the transaction of the step they count, and recounted from the rows they count.

A step adds to the stored figure with one UPDATE (`lessons_done = lessons_done + 1`), so two
steps at once both count and a rolled back step counts nothing. A recount sets the figures
from the rows: for an enrolment made or moved, and for every enrolment after a bulk load (the
migration that added the counters, the benchmark's seeder, `flask reports check-counters
--fix`). What the counters count is in docs/reports.md.
"""

from sqlalchemy import ColumnElement, ScalarSelect, func, select, update

from app.catalog.models import Cohort, Lesson
from app.core import events
from app.extensions import db
from app.learning.models import Enrollment, LessonProgress


def lessons_done_count(enrollments) -> ScalarSelect:
    """How many lessons of the enrolment's course its learner marked done, whatever their state,
    for each row of `enrollments` (the table or an alias of it): a correlated scalar SELECT."""
    return (
        select(func.count())
        .select_from(LessonProgress)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .join(Cohort, Cohort.course_id == Lesson.course_id)
        .where(
            LessonProgress.user_id == enrollments.c.user_id,
            Cohort.id == enrollments.c.cohort_id,
        )
        .scalar_subquery()
    )


def _add(conditions: list[ColumnElement[bool]], **changes: int) -> None:
    db.session.execute(
        update(Enrollment)
        .where(*conditions)
        .values({name: getattr(Enrollment, name) + change for name, change in changes.items()})
        .execution_options(synchronize_session=False)
    )


def count_lesson_done(user_id: int, course_id: int) -> None:
    """A learner marked one more lesson of a course done: each of their enrolments in it
    counts it."""
    cohorts = select(Cohort.id).where(Cohort.course_id == course_id)
    _add([Enrollment.user_id == user_id, Enrollment.cohort_id.in_(cohorts)], lessons_done=1)


def count_attendance(user_id: int, cohort_id: int, change: int) -> None:
    """A learner's attendance at a session of a cohort was recorded (+1) or removed (-1)."""
    _add(
        [Enrollment.user_id == user_id, Enrollment.cohort_id == cohort_id], sessions_attended=change
    )


def recount_enrollments(*conditions: ColumnElement[bool]) -> int:
    """Set the counters of the enrolments that match (every one when none is given) from the
    rows they count, in one UPDATE; return how many enrolments it set."""
    table = Enrollment.__table__
    return db.session.execute(
        update(table)
        .where(*conditions)
        .values(
            lessons_done=lessons_done_count(table),
            sessions_attended=events.sessions_attended_count(table),
        )
    ).rowcount


def recount_enrollment(enrollment: Enrollment) -> None:
    """Count an enrolment's figures afresh: a new one (the learner may have read lessons in
    another cohort of the course) or one moved to another cohort (other sessions)."""
    db.session.flush()
    recount_enrollments(Enrollment.__table__.c.id == enrollment.id)
    db.session.expire(enrollment, ["lessons_done", "sessions_attended"])
