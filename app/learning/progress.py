"""Where a learner stands in a course: the path through it, and the completion rules.

Everything here is computed from a course's immutable outline (catalog/outline.py) and a
learner's facts, with no queries of its own, so a page can show progress for many modules and
lessons in a fixed number of queries (see `learning.queries.learner_facts`).

What the completion rules ask is read once, by `catalog.rules.completion_targets` (the
guidebook states the same targets); here each target becomes a Requirement with how much of
it the learner has done.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from flask import url_for
from flask_babel import gettext as _

from app.catalog.outline import (
    CohortOutline,
    CourseOutline,
    LessonOutline,
    ModuleOutline,
    QuizOutline,
    cohort_outline,
)
from app.catalog.rules import completion_targets
from app.learning.models import Enrollment


class QuizStanding(Protocol):
    """What the path and the rules read of a learner's attempts at one quiz: the quizzes
    package's QuizRecord, which learner_facts gets from it (core/events.py)."""

    @property
    def is_passed(self) -> bool: ...

    @property
    def open_attempt(self) -> object | None: ...

    @property
    def attempts_left(self) -> int | None: ...

    def can_start(self, now: datetime) -> bool: ...

    def next_start_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class LearnerFacts:
    """What one learner has done in one course."""

    done_lesson_ids: frozenset[int] = frozenset()
    quiz_records: dict[int, QuizStanding] = field(default_factory=dict)
    attended_session_ids: frozenset[int] = frozenset()
    # Sessions the learner missed and whose recording they marked as watched.
    watched_session_ids: frozenset[int] = frozenset()
    # Assignments whose plan the learner has submitted, and those whose grade passes.
    submitted_assignment_ids: frozenset[int] = frozenset()
    passed_assignment_ids: frozenset[int] = frozenset()

    def quiz_record(self, quiz: QuizOutline) -> QuizStanding | None:
        """None when no attempts were loaded for the quiz (a path without anyone's progress)."""
        return self.quiz_records.get(quiz.id)

    def has_passed(self, quiz: QuizOutline) -> bool:
        record = self.quiz_records.get(quiz.id)
        return record is not None and record.is_passed

    def as_of(self, cohort: CohortOutline | None, now: datetime) -> "LearnerFacts":
        """Without taking part in sessions that have not started by `now` (a wrong record), so
        that a completion dated `now` never comes before a session it counts."""
        started = frozenset(
            session.id
            for session in (cohort.live_sessions if cohort else [])
            if session.has_started(now)
        )
        return replace(
            self,
            attended_session_ids=self.attended_session_ids & started,
            watched_session_ids=self.watched_session_ids & started,
        )


@dataclass(frozen=True)
class Step:
    """One stop on the path through a course: a lesson, a module's lecture, its quiz or its
    assignment (done once the plan is submitted: the reviews are other people's part)."""

    kind: str
    module: ModuleOutline
    title: str
    minutes: int | None
    lesson: LessonOutline | None = None
    quiz: QuizOutline | None = None
    is_done: bool | None = None  # None: there is nothing to finish (a lecture)

    @property
    def url(self) -> str:
        return self.address()

    def address(self, build=url_for) -> str:
        """The step's page, built by `build` (`public_url_for` for a mail)."""
        slug = self.module.course.slug
        if self.kind == "lesson":
            return build("learning.lesson", slug=slug, lesson_slug=self.lesson.slug)
        if self.kind == "lecture":
            return build("learning.lecture", slug=slug, module_slug=self.module.slug)
        if self.kind == "assignment":
            return build("assignments.assignment", slug=slug, module_slug=self.module.slug)
        return build("quizzes.quiz", slug=slug, module_slug=self.module.slug)

    @property
    def key(self) -> str:
        """The step's name in a page: 'lesson-12', 'quiz-3', 'lecture-2' (its module)."""
        return f"{self.kind}-{_step_item_id(self)}"

    @property
    def label(self) -> str:
        return {
            "lesson": _("Lesson"),
            "lecture": _("Lecture"),
            "quiz": _("Quiz"),
            "assignment": _("Assignment"),
        }[self.kind]


@dataclass(frozen=True)
class Continuation:
    """Where a learner can go on now; or, when nothing can be done now, the quiz that opens
    again later (`waiting`) and when (`opens_at`). All None: nothing is left to do."""

    step: Step | None = None
    waiting: Step | None = None
    opens_at: datetime | None = None


@dataclass(frozen=True)
class Requirement:
    """One completion rule as the learner sees it: what to do, and how much of it is done."""

    key: str
    text: str
    done: int
    needed: int

    @property
    def is_met(self) -> bool:
        return self.done >= self.needed

    @property
    def counted(self) -> int:
        return min(self.done, self.needed)


def requirements(
    course: CourseOutline, cohort: CohortOutline | None, facts: LearnerFacts
) -> list[Requirement]:
    """The course's completion rules, evaluated for one learner in one cohort."""
    targets = completion_targets(course)
    found = []
    if targets.lessons is not None:
        done = sum(1 for lesson in targets.lessons if lesson.id in facts.done_lesson_ids)
        text = _("Read every lesson and mark it as done")
        found.append(Requirement("lessons", text, done, len(targets.lessons)))
    if targets.quizzes:
        passed = sum(1 for quiz in targets.quizzes if facts.has_passed(quiz))
        needed = len(targets.quizzes)
        found.append(Requirement("quizzes", _("Pass every module quiz"), passed, needed))
    if targets.live_minimum:
        sessions = cohort.live_sessions if cohort else ()
        counting = {session.id for session in sessions if session.counts}
        taken_part = facts.attended_session_ids
        if targets.recordings_count:
            taken_part = taken_part | facts.watched_session_ids
        text = (
            _("Take part in live sessions, or watch their recordings")
            if targets.recordings_count
            else _("Take part in live sessions")
        )
        found.append(
            Requirement("live_sessions", text, len(counting & taken_part), targets.live_minimum)
        )
    if targets.assignments:
        passed = sum(1 for a in targets.assignments if a.id in facts.passed_assignment_ids)
        text = _("Submit your plan and have it assessed at or above the pass mark")
        found.append(Requirement("assignments", text, passed, len(targets.assignments)))
    return found


