"""Instructors' reports: a cohort's progress, quiz item analysis and a course summary.

Each report is read in a fixed number of queries however many learners, lessons and quizzes
there are: per-learner figures come from GROUP BY subqueries joined to the enrolment query,
so sorting and paging happen in the database. The item statistics are pure functions
(`item_statistics`, `most_chosen_wrong`) that take plain rows and touch no database.
"""

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from math import ceil, floor
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    literal,
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
    Question,
    QuestionVersion,
    Quiz,
)
from app.core.i18n import current_language
from app.core.places import countries, country_name
from app.core.search import contains_text
from app.extensions import db
from app.learning.models import Application, ApplicationStatus, Enrollment, LessonProgress
from app.live.models import Attendance, RecordingView
from app.quizzes.models import AttemptAnswer, AttemptState, QuizAttempt

# What managed_course loads for each report (a fixed number of selectin queries).
PROGRESS_OUTLINE = (
    selectinload(Course.modules).selectinload(Module.lessons),
    selectinload(Course.modules).selectinload(Module.quiz),
    selectinload(Course.cohorts),
)
ANALYSIS_OUTLINE = (
    selectinload(Course.modules).selectinload(Module.quiz).selectinload(Quiz.questions),
    selectinload(Course.cohorts),
)
SUMMARY_OUTLINE = (
    selectinload(Course.modules).selectinload(Module.quiz),
    selectinload(Course.cohorts),
)

ACTIVE_DAYS = 7
TOP_ROWS = 10


def find_cohort(course: Course, cohort_slug: str) -> Cohort | None:
    """A cohort of a course whose cohorts are loaded."""
    return next((cohort for cohort in course.cohorts if cohort.slug == cohort_slug), None)


def find_quiz_module(course: Course, module_slug: str) -> Module | None:
    """A module of a course (outline loaded) that has a quiz, in any state."""
    return next((m for m in course.modules if m.slug == module_slug and m.quiz is not None), None)


def visible_lessons(course: Course) -> list[Lesson]:
    """The lessons learners see, the ones the completion rule counts."""
    return [lesson for module in course.visible_modules() for lesson in module.published_lessons()]


def percent(done: int, total: int) -> int | None:
    """Share done in whole per cent, rounded down (100 only when all is done)."""
    return done * 100 // total if total else None


# --- Cohort progress ----------------------------------------------------------------------

TEXT_SORTS = ("name", "organisation", "country")
NUMBER_SORTS = ("lessons", "live", "completed")

# How the table's caption says what it is sorted by: (ascending, descending).
SORT_TEXTS = {
    "name": (_l("sorted by name, A to Z"), _l("sorted by name, Z to A")),
    "organisation": (_l("sorted by organisation, A to Z"), _l("sorted by organisation, Z to A")),
    "country": (_l("sorted by country, A to Z"), _l("sorted by country, Z to A")),
    "lessons": (
        _l("sorted by lessons done, lowest first"),
        _l("sorted by lessons done, highest first"),
    ),
    "live": (
        _l("sorted by live sessions attended, lowest first"),
        _l("sorted by live sessions attended, highest first"),
    ),
    "completed": (
        _l("sorted by date of completion, earliest first"),
        _l("sorted by date of completion, latest first"),
    ),
}


