"""A learner's attempts at a module quiz, and the answers each attempt stored."""

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalog.models import Question, QuestionVersion, Quiz
from app.core.types import UTCDateTime, string_enum, utcnow
from app.extensions import db


class AttemptState(StrEnum):
    STARTED = "started"
    SUBMITTED = "submitted"


class QuizAttempt(db.Model):
    """One try at a quiz: its questions in the order shown, then its answers and score.

    `number` counts a learner's attempts at a quiz from 1; the unique constraint means two
    tabs starting at once make one attempt, and the state moves from started to submitted
    once, so a second submission of the same attempt is never graded.
    """

    __tablename__ = "quiz_attempts"
    __table_args__ = (UniqueConstraint("quiz_id", "user_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    state: Mapped[AttemptState] = mapped_column(
        string_enum(AttemptState), default=AttemptState.STARTED
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The questions as this attempt shows them, each at the version it was when the attempt
    # started: [{"question": id, "version": question version id, "choices": [id, ...]}, ...]
    layout: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    correct_count: Mapped[int | None]
    question_count: Mapped[int]
    score: Mapped[int | None]  # per cent, rounded down

    quiz: Mapped[Quiz] = relationship()
    answers: Mapped[list["AttemptAnswer"]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan"
    )

    @property
    def is_submitted(self) -> bool:
        return self.state == AttemptState.SUBMITTED

    @property
    def is_passing(self) -> bool:
        """Whether the score reaches the quiz's pass mark as it is now."""
        return self.score is not None and self.score >= self.quiz.pass_mark

    def question_ids(self) -> list[int]:
        return [item["question"] for item in self.layout]

    def answer_for(self, question_id: int) -> "AttemptAnswer | None":
        return next((a for a in self.answers if a.question_id == question_id), None)

    def __repr__(self) -> str:
        return f"<QuizAttempt {self.number} of quiz {self.quiz_id} by user {self.user_id}>"


class QuizBest(db.Model):
    """A learner's best submitted score at a quiz, raised when an attempt is graded
    (`quizzes.operations.keep_best_score`): the progress report's quiz columns. Attempts belong
    to the learner and the quiz, not to a cohort, so the best does too; whether it passes is
    read against the quiz's pass mark of the day."""

    __tablename__ = "quiz_bests"
    __table_args__ = (
        UniqueConstraint("user_id", "quiz_id"),  # one best a learner and quiz (ON CONFLICT)
        Index("ix_quiz_bests_quiz_best_score", "quiz_id", "best_score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)  # every row has one (flask integrity)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    best_score: Mapped[int]

    def __repr__(self) -> str:
        return f"<QuizBest user {self.user_id} quiz {self.quiz_id}: {self.best_score}>"


class AttemptAnswer(db.Model):
    """The choices a learner gave to one question in one attempt, and whether they were right."""

    __tablename__ = "attempt_answers"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    # The version of the question the learner answered.
    question_version_id: Mapped[int] = mapped_column(
        ForeignKey("question_versions.id", ondelete="CASCADE"), index=True
    )
    # Choice ids, not foreign keys: the answer stays readable if a choice is later removed.
    choice_ids: Mapped[list[int]] = mapped_column(JSON)
    is_correct: Mapped[bool]

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()
    question_version: Mapped[QuestionVersion] = relationship()

    def __repr__(self) -> str:
        return f"<AttemptAnswer attempt {self.attempt_id} question {self.question_id}>"


class AttemptGrant(db.Model):
    """Attempts the course team gave a learner at a quiz beyond the quiz's limit."""

    __tablename__ = "quiz_attempt_grants"
    __table_args__ = (UniqueConstraint("user_id", "quiz_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    extra: Mapped[int] = mapped_column(default=0)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class QuizRecord:
    """A learner's attempts at one quiz, and the rules on what they may do next;
    `extra_attempts` the course team gave them beyond the quiz's limit."""

    def __init__(self, quiz: Quiz, attempts: list[QuizAttempt], extra_attempts: int = 0):
        self.quiz = quiz
        self.attempts = sorted(attempts, key=lambda attempt: attempt.number)
        self.extra_attempts = extra_attempts or 0

    @property
    def submitted(self) -> list[QuizAttempt]:
        return [attempt for attempt in self.attempts if attempt.is_submitted]

    @property
    def open_attempt(self) -> QuizAttempt | None:
        return next((a for a in self.attempts if not a.is_submitted), None)

    @property
    def best_score(self) -> int | None:
        scores = [attempt.score for attempt in self.submitted if attempt.score is not None]
        return max(scores) if scores else None

    @property
    def is_passed(self) -> bool:
        """The best score counts: passed when any attempt reaches the pass mark."""
        return any(self.passes(attempt) for attempt in self.submitted)

    def passes(self, attempt: QuizAttempt) -> bool:
        """Whether an attempt's score reaches the pass mark (the record's quiz, already loaded,
        not the attempt's: a shared outline's quiz is not in the request's session)."""
        return attempt.score is not None and attempt.score >= self.quiz.pass_mark

    @property
    def attempts_left(self) -> int | None:
        if self.quiz.max_attempts is None:
            return None
        return max(self.quiz.max_attempts + self.extra_attempts - len(self.attempts), 0)

    def next_start_at(self) -> datetime | None:
        """When the waiting time after the last submitted attempt ends."""
        finished = [a.submitted_at for a in self.submitted if a.submitted_at is not None]
        if not finished or not self.quiz.wait_minutes:
            return None
        return max(finished) + timedelta(minutes=self.quiz.wait_minutes)

    def can_start(self, now: datetime) -> bool:
        if self.open_attempt is not None or self.attempts_left == 0:
            return False
        next_at = self.next_start_at()
        return next_at is None or now >= next_at

    def shows_answers(self) -> bool:
        """Whether submitted attempts may show each question's right answer and explanation."""
        return self.quiz.shows_answers_every_attempt or self.is_passed

    def __repr__(self) -> str:
        return f"<QuizRecord quiz {self.quiz.id}: {len(self.attempts)} attempts>"
