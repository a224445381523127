"""Mail about live sessions: reminders before each one, and a notice when one changes.

Reminders. A pass every minute (the `session_reminders` job, on every worker) writes the
reminders that have come due: a day and an hour before each scheduled session, to each learner
enrolled in its cohort. The day-before one that would reach a learner in their night (22:00 to
07:00 on their clock) goes at 21:00 the evening before instead. A reminder's idempotency key
names the session, its start and the learner, so passes run twice, or by two workers at once,
write it once, and a session moved to another time is reminded of again at its new time.

Changes. When a session moves, gets a new link, is cancelled or put back, its cohort is told at
once (`events.live_session_changed`, sent by the schedule editor and the course import); the key
names the session's SEQUENCE, so each change is told once.

Both write only rows (`queue_notifications`); a worker writes each message when it sends it,
in the learner's language and time zone, with the session's calendar file as it then stands.
A reminder whose session has since moved or been cancelled is not sent.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.catalog.models import Cohort, LiveSession, SessionStatus
from app.catalog.translated import plain_text_of
from app.core import events
from app.core.i18n import writing_in
from app.core.jobs import job
from app.core.mail import (
    Attachment,
    OutgoingMail,
    language_of,
    message_to,
    notification,
    queue_notifications,
)
from app.core.subscriptions import MailTopic
from app.core.timezones import NIGHT_ENDS, NIGHT_STARTS, at_a_waking_hour, is_time_zone
from app.core.types import utcnow
from app.extensions import db
from app.learning.models import Enrollment
from app.learning.queries import is_enrolled, learners_to_write_to
from app.live.links import calendar, calendar_filename, join_url, schedule_url
from app.live.times import ZonedSpan, duration_left


@dataclass(frozen=True)
class Lead:
    """A reminder so long before a session; none is written closer to the start than `until`."""

    name: str
    before: timedelta
    until: timedelta
    avoids_night: bool


LEADS = (
    Lead("day", timedelta(hours=24), timedelta(hours=2), avoids_night=True),
    Lead("hour", timedelta(hours=1), timedelta(0), avoids_night=False),
)
# How far ahead a pass looks: a day, and the night the day-before reminder may be moved out of.
LOOK_AHEAD = timedelta(hours=24 + 24 - NIGHT_STARTS + NIGHT_ENDS + 1)


def reminder_due_at(starts_at: datetime, lead: Lead, zone_name: str) -> datetime:
    """When the reminder to a learner in `zone_name` is due (UTC)."""
    due = starts_at - lead.before
    return at_a_waking_hour(due, zone_name) if lead.avoids_night else due


def reminder_key(session: LiveSession, lead: Lead) -> str:
    """The idempotency key of a reminder, without the learner's id that ends it."""
    return f"session_reminder:{lead.name}:{session.id}:{session.starts_at:%Y%m%dT%H%M%SZ}:"


def write_due_reminders(now: datetime) -> int:
    """Write every reminder due at `now` and not written before; return how many were new."""
    sessions = db.session.scalars(
        select(LiveSession).where(
            LiveSession.status == SessionStatus.SCHEDULED,
            LiveSession.starts_at > now,
            LiveSession.starts_at <= now + LOOK_AHEAD,
        )
    ).all()
    written = 0
    for session in sessions:
        zones: list[str] | None = None
        for lead in LEADS:
            if now >= session.starts_at - lead.until:
                continue
            if zones is None:
                zones = _zones_of(session.cohort_id)
            due_zones = [
                zone for zone in zones if reminder_due_at(session.starts_at, lead, zone) <= now
            ]
            if due_zones:
                written += _write_reminders(session, lead, due_zones, now)
    return written


def _zones_of(cohort_id: int) -> list[str]:
    found = db.session.scalars(
        select(User.time_zone)
        .distinct()
        .join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.cohort_id == cohort_id)
    )
    return [zone for zone in found if is_time_zone(zone)]


def _write_reminders(session: LiveSession, lead: Lead, zones: list[str], now: datetime) -> int:
    learners = learners_to_write_to(session.cohort_id, MailTopic.SESSION_REMINDERS)
    return queue_notifications(
        "session_reminder",
        learners.where(User.time_zone.in_(zones)),
        key_prefix=reminder_key(session, lead),
        payload={
            "session_id": session.id,
            "lead": lead.name,
            "starts_at": session.starts_at.isoformat(),
        },
        now=now,
    )


@job("session_reminders", every_minute=True)
def session_reminders() -> None:
    """Each minute: write the reminders that have come due (they are sent once it commits)."""
    write_due_reminders(utcnow())
    db.session.commit()


