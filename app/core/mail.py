"""Outgoing mail: sent through SMTP when MAIL_SERVER is set, else written to instance/outbox/.

A message is written to the `outgoing_mail` table in the transaction of the change it is
about, so a decision that is rolled back never sends an e-mail about itself, and a committed
one always does. Once the transaction commits, the job queue (core/jobs.py) is asked to
deliver it: during a request, once the response has been sent (`DeliverAfterResponse`), so
the time a page takes says nothing about whether it wrote a message (a reset for a known
address, a registration with a taken one); outside a request (the CLI), at commit.

Delivery (`deliver_mail`) first claims the row, so two workers, a retry or a replay never send
it twice; an SMTP failure is tried again later (MAIL_RETRY_DELAYS) and, after the last try,
the row stays "failed" for an admin to see. A sweep every minute queues again what is due, so a
message outlives a worker that died or a queue that lost it: a worker killed between the SMTP
server's acceptance and the row's update sends that one message again (at least once, never
lost). A message to a person is written in their profile's language, whoever's request sends
it (an admin reading in English approves a learner who reads Spanish: the learner gets Spanish).
"""

import re
import smtplib
import ssl
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from enum import StrEnum
from itertools import islice
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_request_context, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import (
    JSON,
    ForeignKey,
    Integer,
    LargeBinary,
    Select,
    String,
    Text,
    and_,
    cast,
    delete,
    event,
    exists,
    literal,
    or_,
    select,
)
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Mapped, Session, deferred, mapped_column

from app.core import audit
from app.core.i18n import DEFAULT_LANGUAGE, LANGUAGES, writing_in
from app.core.jobs import enqueue, job
from app.core.models import insert_ignoring_duplicates
from app.core.subscriptions import MailTopic, opted_out, unsubscribe_url
from app.core.types import UTCDateTime, iso_or_none, string_enum, utcnow
from app.core.urls import public_url_for
from app.extensions import db

OUTBOX_KEY = "outgoing_mail"
# The request's committed messages, waiting in its WSGI environ until the response is sent.
AFTER_RESPONSE_KEY = "caring_cities.mail_after_response"


class MailState(StrEnum):
    QUEUED = "queued"  # waiting for its (next) try
    SENDING = "sending"  # claimed by a worker
    SENT = "sent"
    FAILED = "failed"  # every try failed: an admin can send it again
    DROPPED = "dropped"  # no longer to send when its turn came (the session was cancelled)

    @property
    def label(self) -> str:
        """The state in the reader's language (a lazy string)."""
        return MAIL_STATE_LABELS[self.value]


MAIL_STATE_LABELS = {
    "queued": _l("Waiting"),
    "sending": _l("Being sent"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
    "dropped": _l("Not needed any more"),
}


class OutgoingMail(db.Model):
    """A message, from the moment the change it is about commits until it is sent or given up."""

    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique: the same notification (a reminder for a session and a person, say) is written
    # once however many times it is asked for.
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(60))  # the template's name: "reset_password"
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text)
    # The whole message as sent (RFC 5322), so a retry sends the same bytes and Message-ID.
    # Empty for a notification until a worker writes it (`queue_notifications`).
    message: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    # What a notification is about (a session's id and start), for writing it when it is sent.
    payload: Mapped[dict | None] = mapped_column(JSON)
    state: Mapped[MailState] = mapped_column(
        string_enum(MailState), default=MailState.QUEUED, index=True
    )
    tries: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# Languages written right to left, for the HTML part's `dir`.
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur"})
# Long addresses break anywhere rather than widen a phone's screen.
LINK = Markup(
    '<a href="{0}" style="color:#8a3b12;overflow-wrap:anywhere;word-break:break-all;">{0}</a>'
)
URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]]")