@dataclass(frozen=True)
class ProgressFilters:
    """The progress table's search, filters and sort, read from the query string."""

    search: str = ""
    country: str | None = None
    completed: bool | None = None
    sort: str = "name"
    order: str = "asc"

    @classmethod
    def from_args(cls, args: Mapping[str, str], quiz_ids: Iterable[int]) -> "ProgressFilters":
        """Filters from the query string; values that make no sense fall back to defaults."""
        country = (args.get("country") or "").upper()
        completed = {"yes": True, "no": False}.get(args.get("completed") or "")
        sort = args.get("sort") or "name"
        allowed = {*TEXT_SORTS, *NUMBER_SORTS, *(f"quiz-{quiz_id}" for quiz_id in quiz_ids)}
        if sort not in allowed:
            sort = "name"
        order = args.get("order")
        if order not in ("asc", "desc"):
            order = default_order(sort)
        return cls(
            search=(args.get("q") or "").strip()[:200],
            country=country if country in dict(countries()) else None,
            completed=completed,
            sort=sort,
            order=order,
        )

    @property
    def descending(self) -> bool:
        return self.order == "desc"

    def filter_args(self) -> dict[str, str]:
        """The search and filters, for links that keep them (sort headers)."""
        found = {}
        if self.search:
            found["q"] = self.search
        if self.country:
            found["country"] = self.country
        if self.completed is not None:
            found["completed"] = "yes" if self.completed else "no"
        return found

    def as_args(self) -> dict[str, str]:
        """Filters and sort, for links that keep both (pages, the CSV download)."""
        found = self.filter_args()
        if (self.sort, self.order) != ("name", "asc"):
            found.update(sort=self.sort, order=self.order)
        return found

    def sort_link_args(self, key: str) -> dict[str, str]:
        """Arguments of a column header's link: its sort, the other way round if it is on."""
        flipped = "asc" if self.descending else "desc"
        order = flipped if key == self.sort else default_order(key)
        return {**self.filter_args(), "sort": key, "order": order}

    def aria_sort(self, key: str) -> str | None:
        if key != self.sort:
            return None
        return "descending" if self.descending else "ascending"


def default_order(sort: str) -> str:
    """Names read A to Z; figures read highest first."""
    return "asc" if sort in TEXT_SORTS else "desc"


@dataclass(frozen=True)
class ProgressRow:
    """One learner's line of the progress report."""

    user_id: int
    name: str
    email: str
    organisation: str
    country: str
    lessons_done: int
    lessons_percent: int | None
    scores: tuple[int | None, ...]  # best score of each published quiz, in course order
    attended: int
    completed_at: datetime | None

    @property
    def country_name(self) -> str:
        """The country's English name, as the CSV has it (pages show it in their language)."""
        return country_name(self.country)


