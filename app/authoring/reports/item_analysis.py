"""Quiz item analysis, the reads: each learner's first submitted attempt, in three queries;
the figures come from `item_statistics`."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Select,
    and_,
    func,
    select,
)
from sqlalchemy.orm import selectinload

from app.authoring.reports.item_statistics import (
    Answer,
    ItemStats,
    ScoredAttempt,
    group_size,
    item_statistics,
)
from app.catalog.models import (
    Cohort,
    Course,
    Module,
    Question,
    QuestionVersion,
    Quiz,
)
from app.core.listing import FilterForm, FilterSelect
from app.extensions import db
from app.learning.models import Enrollment
from app.quizzes.models import AttemptAnswer, AttemptState, QuizAttempt

ANALYSIS_OUTLINE = (
    selectinload(Course.modules).selectinload(Module.quiz).selectinload(Quiz.questions),
    selectinload(Course.cohorts),
)


def find_quiz_module(course: Course, module_slug: str) -> Module | None:
    """A module of a course (outline loaded) that has a quiz, in any state."""
    return next((m for m in course.modules if m.slug == module_slug and m.quiz is not None), None)


class ItemAnalysisFilters(FilterForm):
    """The cohort whose first attempts count (every cohort by default)."""

    submit_label = _l("Show")

    cohort = FilterSelect(_l("Cohort"), _l("Every cohort"), id="filter-cohort")


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


def quiz_item_analysis(course: Course, quiz: Quiz, cohort: Cohort | None = None) -> ItemAnalysis:
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