def html_body(text: str) -> Markup:
    """The plain text as simple HTML: a paragraph per blank-line-separated block, its lines
    kept, addresses made into links; everything else escaped."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = []
        for line in block.splitlines():
            parts, position = [], 0
            for found in URL.finditer(line):
                parts.append(escape(line[position : found.start()]))
                address = escape(found.group())
                parts.append(LINK.format(address))
                position = found.end()
            parts.append(escape(line[position:]))
            lines.append(Markup("").join(parts))
        paragraphs.append(
            Markup('<p style="margin:0 0 1em;">{}</p>').format(Markup("<br>").join(lines))
        )
    return Markup("\n").join(paragraphs)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # "text/calendar"
    content: bytes


def compose(
    to: str,
    subject: str,
    body: str,
    *,
    language: str = DEFAULT_LANGUAGE,
    footer: str = "",
    headers: dict[str, str] | None = None,
    attachments: tuple[Attachment, ...] = (),
    html: Markup | None = None,
) -> EmailMessage:
    """A message from the site's sender: the text, and the same as simple HTML beside it
    (multipart/alternative; `html` when the HTML says it better, such as rendered Markdown),
    in `language`; `footer` (why the mail came, how to stop it) after a signature separator;
    `attachments` after both (multipart/mixed)."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="caring-cities.local")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(f"{body.rstrip()}\n\n-- \n{footer.strip()}\n" if footer else body)
    html = render_template(
        "mail/layout.html",
        subject=subject,
        body=html if html is not None else html_body(body),
        footer=html_body(footer) if footer else "",
        language=language,
        direction="rtl" if language in RIGHT_TO_LEFT else "ltr",
    )
    message.add_alternative(html, subtype="html")
    for attachment in attachments:
        main, sub = attachment.content_type.split("/", 1)
        message.add_attachment(
            attachment.content, maintype=main, subtype=sub, filename=attachment.filename
        )
    message["Content-Language"] = language  # after the content, which sets Content-* anew
    return message


