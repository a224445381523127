"""Reads of a learner's quiz attempts, always through the learner: nobody reads another's."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.catalog.models import Question, Quiz
from app.extensions import db
from app.quizzes.models import QuizAttempt, QuizRecord


def quiz_record(user, quiz: Quiz) -> QuizRecord:
    """The learner's attempts at a quiz, with their answers, and the quiz's questions loaded."""
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
