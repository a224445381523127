"""The catalogue: courses, their cohorts and live sessions, modules, lessons and quizzes."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask_babel import ngettext
from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalog.rules import (
    AssignmentRules,
    CohortRules,
    CourseRules,
    EnrolmentMode,
    Feedback,
    LiveSessionRules,
    ModuleRules,
    PublishedRules,
    QuizRules,
    SessionStatus,
    Status,
)
from app.catalog.settings import CourseSettings
from app.core.models import TimestampMixin
from app.core.types import IDS_NEVER_REUSED, UTCDateTime, string_enum, utcnow
from app.extensions import db


class QuestionKind(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"


def new_outline_version() -> str:
    return uuid.uuid4().hex


class Course(CourseRules, TimestampMixin, db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[Status] = mapped_column(string_enum(Status), default=Status.PUBLISHED)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    completion_rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    certificate: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    guidebook_md: Mapped[str | None] = mapped_column(Text)
    guidebook_html: Mapped[str | None] = mapped_column(Text)
    # A new random value whenever the course's outline changes (app/catalog/outlines.py).
    outline_version: Mapped[str] = mapped_column(String(32), default=new_outline_version)

    modules: Mapped[list["Module"]] = relationship(
        back_populates="course", order_by="Module.position", cascade="all, delete-orphan"
    )
    cohorts: Mapped[list["Cohort"]] = relationship(
        back_populates="course", order_by="Cohort.position", cascade="all, delete-orphan"
    )
    media_files: Mapped[list["MediaFile"]] = relationship(
        back_populates="course", order_by="MediaFile.path", cascade="all, delete-orphan"
    )
    text_translations: Mapped[list["TextTranslation"]] = relationship(
        back_populates="course", order_by="TextTranslation.path", cascade="all, delete-orphan"
    )

    @property
    def settings(self) -> CourseSettings:
        """course.yaml's `completion:` and `certificate:`, typed (see catalog/settings.py)."""
        return CourseSettings.read(self.completion_rules, self.certificate)

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"


