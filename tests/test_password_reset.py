"""Password reset by e-mail: one answer for every address, single-use expiring links, real SMTP."""

import re
import socket
import time
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import time_machine
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlalchemy import select

from app.accounts.models import User
from app.core.mail import MailState, OutgoingMail, deliver_mail
from app.core.types import utcnow
from app.extensions import db
from tests.conftest import PASSWORD, Browser, without_tokens
from tests.html import page

NEW_PASSWORD = "lantern harbour quiet moss"
LINK = re.compile(r"https?://[^/\s]+(/reset-password/\S+)")


def reset_link(message) -> str:
    match = LINK.search(message.get_body(preferencelist=("plain",)).get_content())
    assert match, message.get_body(preferencelist=("plain",)).get_content()
    return match.group(1)


def choose_password(browser: Browser, link: str, password: str = NEW_PASSWORD):
    return browser.post_form(link, {"password": password, "confirm": password})


def test_reset_answers_the_same_for_known_and_unknown_addresses(app, browser, make_user, outbox):
    make_user(email="ana@city.example")
    known = browser.post_form("/forgot-password", {"email": "Ana@City.example"})
    unknown = browser.post_form("/forgot-password", {"email": "nobody@city.example"})
    assert known.status_code == unknown.status_code == 200
    assert without_tokens(known) == without_tokens(unknown)  # the footer's form has one
    assert "If an account uses this address" in known.get_data(as_text=True)
    messages = outbox()
    assert [message["To"] for message in messages] == ["ana@city.example"]
    assert messages[0]["Subject"] == "Choose a new password for Caring Cities"


def test_reset_mail_leaves_only_after_the_response_is_sent(app, make_user, outbox):
    """Known and unknown addresses: the same response, and no mail while it is being made."""
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    make_user(email="ana@city.example")
    app.config["WTF_CSRF_ENABLED"] = False
    pages = []
    for email in ("ana@city.example", "nobody@city.example"):
        environ = EnvironBuilder(
            path="/forgot-password", method="POST", data={"email": email}
        ).get_environ()
        sent_before = len(outbox())
        body, status, _headers = run_wsgi_app(app, environ, buffered=False)
        assert status.startswith("200")
        assert len(outbox()) == sent_before  # the response is ready; no message has left yet
        pages.append(b"".join(body))
        body.close()  # what a server does once the response has gone
    assert pages[0] == pages[1]
    assert [message["To"] for message in outbox()] == ["ana@city.example"]


def test_reset_link_sets_a_new_password_once_and_ends_sessions(app, browser, make_user, outbox):
    user = make_user(email="ana@city.example")
    logged_in = Browser(app.test_client())
    logged_in.login("ana@city.example")

    browser.post_form("/forgot-password", {"email": "ana@city.example"})
    link = reset_link(outbox()[0])
    page = browser.client.get(link)
    assert page.status_code == 200
    assert "Choose a new password" in page.get_data(as_text=True)

    response = choose_password(browser, link)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD)
    assert logged_in.client.get("/dashboard").status_code == 302  # every session ended

    # The same link a second time: refused, and the password stays.
    again = browser.client.get(link)
    assert again.status_code == 400
    assert "This reset link was already used." in again.get_data(as_text=True)
    refused = browser.client.post(link, data={"password": "x", "confirm": "x"})
    assert refused.status_code == 400
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD)
    assert browser.login("ana@city.example", NEW_PASSWORD).status_code == 302


