"""Mail about live sessions: reminders a day and an hour before, in each learner's language and
time zone, and a notice to the cohort when a session moves, changes link or is cancelled.

The clock is frozen (time-machine) at the moments that matter; the scheduler's pass is the job
the worker runs each minute, called with that moment.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from icalendar import Calendar
from sqlalchemy import select

from app.accounts.models import User
from app.authoring.session_operations import EDITABLE, cancel_session, update_session
from app.catalog.models import LiveSession, SessionStatus
from app.core.mail import MailState, OutgoingMail, queue_notifications
from app.core.subscriptions import MailOptOut, MailTopic, unsubscribe_token
from app.extensions import db
from app.live.notices import LEADS, reminder_due_at, write_due_reminders
from tests.factories import enrolled_learner, make_instructor
from tests.html import text

# Thursday 8 July 2027, 07:00 UTC: 16:00 in Seoul, 09:00 in Paris, 02:00 in Bogotá.
START = datetime(2027, 7, 8, 7, 0, tzinfo=UTC)
DAY, HOUR = LEADS


@pytest.fixture
def summer(course, make_cohort):
    with time_machine.travel(datetime(2027, 6, 1, tzinfo=UTC), tick=False):
        cohort = make_cohort(course, "summer", title="Summer 2027")
    return cohort


@pytest.fixture
def session(summer):
    live = LiveSession(
        cohort_id=summer.id,
        slug="care-maps",
        title="Mapping care in your city",
        starts_at=START,
        time_zone="Europe/Madrid",
        duration_minutes=90,
        join_url="https://meeting.example/j/123",
        status=SessionStatus.SCHEDULED,
        sequence=0,
    )
    db.session.add(live)
    db.session.commit()
    return live


@pytest.fixture
def learners(summer):
    """Three learners of the cohort, each in their own zone and language."""
    return {
        "seoul": enrolled_learner(
            summer, "min@seoul.example", name="Min-jun Park", time_zone="Asia/Seoul"
        ),
        "paris": enrolled_learner(
            summer,
            "claire@paris.example",
            name="Claire Martin",
            time_zone="Europe/Paris",
            preferred_language="fr",
        ),
        "bogota": enrolled_learner(
            summer,
            "ana@bogota.example",
            name="Ana Gómez",
            time_zone="America/Bogota",
            preferred_language="es",
        ),
    }


def run_pass(moment: datetime) -> int:
    """The scheduler's pass at `moment`, with the clock there (the worker writes the mail)."""
    with time_machine.travel(moment, tick=False):
        written = write_due_reminders(moment)
        db.session.commit()
    return written


def subject(message) -> str:
    """The subject as a mail program shows it (a long one is folded after "Subject:")."""
    return str(message["Subject"]).strip()


def mails(outbox, kind_subject: str) -> dict[str, object]:
    """The messages whose subject starts with `kind_subject`, by recipient."""
    return {m["To"]: m for m in outbox() if subject(m).startswith(kind_subject)}


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def calendar_of(message) -> Calendar:
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    return Calendar.from_ical(attachment.get_content())


def test_a_day_before_each_learner_gets_one_reminder_at_a_waking_hour(
    app, session, learners, outbox
):
    # Bogotá's day-before moment (02:00 on their clock) is in the night: it goes at 21:00
    # the evening before, 29 hours before the start.
    assert run_pass(START - timedelta(hours=29, minutes=1)) == 0
    assert run_pass(START - timedelta(hours=29)) == 1
    assert list(mails(outbox, "Recordatorio")) == ["ana@bogota.example"]
    assert run_pass(START - timedelta(hours=24, minutes=1)) == 0
    assert run_pass(START - timedelta(hours=24)) == 2
    assert run_pass(START - timedelta(hours=24)) == 0  # again: nothing more
    assert run_pass(START - timedelta(hours=3)) == 0

    seoul = mails(outbox, "Reminder")["min@seoul.example"]
    assert subject(seoul) == "Reminder: Mapping care in your city, Thursday 8 July, 16:00 GMT+9"
    body = body_of(seoul)
    assert "Hello Min-jun Park," in body
    assert "starts in 1 day." in body
    assert "When: Thursday 8 July 2027, 16:00–17:30 GMT+9" in body
    assert "(in your time zone, Seoul;" in body
    assert f"http://localhost/live/{session.id}/join" in body
    # The calendar file: the session at its UTC time, with the platform's join link.
    (event,) = calendar_of(seoul).walk("VEVENT")
    assert event.decoded("dtstart") == START
    assert event["sequence"] == 0
    assert str(event["location"]) == f"http://localhost/live/{session.id}/join"

    paris = mails(outbox, "Rappel")["claire@paris.example"]
    assert "jeudi 8 juillet, 09:00 UTC+2" in subject(paris)
    assert "Bonjour Claire Martin," in body_of(paris)
    assert paris["Content-Language"] == "fr"

    bogota = mails(outbox, "Recordatorio")["ana@bogota.example"]
    assert "jueves, 8 de julio, 02:00 GMT-5" in subject(bogota)
    assert "comienza en 1 día y 5 horas" in body_of(bogota)

    stored = db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)).all()
    assert [mail.state for mail in stored] == [MailState.SENT] * 3
    assert {mail.kind for mail in stored} == {"session_reminder"}


