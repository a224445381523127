"""Every write of announcements, and their mail.

Course staff post an announcement to a cohort (Markdown, sanitised as lessons are), now or for
a later moment; edit it; withdraw it. Its learners see it on the course page and the dashboard
from its publication until they dismiss it, and get it by mail unless they turned
announcements off. The mail is written by a pass each minute (the `announcement_mail` job):
one conditional UPDATE claims each announcement that is published and not yet mailed, so it is
mailed once however many workers run; a worker writes each message when it sends it, with the
announcement as it then stands, and sends nothing for one withdrawn meanwhile. Audited.
"""

from datetime import datetime
from email.message import EmailMessage

from flask_babel import gettext as _
from sqlalchemy import update

from app.accounts.models import User
from app.core import audit
from app.core.i18n import writing_in
from app.core.jobs import job
from app.core.mail import OutgoingMail, language_of, message_to, notification, queue_notifications
from app.core.markdown import render_markdown
from app.core.models import add_unless_duplicate
from app.core.subscriptions import MailTopic
from app.core.types import utcnow
from app.core.urls import public_url_for
from app.extensions import db
from app.learning.models import Announcement, AnnouncementDismissal
from app.learning.queries import is_enrolled, learners_to_write_to

KIND = "announcement"


class AnnouncementError(ValueError):
    """An announcement change that cannot be made, with a sentence saying why."""


def post_announcement(
    cohort, *, title: str, body: str, publish_at: datetime, actor: User, now: datetime
) -> Announcement:
    """Post an announcement to a cohort, published at `publish_at` (now, or later)."""
    announcement = Announcement(
        cohort_id=cohort.id,
        title=title,
        body_md=body,
        body_html=render_markdown(body),
        author_id=actor.id,
        publish_at=max(publish_at, now),
        created_at=now,
        updated_at=now,
    )
    db.session.add(announcement)
    db.session.flush()
    audit.record(
        "announcement.posted",
        actor=actor,
        target=announcement,
        details={"cohort": cohort.slug, "title": title, "publish_at": publish_at.isoformat()},
    )
    return announcement


def update_announcement(
    announcement: Announcement,
    *,
    title: str,
    body: str,
    publish_at: datetime,
    actor: User,
    now: datetime,
) -> list[str]:
    """Change an announcement; return what changed (nothing: nothing saved). Once it is
    published, its time stays: its learners have seen it, and its mail has gone."""
    if announcement.withdrawn_at is not None:
        raise AnnouncementError(_("This announcement is withdrawn: it can no longer be edited."))
    published = announcement.is_published(now)
    changed = []
    if title != announcement.title:
        changed.append("title")
    if body != announcement.body_md:
        changed.append("body")
    if not published and publish_at != announcement.publish_at:
        changed.append("publish_at")
    if not changed:
        return []
    announcement.title = title
    announcement.body_md = body
    announcement.body_html = render_markdown(body)
    if "publish_at" in changed:
        announcement.publish_at = max(publish_at, now)
    announcement.updated_at = now
    audit.record(
        "announcement.updated",
        actor=actor,
        target=announcement,
        details={"title": title, "changed": changed},
    )
    return changed


def withdraw_announcement(announcement: Announcement, *, actor: User, now: datetime) -> bool:
    """Take an announcement down (learners no longer see it; mail not yet sent is not sent).
    False when it was withdrawn already."""
    done = db.session.execute(
        update(Announcement)
        .where(Announcement.id == announcement.id, Announcement.withdrawn_at.is_(None))
        .values(withdrawn_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(announcement)
    if done:
        audit.record(
            "announcement.withdrawn",
            actor=actor,
            target=announcement,
            details={"title": announcement.title},
        )
    return bool(done)


def dismiss_announcement(user, announcement: Announcement, *, now: datetime) -> bool:
    """A learner puts an announcement away; False when they had already."""
    return add_unless_duplicate(
        AnnouncementDismissal(announcement_id=announcement.id, user_id=user.id, dismissed_at=now)
    )


# The mail


def write_announcement_mail(now: datetime) -> int:
    """Claim every announcement published and not yet mailed, and write a notification to
    each learner of its cohort who has not turned announcements off; return how many."""
    claimed = db.session.execute(
        update(Announcement)
        .where(
            Announcement.publish_at <= now,
            Announcement.mailed_at.is_(None),
            Announcement.withdrawn_at.is_(None),
        )
        .values(mailed_at=now)
        .returning(Announcement.id, Announcement.cohort_id)
        .execution_options(synchronize_session=False)
    ).all()
    written = 0
    for announcement_id, cohort_id in claimed:
        written += queue_notifications(
            KIND,
            learners_to_write_to(cohort_id, MailTopic.ANNOUNCEMENTS),
            key_prefix=f"{KIND}:{announcement_id}:",
            payload={"announcement_id": announcement_id},
            now=now,
        )
    return written


@job("announcement_mail", every_minute=True)
def announcement_mail() -> None:
    """Each minute: mail the announcements that have been published since the last pass."""
    write_announcement_mail(utcnow())
    db.session.commit()


@notification(KIND, topic=MailTopic.ANNOUNCEMENTS)
def write_announcement(mail: OutgoingMail) -> EmailMessage | None:
    """The announcement as it now stands; nothing if it was withdrawn or the learner left."""
    announcement = db.session.get(Announcement, mail.payload["announcement_id"])
    user = db.session.get(User, mail.user_id)
    if announcement is None or announcement.withdrawn_at is not None or user is None:
        return None
    if not is_enrolled(user.id, announcement.cohort_id):
        return None
    cohort = announcement.cohort
    course = cohort.course
    author = announcement.author.name if announcement.author else None
    with writing_in(language_of(user)):
        return message_to(
            user,
            lambda: _("%(course)s: %(title)s", course=course.title, title=announcement.title),
            "mail/announcement.txt",
            topic=MailTopic.ANNOUNCEMENTS,
            html_template="mail/announcement.html",
            user=user,
            announcement=announcement,
            course=course,
            cohort=cohort,
            author=author,
            course_url=public_url_for("catalog.course", slug=course.slug),
        )
