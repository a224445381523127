"""Writing to the learners a progress report selects: everyone in Jordan who has not passed
the quiz, with the count shown before sending."""

import pytest
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.mail import OutgoingMail
from app.core.subscriptions import MailOptOut
from app.extensions import db
from tests.factories import enrolled_learner, make_instructor
from tests.html import text, texts
from tests.test_reports import scored_attempt


@pytest.fixture
def teacher(course):
    return make_instructor(course, name="Tomás Pérez")


@pytest.fixture
def learners(spring, quiz):
    found = {
        "rania": enrolled_learner(spring, "rania@amman.example", name="Rania", country="JO"),
        "omar": enrolled_learner(
            spring, "omar@amman.example", name="Omar", country="JO", preferred_language="fr"
        ),
        "sami": enrolled_learner(spring, "sami@irbid.example", name="Sami", country="JO"),
        "ana": enrolled_learner(spring, "ana@bogota.example", name="Ana", country="CO"),
    }
    scored_attempt(found["sami"], quiz, quiz.pass_mark)  # passed
    scored_attempt(found["rania"], quiz, quiz.pass_mark - 1)  # not yet
    db.session.commit()
    return found


def url(course, cohort, **filters) -> str:
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return f"/author/{course.slug}/cohorts/{cohort.slug}/progress/message?{query}"


def test_the_filtered_learners_and_only_they_get_the_message(
    app, course, spring, quiz, teacher, learners, teacher_browser, outbox
):
    # The progress report's own filter: in Jordan, not passed the quiz yet.
    report = teacher_browser.client.get(
        f"/author/{course.slug}/cohorts/{spring.slug}/progress?country=JO&not_passed={quiz.id}"
    )
    assert sorted(texts(report, "tbody th .muted")) == [
        "omar@amman.example",
        "rania@amman.example",
    ]
    write = url(course, spring, country="JO", not_passed=quiz.id)
    assert "Write to these learners" in text(report)

    page = teacher_browser.client.get(write)
    assert page.status_code == 200
    shown = text(page)
    assert "Country: Jordan" in shown
    assert f"Quiz not passed yet: {quiz.title}" in shown
    assert "2 learners will get this message." in shown

    sent = teacher_browser.post_form(
        write,
        {"subject": "Quiz 1 closes on Friday", "body": "You can still pass it.", "expected": "2"},
        page=write,
    )
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith(f"progress?country=JO&not_passed={quiz.id}")
    assert "Your message is on its way to 2 learners." in text(
        teacher_browser.client.get(sent.headers["Location"])
    )
    mails = {m["To"]: m for m in outbox()}
    assert set(mails) == {"rania@amman.example", "omar@amman.example"}
    french = mails["omar@amman.example"]
    assert str(french["Subject"]).strip() == "Example course : Quiz 1 closes on Friday"
    assert french["Reply-To"] == teacher.email
    body = french.get_body(preferencelist=("plain",)).get_content()
    assert "Tomás Pérez, de l'équipe du cours Example course, vous écrit (Spring 2027) :" in body
    assert "You can still pass it." in body
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "learners.messaged")
    ).one()
    assert event.details["recipients"] == 2
    assert event.details["filters"] == {"country": "JO", "not_passed": str(quiz.id)}


def test_a_count_that_changed_since_the_page_was_shown_stops_the_message(
    app, course, spring, quiz, teacher, learners, teacher_browser, outbox
):
    write = url(course, spring, country="JO")
    refused = teacher_browser.post_form(
        write, {"subject": "Hello", "body": "Hi.", "expected": "2"}, page=write
    )
    assert refused.status_code == 409
    assert "The filters now select 3 learners, not 2 as the page said" in text(refused)
    assert db.session.scalars(select(OutgoingMail)).all() == []


def test_those_who_turned_messages_off_are_counted_apart_and_not_written_to(
    app, course, spring, teacher, learners, teacher_browser, outbox
):
    db.session.add(MailOptOut(user_id=learners["ana"].id, topic="announcements"))
    db.session.commit()
    write = url(course, spring)
    page = text(teacher_browser.client.get(write))
    assert "Every learner of the cohort" in page
    assert "3 learners will get this message." in page
    assert "1 more matches but turned messages from the course team off." in page
    teacher_browser.post_form(
        write, {"subject": "Hello", "body": "Hi.", "expected": "3"}, page=write
    )
    assert "ana@bogota.example" not in [m["To"] for m in outbox()]
    assert len(outbox()) == 3


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"subject": ""}, "Give the message a subject."),
        ({"body": " "}, "Write the message."),
        ({"subject": "x" * 201}, "The subject can have at most 200 characters."),
    ],
)
def test_a_message_with_a_mistake_says_so_and_sends_nothing(
    app, course, spring, teacher, learners, teacher_browser, fields, message
):
    write = url(course, spring)
    data = {"subject": "Hello", "body": "Hi.", "expected": "4", **fields}
    response = teacher_browser.post_form(write, data, page=write)
    assert response.status_code == 400
    assert message in text(response)
    assert db.session.scalars(select(OutgoingMail)).all() == []


def test_nobody_to_write_to_shows_no_form(app, course, spring, teacher, learners, teacher_browser):
    page = teacher_browser.client.get(url(course, spring, country="SN"))
    assert "0 learners will get this message." in text(page)
    assert "Nobody to write to: change the filters." in text(page)
    assert texts(page, "main form textarea") == []
