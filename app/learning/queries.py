"""Reads about a learner's applications, enrolments and progress."""

from functools import cache

from sqlalchemy import CompoundSelect, Select, bindparam, exists, literal, select, union_all
from sqlalchemy.orm import contains_eager, joinedload

from app.accounts.models import User
from app.catalog.models import Cohort, Lesson, Module
from app.catalog.outline import CourseOutline
from app.catalog.rules import can_read_lessons
from app.core import events
from app.core.subscriptions import opted_out_of
from app.extensions import db
from app.learning.models import (
    Announcement,
    AnnouncementDismissal,
    Application,
    ApplicationDraft,
    Enrollment,
    LessonProgress,
)
from app.learning.progress import CourseProgress, LearnerFacts, outline_cohort


def is_enrolled_in_course(user, course) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Enrollment.user_id == user.id,
                    Enrollment.cohort_id == Cohort.id,
                    Cohort.course_id == course.id,
                )
            )
        )
    )


def applications_of(user) -> list[Application]:
    """A person's applications, newest first, with their cohort and course."""
    return list(
        db.session.scalars(
            select(Application)
            .where(Application.user_id == user.id)
            .options(joinedload(Application.cohort).joinedload(Cohort.course))
            .order_by(Application.submitted_at.desc())
        )
    )


def application_for(user, cohort) -> Application | None:
    return db.session.scalar(
        select(Application).where(
            Application.user_id == user.id, Application.cohort_id == cohort.id
        )
    )


def applications_by_cohort(user, course) -> dict[int, Application]:
    """The user's applications to the cohorts of one course, by cohort id."""
    if not user.is_authenticated:
        return {}
    found = db.session.scalars(
        select(Application)
        .join(Cohort)
        .where(Application.user_id == user.id, Cohort.course_id == course.id)
    )
    return {application.cohort_id: application for application in found}


def enrollments_of(user) -> list[Enrollment]:
    """A person's enrolments, newest first, with their cohort and course."""
    return list(
        db.session.scalars(
            select(Enrollment)
            .where(Enrollment.user_id == user.id)
            .options(joinedload(Enrollment.cohort).joinedload(Cohort.course))
            .order_by(Enrollment.enrolled_at.desc())
        )
    )


# The queries of every learner page are built once (their values are bound parameters):
# building a statement costs about as much as running it on a small table.


@cache
def _course_enrollments_query() -> Select:
    return (
        select(Enrollment)
        .join(Enrollment.cohort)
        .where(
            Enrollment.user_id == bindparam("user_id"), Cohort.course_id == bindparam("course_id")
        )
        .options(contains_eager(Enrollment.cohort))
        .order_by(Enrollment.enrolled_at.desc(), Enrollment.id.desc())
    )


@cache
def _lesson_state_query() -> Select:
    user_id = bindparam("user_id")
    enrolled = (
        exists()
        .where(Enrollment.user_id == user_id, Cohort.id == Enrollment.cohort_id)
        .where(Cohort.course_id == bindparam("course_id"))
    )
    done = exists().where(
        LessonProgress.user_id == user_id, LessonProgress.lesson_id == bindparam("lesson_id")
    )
    return select(enrolled, done)


def lesson_state(user, course: CourseOutline, lesson_id: int) -> tuple[bool, bool]:
    """Whether a person may read a course's lessons, and whether they marked this lesson as
    done: the lesson page's one query about its reader."""
    if not user.is_authenticated:
        return False, False
    values = {"user_id": user.id, "course_id": course.id, "lesson_id": lesson_id}
    enrolled, done = db.session.execute(_lesson_state_query(), values).one()
    can_read = can_read_lessons(course, user, enrolled=bool(enrolled))
    return can_read, can_read and bool(done)


def course_enrollments(user, course) -> list[Enrollment]:
    """A person's enrolments in the cohorts of one course, newest first."""
    if not user.is_authenticated:
        return []
    values = {"user_id": user.id, "course_id": course.id}
    return list(db.session.scalars(_course_enrollments_query(), values))


@cache
def _done_and_taken_part_query() -> CompoundSelect:
    """(course id, lesson or session id, "done", "attended" or "watched") of a learner."""
    user_id, course_ids = bindparam("user_id"), bindparam("course_ids", expanding=True)
    done = (
        select(Lesson.course_id, LessonProgress.lesson_id, literal("done"))
        .join(LessonProgress.lesson)
        .where(LessonProgress.user_id == user_id, Lesson.course_id.in_(course_ids))
    )
    # The live sessions taken part in come from the live package (core/events.py).
    return union_all(done, *events.taken_part(user_id, course_ids))