@events.live_session_changed.connect
def tell_cohort(
    session: LiveSession, *, changes: frozenset[str], previous_starts_at: datetime, now: datetime
) -> int:
    """Write a notice of the change to each learner of the session's cohort (not for a session
    that was over before and after the change: nobody needs it any more)."""
    if session.is_over(now) and previous_starts_at + (session.ends_at - session.starts_at) <= now:
        return 0
    return queue_notifications(
        "session_changed",
        learners_to_write_to(session.cohort_id, MailTopic.SESSION_CHANGES),
        key_prefix=f"session_changed:{session.id}:{session.sequence}:",
        payload={
            "session_id": session.id,
            "sequence": session.sequence,
            "changes": sorted(changes),
            "previous_starts_at": previous_starts_at.isoformat(),
        },
        now=now,
    )


# Writing the messages, when a worker sends them


def _session_and_learner(mail: OutgoingMail) -> tuple[LiveSession, User] | None:
    session = db.session.scalar(
        select(LiveSession)
        .where(LiveSession.id == mail.payload["session_id"])
        .options(joinedload(LiveSession.cohort).joinedload(Cohort.course))
    )
    user = db.session.get(User, mail.user_id)
    if session is None or user is None or user.deleted_at is not None:
        return None
    return (session, user) if is_enrolled(user.id, session.cohort_id) else None


def _calendar_attachment(session: LiveSession) -> Attachment:
    cohort = session.cohort
    course = cohort.course
    body = calendar(
        [session],
        name=f"{plain_text_of(course, course)}: {plain_text_of(course, session)}",
        join_cohort_ids={cohort.id},
    )
    return Attachment(calendar_filename(session), "text/calendar", body)


def _zone(user: User) -> str:
    return user.time_zone if is_time_zone(user.time_zone) else "UTC"


def _context(session: LiveSession, user: User) -> dict:
    return {
        "user": user,
        "session": session,
        "course": session.cohort.course,
        "cohort": session.cohort,
        "span": ZonedSpan.of(session.starts_at, session.ends_at, _zone(user)),
        "zone": _zone(user),
        "join_url": join_url(session),
        "schedule_url": schedule_url(session, external=True),
    }


def short_when(span: ZonedSpan) -> str:
    """'Thursday 8 July, 16:00 KST': the start, for a subject line."""
    return f"{span.day(year=False)}, {span.start:%H:%M} {span.abbreviation}"


@notification("session_reminder", topic=MailTopic.SESSION_REMINDERS)
def write_reminder(mail: OutgoingMail) -> EmailMessage | None:
    """A reminder, unless its session was cancelled or moved, or has begun, since it was due."""
    found = _session_and_learner(mail)
    if found is None:
        return None
    session, user = found
    now = utcnow()
    if (
        session.is_cancelled
        or session.starts_at.isoformat() != mail.payload["starts_at"]
        or session.has_started(now)
    ):
        return None
    context = _context(session, user)
    with writing_in(language_of(user)):
        return message_to(
            user,
            lambda: _(
                "Reminder: %(session)s, %(when)s",
                session=plain_text_of(session.cohort.course, session),
                when=short_when(context["span"]),
            ),
            "mail/session_reminder.txt",
            topic=MailTopic.SESSION_REMINDERS,
            attachments=(_calendar_attachment(session),),
            left=duration_left(session.starts_at, now),
            **context,
        )


@notification("session_changed", topic=MailTopic.SESSION_CHANGES)
def write_change(mail: OutgoingMail) -> EmailMessage | None:
    """A notice of a change, with the session as it now stands and its calendar file."""
    found = _session_and_learner(mail)
    if found is None:
        return None
    session, user = found
    changes = set(mail.payload["changes"])
    previous_starts_at = datetime.fromisoformat(mail.payload["previous_starts_at"])
    context = _context(session, user)
    previous = ZonedSpan.of(
        previous_starts_at,
        previous_starts_at + (session.ends_at - session.starts_at),
        context["zone"],
    )

    def subject() -> str:
        if session.is_cancelled:
            return _(
                "Cancelled: %(session)s, %(when)s",
                session=plain_text_of(session.cohort.course, session),
                when=short_when(context["span"]),
            )
        if "time" in changes:
            return _(
                "New time: %(session)s, %(when)s",
                session=plain_text_of(session.cohort.course, session),
                when=short_when(context["span"]),
            )
        if "restored" in changes:
            return _(
                "Back on the schedule: %(session)s, %(when)s",
                session=plain_text_of(session.cohort.course, session),
                when=short_when(context["span"]),
            )
        return _(
            "New link: %(session)s, %(when)s",
            session=plain_text_of(session.cohort.course, session),
            when=short_when(context["span"]),
        )

    with writing_in(language_of(user)):
        return message_to(
            user,
            subject,
            "mail/session_changed.txt",
            topic=MailTopic.SESSION_CHANGES,
            attachments=(_calendar_attachment(session),),
            changes=changes,
            previous=previous,
            **context,
        )
