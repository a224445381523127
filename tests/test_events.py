"""What a lower package makes a higher one do (app/core/events.py): a completion is recorded
whatever the learner did last, the course's automatic certificate follows in the same
transaction, and every question a lower package asks has an answer."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.certificates.models import Certificate
from app.core import events
from app.core.types import utcnow
from app.extensions import db
from app.learning.operations import mark_lesson_done
from app.live.operations import mark_attendance
from tests.learning_helpers import take_quiz
from tests.test_live_sessions import completed_at, join, session_of, starts_in


def certificates(user) -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).where(Certificate.user_id == user.id)))


def lessons(course):
    return [lesson for module in course.visible_modules() for lesson in module.published_lessons()]


def quiz_modules(course):
    modules = [module for module in course.visible_modules() if module.published_quiz]
    for module in modules:
        module.published_quiz.wait_minutes = 0
    db.session.commit()
    return modules


@pytest.fixture
def automatic(course):
    """The example course (lessons, quizzes and one live session) issues by itself."""
    course.certificate = {**course.certificate, "automatic": True}
    db.session.commit()
    return course


@pytest.mark.parametrize("last", ["lesson", "quiz", "live session"])
def test_whatever_the_learner_does_last_completes_the_course_and_issues(
    automatic, spring, lea, lea_browser, last
):
    course = automatic
    *first_lessons, last_lesson = lessons(course)
    *first_quizzes, last_quiz = quiz_modules(course)
    live = session_of(spring, "session-1")
    starts_in(live, -timedelta(minutes=20))
    for lesson in first_lessons + ([last_lesson] if last != "lesson" else []):
        mark_lesson_done(lea, lesson, now=utcnow())
    db.session.commit()
    for module in first_quizzes + ([last_quiz] if last != "quiz" else []):
        assert take_quiz(lea_browser, course, module).status_code == 302
    if last != "live session":
        assert join(lea_browser, live).status_code == 303
    assert completed_at(lea, spring) is None
    assert certificates(lea) == []

    if last == "lesson":
        lesson_url = f"/courses/{course.slug}/lessons/{last_lesson.slug}"
        done = lea_browser.post_form(f"{lesson_url}/done", {}, page=lesson_url)
        assert done.status_code == 302
    elif last == "quiz":
        assert take_quiz(lea_browser, course, last_quiz).status_code == 302
    else:
        assert join(lea_browser, live).status_code == 303

    assert completed_at(lea, spring) is not None
    [certificate] = certificates(lea)
    assert certificate.enrollment.cohort_id == spring.id
    assert certificate.issued_by_id is None  # issued by the course, not by a person


def test_the_certificate_is_issued_in_the_transaction_of_the_completion(
    automatic, spring, lea, lea_browser, teacher
):
    course = automatic
    for lesson in lessons(course):
        mark_lesson_done(lea, lesson, now=utcnow())
    db.session.commit()
    for module in quiz_modules(course):
        assert take_quiz(lea_browser, course, module).status_code == 302
    live = session_of(spring, "session-1")
    starts_in(live, -timedelta(minutes=20))

    assert mark_attendance(live, lea, present=True, actor=teacher, now=utcnow())
    assert completed_at(lea, spring) is not None
    assert len(certificates(lea)) == 1  # flushed with the completion, not committed
    db.session.rollback()
    assert completed_at(lea, spring) is None
    assert certificates(lea) == []


def test_every_question_of_a_lower_package_is_answered(app):
    providers = [value for value in vars(events).values() if isinstance(value, events.Provider)]
    assert len(providers) >= 4
    assert [provider.question for provider in providers if provider.answer is None] == []
    assert events.enrollment_completed.receivers


def test_an_unanswered_question_says_which():
    question = events.Provider("how many lessons there are")
    with pytest.raises(LookupError, match="nothing answers: how many lessons there are"):
        question()
    question.provide(lambda: 3)
    assert question() == 3


def test_person_records_export_up_the_layers_and_erase_down():
    calls = []
    records = events.PersonRecords()
    for package in ("catalog", "learning", "certificates"):
        records.register(
            package,
            export=lambda user, package=package: {package: user},
            erase=lambda user, package=package: calls.append(package) or [f"{package} name"],
        )
    assert list(records.export("ana")) == ["catalog", "learning", "certificates"]
    assert records.erase("ana") == ["certificates name", "learning name", "catalog name"]
    assert calls == ["certificates", "learning", "catalog"]
