"""The stalled-learner mail: after 10 days without a step, one mail with the learner's next
step and what the certificate still asks; one per silence, at most one a fortnight, never
after completion. The clock is frozen at each moment that matters.

The example course's Spring 2027 cohort runs from 15 March to 30 April 2027.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.core.mail import MailState, OutgoingMail, deliver_mail
from app.core.subscriptions import MailOptOut
from app.extensions import db
from app.learning.models import Enrollment
from app.learning.nudges import write_stalled_nudges
from app.learning.operations import mark_lesson_done
from app.quizzes.models import QuizRecord
from app.quizzes.operations import start_attempt
from tests.factories import enrolled_learner

ENROLLED = datetime(2027, 3, 1, 9, tzinfo=UTC)
STARTS = datetime(2027, 3, 15, tzinfo=UTC)


@pytest.fixture
def idle(spring, make_user):
    make_user()  # so that no learner's id is their enrolment's id by chance
    with time_machine.travel(ENROLLED, tick=False):
        return enrolled_learner(
            spring, "idle@city.example", name="Ana Gómez", preferred_language="es"
        )


@pytest.fixture
def reader(spring):
    with time_machine.travel(ENROLLED, tick=False):
        return enrolled_learner(spring, "reader@city.example", name="Lee Reader", time_zone="UTC")


def first_lesson(course):
    return course.modules[0].lessons[0]


def step(user, course, moment: datetime, lesson=None) -> None:
    """The learner marks a lesson done at `moment`."""
    with time_machine.travel(moment, tick=False):
        mark_lesson_done(user, lesson or first_lesson(course), now=moment)
        db.session.commit()


def run_pass(moment: datetime) -> int:
    with time_machine.travel(moment, tick=False):
        written = write_stalled_nudges(moment)
        db.session.commit()
    return written


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def to(outbox, address: str) -> list:
    return [m for m in outbox() if m["To"] == address]


def test_a_silent_learner_gets_one_mail_with_the_next_step_and_what_is_left(
    app, course, idle, reader, outbox
):
    step(reader, course, datetime(2027, 3, 20, 9, tzinfo=UTC))
    # Ten days after the cohort began, not before: the idle learner enrolled weeks earlier.
    assert run_pass(STARTS + timedelta(days=10) - timedelta(seconds=1)) == 0
    assert run_pass(STARTS + timedelta(days=10)) == 1
    (mail,) = to(outbox, "idle@city.example")
    assert str(mail["Subject"]).strip() == "Su próximo paso en Example course"
    body = body_of(mail)
    assert "Hola, Ana Gómez:" in body
    assert "Se inscribió en Example course (Spring 2027) hace 23 días" in body
    assert "Ha hecho el 0 % de lo que pide el certificado." in body
    lesson = first_lesson(course)
    assert f"http://localhost/courses/example-course/lessons/{lesson.slug}" in body
    assert "Lo que aún pide el certificado:" in body
    assert "- Lea cada lección y márquela como completada: 0 de" in body
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Once per silence: the same moment, the next day, four days later: nothing more.
    for later in (timedelta(0), timedelta(days=1), timedelta(days=4)):
        assert run_pass(STARTS + timedelta(days=10) + later) == 0
    # The reader's own silence began on 20 March: their mail comes ten days later.
    assert run_pass(datetime(2027, 3, 30, 9, tzinfo=UTC)) == 1
    (mail,) = to(outbox, "reader@city.example")
    assert "It has been 10 days since your last step in Example course (Spring 2027)." in body_of(
        mail
    )
    assert len(outbox()) == 2
    stored = db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)).all()
    assert [(m.kind, m.state) for m in stored] == [("stalled_learner", MailState.SENT)] * 2
    # Each key names its enrolment (not its person: a person may have several).
    enrolments = db.session.scalars(select(Enrollment).order_by(Enrollment.user_id)).all()
    ends = [m.idempotency_key.rsplit(":", 1)[1] for m in stored]
    assert ends == [str(e.id) for e in enrolments if e.user_id in (idle.id, reader.id)]


def test_after_coming_back_a_second_silence_waits_a_fortnight_from_the_first_mail(
    app, course, idle, outbox
):
    assert run_pass(STARTS + timedelta(days=10)) == 1  # 25 March
    step(idle, course, datetime(2027, 3, 26, 9, tzinfo=UTC))
    # Quiet again for ten days on 5 April, but the first mail was eleven days before.
    assert run_pass(datetime(2027, 4, 5, 9, tzinfo=UTC)) == 0
    assert run_pass(datetime(2027, 4, 8, 0, tzinfo=UTC)) == 1  # a fortnight after it
    assert len(to(outbox, "idle@city.example")) == 2
    assert "Han pasado 12 días desde su último paso" in body_of(to(outbox, "idle@city.example")[1])


def test_no_mail_after_completion_after_the_cohort_or_to_those_who_said_no(
    app, course, idle, reader, outbox
):
    enrollment = db.session.scalars(select(Enrollment).where(Enrollment.user_id == reader.id)).one()
    enrollment.completed_at = datetime(2027, 3, 10, tzinfo=UTC)
    db.session.add(MailOptOut(user_id=idle.id, topic="progress_reminders"))
    db.session.commit()
    assert run_pass(STARTS + timedelta(days=20)) == 0
    db.session.execute(MailOptOut.__table__.delete())
    db.session.commit()
    assert run_pass(datetime(2027, 5, 1, tzinfo=UTC)) == 0  # the cohort ended on 30 April
    assert outbox() == []


def test_a_learner_who_came_back_before_the_mail_left_is_not_sent_it(app, course, idle, outbox):
    moment = STARTS + timedelta(days=10)
    with time_machine.travel(moment, tick=False):
        write_stalled_nudges(moment)
        waiting = db.session.info.pop("outgoing_mail")
        db.session.commit()
    step(idle, course, moment + timedelta(minutes=5))
    with time_machine.travel(moment + timedelta(minutes=6), tick=False):
        deliver_mail(*[mail_id for _, mail_id in waiting])
    assert outbox() == []
    (mail,) = db.session.scalars(select(OutgoingMail)).all()
    assert mail.state == MailState.DROPPED


def test_every_step_counts_as_activity(app, course, quiz, idle):
    def last_active():
        db.session.expire_all()
        return db.session.scalars(
            select(Enrollment.last_active_at).where(Enrollment.user_id == idle.id)
        ).one()

    assert last_active() is None
    step(idle, course, datetime(2027, 3, 20, 9, tzinfo=UTC))
    assert last_active() == datetime(2027, 3, 20, 9, tzinfo=UTC)
    started = datetime(2027, 3, 22, 9, tzinfo=UTC)
    with time_machine.travel(started, tick=False):
        start_attempt(idle, QuizRecord(quiz, []), now=started, zone="UTC")
        db.session.commit()
    assert last_active() == started
    # An older moment never moves it back.
    step(idle, course, datetime(2027, 3, 21, 9, tzinfo=UTC), lesson=course.modules[0].lessons[1])
    assert last_active() == started


def test_the_pass_is_two_statements_for_any_number_of_learners(app, spring, count_queries):
    def statements(learners: int, moment: datetime) -> int:
        with time_machine.travel(ENROLLED, tick=False):
            for number in range(learners):
                enrolled_learner(spring, f"q{learners}-{number}@city.example")
        with time_machine.travel(moment, tick=False), count_queries() as counter:
            assert write_stalled_nudges(moment) == learners
        db.session.info.pop("outgoing_mail")
        db.session.commit()
        return counter.count

    assert statements(2, STARTS + timedelta(days=10)) == 2
    assert statements(25, STARTS + timedelta(days=11)) == 2
