"""A course's outline as plain immutable data: what learner pages read, shared between requests.

Frozen dataclasses with tuples, built from the ORM rows of one course (`outline_of`); changing
one raises `dataclasses.FrozenInstanceError`, and none can be added to a database session. They
answer the same rules as the rows they come from (the mixins of catalog/rules.py). A child
names its parents through small references (`CourseRef`, `ModuleRef`) rather than the parents
themselves, so the data has no cycles.
"""

from dataclasses import dataclass
from datetime import date, datetime

from app.catalog.models import (
    Assignment,
    Cohort,
    Course,
    GalleryReach,
    Lesson,
    LiveSession,
    Module,
    Quiz,
)
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


@dataclass(frozen=True, slots=True)
class CourseRef:
    """What a module or cohort says of its course: enough for links and `lang=`."""

    id: int
    slug: str
    title: str
    language: str


@dataclass(frozen=True, slots=True)
class ModuleRef:
    """What a lesson or quiz says of its module."""

    id: int
    slug: str
    title: str
    course: CourseRef


@dataclass(frozen=True, slots=True, eq=False)
class LessonOutline(PublishedRules):
    id: int
    slug: str
    position: int
    title: str
    minutes: int
    objectives: tuple[str, ...]
    body_html: str
    headings: tuple[dict[str, str], ...]
    status: Status
    publish_at: datetime | None
    module: ModuleRef

    @property
    def module_id(self) -> int:
        return self.module.id


@dataclass(frozen=True, slots=True, eq=False)
class QuizOutline(QuizRules):
    id: int
    title: str
    pass_mark: int
    max_attempts: int | None
    wait_minutes: int
    shuffle: bool
    feedback: Feedback
    status: Status
    module: ModuleRef

    @property
    def module_id(self) -> int:
        return self.module.id


@dataclass(frozen=True, slots=True, eq=False)
class AssignmentOutline(AssignmentRules):
    """A module's assignment as learner pages read it (the dates per cohort are not here:
    `assignments.queries.due_dates` reads a learner's)."""

    id: int
    title: str
    prompt_html: str
    sections: tuple[dict, ...]
    rubric: tuple[dict, ...]
    themes: tuple[dict, ...]
    pass_mark: int
    reviews_per_submission: int
    reviews_per_learner: int
    anonymous_reviews: bool
    late_work: bool
    gallery: GalleryReach
    max_files: int
    status: Status
    module: ModuleRef


@dataclass(frozen=True, slots=True, eq=False)
class ModuleOutline(ModuleRules):
    id: int
    slug: str
    position: int
    title: str
    intro_html: str
    status: Status
    publish_at: datetime | None
    lecture_title: str | None
    lecture_minutes: int | None
    lecture_video_url: str | None
    lecture_transcript_html: str | None
    lessons: tuple[LessonOutline, ...]
    quiz: QuizOutline | None
    course: CourseRef
    assignment: AssignmentOutline | None = None


@dataclass(frozen=True, slots=True, eq=False)
class LiveSessionOutline(LiveSessionRules):
    id: int
    slug: str
    title: str
    description: str | None
    starts_at: datetime
    time_zone: str
    duration_minutes: int
    join_url: str | None
    recording_url: str | None
    counts_for_completion: bool
    status: SessionStatus
    sequence: int
    cohort_id: int


@dataclass(frozen=True, slots=True, eq=False)
class CohortOutline(CohortRules):
    id: int
    slug: str
    title: str
    position: int
    time_zone: str
    enrolment_mode: EnrolmentMode
    applications_open_at: datetime
    applications_open_zone: str
    applications_close_at: datetime
    applications_close_zone: str
    starts_on: date
    ends_on: date
    is_archived: bool
    live_sessions: tuple[LiveSessionOutline, ...]
    course: CourseRef

    @property
    def course_id(self) -> int:
        return self.course.id


@dataclass(frozen=True, slots=True, eq=False)
class CourseOutline(CourseRules):
    id: int
    slug: str
    title: str
    summary: str
    status: Status
    languages: tuple[str, ...]
    guidebook_html: str | None
    outline_version: str
    settings: CourseSettings
    modules: tuple[ModuleOutline, ...]
    cohorts: tuple[CohortOutline, ...]

    def cohort(self, cohort_id: int) -> CohortOutline | None:
        return next((cohort for cohort in self.cohorts if cohort.id == cohort_id), None)

    def module(self, module_id: int) -> ModuleOutline | None:
        return next((module for module in self.modules if module.id == module_id), None)

    def quiz(self, quiz_id: int) -> QuizOutline | None:
        return next((m.quiz for m in self.modules if m.quiz and m.quiz.id == quiz_id), None)


