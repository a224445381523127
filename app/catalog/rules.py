"""The catalogue's rules, written once: pure functions of a course's outline and of `now`.

The same rules hold for the ORM rows (`catalog.models`, which writes load) and for the immutable
outline that pages read (`catalog.outline`): each kind of row shares a mixin of the rules that
only need its own fields and those of its children. Nothing here queries the database, so the
rules are tested without one (tests/test_outline_rules.py).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from app.core.types import utcnow


class Status(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class EnrolmentMode(StrEnum):
    APPROVAL = "approval"
    OPEN = "open"


class Feedback(StrEnum):
    """When a learner sees each question's right answer and explanation."""

    EVERY_ATTEMPT = "every_attempt"
    ONCE_PASSED = "once_passed"


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


# Learners can join a live session from this long before it starts.
JOIN_OPENS_BEFORE = timedelta(minutes=15)


def is_live(status: Status, publish_at: datetime | None, now: datetime) -> bool:
    """Whether learners see a module or lesson: published, and its publication time passed."""
    return status == Status.PUBLISHED and (publish_at is None or publish_at <= now)


def publication(status: Status, publish_at: datetime | None, now: datetime) -> str:
    if status == Status.PUBLISHED and publish_at is not None and publish_at > now:
        return "scheduled"
    return status.value


def visible(items: Iterable[Any], now: datetime | None = None) -> list[Any]:
    """The modules or lessons learners see at `now` (by default: the present)."""
    now = now or utcnow()
    return [item for item in items if is_live(item.status, item.publish_at, now)]


class ApplicationWindow(StrEnum):
    """Where a cohort's applications stand at a moment: the one answer every page uses."""

    ARCHIVED = "archived"  # the cohort no longer runs
    NOT_YET_OPEN = "not_yet_open"
    OPEN = "open"
    CLOSED = "closed"

    @property
    def takes_applications(self) -> bool:
        return self == ApplicationWindow.OPEN

    @property
    def is_ahead(self) -> bool:
        """Open now or later: the deadline has not passed (for "apply to the next cohort")."""
        return self in (ApplicationWindow.OPEN, ApplicationWindow.NOT_YET_OPEN)


def application_window(
    is_archived: bool, opens_at: datetime, closes_at: datetime, now: datetime
) -> ApplicationWindow:
    if is_archived:
        return ApplicationWindow.ARCHIVED
    if now < opens_at:
        return ApplicationWindow.NOT_YET_OPEN
    if now < closes_at:
        return ApplicationWindow.OPEN
    return ApplicationWindow.CLOSED


def can_read_lessons(course: Any, user: Any, *, enrolled: bool) -> bool:
    """Course staff, and learners `enrolled` in one of its cohorts (the caller has read that)."""
    return bool(user.is_authenticated and (course.can_manage(user) or enrolled))


# --- the mixins: the rules each kind of row answers, for ORM rows and outlines alike ---------


class CourseRules:
    __slots__ = ()

    def can_manage(self, user) -> bool:
        """Admins, and instructors who are staff of this course."""
        return bool(user.is_authenticated and (user.is_admin or self.id in user.staffed_course_ids))

    def can_issue_certificates(self, user) -> bool:
        """Admins, and the course's staff when its certificate settings allow them."""
        if not user.is_authenticated:
            return False
        staff_can_issue = self.settings.certificate.staff_can_issue
        return user.is_admin or (staff_can_issue and self.can_manage(user))

    @property
    def language(self) -> str:
        """The language its text is written in (the first of `languages`), for `lang=`."""
        return self.languages[0] if self.languages else "en"

    def visible_modules(self, now: datetime | None = None) -> list:
        """Modules learners see: published, and past their publication time."""
        return visible(self.modules, now)

    def scheduled_out(self, now: datetime | None = None) -> int:
        """How many modules and lessons with a publication time have reached it: with the
        outline version, what names the course as learners see it at `now` (a scheduled
        lesson coming out changes the pages without changing the version)."""
        now = now or utcnow()
        items = [*self.modules, *(lesson for module in self.modules for lesson in module.lessons)]
        return sum(1 for item in items if item.publish_at is not None and item.publish_at <= now)

    def visible_module(self, slug: str, now: datetime | None = None):
        return next((module for module in self.visible_modules(now) if module.slug == slug), None)

    def visible_lessons(self, now: datetime | None = None) -> list:
        """Every lesson learners see, in course order."""
        now = now or utcnow()
        modules = self.visible_modules(now)
        return [lesson for module in modules for lesson in visible(module.lessons, now)]

    def published_lesson(self, slug: str, now: datetime | None = None):
        """A published lesson of a published module, found in the loaded outline."""
        return next((lesson for lesson in self.visible_lessons(now) if lesson.slug == slug), None)

    def published_quizzes(self, now: datetime | None = None) -> list:
        return [m.published_quiz for m in self.visible_modules(now) if m.published_quiz]

    def published_assignments(self, now: datetime | None = None) -> list:
        return [m.published_assignment for m in self.visible_modules(now) if m.published_assignment]

    def live_cohorts(self) -> list:
        return [cohort for cohort in self.cohorts if not cohort.is_archived]

    def cohorts_taking_applications(self, now: datetime) -> list:
        """Running cohorts whose deadline has not passed (including those not open yet)."""
        return [cohort for cohort in self.live_cohorts() if cohort.application_window(now).is_ahead]


