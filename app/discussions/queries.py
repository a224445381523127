"""The reads behind the discussion pages, each with a fixed number of queries whatever the
number of threads and posts; hidden posts are read only for the course staff."""

from dataclasses import dataclass

from sqlalchemy import Select, case, exists, func, select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.catalog.models import Cohort
from app.discussions.models import (
    DiscussionPost,
    DiscussionThread,
    HelpfulMark,
    PostReport,
    ThreadSubscription,
)
from app.extensions import db
from app.learning.models import Enrollment
from app.learning.queries import is_enrolled


def can_take_part(user, cohort: Cohort) -> bool:
    """The cohort's enrolled learners, the course's staff and admins."""
    if not user.is_authenticated:
        return False
    return cohort.course.can_manage(user) or is_enrolled(user.id, cohort.id)


def cohorts_taken_part_in(user, course) -> list[Cohort]:
    """The cohorts of `course` whose discussion this person may read: all of them for its
    staff, their own for a learner (in the course's order)."""
    statement = select(Cohort).where(Cohort.course_id == course.id)
    if not course.can_manage(user):
        statement = statement.join(Enrollment, Enrollment.cohort_id == Cohort.id).where(
            Enrollment.user_id == user.id
        )
    return list(db.session.scalars(statement.order_by(Cohort.position, Cohort.id)))


def _visible_posts(thread_id_column):
    return (
        select(func.count(DiscussionPost.id))
        .where(DiscussionPost.thread_id == thread_id_column, DiscussionPost.hidden_at.is_(None))
        .correlate_except(DiscussionPost)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class ThreadLine:
    """A thread in its cohort's list, with its number of visible posts."""

    thread: DiscussionThread
    posts: int


def free_threads(cohort_id: int) -> Select:
    """A cohort's free threads, pinned first, then the most recently active: (thread, posts)."""
    return (
        select(DiscussionThread, _visible_posts(DiscussionThread.id))
        .where(DiscussionThread.cohort_id == cohort_id, DiscussionThread.module_id.is_(None))
        .options(joinedload(DiscussionThread.started_by))
        .order_by(
            DiscussionThread.is_pinned.desc(),
            DiscussionThread.last_posted_at.desc(),
            DiscussionThread.id.desc(),
        )
    )


def free_thread_count(cohort_id: int) -> Select:
    return select(func.count(DiscussionThread.id)).where(
        DiscussionThread.cohort_id == cohort_id, DiscussionThread.module_id.is_(None)
    )


def module_threads(cohort_id: int) -> dict[int, ThreadLine]:
    """The module threads opened so far in a cohort, by module id, in one query."""
    rows = db.session.execute(
        select(DiscussionThread, _visible_posts(DiscussionThread.id)).where(
            DiscussionThread.cohort_id == cohort_id, DiscussionThread.module_id.is_not(None)
        )
    ).all()
    return {thread.module_id: ThreadLine(thread, posts) for thread, posts in rows}


def thread_posts(thread_id: int, *, with_hidden: bool) -> Select:
    """A thread's posts, oldest first, with their authors and the posts they answer."""
    statement = (
        select(DiscussionPost)
        .where(DiscussionPost.thread_id == thread_id)
        .options(
            joinedload(DiscussionPost.author),
            joinedload(DiscussionPost.reply_to).joinedload(DiscussionPost.author),
        )
        .order_by(DiscussionPost.created_at, DiscussionPost.id)
    )
    if not with_hidden:
        statement = statement.where(DiscussionPost.hidden_at.is_(None))
    return statement


def thread_post_count(thread_id: int, *, with_hidden: bool) -> Select:
    statement = select(func.count(DiscussionPost.id)).where(DiscussionPost.thread_id == thread_id)
    if not with_hidden:
        statement = statement.where(DiscussionPost.hidden_at.is_(None))
    return statement


@dataclass(frozen=True)
class Marks:
    """For a page of posts: how many found each helpful, and what the reader did to each."""

    helpful: dict[int, int]
    marked: frozenset[int]
    reported: frozenset[int]


def marks_on(post_ids: list[int], user_id: int) -> Marks:
    """The helpful counts and the reader's own marks and reports, in one query."""
    if not post_ids:
        return Marks({}, frozenset(), frozenset())
    mine = func.sum(case((HelpfulMark.user_id == user_id, 1), else_=0))
    reported = exists().where(
        PostReport.post_id == DiscussionPost.id, PostReport.user_id == user_id
    )
    rows = db.session.execute(
        select(DiscussionPost.id, func.count(HelpfulMark.id), mine, reported)
        .outerjoin(HelpfulMark, HelpfulMark.post_id == DiscussionPost.id)
        .where(DiscussionPost.id.in_(post_ids))
        .group_by(DiscussionPost.id)
    ).all()
    return Marks(
        {post_id: count for post_id, count, _mine, _reported in rows},
        frozenset(post_id for post_id, _count, mine, _reported in rows if mine),
        frozenset(post_id for post_id, _count, _mine, was in rows if was),
    )


def is_subscribed(thread_id: int, user_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    ThreadSubscription.thread_id == thread_id,
                    ThreadSubscription.user_id == user_id,
                )
            )
        )
    )


