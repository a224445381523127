"""Every write to quiz attempts: starting one, and submitting it to be graded once."""

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Select, case, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from app.catalog.models import Question, QuestionKind, QuestionVersion, Quiz
from app.catalog.operations import record_question_version
from app.catalog.outline import CourseOutline
from app.core import audit
from app.core.models import add_unless_duplicate, insert_ignoring_duplicates
from app.core.templating import clock, long_date, zone_abbreviation
from app.extensions import db
from app.learning.operations import note_activity, record_completion
from app.quizzes.grading import AnswerKey, Grade, grade, read_answers
from app.quizzes.models import (
    AttemptAnswer,
    AttemptGrant,
    AttemptState,
    QuizAttempt,
    QuizBest,
    QuizRecord,
)


class QuizError(ValueError):
    """An attempt that cannot be started or submitted, with a sentence saying why."""


class AlreadySubmitted(QuizError):
    """The attempt was graded before: a refresh, a second tab, or an old form."""


@dataclass(frozen=True)
class ShownChoice:
    id: int
    text: str
    is_correct: bool


@dataclass(frozen=True)
class ShownQuestion:
    """A question as an attempt shows it: the version the attempt started with."""

    id: int  # the question's id, which names its form field
    version_id: int
    kind: QuestionKind
    prompt: str
    explanation: str

    @property
    def allows_several(self) -> bool:
        return self.kind == QuestionKind.MULTIPLE


def latest_version_ids(questions: Sequence[Question]) -> dict[int, int]:
    """Each question's latest version id, in one query (versions are numbered as they grow)."""
    found = dict(
        db.session.execute(
            select(QuestionVersion.question_id, func.max(QuestionVersion.id))
            .where(QuestionVersion.question_id.in_([q.id for q in questions]))
            .group_by(QuestionVersion.question_id)
        ).all()
    )
    for question in questions:
        if question.id not in found:  # made outside the importer and the editor
            version = record_question_version(question)
            db.session.flush()
            found[question.id] = version.id
    return found


