"""Reads of the catalogue, each loading what its page shows in a fixed number of queries."""

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from app.catalog.authored import UploadedImage
from app.catalog.models import (
    Assignment,
    Cohort,
    Course,
    Lesson,
    LessonTranslation,
    MediaFile,
    Module,
    Question,
    Quiz,
    Status,
)
from app.extensions import db


def published_courses() -> list[Course]:
    return list(
        db.session.scalars(
            select(Course).where(Course.status == Status.PUBLISHED).order_by(Course.title)
        )
    )


OUTLINE = (
    selectinload(Course.modules).selectinload(Module.lessons),
    selectinload(Course.modules).selectinload(Module.quiz),
    # One to one, read with the modules (a LEFT JOIN, no query of its own).
    selectinload(Course.modules).joinedload(Module.assignment),
    selectinload(Course.cohorts).selectinload(Cohort.live_sessions),
)
# Everything a course's text files hold (the exporter's input) but its media: the import and
# the translations' check of their originals load the course with these.
COURSE_TEXT = (
    selectinload(Course.cohorts).selectinload(Cohort.live_sessions),
    selectinload(Course.text_translations),
    selectinload(Course.modules).selectinload(Module.lessons).selectinload(Lesson.translations),
    selectinload(Course.modules)
    .selectinload(Module.quiz)
    .selectinload(Quiz.questions)
    .selectinload(Question.choices),
    # Joined, as OUTLINE loads it (two strategies for one relationship would clash).
    selectinload(Course.modules).joinedload(Module.assignment).selectinload(Assignment.dates),
)


def published_course_outline(slug: str) -> Course | None:
    """A published course with its modules, lessons, quizzes, cohorts and sessions loaded."""
    return db.session.scalar(
        select(Course)
        .where(Course.slug == slug, Course.status == Status.PUBLISHED)
        .options(*OUTLINE)
    )


def course_outlines(course_ids: list[int]) -> dict[int, Course]:
    """Courses (even unpublished ones) with their outline loaded, by id, in a fixed number of
    queries."""
    found = db.session.scalars(select(Course).where(Course.id.in_(course_ids)).options(*OUTLINE))
    return {course.id: course for course in found}


def media_file(course_slug: str, name: str) -> MediaFile | None:
    return db.session.scalar(
        select(MediaFile)
        .join(Course)
        .where(
            Course.slug == course_slug, Course.status == Status.PUBLISHED, MediaFile.path == name
        )
    )


def uploaded_image(course_slug: str, name: str) -> UploadedImage | None:
    return db.session.scalar(
        select(UploadedImage)
        .join(Course, Course.id == UploadedImage.course_id)
        .where(Course.slug == course_slug, UploadedImage.name == name)
    )


def course_cohort(course_slug: str, cohort_slug: str, *options) -> Cohort | None:
    """A cohort of a published course, with its course (and what `options` add) loaded."""
    return db.session.scalar(
        select(Cohort)
        .join(Cohort.course)
        .where(
            Course.slug == course_slug,
            Course.status == Status.PUBLISHED,
            Cohort.slug == cohort_slug,
        )
        .options(contains_eager(Cohort.course), *options)
    )


def lesson_translation(lesson_id: int, language: str) -> LessonTranslation | None:
    """The lesson's translation into that language, if its course has one."""
    return db.session.scalar(
        select(LessonTranslation).where(
            LessonTranslation.lesson_id == lesson_id, LessonTranslation.language == language
        )
    )
