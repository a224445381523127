"""Application deadlines: to a person who saved an application as a draft and has not sent it,
a reminder 3 days and 1 day before the cohort's applications close.

A pass each minute (the `application_deadlines` job) looks at the cohorts whose applications
close within the next 3 days (and a night), and writes the reminders that have come due, in
one INSERT ... SELECT per cohort, reminder and group of time zones. A reminder is due at its
moment on the person's clock, or at 21:00 the evening before when that moment falls in their
night (a deadline at 23:59 is announced at 21:00). Its key names the cohort, the deadline and
the person, so it is written once, and again if the deadline moves. When its turn comes, it is
not sent to someone who applied meanwhile, or when the deadline has moved or passed.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask_babel import gettext as _
from sqlalchemy import exists, select

from app.accounts.models import User
from app.catalog.models import Cohort
from app.core.i18n import writing_in
from app.core.jobs import job
from app.core.mail import OutgoingMail, language_of, message_to, notification, queue_notifications
from app.core.subscriptions import MailTopic, opted_out_of
from app.core.timezones import NIGHT_ENDS, NIGHT_STARTS, at_a_waking_hour, is_time_zone
from app.core.types import utcnow
from app.core.urls import public_url_for
from app.extensions import db
from app.learning.models import Application, ApplicationDraft

KIND = "application_deadline"


@dataclass(frozen=True)
class Lead:
    name: str
    before: timedelta
    until: timedelta  # not written closer to the deadline than this (the next one takes over)


LEADS = (
    Lead("3d", timedelta(days=3), timedelta(days=1)),
    Lead("1d", timedelta(days=1), timedelta(0)),
)
LOOK_AHEAD = timedelta(days=3, hours=24 - NIGHT_STARTS + NIGHT_ENDS + 1)


def reminder_due_at(closes_at: datetime, lead: Lead, zone_name: str) -> datetime:
    return at_a_waking_hour(closes_at - lead.before, zone_name)


def _drafters(cohort_id: int):
    """People with a draft to the cohort and no application, who can be written to."""
    return (
        select(User.id, User.email)
        .join(ApplicationDraft, ApplicationDraft.user_id == User.id)
        .where(
            ApplicationDraft.cohort_id == cohort_id,
            ~exists().where(Application.user_id == User.id, Application.cohort_id == cohort_id),
            User.is_active.is_(True),
            User.deleted_at.is_(None),
            ~opted_out_of(MailTopic.DEADLINES, User.id),
        )
    )


def write_deadline_reminders(now: datetime) -> int:
    """Write every deadline reminder due at `now` and not written before; return how many."""
    cohorts = db.session.scalars(
        select(Cohort).where(
            Cohort.applications_close_at > now,
            Cohort.applications_close_at <= now + LOOK_AHEAD,
            Cohort.applications_open_at <= now,
            Cohort.is_archived.is_(False),
        )
    ).all()
    written = 0
    for cohort in cohorts:
        closes_at = cohort.applications_close_at
        zones = None
        for lead in LEADS:
            if now >= closes_at - lead.until:
                continue
            if zones is None:
                zones = _zones_of(cohort.id)
            due = [zone for zone in zones if reminder_due_at(closes_at, lead, zone) <= now]
            if not due:
                continue
            written += queue_notifications(
                KIND,
                _drafters(cohort.id).where(User.time_zone.in_(due)),
                key_prefix=f"{KIND}:{lead.name}:{cohort.id}:{closes_at:%Y%m%dT%H%M%SZ}:",
                payload={"cohort_id": cohort.id, "closes_at": closes_at.isoformat()},
                now=now,
            )
    return written


def _zones_of(cohort_id: int) -> list[str]:
    found = db.session.scalars(
        select(User.time_zone)
        .distinct()
        .join(ApplicationDraft, ApplicationDraft.user_id == User.id)
        .where(ApplicationDraft.cohort_id == cohort_id)
    )
    return [zone for zone in found if is_time_zone(zone)]


@job("application_deadlines", every_minute=True)
def application_deadlines() -> None:
    """Each minute: write the deadline reminders that have come due."""
    write_deadline_reminders(utcnow())
    db.session.commit()


@notification(KIND, topic=MailTopic.DEADLINES)
def write_deadline_reminder(mail: OutgoingMail) -> EmailMessage | None:
    """The reminder, unless its person applied, or the deadline moved or passed, meanwhile."""
    cohort = db.session.get(Cohort, mail.payload["cohort_id"])
    user = db.session.get(User, mail.user_id)
    now = utcnow()
    if cohort is None or user is None:
        return None
    if cohort.applications_close_at.isoformat() != mail.payload["closes_at"]:
        return None
    if now >= cohort.applications_close_at:
        return None
    applied = db.session.scalar(
        select(Application.id).where(
            Application.user_id == user.id, Application.cohort_id == cohort.id
        )
    )
    if applied is not None:
        return None
    zone = user.time_zone if is_time_zone(user.time_zone) else "UTC"
    course = cohort.course
    with writing_in(language_of(user)):
        return message_to(
            user,
            lambda: _("Your application to %(cohort)s is not sent yet", cohort=cohort.title),
            "mail/application_deadline.txt",
            topic=MailTopic.DEADLINES,
            user=user,
            cohort=cohort,
            course=course,
            closes_at=cohort.applications_close_at,
            zone=zone,
            apply_url=public_url_for("learning.apply", slug=course.slug, cohort_slug=cohort.slug),
        )
