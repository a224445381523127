"""A learner's record for the course staff, and what they can do from it: move the learner to
another cohort, or unenrol them with a reason."""

import pytest
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.mail import send_after_commit
from app.core.types import utcnow
from app.extensions import db
from app.learning.models import Enrollment, LessonProgress
from app.learning.operations import enrol, mark_lesson_done
from app.quizzes.queries import quiz_record
from tests.conftest import Browser
from tests.factories import certified_learner, enrolled_learner, make_instructor
from tests.html import text, texts
from tests.test_reports import scored_attempt


@pytest.fixture
def teacher(course):
    return make_instructor(course, name="Tomás Pérez")


@pytest.fixture
def rania(spring, course, quiz):
    learner = enrolled_learner(
        spring, "rania@amman.example", name="Rania Haddad", country="JO", time_zone="Asia/Amman"
    )
    mark_lesson_done(learner, course.modules[0].lessons[0], now=utcnow())
    scored_attempt(learner, quiz, quiz.pass_mark - 10)
    send_after_commit(
        learner.email, "Reset your password", "…", kind="reset_password", user_id=learner.id
    )
    db.session.commit()
    return learner


def record_url(course, user) -> str:
    return f"/author/{course.slug}/learners/{user.id}"


def enrolment_of(user) -> Enrollment:
    return db.session.scalars(select(Enrollment).where(Enrollment.user_id == user.id)).one()


def test_the_record_shows_what_the_course_knows_of_them(
    app, course, spring, quiz, teacher, rania, teacher_browser, admin_browser
):
    page = teacher_browser.client.get(record_url(course, rania))
    assert page.status_code == 200
    assert page.headers["Cache-Control"].startswith("private")
    shown = text(page)
    assert "Rania Haddad" in shown and "rania@amman.example" in shown
    assert "Spring 2027" in texts(page, "main h3")
    assert "Read every lesson and mark it as done: 1 of 3 done" in shown
    assert f"{quiz.pass_mark - 10} %" in shown and "(passed)" not in shown
    # The course team does not read about the account's own mail; admins do.
    assert "Reset your password" not in shown
    assert "Reset your password" in text(admin_browser.client.get(record_url(course, rania)))
    # The lists that name them link to it: the progress report, the admin's page of the account.
    report = teacher_browser.client.get(f"/author/{course.slug}/cohorts/{spring.slug}/progress")
    assert record_url(course, rania) in report.get_data(as_text=True)
    account = admin_browser.client.get(f"/admin/users/{rania.id}")
    assert record_url(course, rania) in account.get_data(as_text=True)
    assert "Their record in Example course" in text(account)


def test_someone_outside_the_course_has_no_record_in_it(
    app, course, teacher, teacher_browser, make_user
):
    stranger = make_user(email="stranger@city.example")
    assert teacher_browser.client.get(record_url(course, stranger)).status_code == 404
    assert teacher_browser.client.get(f"/author/{course.slug}/learners/999999").status_code == 404


def test_moving_a_learner_to_another_cohort(
    app, course, spring, teacher, rania, teacher_browser, make_cohort
):
    autumn = make_cohort(course, "autumn", title="Autumn 2027")
    enrollment = enrolment_of(rania)
    move = f"{record_url(course, rania)}/enrolments/{enrollment.id}/move"
    page = record_url(course, rania)
    refused = teacher_browser.post_form(move, {"cohort": "no-such-cohort"}, page=page)
    assert refused.status_code == 400
    assert "Choose the cohort to move them to." in text(refused)

    moved = teacher_browser.post_form(move, {"cohort": autumn.slug}, page=page)
    assert moved.status_code == 302
    db.session.expire_all()
    assert enrolment_of(rania).cohort_id == autumn.id
    assert "Rania Haddad is now in Autumn 2027." in text(teacher_browser.client.get(page))
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "enrollment.moved")
    ).one()
    assert event.details == {"from": spring.slug, "to": autumn.slug}
    # Back, then into a cohort they are already in: refused, and nothing changes.
    enrol(rania, spring)
    db.session.commit()
    again = teacher_browser.post_form(move, {"cohort": spring.slug}, page=page)
    assert again.status_code == 409
    assert "Rania Haddad is enrolled in Spring 2027 already." in text(again)