def test_an_hour_before_comes_a_second_reminder_and_never_a_third(app, session, learners, outbox):
    run_pass(START - timedelta(hours=29))
    run_pass(START - timedelta(hours=24))
    assert run_pass(START - timedelta(hours=1, minutes=1)) == 0
    assert run_pass(START - timedelta(hours=1)) == 3
    assert run_pass(START - timedelta(minutes=10)) == 0
    assert run_pass(START + timedelta(minutes=1)) == 0  # begun: nothing
    hour = mails(outbox, "Reminder")
    assert len(outbox()) == 6
    assert "starts in 1 hour." in body_of(
        [m for m in outbox() if m["To"] == "min@seoul.example"][-1]
    )
    assert set(hour) == {"min@seoul.example"}


def test_a_session_added_late_is_reminded_of_once_with_the_time_left(
    app, session, learners, outbox
):
    # First seen five hours before: the day-before reminder is still due (closer than two
    # hours only the hour's one goes), and says how long is left.
    assert run_pass(START - timedelta(hours=5)) == 3
    assert "starts in 5 hours." in body_of(mails(outbox, "Reminder")["min@seoul.example"])
    assert run_pass(START - timedelta(hours=1, minutes=59)) == 0
    assert run_pass(START - timedelta(minutes=30)) == 3


def test_the_night_rule():
    assert reminder_due_at(START, DAY, "Asia/Seoul") == START - timedelta(hours=24)
    # 02:00 in Bogotá: the evening before, 21:00 Bogotá.
    assert reminder_due_at(START, DAY, "America/Bogota") == datetime(2027, 7, 7, 2, tzinfo=UTC)
    # 23:00 in Honolulu (UTC-10) the day before: 21:00 that same evening.
    late = datetime(2027, 7, 8, 9, tzinfo=UTC)
    assert reminder_due_at(late, DAY, "Pacific/Honolulu") == datetime(2027, 7, 7, 7, tzinfo=UTC)
    # The hour's reminder is never moved: the learner is about to join.
    assert reminder_due_at(START, HOUR, "America/Bogota") == START - timedelta(hours=1)


def test_the_pass_costs_the_same_few_queries_for_any_number_of_learners(
    app, session, summer, count_queries
):
    def queries_for(learners: int, moment: datetime) -> int:
        for number in range(learners):
            enrolled_learner(summer, f"l{moment.hour}-{number}@city.example", time_zone="UTC")
        with count_queries() as counter:
            written = write_due_reminders(moment)
        db.session.commit()
        assert written >= learners
        return counter.count

    with time_machine.travel(START - timedelta(hours=24), tick=False):
        few = queries_for(2, START - timedelta(hours=24))
    with time_machine.travel(START - timedelta(hours=1), tick=False):
        many = queries_for(40, START - timedelta(hours=1))
    assert few == many


