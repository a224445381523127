"""The scheduled work of assignments: reviews open when plans are due, reviews not written in
time go to someone else, reviews close and grades settle; and the mail to reviewers."""

from datetime import datetime
from email.message import EmailMessage

from flask_babel import gettext as _
from sqlalchemy import String, cast, select

from app.accounts.models import User
from app.assignments import operations, queries
from app.assignments.models import PeerReview, ReviewState, Submission
from app.catalog.models import Assignment
from app.catalog.outline import outline_of
from app.core.jobs import job
from app.core.mail import OutgoingMail, message_to, notification, queue_notifications
from app.core.subscriptions import MailTopic, opted_out_of
from app.core.types import utcnow
from app.core.urls import public_url_for
from app.extensions import db
from app.learning.operations import record_completion

KIND = "peer_reviews_assigned"


def run_review_passes(now: datetime) -> None:
    """Open the reviews that are due to open, replace the overdue ones, close the finished
    rounds, and write the mails to reviewers given new plans."""
    for assignment, cohort in queries.rounds_to_open(now):
        operations.open_reviews(assignment, cohort, now=now)
    for round_ in queries.open_rounds():
        assignment = db.session.get(Assignment, round_.assignment_id)
        operations.replace_overdue_reviews(assignment, round_.cohort_id, now=now)
        if queries.reviews_closed(assignment, round_.cohort_id, now):
            round_.closed_at = now
            _settle_grades(assignment, round_.cohort_id, now)
    write_reviewer_mail(now)
    db.session.flush()


def _settle_grades(assignment: Assignment, cohort_id: int, now: datetime) -> None:
    """Reviews are closed: a plan with fewer reviews than asked is graded on those it has,
    so its author may have completed the course, and is told of the grade."""
    course = outline_of(assignment.module.course)
    for submission in queries.submitted_in_cohort(assignment.id, cohort_id):
        record_completion(submission.author, course, now=now)
        grade = queries.grade(submission, now)
        if grade.is_final:
            operations.write_grade_mail(submission, grade.source, now)


def write_reviewer_mail(now: datetime) -> int:
    """One mail to each reviewer given plans at `now` (by any of the passes or a late plan)."""
    given = (
        select(User.id, User.email, cast(User.id, String))
        .join(PeerReview, PeerReview.reviewer_id == User.id)
        .where(
            PeerReview.assigned_at == now,
            PeerReview.state == ReviewState.ASSIGNED,
            User.is_active.is_(True),
            User.deleted_at.is_(None),
            ~opted_out_of(MailTopic.PROGRESS, User.id),
        )
        .group_by(User.id, User.email)
    )
    return queue_notifications(
        KIND,
        given,
        key_prefix=f"{KIND}:{now:%Y%m%dT%H%M%S.%f}:",
        payload={"assigned_at": now.isoformat()},
        now=now,
    )


@job("peer_reviews", every_minute=True)
def peer_reviews() -> None:
    """The review passes (see `run_review_passes`), committed."""
    run_review_passes(utcnow())
    db.session.commit()


@notification(KIND, topic=MailTopic.PROGRESS)
def write_reviews_assigned(mail: OutgoingMail) -> EmailMessage | None:
    """The plans given to the reviewer at that moment, still to write; none if all are done."""
    assigned_at = datetime.fromisoformat(mail.payload["assigned_at"])
    reviews = list(
        db.session.scalars(
            select(PeerReview)
            .where(
                PeerReview.reviewer_id == mail.user_id,
                PeerReview.assigned_at == assigned_at,
                PeerReview.state == ReviewState.ASSIGNED,
            )
            .order_by(PeerReview.id)
        )
    )
    if not reviews:
        return None
    user = db.session.get(User, mail.user_id)
    assignment = reviews[0].submission.assignment
    course = assignment.module.course
    due_at = min(review.due_at for review in reviews)
    return message_to(
        user,
        lambda: _("Plans to review in %(course)s", course=course.title),
        "mail/peer_reviews_assigned.txt",
        topic=MailTopic.PROGRESS,
        user=user,
        count=len(reviews),
        assignment=assignment,
        course=course,
        due_at=due_at,
        zone=user.time_zone,
        url=public_url_for(
            "assignments.assignment", slug=course.slug, module_slug=assignment.module.slug
        ),
    )


@notification(operations.GRADED, topic=MailTopic.PROGRESS)
def write_plan_graded(mail: OutgoingMail) -> EmailMessage | None:
    """The plan's grade and where to read the reviews; none if the plan is gone."""
    submission = db.session.get(Submission, mail.payload["submission_id"])
    if submission is None:
        return None
    grade = queries.grade(submission, utcnow())
    if not grade.is_final:
        return None
    user = submission.author
    assignment = submission.assignment
    course = assignment.module.course
    return message_to(
        user,
        lambda: _("Your plan has its grade: %(title)s", title=submission.title),
        "mail/plan_graded.txt",
        topic=MailTopic.PROGRESS,
        user=user,
        plan=submission,
        grade=grade,
        assignment=assignment,
        course=course,
        url=public_url_for(
            "assignments.assignment", slug=course.slug, module_slug=assignment.module.slug
        ),
    )