def send_after_commit(
    to: str,
    subject: str,
    body: str,
    *,
    kind: str = "message",
    user_id: int | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> None:
    """Write a message in the current transaction; it is delivered once that commits."""
    _write(compose(to, subject, body, language=language), kind=kind, user_id=user_id)


def _write(message: EmailMessage, *, kind: str, user_id: int | None) -> None:
    mail = OutgoingMail(
        idempotency_key=f"{kind}:{uuid.uuid4().hex}",
        kind=kind,
        user_id=user_id,
        recipient=str(message["To"]),
        subject=str(message["Subject"]),
        message=bytes(message),
        state=MailState.QUEUED,
        next_attempt_at=utcnow(),
    )
    db.session.add(mail)
    db.session.flush()
    _deliver_after_commit([mail.id])


def _deliver_after_commit(mail_ids) -> None:
    """Have these messages delivered once the current transaction commits (none if it does
    not: `_drop_queued`)."""
    queued = db.session.info.setdefault(OUTBOX_KEY, [])
    app = current_app._get_current_object()
    queued.extend((app, mail_id) for mail_id in mail_ids)


def language_of(person) -> str:
    """The language to write to a person in: their profile's, if the site speaks it."""
    language = person.preferred_language
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def message_to(
    person,
    subject,
    template: str,
    /,
    *,
    topic: MailTopic | None = None,
    attachments: tuple[Attachment, ...] = (),
    html_template: str | None = None,
    reply_to: str | None = None,
    **context,
) -> EmailMessage:
    """A message to a person in their own language: `subject` (a lazy string or a callable
    returning one) and `template` rendered inside it (and `html_template` for the HTML part,
    when the text's own HTML will not do). A message of an optional `topic` says why it came
    and carries its one-click unsubscribe (RFC 8058); `reply_to` sends answers to a person
    (the teacher who wrote) rather than to the site."""
    language = language_of(person)
    with writing_in(language):
        text = str(subject() if callable(subject) else subject)
        body = render_template(template, **context)
        footer, headers = "", {}
        if topic is not None:
            stop = unsubscribe_url(person.id, topic)
            footer = render_template(
                "mail/_optional_footer.txt",
                topic=topic,
                stop_url=stop,
                settings_url=public_url_for("accounts.mail_settings"),
            )
            headers = {"List-Unsubscribe": f"<{stop}>", "List-Unsubscribe-Post": _ONE_CLICK}
        if reply_to:
            headers["Reply-To"] = reply_to
        return compose(
            person.email,
            text,
            body,
            language=language,
            footer=footer,
            headers=headers,
            attachments=attachments,
            # A rendered template: Jinja escaped every value in it.
            html=Markup(render_template(html_template, **context)) if html_template else None,  # noqa: S704
        )


_ONE_CLICK = "List-Unsubscribe=One-Click"


def send_to_user_after_commit(
    recipient, subject, template: str, /, *, topic: MailTopic | None = None, **context
) -> None:
    """Queue a message to a person in their own language, delivered when the transaction
    commits; nothing when it has a `topic` the person turned off."""
    if topic is not None and opted_out(recipient.id, topic):
        return
    message = message_to(recipient, subject, template, topic=topic, **context)
    _write(message, kind=_kind(template), user_id=recipient.id)


def _kind(template: str) -> str:
    return template.removeprefix("mail/").removesuffix(".txt")


# Notifications: many at once, written when sent


@dataclass(frozen=True)
class NotificationKind:
    """How to write a notification of one kind when its turn comes: `compose` returns the
    message, or None when it is no longer to send (the session was cancelled meanwhile)."""

    compose: Callable[[OutgoingMail], EmailMessage | None]
    topic: MailTopic | None


_NOTIFICATIONS: dict[str, NotificationKind] = {}


def notification(kind: str, *, topic: MailTopic | None):
    """Register the function that writes the notifications of `kind` (see `queue_notifications`)."""

    def register(function):
        _NOTIFICATIONS[kind] = NotificationKind(function, topic)
        return function

    return register


def queue_notifications(
    kind: str, recipients: Select, *, key_prefix: str, payload: dict, now: datetime
) -> int:
    """Write a notification of `kind` to each person `recipients` selects (their user id and
    address, in that order, and optionally what the key ends with, as text: the user id by
    default), under the idempotency key `key_prefix` + that end, skipping every key written
    before (by an earlier pass, or another worker's at the same moment); they are delivered
    once the transaction commits. Return how many were new.

    One INSERT ... SELECT, whatever the number of people: nothing is composed here. A worker
    writes each message in its recipient's language when it sends it (`notification`).
    """
    # Named here: a caller's columns may share a name (users.id, enrollments.id).
    names = ["user_id", "address", "key_end"]
    chosen = recipients.selected_columns
    people = recipients.with_only_columns(
        *(column.label(name) for column, name in zip(chosen, names, strict=False))
    ).subquery()
    user_id, address = people.c.user_id, people.c.address
    key = literal(key_prefix) + (people.c.key_end if len(chosen) > 2 else cast(user_id, String))
    rows = select(
        key,
        literal(kind),
        user_id,
        address,
        literal(""),
        literal(payload, JSON),
        literal(MailState.QUEUED.value),
        literal(0),
        literal(now, UTCDateTime()),
        literal(now, UTCDateTime()),
    ).where(~exists().where(OutgoingMail.idempotency_key == key))
    columns = [
        "idempotency_key",
        "kind",
        "user_id",
        "recipient",
        "subject",
        "payload",
        "state",
        "tries",
        "created_at",
        "next_attempt_at",
    ]
    statement = (
        insert_ignoring_duplicates(OutgoingMail)
        .from_select(columns, rows)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(OutgoingMail.id)
    )
    new_ids = db.session.scalars(statement).all()
    _deliver_after_commit(new_ids)
    return len(new_ids)


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


# Delivery


def _claim_lease() -> timedelta:
    return timedelta(seconds=current_app.config["MAIL_CLAIM_LEASE"])


def _to_send(now: datetime):
    """Messages to (try to) send now: waiting and due, or claimed by a worker that died."""
    return or_(
        and_(OutgoingMail.state == MailState.QUEUED, OutgoingMail.next_attempt_at <= now),
        and_(
            OutgoingMail.state == MailState.SENDING,
            OutgoingMail.claimed_at < now - _claim_lease(),
        ),
    )


def retry_delays() -> list[int]:
    """Seconds to wait before each try after the first; one try more than there are delays."""
    return list(current_app.config["MAIL_RETRY_DELAYS"])


def batched(items, size: int):
    """`items` in lists of at most `size` (itertools.batched, from Python 3.12)."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


# How many messages one delivery job sends: a pass that writes a cohort's reminders queues a
# few hundred jobs, not one per learner.
DELIVERY_BATCH = 50


@job("deliver_mail")
def deliver_mail(*mail_ids: int) -> None:
    """Send each outgoing message that is still to send and that no other worker has."""
    for mail_id in mail_ids:
        _deliver_one(mail_id)


def _deliver_one(mail_id: int) -> None:
    now = utcnow()
    claimed = db.session.execute(
        sql_update(OutgoingMail)
        .where(
            OutgoingMail.id == mail_id,
            _to_send(now),
        )
        .values(state=MailState.SENDING, claimed_at=now, tries=OutgoingMail.tries + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not claimed:
        return  # sent, failed, not due yet, or another worker's
    mail = db.session.get(OutgoingMail, mail_id)
    if mail is None:  # its account was deleted meanwhile
        return
    if mail.message is None and not _write_notification(mail):
        return
    try:
        deliver(message_from_bytes(mail.message, policy=policy.default))
    except (OSError, smtplib.SMTPException) as error:
        _failed_try(mail, f"{type(error).__name__}: {error}")
        return
    mail.state = MailState.SENT
    mail.sent_at = utcnow()
    mail.last_error = None
    db.session.commit()


def _write_notification(mail: OutgoingMail) -> bool:
    """Write a notification's message, once: a retry sends the same bytes. False when it is
    not to be sent (dropped: no longer relevant, or its topic turned off meanwhile)."""
    kind = _NOTIFICATIONS.get(mail.kind)
    reason = None
    if kind is None:
        reason = f"no writer for notifications of kind {mail.kind!r}"
    elif mail.user_id is None:
        reason = "no recipient account"
    elif kind.topic is not None and opted_out(mail.user_id, kind.topic):
        reason = f"the recipient turned {kind.topic.value} off"
    if reason is None:
        try:
            message = kind.compose(mail)
        except Exception as error:  # a bug in a writer: shown in /admin/mail, not lost
            db.session.rollback()
            current_app.logger.exception("could not write notification %s", mail.id)
            mail = db.session.get(OutgoingMail, mail.id)
            mail.tries = len(retry_delays()) + 1  # no automatic retry: the same bug again
            _failed_try(mail, f"could not write the message: {type(error).__name__}: {error}")
            return False
        if message is None:
            reason = "no longer relevant when its turn came"
        else:
            mail.message = bytes(message)
            mail.subject = str(message["Subject"])
            db.session.commit()
            return True
    mail.state = MailState.DROPPED
    mail.last_error = reason
    db.session.commit()
    return False


def _failed_try(mail: OutgoingMail, error: str) -> None:
    """Record a failed try: wait and try again, or, after the last, leave it failed."""
    delays = retry_delays()
    mail.last_error = error[:1000]
    current_app.logger.warning(
        "could not send mail %s to %s (try %s): %s", mail.id, mail.recipient, mail.tries, error
    )
    if mail.tries > len(delays):
        mail.state = MailState.FAILED
        db.session.commit()
        return
    delay = delays[mail.tries - 1]
    mail.state = MailState.QUEUED
    mail.next_attempt_at = utcnow() + timedelta(seconds=delay)
    db.session.commit()
    enqueue("deliver_mail", mail.id, delay=delay)


@job("sweep_mail", every_minute=True)
def sweep_mail() -> None:
    """Queue again every message that is due and not being sent: after a worker died, a queue
    lost a job, or the machine restarted."""
    now = utcnow()
    due = db.session.scalars(select(OutgoingMail.id).where(_to_send(now))).all()
    db.session.rollback()
    for batch in batched(due, DELIVERY_BATCH):
        enqueue("deliver_mail", *batch)


class MailError(Exception):
    """A mail operation that cannot be done; the message says why, for people."""


def send_again(mail: OutgoingMail, *, actor) -> None:
    """Queue a failed message again, with a full set of tries; sent once the caller commits."""
    if mail.state != MailState.FAILED:
        raise MailError(_("Only a message whose every try failed can be sent again."))
    mail.state = MailState.QUEUED
    mail.tries = 0
    mail.next_attempt_at = utcnow()
    audit.record(
        "mail.sent_again",
        actor=actor,
        target=mail,
        details={"kind": mail.kind, "last_error": mail.last_error},
    )
    _deliver_after_commit([mail.id])


def _mail_to(user):
    return or_(OutgoingMail.user_id == user.id, OutgoingMail.recipient == user.email)


def personal_data(user) -> dict[str, Any]:
    """The mail written to a person, for their personal-data download (app/core/events.py)."""
    found = db.session.scalars(select(OutgoingMail).where(_mail_to(user)).order_by(OutgoingMail.id))
    return {
        "mail": [
            {
                "subject": mail.subject,
                "kind": mail.kind,
                "to": mail.recipient,
                "state": mail.state.value,
                "written_at": iso_or_none(mail.created_at),
                "sent_at": iso_or_none(mail.sent_at),
            }
            for mail in found
        ]
    }


def erase_person(user) -> list[str]:
    """Forget every message to a person (their account or their address), sent or not, when
    their account is deleted (app/core/events.py)."""
    db.session.execute(delete(OutgoingMail).where(_mail_to(user)))
    return []


def _enqueue_all(queued: list) -> None:
    by_app: dict[Any, list[int]] = {}
    for app, mail_id in queued:
        by_app.setdefault(app, []).append(mail_id)
    for app, mail_ids in by_app.items():
        with app.app_context():
            for batch in batched(mail_ids, DELIVERY_BATCH):
                try:
                    enqueue("deliver_mail", *batch)
                except Exception:
                    # The messages are written; the sweep queues them again within a minute.
                    app.logger.exception("could not queue mail %s", batch)


class DeliverAfterResponse:
    """WSGI middleware: the mail a request committed is queued once its response has been sent.

    Nothing about the mail adds to the time a page takes.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        queued: list = []
        environ[AFTER_RESPONSE_KEY] = queued
        try:
            body = self.wsgi_app(environ, start_response)
        except BaseException:
            _enqueue_all(queued)  # what was committed before the failure still leaves
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
        self._sent = weakref.finalize(self, _enqueue_all, queued)

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
        _enqueue_all(queued)
    else:
        after_response.extend(queued)


@event.listens_for(Session, "after_soft_rollback")
def _drop_queued(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(OUTBOX_KEY, None)
