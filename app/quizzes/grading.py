"""Reading a submitted quiz form and grading it: pure functions, with no database or request.

Every question is worth one point and is right only when the learner chose exactly its
right choices (no partial credit for multiple-choice questions). The score is the share
of right questions in per cent, rounded down, so a learner passes exactly when
right * 100 >= pass_mark * questions.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _

FIELD_PREFIX = "q-"


@dataclass(frozen=True)
class AnswerKey:
    """What the grader knows of one question: its choices and which of them are right."""

    question_id: int
    choice_ids: tuple[int, ...]
    right_ids: frozenset[int]
    allows_several: bool


@dataclass(frozen=True)
class Grade:
    right_question_ids: frozenset[int]
    right_count: int
    question_count: int
    score: int
    is_passed: bool


class AnswerProblems(ValueError):
    """A form that cannot be graded: a sentence per question, and sentences for the form."""

    def __init__(self, by_question: dict[int, str], for_form: list[str]):
        super().__init__("; ".join([*for_form, *by_question.values()]))
        self.by_question = by_question
        self.for_form = for_form


def field_name(question_id: int) -> str:
    return f"{FIELD_PREFIX}{question_id}"


def read_answers(
    keys: Sequence[AnswerKey], form: Mapping[str, Sequence[str]]
) -> dict[int, frozenset[int]]:
    """The chosen choice ids of each question, from form fields `q-<question id>`.

    Raises AnswerProblems, and reads nothing, when a question is unanswered, a single-answer
    question has several answers, a value is not a choice of its question, or the form
    answers a question that is not in the attempt.
    """
    by_question: dict[int, str] = {}
    answers: dict[int, frozenset[int]] = {}
    for key in keys:
        values = list(form.get(field_name(key.question_id), ()))
        # Compared as text, so that no value (however long or odd) is ever converted.
        offered = {str(choice_id): choice_id for choice_id in key.choice_ids}
        chosen = set()
        for value in values:
            if value not in offered:
                by_question[key.question_id] = _(
                    "That answer is not one of this question's choices. Choose again."
                )
                break
            chosen.add(offered[value])
        else:
            if not chosen:
                by_question[key.question_id] = (
                    _("Choose one or more answers.")
                    if key.allows_several
                    else _("Choose an answer.")
                )
            elif len(chosen) > 1 and not key.allows_several:
                by_question[key.question_id] = _("Choose only one answer.")
            else:
                answers[key.question_id] = frozenset(chosen)
    asked = {field_name(key.question_id) for key in keys}
    strangers = [name for name in form if name.startswith(FIELD_PREFIX) and name not in asked]
    for_form = (
        [_("The form answered questions that are not in this attempt. Answer the questions below.")]
        if strangers
        else []
    )
    if by_question or for_form:
        raise AnswerProblems(by_question, for_form)
    return answers


def grade(
    keys: Sequence[AnswerKey], answers: Mapping[int, frozenset[int]], pass_mark: int
) -> Grade:
    """Grade answers against their keys; a question without an answer counts as wrong."""
    right = frozenset(
        key.question_id for key in keys if answers.get(key.question_id) == key.right_ids
    )
    total = len(keys)
    score = len(right) * 100 // total if total else 0
    return Grade(
        right_question_ids=right,
        right_count=len(right),
        question_count=total,
        score=score,
        is_passed=total > 0 and len(right) * 100 >= pass_mark * total,
    )
