"""Every write of the quiz editor: a quiz's settings, and adding, editing, moving and removing
its questions.

Editing a question updates its rows in place (choices matched by position, as the importer
does) and then keeps it as a new QuestionVersion, so learners' attempts keep the version they
were shown: their questions, choices, right answers, explanations and scores do not change.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError

from app.catalog.content.quiz_rules import QuestionProblem, QuestionRule, question_problems
from app.catalog.models import (
    Choice,
    Feedback,
    Module,
    Question,
    QuestionKind,
    QuestionVersion,
    Quiz,
    Status,
)
from app.catalog.operations import record_question_version
from app.catalog.outlines import outline_changed
from app.core import audit
from app.extensions import db

# The texts of a true or false question's two choices, as the importer writes them.
TRUE_FALSE_CHOICES = ("True", "False")


class QuizEditError(ValueError):
    """A change the editor refuses, with a sentence saying why and the form field it is about."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class VersionConflict(QuizEditError):
    """The question was saved by someone else since the form was shown."""


@dataclass(frozen=True)
class QuizSettings:
    title: str
    pass_mark: int
    max_attempts: int | None
    wait_minutes: int
    shuffle: bool
    feedback: Feedback
    status: Status = Status.DRAFT

    def values(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "pass_mark": self.pass_mark,
            "max_attempts": self.max_attempts,
            "wait_minutes": self.wait_minutes,
            "shuffle": self.shuffle,
            "feedback": self.feedback,
            "status": self.status,
        }


@dataclass(frozen=True)
class QuestionContent:
    """What a question says: its choices in order and the positions (from 1) of the right ones.

    A true or false question has no choices of its own: `right` is {1} for true, {2} for false.
    """

    kind: QuestionKind
    prompt: str
    explanation: str
    choices: tuple[str, ...] = ()
    right: frozenset[int] = field(default_factory=frozenset)

    def choice_rows(self) -> list[tuple[str, bool]]:
        """The choices a question keeps as rows: text and whether each is right."""
        texts = TRUE_FALSE_CHOICES if self.kind == QuestionKind.TRUE_FALSE else self.choices
        return [(text, position in self.right) for position, text in enumerate(texts, start=1)]


def content_problems(content: QuestionContent) -> list[tuple[str, str]]:
    """What is wrong with a question's choices and right answers, as (topic, sentence) pairs.

    The topic is "choices" or "right"; the rules are those of quiz.yaml (`question_problems`).
    """
    problems = question_problems(content.kind, content.choices or None, content.right)
    return [(problem.rule.topic, _in_words(problem, content.kind)) for problem in problems]


def _in_words(problem: QuestionProblem, kind: QuestionKind) -> str:
    """A broken rule of quiz questions, as the editor says it beside its field."""
    match problem.rule:
        case QuestionRule.TRUE_FALSE_WITH_CHOICES:
            return _(
                "A true or false question has no choices of its own (they are True and "
                "False): empty these boxes, or choose another kind of question."
            )
        case QuestionRule.TRUE_FALSE_WITHOUT_ANSWER:
            return _("Choose whether the statement is true or false.")
        case QuestionRule.TOO_FEW_CHOICES:
            return _("The question needs at least two choices.")
        case QuestionRule.RIGHT_OUT_OF_RANGE:
            return _("Only a choice with text can be marked as right.")
        case QuestionRule.NO_RIGHT_CHOICE if kind == QuestionKind.SINGLE:
            return _("The question has no right choice: mark the right choice.")
        case QuestionRule.NO_RIGHT_CHOICE:
            return _("The question has no right choice: mark every right choice.")
        case QuestionRule.SEVERAL_RIGHT:
            return ngettext(
                "A question with one right answer has exactly one right choice, but "
                "%(num)d is marked. Mark one, or make it a question with several right "
                "answers.",
                "A question with one right answer has exactly one right choice, but "
                "%(num)d are marked. Mark one, or make it a question with several right "
                "answers.",
                problem.number,
            )


def _where(module: Module) -> dict[str, Any]:
    return {"course": module.course.slug, "module": module.slug}


def _settings_problems(quiz: Quiz | None, settings: QuizSettings) -> None:
    if settings.status == Status.PUBLISHED and (quiz is None or not quiz.active_questions()):
        raise QuizEditError(
            _(
                "A quiz needs at least one question before it is published: keep it as a draft "
                "and add its questions first."
            ),
            field="status",
        )


def create_quiz(module: Module, settings: QuizSettings, *, actor) -> Quiz:
    """Give a module a quiz with these settings, as a draft until it has questions."""
    if module.quiz is not None:
        raise QuizEditError(_("This module has a quiz already."))
    settings = QuizSettings(**(settings.values() | {"status": Status.DRAFT}))
    quiz = Quiz(module=module, **settings.values())
    db.session.add(quiz)
    db.session.flush()
    outline_changed([module.course_id])
    audit.record("quiz.created", actor=actor, target=quiz, details=_where(module))
    return quiz


def update_quiz(quiz: Quiz, settings: QuizSettings, *, actor) -> list[str]:
    """Change a quiz's settings; the names of the settings that changed."""
    _settings_problems(quiz, settings)
    changed = []
    for name, value in settings.values().items():
        if getattr(quiz, name) != value:
            setattr(quiz, name, value)
            changed.append(name)
    if changed:
        db.session.flush()
        outline_changed([quiz.module.course_id])
        audit.record(
            "quiz.updated",
            actor=actor,
            target=quiz,
            details=_where(quiz.module) | {"changed": changed},
        )
    return changed


