"""A cohort's progress report: each learner's lessons, best quiz scores, live sessions and
completion, as a page and as a CSV file.

The figures are counters kept on each enrolment and each learner's quiz (lessons done,
sessions attended, best scores: learning/counter_operations.py, quizzes.operations.
keep_best_score), so a page reads one page of enrolments by an index however many learners
and progress rows there are. Lessons learners do not see (archived, unpublished, scheduled)
are counted by the counter and taken off here, from their few progress rows.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import (
    ColumnElement,
    Select,
    case,
    exists,
    func,
    literal,
    select,
)
from sqlalchemy.orm import aliased, selectinload
from wtforms import SelectChoice

from app.accounts.models import User
from app.catalog.models import (
    Cohort,
    Course,
    Lesson,
    Module,
    Quiz,
)
from app.core.i18n import current_language
from app.core.listing import FilterSelect, Page, SortedFilterForm, search_field
from app.core.places import countries, country_name
from app.core.search import contains_text
from app.core.templating import course_text
from app.extensions import db
from app.learning.models import Enrollment, LessonProgress
from app.quizzes.models import QuizBest

PROGRESS_OUTLINE = (
    selectinload(Course.modules).selectinload(Module.lessons),
    selectinload(Course.modules).selectinload(Module.quiz),
    selectinload(Course.cohorts),
)


def visible_lessons(course: Course) -> list[Lesson]:
    """The lessons learners see, the ones the completion rule counts."""
    return [lesson for module in course.visible_modules() for lesson in module.published_lessons()]


def percent(done: int, total: int) -> int | None:
    """Share done in whole per cent, rounded down (100 only when all is done)."""
    return done * 100 // total if total else None


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


def known_country(value: str) -> str:
    code = value.upper()
    if code not in dict(countries()):
        raise ValueError(value)
    return code


def yes_or_no(value: str) -> str:
    if value not in ("yes", "no"):
        raise ValueError(value)
    return value


class ProgressFilters(SortedFilterForm):
    """The progress table's search, filters and sort, read from the query string."""

    is_search = True
    text_sorts = TEXT_SORTS

    q = search_field(_l("Name, e-mail or organisation"), id="filter-q")
    country = FilterSelect(
        _l("Country"), _l("All countries"), coerce=known_country, id="filter-country"
    )
    completed = FilterSelect(
        _l("Completed"),
        _l("Everyone"),
        coerce=yes_or_no,
        choices=[
            SelectChoice("yes", _l("Completed")),
            SelectChoice("no", _l("Not completed yet")),
        ],
        id="filter-completed",
    )
    not_passed = FilterSelect(
        _l("Quiz not passed yet"), _l("Any quiz"), coerce=str, id="filter-not-passed"
    )

    @property
    def completed_value(self) -> bool | None:
        """True: only those who completed; False: only the others; None: everyone."""
        return None if self.completed.data is None else self.completed.data == "yes"


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
        sort, descending = self.filters.sort.data, self.filters.descending
        if sort in SORT_TEXTS:
            return escape(str(SORT_TEXTS[sort][descending]))
        quiz = next(quiz for quiz in self.quizzes if f"quiz-{quiz.id}" == sort)
        title = course_text(quiz.title, self.course.language)
        if descending:
            text = _("sorted by best score in %(quiz)s, highest first")
        else:
            text = _("sorted by best score in %(quiz)s, lowest first")
        return escape(text) % {"quiz": title}

    def _where(self) -> list[ColumnElement[bool]]:
        conditions = [Enrollment.cohort_id == self.cohort.id]
        if self.filters.q.data:
            conditions.append(
                contains_text(self.filters.q.data, User.name, User.email, User.organisation)
            )
        if self.filters.country.data:
            conditions.append(User.country == self.filters.country.data)
        if self.filters.completed_value is True:
            conditions.append(Enrollment.completed_at.is_not(None))
        elif self.filters.completed_value is False:
            conditions.append(Enrollment.completed_at.is_(None))
        quiz = self.not_passed_quiz
        if quiz is not None:
            conditions.append(
                ~exists().where(
                    QuizBest.user_id == Enrollment.user_id,
                    QuizBest.quiz_id == quiz.id,
                    QuizBest.best_score >= quiz.pass_mark,
                )
            )
        return conditions

    @property
    def not_passed_quiz(self) -> Quiz | None:
        """The quiz the learners shown have not passed yet (the filter), if one is chosen."""
        chosen = self.filters.not_passed.data
        return next((quiz for quiz in self.quizzes if str(quiz.id) == chosen), None)

    def recipients_statement(self) -> Select:
        """The matching learners who can be written to: (user id, address), for a message."""
        return (
            select(User.id, User.email)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(*self._where(), User.is_active.is_(True), User.deleted_at.is_(None))
        )

    def count_statement(self) -> Select:
        """How many learners match: from the cohort's index alone unless a filter reads the
        learner's account."""
        statement = select(func.count()).select_from(Enrollment)
        if self.filters.q.data or self.filters.country.data:
            statement = statement.join(User, User.id == Enrollment.user_id)
        return statement.where(*self._where())

    def _lessons_done(self) -> ColumnElement[int]:
        """The enrolment's lessons done, less those learners do not see now (from the few
        progress rows of those lessons, by the learner's own index)."""
        unseen_ids = self.unseen_lesson_ids()
        if not unseen_ids:
            return Enrollment.lessons_done
        unseen = (
            select(func.count())
            .select_from(LessonProgress)
            .where(
                LessonProgress.user_id == Enrollment.user_id,
                LessonProgress.lesson_id.in_(unseen_ids),
            )
            .scalar_subquery()
        )
        return Enrollment.lessons_done - unseen

    def statement(self, *, figures: bool = True, every_row: bool = False) -> Select:
        """Every matching learner, sorted: with their figures (their enrolment's counters and
        their best score at each quiz), or, when not `figures`, only their enrolment's id (to
        find a page, reading only what the sort needs). A page's few rows read each best score
        by its key; `every_row` (the CSV) joins each quiz's best scores once instead."""
        lessons_done = self._lessons_done()
        columns: dict[str, Any] = {
            "lessons": lessons_done,
            "live": Enrollment.sessions_attended,
            "completed": Enrollment.completed_at,
            "name": func.lower(User.name),
            "organisation": func.lower(User.organisation),
            "country": self._country_rank(),
        }
        statement = (
            select(Enrollment.id.label("enrollment_id"))
            .select_from(Enrollment)
            .join(User, User.id == Enrollment.user_id)
        )
        key = self.filters.sort.data
        for quiz in self.quizzes:
            # Over every row (the CSV, or the sort by this quiz): one join, not a lookup a row.
            if every_row or (not figures and key == f"quiz-{quiz.id}"):
                best = aliased(QuizBest, name=f"best_{quiz.id}")
                statement = statement.outerjoin(
                    best, (best.user_id == Enrollment.user_id) & (best.quiz_id == quiz.id)
                )
                columns[f"quiz-{quiz.id}"] = best.best_score
            else:
                columns[f"quiz-{quiz.id}"] = (
                    select(QuizBest.best_score)
                    .where(QuizBest.user_id == Enrollment.user_id, QuizBest.quiz_id == quiz.id)
                    .scalar_subquery()
                )
        if figures:
            statement = statement.add_columns(
                User.id,
                User.name,
                User.email,
                User.organisation,
                User.country,
                Enrollment.completed_at,
                lessons_done.label("lessons_done"),
                Enrollment.sessions_attended,
                *(columns[f"quiz-{quiz.id}"] for quiz in self.quizzes),
            )
        sort = columns.get(key, columns["name"])
        blank = {
            "organisation": User.organisation == "",
            "country": User.country == "",
            "completed": Enrollment.completed_at.is_(None),
        }.get(key, sort.is_(None) if key.startswith("quiz-") else None)
        order = []
        if blank is not None:  # blanks (no score, no country, not completed) last either way
            order.append(case((blank, 1), else_=0))
        order.append(sort.desc() if self.filters.descending else sort.asc())
        if key != "name":
            order.append(func.lower(User.name))
        order.append(User.id)  # by name, then id: ix_users_lower_name gives a page in order
        return statement.where(*self._where()).order_by(*order)

    def unseen_lesson_ids(self) -> list[int]:
        """The course's lessons learners do not see now: their counters count them, the report
        does not (as the completion rule does not)."""
        seen = {lesson.id for lesson in self.lessons}
        return [
            lesson.id
            for module in self.course.modules
            for lesson in module.lessons
            if lesson.id not in seen
        ]

    def _country_rank(self) -> ColumnElement:
        """Countries sort by their name in the reader's language, not their code (Iraq before
        Korea, KR)."""
        ranks = {code: rank for rank, (code, _name) in enumerate(self.countries)}
        if not ranks:
            return literal(0)
        return case(ranks, value=User.country, else_=len(ranks))

    def row(self, values: Sequence[Any]) -> ProgressRow:
        (_enrollment_id, user_id, name, email, organisation, country, completed_at) = values[:7]
        done, attended = values[7:9]
        return ProgressRow(
            user_id=user_id,
            name=name,
            email=email,
            organisation=organisation,
            country=country,
            lessons_done=done,
            lessons_percent=percent(done, len(self.lessons)),
            scores=tuple(values[9:]),
            attended=attended,
            completed_at=completed_at,
        )

    def page(self, per_page: int) -> Page:
        """The page of rows the query string asks for, in three queries: a count, the page's
        enrolments in order (an index-sized read), and their figures."""
        page = Page.of(
            self.statement(figures=False),
            per_page,
            filters=self.filters,
            count=self.count_statement(),
        )
        if not page.items:
            return page
        found = {
            values[0]: self.row(values)
            for values in db.session.execute(
                self.statement().where(Enrollment.id.in_(page.items)).order_by(None)
            )
        }
        return replace(page, items=[found[enrollment_id] for enrollment_id in page.items])

    def stream(self, batch: int = 500) -> Iterator[ProgressRow]:
        """Every matching row, fetched in batches (a server-side cursor on PostgreSQL)."""
        result = db.session.execute(
            self.statement(every_row=True).execution_options(yield_per=batch)
        )
        for values in result:
            yield self.row(values)


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


def progress_report(course: Course, cohort: Cohort) -> ProgressReport:
    """The progress report of a cohort (course outline loaded), as the query string asks."""
    quizzes = course.published_quizzes()
    found = cohort_countries(cohort, current_language())
    filters = ProgressFilters.read(
        sort_keys=[*NUMBER_SORTS, *(f"quiz-{quiz.id}" for quiz in quizzes)],
        country=found,
        not_passed=[
            SelectChoice(str(quiz.id), quiz.title, render_kw={"lang": course.language})
            for quiz in quizzes
        ],
    )
    return ProgressReport(
        course=course,
        cohort=cohort,
        filters=filters,
        lessons=visible_lessons(course),
        quizzes=quizzes,
        countries=found,
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
