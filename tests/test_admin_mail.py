"""/admin/mail: every message the server wrote, its state, and "send again" for failed ones."""

import socket

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.core.audit import AuditEvent
from app.core.mail import (
    MailState,
    OutgoingMail,
    deliver_mail,
    queue_notifications,
    send_after_commit,
)
from app.core.permissions import Role
from app.core.types import utcnow
from app.extensions import db
from tests.html import text, texts


@pytest.fixture
def admin_browser(browser, make_user):
    make_user(Role.ADMIN, email="admin@city.example", name="Ada Admin", time_zone="UTC")
    browser.login("admin@city.example")
    return browser


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write(address: str, subject: str, kind: str = "test") -> OutgoingMail:
    send_after_commit(address, subject, f"{subject}, the body", kind=kind)
    db.session.commit()
    return db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id.desc())).first()


def failing(app, address: str, subject: str) -> OutgoingMail:
    """A message whose every try failed (one try allowed, against a closed port)."""
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port(), MAIL_USE_TLS=False, MAIL_RETRY_DELAYS=()
    )
    mail = write(address, subject)
    app.config.update(MAIL_SERVER=None)
    db.session.refresh(mail)
    assert mail.state == MailState.FAILED
    return mail


def rows(response) -> list[str]:
    return texts(response, "tbody tr")


def test_the_log_shows_each_message_and_its_state(app, admin_browser):
    write("ana@city.example", "Your application", kind="application_received")
    failing(app, "bo@city.example", "A reminder")

    response = admin_browser.client.get("/admin/mail")
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("private")
    shown = rows(response)
    assert len(shown) == 2
    # Newest first: the failed one, with its error and the button to send it again.
    assert "bo@city.example" in shown[0] and "Failed" in shown[0]
    assert "Connection refused" in shown[0]
    assert "Send again" in shown[0]
    assert "ana@city.example" in shown[1] and "Sent" in shown[1]
    assert "application_received" in shown[1]
    assert "Send again" not in shown[1]
    assert "2 messages, newest first (times in UTC)" in text(response)

    failed_only = rows(admin_browser.client.get("/admin/mail", query_string={"state": "failed"}))
    assert len(failed_only) == 1 and "bo@city.example" in failed_only[0]
    by_address = admin_browser.client.get("/admin/mail", query_string={"q": "ANA@"})
    assert len(rows(by_address)) == 1 and "ana@city.example" in rows(by_address)[0]
    nothing = admin_browser.client.get("/admin/mail", query_string={"q": "nobody"})
    assert "No message matches these filters." in text(nothing)
    # A state that is not one is no filter, not an error.
    assert len(rows(admin_browser.client.get("/admin/mail?state=lost"))) == 2


def test_an_empty_log_says_so(admin_browser):
    response = admin_browser.client.get("/admin/mail")
    assert "No mail has been written yet." in text(response)


def test_a_failed_message_is_sent_again_once_and_the_log_keeps_it(app, admin_browser, outbox):
    mail = failing(app, "bo@city.example", "A reminder")
    assert outbox() == []

    response = admin_browser.post_form(
        f"/admin/mail/{mail.id}/send-again?state=failed&page=1&_external=1",
        {},
        page="/admin/mail",
    )
    assert response.status_code == 302
    # Back to the same filtered list, and only its own arguments come along.
    assert response.headers["Location"] == "/admin/mail?state=failed&page=1"
    db.session.refresh(mail)
    assert (mail.state, mail.tries) == (MailState.SENT, 1)  # a full set of tries, then sent
    [sent] = outbox()
    assert sent["To"] == "bo@city.example" and sent["Subject"] == "A reminder"
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "mail.sent_again")
    ).one()
    assert event.object_id == str(mail.id)
    assert "Connection refused" in event.details["last_error"]
    followed = admin_browser.client.get("/admin/mail")
    assert "The message to bo@city.example is queued again." in text(followed)

    # It is sent now: asking again is refused, and nothing more is sent.
    again = admin_browser.post_form(f"/admin/mail/{mail.id}/send-again", {}, page="/admin/mail")
    assert again.status_code == 409
    assert "Only a message whose every try failed can be sent again." in text(again)
    assert len(outbox()) == 1
    assert admin_browser.post_form("/admin/mail/999999/send-again", {}).status_code == 404


def test_the_admin_home_counts_the_failed_messages(app, admin_browser):
    home = admin_browser.client.get("/admin/")
    assert "Every message the server writes, whether it was sent, and why not." in text(home)
    failing(app, "bo@city.example", "A reminder")
    home = admin_browser.client.get("/admin/")
    assert "1 message failed: send it again once the mail server is fixed." in text(home)
    assert "/admin/mail?state=failed" in home.get_data(as_text=True)


def test_the_list_shown_after_a_refusal_links_to_its_own_pages(app, admin_browser):
    app.config["MAIL_PER_PAGE"] = 1
    sent = write("ana@city.example", "One")
    write("bo@city.example", "Two")
    refused = admin_browser.post_form(f"/admin/mail/{sent.id}/send-again", {}, page="/admin/mail")
    assert refused.status_code == 409
    # The pager's links are the list's, without the refused message's id.
    assert "/admin/mail?page=2" in refused.get_data(as_text=True)
    assert "mail_id" not in refused.get_data(as_text=True)


def test_a_notification_shows_its_state_before_and_after_its_turn(app, admin_browser, make_user):
    learner = make_user(email="lin@city.example")
    queue_notifications(
        "no_such_writer",
        select(User.id, User.email).where(User.id == learner.id),
        key_prefix="test:",
        payload={},
        now=utcnow(),
    )
    waiting = db.session.info.pop("outgoing_mail")
    db.session.commit()
    (row,) = rows(admin_browser.client.get("/admin/mail"))
    assert "lin@city.example" in row and "Waiting" in row
    assert "(its text is written when it is sent)" in row

    deliver_mail(*[mail_id for _, mail_id in waiting])
    (row,) = rows(admin_browser.client.get("/admin/mail?state=dropped"))
    assert "Not needed any more" in row
    assert "Why: no writer for notifications of kind 'no_such_writer'" in row
    assert "Send again" not in row