@dataclass
class ProgressReport:
    """What the progress page and CSV show about a cohort (queries run by `rows`)."""

    course: Course
    cohort: Cohort
    filters: ProgressFilters
    lessons: list[Lesson]
    quizzes: list[Quiz]
    # Countries of the cohort's learners, (code, name) by name: the filter and the sort.
    countries: list[tuple[str, str]] = field(default_factory=list)

    @property
    def sort_description(self) -> Markup:
        """'sorted by lessons done, highest first', for the table's caption.

        A quiz's title is course text: it is marked with the course's language.
        """
        sort, descending = self.filters.sort, self.filters.descending
        if sort in SORT_TEXTS:
            return escape(str(SORT_TEXTS[sort][descending]))
        quiz = next(quiz for quiz in self.quizzes if f"quiz-{quiz.id}" == sort)
        title = Markup('<span lang="{}">{}</span>').format(self.course.language, quiz.title)
        if descending:
            text = _("sorted by best score in %(quiz)s, highest first")
        else:
            text = _("sorted by best score in %(quiz)s, lowest first")
        return escape(text) % {"quiz": title}

    def _where(self) -> list[ColumnElement[bool]]:
        conditions = [Enrollment.cohort_id == self.cohort.id]
        if self.filters.search:
            conditions.append(
                contains_text(self.filters.search, User.name, User.email, User.organisation)
            )
        if self.filters.country:
            conditions.append(User.country == self.filters.country)
        if self.filters.completed is True:
            conditions.append(Enrollment.completed_at.is_not(None))
        elif self.filters.completed is False:
            conditions.append(Enrollment.completed_at.is_(None))
        return conditions

    def count_statement(self) -> Select:
        return (
            select(func.count())
            .select_from(Enrollment)
            .join(User, User.id == Enrollment.user_id)
            .where(*self._where())
        )

    def statement(self) -> Select:
        """Every matching learner with their figures, sorted; one SELECT with subqueries."""
        members = select(Enrollment.user_id).where(Enrollment.cohort_id == self.cohort.id)
        done = (
            select(LessonProgress.user_id.label("user_id"), func.count().label("done"))
            .where(
                LessonProgress.lesson_id.in_([lesson.id for lesson in self.lessons]),
                LessonProgress.user_id.in_(members),
            )
            .group_by(LessonProgress.user_id)
            .subquery("done")
        )
        attended = (
            select(Attendance.user_id.label("user_id"), func.count().label("sessions"))
            .join(LiveSession, LiveSession.id == Attendance.session_id)
            .where(LiveSession.cohort_id == self.cohort.id)
            .group_by(Attendance.user_id)
            .subquery("attended")
        )
        lessons_done = func.coalesce(done.c.done, 0)
        sessions = func.coalesce(attended.c.sessions, 0)
        columns: dict[str, Any] = {
            "lessons": lessons_done,
            "live": sessions,
            "completed": Enrollment.completed_at,
            "name": func.lower(User.name),
            "organisation": func.lower(User.organisation),
            "country": self._country_rank(),
        }
        statement = (
            select(
                User.id,
                User.name,
                User.email,
                User.organisation,
                User.country,
                Enrollment.completed_at,
                lessons_done.label("lessons_done"),
                sessions.label("attended"),
            )
            .select_from(Enrollment)
            .join(User, User.id == Enrollment.user_id)
            .outerjoin(done, done.c.user_id == User.id)
            .outerjoin(attended, attended.c.user_id == User.id)
        )
        if self.quizzes:
            # One column per quiz: the best submitted score, pivoted with CASE in one GROUP BY.
            best = (
                select(
                    QuizAttempt.user_id.label("user_id"),
                    *(
                        func.max(case((QuizAttempt.quiz_id == quiz.id, QuizAttempt.score))).label(
                            f"quiz_{quiz.id}"
                        )
                        for quiz in self.quizzes
                    ),
                )
                .where(
                    QuizAttempt.quiz_id.in_([quiz.id for quiz in self.quizzes]),
                    QuizAttempt.state == AttemptState.SUBMITTED,
                    QuizAttempt.user_id.in_(members),
                )
                .group_by(QuizAttempt.user_id)
                .subquery("best")
            )
            quiz_columns = [best.c[f"quiz_{quiz.id}"] for quiz in self.quizzes]
            statement = statement.add_columns(*quiz_columns).outerjoin(
                best, best.c.user_id == User.id
            )
            for quiz, column in zip(self.quizzes, quiz_columns, strict=True):
                columns[f"quiz-{quiz.id}"] = column
        sort = columns.get(self.filters.sort, columns["name"])
        blank = {
            "organisation": User.organisation == "",
            "country": User.country == "",
            "completed": Enrollment.completed_at.is_(None),
        }.get(self.filters.sort, sort.is_(None) if self.filters.sort.startswith("quiz-") else None)
        order = []
        if blank is not None:  # blanks (no score, no country, not completed) last either way
            order.append(case((blank, 1), else_=0))
        order.append(sort.desc() if self.filters.descending else sort.asc())
        order += [func.lower(User.name), User.id]
        return statement.where(*self._where()).order_by(*order)

    def _country_rank(self) -> ColumnElement:
        """Countries sort by their name in the reader's language, not their code (Iraq before
        Korea, KR)."""
        ranks = {code: rank for rank, (code, _name) in enumerate(self.countries)}
        if not ranks:
            return literal(0)
        return case(ranks, value=User.country, else_=len(ranks))

    def row(self, values: Sequence[Any]) -> ProgressRow:
        (user_id, name, email, organisation, country, completed_at, done, attended) = values[:8]
        return ProgressRow(
            user_id=user_id,
            name=name,
            email=email,
            organisation=organisation,
            country=country,
            lessons_done=done,
            lessons_percent=percent(done, len(self.lessons)),
            scores=tuple(values[8:]),
            attended=attended,
            completed_at=completed_at,
        )

    def page(self, number: int, per_page: int) -> "Page":
        """One page of rows: a count and a SELECT; a page past the last shows the last."""
        total = db.session.scalar(self.count_statement()) or 0
        pages = max(1, ceil(total / per_page))
        number = min(number, pages)
        rows = db.session.execute(
            self.statement().limit(per_page).offset((number - 1) * per_page)
        ).all()
        return Page([self.row(values) for values in rows], number, per_page, total)

    def stream(self, batch: int = 500) -> Iterator[ProgressRow]:
        """Every matching row, fetched in batches (a server-side cursor on PostgreSQL)."""
        result = db.session.execute(self.statement().execution_options(yield_per=batch))
        for values in result:
            yield self.row(values)


