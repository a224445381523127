"""Quiz item analysis, the statistics: pure functions of plain rows, without a database.

Facility, discrimination over the upper and lower 27 % of attempts, the most chosen wrong
answer, and the flags that tell an instructor what to look at.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from math import floor
from typing import Any

from flask_babel import lazy_gettext as _l

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
