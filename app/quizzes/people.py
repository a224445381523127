"""What the quizzes package keeps about a person: their attempts and answers (their part of
the personal-data download and of erasure: app/core/events.py)."""

from typing import Any

from sqlalchemy import delete, select

from app.core.types import iso_or_none
from app.extensions import db
from app.quizzes.models import AttemptAnswer, AttemptGrant, QuizAttempt, QuizBest
from app.quizzes.queries import attempts_of


def personal_data(user) -> dict[str, Any]:
    return {
        "quiz_attempts": [
            {
                "course": attempt.quiz.module.course.title,
                "quiz": attempt.quiz.title,
                "number": attempt.number,
                "started_at": attempt.started_at.isoformat(),
                "submitted_at": iso_or_none(attempt.submitted_at),
                "score": attempt.score,
                "answers": [
                    {
                        "question": answer.question_version.prompt,
                        "chosen": [
                            choice["text"]
                            for choice in answer.question_version.choices
                            if choice["id"] in answer.choice_ids
                        ],
                        "is_right": answer.is_correct,
                    }
                    for answer in attempt.answers
                ],
            }
            for attempt in attempts_of(user)
        ],
        "extra_quiz_attempts": [
            {"quiz": grant.quiz_id, "extra": grant.extra, "given_at": grant.granted_at.isoformat()}
            for grant in db.session.scalars(
                select(AttemptGrant).where(AttemptGrant.user_id == user.id)
            )
        ],
    }


def erase_person(user) -> list[str]:
    attempts = select(QuizAttempt.id).where(QuizAttempt.user_id == user.id)
    db.session.execute(delete(AttemptAnswer).where(AttemptAnswer.attempt_id.in_(attempts)))
    db.session.execute(delete(QuizAttempt).where(QuizAttempt.user_id == user.id))
    db.session.execute(delete(AttemptGrant).where(AttemptGrant.user_id == user.id))
    db.session.execute(delete(QuizBest).where(QuizBest.user_id == user.id))
    return []
