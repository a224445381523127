"""The quiz editor: settings and questions edited in the browser, versions that keep learners'
past attempts as they were, refusals with nothing saved, access, and the way back to files."""

import re

import pytest
from sqlalchemy import func, insert, select

from app.authoring.quiz_operations import (
    QuestionContent,
    QuizEditError,
    VersionConflict,
    add_question,
    update_question,
)
from app.catalog.content.exporter import course_files, export_course
from app.catalog.content.reader import read_course
from app.catalog.models import (
    Choice,
    Course,
    Feedback,
    Module,
    Question,
    QuestionKind,
    QuestionVersion,
    Quiz,
    Status,
)
from app.catalog.operations import import_course
from app.core.audit import AuditEvent
from app.core.permissions import Role
from app.extensions import db
from app.quizzes.models import AttemptAnswer, QuizAttempt
from tests.conftest import Browser
from tests.factories import enrolled_learner
from tests.html import attribute, form_fields, one
from tests.learning_helpers import answers, quiz_url, take_quiz
from tests.test_pages import visible_text

OLD_PROMPT = "How many hours a day do women spend on unpaid work, on average?"
OLD_CHOICES = ["1.7 hours", "4.1 hours", "6.5 hours"]
NEW_PROMPT = "About how many hours of unpaid work do women do each day?"
NEW_CHOICES = ["Two hours", "Four hours", "Six hours", "Eight hours"]


@pytest.fixture
def module(course) -> Module:
    return course.modules[0]


@pytest.fixture
def quiz(module) -> Quiz:
    """The first module's quiz as the course file has it (its editor is what is tested)."""
    return module.quiz


@pytest.fixture
def editor(teacher_browser) -> Browser:
    """The course's instructor (`teacher`), logged in."""
    return teacher_browser


@pytest.fixture
def learner_browser(logged_in, cohort) -> Browser:
    """A learner of `cohort`, logged in on a client of their own."""
    return logged_in(enrolled_learner(cohort))


def quiz_path(course, module) -> str:
    return f"/author/{course.slug}/modules/{module.slug}/quiz"


def question_path(course, module, question) -> str:
    return f"{quiz_path(course, module)}/questions/{question.id}"


def question_by_slug(quiz, slug: str) -> Question:
    return db.session.scalar(
        select(Question).where(Question.quiz_id == quiz.id, Question.slug == slug)
    )


def settings_data(quiz, **changes) -> dict:
    """The settings form as the quiz page fills it, with some fields changed."""
    data = {
        "title": quiz.title,
        "pass_mark": str(quiz.pass_mark),
        "max_attempts": "" if quiz.max_attempts is None else str(quiz.max_attempts),
        "wait_minutes": str(quiz.wait_minutes),
        "feedback": quiz.feedback.value,
        "status": quiz.status.value,
    }
    if quiz.shuffle:
        data["shuffle"] = "y"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def question_data(question, **changes) -> dict:
    """The question form as the edit page fills it, with some fields changed."""
    data = {
        "version": str(question.current_version.number),
        "kind": question.kind.value,
        "prompt": question.prompt,
        "explanation": question.explanation,
    }
    right = [c.position for c in question.choices if c.is_correct]
    if question.kind == QuestionKind.TRUE_FALSE:
        data["answer"] = "true" if right == [1] else "false"
    else:
        for choice in question.choices:
            data[f"choice_{choice.position}"] = choice.text
        data["right"] = [str(n) for n in right]
    choices = changes.pop("choices", None)
    if choices is not None:
        for n in range(1, 7):
            data.pop(f"choice_{n}", None)
        data.update({f"choice_{n}": text for n, text in enumerate(choices, start=1)})
    data.update(changes)
    return data


def snapshot() -> dict:
    """Everything the editor could change, to show that a refused form changed nothing."""

    def rows(query):
        return [tuple(row) for row in db.session.execute(query).all()]

    return {
        "quizzes": rows(
            select(
                Quiz.id,
                Quiz.title,
                Quiz.pass_mark,
                Quiz.max_attempts,
                Quiz.wait_minutes,
                Quiz.shuffle,
                Quiz.feedback,
                Quiz.status,
            ).order_by(Quiz.id)
        ),
        "questions": rows(
            select(
                Question.id,
                Question.slug,
                Question.position,
                Question.kind,
                Question.prompt,
                Question.explanation,
                Question.is_archived,
            ).order_by(Question.id)
        ),
        "choices": rows(
            select(
                Choice.id, Choice.question_id, Choice.position, Choice.text, Choice.is_correct
            ).order_by(Choice.id)
        ),
        "versions": rows(
            select(QuestionVersion.id, QuestionVersion.number).order_by(QuestionVersion.id)
        ),
        "audit": db.session.scalar(select(func.count()).select_from(AuditEvent)),
    }


def page_text(response) -> str:
    return visible_text(response.get_data(as_text=True))


def review_items(page: str) -> list[str]:
    """The reviewed questions of a results page, as visible text, in order."""
    return [
        visible_text(item)
        for item in re.findall(r'<li class="reviewed.*?</li>\s*</ul>', page, re.S)
    ]


# Editing, and what learners see afterwards ---------------------------------------------------