class CourseStaff(db.Model):
    """An instructor who teaches a course: edits it, reviews its applications, follows progress."""

    __tablename__ = "course_staff"
    __table_args__ = (UniqueConstraint("course_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    course: Mapped[Course] = relationship()
    user = relationship("User", back_populates="staff_memberships")

    def __repr__(self) -> str:
        return f"<CourseStaff course {self.course_id} user {self.user_id}>"


class Cohort(CohortRules, TimestampMixin, db.Model):
    """One run of a course, with its application window, dates and live sessions."""

    __tablename__ = "cohorts"
    __table_args__ = (UniqueConstraint("course_id", "slug"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    time_zone: Mapped[str] = mapped_column(String(64))
    enrolment_mode: Mapped[EnrolmentMode] = mapped_column(
        string_enum(EnrolmentMode), default=EnrolmentMode.APPROVAL
    )
    applications_open_at: Mapped[datetime] = mapped_column(UTCDateTime())
    applications_open_zone: Mapped[str] = mapped_column(String(64))
    applications_close_at: Mapped[datetime] = mapped_column(UTCDateTime())
    applications_close_zone: Mapped[str] = mapped_column(String(64))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    is_archived: Mapped[bool] = mapped_column(default=False)

    course: Mapped[Course] = relationship(back_populates="cohorts")
    live_sessions: Mapped[list["LiveSession"]] = relationship(
        back_populates="cohort", order_by="LiveSession.starts_at", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Cohort {self.slug} of course {self.course_id}>"


class LiveSession(LiveSessionRules, TimestampMixin, db.Model):
    __tablename__ = "live_sessions"
    __table_args__ = (UniqueConstraint("cohort_id", "slug"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    time_zone: Mapped[str] = mapped_column(String(64))
    duration_minutes: Mapped[int]
    join_url: Mapped[str | None] = mapped_column(String(500))
    recording_url: Mapped[str | None] = mapped_column(String(500))
    counts_for_completion: Mapped[bool] = mapped_column(default=True)
    status: Mapped[SessionStatus] = mapped_column(
        string_enum(SessionStatus), default=SessionStatus.SCHEDULED
    )
    # Grows with every change, for calendar files (iCalendar SEQUENCE).
    sequence: Mapped[int] = mapped_column(default=0)

    cohort: Mapped[Cohort] = relationship(back_populates="live_sessions")

    def change_refusal(
        self, attended: int, *, moves: bool = False, cancels: bool = False
    ) -> str | None:
        """Why moving or cancelling the session is refused (None: it is not).

        `attended` learners are recorded as having taken part: the session took place at its
        present time, and moving or cancelling it would rewrite their completion. The schedule
        editor and `flask course import` both ask this.
        """
        if not attended:
            return None
        if moves:
            return ngettext(
                "%(num)d learner is recorded as having taken part in this session at its "
                "present time, so its start cannot be moved. If it did not take place then, "
                "remove their attendance on the attendance page first; or add a new session "
                "for the new time.",
                "%(num)d learners are recorded as having taken part in this session at its "
                "present time, so its start cannot be moved. If it did not take place then, "
                "remove their attendance on the attendance page first; or add a new session "
                "for the new time.",
                attended,
            )
        if cancels and not self.is_cancelled:
            return ngettext(
                "%(num)d learner is recorded as having taken part in this session, so it cannot "
                "be cancelled: it took place. If it did not, remove their attendance on the "
                "attendance page first.",
                "%(num)d learners are recorded as having taken part in this session, so it "
                "cannot be cancelled: it took place. If it did not, remove their attendance on "
                "the attendance page first.",
                attended,
            )
        return None

    def __repr__(self) -> str:
        return f"<LiveSession {self.slug} at {self.starts_at:%Y-%m-%d %H:%M}Z>"


class Module(ModuleRules, TimestampMixin, db.Model):
    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("course_id", "slug"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    intro_md: Mapped[str] = mapped_column(Text, default="")
    intro_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[Status] = mapped_column(string_enum(Status), default=Status.PUBLISHED)
    # A published module stays hidden from learners until then (None: at once).
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lecture_title: Mapped[str | None] = mapped_column(String(200))
    lecture_minutes: Mapped[int | None]
    lecture_video_url: Mapped[str | None] = mapped_column(String(500))
    lecture_transcript_md: Mapped[str | None] = mapped_column(Text)
    lecture_transcript_html: Mapped[str | None] = mapped_column(Text)

    course: Mapped[Course] = relationship(back_populates="modules")
    lessons: Mapped[list["Lesson"]] = relationship(
        back_populates="module", order_by="Lesson.position"
    )
    quiz: Mapped["Quiz | None"] = relationship(back_populates="module", uselist=False)
    assignment: Mapped["Assignment | None"] = relationship(back_populates="module", uselist=False)

    def __repr__(self) -> str:
        return f"<Module {self.position:02d}-{self.slug}>"


class Lesson(PublishedRules, TimestampMixin, db.Model):
    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("course_id", "slug"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int]
    objectives: Mapped[list[str]] = mapped_column(JSON, default=list)
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # sha256 of the lesson's source file: a re-import with the same hash changes nothing.
    content_hash: Mapped[str] = mapped_column(String(64))
    # The lesson's sections ({"id", "title"} of each h2), for its table of contents.
    headings: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    status: Mapped[Status] = mapped_column(string_enum(Status), default=Status.PUBLISHED)
    # A published lesson stays hidden from learners until then (None: at once).
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The number of the lesson's latest revision: an edit made from an older one is refused.
    revision: Mapped[int] = mapped_column(default=0)

    module: Mapped[Module] = relationship(back_populates="lessons")
    translations: Mapped[list["LessonTranslation"]] = relationship(
        back_populates="lesson",
        order_by="LessonTranslation.language",
        cascade="all, delete-orphan",
    )

    def revision_content(self) -> dict[str, Any]:
        """What a revision keeps of the lesson (see LessonRevision)."""
        return {
            "title": self.title,
            "minutes": self.minutes,
            "objectives": list(self.objectives or []),
            "body_md": self.body_md,
            "status": self.status,
            "publish_at": self.publish_at,
        }

    def __repr__(self) -> str:
        return f"<Lesson {self.slug} ({self.status.value})>"


class LessonTranslation(TimestampMixin, db.Model):
    """A lesson's text in another of its course's languages, from `NN-slug.<language>.md`.

    It comes from the course's files or the translation editor (authoring/translation_views.py);
    its minutes, status and publication time are the lesson's own.
    """

    __tablename__ = "lesson_translations"
    __table_args__ = (UniqueConstraint("lesson_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    # Empty when the file gives none: the page shows the original's, in the course's language.
    objectives: Mapped[list[str]] = mapped_column(JSON, default=list)
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    headings: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    # sha256 of the translation's file, as for lessons.
    content_hash: Mapped[str] = mapped_column(String(64))
    # The lesson's revision the translation was made from (`translated_from`, a short hash of
    # its text: catalog/content/translations.py); None: not recorded, so out of date.
    made_from: Mapped[str | None] = mapped_column(String(32))

    lesson: Mapped[Lesson] = relationship(back_populates="translations")

    def __repr__(self) -> str:
        return f"<LessonTranslation {self.language} of lesson {self.lesson_id}>"


class Quiz(QuizRules, TimestampMixin, db.Model):
    __tablename__ = "quizzes"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("modules.id", ondelete="CASCADE"), unique=True
    )
    title: Mapped[str] = mapped_column(String(200))
    pass_mark: Mapped[int]
    max_attempts: Mapped[int | None]  # None: as many attempts as the learner wants
    wait_minutes: Mapped[int] = mapped_column(default=0)  # between one attempt and the next
    shuffle: Mapped[bool] = mapped_column(default=False)  # questions and choices, per attempt
    feedback: Mapped[Feedback] = mapped_column(
        string_enum(Feedback), default=Feedback.EVERY_ATTEMPT
    )
    status: Mapped[Status] = mapped_column(string_enum(Status), default=Status.PUBLISHED)

    module: Mapped[Module] = relationship(back_populates="quiz")
    questions: Mapped[list["Question"]] = relationship(
        back_populates="quiz", order_by="Question.position"
    )

    def active_questions(self) -> list["Question"]:
        return [question for question in self.questions if not question.is_archived]

    def __repr__(self) -> str:
        return f"<Quiz {self.id} of module {self.module_id}>"


class Question(TimestampMixin, db.Model):
    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("quiz_id", "slug"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]
    kind: Mapped[QuestionKind] = mapped_column(string_enum(QuestionKind))
    prompt: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text)
    is_archived: Mapped[bool] = mapped_column(default=False)

    quiz: Mapped[Quiz] = relationship(back_populates="questions")
    choices: Mapped[list["Choice"]] = relationship(
        back_populates="question", order_by="Choice.position", cascade="all, delete-orphan"
    )
    versions: Mapped[list["QuestionVersion"]] = relationship(
        back_populates="question", order_by="QuestionVersion.number", cascade="all, delete-orphan"
    )

    @property
    def current_version(self) -> "QuestionVersion | None":
        return self.versions[-1] if self.versions else None

    def content(self) -> dict[str, Any]:
        """What a learner is shown and graded on, in the form a QuestionVersion keeps it."""
        return {
            "kind": self.kind,
            "prompt": self.prompt,
            "explanation": self.explanation,
            "choices": [
                {"id": choice.id, "text": choice.text, "is_correct": choice.is_correct}
                for choice in self.choices
            ],
        }

    @property
    def allows_several(self) -> bool:
        """A multiple-choice question: the learner may choose more than one answer."""
        return self.kind == QuestionKind.MULTIPLE

    def __repr__(self) -> str:
        return f"<Question {self.slug} ({self.kind.value})>"


class Choice(db.Model):
    __tablename__ = "choices"
    __table_args__ = (UniqueConstraint("question_id", "position"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    is_correct: Mapped[bool] = mapped_column(default=False)

    question: Mapped[Question] = relationship(back_populates="choices")

    def __repr__(self) -> str:
        return f"<Choice {self.position} of question {self.question_id}>"


class QuestionVersion(db.Model):
    """A question as it stood when learners answered it; later edits make a new version.

    An attempt points at the versions it showed, so its questions, choices, right answers
    and explanations read the same however the question is edited afterwards.
    """

    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "number"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    number: Mapped[int]
    kind: Mapped[QuestionKind] = mapped_column(string_enum(QuestionKind))
    prompt: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text)
    # [{"id": choice id, "text": ..., "is_correct": ...}, ...] in the order of the question
    choices: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    question: Mapped[Question] = relationship(back_populates="versions")

    def content(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "prompt": self.prompt,
            "explanation": self.explanation,
            "choices": self.choices,
        }

    def __repr__(self) -> str:
        return f"<QuestionVersion {self.number} of question {self.question_id}>"


class TextTranslation(TimestampMixin, db.Model):
    """A translation of a course's course.yaml, guidebook.md, module.md, lecture.md, quiz.yaml
    or assignment.yaml (`quiz.es.yaml`...): only text, shaped as its original's, checked
    against it by catalog/content/translations.py.

    `texts` is the file read (with the HTML of its Markdown rendered); `file_text` is the file
    as written, which the export writes back byte for byte. Pages use a translation only while
    `made_from` is the original's current revision (catalog/translated.py).
    """

    __tablename__ = "text_translations"
    __table_args__ = (UniqueConstraint("course_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(300))  # inside the course folder
    original: Mapped[str] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    made_from: Mapped[str | None] = mapped_column(String(32))
    texts: Mapped[dict[str, Any]] = mapped_column(JSON)
    file_text: Mapped[str] = mapped_column(Text)

    course: Mapped[Course] = relationship(back_populates="text_translations")

    def __repr__(self) -> str:
        return f"<TextTranslation {self.path}>"


class MediaFile(db.Model):
    """An image from a course's media/ folder, kept in the database so every node serves it."""

    __tablename__ = "media_files"
    __table_args__ = (UniqueConstraint("course_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(50))
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)

    course: Mapped[Course] = relationship(back_populates="media_files")

    def __repr__(self) -> str:
        return f"<MediaFile {self.path}>"


class GalleryReach(StrEnum):
    """Who may see the plans whose authors consented to the gallery."""

    NONE = "none"  # no gallery
    COHORT = "cohort"  # the author's own cohort
    COURSE = "course"  # the author's cohort and every later one


class Assignment(AssignmentRules, TimestampMixin, db.Model):
    """A module's written assignment, reviewed by peers against a rubric (assignment.yaml).

    `sections` and `rubric` keep the file's structure as plain data: sections are
    `{"id", "title", "guidance", "words"}`, criteria `{"id", "title", "description",
    "levels": [{"title", "points", "description"}]}`, themes `{"id", "title"}`. A submission
    keeps its text by section id, and a review its level by criterion id, so renaming a
    section or a criterion keeps what was written against it.
    """

    __tablename__ = "assignments"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("modules.id", ondelete="CASCADE"), unique=True
    )
    title: Mapped[str] = mapped_column(String(200))
    prompt_md: Mapped[str] = mapped_column(Text, default="")
    prompt_html: Mapped[str] = mapped_column(Text, default="")
    sections: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    rubric: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    themes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    pass_mark: Mapped[int]  # per cent of the rubric's points
    reviews_per_submission: Mapped[int] = mapped_column(default=3)
    reviews_per_learner: Mapped[int] = mapped_column(default=3)
    anonymous_reviews: Mapped[bool] = mapped_column(default=True)
    late_work: Mapped[bool] = mapped_column(default=False)
    gallery: Mapped[GalleryReach] = mapped_column(
        string_enum(GalleryReach), default=GalleryReach.COHORT
    )
    max_files: Mapped[int] = mapped_column(default=3)
    status: Mapped[Status] = mapped_column(string_enum(Status), default=Status.PUBLISHED)
    # The editor's conflict check, as for lessons: a save names the revision it was made from.
    revision: Mapped[int] = mapped_column(default=0)

    module: Mapped[Module] = relationship(back_populates="assignment")
    dates: Mapped[list["AssignmentDates"]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan"
    )

    def dates_for(self, cohort_id: int) -> "AssignmentDates | None":
        return next((d for d in self.dates if d.cohort_id == cohort_id), None)

    def __repr__(self) -> str:
        return f"<Assignment {self.id} of module {self.module_id}>"


class AssignmentDates(db.Model):
    """When submissions and reviews are due in one cohort (assignment.yaml's `cohorts`)."""

    __tablename__ = "assignment_dates"
    __table_args__ = (UniqueConstraint("assignment_id", "cohort_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    submission_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submission_due_zone: Mapped[str] = mapped_column(String(64))
    reviews_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reviews_due_zone: Mapped[str] = mapped_column(String(64))

    assignment: Mapped[Assignment] = relationship(back_populates="dates")
    cohort: Mapped[Cohort] = relationship()

    def __repr__(self) -> str:
        return f"<AssignmentDates of assignment {self.assignment_id} in cohort {self.cohort_id}>"
