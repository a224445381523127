"""Quizzes through the pages: no answers leak, attempts are shuffled, limited, graded once, and
bad input is refused with nothing stored."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.catalog.models import Choice, Feedback, Question
from app.extensions import db
from app.quizzes.models import AttemptAnswer, AttemptState, QuizAttempt
from tests.conftest import Browser, without_tokens
from tests.factories import enrolled_learner
from tests.learning_helpers import answers, form_choices, quiz_url, take_quiz
from tests.test_applications import count
from tests.test_pages import visible_text


def start(browser, course, quiz):
    return browser.post_form(
        f"{quiz_url(course, quiz.module)}/attempts", {}, page=quiz_url(course, quiz.module)
    )


def open_attempt(browser, course, quiz) -> tuple[str, str]:
    """Start an attempt; its address and its page."""
    response = start(browser, course, quiz)
    assert response.status_code == 302
    path = response.headers["Location"]
    return path, browser.client.get(path).text


# No answer leaks -----------------------------------------------------------------------------


def test_the_quiz_form_does_not_tell_which_choice_is_right(course, quiz, learner, browser):
    path, page = open_attempt(browser, course, quiz)
    for word in ("correct", "is_correct", "right answer", "explanation"):
        assert word not in page.lower()
    for question in quiz.active_questions():
        assert question.explanation not in page
    # Make every right choice wrong and every wrong one right: the page must not change.
    db.session.execute(update(Choice).values(is_correct=~Choice.is_correct))
    db.session.commit()
    flipped = browser.client.get(path).text
    assert without_tokens(flipped) == without_tokens(page)


def test_the_quiz_page_and_json_answers_leak_nothing(course, quiz, learner, browser):
    texts = [c.text for q in quiz.active_questions() for c in q.choices]
    texts = [text for text in texts if text not in ("True", "False")]
    page = browser.client.get(quiz_url(course, quiz.module)).text
    assert [text for text in texts if text in page] == []
    # An open attempt asked for as JSON answers with the page (no API), holding no right answer.
    path, _page = open_attempt(browser, course, quiz)
    as_json = browser.client.get(path, headers={"Accept": "application/json"})
    assert as_json.mimetype == "text/html"
    assert "right answer" not in as_json.text
    for question in quiz.active_questions():
        assert question.explanation.split("\n")[0] not in as_json.text


# Shuffling -----------------------------------------------------------------------------------


def test_each_attempt_has_its_own_order_and_keeps_it(app, course, quiz, cohort, make_user):
    quiz.shuffle = True
    db.session.commit()
    orders = set()
    for number in range(12):
        user = enrolled_learner(cohort, email=f"shuffled{number}@city.example")
        browser = Browser(app.test_client())
        browser.login(user.email)
        path, page = open_attempt(browser, course, quiz)
        order = tuple((name, tuple(ids)) for name, ids in form_choices(page).items())
        again = form_choices(browser.client.get(path).text)
        assert tuple((name, tuple(ids)) for name, ids in again.items()) == order  # stable
        orders.add(order)
    assert len(orders) > 1
    # Every order holds the same questions and choices.
    assert len({frozenset((n, frozenset(ids)) for n, ids in order) for order in orders}) == 1


def test_without_shuffle_the_order_is_the_written_one(course, quiz, learner, browser):
    quiz.shuffle = False
    db.session.commit()
    _path, page = open_attempt(browser, course, quiz)
    expected = {
        f"q-{question.id}": [choice.id for choice in question.choices]
        for question in quiz.active_questions()
    }
    assert form_choices(page) == expected
    assert list(form_choices(page)) == list(expected)


# Grading, feedback and the best score --------------------------------------------------------


def test_a_submission_is_graded_and_stored_in_one_go(course, quiz, learner, browser):
    path, page = open_attempt(browser, course, quiz)
    chosen = answers(page, right=True)
    first = next(iter(chosen))
    chosen[first] = answers(page, right=False)[first]  # one wrong of three
    response = browser.post_form(path, chosen, page=path)
    assert response.status_code == 302
    attempt = db.session.scalar(select(QuizAttempt))
    assert (attempt.state, attempt.correct_count, attempt.question_count) == (
        AttemptState.SUBMITTED,
        2,
        3,
    )
    assert attempt.score == 66
    assert attempt.is_passing is False  # the pass mark is 70
    stored = {f"q-{a.question_id}": [str(i) for i in a.choice_ids] for a in attempt.answers}
    assert stored == {name: sorted(values, key=int) for name, values in chosen.items()}
    result = visible_text(browser.client.get(path).text)
    assert "66 %: not passed" in result
    assert "2 of 3 answers right" in result


def test_feedback_every_attempt_shows_right_answers_and_explanations(
    course, quiz, learner, browser
):
    quiz.feedback = Feedback.EVERY_ATTEMPT
    db.session.commit()
    response = take_quiz(browser, course, quiz.module, right=False)
    page = visible_text(browser.client.get(response.headers["Location"]).text)
    for question in quiz.active_questions():
        assert question.explanation.split("\n")[0] in page
    assert "right answer" in page
    assert "✗ Not right" in page


def test_feedback_once_passed_waits_for_a_pass(course, quiz, learner, browser):
    quiz.feedback = Feedback.ONCE_PASSED
    db.session.commit()
    failed = take_quiz(browser, course, quiz.module, right=False).headers["Location"]
    page = visible_text(browser.client.get(failed).text)
    assert "0 %: not passed" in page
    assert "shows the right answers and explanations once you have passed" in page
    for question in quiz.active_questions():
        assert question.explanation.split("\n")[0] not in page
    take_quiz(browser, course, quiz.module, right=True)
    # Once passed, even the failed attempt shows what was right.
    page = visible_text(browser.client.get(failed).text)
    for question in quiz.active_questions():
        assert question.explanation.split("\n")[0] in page
    assert "You passed this quiz in another attempt" in page


def test_the_best_score_counts(course, quiz, learner, browser):
    take_quiz(browser, course, quiz.module, right=False)
    take_quiz(browser, course, quiz.module, right=True)
    take_quiz(browser, course, quiz.module, right=False)
    page = visible_text(browser.client.get(quiz_url(course, quiz.module)).text)
    assert "Your best score 100 % passed" in page
    home = visible_text(browser.client.get(f"/courses/{course.slug}").text)
    assert "Pass every module quiz: 1 of 1 (done)" in home


# Attempt limits and waiting ------------------------------------------------------------------


def test_the_attempt_limit_is_enforced(course, quiz, learner, browser):
    quiz.max_attempts = 2
    db.session.commit()
    take_quiz(browser, course, quiz.module, right=False)
    page = visible_text(browser.client.get(quiz_url(course, quiz.module)).text)
    assert "2 in all, 1 left" in page
    take_quiz(browser, course, quiz.module, right=False)
    refused = start(browser, course, quiz)
    assert refused.status_code == 409
    assert "You have used all 2 attempts at this quiz." in visible_text(refused.text)
    assert "Start attempt" not in refused.text
    assert count(QuizAttempt) == 2


def test_the_waiting_time_between_attempts(course, quiz, learner, browser):
    quiz.wait_minutes = 60
    db.session.commit()
    take_quiz(browser, course, quiz.module, right=False)
    refused = start(browser, course, quiz)
    assert refused.status_code == 409
    text = visible_text(refused.text)
    assert "You can start your next attempt on" in text
    assert "in 60 minutes" in text
    assert "GMT-5, in 60 minutes" in text  # in the learner's own zone (Bogotá)
    attempt = db.session.scalar(select(QuizAttempt))
    attempt.submitted_at -= timedelta(minutes=61)
    db.session.commit()
    assert start(browser, course, quiz).status_code == 302
    assert count(QuizAttempt) == 2


def test_starting_again_returns_the_open_attempt(course, quiz, learner, browser):
    first = start(browser, course, quiz).headers["Location"]
    again = start(browser, course, quiz).headers["Location"]
    assert first == again
    assert count(QuizAttempt) == 1
    assert "Continue attempt 1" in browser.client.get(quiz_url(course, quiz.module)).text


# Double submissions --------------------------------------------------------------------------


def test_a_second_submission_of_the_same_attempt_is_not_graded(course, quiz, learner, browser):
    path, page = open_attempt(browser, course, quiz)
    right = answers(page, right=True)
    assert browser.post_form(path, answers(page, right=False), page=path).status_code == 302
    stale = browser.post_form(path, right, page=path)
    assert stale.status_code == 409
    assert "was already submitted, so these answers were not graded again" in stale.text
    attempt = db.session.scalar(select(QuizAttempt))
    assert attempt.score == 0
    assert count(AttemptAnswer) == len(quiz.active_questions())


@pytest.mark.parametrize("tabs", [2, 10])
def test_parallel_submissions_are_graded_once(app, course, quiz, learner, browser, tabs):
    path, page = open_attempt(browser, course, quiz)
    token = browser.token(path)
    cookie = browser.client.get_cookie("session")
    form = {"csrf_token": token, **answers(page, right=True)}
    statuses, barrier = [], threading.Barrier(tabs)

    def tab():
        client = app.test_client()
        client.set_cookie("session", cookie.value)
        barrier.wait()
        statuses.append(client.post(path, data=form).status_code)

    threads = [threading.Thread(target=tab) for _ in range(tabs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302] + [409] * (tabs - 1)
    assert count(AttemptAnswer) == len(quiz.active_questions())
    attempt = db.session.scalar(select(QuizAttempt))
    assert attempt.state == AttemptState.SUBMITTED
    assert attempt.score == 100


def test_parallel_starts_make_one_attempt(app, course, quiz, learner, browser):
    url = f"{quiz_url(course, quiz.module)}/attempts"
    token = browser.token(quiz_url(course, quiz.module))
    cookie = browser.client.get_cookie("session")
    statuses, barrier = [], threading.Barrier(6)

    def tab():
        client = app.test_client()
        client.set_cookie("session", cookie.value)
        barrier.wait()
        statuses.append(client.post(url, data={"csrf_token": token}).status_code)

    threads = [threading.Thread(target=tab) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert count(QuizAttempt) == 1
    assert set(statuses) <= {302, 409}
    assert 302 in statuses


# Bad input -----------------------------------------------------------------------------------


def _bad_forms(page: str, quiz) -> dict[str, tuple[dict, str]]:
    right = answers(page, right=True)
    names = list(right)
    single = next(f"q-{q.id}" for q in quiz.active_questions() if q.kind.value == "single")
    other_question_choice = next(
        str(i) for name, ids in form_choices(page).items() if name != single for i in ids
    )
    return {
        "nothing answered": ({}, "Choose an answer."),
        "one question missing": ({k: v for k, v in right.items() if k != names[0]}, "Choose"),
        "a choice of another question": (
            {**right, single: [other_question_choice]},
            "That answer is not one of this question's choices.",
        ),
        "an unknown choice id": ({**right, single: ["999999"]}, "not one of this question"),
        "not a number": ({**right, single: ["abc"]}, "not one of this question"),
        "two answers to a one-answer question": (
            {**right, single: form_choices(page)[single][:2]},
            "Choose only one answer.",
        ),
        "a question that is not in the attempt": (
            {**right, "q-999999": ["1"]},
            "The form answered questions that are not in this attempt.",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "nothing answered",
        "one question missing",
        "a choice of another question",
        "an unknown choice id",
        "not a number",
        "two answers to a one-answer question",
        "a question that is not in the attempt",
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(course, quiz, learner, browser, case):
    path, page = open_attempt(browser, course, quiz)
    form, message = _bad_forms(page, quiz)[case]
    response = browser.post_form(path, form, page=path)
    assert response.status_code == 400
    assert message in visible_text(response.text)
    assert "Your answers were not graded yet" in response.text
    assert "Send my answers" in response.text  # the form is shown again
    attempt = db.session.scalar(select(QuizAttempt))
    assert attempt.state == AttemptState.STARTED
    assert attempt.score is None
    assert count(AttemptAnswer) == 0
    # The attempt can still be answered properly.
    assert browser.post_form(path, answers(page, right=True), page=path).status_code == 302


def test_bad_input_keeps_what_the_learner_chose(course, quiz, learner, browser):
    path, page = open_attempt(browser, course, quiz)
    right = answers(page, right=True)
    kept_name, kept_values = next(iter(right.items()))
    response = browser.post_form(path, {kept_name: kept_values}, page=path)
    assert response.status_code == 400
    for value in kept_values:
        assert (
            f'name="{kept_name}" id="{kept_name}-{value}" value="{value}" checked' in response.text
        )


# Isolation and access ------------------------------------------------------------------------


def test_learners_cannot_see_or_answer_each_others_attempts(
    app, course, quiz, cohort, learner, browser, make_user
):
    path, page = open_attempt(browser, course, quiz)
    other = enrolled_learner(cohort, email="other@city.example")
    theirs = Browser(app.test_client())
    theirs.login(other.email)
    assert theirs.client.get(path).status_code == 404
    assert theirs.post_form(path, answers(page, right=True), page="/dashboard").status_code == 404
    assert db.session.scalar(select(QuizAttempt.state)) == AttemptState.STARTED
    # Their own attempt 1 is theirs alone, and says nothing of the first learner's.
    own, _ = open_attempt(theirs, course, quiz)
    assert own == path
    assert count(QuizAttempt) == 2
    assert db.session.scalar(select(func.count()).where(QuizAttempt.user_id == other.id)) == 1


def test_a_quiz_of_a_module_without_one_is_not_found(course, learner, browser):
    assert browser.client.get(f"/courses/{course.slug}/quizzes/going-further").status_code == 404
    assert browser.client.get(f"/courses/{course.slug}/quizzes/nothing").status_code == 404


def test_a_quiz_without_questions_cannot_be_started(course, quiz, learner, browser):
    db.session.execute(update(Question).values(is_archived=True))
    db.session.commit()
    refused = start(browser, course, quiz)
    assert refused.status_code == 409
    assert "This quiz has no questions yet." in refused.text
    assert count(QuizAttempt) == 0
