"""Reads of a learner's quiz attempts, always through the learner: nobody reads another's."""

from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import defer, selectinload

from app.catalog.models import Question, Quiz
from app.core import events
from app.extensions import db
from app.quizzes.models import AttemptAnswer, AttemptGrant, QuizAttempt, QuizRecord


def quiz_record(user, quiz: Quiz, *, questions: bool = True) -> QuizRecord:
    """The learner's attempts at a quiz, with their answers, and (unless `questions` is
    False: an attempt's page reads its own) the quiz's questions loaded."""
    if questions:
        # Loads quiz.questions and their choices onto the quiz already in the session.
        db.session.scalars(
            select(Quiz)
            .where(Quiz.id == quiz.id)
            .options(selectinload(Quiz.questions).selectinload(Question.choices))
        ).all()
    rows = db.session.execute(
        select(QuizAttempt, _granted())
        .where(QuizAttempt.quiz_id == quiz.id, QuizAttempt.user_id == user.id)
        .options(selectinload(QuizAttempt.answers))
    ).all()
    return QuizRecord(quiz, [attempt for attempt, _ in rows], _extra(rows))


def _granted():
    """The attempts given beyond the limit, read with each attempt (a grant is only of use
    to someone who has used their attempts, so never without one): no query of its own."""
    return (
        select(AttemptGrant.extra)
        .where(
            AttemptGrant.user_id == QuizAttempt.user_id,
            AttemptGrant.quiz_id == QuizAttempt.quiz_id,
        )
        .scalar_subquery()
    )


def _extra(rows) -> int:
    return max((extra or 0 for _, extra in rows), default=0)


@cache
def _attempts_query() -> Select:
    return (
        select(QuizAttempt, _granted())
        .where(
            QuizAttempt.user_id == bindparam("user_id"),
            QuizAttempt.quiz_id.in_(bindparam("quiz_ids", expanding=True)),
        )
        .options(defer(QuizAttempt.layout))
    )


@events.quiz_records.provide
def quiz_records(user, courses) -> dict[int, dict[int, QuizRecord]]:
    """A learner's record at each published quiz of these courses (outlines), by course id
    and quiz id: one query (for learning.queries.learner_facts)."""
    quizzes = {
        quiz.id: (course.id, quiz) for course in courses for quiz in course.published_quizzes()
    }
    rows = db.session.execute(
        _attempts_query(), {"user_id": user.id, "quiz_ids": list(quizzes)}
    ).all()
    by_quiz: dict[int, list] = {quiz_id: [] for quiz_id in quizzes}
    for attempt, extra in rows:
        by_quiz[attempt.quiz_id].append((attempt, extra))
    found: dict[int, dict[int, QuizRecord]] = {course.id: {} for course in courses}
    for quiz_id, (course_id, quiz) in quizzes.items():
        found[course_id][quiz_id] = QuizRecord(
            quiz, [attempt for attempt, _ in by_quiz[quiz_id]], _extra(by_quiz[quiz_id])
        )
    return found


def attempts_of(user) -> list[QuizAttempt]:
    """Every quiz attempt of a person, oldest first, with its answers and the versions of the
    questions they answered."""
    return list(
        db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user.id)
            .options(
                selectinload(QuizAttempt.quiz).selectinload(Quiz.module),
                selectinload(QuizAttempt.answers).selectinload(AttemptAnswer.question_version),
            )
            .order_by(QuizAttempt.started_at, QuizAttempt.id)
        )
    )
