"""A course as read from its files: plain data, checked, ready to import or to compare."""

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class LiveSessionSource:
    slug: str
    title: str
    starts_at: datetime
    time_zone: str
    minutes: int
    counts_for_completion: bool = True
    description: str | None = None
    join_url: str | None = None
    recording_url: str | None = None
    # The course.yaml line of the session ('') and of each of its keys, for the import's messages.
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class CohortSource:
    slug: str
    title: str
    time_zone: str
    enrolment: str
    applications_open_at: datetime
    applications_open_zone: str
    applications_close_at: datetime
    applications_close_zone: str
    starts_on: date
    ends_on: date
    live_sessions: list[LiveSessionSource] = field(default_factory=list)
    # The course.yaml line of the cohort ('') and of each of its keys, for the import's messages.
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class TranslationSource:
    """A lesson's text in another of the course's languages (`NN-slug.<language>.md`)."""

    language: str
    title: str
    objectives: list[str]  # empty: the original's objectives are shown
    body_md: str
    body_html: str
    content_hash: str
    headings: list[dict[str, str]] = field(default_factory=list)
    made_from: str | None = None  # `translated_from`: the lesson's revision it follows


@dataclass
class TextTranslationSource:
    """A translation of a course, module, lecture, quiz, assignment or guidebook file
    (`quiz.es.yaml`...): its text tree, as shaped as its original's (content/translations.py),
    with the HTML of its Markdown rendered (`body_html`, `prompt_html`)."""

    path: str  # inside the course folder: '01-care/quiz.es.yaml'
    original: str  # '01-care/quiz.yaml'
    language: str
    kind: str
    made_from: str | None
    texts: dict[str, Any]
    file_text: str  # written back byte for byte by the export


@dataclass
class LessonSource:
    slug: str
    position: int
    title: str
    minutes: int
    objectives: list[str]
    status: str
    body_md: str
    body_html: str
    content_hash: str
    headings: list[dict[str, str]] = field(default_factory=list)
    publish_at: datetime | None = None
    translations: list[TranslationSource] = field(default_factory=list)


@dataclass
class LectureSource:
    title: str
    minutes: int
    video_url: str | None
    transcript_md: str
    transcript_html: str


@dataclass
class QuestionSource:
    slug: str
    kind: str
    prompt: str
    choices: list[str]
    correct: list[int]  # 1-based positions in choices (for true_false: 1 is True, 2 is False)
    explanation: str


@dataclass
class QuizSource:
    title: str
    pass_mark: int
    questions: list[QuestionSource]
    attempts: int | None = None
    wait_minutes: int = 0
    shuffle: bool = False
    feedback: str = "every_attempt"
    status: str = "published"


@dataclass
class AssignmentDatesSource:
    """When one cohort's submissions and reviews are due (assignment.yaml's `cohorts`)."""

    cohort: str  # the cohort's slug in course.yaml
    submission_due_at: datetime
    submission_due_zone: str
    reviews_due_at: datetime
    reviews_due_zone: str


@dataclass
class AssignmentSource:
    """A module's assignment.yaml, checked: the shape `Assignment` stores (see its docstring)."""

    title: str
    prompt_md: str
    sections: list[dict[str, Any]]  # {"id", "title", "guidance", "words"}
    rubric: list[dict[str, Any]]  # {"id", "title", "description", "levels": [...]}
    pass_mark: int
    status: str = "published"
    reviews_per_submission: int = 3
    reviews_per_learner: int = 3
    anonymous_reviews: bool = True
    late_work: bool = False
    gallery: str = "cohort"
    max_files: int = 3
    themes: list[dict[str, Any]] = field(default_factory=list)  # {"id", "title"}
    dates: list[AssignmentDatesSource] = field(default_factory=list)
    prompt_html: str = ""  # rendered by whoever read it (the reader, the editor)


@dataclass
class ModuleSource:
    slug: str
    position: int
    title: str
    intro_md: str
    intro_html: str
    status: str = "published"
    publish_at: datetime | None = None
    lecture: LectureSource | None = None
    lessons: list[LessonSource] = field(default_factory=list)
    quiz: QuizSource | None = None
    assignment: AssignmentSource | None = None


@dataclass
class MediaSource:
    path: str
    content_type: str
    data: bytes
    sha256: str


@dataclass
class CourseSource:
    slug: str
    title: str
    summary: str
    status: str
    languages: list[str]
    completion: dict[str, Any]
    certificate: dict[str, Any]
    guidebook_md: str | None = None
    guidebook_html: str | None = None
    cohorts: list[CohortSource] = field(default_factory=list)
    modules: list[ModuleSource] = field(default_factory=list)
    media: list[MediaSource] = field(default_factory=list)
    text_translations: list[TextTranslationSource] = field(default_factory=list)
    root: Path = field(default=Path("."), compare=False)  # the folder it was read from

    def lessons(self) -> list[LessonSource]:
        return [lesson for module in self.modules for lesson in module.lessons]

    def summary_line(self) -> str:
        quizzes = sum(1 for module in self.modules if module.quiz)
        assignments = sum(1 for module in self.modules if module.assignment)
        sessions = sum(len(cohort.live_sessions) for cohort in self.cohorts)
        translations = sum(len(lesson.translations) for lesson in self.lessons()) + len(
            self.text_translations
        )
        return (
            f"{len(self.modules)} modules, {len(self.lessons())} lessons, {quizzes} quizzes, "
            + (f"{assignments} assignments, " if assignments else "")
            + f"{len(self.cohorts)} cohorts, {sessions} live sessions"
        ) + (f", {translations} translations" if translations else "")