def test_an_edit_reaches_new_attempts_and_leaves_past_ones_as_they_were(
    course, module, quiz, editor, learner_browser
):
    # The learner passes the quiz as it was written (the quiz shows answers once passed).
    passed = take_quiz(learner_browser, course, module, right=True)
    assert passed.status_code == 302
    first_path = passed.headers["Location"]
    before = learner_browser.client.get(first_path).text
    assert "100 %: passed" in visible_text(before)
    question = question_by_slug(quiz, "unpaid-hours")
    assert question.current_version.number == 1

    # The instructor changes the pass mark and the wait, then the question.
    saved = editor.post_form(
        quiz_path(course, module), settings_data(quiz, pass_mark="80", wait_minutes="0")
    )
    assert saved.status_code == 302
    assert "The quiz settings are saved." in page_text(editor.client.get(saved.headers["Location"]))
    edited = editor.post_form(
        question_path(course, module, question),
        question_data(question, prompt=NEW_PROMPT, choices=NEW_CHOICES, right=["3"]),
    )
    assert edited.status_code == 302
    shown = page_text(editor.client.get(edited.headers["Location"]))
    assert "The question 'unpaid-hours' is saved as version 2." in shown

    db.session.expire_all()
    assert (quiz.pass_mark, quiz.wait_minutes) == (80, 0)
    question = question_by_slug(quiz, "unpaid-hours")
    assert question.prompt == NEW_PROMPT
    assert [(c.text, c.is_correct) for c in question.choices] == [
        ("Two hours", False),
        ("Four hours", False),
        ("Six hours", True),
        ("Eight hours", False),
    ]
    assert [v.number for v in question.versions] == [1, 2]

    # The learner's quiz page has the new pass mark; the past attempt kept its score.
    quiz_page = page_text(learner_browser.client.get(quiz_url(course, module)))
    assert "Pass mark 80 %" in quiz_page
    assert "100 % (3 of 3)" in quiz_page

    # The results of the past attempt: the old prompt, old choices and old right answer.
    after = learner_browser.client.get(first_path).text
    assert "100 %: passed" in visible_text(after)
    assert NEW_PROMPT not in after
    reviewed = next(item for item in review_items(after) if OLD_PROMPT in item)
    assert "1.7 hours" in reviewed and "6.5 hours" in reviewed
    assert "4.1 hours your answer right answer" in reviewed
    assert not any(text in reviewed for text in NEW_CHOICES)
    first = db.session.scalar(select(QuizAttempt).where(QuizAttempt.number == 1))
    versions = {a.question_id: a.question_version.number for a in first.answers}
    assert versions[question.id] == 1
    assert first.score == 100

    # A new attempt shows the new version, and is graded on it.
    started = learner_browser.post_form(
        f"{quiz_url(course, module)}/attempts", {}, page=quiz_url(course, module)
    )
    assert started.status_code == 302
    new_page = learner_browser.client.get(started.headers["Location"]).text
    assert NEW_PROMPT in new_page and OLD_PROMPT not in new_page
    assert all(text in new_page for text in NEW_CHOICES)
    assert "4.1 hours" not in new_page
    second = db.session.scalar(select(QuizAttempt).where(QuizAttempt.number == 2))
    layout = {item["question"]: item["version"] for item in second.layout}
    assert layout[question.id] == question.versions[-1].id
    submitted = learner_browser.post_form(
        started.headers["Location"], answers(new_page, right=True), page=started.headers["Location"]
    )
    assert submitted.status_code == 302
    db.session.expire_all()
    assert second.score == 100
    result = learner_browser.client.get(started.headers["Location"]).text
    reviewed = next(item for item in review_items(result) if NEW_PROMPT in item)
    assert "Six hours your answer right answer" in reviewed


def test_an_attempt_started_before_an_edit_is_graded_on_the_version_it_showed(
    course, module, quiz, editor, learner_browser
):
    quiz.wait_minutes = 0
    db.session.commit()
    started = learner_browser.post_form(
        f"{quiz_url(course, module)}/attempts", {}, page=quiz_url(course, module)
    )
    path = started.headers["Location"]
    page = learner_browser.client.get(path).text
    right_then = answers(page, right=True)  # read while the choices are as written

    # The instructor makes another choice the right one, and rewrites the prompt.
    question = question_by_slug(quiz, "unpaid-hours")
    edited = editor.post_form(
        question_path(course, module, question),
        question_data(question, prompt=NEW_PROMPT, right=["1"]),
    )
    assert edited.status_code == 302

    # The attempt still shows what it showed, and the answers right then are right.
    assert learner_browser.client.get(path).text.count(OLD_PROMPT) == 1
    submitted = learner_browser.post_form(path, right_then, page=path)
    assert submitted.status_code == 302
    attempt = db.session.scalar(select(QuizAttempt))
    assert (attempt.score, attempt.correct_count) == (100, 3)
    answer = db.session.scalar(
        select(AttemptAnswer).where(AttemptAnswer.question_id == question.id)
    )
    assert answer.is_correct
    assert answer.question_version.number == 1
    assert answer.question_version.prompt == OLD_PROMPT
    result = learner_browser.client.get(path).text
    assert NEW_PROMPT not in result
    reviewed = next(item for item in review_items(result) if OLD_PROMPT in item)
    assert "4.1 hours your answer right answer" in reviewed