def learner_facts(user, courses: list[CourseOutline]) -> dict[int, LearnerFacts]:
    """What a learner has done in each of these courses, by course id: two queries in all
    (the quiz records are read by the quizzes package: core/events.py)."""
    course_ids = [course.id for course in courses]
    done_and_taken_part = db.session.execute(
        _done_and_taken_part_query(), {"user_id": user.id, "course_ids": course_ids}
    ).all()
    quiz_records = events.quiz_records(user, courses)
    # Asked only where a course has assignments, so other pages keep their queries.
    with_assignments = [c for c in courses if any(m.assignment for m in c.modules)]
    assignments = events.assignment_results(user, with_assignments) if with_assignments else {}
    return {
        course.id: LearnerFacts(
            done_lesson_ids=frozenset(
                lesson
                for course_id, lesson, what in done_and_taken_part
                if course_id == course.id and what == "done"
            ),
            quiz_records=quiz_records[course.id],
            attended_session_ids=frozenset(
                session
                for course_id, session, what in done_and_taken_part
                if course_id == course.id and what == "attended"
            ),
            watched_session_ids=frozenset(
                session
                for course_id, session, what in done_and_taken_part
                if course_id == course.id and what == "watched"
            ),
            submitted_assignment_ids=assignments.get(course.id, (frozenset(),))[0],
            passed_assignment_ids=assignments.get(course.id, (frozenset(), frozenset()))[1],
        )
        for course in courses
    }


def course_progress(user, course: CourseOutline) -> tuple[CourseProgress | None, Enrollment | None]:
    """A reader's progress in a course, with their latest enrolment in it; (None, None) for
    someone who may not read its lessons (`catalog.rules.can_read_lessons`).

    Staff who are not enrolled get their own progress, counted against no cohort.
    """
    enrollments = course_enrollments(user, course)
    if not can_read_lessons(course, user, enrolled=bool(enrollments)):
        return None, None
    latest = enrollments[0] if enrollments else None
    facts = learner_facts(user, [course])[course.id]
    return CourseProgress(course, outline_cohort(course, latest), facts), latest


def lesson_progress_of(user) -> list[LessonProgress]:
    """Every lesson a person marked as done, oldest first, with its module and course."""
    return list(
        db.session.scalars(
            select(LessonProgress)
            .where(LessonProgress.user_id == user.id)
            .options(
                joinedload(LessonProgress.lesson)
                .joinedload(Lesson.module)
                .joinedload(Module.course)
            )
            .order_by(LessonProgress.completed_at, LessonProgress.id)
        )
    )


def announcements_for(user, now, *, course_id: int | None = None) -> list[Announcement]:
    """The announcements a learner has still to read: published to a cohort they are enrolled
    in (of one course, or of any), not withdrawn, not dismissed; newest first. One query."""
    if not user.is_authenticated:
        return []
    dismissed = exists().where(
        AnnouncementDismissal.announcement_id == Announcement.id,
        AnnouncementDismissal.user_id == user.id,
    )
    found = (
        select(Announcement)
        .join(Enrollment, Enrollment.cohort_id == Announcement.cohort_id)
        .where(
            Enrollment.user_id == user.id,
            Announcement.publish_at <= now,
            Announcement.withdrawn_at.is_(None),
            ~dismissed,
        )
        .options(joinedload(Announcement.cohort).joinedload(Cohort.course))
        .order_by(Announcement.publish_at.desc(), Announcement.id.desc())
    )
    if course_id is not None:
        found = found.where(Announcement.cohort.has(Cohort.course_id == course_id))
    return list(db.session.scalars(found))


def learner_announcement(user, announcement_id: int) -> Announcement | None:
    """An announcement published to one of the learner's cohorts (None: not theirs)."""
    return db.session.scalar(
        select(Announcement)
        .join(Enrollment, Enrollment.cohort_id == Announcement.cohort_id)
        .where(Announcement.id == announcement_id, Enrollment.user_id == user.id)
    )


def application_draft(user, cohort) -> ApplicationDraft | None:
    """The person's saved, unsent application to a cohort, if any."""
    return db.session.scalar(
        select(ApplicationDraft).where(
            ApplicationDraft.user_id == user.id, ApplicationDraft.cohort_id == cohort.id
        )
    )


def learners_to_write_to(cohort_id: int, topic) -> Select:
    """The cohort's learners who can be written to and have not turned mail of `topic` off:
    (user id, address), for `core.mail.queue_notifications`."""
    return (
        select(User.id, User.email)
        .join(Enrollment, Enrollment.user_id == User.id)
        .where(
            Enrollment.cohort_id == cohort_id,
            User.is_active.is_(True),
            User.deleted_at.is_(None),
            ~opted_out_of(topic, User.id),
        )
    )


def is_enrolled(user_id: int, cohort_id: int) -> bool:
    """Whether a person has a place in a cohort."""
    found = select(Enrollment.id).where(
        Enrollment.user_id == user_id, Enrollment.cohort_id == cohort_id
    )
    return db.session.scalar(found) is not None
