"""Helpers for tests of the learner's path: reading quiz forms, answering quizzes.

(Enrolled learners are made by tests.factories.enrolled_learner.)"""

from sqlalchemy import select

from app.catalog.models import Choice, Course
from app.extensions import db
from tests.html import choices


def form_choices(page: str) -> dict[str, list[int]]:
    """The quiz form's questions (q-<id>) and the choice ids each offers, in the order shown."""
    return {
        name: [int(value) for value in values]
        for name, values in choices(page, "form:has(input[name^='q-'])").items()
        if name.startswith("q-")
    }


def answers(page: str, right: bool = True) -> dict[str, list[str]]:
    """Answers to every question of a quiz form: the right ones, or a wrong one each."""
    fields = form_choices(page)
    ids = [choice_id for offered in fields.values() for choice_id in offered]
    correct = set(
        db.session.scalars(select(Choice.id).where(Choice.id.in_(ids), Choice.is_correct))
    )
    chosen = {}
    for name, offered in fields.items():
        if right:
            chosen[name] = [str(i) for i in offered if i in correct]
        else:
            chosen[name] = [str(next(i for i in offered if i not in correct))]
    return chosen


def quiz_url(course: Course, module) -> str:
    return f"/courses/{course.slug}/quizzes/{module.slug}"


def take_quiz(browser, course, module, right: bool = True):
    """Start an attempt, answer it, submit it; the response to the submission."""
    started = browser.post_form(
        f"{quiz_url(course, module)}/attempts", {}, page=quiz_url(course, module)
    )
    assert started.status_code == 302, started.get_data(as_text=True)
    attempt_path = started.headers["Location"]
    page = browser.client.get(attempt_path).get_data(as_text=True)
    return browser.post_form(attempt_path, answers(page, right), page=attempt_path)