def test_a_save_without_changes_makes_no_version(course, module, quiz, editor):
    question = question_by_slug(quiz, "kinds-of-care")
    before = snapshot()
    response = editor.post_form(question_path(course, module, question), question_data(question))
    assert response.status_code == 302
    assert "Nothing changed in the question 'kinds-of-care'." in page_text(
        editor.client.get(response.headers["Location"])
    )
    assert snapshot() == before


def test_editing_audits_with_course_and_module(course, module, quiz, editor, teacher):
    question = question_by_slug(quiz, "care-is-free")
    editor.post_form(quiz_path(course, module), settings_data(quiz, title="Check yourself"))
    editor.post_form(
        question_path(course, module, question), question_data(question, answer="true")
    )
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_id) for e in events[-2:]] == [
        ("quiz.updated", teacher.id),
        ("question.updated", teacher.id),
    ]
    assert events[-2].details == {
        "course": course.slug,
        "module": module.slug,
        "changed": ["title"],
    }
    assert events[-1].details == {
        "course": course.slug,
        "module": module.slug,
        "question": "care-is-free",
        "version": 2,
    }
    assert (events[-1].object_type, events[-1].object_id) == ("questions", str(question.id))


def test_a_question_can_change_kind(course, module, quiz, editor):
    question = question_by_slug(quiz, "kinds-of-care")
    response = editor.post_form(
        question_path(course, module, question),
        question_data(question, kind="true_false", choices=[], right=[], answer="false"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    question = question_by_slug(quiz, "kinds-of-care")
    assert question.kind == QuestionKind.TRUE_FALSE
    assert [(c.text, c.is_correct) for c in question.choices] == [("True", False), ("False", True)]
    old, new = question.versions
    assert [c["text"] for c in old.choices] == ["Cooking", "Feeding a baby", "Fetching water"]
    assert [c["text"] for c in new.choices] == ["True", "False"]


def test_blank_choices_are_left_out_and_right_ones_follow_their_text(course, module, quiz, editor):
    question = question_by_slug(quiz, "kinds-of-care")
    data = question_data(question, choices=["", "Cooking", "", "Fetching water", "  ", "Washing"])
    data["right"] = ["2", "6"]
    assert editor.post_form(question_path(course, module, question), data).status_code == 302
    db.session.expire_all()
    question = question_by_slug(quiz, "kinds-of-care")
    assert [(c.position, c.text, c.is_correct) for c in question.choices] == [
        (1, "Cooking", True),
        (2, "Fetching water", False),
        (3, "Washing", True),
    ]


def test_the_edit_form_shows_the_question_as_saved(course, module, quiz, editor):
    question = question_by_slug(quiz, "kinds-of-care")
    page = editor.client.get(question_path(course, module, question)).text
    fields = form_fields(page, "form:has(input[name=version])")
    assert fields["version"] == "1"
    # The choice is course text: its box says which language it is written in.
    assert fields["choice_3"] == "Fetching water"
    assert one(page, "input#choice_3")["lang"] == "en"
    # The first choice is right, the second is not.
    assert attribute(page, "input[name=right]", "value")[:2] == ["1", "2"]
    assert "1" in fields["right"] and "2" not in fields["right"]
    assert fields["kind"] == "multiple"
    assert "slug" not in fields  # the id is fixed once the question exists
    true_false = question_by_slug(quiz, "care-is-free")
    page = editor.client.get(question_path(course, module, true_false)).text
    assert re.search(
        r'<input checked id="answer-1" name="answer" type="radio" value="false">', page
    )


# Refusals: 400, the message in the page, nothing saved ----------------------------------------

REFUSED_QUESTIONS = [
    (
        "no right answer",
        "unpaid-hours",
        {"right": []},
        "Right choices: The question has no right choice: mark the right choice.",
    ),
    (
        "two right answers on a single question",
        "unpaid-hours",
        {"right": ["1", "2"]},
        "A question with one right answer has exactly one right choice, but 2 are marked.",
    ),
    (
        "one choice",
        "unpaid-hours",
        {"choices": ["Only one"], "right": ["1"]},
        "Choice 2: The question needs at least two choices.",
    ),
    (
        "no right answer on a multiple question",
        "kinds-of-care",
        {"right": []},
        "The question has no right choice: mark every right choice.",
    ),
    (
        "a blank choice marked right",
        "kinds-of-care",
        {"right": ["1", "5"]},
        "Choice 5 is marked as right but has no text: write it, or untick it.",
    ),
    (
        "a true or false question with choices",
        "care-is-free",
        {"choice_1": "Maybe"},
        "Choice 1: A true or false question has no choices of its own",
    ),
    (
        "a true or false question without its answer",
        "care-is-free",
        {"answer": None},
        "Choose whether the statement is true or false.",
    ),
    ("an empty prompt", "unpaid-hours", {"prompt": "   "}, "Question: Write the question."),
    (
        "a prompt too long",
        "unpaid-hours",
        {"prompt": "x" * 2001},
        "Question: Use at most 2000 characters.",
    ),
    (
        "an explanation too long",
        "unpaid-hours",
        {"explanation": "x" * 2001},
        "Explanation: Use at most 2000 characters.",
    ),
    (
        "a choice too long",
        "unpaid-hours",
        {"choice_2": "x" * 501},
        "Choice 2: Use at most 500 characters.",
    ),
    ("no kind", "unpaid-hours", {"kind": "essay"}, "Kind of question: Choose the kind."),
]


@pytest.mark.parametrize(
    ("slug", "changes", "message"),
    [case[1:] for case in REFUSED_QUESTIONS],
    ids=[case[0] for case in REFUSED_QUESTIONS],
)
def test_a_question_that_breaks_the_rules_is_refused(
    course, module, quiz, editor, slug, changes, message
):
    question = question_by_slug(quiz, slug)
    data = question_data(question, **{"prompt": "A new prompt, never saved", **changes})
    if data.get("answer") is None:
        data.pop("answer", None)
    before = snapshot()
    response = editor.post_form(question_path(course, module, question), data)
    assert response.status_code == 400
    text = page_text(response)
    assert "Please correct" in text
    assert message in text
    assert snapshot() == before


def new_question_data(**changes) -> dict:
    data = {
        "slug": "care-services",
        "kind": "single",
        "prompt": "Which service frees the most hours of unpaid care?",
        "choice_1": "Childcare centres",
        "choice_2": "Parking spaces",
        "right": ["1"],
        "explanation": "Childcare centres take on hours that families would spend on care.",
    }
    data.update(changes)
    return data


REFUSED_NEW_QUESTIONS = [
    (
        "a duplicate id",
        {"slug": "kinds-of-care"},
        "Id: The id 'kinds-of-care' is used by another question of this quiz; choose another id.",
    ),
    (
        "an id that is not a slug",
        {"slug": "Care Services"},
        "Id: Use only lower-case letters (a-z), digits and single hyphens",
    ),
    ("no id", {"slug": ""}, "Id: Give the question an id"),
    ("no right answer", {"right": []}, "The question has no right choice"),
]


@pytest.mark.parametrize(
    ("changes", "message"),
    [case[1:] for case in REFUSED_NEW_QUESTIONS],
    ids=[case[0] for case in REFUSED_NEW_QUESTIONS],
)
def test_a_new_question_that_breaks_the_rules_is_refused(course, module, editor, changes, message):
    before = snapshot()
    response = editor.post_form(
        f"{quiz_path(course, module)}/questions/new", new_question_data(**changes)
    )
    assert response.status_code == 400
    assert message in page_text(response)
    # What the instructor wrote is still in the form.
    assert "Which service frees the most hours of unpaid care?" in response.text
    assert snapshot() == before


def test_the_id_of_a_removed_question_is_not_reused(course, module, quiz, editor):
    question = question_by_slug(quiz, "kinds-of-care")
    editor.post_form(
        f"{question_path(course, module, question)}/remove", {}, page=quiz_path(course, module)
    )
    before = snapshot()
    response = editor.post_form(
        f"{quiz_path(course, module)}/questions/new", new_question_data(slug="kinds-of-care")
    )
    assert response.status_code == 400
    assert "belonged to a question that was removed from this quiz" in page_text(response)
    assert snapshot() == before


REFUSED_SETTINGS = [
    (
        "pass mark 150",
        {"pass_mark": "150"},
        "Pass mark (%): The pass mark is a whole number from 0 to 100.",
    ),
    ("pass mark -1", {"pass_mark": "-1"}, "The pass mark is a whole number from 0 to 100."),
    ("no pass mark", {"pass_mark": ""}, "Give the pass mark, a whole number from 0 to 100."),
    (
        "a pass mark in words",
        {"pass_mark": "seventy"},
        "Pass mark (%): Give a whole number, such as 70.",
    ),
    (
        "attempts 0",
        {"max_attempts": "0"},
        "Attempts: Attempts is a whole number from 1 to 100, or blank for no limit.",
    ),
    ("attempts 101", {"max_attempts": "101"}, "Attempts is a whole number from 1 to 100"),
    (
        "a wait of more than a week",
        {"wait_minutes": "10081"},
        "The wait is a whole number of minutes from 0 to 10080.",
    ),
    ("no title", {"title": ""}, "Title: Give the quiz a title."),
    ("a title too long", {"title": "x" * 201}, "Title: Use at most 200 characters."),
    ("an unknown feedback", {"feedback": "never"}, "Choose when learners see the right answers."),
    ("an unknown status", {"status": "archived"}, "Status: Choose published or draft."),
]


@pytest.mark.parametrize(
    ("changes", "message"),
    [case[1:] for case in REFUSED_SETTINGS],
    ids=[case[0] for case in REFUSED_SETTINGS],
)
def test_settings_that_break_the_rules_are_refused(course, module, quiz, editor, changes, message):
    before = snapshot()
    response = editor.post_form(quiz_path(course, module), settings_data(quiz, **changes))
    assert response.status_code == 400
    assert message in page_text(response)
    assert snapshot() == before


def test_blank_attempts_means_no_limit(course, module, quiz, editor):
    assert quiz.max_attempts == 3
    response = editor.post_form(quiz_path(course, module), settings_data(quiz, max_attempts=""))
    assert response.status_code == 302
    db.session.expire_all()
    assert quiz.max_attempts is None


def test_every_setting_is_saved(course, module, quiz, editor):
    data = settings_data(
        quiz,
        title="Check what you learnt",
        pass_mark="55",
        max_attempts="5",
        wait_minutes="10080",
        feedback="every_attempt",
        status="draft",
    )
    data.pop("shuffle")
    assert editor.post_form(quiz_path(course, module), data).status_code == 302
    db.session.expire_all()
    assert (
        quiz.title,
        quiz.pass_mark,
        quiz.max_attempts,
        quiz.wait_minutes,
        quiz.shuffle,
        quiz.feedback,
        quiz.status,
    ) == ("Check what you learnt", 55, 5, 10080, False, Feedback.EVERY_ATTEMPT, Status.DRAFT)


# Concurrent edits ---------------------------------------------------------------------------


def test_a_form_made_from_an_older_version_is_refused(app, course, module, quiz, editor, make_user):
    question = question_by_slug(quiz, "unpaid-hours")
    stale = question_data(question, prompt="The first editor's prompt")  # made from version 1
    colleague = Browser(app.test_client())
    colleague.login(make_user(Role.ADMIN, email="admin@city.example").email)
    assert (
        colleague.post_form(
            question_path(course, module, question),
            question_data(question, prompt="The colleague's prompt"),
        ).status_code
        == 302
    )
    before = snapshot()
    response = editor.post_form(question_path(course, module, question), stale)
    assert response.status_code == 409
    text = page_text(response)
    assert "Not saved: the question changed meanwhile" in text
    assert "it is now at version 2, and your form was made from version 1" in text
    assert "The question as it now stands (version 2)" in text
    assert "The colleague's prompt" in text
    assert "The first editor's prompt" in text  # kept in the form
    assert snapshot() == before
    # Saving that form again replaces the newer version knowingly.
    assert 'name="version" type="hidden" value="2"' in response.text
    again = editor.post_form(question_path(course, module, question), {**stale, "version": "2"})
    assert again.status_code == 302
    db.session.expire_all()
    assert question_by_slug(quiz, "unpaid-hours").prompt == "The first editor's prompt"


MINE = QuestionContent(
    kind=QuestionKind.SINGLE,
    prompt="Mine",
    explanation="Because.",
    choices=("Yes", "No"),
    right=frozenset({1}),
)


def test_a_save_racing_another_is_refused_not_crashed(quiz, teacher):
    question = question_by_slug(quiz, "unpaid-hours")
    assert [v.number for v in question.versions] == [1]
    # Another request saves version 2 after this one read the question, before it writes.
    with db.engine.begin() as other:
        other.execute(
            insert(QuestionVersion).values(
                question_id=question.id,
                number=2,
                kind=QuestionKind.SINGLE,
                prompt="Theirs",
                explanation="Because.",
                choices=[],
            )
        )
    with pytest.raises(VersionConflict, match="at the same moment"):
        update_question(question, MINE, actor=teacher, seen_version=1)
    db.session.rollback()
    assert question_by_slug(quiz, "unpaid-hours").prompt == OLD_PROMPT


def test_an_id_taken_a_moment_ago_is_refused_not_crashed(quiz, teacher):
    assert len(quiz.questions) == 3
    with db.engine.begin() as other:
        other.execute(
            insert(Question).values(
                quiz_id=quiz.id,
                slug="just-added",
                position=9,
                kind=QuestionKind.SINGLE,
                prompt="Theirs",
                explanation="Because.",
                is_archived=False,
            )
        )
    with pytest.raises(QuizEditError, match="was given to another question a moment ago"):
        add_question(quiz, "just-added", MINE, actor=teacher)
    db.session.rollback()
    assert question_by_slug(quiz, "just-added").prompt == "Theirs"


# Adding, removing and moving ----------------------------------------------------------------


def test_add_a_question(course, module, quiz, editor, learner_browser):
    quiz.shuffle = False
    db.session.commit()
    response = editor.post_form(
        f"{quiz_path(course, module)}/questions/new",
        new_question_data(prompt="  Which service\r\nfrees the most hours?  "),
    )
    assert response.status_code == 302
    assert "The question 'care-services' is added at the end of the quiz." in page_text(
        editor.client.get(response.headers["Location"])
    )
    added = question_by_slug(quiz, "care-services")
    assert added.prompt == "Which service\nfrees the most hours?"
    assert [(c.text, c.is_correct) for c in added.choices] == [
        ("Childcare centres", True),
        ("Parking spaces", False),
    ]
    assert [v.number for v in added.versions] == [1]
    db.session.expire_all()
    assert [q.slug for q in quiz.active_questions()] == [
        "unpaid-hours",
        "kinds-of-care",
        "care-is-free",
        "care-services",
    ]
    # Learners get it in their next attempt.
    started = learner_browser.post_form(
        f"{quiz_url(course, module)}/attempts", {}, page=quiz_url(course, module)
    )
    assert "Childcare centres" in learner_browser.client.get(started.headers["Location"]).text


def test_add_a_true_or_false_question(course, module, quiz, editor):
    response = editor.post_form(
        f"{quiz_path(course, module)}/questions/new",
        {
            "slug": "care-counts",
            "kind": "true_false",
            "prompt": "Cities can count unpaid care in their budgets.",
            "answer": "true",
            "explanation": "Time-use surveys give the hours to count.",
        },
    )
    assert response.status_code == 302
    added = question_by_slug(quiz, "care-counts")
    assert added.kind == QuestionKind.TRUE_FALSE
    assert [(c.text, c.is_correct) for c in added.choices] == [("True", True), ("False", False)]


def test_remove_a_question(course, module, quiz, editor, learner_browser, teacher):
    passed = take_quiz(learner_browser, course, module, right=True)
    question = question_by_slug(quiz, "kinds-of-care")
    response = editor.post_form(
        f"{question_path(course, module, question)}/remove", {}, page=quiz_path(course, module)
    )
    assert response.status_code == 302
    page = editor.client.get(response.headers["Location"])
    assert "The question 'kinds-of-care' is removed from the quiz." in page_text(page)
    assert "Which of these are indirect care work?" not in page.text
    db.session.expire_all()
    assert question_by_slug(quiz, "kinds-of-care").is_archived
    assert [q.slug for q in quiz.active_questions()] == ["unpaid-hours", "care-is-free"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "question.removed"))
    assert event.actor_id == teacher.id
    assert event.details == {
        "course": course.slug,
        "module": module.slug,
        "question": "kinds-of-care",
    }
    # The past attempt still shows it; the edit page of a removed question is gone.
    result = learner_browser.client.get(passed.headers["Location"]).text
    assert "Which of these are indirect care work?" in result
    assert "3 of 3 answers right" in visible_text(result)
    assert editor.client.get(question_path(course, module, question)).status_code == 404
    again = editor.post_form(
        f"{question_path(course, module, question)}/remove", {}, page=quiz_path(course, module)
    )
    assert again.status_code == 404


def test_the_last_question_of_a_published_quiz_stays(course, module, quiz, editor):
    for slug in ("unpaid-hours", "kinds-of-care"):
        question = question_by_slug(quiz, slug)
        editor.post_form(
            f"{question_path(course, module, question)}/remove", {}, page=quiz_path(course, module)
        )
    last = question_by_slug(quiz, "care-is-free")
    before = snapshot()
    response = editor.post_form(
        f"{question_path(course, module, last)}/remove", {}, page=quiz_path(course, module)
    )
    assert response.status_code == 409
    assert "This is the last question of a published quiz" in page_text(response)
    assert snapshot() == before


def active_slugs(quiz) -> list[str]:
    db.session.expire_all()
    return [q.slug for q in quiz.active_questions()]


def test_move_questions(course, module, quiz, editor):
    last = question_by_slug(quiz, "care-is-free")
    move = f"{question_path(course, module, last)}/move"
    response = editor.post_form(move, {"direction": "up"}, page=quiz_path(course, module))
    assert response.status_code == 302
    assert "The question 'care-is-free' is moved up." in page_text(
        editor.client.get(response.headers["Location"])
    )
    assert active_slugs(quiz) == ["unpaid-hours", "care-is-free", "kinds-of-care"]
    editor.post_form(move, {"direction": "up"}, page=quiz_path(course, module))
    assert active_slugs(quiz) == ["care-is-free", "unpaid-hours", "kinds-of-care"]
    # Already first: nothing moves.
    before = snapshot()
    response = editor.post_form(move, {"direction": "up"}, page=quiz_path(course, module))
    assert response.status_code == 302
    assert "already the first one" in page_text(editor.client.get(response.headers["Location"]))
    assert snapshot() == before
    editor.post_form(move, {"direction": "down"}, page=quiz_path(course, module))
    assert active_slugs(quiz) == ["unpaid-hours", "care-is-free", "kinds-of-care"]
    # The editor lists them in that order, and so does the export.
    page = editor.client.get(quiz_path(course, module)).text
    assert page.index("<code>care-is-free</code>") < page.index("<code>kinds-of-care</code>")
    exported = course_files(course)[f"01-{module.slug}/quiz.yaml"].decode()
    assert exported.index("id: care-is-free") < exported.index("id: kinds-of-care")
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "question.moved")
        )
        == 3
    )


