"""The progress report's counters set afresh from their rows (the counters themselves are kept
by the operations of each step: learning/counter_operations.py, quizzes.operations)."""

from app.learning.counter_operations import recount_enrollments
from app.quizzes.operations import recount_best_scores


def recompute_counters() -> int:
    """Set every enrolment's counters and every best score from the rows they count, in three
    statements; return how many enrolments were set. For a bulk load that bypassed the
    operations (bench/seed.py) and for `flask reports check-counters --fix`."""
    enrollments = recount_enrollments()
    recount_best_scores()
    return enrollments
