"""Which optional mails a person receives, and the one-click unsubscribe links in them.

Mail falls into two groups. Some a person must get to use their account (a password reset,
a decision on their application, their certificate): those have no topic and are always
sent. The rest have a `MailTopic`; each person can turn each topic off, in their account
(/account/mail) or with the link in every such mail, which works without logging in: the
link carries a signed token naming the person and the topic (RFC 8058 one-click, through the
`List-Unsubscribe` and `List-Unsubscribe-Post` headers a mail program shows as a button).
An opt-out is a row; no row is the default, "send".
"""

from datetime import datetime
from enum import StrEnum

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import ForeignKey, String, UniqueConstraint, delete, exists, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import add_unless_duplicate
from app.core.types import UTCDateTime, iso_or_none, utcnow
from app.core.urls import public_url_for
from app.extensions import db

UNSUBSCRIBE_SALT = "mail-unsubscribe"


class MailTopic(StrEnum):
    """A kind of optional mail, which each person may turn off."""

    SESSION_REMINDERS = "session_reminders"
    SESSION_CHANGES = "session_changes"
    PROGRESS = "progress_reminders"
    ANNOUNCEMENTS = "announcements"
    DEADLINES = "application_deadlines"
    DISCUSSIONS = "discussions"

    @property
    def label(self) -> str:
        return TOPIC_LABELS[self.value]

    @property
    def hint(self) -> str:
        return TOPIC_HINTS[self.value]


TOPIC_LABELS = {
    "session_reminders": _l("Reminders before live sessions"),
    "session_changes": _l("Changes to live sessions"),
    "progress_reminders": _l("A reminder when you have not been back for a while"),
    "announcements": _l("Announcements and messages from the course team"),
    "application_deadlines": _l("Application deadlines"),
    "discussions": _l("Replies in discussions"),
}
TOPIC_HINTS = {
    "session_reminders": _l(
        "A day before and an hour before each live session of your cohort, with the link to "
        "join and a calendar file."
    ),
    "session_changes": _l(
        "When a live session of your cohort moves to another time, gets a new link, is "
        "cancelled or is put back on the schedule."
    ),
    "progress_reminders": _l(
        "After 10 days without a lesson, a quiz or a live session: your next step and what "
        "the certificate still asks. At most one a fortnight, and none once you have finished."
    ),
    "announcements": _l(
        "What the course team posts to your cohort (you also see it on the course page and "
        "your dashboard) or writes to some of its learners."
    ),
    "application_deadlines": _l(
        "Three days and one day before a cohort's applications close, if you saved an "
        "application to it as a draft and have not sent it."
    ),
    "discussions": _l(
        "New posts in the discussion threads you follow (you follow a thread when you post in "
        "it), never your own and never hidden ones: each as it comes, or once a day."
    ),
}

# The topics whose mail a person may take as one daily digest rather than a mail each.
DIGEST_TOPICS = frozenset({MailTopic.DISCUSSIONS})


class MailOptOut(db.Model):
    """A person does not want the mails of one topic."""

    __tablename__ = "mail_opt_outs"
    __table_args__ = (UniqueConstraint("user_id", "topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MailDigest(db.Model):
    """A person takes one topic's mail as a daily digest rather than a mail each time; the
    digest's last mail covered what happened up to `sent_until`. No row: each as it comes."""

    __tablename__ = "mail_digests"
    __table_args__ = (UniqueConstraint("user_id", "topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(40))
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<MailDigest user {self.user_id} {self.topic}>"


def wants_digest(user_id: int, topic: MailTopic) -> bool:
    """Whether a person takes `topic` as a daily digest."""
    return bool(
        db.session.scalar(
            select(exists().where(MailDigest.user_id == user_id, MailDigest.topic == topic.value))
        )
    )


def digest_of(topic: MailTopic, user_id_column):
    """A condition for a query over people: the person takes `topic` as a daily digest."""
    return exists().where(MailDigest.user_id == user_id_column, MailDigest.topic == topic.value)


def set_digest(user_id: int, topic: MailTopic, digest: bool) -> bool:
    """Take `topic` as a daily digest (True) or each mail as it comes; True when it changed."""
    if digest == wants_digest(user_id, topic):
        return False
    if digest:
        return add_unless_duplicate(MailDigest(user_id=user_id, topic=topic.value))
    db.session.execute(
        delete(MailDigest).where(MailDigest.user_id == user_id, MailDigest.topic == topic.value)
    )
    return True


def opted_out(user_id: int, topic: MailTopic) -> bool:
    return bool(
        db.session.scalar(
            select(exists().where(MailOptOut.user_id == user_id, MailOptOut.topic == topic.value))
        )
    )


def opted_out_of(topic: MailTopic, user_id_column):
    """A condition for a query over people: the person in `user_id_column` turned `topic` off."""
    return exists().where(MailOptOut.user_id == user_id_column, MailOptOut.topic == topic.value)


def topics_turned_off(user_id: int) -> set[MailTopic]:
    found = db.session.scalars(select(MailOptOut.topic).where(MailOptOut.user_id == user_id))
    return {MailTopic(topic) for topic in found if topic in MailTopic._value2member_map_}


def set_topics(user_id: int, wanted: set[MailTopic]) -> bool:
    """Receive exactly the `wanted` topics; True when anything changed."""
    off = topics_turned_off(user_id)
    turn_on = off & wanted
    turn_off = set(MailTopic) - wanted - off
    if turn_on:
        db.session.execute(
            delete(MailOptOut).where(
                MailOptOut.user_id == user_id,
                MailOptOut.topic.in_([topic.value for topic in turn_on]),
            )
        )
    for topic in sorted(turn_off):
        _add_opt_out(user_id, topic)
    return bool(turn_on or turn_off)


def unsubscribe(user_id: int, topic: MailTopic) -> bool:
    """Turn one topic off; False when it was off already (a second click changes nothing)."""
    if opted_out(user_id, topic):
        return False
    return _add_opt_out(user_id, topic)


def _add_opt_out(user_id: int, topic: MailTopic) -> bool:
    return add_unless_duplicate(MailOptOut(user_id=user_id, topic=topic.value))


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int, topic: MailTopic) -> str:
    """A token that turns `topic` off for this person. It does not expire: a mail read a year
    later must still unsubscribe."""
    return _serializer().dumps([user_id, topic.value])


def read_unsubscribe_token(token: str) -> tuple[int, MailTopic] | None:
    """The person and topic a token names, or None for a token this site did not sign."""
    try:
        user_id, topic = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or topic not in MailTopic._value2member_map_:
        return None
    return user_id, MailTopic(topic)


def unsubscribe_url(user_id: int, topic: MailTopic) -> str:
    return public_url_for("accounts.unsubscribe", token=unsubscribe_token(user_id, topic))


def personal_data(user) -> dict:
    rows = db.session.scalars(
        select(MailOptOut).where(MailOptOut.user_id == user.id).order_by(MailOptOut.topic)
    )
    digests = db.session.scalars(
        select(MailDigest).where(MailDigest.user_id == user.id).order_by(MailDigest.topic)
    )
    return {
        "mail_turned_off": [
            {"topic": row.topic, "since": iso_or_none(row.created_at)} for row in rows
        ],
        "mail_as_daily_digest": [
            {"topic": row.topic, "since": iso_or_none(row.chosen_at)} for row in digests
        ],
    }


def erase_person(user) -> list[str]:
    db.session.execute(delete(MailOptOut).where(MailOptOut.user_id == user.id))
    db.session.execute(delete(MailDigest).where(MailDigest.user_id == user.id))
    return []
