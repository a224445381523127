"""Writing to the learners a progress report shows ("message the learners").

Staff filter a cohort's progress report (everyone in Jordan who has not passed quiz 2), see
how many learners that is, and write to them. Each gets the message by mail, in the frame of
their own language, with the author as Reply-To; those who turned messages from the course
team off are not written to (the page says how many). One INSERT ... SELECT writes them all,
under a key of their own; audited with the filters and the count.
"""

import uuid
from datetime import datetime
from email.message import EmailMessage

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.accounts.models import User
from app.authoring.reports.progress import ProgressReport
from app.catalog.models import Cohort
from app.core import audit
from app.core.i18n import writing_in
from app.core.mail import OutgoingMail, language_of, message_to, notification, queue_notifications
from app.core.subscriptions import MailTopic, opted_out_of
from app.core.urls import public_url_for
from app.extensions import db
from app.learning.queries import is_enrolled

KIND = "staff_message"


def audience(report: ProgressReport) -> tuple[int, int]:
    """How many learners the report's filters match, and how many of them will get a message."""
    matching = report.recipients_statement().subquery()
    reachable = report.recipients_statement().where(~opted_out_of(MailTopic.ANNOUNCEMENTS, User.id))
    return (
        db.session.scalar(select(func.count()).select_from(matching)),
        db.session.scalar(select(func.count()).select_from(reachable.subquery())),
    )


def message_learners(
    report: ProgressReport, *, subject: str, body: str, actor: User, now: datetime
) -> int:
    """Write the message to every learner the report's filters match who takes such mail."""
    recipients = report.recipients_statement().where(
        ~opted_out_of(MailTopic.ANNOUNCEMENTS, User.id)
    )
    written = queue_notifications(
        KIND,
        recipients,
        key_prefix=f"{KIND}:{uuid.uuid4().hex}:",
        payload={
            "subject": subject,
            "body": body,
            "cohort_id": report.cohort.id,
            "author_id": actor.id,
        },
        now=now,
    )
    audit.record(
        "learners.messaged",
        actor=actor,
        target=report.cohort,
        details={"subject": subject, "recipients": written, "filters": report.filters.args()},
    )
    return written


@notification(KIND, topic=MailTopic.ANNOUNCEMENTS)
def write_staff_message(mail: OutgoingMail) -> EmailMessage | None:
    """The message; none for a learner who has left the cohort since."""
    payload = mail.payload
    user = db.session.get(User, mail.user_id)
    cohort = db.session.get(Cohort, payload["cohort_id"])
    if user is None or cohort is None:
        return None
    if not is_enrolled(user.id, cohort.id):
        return None
    author = db.session.get(User, payload["author_id"])
    course = cohort.course
    with writing_in(language_of(user)):
        return message_to(
            user,
            lambda: _("%(course)s: %(title)s", course=course.title, title=payload["subject"]),
            "mail/staff_message.txt",
            topic=MailTopic.ANNOUNCEMENTS,
            reply_to=author.email if author and author.deleted_at is None else None,
            user=user,
            author=author.name if author else None,
            course=course,
            cohort=cohort,
            body=payload["body"],
            course_url=public_url_for("catalog.course", slug=course.slug),
        )