# --- from the ORM rows, loaded (catalog.queries.OUTLINE): no queries of its own -------------


def outline_of(course: Course) -> CourseOutline:
    """The outline of a course whose modules, lessons, quizzes, cohorts and sessions are
    loaded (catalog.queries.OUTLINE)."""
    ref = CourseRef(course.id, course.slug, course.title, course.language)
    return CourseOutline(
        id=course.id,
        slug=course.slug,
        title=course.title,
        summary=course.summary,
        status=course.status,
        languages=tuple(course.languages or ()),
        guidebook_html=course.guidebook_html,
        outline_version=course.outline_version,
        settings=course.settings,
        modules=tuple(_module(module, ref) for module in course.modules),
        cohorts=tuple(cohort_outline(cohort, ref) for cohort in course.cohorts),
    )


def _module(module: Module, course: CourseRef) -> ModuleOutline:
    ref = ModuleRef(module.id, module.slug, module.title, course)
    return ModuleOutline(
        id=module.id,
        slug=module.slug,
        position=module.position,
        title=module.title,
        intro_html=module.intro_html,
        status=module.status,
        publish_at=module.publish_at,
        lecture_title=module.lecture_title,
        lecture_minutes=module.lecture_minutes,
        lecture_video_url=module.lecture_video_url,
        lecture_transcript_html=module.lecture_transcript_html,
        lessons=tuple(_lesson(lesson, ref) for lesson in module.lessons),
        quiz=_quiz(module.quiz, ref) if module.quiz is not None else None,
        course=course,
        assignment=_assignment(module.assignment, ref) if module.assignment is not None else None,
    )


def _lesson(lesson: Lesson, module: ModuleRef) -> LessonOutline:
    return LessonOutline(
        id=lesson.id,
        slug=lesson.slug,
        position=lesson.position,
        title=lesson.title,
        minutes=lesson.minutes,
        objectives=tuple(lesson.objectives or ()),
        body_html=lesson.body_html,
        headings=tuple(dict(heading) for heading in lesson.headings or ()),
        status=lesson.status,
        publish_at=lesson.publish_at,
        module=module,
    )


def _quiz(quiz: Quiz, module: ModuleRef) -> QuizOutline:
    return QuizOutline(
        id=quiz.id,
        title=quiz.title,
        pass_mark=quiz.pass_mark,
        max_attempts=quiz.max_attempts,
        wait_minutes=quiz.wait_minutes,
        shuffle=quiz.shuffle,
        feedback=quiz.feedback,
        status=quiz.status,
        module=module,
    )


def _assignment(assignment: Assignment, module: ModuleRef) -> AssignmentOutline:
    return AssignmentOutline(
        id=assignment.id,
        title=assignment.title,
        prompt_html=assignment.prompt_html,
        sections=tuple(dict(section) for section in assignment.sections),
        rubric=tuple(dict(criterion) for criterion in assignment.rubric),
        themes=tuple(dict(theme) for theme in assignment.themes),
        pass_mark=assignment.pass_mark,
        reviews_per_submission=assignment.reviews_per_submission,
        reviews_per_learner=assignment.reviews_per_learner,
        anonymous_reviews=assignment.anonymous_reviews,
        late_work=assignment.late_work,
        gallery=assignment.gallery,
        max_files=assignment.max_files,
        status=assignment.status,
        module=module,
    )


def cohort_outline(cohort: Cohort, course: CourseRef | None = None) -> CohortOutline:
    """A cohort's outline, with its sessions (loaded, or loaded now when they are not)."""
    if course is None:
        course = CourseRef(
            cohort.course.id, cohort.course.slug, cohort.course.title, cohort.course.language
        )
    return CohortOutline(
        id=cohort.id,
        slug=cohort.slug,
        title=cohort.title,
        position=cohort.position,
        time_zone=cohort.time_zone,
        enrolment_mode=cohort.enrolment_mode,
        applications_open_at=cohort.applications_open_at,
        applications_open_zone=cohort.applications_open_zone,
        applications_close_at=cohort.applications_close_at,
        applications_close_zone=cohort.applications_close_zone,
        starts_on=cohort.starts_on,
        ends_on=cohort.ends_on,
        is_archived=cohort.is_archived,
        live_sessions=tuple(_session(session) for session in cohort.live_sessions),
        course=course,
    )


def _session(session: LiveSession) -> LiveSessionOutline:
    return LiveSessionOutline(**{name: getattr(session, name) for name in SESSION_FIELDS})


SESSION_FIELDS: tuple[str, ...] = tuple(LiveSessionOutline.__dataclass_fields__)