def test_moving_skips_removed_questions(course, module, quiz, editor):
    middle = question_by_slug(quiz, "kinds-of-care")
    editor.post_form(
        f"{question_path(course, module, middle)}/remove", {}, page=quiz_path(course, module)
    )
    last = question_by_slug(quiz, "care-is-free")
    editor.post_form(
        f"{question_path(course, module, last)}/move",
        {"direction": "up"},
        page=quiz_path(course, module),
    )
    assert active_slugs(quiz) == ["care-is-free", "unpaid-hours"]


@pytest.mark.parametrize("direction", [None, "sideways"])
def test_a_move_without_a_direction_is_refused(course, module, quiz, editor, direction):
    question = question_by_slug(quiz, "kinds-of-care")
    before = snapshot()
    data = {} if direction is None else {"direction": direction}
    response = editor.post_form(
        f"{question_path(course, module, question)}/move", data, page=quiz_path(course, module)
    )
    assert response.status_code == 400
    assert "Choose whether to move the question up or down." in page_text(response)
    assert snapshot() == before


# A module without a quiz --------------------------------------------------------------------


def test_create_a_quiz_add_a_question_and_publish_it(course, editor, learner_browser):
    module = course.modules[1]
    assert module.quiz is None
    page = editor.client.get(quiz_path(course, module))
    assert page.status_code == 200
    assert "This module has no quiz yet." in page_text(page)
    assert "Create the quiz" in page.text
    response = editor.post_form(
        quiz_path(course, module),
        {
            "title": "Going further: check yourself",
            "pass_mark": "60",
            "max_attempts": "",
            "wait_minutes": "",
            "feedback": "every_attempt",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    quiz = module.quiz
    assert (quiz.title, quiz.pass_mark, quiz.max_attempts, quiz.wait_minutes, quiz.status) == (
        "Going further: check yourself",
        60,
        None,
        0,
        Status.DRAFT,
    )
    assert "quiz.created" in db.session.scalars(select(AuditEvent.action)).all()
    # A draft: learners don't see it; it can't be published without a question.
    assert learner_browser.client.get(quiz_url(course, module)).status_code == 404
    before = snapshot()
    refused = editor.post_form(quiz_path(course, module), settings_data(quiz, status="published"))
    assert refused.status_code == 400
    assert "A quiz needs at least one question before it is published" in page_text(refused)
    assert snapshot() == before
    added = editor.post_form(f"{quiz_path(course, module)}/questions/new", new_question_data())
    assert added.status_code == 302
    published = editor.post_form(quiz_path(course, module), settings_data(quiz, status="published"))
    assert published.status_code == 302
    db.session.expire_all()
    assert quiz.status == Status.PUBLISHED
    learner_page = learner_browser.client.get(quiz_url(course, module))
    assert learner_page.status_code == 200
    assert "Going further: check yourself" in learner_page.text


def test_a_new_quiz_with_bad_settings_is_not_created(course, editor):
    module = course.modules[1]
    before = snapshot()
    response = editor.post_form(
        quiz_path(course, module),
        {"title": "A quiz", "pass_mark": "150", "max_attempts": "0", "feedback": "every_attempt"},
    )
    assert response.status_code == 400
    text = page_text(response)
    assert "The pass mark is a whole number from 0 to 100." in text
    assert "Attempts is a whole number from 1 to 100" in text
    assert snapshot() == before


def test_question_pages_of_a_module_without_a_quiz_are_not_found(course, editor):
    module = course.modules[1]
    assert editor.client.get(f"{quiz_path(course, module)}/questions/new").status_code == 404


def test_unknown_modules_and_questions_are_not_found(course, module, quiz, editor):
    assert editor.client.get(f"/author/{course.slug}/modules/nowhere/quiz").status_code == 404
    assert editor.client.get(f"/author/no-course/modules/{module.slug}/quiz").status_code == 404
    assert editor.client.get(f"{quiz_path(course, module)}/questions/999999").status_code == 404
    question = question_by_slug(quiz, "unpaid-hours")
    # A question of another quiz is not found through this one.
    other = Module(course=course, slug="third", position=3, title="Third")
    db.session.add(other)
    db.session.commit()
    other_quiz_path = f"/author/{course.slug}/modules/third/quiz"
    editor.post_form(
        other_quiz_path,
        {"title": "Third quiz", "pass_mark": "50", "feedback": "every_attempt"},
    )
    assert editor.client.get(f"{other_quiz_path}/questions/{question.id}").status_code == 404


# Who may edit -------------------------------------------------------------------------------


def routes(course, module, question) -> list[tuple[str, str, dict]]:
    base = quiz_path(course, module)
    return [
        ("GET", base, {}),
        ("POST", base, settings_data(module.quiz, pass_mark="1")),
        ("GET", f"{base}/questions/new", {}),
        ("POST", f"{base}/questions/new", new_question_data()),
        ("GET", question_path(course, module, question), {}),
        ("POST", question_path(course, module, question), question_data(question, prompt="Hacked")),
        ("POST", f"{question_path(course, module, question)}/move", {"direction": "down"}),
        ("POST", f"{question_path(course, module, question)}/remove", {}),
    ]


@pytest.mark.parametrize("role", ["anonymous", "learner", "enrolled_learner", "other_instructor"])
def test_only_the_course_staff_may_edit(app, course, module, quiz, cohort, make_user, role):
    browser = Browser(app.test_client())
    if role == "learner":
        browser.login(make_user(email="learner@city.example").email)
    elif role == "enrolled_learner":
        browser.login(enrolled_learner(cohort, email="enrolled@city.example").email)
    elif role == "other_instructor":
        elsewhere = Course(slug="elsewhere", title="Elsewhere", summary="Another course.")
        db.session.add(elsewhere)
        db.session.commit()
        browser.login(
            make_user(Role.INSTRUCTOR, email="other@city.example", courses=[elsewhere]).email
        )
    question = question_by_slug(quiz, "unpaid-hours")
    before = snapshot()
    token_page = "/login" if role == "anonymous" else "/dashboard"
    outcomes = []
    for method, path, data in routes(course, module, question):
        if method == "GET":
            response = browser.client.get(path)
        else:
            response = browser.post_form(path, data, page=token_page)
        if role == "anonymous":
            assert response.status_code == 302
            assert response.headers["Location"].startswith("/login?next=")
        else:
            outcomes.append((method, path, response.status_code))
    if role != "anonymous":
        assert {status for _m, _p, status in outcomes} == {403}, outcomes
    after = snapshot()
    assert {k: v for k, v in after.items() if k != "audit"} == {
        k: v for k, v in before.items() if k != "audit"
    }
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert [a for a in actions if a.startswith(("quiz.", "question."))] == []


def test_an_admin_may_edit(app, course, module, quiz, make_user):
    browser = Browser(app.test_client())
    browser.login(make_user(Role.ADMIN, email="admin@city.example").email)
    for method, path, data in routes(course, module, question_by_slug(quiz, "unpaid-hours")):
        if method == "GET":
            assert browser.client.get(path).status_code == 200, path
        else:
            assert browser.post_form(path, data, page="/dashboard").status_code == 302, path


def test_every_form_needs_its_csrf_token(course, module, quiz, editor):
    question = question_by_slug(quiz, "unpaid-hours")
    before = snapshot()
    for method, path, data in routes(course, module, question):
        if method == "POST":
            response = editor.client.post(path, data=data)
            assert response.status_code == 400, path
            assert "The form had expired or was sent from another site." in response.text
    assert snapshot() == before


# Back to files ------------------------------------------------------------------------------


def test_an_edit_exports_to_files_that_read_back(course, module, quiz, editor, tmp_path):
    question = question_by_slug(quiz, "unpaid-hours")
    editor.post_form(
        question_path(course, module, question),
        question_data(
            question,
            prompt="How many hours a day: women's unpaid work?\nGive your best guess.",
            choices=NEW_CHOICES,
            right=["2"],
        ),
    )
    editor.post_form(quiz_path(course, module), settings_data(quiz, pass_mark="75"))
    editor.post_form(
        f"{quiz_path(course, module)}/questions/new",
        new_question_data(kind="multiple", right=["1", "2"], prompt="yes"),
    )
    db.session.expire_all()
    text = course_files(course)[f"01-{module.slug}/quiz.yaml"].decode()
    assert "pass_mark: 75\n" in text
    assert (
        "  prompt: |-\n    How many hours a day: women's unpaid work?\n    Give your best guess.\n"
        in text
    )
    assert "  - Four hours\n  - Six hours\n  - Eight hours\n  correct: 2\n" in text
    assert "- id: care-services\n  type: multiple\n  prompt: 'yes'\n" in text
    assert "correct: [1, 2]" in text

    folder = tmp_path / course.slug
    export_course(course, folder)
    source, problems = read_course(folder)
    assert problems == []
    read_quiz = source.modules[0].quiz
    assert read_quiz.pass_mark == 75
    assert [q.slug for q in read_quiz.questions] == [
        "unpaid-hours",
        "kinds-of-care",
        "care-is-free",
        "care-services",
    ]
    assert read_quiz.questions[0].choices == NEW_CHOICES
    assert read_quiz.questions[0].correct == [2]
    assert read_quiz.questions[3].prompt == "yes"
    # Importing the export changes nothing: the files say what the database holds.
    before = snapshot()
    _course, report = import_course(source)
    db.session.commit()
    assert report.lines() == ["nothing changed"]
    assert snapshot() == before


# Pages that stay fast -----------------------------------------------------------------------


def test_the_quiz_page_takes_a_fixed_number_of_queries(course, module, quiz, editor, count_queries):
    with count_queries() as few:
        assert editor.client.get(quiz_path(course, module)).status_code == 200
    for number in range(5):
        editor.post_form(
            f"{quiz_path(course, module)}/questions/new",
            new_question_data(slug=f"extra-{number}"),
        )
        question = question_by_slug(quiz, f"extra-{number}")
        editor.post_form(
            question_path(course, module, question),
            question_data(question, prompt=f"Edited {number}"),
        )
    with count_queries() as many:
        page = editor.client.get(quiz_path(course, module))
    assert "Edited 4" in page.text
    assert many.count == few.count


def test_a_draft_quiz_without_questions_goes_to_the_files_and_back_as_a_draft(
    course, editor, tmp_path
):
    second = course.modules[1]
    assert second.quiz is None
    form = {"title": "Going further: check", "pass_mark": "60", "max_attempts": "",
            "wait_minutes": "0", "feedback": "every_attempt", "status": "draft"}  # fmt: skip
    assert editor.post_form(quiz_path(course, second), form).status_code == 302
    db.session.expire_all()
    folder = tmp_path / "course"
    export_course(course, folder)
    text = (folder / f"02-{second.slug}" / "quiz.yaml").read_text()
    assert text.startswith("title: 'Going further: check'\nstatus: draft\npass_mark: 60\n")
    assert "questions: []" in text
    source, problems = read_course(folder)
    assert problems == []
    _course, report = import_course(source)
    db.session.commit()
    assert report.lines() == ["nothing changed"]
    assert db.session.get(Module, second.id).quiz.status == Status.DRAFT


def test_the_personal_data_download_shows_the_question_as_it_was_answered(
    course, module, quiz, editor, learner_browser
):
    assert take_quiz(learner_browser, course, module, right=True).status_code == 302
    question = question_by_slug(quiz, "unpaid-hours")
    old_prompt = question.prompt
    edited = editor.post_form(
        question_path(course, module, question),
        question_data(question, prompt=NEW_PROMPT, choices=NEW_CHOICES, right=["3"]),
    )
    assert edited.status_code == 302
    data = learner_browser.client.get("/account/data.json").get_json()
    answered = [a for attempt in data["quiz_attempts"] for a in attempt["answers"]]
    prompts = {answer["question"] for answer in answered}
    assert old_prompt in prompts and NEW_PROMPT not in prompts
    chosen = next(a["chosen"] for a in answered if a["question"] == old_prompt)
    assert chosen and not set(chosen) & set(NEW_CHOICES)