class CohortRules:
    __slots__ = ()

    @property
    def enrols_on_application(self) -> bool:
        """Open enrolment: applicants are enrolled at once, without review."""
        return self.enrolment_mode == EnrolmentMode.OPEN

    def application_window(self, now: datetime) -> ApplicationWindow:
        return application_window(
            self.is_archived, self.applications_open_at, self.applications_close_at, now
        )

    def accepts_applications(self, now: datetime) -> bool:
        return self.application_window(now).takes_applications

    def next_session(self, now: datetime):
        """The first live session that is neither cancelled nor over."""
        return next(
            (s for s in self.live_sessions if not s.is_cancelled and not s.is_over(now)), None
        )


class LiveSessionRules:
    __slots__ = ()

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def join_opens_at(self) -> datetime:
        return self.starts_at - JOIN_OPENS_BEFORE

    def is_open_for_joining(self, now: datetime) -> bool:
        """From 15 minutes before the start until the end, unless cancelled."""
        return not self.is_cancelled and self.join_opens_at <= now < self.ends_at

    def notice_of(self, changed: list[str] | set[str]) -> frozenset[str]:
        """What of a change of these fields (or of the status) the cohort is told about:
        "time", "link", "cancelled" or "restored". A new title or description is not worth
        a mail; calendars still see it."""
        notice = set()
        if {"starts_at", "duration_minutes"} & set(changed):
            notice.add("time")
        if "join_url" in changed:
            notice.add("link")
        if "status" in changed:
            notice.add("cancelled" if self.is_cancelled else "restored")
        return frozenset(notice)

    def is_over(self, now: datetime) -> bool:
        return now >= self.ends_at

    def has_started(self, now: datetime) -> bool:
        """Whether taking part can be recorded: never for a session that has not begun."""
        return now >= self.starts_at

    @property
    def counts(self) -> bool:
        """Whether taking part counts toward the certificate."""
        return self.counts_for_completion and not self.is_cancelled


class PublishedRules:
    """A module or a lesson: published, possibly from a later time."""

    __slots__ = ()

    def is_visible(self, now: datetime) -> bool:
        return is_live(self.status, self.publish_at, now)

    def publication(self, now: datetime) -> str:
        """Where it stands for learners: draft, scheduled, published or archived."""
        return publication(self.status, self.publish_at, now)


class ModuleRules(PublishedRules):
    __slots__ = ()

    @property
    def has_lecture(self) -> bool:
        return self.lecture_title is not None

    @property
    def lecture_is_video_file(self) -> bool:
        """A direct link to a video file, which the page can play itself."""
        path = (self.lecture_video_url or "").split("?")[0].lower()
        return path.endswith((".mp4", ".webm", ".ogv"))

    @property
    def published_quiz(self):
        return self.quiz if self.quiz and self.quiz.status == Status.PUBLISHED else None

    @property
    def published_assignment(self):
        found = self.assignment
        return found if found is not None and found.status == Status.PUBLISHED else None

    def published_lessons(self, now: datetime | None = None) -> list:
        """Lessons learners see: published, and past their publication time."""
        return visible(self.lessons, now)


class QuizRules:
    __slots__ = ()

    @property
    def shows_answers_every_attempt(self) -> bool:
        return self.feedback == Feedback.EVERY_ATTEMPT


class AssignmentRules:
    """An assignment, row or outline: what its rubric adds up to."""

    __slots__ = ()

    @property
    def max_points(self) -> int:
        """The sum of each criterion's highest level: a grade's 100 %."""
        return sum(max(level["points"] for level in c["levels"]) for c in self.rubric)


# --- completion: what the course's rules ask, read one way for progress and the guidebook ---


@dataclass(frozen=True, slots=True)
class CompletionTargets:
    """What a course's completion rules ask of a learner, as its outline stands at a moment."""

    lessons: Sequence[Any] | None  # the lessons to read; None: reading is not required
    quizzes: Sequence[Any]  # the quizzes to pass; empty: none
    live_minimum: int  # live sessions to take part in; 0: none
    recordings_count: bool  # a missed session's recording, watched, counts as taking part
    assignments: Sequence[Any] = ()  # the assignments to pass; empty: none

    @property
    def reading_minutes(self) -> int:
        return sum(lesson.minutes for lesson in self.lessons or ())

    @property
    def pass_marks(self) -> list[int]:
        return sorted({quiz.pass_mark for quiz in self.quizzes})


def completion_targets(course: Any, now: datetime | None = None) -> CompletionTargets:
    """The course's completion rules (`course.settings.completion`) applied to its outline."""
    rules = course.settings.completion
    now = now or utcnow()
    return CompletionTargets(
        lessons=tuple(course.visible_lessons(now)) if rules.lessons else None,
        quizzes=tuple(course.published_quizzes(now)) if rules.quizzes else (),
        live_minimum=rules.live_sessions_minimum,
        recordings_count=rules.recordings_count,
        assignments=tuple(course.published_assignments(now)) if rules.assignments else (),
    )