@dataclass(frozen=True)
class Page:
    """A page of rows, with what the `pager` macro reads."""

    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def cohort_countries(cohort: Cohort, language: str = "en") -> list[tuple[str, str]]:
    """(code, name) of the countries of a cohort's learners, by their name in `language` (as
    `countries` sorts them; a code it does not know comes last): one query."""
    codes = set(
        db.session.scalars(
            select(User.country)
            .distinct()
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.cohort_id == cohort.id, User.country != "")
        )
    )
    found = [(code, name) for code, name in countries(language) if code in codes]
    known = {code for code, _name in found}
    return found + sorted((code, code) for code in codes - known)


def progress_report(course: Course, cohort: Cohort, args: Mapping[str, str]) -> ProgressReport:
    """The progress report of a cohort (course outline loaded), as the query string asks."""
    quizzes = course.published_quizzes()
    return ProgressReport(
        course=course,
        cohort=cohort,
        filters=ProgressFilters.from_args(args, [quiz.id for quiz in quizzes]),
        lessons=visible_lessons(course),
        quizzes=quizzes,
        countries=cohort_countries(cohort, current_language()),
    )


def progress_csv_rows(report: ProgressReport) -> Iterator[list[Any]]:
    """The CSV lines of a progress report, streamed from the database."""
    for row in report.stream():
        yield [
            row.name,
            row.email,
            row.organisation,
            row.country_name,
            row.lessons_done,
            "" if row.lessons_percent is None else row.lessons_percent,
            *("" if score is None else score for score in row.scores),
            row.attended,
            "yes" if row.completed_at else "no",
            row.completed_at.isoformat(timespec="minutes") if row.completed_at else "",
        ]


def progress_csv_header(report: ProgressReport) -> list[str]:
    return [
        "name",
        "email",
        "organisation",
        "country",
        "lessons_done",
        "lessons_percent",
        *(f"quiz_{quiz.module.slug}_best_score" for quiz in report.quizzes),
        "live_sessions_attended",
        "completed",
        "completed_at",
    ]


# --- Quiz item analysis: pure statistics --------------------------------------------------

UPPER_LOWER_SHARE = 0.27
TOO_EASY = 0.9
TOO_HARD = 0.3

FLAG_TEXTS = {
    "too_easy": _l(
        "Too easy: more than 9 in 10 answers are right. Check that the wrong choices are "
        "believable and that the question asks something the lesson teaches, not common sense."
    ),
    "too_hard": _l(
        "Too hard: fewer than 3 in 10 answers are right. Check that the right choice is marked "
        "as right, that the prompt is clear, and that a lesson covers it; the most chosen wrong "
        "answer often shows the misunderstanding."
    ),
    "negative_discrimination": _l(
        "Negative discrimination: learners with the lowest scores answer this better than those "
        "with the highest. The marked answer may be wrong, or the wording may mislead careful "
        "readers; read it again with the most chosen wrong answer in mind."
    ),
}


@dataclass(frozen=True)
class ScoredAttempt:
    """A submitted attempt that counts, with its score (per cent)."""

    id: int
    score: int


