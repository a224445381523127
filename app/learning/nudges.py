"""The stalled-learner mail: after 10 days without a step in the course, one mail naming the
learner's next step and what the certificate still asks.

A pass each hour (the `stalled_learners` job, at minute 0) claims, in one conditional UPDATE, every
enrolment that is due one, setting its `nudged_at` to the pass's moment, so two workers or two
passes never claim the same enrolment; then it writes a notification to each. An enrolment is
due one when its learner:

- has not finished (never after completion) and has taken no step for 10 days (lesson done,
  quiz, live session, recording: `Enrollment.last_active_at`, else the enrolment itself);
- is in a cohort that began at least 10 days ago and has not ended;
- was not nudged since their last step (one mail per silence), nor in the last 14 days;
- can be written to and has not turned `progress_reminders` off.

The message is written when it is sent, from the learner's progress as it then stands; a
learner who came back or finished meanwhile is not sent it.
"""

from datetime import datetime, timedelta
from email.message import EmailMessage

from flask_babel import gettext as _
from sqlalchemy import String, and_, cast, exists, func, or_, select, update

from app.accounts.models import User
from app.catalog.models import Cohort
from app.catalog.outline import outline_of
from app.core.i18n import writing_in
from app.core.jobs import job
from app.core.mail import OutgoingMail, language_of, message_to, notification, queue_notifications
from app.core.subscriptions import MailTopic, opted_out_of
from app.core.types import utcnow
from app.core.urls import public_url_for
from app.extensions import db
from app.learning.models import Enrollment
from app.learning.progress import CourseProgress, outline_cohort
from app.learning.queries import learner_facts

SILENT_FOR = timedelta(days=10)
AT_MOST_EVERY = timedelta(days=14)
KIND = "stalled_learner"


def _last_step():
    return func.coalesce(Enrollment.last_active_at, Enrollment.enrolled_at)


def claim_stalled(now: datetime) -> int:
    """Mark every enrolment due a stalled-learner mail as nudged at `now`; return how many."""
    quiet_since = now - SILENT_FOR
    running = select(Cohort.id).where(
        Cohort.starts_on <= quiet_since.date(),
        Cohort.ends_on >= now.date(),
        Cohort.is_archived.is_(False),
    )
    reachable = exists().where(
        User.id == Enrollment.user_id,
        User.is_active.is_(True),
        User.deleted_at.is_(None),
        ~opted_out_of(MailTopic.PROGRESS, User.id),
    )
    return db.session.execute(
        update(Enrollment)
        .where(
            Enrollment.completed_at.is_(None),
            _last_step() <= quiet_since,
            Enrollment.cohort_id.in_(running),
            or_(
                Enrollment.nudged_at.is_(None),
                and_(
                    Enrollment.nudged_at < _last_step(), Enrollment.nudged_at <= now - AT_MOST_EVERY
                ),
            ),
            reachable,
        )
        .values(nudged_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def write_stalled_nudges(now: datetime) -> int:
    """Claim the enrolments due a nudge and write one notification each; return how many."""
    if not claim_stalled(now):
        return 0
    claimed = (
        select(User.id, User.email, cast(Enrollment.id, String))
        .join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.nudged_at == now)
    )
    # The key ends with the enrolment's id; the moment names this silence's one mail.
    return queue_notifications(
        KIND, claimed, key_prefix=f"{KIND}:{now:%Y%m%dT%H%M%S.%f}:", payload={}, now=now
    )


@job("stalled_learners", every_hour=True)
def stalled_learners() -> None:
    """Write the stalled-learner mails that have come due (sent once this commits)."""
    write_stalled_nudges(utcnow())
    db.session.commit()


def _enrollment_of(mail: OutgoingMail) -> Enrollment | None:
    enrollment_id = int(mail.idempotency_key.rsplit(":", 1)[1])
    return db.session.get(Enrollment, enrollment_id)


@notification(KIND, topic=MailTopic.PROGRESS)
def write_nudge(mail: OutgoingMail) -> EmailMessage | None:
    """The mail, from the learner's progress now; none if they came back or finished since."""
    enrollment = _enrollment_of(mail)
    if enrollment is None or enrollment.is_complete:
        return None
    if enrollment.last_active_at and enrollment.last_active_at > mail.created_at:
        return None
    user = enrollment.user
    now = utcnow()
    course = outline_of(enrollment.cohort.course)
    facts = learner_facts(user, [course])[course.id]
    cohort = outline_cohort(course, enrollment)
    last_step = enrollment.last_active_at or enrollment.enrolled_at
    with writing_in(language_of(user)):  # the requirements are worded as they are made
        progress = CourseProgress(course, cohort, facts.as_of(cohort, now))
        continuation = progress.continuation(now)
        return message_to(
            user,
            lambda: _("Your next step in %(course)s", course=course.title),
            "mail/stalled_learner.txt",
            topic=MailTopic.PROGRESS,
            user=user,
            course=course,
            cohort=enrollment.cohort,
            progress=progress,
            continuation=continuation,
            days=(now - last_step).days,
            has_started=enrollment.last_active_at is not None,
            zone=user.time_zone,
            course_url=public_url_for("catalog.course", slug=course.slug),
        )
