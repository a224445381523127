"""The quiz editor: a module quiz's settings and its questions, for the course's staff.

Every page works without JavaScript. Learners' attempts keep the question versions they were
shown, so an edit never changes a past attempt's questions, right answers or score.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.authoring import bp, queries
from app.authoring.quiz_forms import (
    MoveQuestionForm,
    NewQuestionForm,
    NewQuizForm,
    QuestionForm,
    QuizSettingsForm,
    RemoveQuestionForm,
)
from app.authoring.quiz_operations import (
    QuestionContent,
    QuizEditError,
    VersionConflict,
    add_question,
    create_quiz,
    current_version_number,
    move_question,
    remove_question,
    update_question,
    update_quiz,
)
from app.authoring.views import managed_course
from app.catalog.models import Course, Module, Question, Quiz, Status
from app.core.inputs import parse_integer
from app.core.permissions import staff_required
from app.extensions import db

QUIZ = "/<slug>/modules/<module_slug>/quiz"
QUESTION = QUIZ + "/questions/<int:question_id>"

DEFAULT_SETTINGS = {
    "pass_mark": 70,
    "max_attempts": None,
    "wait_minutes": 0,
    "shuffle": False,
    "feedback": "every_attempt",
}


def _module(course: Course, module_slug: str) -> Module:
    """The course's module with its quiz, questions, choices and versions loaded (or 404)."""
    module = queries.module_with_quiz(course.id, module_slug)
    if module is None or module.status == Status.ARCHIVED:
        abort(404)
    return module


def _quiz(slug: str, module_slug: str) -> tuple[Course, Module, Quiz]:
    """The course (404, then 403), its module and the module's quiz (404 when it has none)."""
    course = managed_course(slug)
    module = _module(course, module_slug)
    if module.quiz is None:
        abort(404)
    return course, module, module.quiz


def _question(quiz: Quiz, question_id: int) -> Question:
    """One of the quiz's questions that has not been removed (404 otherwise)."""
    found = next((q for q in quiz.active_questions() if q.id == question_id), None)
    if found is None:
        abort(404)
    return found


def _actor():
    return current_user._get_current_object()


def _quiz_url(course: Course, module: Module, **anchor) -> str:
    return url_for("authoring.quiz", slug=course.slug, module_slug=module.slug, **anchor)


def _settings_form(quiz: Quiz) -> QuizSettingsForm:
    return QuizSettingsForm(
        formdata=None,
        data={
            "title": quiz.title,
            "pass_mark": quiz.pass_mark,
            "max_attempts": quiz.max_attempts,
            "wait_minutes": quiz.wait_minutes,
            "shuffle": quiz.shuffle,
            "feedback": quiz.feedback.value,
            "status": quiz.status.value if quiz.status != Status.ARCHIVED else None,
        },
    )


def _quiz_page(course, module, form, *, error: str | None = None, status: int = 200):
    return render_template(
        "authoring/quiz/quiz.html",
        course=course,
        module=module,
        quiz=module.quiz,
        form=form,
        error=error,
        version_of=current_version_number,
    ), status


def _refused(form, error: QuizEditError) -> None:
    """Put a refusal from the operations back on the form, next to the field it is about."""
    name = {"choices": "choice_1", "right": "right"}.get(error.field or "", error.field)
    if name and name in form:
        form[name].errors.append(str(error))
    else:
        form.form_errors.append(str(error))


@bp.route(QUIZ, methods=["GET", "POST"])
@staff_required
def quiz(slug: str, module_slug: str):
    """A module quiz's settings and questions; for a module without one, a form to create it."""
    course = managed_course(slug)
    module = _module(course, module_slug)
    found = module.quiz
    if request.method == "GET":
        if found is not None:
            return _quiz_page(course, module, _settings_form(found))
        title = f"{module.title}: check your understanding"
        form = NewQuizForm(formdata=None, data={"title": title, **DEFAULT_SETTINGS})
        return _quiz_page(course, module, form)
    form = NewQuizForm() if found is None else QuizSettingsForm()
    if not form.validate_on_submit():
        return _quiz_page(course, module, form, status=400)
    try:
        if found is None:
            create_quiz(module, form.settings(), actor=_actor())
            message = _("The quiz is created as a draft. Add its questions, then publish it.")
        else:
            changed = update_quiz(found, form.settings(), actor=_actor())
            message = _("The quiz settings are saved.") if changed else _("Nothing changed.")
    except QuizEditError as error:
        db.session.rollback()
        _refused(form, error)
        return _quiz_page(course, _module(course, module_slug), form, status=400)
    db.session.commit()
    flash(message, "success")
    return redirect(_quiz_url(course, module))


def _question_page(course, module, form, *, question=None, conflict=None, status=200):
    return render_template(
        "authoring/quiz/question.html",
        course=course,
        module=module,
        quiz=module.quiz,
        form=form,
        question=question,
        conflict=conflict,
        version=current_version_number(question) if question is not None else 0,
    ), status