@dataclass(frozen=True)
class Answer:
    """A stored answer: the choices given to a question in an attempt, and whether right."""

    attempt_id: int
    question_id: int
    version_id: int
    choice_ids: tuple[int, ...]
    is_correct: bool


@dataclass(frozen=True)
class ItemStats:
    """What one question's answers say about it."""

    question_id: int
    answers: int
    right: int
    facility: float | None
    discrimination: float | None
    wrong_choice: str | None = None  # the text of the most chosen wrong choice
    wrong_count: int = 0  # how many answers chose it
    flags: tuple[str, ...] = ()

    @property
    def flag_texts(self) -> list[str]:
        return [FLAG_TEXTS[flag] for flag in self.flags]


def group_size(attempts: int) -> int:
    """Attempts in each of the upper and lower groups: 27 % of them, rounded half up.

    Groups need at least two attempts to differ; below that there is no discrimination.
    """
    if attempts < 2:
        return 0
    return max(1, floor(attempts * UPPER_LOWER_SHARE + 0.5))


def upper_and_lower(attempts: Sequence[ScoredAttempt]) -> tuple[set[int], set[int]]:
    """Ids of the attempts in the upper and lower 27 % by score.

    Attempts are ranked by score, highest first; equal scores keep the order in which the
    attempts were made (lower id first), so the split is the same every time.
    """
    size = group_size(len(attempts))
    if not size:
        return set(), set()
    ranked = sorted(attempts, key=lambda attempt: (-attempt.score, attempt.id))
    return {a.id for a in ranked[:size]}, {a.id for a in ranked[-size:]}


def flags_for(facility: float | None, discrimination: float | None) -> tuple[str, ...]:
    found = []
    if facility is not None and facility > TOO_EASY:
        found.append("too_easy")
    if facility is not None and facility < TOO_HARD:
        found.append("too_hard")
    if discrimination is not None and discrimination < 0:
        found.append("negative_discrimination")
    return tuple(found)


def most_chosen_wrong(
    answers: Iterable[Answer], versions: Mapping[int, Sequence[Mapping[str, Any]]]
) -> tuple[str, int] | None:
    """The wrong choice that most answers picked, as (its text, how many picked it).

    `versions` maps a question version id to its choices ([{"id", "text", "is_correct"}]),
    so a choice is judged by the version the learner saw. Its text is taken from the newest
    version that has it. Equal counts: the choice listed first in that version wins.
    """
    counts: Counter[int] = Counter()
    texts: dict[int, tuple[int, int, str]] = {}  # choice id: (version id, position, text)
    for answer in answers:
        choices = versions.get(answer.version_id, [])
        wrong = {choice["id"] for choice in choices if not choice["is_correct"]}
        counts.update(choice_id for choice_id in set(answer.choice_ids) if choice_id in wrong)
        for position, choice in enumerate(choices):
            known = texts.get(choice["id"])
            if known is None or known[0] < answer.version_id:
                texts[choice["id"]] = (answer.version_id, position, choice["text"])
    if not counts:
        return None
    choice_id = min(counts, key=lambda i: (-counts[i], texts[i][1], i))
    return texts[choice_id][2], counts[choice_id]


