"""Deleting an account erases the person from every table, the audit log's details included."""

import json
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.catalog.models import EnrolmentMode, LiveSession, Quiz
from app.catalog.outline import outline_of
from app.certificates.models import Certificate
from app.certificates.operations import confirm_certificate_name, issue_certificate
from app.core.audit import AuditEvent
from app.core.permissions import Role
from app.extensions import db
from app.learning.models import Application, Enrollment
from app.learning.operations import decide_application, mark_lesson_done, submit_application
from app.live.operations import (
    create_calendar_feed,
    mark_attendance,
    mark_recording_watched,
)
from app.quizzes.grading import field_name
from app.quizzes.operations import attempt_questions, start_attempt, submit_attempt
from app.quizzes.queries import quiz_record
from tests.conftest import Browser
from tests.test_accounts import REGISTRATION
from tests.test_applications import MOTIVATION, apply

EMAIL = "zeynep.ornek@ornekkoy.example"
FIRST_NAME = "Zeynep Örnek"
NAME = "Zeynep Çağlayan Örnek"
CERTIFICATE_NAME = "Zeynep Ç. Örnek"
ORGANISATION = "Örnekköy Belediyesi"
CITY = "Örnekköy"


@pytest.fixture
def app_config():
    return {"PUBLIC_URL": "https://courses.example.org"}


def everything_matching(texts: list[str]) -> list[tuple[str, str, str]]:
    """(table, column, text) of every value in the database holding one of `texts`."""
    wanted = [text.casefold() for text in texts]
    found = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).mappings():
            for column, value in row.items():
                if isinstance(value, bytes):
                    value = value.decode("latin-1")
                elif isinstance(value, dict | list):
                    value = json.dumps(value, ensure_ascii=False)
                if not isinstance(value, str):
                    continue
                for text in wanted:
                    if text in value.casefold():
                        found.append((table.name, column, text))
    return found


def test_deleting_an_account_leaves_no_copy_of_its_address_or_names(
    app, make_user, make_cohort, imported_example, outbox
):
    course = imported_example
    admin = make_user(Role.ADMIN, email="admin@city.example", name="Ada Admin")
    instructor = make_user(Role.INSTRUCTOR, email="teacher@city.example", courses=[course])
    browser = Browser(app.test_client())

    # Registers, confirms the address from the mail, logs in, edits the profile.
    registration = {
        **REGISTRATION,
        "email": EMAIL,
        "name": FIRST_NAME,
        "organisation": ORGANISATION,
    }
    assert browser.post_form("/register", registration).status_code < 400
    link = re.search(
        r"https?://\S+/confirm-email/\S+",
        outbox()[-1].get_body(preferencelist=("plain",)).get_content(),
    ).group()
    assert browser.client.get(urlsplit(link).path).status_code == 302
    assert browser.login(EMAIL, registration["password"]).status_code == 302
    profile = {
        "name": NAME,
        "organisation": ORGANISATION,
        "position": "Head of social services",
        "city": CITY,
        "country": "TR",
        "preferred_language": "en",
        "time_zone": "Europe/Istanbul",
    }
    assert browser.post_form("/account", profile).status_code == 302
    learner = db.session.scalar(select(User).where(User.email == EMAIL))

    # Applies to a cohort that asks for approval, and an admin approves.
    approval = make_cohort(course, mode=EnrolmentMode.APPROVAL)
    assert apply(browser, course, approval).status_code == 302
    application = db.session.scalar(select(Application).where(Application.user_id == learner.id))
    decide_application(application, True, actor=admin, message="Welcome to the programme.")

    # Joins the example's open cohort, at a moment inside its window and sessions.
    cohort = next(c for c in course.cohorts if c.slug == "2027-spring")
    session = db.session.scalar(
        select(LiveSession).where(
            LiveSession.cohort_id == cohort.id, LiveSession.slug == "session-1"
        )
    )
    during = session.starts_at + timedelta(minutes=10)
    submit_application(
        learner,
        cohort,
        motivation=MOTIVATION,
        confirms_public_official=True,
        now=cohort.applications_open_at + timedelta(days=1),
    )
    mark_lesson_done(learner, course.modules[0].lessons[0], now=during)
    quiz = db.session.scalar(select(Quiz).where(Quiz.module_id == course.modules[0].id))
    attempt = start_attempt(learner, quiz_record(learner, quiz), now=during, zone="UTC")
    shown = attempt_questions(attempt)
    answers = {field_name(question.id): [str(choices[0].id)] for question, choices in shown}
    submit_attempt(learner, attempt, shown, answers, course=outline_of(course), now=during)
    mark_attendance(session, learner, present=True, actor=instructor, now=during)
    mark_attendance(session, learner, present=False, actor=instructor, now=during)
    mark_recording_watched(learner, session, now=session.ends_at + timedelta(hours=1))
    create_calendar_feed(learner, now=during)
    confirm_certificate_name(learner, CERTIFICATE_NAME, now=during)
    enrollment = db.session.scalar(
        select(Enrollment).where(
            Enrollment.user_id == learner.id, Enrollment.cohort_id == cohort.id
        )
    )
    certificate = issue_certificate(
        enrollment, actor=admin, now=session.ends_at, reason="Agreed alternative to the sessions."
    )
    db.session.commit()
    Browser(app.test_client()).post_form("/forgot-password", {"email": EMAIL})

    texts = [EMAIL, FIRST_NAME, NAME, CERTIFICATE_NAME, ORGANISATION]
    before = {table for table, _column, _text in everything_matching(texts)}
    # The activity left copies across the database, the audit log's details among them.
    assert {"users", "certificates", "audit_events"} <= before

    deleted = browser.post_form(
        "/account/delete", {"password": registration["password"], "confirm": "y"}
    )
    assert deleted.status_code == 302
    db.session.expire_all()

    # The issued certificate stays, with the name it prints and its signed credential, which
    # states that name (docs/accounts.md; the VC-JWT holds it too, base64url-encoded); nothing
    # else.
    left = everything_matching(texts)
    assert left == [
        ("certificates", "holder_name", CERTIFICATE_NAME.casefold()),
        ("certificates", "credential_ld", CERTIFICATE_NAME.casefold()),
    ]
    assert db.session.get(Certificate, certificate.id).holder_name == CERTIFICATE_NAME
    # Who did what stays in the log, without the person's words.
    marked = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "live.attendance_marked")
    )
    assert (marked.actor_id, marked.details["learner"]) == (instructor.id, learner.id)