class CourseProgress:
    """A learner's path through a course, and their progress against its rules."""

    def __init__(self, course: CourseOutline, cohort: CohortOutline | None, facts: LearnerFacts):
        self.course = course
        self.cohort = cohort
        self.facts = facts
        self.requirements = requirements(course, cohort, facts)
        self.steps = self._path()

    def _path(self) -> list[Step]:
        steps = []
        for module in self.course.visible_modules():
            for lesson in module.published_lessons():
                done = lesson.id in self.facts.done_lesson_ids
                steps.append(
                    Step("lesson", module, lesson.title, lesson.minutes, lesson, None, done)
                )
            if module.has_lecture:
                steps.append(Step("lecture", module, module.lecture_title, module.lecture_minutes))
            quiz = module.published_quiz
            if quiz:
                passed = self.facts.has_passed(quiz)
                steps.append(Step("quiz", module, quiz.title, None, quiz=quiz, is_done=passed))
            assignment = module.published_assignment
            if assignment:
                submitted = assignment.id in self.facts.submitted_assignment_ids
                steps.append(Step("assignment", module, assignment.title, None, is_done=submitted))
        return steps

    @property
    def done(self) -> int:
        return sum(requirement.counted for requirement in self.requirements)

    @property
    def needed(self) -> int:
        return sum(requirement.needed for requirement in self.requirements)

    @property
    def percent(self) -> int:
        """Share of what the rules ask that is done, rounded down: 100 only when all is."""
        return self.done * 100 // self.needed if self.needed else 100

    @property
    def rules_met(self) -> bool:
        return all(requirement.is_met for requirement in self.requirements)

    def continuation(self, now: datetime) -> Continuation:
        """Where to continue: the first lesson not done or quiz not passed, in course order,
        passing over a quiz that cannot be started now (in its waiting time, or with no
        attempts left), which would be a dead end. When that leaves nothing: the first quiz
        that opens again later, and when; else a quiz with no attempts left (its page says
        what to do)."""
        waiting = used_up = None
        for step in self.steps:
            if step.is_done is not False:
                continue
            if step.kind != "quiz":
                return Continuation(step)
            record = self.facts.quiz_record(step.quiz)
            if record is None or record.open_attempt is not None or record.can_start(now):
                return Continuation(step)
            if record.attempts_left == 0:
                used_up = used_up or Continuation(step)
            elif waiting is None:
                waiting = Continuation(waiting=step, opens_at=record.next_start_at())
        return waiting or used_up or Continuation()

    def neighbours(self, kind: str, item_id: int) -> tuple[Step | None, Step | None]:
        """The steps before and after a lesson, lecture (module id) or quiz."""
        for index, step in enumerate(self.steps):
            if step.kind == kind and _step_item_id(step) == item_id:
                before = self.steps[index - 1] if index else None
                after = self.steps[index + 1] if index + 1 < len(self.steps) else None
                return before, after
        return None, None

    def module_summary(self, module: ModuleOutline) -> tuple[int, int]:
        """Lessons marked as done in a module, and its published lessons."""
        lessons = module.published_lessons()
        return sum(1 for lesson in lessons if lesson.id in self.facts.done_lesson_ids), len(lessons)


def _step_item_id(step: Step) -> int:
    if step.kind == "lesson":
        return step.lesson.id
    if step.kind == "quiz":
        return step.quiz.id
    return step.module.id  # a lecture or an assignment: one a module


def course_path(course: CourseOutline) -> CourseProgress:
    """The steps of a course without anyone's progress: enough for previous and next links."""
    return CourseProgress(course, None, LearnerFacts())


_PATHS: dict[int, tuple[tuple[str, int], CourseProgress]] = {}


def shared_path(course: CourseOutline, now: datetime) -> CourseProgress:
    """`course_path`, kept per course while its outline and what has come out are the same
    (a lesson page asks for its neighbours on every request)."""
    name = (course.outline_version, course.scheduled_out(now))
    kept = _PATHS.get(course.id)
    if kept is None or kept[0] != name:
        kept = (name, course_path(course))
        _PATHS[course.id] = kept
    return kept[1]


def progress_in(
    courses: dict[int, CourseOutline], facts: dict[int, LearnerFacts], enrollment
) -> CourseProgress:
    """The progress of one enrolment, from outlines and facts loaded for several courses."""
    course = courses[enrollment.cohort.course_id]
    return CourseProgress(course, outline_cohort(course, enrollment), facts[course.id])


def outline_cohort(course: CourseOutline, enrollment: Enrollment | None) -> CohortOutline | None:
    """The enrolment's cohort as the course's outline has it, sessions included."""
    if enrollment is None:
        return None
    return course.cohort(enrollment.cohort_id) or cohort_outline(enrollment.cohort)