def test_a_moved_session_tells_its_cohort_once_and_is_reminded_of_at_its_new_time(
    app, session, learners, outbox, course
):
    teacher = make_instructor(course)
    run_pass(START - timedelta(hours=24))  # Seoul and Paris had their day-before reminder
    later = START + timedelta(hours=2)
    with time_machine.travel(START - timedelta(hours=20), tick=False):
        values = {name: getattr(session, name) for name in EDITABLE}
        values["starts_at"] = later
        assert update_session(session, values, actor=teacher) == ["starts_at"]
        db.session.commit()

    notices = mails(outbox, "New time")
    assert set(notices) == {"min@seoul.example"}
    body = body_of(notices["min@seoul.example"])
    assert "has a new time." in body
    assert "When: Thursday 8 July 2027, 18:00–19:30 GMT+9" in body
    assert "(before: Thursday 8 July 2027, 16:00–17:30 GMT+9)" in body
    (event,) = calendar_of(notices["min@seoul.example"]).walk("VEVENT")
    assert event["sequence"] == 1
    assert event.decoded("dtstart") == later
    assert "Nouvel horaire" in str(
        mails(outbox, "Nouvel horaire")["claire@paris.example"]["Subject"]
    )
    assert len(mails(outbox, "Nuevo horario")) == 1
    changes = db.session.scalars(
        select(OutgoingMail).where(OutgoingMail.kind == "session_changed")
    ).all()
    assert len(changes) == 3

    # At the new time, a day before: a new reminder to each (the old ones were for another
    # start; Bogotá's is due since 21:00 the evening before, on their clock).
    assert run_pass(later - timedelta(hours=24)) == 3
    assert "18:00 GMT+9" in subject(mails(outbox, "Reminder")["min@seoul.example"])


def test_a_cancelled_session_is_told_and_its_waiting_reminders_are_not_sent(
    app, session, learners, outbox, course
):
    teacher = make_instructor(course)
    # A reminder written, then the session is cancelled before a worker sends it.
    with time_machine.travel(START - timedelta(hours=24), tick=False):
        write_due_reminders(START - timedelta(hours=24))
        db.session.flush()
        waiting = db.session.info.pop("outgoing_mail")  # not delivered at this commit
        db.session.commit()
        assert cancel_session(session, actor=teacher)
        db.session.commit()
        from app.core.mail import deliver_mail

        deliver_mail(*[mail_id for _, mail_id in waiting])

    cancelled = mails(outbox, "Cancelled")
    assert set(cancelled) == {"min@seoul.example"}
    assert "is cancelled." in body_of(cancelled["min@seoul.example"])
    (event,) = calendar_of(cancelled["min@seoul.example"]).walk("VEVENT")
    assert str(event["status"]) == "CANCELLED"
    assert mails(outbox, "Reminder") == {}
    reminders = db.session.scalars(
        select(OutgoingMail).where(OutgoingMail.kind == "session_reminder")
    ).all()
    assert {mail.state for mail in reminders} == {MailState.DROPPED}
    assert run_pass(START - timedelta(hours=1)) == 0


def test_a_change_nobody_needs_to_hear_about_writes_nothing(app, session, learners, outbox, course):
    teacher = make_instructor(course)
    with time_machine.travel(START - timedelta(days=3), tick=False):
        values = {name: getattr(session, name) for name in EDITABLE}
        values["title"] = "Mapping care, together"
        assert update_session(session, values, actor=teacher) == ["title"]
        db.session.commit()
    assert outbox() == []


def test_a_new_link_is_told_with_the_platform_link_to_use(app, session, learners, outbox, course):
    teacher = make_instructor(course)
    with time_machine.travel(START - timedelta(days=3), tick=False):
        values = {name: getattr(session, name) for name in EDITABLE}
        values["join_url"] = "https://meeting.example/j/456"
        update_session(session, values, actor=teacher)
        db.session.commit()
    notice = mails(outbox, "New link")["min@seoul.example"]
    body = body_of(notice)
    assert "has a new meeting link." in body
    assert f"http://localhost/live/{session.id}/join" in body
    assert "meeting.example" not in body  # the meeting's own address stays behind the login


