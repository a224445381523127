"""Reads for the authoring pages."""

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app.catalog.authored import LessonRevision, UploadedImage
from app.catalog.content.exporter import ExportError
from app.catalog.models import (
    Assignment,
    Cohort,
    Course,
    Lesson,
    LiveSession,
    MediaFile,
    Module,
    Question,
    Quiz,
)
from app.extensions import db
from app.learning.models import Enrollment

EDITABLE_OUTLINE = (
    selectinload(Course.modules).selectinload(Module.lessons),
    selectinload(Course.modules).selectinload(Module.quiz).selectinload(Quiz.questions),
    selectinload(Course.modules).selectinload(Module.assignment).selectinload(Assignment.dates),
    selectinload(Course.cohorts),
    selectinload(Course.media_files).defer(MediaFile.data),
)


def course_by_slug(slug: str, *options) -> Course | None:
    """A course in any state (staff edit drafts too), with what `options` load."""
    return db.session.scalar(select(Course).where(Course.slug == slug).options(*options))


def manageable_courses(user) -> list[Course]:
    """The courses a user may edit: every course for admins, their own for instructors."""
    query = select(Course).order_by(Course.title)
    if not user.is_admin:
        query = query.where(Course.id.in_(user.staffed_course_ids or {0}))
    return list(db.session.scalars(query))


def upload_names(course_id: int) -> list[str]:
    return list(
        db.session.scalars(select(UploadedImage.name).where(UploadedImage.course_id == course_id))
    )


def course_images(course_id: int):
    """The course's uploaded images, newest first: a query to paginate."""
    return (
        select(UploadedImage)
        .where(UploadedImage.course_id == course_id)
        .order_by(UploadedImage.uploaded_at.desc(), UploadedImage.id.desc())
    )


def lesson_revisions(lesson_id: int):
    """A lesson's revisions, newest first, with their authors: a query to paginate."""
    return (
        select(LessonRevision)
        .where(LessonRevision.lesson_id == lesson_id)
        .options(joinedload(LessonRevision.author))
        .order_by(LessonRevision.number.desc())
    )


def lesson_revision(lesson_id: int, number: int) -> LessonRevision | None:
    return db.session.scalar(
        select(LessonRevision).where(
            LessonRevision.lesson_id == lesson_id, LessonRevision.number == number
        )
    )


def uploaded_files(course_id: int, folder: str) -> dict[str, bytes]:
    """The course's uploaded images, by name, read from the upload folder."""
    found = {}
    for name in upload_names(course_id):
        path = Path(folder) / name
        if not path.is_file():
            raise ExportError(
                f"the uploaded image {name} is missing from {folder}; restore it from a backup"
            )
        found[name] = path.read_bytes()
    return found


def lesson_by_slug(course_id: int, slug: str) -> Lesson | None:
    return db.session.scalar(
        select(Lesson).where(Lesson.course_id == course_id, Lesson.slug == slug)
    )


def module_with_quiz(course_id: int, slug: str) -> Module | None:
    """A module with its quiz, questions, choices and question versions loaded."""
    questions = selectinload(Module.quiz).selectinload(Quiz.questions)
    return db.session.scalar(
        select(Module)
        .where(Module.course_id == course_id, Module.slug == slug)
        .options(
            questions.selectinload(Question.choices), questions.selectinload(Question.versions)
        )
    )


def cohort_with_sessions(course_id: int, slug: str) -> Cohort | None:
    return db.session.scalar(
        select(Cohort)
        .where(Cohort.course_id == course_id, Cohort.slug == slug)
        .options(selectinload(Cohort.live_sessions))
    )


def course_session(course_id: int, session_id: int) -> LiveSession | None:
    """A live session of one of the course's cohorts, with its cohort."""
    return db.session.scalar(
        select(LiveSession)
        .join(LiveSession.cohort)
        .where(LiveSession.id == session_id, Cohort.course_id == course_id)
        .options(contains_eager(LiveSession.cohort))
    )


def cohort_learner_count(cohort_id: int) -> int:
    """How many learners a cohort has (who an announcement reaches)."""
    return db.session.scalar(
        select(func.count()).select_from(Enrollment).where(Enrollment.cohort_id == cohort_id)
    )