def _check_content(content: QuestionContent) -> None:
    problems = content_problems(content)
    if problems:
        topic, message = problems[0]
        raise QuizEditError(message, field=topic)


def _set_choices(question: Question, content: QuestionContent) -> None:
    """Update the question's choices by position, as the importer does; drop the ones left."""
    existing = {choice.position: choice for choice in question.choices}
    for position, (text, is_right) in enumerate(content.choice_rows(), start=1):
        choice = existing.pop(position, None)
        if choice is None:
            choice = Choice(position=position)
            question.choices.append(choice)
        choice.text, choice.is_correct = text, is_right
    for choice in existing.values():
        question.choices.remove(choice)


def add_question(quiz: Quiz, slug: str, content: QuestionContent, *, actor) -> Question:
    """Add a question at the end of the quiz, with its first version."""
    _check_content(content)
    if any(question.slug == slug for question in quiz.questions):
        removed = next(q for q in quiz.questions if q.slug == slug).is_archived
        raise QuizEditError(
            _(
                "The id '%(slug)s' belonged to a question that was removed from this quiz; "
                "choose another id.",
                slug=slug,
            )
            if removed
            else _(
                "The id '%(slug)s' is used by another question of this quiz; choose another id.",
                slug=slug,
            ),
            field="slug",
        )
    question = Question(
        slug=slug,
        position=max((q.position for q in quiz.questions), default=0) + 1,
        kind=content.kind,
        prompt=content.prompt,
        explanation=content.explanation,
        is_archived=False,
    )
    try:
        with db.session.begin_nested():  # another editor may add the same id at this moment
            quiz.questions.append(question)
            _set_choices(question, content)
            db.session.flush()  # choices get their ids, which the version keeps
            version = record_question_version(question)
            db.session.flush()
    except IntegrityError as error:
        raise QuizEditError(
            _(
                "The id '%(slug)s' was given to another question a moment ago; choose another id.",
                slug=slug,
            ),
            field="slug",
        ) from error
    audit.record(
        "question.added",
        actor=actor,
        target=question,
        details=_where(quiz.module) | {"question": slug, "version": version.number},
    )
    return question


def current_version_number(question: Question) -> int:
    """The number of the question's latest version (0 for one that has none yet)."""
    latest = question.current_version
    return latest.number if latest else 0


def update_question(
    question: Question, content: QuestionContent, *, actor, seen_version: int | None = None
) -> QuestionVersion | None:
    """Change what a question says and keep it as its next version (None when unchanged).

    `seen_version` is the version the editor's form was made from: if another save came in
    between, nothing is changed and VersionConflict says so.
    """
    if question.is_archived:
        raise QuizEditError(_("This question was removed from the quiz; it cannot be edited."))
    latest = current_version_number(question)
    if seen_version is not None and seen_version != latest:
        raise VersionConflict(
            _(
                "Someone saved this question while you were editing it: it is now at version "
                "%(latest)d, and your form was made from version %(seen)d. Your changes are "
                "not saved. Compare them with the question as it now stands, below, and save "
                "again to replace it.",
                latest=latest,
                seen=seen_version,
            )
        )
    _check_content(content)
    try:
        with db.session.begin_nested():  # another save may make the same version number
            question.kind = content.kind
            question.prompt = content.prompt
            question.explanation = content.explanation
            _set_choices(question, content)
            db.session.flush()
            version = record_question_version(question)
            db.session.flush()
    except IntegrityError as error:
        raise VersionConflict(
            _(
                "Someone saved this question at the same moment as you. Your changes are not "
                "saved. Compare them with the question as it now stands, below, and save again "
                "to replace it."
            )
        ) from error
    if version is None:
        return None
    audit.record(
        "question.updated",
        actor=actor,
        target=question,
        details=_where(question.quiz.module)
        | {"question": question.slug, "version": version.number},
    )
    return version


def remove_question(question: Question, *, actor) -> None:
    """Take a question out of the quiz; attempts that showed it keep it (it is archived)."""
    quiz = question.quiz
    if question.is_archived:
        return
    if quiz.status == Status.PUBLISHED and quiz.active_questions() == [question]:
        raise QuizEditError(
            _(
                "This is the last question of a published quiz, and learners cannot take an "
                "empty quiz. Add another question first, or make the quiz a draft."
            )
        )
    question.is_archived = True
    db.session.flush()
    audit.record(
        "question.removed",
        actor=actor,
        target=question,
        details=_where(quiz.module) | {"question": question.slug},
    )


def _renumber(quiz: Quiz, active: Sequence[Question]) -> None:
    """Number the active questions 1, 2... in this order; removed ones after them."""
    archived = sorted(
        (q for q in quiz.questions if q.is_archived), key=lambda q: (q.position, q.id)
    )
    for position, question in enumerate([*active, *archived], start=1):
        question.position = position


def move_question(question: Question, direction: str, *, actor) -> bool:
    """Move a question one place up or down among the quiz's questions; False at either end."""
    if direction not in ("up", "down"):
        raise QuizEditError(_("Choose whether to move the question up or down."))
    quiz = question.quiz
    active = list(quiz.active_questions())
    index = active.index(question)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(active):
        return False
    active[index], active[other] = active[other], active[index]
    _renumber(quiz, active)
    db.session.flush()
    audit.record(
        "question.moved",
        actor=actor,
        target=question,
        details=_where(quiz.module)
        | {"question": question.slug, "direction": direction, "position": other + 1},
    )
    return True