def test_unenrolling_needs_a_reason_and_keeps_what_they_did(
    app, course, spring, teacher, rania, teacher_browser
):
    enrollment = enrolment_of(rania)
    remove = f"{record_url(course, rania)}/enrolments/{enrollment.id}/remove"
    page = record_url(course, rania)
    refused = teacher_browser.post_form(remove, {"reason": " "}, page=page)
    assert refused.status_code == 400
    assert "Say why they leave the cohort." in text(refused)
    assert enrolment_of(rania).id == enrollment.id

    done = teacher_browser.post_form(remove, {"reason": "Left the city council"}, page=page)
    assert done.status_code == 302
    assert db.session.scalars(select(Enrollment).where(Enrollment.user_id == rania.id)).all() == []
    assert db.session.scalars(
        select(LessonProgress).where(LessonProgress.user_id == rania.id)
    ).all()
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "enrollment.removed")
    ).one()
    assert event.details == {"cohort": spring.slug, "reason": "Left the city council"}


def test_a_certified_learner_is_neither_moved_nor_unenrolled(
    app, course, spring, teacher, teacher_browser, admin, make_cohort
):
    certificate = certified_learner(spring, admin, "holder@city.example", "Holder One")
    holder = certificate.user
    enrollment = enrolment_of(holder)
    page = record_url(course, holder)
    assert "revoke it first" in text(teacher_browser.client.get(page))
    autumn = make_cohort(course, "autumn")
    moved = teacher_browser.post_form(
        f"{page}/enrolments/{enrollment.id}/move", {"cohort": autumn.slug}, page=page
    )
    assert moved.status_code == 409
    removed = teacher_browser.post_form(
        f"{page}/enrolments/{enrollment.id}/remove", {"reason": "test"}, page=page
    )
    assert removed.status_code == 409
    db.session.expire_all()
    assert enrolment_of(holder).cohort_id == spring.id


def test_one_more_attempt_for_a_learner_who_used_theirs(
    app, course, spring, quiz, teacher, rania, teacher_browser
):
    quiz.max_attempts, quiz.wait_minutes = 1, 0
    db.session.commit()
    record = quiz_record(rania, quiz, questions=False)
    assert (record.attempts_left, record.can_start(utcnow())) == (0, False)
    page = teacher_browser.client.get(record_url(course, rania))
    assert f"{quiz.title}: 1 of 1 attempts used" in text(page)
    grant = f"{record_url(course, rania)}/quizzes/{quiz.id}/grant"
    given = teacher_browser.post_form(grant, {}, page=record_url(course, rania))
    assert given.status_code == 302
    shown = text(teacher_browser.client.get(record_url(course, rania)))
    assert (
        f"Rania Haddad may now make one more attempt at “{quiz.title}” (1 given in all)." in shown
    )
    assert "1 of 2 attempts used (1 given by the course team)" in shown
    db.session.expire_all()
    record = quiz_record(rania, quiz, questions=False)
    assert (record.attempts_left, record.can_start(utcnow())) == (1, True)
    # The learner's own pages read the same rule: the quiz lets them start again.
    learner = Browser(app.test_client())
    learner.login("rania@amman.example")
    start = f"/courses/{course.slug}/quizzes/{quiz.module.slug}/attempts"
    started = learner.post_form(
        start, {}, page=f"/courses/{course.slug}/quizzes/{quiz.module.slug}"
    )
    assert started.status_code == 302 and started.headers["Location"].endswith("/attempts/2")
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "quiz.attempt_granted")
    ).one()
    assert event.details["extra"] == 1