def start_refusal(record: QuizRecord, now: datetime, zone: str) -> str | None:
    """Why the learner cannot start a new attempt now, or None when they can."""
    if not record.quiz.active_questions():
        return _("This quiz has no questions yet.")
    if record.attempts_left == 0:
        return ngettext(
            "You have used your only attempt at this quiz.",
            "You have used all %(num)d attempts at this quiz.",
            record.quiz.max_attempts,
        )
    next_at = record.next_start_at()
    if next_at is not None and now < next_at:
        minutes = -(-int((next_at - now).total_seconds()) // 60)
        return ngettext(
            "You can start your next attempt on %(date)s at %(time)s %(zone)s, in %(num)d minute.",
            "You can start your next attempt on %(date)s at %(time)s %(zone)s, in %(num)d minutes.",
            minutes,
            date=long_date(next_at, zone),
            time=clock(next_at, zone),
            zone=zone_abbreviation(next_at, zone),
        )
    return None


def start_attempt(
    user, record: QuizRecord, *, now: datetime, zone: str, rng: random.Random | None = None
) -> QuizAttempt:
    """Start the learner's next attempt, or return the one they have open."""
    if record.open_attempt is not None:
        return record.open_attempt
    refusal = start_refusal(record, now, zone)
    if refusal:
        raise QuizError(refusal)
    quiz = record.quiz
    questions = list(quiz.active_questions())
    rng = rng or random.SystemRandom()
    if quiz.shuffle:
        rng.shuffle(questions)
    versions = latest_version_ids(questions)
    layout = []
    for question in questions:
        choice_ids = [choice.id for choice in question.choices]
        if quiz.shuffle and question.kind != QuestionKind.TRUE_FALSE:
            rng.shuffle(choice_ids)
        layout.append(
            {"question": question.id, "version": versions[question.id], "choices": choice_ids}
        )
    note_activity(user, quiz.module.course_id, now=now)
    attempt = QuizAttempt(
        quiz=quiz,
        user_id=user.id,
        number=max((a.number for a in record.attempts), default=0) + 1,
        started_at=now,
        layout=layout,
        question_count=len(layout),
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError as error:  # another tab started the same attempt a moment ago
        raise QuizError(
            _("You started this quiz in another window a moment ago. Open your attempt below.")
        ) from error
    return attempt


def attempt_questions(attempt: QuizAttempt) -> list[tuple[ShownQuestion, list[ShownChoice]]]:
    """The attempt's questions in the order it shows them, each with its choices in order,
    as they read when the attempt started (later edits of a question don't reach it)."""
    found = {
        version.id: version
        for version in db.session.scalars(
            select(QuestionVersion).where(
                QuestionVersion.id.in_([item["version"] for item in attempt.layout])
            )
        )
    }
    shown = []
    for item in attempt.layout:
        version = found.get(item["version"])
        if version is None:
            continue
        by_id = {choice["id"]: ShownChoice(**choice) for choice in version.choices}
        question = ShownQuestion(
            id=version.question_id,
            version_id=version.id,
            kind=version.kind,
            prompt=version.prompt,
            explanation=version.explanation,
        )
        shown.append((question, [by_id[i] for i in item["choices"] if i in by_id]))
    return shown


def answer_keys(shown: Sequence[tuple[ShownQuestion, list[ShownChoice]]]) -> list[AnswerKey]:
    return [
        AnswerKey(
            question_id=question.id,
            choice_ids=tuple(choice.id for choice in choices),
            right_ids=frozenset(choice.id for choice in choices if choice.is_correct),
            allows_several=question.allows_several,
        )
        for question, choices in shown
    ]


def submit_attempt(
    user,
    attempt: QuizAttempt,
    shown: Sequence[tuple[ShownQuestion, list[ShownChoice]]],
    form: Mapping[str, Sequence[str]],
    *,
    course: CourseOutline,
    now: datetime,
) -> Grade:
    """Grade an open attempt and store its answers and score, once.

    Raises AnswerProblems (nothing stored) for a form that cannot be graded, and
    AlreadySubmitted when the attempt was graded before, even a moment ago in another request.
    """
    already = AlreadySubmitted(
        _(
            "Attempt %(number)d was already submitted, so these answers were not graded "
            "again. Its results are below.",
            number=attempt.number,
        )
    )
    if attempt.is_submitted:  # a stale form: refused before its answers are even read
        raise already
    note_activity(user, course.id, now=now)
    keys = answer_keys(shown)
    versions = {question.id: question.version_id for question, _choices in shown}
    answers = read_answers(keys, form)
    quiz = course.quiz(attempt.quiz_id) or attempt.quiz  # the outline's, without a query
    result = grade(keys, answers, quiz.pass_mark)
    # Conditional update: of two submissions of one attempt, only the first changes anything.
    changed = db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.state == AttemptState.STARTED)
        .values(
            state=AttemptState.SUBMITTED,
            submitted_at=now,
            correct_count=result.right_count,
            question_count=result.question_count,
            score=result.score,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:  # submitted a moment ago by another request
        raise already
    db.session.execute(
        insert(AttemptAnswer),
        [
            {
                "attempt_id": attempt.id,
                "question_id": key.question_id,
                "question_version_id": versions[key.question_id],
                "choice_ids": sorted(answers[key.question_id]),
                "is_correct": key.question_id in result.right_question_ids,
            }
            for key in keys
        ],
    )
    keep_best_score(user.id, attempt.quiz_id, result.score)
    # The attempt as stored, without reading it back: what the completion rules count.
    for name, value in {
        "state": AttemptState.SUBMITTED,
        "submitted_at": now,
        "correct_count": result.right_count,
        "question_count": result.question_count,
        "score": result.score,
    }.items():
        set_committed_value(attempt, name, value)
    db.session.expire(attempt, ["answers"])  # read again if asked for
    record_completion(user, course, now=now)
    return result


def keep_best_score(user_id: int, quiz_id: int, score: int) -> None:
    """A graded attempt's score becomes the learner's best at the quiz when it beats it (one
    INSERT ... ON CONFLICT, so two attempts graded at once keep the higher)."""
    statement = insert_ignoring_duplicates(QuizBest).values(
        user_id=user_id, quiz_id=quiz_id, best_score=score
    )
    score_now = statement.excluded.best_score
    higher = case((score_now > QuizBest.best_score, score_now), else_=QuizBest.best_score)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id", "quiz_id"], set_={"best_score": higher}
        )
    )


def best_scores() -> Select:
    """(user id, quiz id, best score) of every learner's submitted attempts at each quiz, from
    the attempts themselves."""
    return (
        select(QuizAttempt.user_id, QuizAttempt.quiz_id, func.max(QuizAttempt.score))
        .where(QuizAttempt.state == AttemptState.SUBMITTED, QuizAttempt.score.is_not(None))
        .group_by(QuizAttempt.user_id, QuizAttempt.quiz_id)
    )


def recount_best_scores() -> None:
    """Set every learner's best scores from their attempts (after a bulk load, or to repair)."""
    db.session.execute(delete(QuizBest))
    db.session.execute(
        insert(QuizBest).from_select(["user_id", "quiz_id", "best_score"], best_scores())
    )


def grant_attempt(user, quiz: Quiz, *, actor, now: datetime) -> int:
    """Give a learner one more attempt at a quiz beyond its limit; return how many extra
    attempts they now have (audited). Refused for a quiz without a limit."""
    if quiz.max_attempts is None:
        raise QuizError(_("This quiz has no limit on attempts: there is nothing to give."))
    grant = db.session.scalar(
        select(AttemptGrant).where(AttemptGrant.user_id == user.id, AttemptGrant.quiz_id == quiz.id)
    )
    if grant is None:
        grant = AttemptGrant(user_id=user.id, quiz_id=quiz.id, extra=0)
        if not add_unless_duplicate(grant):  # given at the same moment by someone else
            return grant_attempt(user, quiz, actor=actor, now=now)
    db.session.execute(
        update(AttemptGrant)
        .where(AttemptGrant.id == grant.id)
        .values(extra=AttemptGrant.extra + 1, granted_at=now, granted_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(grant)
    audit.record(
        "quiz.attempt_granted",
        actor=actor,
        target=grant,
        details={"quiz": quiz.title, "learner": user.id, "extra": grant.extra},
    )
    return grant.extra