def test_one_click_unsubscribe_works_without_logging_in(app, session, learners, outbox):
    run_pass(START - timedelta(hours=24))
    seoul = mails(outbox, "Reminder")["min@seoul.example"]
    assert seoul["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    address = str(seoul["List-Unsubscribe"]).strip("<>")
    assert address.startswith("http://localhost/mail/unsubscribe/")
    assert f"Stop these mails with one click: {address}" in body_of(seoul)

    anonymous = app.test_client()
    path = address.removeprefix("http://localhost")
    # Following the link (a person, or a mail scanner) only asks.
    page = anonymous.get(path)
    assert page.status_code == 200
    assert "Stop sending “Reminders before live sessions” to min@seoul.example?" in text(page)
    assert page.headers["Cache-Control"] == "no-store"
    assert db.session.scalars(select(MailOptOut)).all() == []
    # The mail program's one-click POST: no cookie, no CSRF token, just the RFC 8058 body.
    done = anonymous.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "min@seoul.example no longer receives “Reminders before live sessions”" in text(done)
    (row,) = db.session.scalars(select(MailOptOut)).all()
    assert (row.user_id, row.topic) == (learners["seoul"].id, "session_reminders")
    again = anonymous.post(path, data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200
    assert "nothing needed changing" in text(again)
    assert len(db.session.scalars(select(MailOptOut)).all()) == 1

    # The hour's reminder goes to the two others only; change notices still reach all three.
    assert run_pass(START - timedelta(hours=1)) == 2
    received = [m["To"] for m in outbox()]
    assert received.count("min@seoul.example") == 1
    assert received.count("claire@paris.example") == 2


def test_an_unsubscribe_link_that_is_not_ours_says_so(app, learners):
    client = app.test_client()
    forged = unsubscribe_token(learners["seoul"].id, MailTopic.SESSION_REMINDERS)[:-3] + "abc"
    for method in (client.get, client.post):
        response = method(f"/mail/unsubscribe/{forged}")
        assert response.status_code == 404
        assert "This link does not work" in text(response)
    assert db.session.scalars(select(MailOptOut)).all() == []


def test_a_learner_who_turned_reminders_off_after_they_were_written_is_not_sent_one(
    app, session, learners, outbox
):
    with time_machine.travel(START - timedelta(hours=24), tick=False):
        write_due_reminders(START - timedelta(hours=24))
        db.session.flush()
        waiting = db.session.info.pop("outgoing_mail")
        db.session.commit()
        db.session.add(MailOptOut(user_id=learners["paris"].id, topic="session_reminders"))
        db.session.commit()
        from app.core.mail import deliver_mail

        deliver_mail(*[mail_id for _, mail_id in waiting])
    assert set(mails(outbox, "Reminder")) == {"min@seoul.example"}
    assert mails(outbox, "Rappel") == {}
    paris = db.session.scalars(
        select(OutgoingMail).where(OutgoingMail.user_id == learners["paris"].id)
    ).one()
    assert paris.state == MailState.DROPPED
    assert paris.last_error == "the recipient turned session_reminders off"


def test_the_mail_settings_page_turns_kinds_off_and_on(app, browser, learners):
    browser.login("min@seoul.example")
    page = browser.client.get("/account/mail")
    assert page.status_code == 200
    assert page.headers["Cache-Control"].startswith("private")
    assert "Reminders before live sessions" in text(page)
    response = browser.post_form("/account/mail", {"session_changes": "y"}, page="/account/mail")
    assert response.status_code == 302
    turned_off = db.session.scalars(select(MailOptOut.topic).order_by(MailOptOut.topic)).all()
    assert turned_off == sorted(
        topic.value for topic in MailTopic if topic.value != "session_changes"
    )
    assert "session_reminders" in turned_off
    page = browser.client.get("/account/mail")
    assert "Your mail settings are saved." in text(page)
    browser.post_form(
        "/account/mail",
        dict.fromkeys([topic.value for topic in MailTopic], "y"),
        page="/account/mail",
    )
    assert db.session.scalars(select(MailOptOut)).all() == []
    # Without its CSRF token the form changes nothing.
    refused = browser.client.post("/account/mail", data={})
    assert refused.status_code == 400
    assert db.session.scalars(select(MailOptOut)).all() == []


def test_a_notification_is_written_once_however_often_it_is_queued(app, learners):
    seoul = learners["seoul"]
    recipients = select(User.id, User.email).where(User.id == seoul.id)
    with time_machine.travel(START, tick=False):
        for expected in (1, 0):
            written = queue_notifications(
                "test", recipients, key_prefix="test:", payload={"n": 1}, now=START
            )
            assert written == expected
        db.session.info.pop("outgoing_mail")
        db.session.commit()
    (mail,) = db.session.scalars(select(OutgoingMail)).all()
    assert (mail.idempotency_key, mail.user_id, mail.recipient) == (
        f"test:{seoul.id}",
        seoul.id,
        "min@seoul.example",
    )
    assert (mail.payload, mail.state, mail.tries, mail.created_at) == (
        {"n": 1},
        MailState.QUEUED,
        0,
        START,
    )


def test_the_unsubscribe_page_speaks_the_language_the_mail_was_written_in(app, learners):
    token = unsubscribe_token(learners["bogota"].id, MailTopic.SESSION_CHANGES)
    page = app.test_client().get(f"/mail/unsubscribe/{token}")  # a browser set to English
    assert page.status_code == 200
    assert "¿Dejar de enviar «Cambios en las sesiones en directo» a ana@bogota.example?" in text(
        page
    )
