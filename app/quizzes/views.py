"""Quiz pages: a module's quiz with the learner's attempts, an attempt's form, its results."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.catalog.outline import outline_of
from app.core.types import utcnow
from app.extensions import db
from app.learning.access import readable_course, readable_outline
from app.learning.progress import course_path
from app.quizzes import bp, queries
from app.quizzes.grading import AnswerProblems, field_name
from app.quizzes.operations import (
    AlreadySubmitted,
    QuizError,
    attempt_questions,
    start_attempt,
    start_refusal,
    submit_attempt,
)


def _course_and_quiz(slug: str, module_slug: str, *, shared: bool = False):
    course = readable_outline(slug) if shared else readable_course(slug)
    module = course.visible_module(module_slug)
    if module is None or module.published_quiz is None:
        abort(404)
    return course, module.published_quiz


def _quiz_page(course, quiz, record, *, error: str | None = None, status: int = 200):
    now = utcnow()
    return render_template(
        "quizzes/quiz.html",
        course=course,
        module=quiz.module,
        quiz=quiz,
        record=record,
        refusal=error or start_refusal(record, now, current_user.time_zone),
        can_start=record.can_start(now),
        neighbours=course_path(outline_of(course)).neighbours("quiz", quiz.id),
    ), status


@bp.get("/courses/<slug>/quizzes/<module_slug>")
@login_required
def quiz(slug: str, module_slug: str):
    """A module quiz: its rules, the learner's attempts and best score, and how to start."""
    course, found = _course_and_quiz(slug, module_slug)
    return _quiz_page(course, found, queries.quiz_record(current_user, found))


@bp.post("/courses/<slug>/quizzes/<module_slug>/attempts")
@login_required
def start(slug: str, module_slug: str):
    """Start the next attempt (or go back to the open one)."""
    course, found = _course_and_quiz(slug, module_slug)
    record = queries.quiz_record(current_user, found)
    try:
        attempt = start_attempt(
            current_user._get_current_object(),
            record,
            now=utcnow(),
            zone=current_user.time_zone,
        )
    except QuizError as error:
        db.session.rollback()
        return _quiz_page(
            course, found, queries.quiz_record(current_user, found), error=str(error), status=409
        )
    db.session.commit()
    return redirect(
        url_for("quizzes.attempt", slug=slug, module_slug=module_slug, number=attempt.number)
    )


@bp.route("/courses/<slug>/quizzes/<module_slug>/attempts/<int:number>", methods=["GET", "POST"])
@login_required
def attempt(slug: str, module_slug: str, number: int):
    """An attempt: its questions while open; once submitted, its score and feedback."""
    # The outline is only read here, even by a submission: it stores the attempt's answers
    # by id (and the attempt itself was loaded with the request's session).
    course, found = _course_and_quiz(slug, module_slug, shared=True)
    record = queries.quiz_record(current_user, found, questions=False)
    current = next((a for a in record.attempts if a.number == number), None)
    if current is None:
        abort(404)
    shown = attempt_questions(current)
    problems, chosen, status, notice = None, {}, 200, None
    if request.method == "POST":
        try:
            result = submit_attempt(
                current_user._get_current_object(),
                current,
                shown,
                request.form.to_dict(flat=False),
                course=course,
                now=utcnow(),
            )
        except AnswerProblems as error:
            db.session.rollback()
            problems, status = error, 400
            chosen = {
                question.id: set(request.form.getlist(field_name(question.id)))
                for question, _choices in shown
            }
        except AlreadySubmitted as error:
            db.session.rollback()
            status, notice = 409, str(error)
            record = queries.quiz_record(current_user, found, questions=False)
            current = next(a for a in record.attempts if a.number == number)
        else:
            db.session.commit()
            flash(_result_sentence(result, found.pass_mark), "success")
            return redirect(request.path)
    return render_template(
        "quizzes/attempt.html",
        course=course,
        module=found.module,
        quiz=found,
        record=record,
        attempt=current,
        shown=shown,
        problems=problems,
        chosen=chosen,
        notice=notice,
        can_start=record.can_start(utcnow()),
        field_name=field_name,
    ), status


def _result_sentence(result, pass_mark: int) -> str:
    if result.is_passed:
        return _(
            "Your answers are graded: %(right)d of %(total)d right, %(score)d %%. You passed.",
            right=result.right_count,
            total=result.question_count,
            score=result.score,
        )
    return _(
        "Your answers are graded: %(right)d of %(total)d right, %(score)d %%. "
        "The pass mark is %(mark)d %%.",
        right=result.right_count,
        total=result.question_count,
        score=result.score,
        mark=pass_mark,
    )
