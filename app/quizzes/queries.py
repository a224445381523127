"""Reads of a learner's quiz attempts, always through the learner: nobody reads another's."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.catalog.models import Question, Quiz
from app.extensions import db
from app.quizzes.models import AttemptAnswer, QuizAttempt, QuizRecord


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
    attempts = db.session.scalars(
        select(QuizAttempt)
        .where(QuizAttempt.quiz_id == quiz.id, QuizAttempt.user_id == user.id)
        .options(selectinload(QuizAttempt.answers))
    ).all()
    return QuizRecord(quiz, list(attempts))


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
