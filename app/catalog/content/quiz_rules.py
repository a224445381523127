"""The rules of a quiz question's choices and right answers, for quiz.yaml and the quiz editor.

`question_problems` alone decides what is wrong; the course reader words each problem for a
file (with its line), the quiz editor for a form (translated, beside the field it is about).
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum


class QuestionRule(StrEnum):
    """A rule of a question's choices and right answers."""

    # A true or false question has no choices of its own (they are True and False)...
    TRUE_FALSE_WITH_CHOICES = "true_false_with_choices"
    # ...and one right answer: 1 for true, 2 for false.
    TRUE_FALSE_WITHOUT_ANSWER = "true_false_without_answer"
    # Any other question has two choices or more...
    TOO_FEW_CHOICES = "too_few_choices"
    # ...at least one of them right...
    NO_RIGHT_CHOICE = "no_right_choice"
    # ...each right one the position of one of its choices...
    RIGHT_OUT_OF_RANGE = "right_out_of_range"
    # ...and a single question exactly one.
    SEVERAL_RIGHT = "several_right"

    @property
    def topic(self) -> str:
        """What the rule is about: "choices" or "right" (the right answers)."""
        return "choices" if self in _ABOUT_CHOICES else "right"


_ABOUT_CHOICES = {QuestionRule.TRUE_FALSE_WITH_CHOICES, QuestionRule.TOO_FEW_CHOICES}


@dataclass(frozen=True)
class QuestionProblem:
    rule: QuestionRule
    # RIGHT_OUT_OF_RANGE: the position marked right; SEVERAL_RIGHT: how many are marked.
    number: int = 0


def question_problems(
    kind: str, choices: Sequence[str] | None, right: Collection[int] | None
) -> list[QuestionProblem]:
    """What is wrong with a question's choices and right answers, in the order to say it.

    `kind` is "single", "multiple" or "true_false"; `choices` is None when the question gives
    none; `right` holds the positions (from 1) of the right choices, or is None when they could
    not be read, and then only the choices are checked. A true or false question can break
    both of its rules at once; any other question is told its first problem only.
    """
    if kind == "true_false":
        problems = []
        if choices is not None:
            problems.append(QuestionProblem(QuestionRule.TRUE_FALSE_WITH_CHOICES))
        if right is None or len(right) != 1 or not set(right) <= {1, 2}:
            problems.append(QuestionProblem(QuestionRule.TRUE_FALSE_WITHOUT_ANSWER))
        return problems
    count = len(choices or ())
    if count < 2:
        return [QuestionProblem(QuestionRule.TOO_FEW_CHOICES)]
    if right is None:
        return []
    if not right:
        return [QuestionProblem(QuestionRule.NO_RIGHT_CHOICE)]
    for number in right:
        if not 1 <= number <= count:
            return [QuestionProblem(QuestionRule.RIGHT_OUT_OF_RANGE, number)]
    if kind == "single" and len(right) > 1:
        return [QuestionProblem(QuestionRule.SEVERAL_RIGHT, len(right))]
    return []
