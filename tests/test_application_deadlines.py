"""Application drafts, and the reminders 3 days and 1 day before a cohort's applications close
to those who saved one and did not send it, at a waking hour on their own clock."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.core.mail import MailState, OutgoingMail, deliver_mail
from app.core.subscriptions import MailOptOut
from app.extensions import db
from app.learning.deadlines import write_deadline_reminders
from app.learning.models import Application, ApplicationDraft
from tests.conftest import Browser
from tests.html import text

CREATED = datetime(2027, 5, 1, 9, tzinfo=UTC)
CLOSES = CREATED + timedelta(days=30)  # Monday 31 May 2027, 09:00 UTC (11:00 in Madrid)
MOTIVATION = "Our district is mapping who cares for whom, and I want to learn how."


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(CREATED, tick=False) as traveller:
        yield traveller


@pytest.fixture
def autumn(course, make_cohort):
    return make_cohort(course, "autumn", title="Autumn 2027")


@pytest.fixture
def people(app, make_user):
    return {
        "ana": make_user(
            email="ana@bogota.example",
            name="Ana",
            time_zone="America/Bogota",
            preferred_language="es",
        ),
        "lee": make_user(email="lee@seoul.example", name="Lee", time_zone="Asia/Seoul"),
        "bo": make_user(email="bo@city.example", name="Bo", time_zone="UTC"),
    }


def browser_of(app, email: str) -> Browser:
    browser = Browser(app.test_client())
    assert browser.login(email).status_code == 302
    return browser


def apply_url(course, cohort) -> str:
    return f"/courses/{course.slug}/cohorts/{cohort.slug}/apply"


def save_draft(app, course, cohort, email: str, motivation: str = "Half a thought") -> None:
    browser = browser_of(app, email)
    page = apply_url(course, cohort)
    response = browser.post_form(page, {"motivation": motivation, "draft": "1"}, page=page)
    assert response.status_code == 302


def run_pass(moment: datetime) -> int:
    with time_machine.travel(moment, tick=False):
        written = write_deadline_reminders(moment)
        db.session.commit()
    return written


def test_a_draft_is_kept_shown_again_and_gone_once_sent(app, course, autumn, people):
    ana = browser_of(app, "ana@bogota.example")
    page = apply_url(course, autumn)
    # Half-written: saved as it is, with no complaint about its length.
    saved = ana.post_form(page, {"motivation": "Nuestro distrito", "draft": "1"}, page=page)
    assert saved.status_code == 302 and saved.headers["Location"] == page
    shown = ana.client.get(page)
    assert "Su borrador se ha guardado." in text(shown)
    assert "Nuestro distrito" in shown.get_data(as_text=True)
    (draft,) = db.session.scalars(select(ApplicationDraft)).all()
    assert (draft.motivation, draft.confirms_public_official) == ("Nuestro distrito", False)
    # Saved again: the same draft, changed.
    ana.post_form(page, {"motivation": MOTIVATION, "draft": "1"}, page=page)
    db.session.expire_all()
    assert [d.motivation for d in db.session.scalars(select(ApplicationDraft))] == [MOTIVATION]
    sent = ana.post_form(
        page, {"motivation": MOTIVATION, "confirms_public_official": "y"}, page=page
    )
    assert sent.status_code == 302
    assert db.session.scalars(select(ApplicationDraft)).all() == []
    assert db.session.scalars(select(Application)).one().motivation == MOTIVATION
    # Without its CSRF token a draft is not saved.
    refused = ana.client.post(page, data={"motivation": "x", "draft": "1"})
    assert refused.status_code == 400


def test_reminders_come_three_days_and_one_day_before_at_a_waking_hour(
    app, course, autumn, people, outbox
):
    save_draft(app, course, autumn, "ana@bogota.example")
    save_draft(app, course, autumn, "lee@seoul.example")
    # Bo never began one; an applicant's draft is gone with the application sent.
    # Three days before is 04:00 in Bogotá: Ana's goes at 21:00 the evening before.
    ana_due = datetime(2027, 5, 28, 2, tzinfo=UTC)
    assert run_pass(ana_due - timedelta(minutes=1)) == 0
    assert run_pass(ana_due) == 1
    assert run_pass(CLOSES - timedelta(days=3)) == 1  # Lee: 18:00 in Seoul
    assert run_pass(CLOSES - timedelta(days=3)) == 0  # again: nothing
    assert run_pass(CLOSES - timedelta(days=2)) == 0
    assert run_pass(CLOSES - timedelta(days=1) - timedelta(hours=7)) == 1  # Ana, 21:00
    assert run_pass(CLOSES - timedelta(days=1)) == 1  # Lee
    assert run_pass(CLOSES - timedelta(hours=1)) == 0
    assert run_pass(CLOSES + timedelta(minutes=1)) == 0  # closed
    received = [m["To"] for m in outbox()]
    assert sorted(received) == ["ana@bogota.example"] * 2 + ["lee@seoul.example"] * 2

    spanish = next(m for m in outbox() if m["To"] == "ana@bogota.example")
    assert str(spanish["Subject"]).strip() == "Su solicitud a Autumn 2027 aún no se ha enviado"
    body = spanish.get_body(preferencelist=("plain",)).get_content()
    # On Ana's clock, with the cohort's (Madrid: tests/factories.py) beside it, and her zone
    # named by its city in Spanish, never as 'America/Bogota'.
    assert "lunes, 31 de mayo de 2027, 04:00 GMT-5 (11:00 en Madrid)" in body
    assert "(en su zona horaria, la de Bogotá; puede cambiarla en su perfil)" in body
    assert "America/Bogota" not in body
    assert f"http://localhost{apply_url(course, autumn)}" in body
    assert spanish["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_no_reminder_to_someone_who_sent_it_meanwhile_or_said_no(
    app, course, autumn, people, outbox
):
    save_draft(app, course, autumn, "ana@bogota.example")
    save_draft(app, course, autumn, "lee@seoul.example")
    save_draft(app, course, autumn, "bo@city.example")
    db.session.add(MailOptOut(user_id=people["bo"].id, topic="application_deadlines"))
    db.session.commit()
    moment = CLOSES - timedelta(days=3)
    with time_machine.travel(moment, tick=False):
        write_deadline_reminders(moment)
        waiting = db.session.info.pop("outgoing_mail")
        db.session.commit()
        assert len(waiting) == 2  # Ana and Lee, not Bo
        # Lee sends the application before the reminder leaves.
        lee = browser_of(app, "lee@seoul.example")
        page = apply_url(course, autumn)
        lee.post_form(page, {"motivation": MOTIVATION, "confirms_public_official": "y"}, page=page)
        deliver_mail(*[mail_id for _, mail_id in waiting])
    reminders = [
        m["To"]
        for m in outbox()
        if "not sent yet" in str(m["Subject"]) or "aún no se ha enviado" in str(m["Subject"])
    ]
    assert reminders == ["ana@bogota.example"]
    lee_reminder = db.session.scalars(
        select(OutgoingMail).where(
            OutgoingMail.kind == "application_deadline",
            OutgoingMail.recipient == "lee@seoul.example",
        )
    ).one()
    assert lee_reminder.state == MailState.DROPPED