def test_reset_link_expires_after_an_hour(app, browser, make_user, outbox, monkeypatch):
    make_user(email="ana@city.example")
    an_hour_and_a_minute_ago = time.time() - 3660
    with monkeypatch.context() as patch:
        patch.setattr("itsdangerous.timed.time.time", lambda: an_hour_and_a_minute_ago)
        browser.post_form("/forgot-password", {"email": "ana@city.example"})
    link = reset_link(outbox()[0])
    response = browser.client.get(link)
    assert response.status_code == 400
    assert "This reset link has expired." in response.get_data(as_text=True)
    token = browser.token("/forgot-password")
    refused = browser.client.post(
        link, data={"csrf_token": token, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert refused.status_code == 400
    user = db.session.scalar(db.select(User))
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize("token", ["nonsense", "a" * 300, "eyJ1c2VyIjoxfQ.AAAA.BBBB"])
def test_forged_reset_links_are_refused(app, client, make_user, token):
    make_user(email="ana@city.example")
    response = client.get(f"/reset-password/{token}")
    assert response.status_code == 400
    assert "This reset link is not valid." in response.get_data(as_text=True)


def test_reset_refuses_a_weak_new_password(app, browser, make_user, outbox):
    user = make_user(email="ana@city.example")
    browser.post_form("/forgot-password", {"email": "ana@city.example"})
    link = reset_link(outbox()[0])
    response = choose_password(browser, link, "password1234")
    assert response.status_code == 400
    assert "common passwords" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password(PASSWORD)
    assert choose_password(browser, link).status_code == 302  # the link still works


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Collector(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        # Read again with the modern email API (aiosmtpd parses with compat32).
        self.messages.append(message_from_bytes(message.as_bytes(), policy=policy.default))


@pytest.fixture
def smtp_server():
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.fixture
def app_config(request):
    if "smtp_server" not in request.fixturenames:
        return {}
    controller, _handler = request.getfixturevalue("smtp_server")
    return {"MAIL_SERVER": controller.hostname, "MAIL_PORT": controller.port, "MAIL_USE_TLS": False}


def test_reset_mail_really_leaves_through_smtp(app, browser, make_user, smtp_server, outbox):
    _controller, handler = smtp_server
    make_user(email="ana@city.example", name="Ana Pérez")
    browser.post_form("/forgot-password", {"email": "ana@city.example"})
    assert len(handler.messages) == 1
    message = handler.messages[0]
    assert message["To"] == "ana@city.example"
    assert message["From"] == "Caring Cities <no-reply@localhost>"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Hello Ana Pérez" in body
    assert outbox() == []  # with a mail server set, nothing is written to the outbox
    link = LINK.search(body).group(1)
    assert choose_password(browser, link).status_code == 302


def test_an_unreachable_mail_server_does_not_break_the_page(app, browser, make_user, caplog):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port(), MAIL_USE_TLS=False)
    make_user(email="ana@city.example")
    response = browser.post_form("/forgot-password", {"email": "ana@city.example"})
    assert response.status_code == 200
    assert "If an account uses this address" in response.get_data(as_text=True)
    # Kept, to be tried again a minute later (MAIL_RETRY_DELAYS), with what went wrong.
    mail = db.session.scalars(select(OutgoingMail)).one()
    assert f"could not send mail {mail.id} to ana@city.example (try 1)" in caplog.text
    assert (mail.state, mail.tries, mail.kind) == (MailState.QUEUED, 1, "reset_password")
    assert "Connection refused" in mail.last_error


def test_a_message_is_tried_again_after_each_delay_then_left_failed(app, browser, make_user):
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=_free_port(),
        MAIL_USE_TLS=False,
        MAIL_RETRY_DELAYS=(60, 300),
    )
    make_user(email="ana@city.example")
    start = utcnow()
    with time_machine.travel(start, tick=False) as clock:
        browser.post_form("/forgot-password", {"email": "ana@city.example"})
        mail = db.session.scalars(select(OutgoingMail)).one()
        assert (mail.state, mail.tries) == (MailState.QUEUED, 1)
        assert mail.next_attempt_at == start + timedelta(seconds=60)

        deliver_mail(mail.id)  # asked again before it is due (a replay): nothing happens
        db.session.refresh(mail)
        assert (mail.state, mail.tries) == (MailState.QUEUED, 1)

        clock.shift(61)
        deliver_mail(mail.id)
        db.session.refresh(mail)
        assert (mail.state, mail.tries) == (MailState.QUEUED, 2)
        assert mail.next_attempt_at == start + timedelta(seconds=61 + 300)

        clock.shift(301)
        deliver_mail(mail.id)  # the last try: one more than there are delays
        db.session.refresh(mail)
        assert (mail.state, mail.tries) == (MailState.FAILED, 3)
        assert "Connection refused" in mail.last_error

        clock.shift(3600)
        deliver_mail(mail.id)  # a failed message stays failed until an admin sends it again
        db.session.refresh(mail)
        assert (mail.state, mail.tries) == (MailState.FAILED, 3)


def test_a_mail_is_text_and_the_same_as_simple_html_in_the_reader_s_language(
    app, browser, make_user, outbox
):
    make_user(email="ana@city.example", name="Ana <b>Pérez</b> & co", preferred_language="es")
    browser.post_form("/forgot-password", {"email": "ana@city.example"})
    [message] = outbox()
    assert message.get_content_type() == "multipart/alternative"
    assert message["Content-Language"] == "es"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    link = LINK.search(text).group(1)
    document = page(html)
    assert document.html["lang"] == "es" and document.html["dir"] == "ltr"
    # The same words, in the same paragraphs; the address a link; the name escaped.
    paragraphs = [" ".join(p.get_text(" ").split()) for p in document.select("p")][1:]
    assert paragraphs == [" ".join(block.split()) for block in text.strip().split("\n\n")]
    assert [a["href"] for a in document.select("a")] == [f"http://localhost{link}"]
    assert "Ana <b>Pérez</b> & co" in document.get_text()
    assert "<b>Pérez</b>" not in html and "&lt;b&gt;Pérez&lt;/b&gt; &amp; co" in html