def item_statistics(
    question_ids: Sequence[int],
    attempts: Sequence[ScoredAttempt],
    answers: Sequence[Answer],
    versions: Mapping[int, Sequence[Mapping[str, Any]]],
) -> list[ItemStats]:
    """Facility, discrimination, most chosen wrong answer and flags of each question.

    Facility: right answers / answers. Discrimination: facility among the upper 27 % of
    attempts by score minus facility among the lower 27 % (None when either group has no
    answer to the question). Only answers of `attempts` count.
    """
    counted = {attempt.id for attempt in attempts}
    upper, lower = upper_and_lower(attempts)
    by_question: dict[int, list[Answer]] = {question_id: [] for question_id in question_ids}
    for answer in answers:
        if answer.attempt_id in counted and answer.question_id in by_question:
            by_question[answer.question_id].append(answer)

    def share(group: list[Answer]) -> float | None:
        return sum(a.is_correct for a in group) / len(group) if group else None

    found = []
    for question_id in question_ids:
        given = by_question[question_id]
        facility = share(given)
        high = share([a for a in given if a.attempt_id in upper])
        low = share([a for a in given if a.attempt_id in lower])
        discrimination = high - low if high is not None and low is not None else None
        wrong = most_chosen_wrong(given, versions)
        found.append(
            ItemStats(
                question_id=question_id,
                answers=len(given),
                right=sum(a.is_correct for a in given),
                facility=facility,
                discrimination=discrimination,
                wrong_choice=wrong[0] if wrong else None,
                wrong_count=wrong[1] if wrong else 0,
                flags=flags_for(facility, discrimination),
            )
        )
    return found


# --- Quiz item analysis: reads ------------------------------------------------------------


@dataclass
class ItemAnalysis:
    quiz: Quiz
    questions: list[Question]
    attempts: list[ScoredAttempt]
    items: dict[int, ItemStats]

    @property
    def upper_lower_size(self) -> int:
        return group_size(len(self.attempts))


def _learner_ids(course: Course, cohort: Cohort | None) -> Select:
    """The learners whose attempts count: enrolled in the cohort, or in any of the course's."""
    if cohort is not None:
        return select(Enrollment.user_id).where(Enrollment.cohort_id == cohort.id)
    return select(Enrollment.user_id).where(
        Enrollment.cohort_id.in_(select(Cohort.id).where(Cohort.course_id == course.id))
    )


def first_attempts(quiz: Quiz, learners: Select) -> Select:
    """Each learner's first submitted attempt at the quiz: (id, score)."""
    first = (
        select(QuizAttempt.user_id.label("user_id"), func.min(QuizAttempt.number).label("number"))
        .where(
            QuizAttempt.quiz_id == quiz.id,
            QuizAttempt.state == AttemptState.SUBMITTED,
            QuizAttempt.user_id.in_(learners),
        )
        .group_by(QuizAttempt.user_id)
        .subquery("first")
    )
    return (
        select(QuizAttempt.id, QuizAttempt.score)
        .join(
            first,
            and_(first.c.user_id == QuizAttempt.user_id, first.c.number == QuizAttempt.number),
        )
        .where(QuizAttempt.quiz_id == quiz.id)
    )


def item_analysis(course: Course, quiz: Quiz, cohort: Cohort | None = None) -> ItemAnalysis:
    """The item analysis of a quiz (questions loaded) over first attempts: three queries."""
    chosen = first_attempts(quiz, _learner_ids(course, cohort))
    attempts = [ScoredAttempt(key, score or 0) for key, score in db.session.execute(chosen)]
    answers = [
        Answer(attempt_id, question_id, version_id, tuple(choice_ids or ()), is_correct)
        for attempt_id, question_id, version_id, choice_ids, is_correct in db.session.execute(
            select(
                AttemptAnswer.attempt_id,
                AttemptAnswer.question_id,
                AttemptAnswer.question_version_id,
                AttemptAnswer.choice_ids,
                AttemptAnswer.is_correct,
            ).where(AttemptAnswer.attempt_id.in_(chosen.with_only_columns(QuizAttempt.id)))
        )
    ]
    versions = dict(
        db.session.execute(
            select(QuestionVersion.id, QuestionVersion.choices).where(
                QuestionVersion.question_id.in_([q.id for q in quiz.questions])
            )
        ).all()
    )
    answered = {answer.question_id for answer in answers}
    # Archived questions stay in the report while first attempts still hold answers to them.
    questions = [q for q in quiz.questions if not q.is_archived or q.id in answered]
    stats = item_statistics([q.id for q in questions], attempts, answers, versions)
    return ItemAnalysis(quiz, questions, attempts, {item.question_id: item for item in stats})


# --- Course summary -----------------------------------------------------------------------


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
