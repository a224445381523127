"""Outgoing mail: sent through SMTP when MAIL_SERVER is set, else written to instance/outbox/.

Messages are queued on the database session and leave only when it commits, so a decision
that is rolled back never sends an e-mail about itself. During a request they leave later
still, once the response has been sent (`DeliverAfterResponse`): the time a page takes then
says nothing about whether it sent a message (a reset for a known address, a registration
with a taken one). Outside a request (the CLI) they leave at commit. A message to a person is
written in their profile's language, whoever's request sends it (an admin reading in English
approves a learner who reads Spanish: the learner gets Spanish).
"""

import smtplib
import ssl
import uuid
import weakref
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import Flask, current_app, has_request_context, render_template, request
from flask_babel import force_locale
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core.i18n import DEFAULT_LANGUAGE, LANGUAGES
from app.core.types import utcnow
from app.extensions import db

OUTBOX_KEY = "outgoing_mail"
# The request's committed messages, waiting in its WSGI environ until the response is sent.
AFTER_RESPONSE_KEY = "caring_cities.mail_after_response"


def compose(to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text message from the site's sender."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="caring-cities.local")
    message.set_content(body)
    return message


def send_after_commit(to: str, subject: str, body: str) -> None:
    """Queue a message that is delivered when the current transaction commits."""
    queued = db.session.info.setdefault(OUTBOX_KEY, [])
    queued.append((current_app._get_current_object(), compose(to, subject, body)))


def send_to_user_after_commit(recipient, subject, template: str, /, **context) -> None:
    """Queue a message to a person in their own language, delivered when the transaction commits.

    `subject` is a lazy string (`lazy_gettext`) or a callable returning one; it and the
    template are rendered inside the recipient's language.
    """
    language = recipient.preferred_language
    with force_locale(language if language in LANGUAGES else DEFAULT_LANGUAGE):
        text = str(subject() if callable(subject) else subject)
        body = render_template(template, **context)
    send_after_commit(recipient.email, text, body)


def deliver(message: EmailMessage) -> None:
    """Send one message now, by SMTP or into the outbox folder."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        _write_to_outbox(message)
        return
    host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)
    current_app.logger.info("mail sent to %s: %s", message["To"], message["Subject"])


def _write_to_outbox(message: EmailMessage) -> None:
    outbox = Path(current_app.instance_path) / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{utcnow():%Y%m%dT%H%M%S.%f}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(bytes(message))
    current_app.logger.info(
        "mail to %s (%s) written to %s (no MAIL_SERVER set)",
        message["To"],
        message["Subject"],
        path,
    )


def _deliver_all(queued: list) -> None:
    for app, message in queued:
        with app.app_context():
            try:
                deliver(message)
            except (OSError, smtplib.SMTPException):
                # The change is committed; a mail server being down must not undo it.
                app.logger.exception("could not send mail to %s", message["To"])


class DeliverAfterResponse:
    """WSGI middleware: the mail a request committed leaves once its response has been sent.

    Neither the SMTP round trip nor writing to the outbox adds to the time a page takes.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        queued: list = []
        environ[AFTER_RESPONSE_KEY] = queued
        try:
            body = self.wsgi_app(environ, start_response)
        except BaseException:
            _deliver_all(queued)  # what was committed before the failure still leaves
            raise
        if not queued:
            # Nothing to send: keep the body as it is (a file stays sendfile-able), and let a
            # commit made while a streamed body is produced deliver at once.
            environ[AFTER_RESPONSE_KEY] = None
            return body
        return _SentThenDeliver(body, queued)


class _SentThenDeliver:
    """A response body that delivers the request's mail once, when it is sent.

    That is when the server has taken its last chunk, or when it closes the body (PEP 3333),
    whichever comes first, or at the latest when the body is dropped: werkzeug's development
    server (`make run`) skips `close()` when the browser hangs up first, as it does after a
    redirect, and a message must not be lost for that.
    """

    def __init__(self, body, queued: list) -> None:
        self._body = body
        self._queued = queued
        self._sent = weakref.finalize(self, _deliver_all, queued)

    def __iter__(self):
        yield from self._body
        self._sent()

    def close(self) -> None:
        try:
            if hasattr(self._body, "close"):
                self._body.close()
        finally:
            self._sent()


def register_mail(app: Flask) -> None:
    app.wsgi_app = DeliverAfterResponse(app.wsgi_app)


@event.listens_for(Session, "after_commit")
def _send_queued(session: Session) -> None:
    queued = session.info.pop(OUTBOX_KEY, [])
    if not queued:
        return
    after_response = request.environ.get(AFTER_RESPONSE_KEY) if has_request_context() else None
    if after_response is None:  # no request (the CLI), or one made without the middleware
        _deliver_all(queued)
    else:
        after_response.extend(queued)


@event.listens_for(Session, "after_soft_rollback")
def _drop_queued(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(OUTBOX_KEY, None)