@bp.route(QUIZ + "/questions/new", methods=["GET", "POST"])
@staff_required
def new_question(slug: str, module_slug: str):
    """Add a question at the end of the quiz."""
    course, module, found = _quiz(slug, module_slug)
    form = NewQuestionForm()
    if request.method == "GET":
        form.kind.data = "single"
        return _question_page(course, module, form)
    if not form.validate_on_submit():
        return _question_page(course, module, form, status=400)
    try:
        question = add_question(found, form.slug.data, form.content(), actor=_actor())
    except QuizEditError as error:
        db.session.rollback()
        _refused(form, error)
        return _question_page(course, _module(course, module_slug), form, status=400)
    anchor = f"question-{question.id}"
    db.session.commit()
    flash(
        _("The question '%(slug)s' is added at the end of the quiz.", slug=form.slug.data),
        "success",
    )
    return redirect(_quiz_url(course, module, _anchor=anchor))


def _content_of(question: Question) -> QuestionContent:
    return QuestionContent(
        kind=question.kind,
        prompt=question.prompt,
        explanation=question.explanation,
        choices=tuple(choice.text for choice in question.choices),
        right=frozenset(c.position for c in question.choices if c.is_correct),
    )


@bp.route(QUESTION, methods=["GET", "POST"])
@staff_required
def edit_question(slug: str, module_slug: str, question_id: int):
    """Edit a question; learners' attempts keep the version they were shown."""
    course, module, found = _quiz(slug, module_slug)
    question = _question(found, question_id)
    if request.method == "GET":
        form = QuestionForm(formdata=None)
        form.fill(_content_of(question))
        form.version.data = str(current_version_number(question))
        return _question_page(course, module, form, question=question)
    form = QuestionForm()
    if not form.validate_on_submit():
        return _question_page(course, module, form, question=question, status=400)
    seen = form.version.data
    try:
        version = update_question(
            question,
            form.content(),
            actor=_actor(),
            seen_version=parse_integer(seen),
        )
    except VersionConflict as error:
        db.session.rollback()
        question = _question(_module(course, module_slug).quiz, question_id)
        # The next save is made knowingly over the newer version.
        form.version.data = str(current_version_number(question))
        return _question_page(
            course, question.quiz.module, form, question=question, conflict=str(error), status=409
        )
    except QuizEditError as error:
        db.session.rollback()
        _refused(form, error)
        module = _module(course, module_slug)
        question = _question(module.quiz, question_id)
        return _question_page(course, module, form, question=question, status=400)
    db.session.commit()
    flash(
        _(
            "The question '%(slug)s' is saved as version %(num)d. Attempts already started "
            "keep the version they showed.",
            slug=question.slug,
            num=version.number,
        )
        if version
        else _("Nothing changed in the question '%(slug)s'.", slug=question.slug),
        "success",
    )
    return redirect(_quiz_url(course, module, _anchor=f"question-{question.id}"))


def _refused_action(course, module_slug: str, message: str, status: int):
    """The quiz page again, with why a move or removal was refused."""
    db.session.rollback()
    module = _module(course, module_slug)
    return _quiz_page(course, module, _settings_form(module.quiz), error=message, status=status)


@bp.post(QUESTION + "/remove", endpoint="remove_question")
@staff_required
def remove_question_view(slug: str, module_slug: str, question_id: int):
    """Take a question out of the quiz; attempts that showed it keep it."""
    course, module, found = _quiz(slug, module_slug)
    question = _question(found, question_id)
    if not RemoveQuestionForm().validate_on_submit():
        abort(400)
    try:
        remove_question(question, actor=_actor())
    except QuizEditError as error:
        return _refused_action(course, module_slug, str(error), 409)
    name = question.slug
    db.session.commit()
    flash(
        _(
            "The question '%(slug)s' is removed from the quiz. Learners' past attempts still "
            "show it.",
            slug=name,
        ),
        "success",
    )
    return redirect(_quiz_url(course, module, _anchor="questions"))


@bp.post(QUESTION + "/move", endpoint="move_question")
@staff_required
def move_question_view(slug: str, module_slug: str, question_id: int):
    """Move a question one place up or down."""
    course, module, found = _quiz(slug, module_slug)
    question = _question(found, question_id)
    form = MoveQuestionForm()
    if not form.validate_on_submit():
        return _refused_action(
            course, module_slug, _("Choose whether to move the question up or down."), 400
        )
    name, direction = question.slug, form.direction.data
    moved = move_question(question, direction, actor=_actor())
    db.session.commit()
    if moved and direction == "up":
        message = _("The question '%(slug)s' is moved up.", slug=name)
    elif moved:
        message = _("The question '%(slug)s' is moved down.", slug=name)
    elif direction == "up":
        message = _("The question '%(slug)s' is already the first one.", slug=name)
    else:
        message = _("The question '%(slug)s' is already the last one.", slug=name)
    flash(message, "success")
    return redirect(_quiz_url(course, module, _anchor=f"question-{question_id}"))
