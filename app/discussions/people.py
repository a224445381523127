"""What discussions keep about a person (their part of the personal-data download and of
erasure: app/core/events.py): the posts they wrote, their helpful marks, reports and the
threads they follow.

On erasure a person's posts stay in their threads, so the replies around them still read in
order, but their text goes: the post says it was removed when its author's account was
erased. Marks, reports and subscriptions are deleted.
"""

from typing import Any

from sqlalchemy import delete, select, update

from app.core.types import iso_or_none, utcnow
from app.discussions.mail import thread_title
from app.discussions.models import DiscussionPost, HelpfulMark, PostReport, ThreadSubscription
from app.discussions.queries import posts_by
from app.extensions import db


def personal_data(user) -> dict[str, Any]:
    return {
        "discussion_posts": [
            {
                "course": post.thread.cohort.course.title,
                "cohort": post.thread.cohort.title,
                "thread": thread_title(post.thread),
                "text": post.body_md,
                "written_at": post.created_at.isoformat(),
                "edited_at": iso_or_none(post.edited_at),
                "hidden_by_the_course_team_at": iso_or_none(post.hidden_at),
            }
            for post in posts_by(user)
            if not post.is_erased
        ],
        "discussion_reports": [
            {"post": report.post_id, "reason": report.reason, "at": report.reported_at.isoformat()}
            for report in db.session.scalars(
                select(PostReport).where(PostReport.user_id == user.id).order_by(PostReport.id)
            )
        ],
        "discussion_posts_marked_helpful": list(
            db.session.scalars(
                select(HelpfulMark.post_id)
                .where(HelpfulMark.user_id == user.id)
                .order_by(HelpfulMark.post_id)
            )
        ),
        "discussion_threads_followed": list(
            db.session.scalars(
                select(ThreadSubscription.thread_id)
                .where(ThreadSubscription.user_id == user.id)
                .order_by(ThreadSubscription.thread_id)
            )
        ),
    }


def erase_person(user) -> list[str]:
    db.session.execute(
        update(DiscussionPost)
        .where(DiscussionPost.author_id == user.id)
        .values(body_md="", body_html="", erased_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    for model in (HelpfulMark, PostReport, ThreadSubscription):
        db.session.execute(delete(model).where(model.user_id == user.id))
    return []
