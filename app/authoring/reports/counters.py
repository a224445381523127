"""Whether the progress report's counters say what their rows say (`flask reports
check-counters`, and the tests after each step a learner or the staff take)."""

from dataclasses import dataclass

from sqlalchemy import or_, select

from app.core import events
from app.extensions import db
from app.learning.counter_operations import lessons_done_count
from app.learning.models import Enrollment
from app.quizzes.models import QuizBest
from app.quizzes.operations import best_scores


@dataclass(frozen=True)
class CounterDifference:
    """A counter that differs from the count of its rows."""

    counter: str  # "lessons_done", "sessions_attended" (of an enrolment) or "best_score"
    user_id: int
    of: str  # "enrolment 12" or "quiz 3"
    stored: int | None  # None: no row stored (a best score missing)
    counted: int | None  # None: nothing to count (a best score with no attempt left)

    def __str__(self) -> str:
        return (
            f"{self.counter} of {self.of} (user {self.user_id}): "
            f"stored {self.stored}, counted {self.counted}"
        )


def counter_differences() -> list[CounterDifference]:
    """Every counter that its rows contradict (none when all are right): three queries, each
    reading every enrolment or best score once."""
    table = Enrollment.__table__
    lessons = lessons_done_count(table)
    sessions = events.sessions_attended_count(table)
    found = []
    for row in db.session.execute(
        select(
            table.c.id,
            table.c.user_id,
            table.c.lessons_done,
            lessons,
            table.c.sessions_attended,
            sessions,
        )
        .where(or_(table.c.lessons_done != lessons, table.c.sessions_attended != sessions))
        .order_by(table.c.id)
    ):
        enrollment_id, user_id, stored_lessons, counted_lessons, stored_sessions, attended = row
        for name, stored, counted in (
            ("lessons_done", stored_lessons, counted_lessons),
            ("sessions_attended", stored_sessions, attended),
        ):
            if stored != counted:
                found.append(
                    CounterDifference(name, user_id, f"enrolment {enrollment_id}", stored, counted)
                )
    stored_bests = {
        (user_id, quiz_id): score
        for user_id, quiz_id, score in db.session.execute(
            select(QuizBest.user_id, QuizBest.quiz_id, QuizBest.best_score)
        )
    }
    counted_bests = {
        (user_id, quiz_id): score for user_id, quiz_id, score in db.session.execute(best_scores())
    }
    for user_id, quiz_id in sorted(stored_bests.keys() | counted_bests.keys()):
        stored, counted = (
            stored_bests.get((user_id, quiz_id)),
            counted_bests.get((user_id, quiz_id)),
        )
        if stored != counted:
            found.append(
                CounterDifference("best_score", user_id, f"quiz {quiz_id}", stored, counted)
            )
    return found