def open_reports(cohort_id: int) -> Select:
    """The cohort's posts with reports not yet resolved, the most recently reported first:
    (post, number of open reports), with the post's author and thread."""
    counts = (
        select(
            PostReport.post_id,
            func.count(PostReport.id).label("reports"),
            func.max(PostReport.reported_at).label("last"),
        )
        .where(PostReport.resolved_at.is_(None))
        .group_by(PostReport.post_id)
        .subquery()
    )
    return (
        select(DiscussionPost, counts.c.reports)
        .join(counts, counts.c.post_id == DiscussionPost.id)
        .join(DiscussionThread, DiscussionThread.id == DiscussionPost.thread_id)
        .where(DiscussionThread.cohort_id == cohort_id)
        .options(
            joinedload(DiscussionPost.author),
            joinedload(DiscussionPost.thread).joinedload(DiscussionThread.module),
        )
        .order_by(counts.c.last.desc(), DiscussionPost.id.desc())
    )


def open_report_count(cohort_id: int) -> Select:
    return (
        select(func.count(func.distinct(PostReport.post_id)))
        .join(DiscussionPost, DiscussionPost.id == PostReport.post_id)
        .join(DiscussionThread, DiscussionThread.id == DiscussionPost.thread_id)
        .where(DiscussionThread.cohort_id == cohort_id, PostReport.resolved_at.is_(None))
    )


def reports_of(post_ids: list[int]) -> dict[int, list[PostReport]]:
    """The open reports on these posts, with who made them, oldest first."""
    found: dict[int, list[PostReport]] = {post_id: [] for post_id in post_ids}
    if not post_ids:
        return found
    for report in db.session.scalars(
        select(PostReport)
        .where(PostReport.post_id.in_(post_ids), PostReport.resolved_at.is_(None))
        .options(joinedload(PostReport.user))
        .order_by(PostReport.reported_at, PostReport.id)
    ):
        found[report.post_id].append(report)
    return found


def posts_by(user: User) -> list[DiscussionPost]:
    """Everything a person wrote in discussions, for their personal-data download."""
    return list(
        db.session.scalars(
            select(DiscussionPost)
            .where(DiscussionPost.author_id == user.id)
            .options(
                joinedload(DiscussionPost.thread)
                .joinedload(DiscussionThread.cohort)
                .joinedload(Cohort.course)
            )
            .order_by(DiscussionPost.created_at, DiscussionPost.id)
        )
    )


def quoted(post: DiscussionPost) -> str:
    """A post as a Markdown block quote that names its author, for a reply's text."""
    name = post.author.name if post.author is not None else ""
    lines = post.body_md.strip().splitlines() or [""]
    quote = "\n".join(f"> {line}" if line else ">" for line in lines)
    return f"> **{name}:**\n>\n{quote}\n\n" if name else f"{quote}\n\n"
