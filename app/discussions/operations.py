"""Every write of discussions: threads, posts and their edits, helpful marks, subscriptions,
reports, and the course staff's moderation (pin, lock, hide, restore, keep).

Each function changes the session, flushes, audits what moderation does, and returns what it
made; the view commits once. Markdown is rendered here, once, sanitised as lessons are.
"""

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from app.accounts.models import User
from app.catalog.models import Cohort, Module
from app.core import audit
from app.core.markdown import render_markdown
from app.core.models import add_unless_duplicate, insert_ignoring_duplicates
from app.discussions.mail import notify_subscribers
from app.discussions.models import (
    DiscussionPost,
    DiscussionThread,
    HelpfulMark,
    PostReport,
    ThreadSubscription,
)
from app.extensions import db


class DiscussionError(ValueError):
    """A discussion change that cannot be made, with a sentence saying why."""


def module_thread(cohort: Cohort, module: Module, *, now: datetime) -> DiscussionThread:
    """A module's thread in a cohort, made the first time anyone opens it (two people at once
    make one)."""
    db.session.execute(
        insert_ignoring_duplicates(DiscussionThread)
        .values(
            cohort_id=cohort.id,
            module_id=module.id,
            created_at=now,
            last_posted_at=now,
            is_pinned=False,
            is_locked=False,
        )
        .on_conflict_do_nothing(index_elements=["cohort_id", "module_id"])
    )
    return db.session.scalars(
        select(DiscussionThread).where(
            DiscussionThread.cohort_id == cohort.id, DiscussionThread.module_id == module.id
        )
    ).one()


def start_thread(
    cohort: Cohort, *, title: str, body: str, author: User, now: datetime
) -> DiscussionThread:
    """Start a free thread in a cohort with its first post; its author follows it."""
    thread = DiscussionThread(
        cohort_id=cohort.id,
        title=title,
        started_by_id=author.id,
        created_at=now,
        last_posted_at=now,
    )
    db.session.add(thread)
    db.session.flush()
    write_post(thread, body=body, author=author, now=now)
    return thread


def write_post(
    thread: DiscussionThread,
    *,
    body: str,
    author: User,
    now: datetime,
    reply_to: DiscussionPost | None = None,
) -> DiscussionPost:
    """Add a post to a thread (in reply to another, or not); its author follows the thread,
    and those who follow it and want each post as it comes are written to."""
    if thread.is_locked:
        raise DiscussionError(_("This thread is closed: nobody can post in it any more."))
    if reply_to is not None and (reply_to.thread_id != thread.id or reply_to.is_hidden):
        reply_to = None
    post = DiscussionPost(
        thread_id=thread.id,
        author_id=author.id,
        reply_to_id=reply_to.id if reply_to is not None else None,
        body_md=body,
        body_html=render_markdown(body),
        created_at=now,
    )
    db.session.add(post)
    thread.last_posted_at = now
    db.session.flush()
    subscribe(thread, author, now=now)
    notify_subscribers(post, now=now)
    return post


def edit_post(
    post: DiscussionPost, *, body: str, author: User, now: datetime, window: timedelta
) -> bool:
    """Correct one's own post within `window` of writing it; False when the text is unchanged."""
    if not post.can_edit(author, now, window):
        raise DiscussionError(
            _("This post can no longer be edited: posts can be corrected for %(minutes)d minutes.")
            % {"minutes": window.total_seconds() // 60}
        )
    if body == post.body_md:
        return False
    post.body_md = body
    post.body_html = render_markdown(body)
    post.edited_at = now
    db.session.flush()
    return True


def toggle_helpful(post: DiscussionPost, user: User, *, now: datetime) -> bool:
    """Mark a post helpful, or take the mark back; True when it is now marked."""
    removed = db.session.execute(
        delete(HelpfulMark)
        .where(HelpfulMark.post_id == post.id, HelpfulMark.user_id == user.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if removed:
        return False
    add_unless_duplicate(HelpfulMark(post_id=post.id, user_id=user.id, marked_at=now))
    return True


def subscribe(thread: DiscussionThread, user: User, *, now: datetime) -> bool:
    """Follow a thread; False when the person followed it already."""
    exists = db.session.scalar(
        select(ThreadSubscription.id).where(
            ThreadSubscription.thread_id == thread.id, ThreadSubscription.user_id == user.id
        )
    )
    if exists is not None:
        return False
    return add_unless_duplicate(
        ThreadSubscription(thread_id=thread.id, user_id=user.id, subscribed_at=now)
    )


def unsubscribe(thread: DiscussionThread, user: User) -> bool:
    """Stop following a thread; False when the person did not follow it."""
    return bool(
        db.session.execute(
            delete(ThreadSubscription)
            .where(ThreadSubscription.thread_id == thread.id, ThreadSubscription.user_id == user.id)
            .execution_options(synchronize_session=False)
        ).rowcount
    )


def report_post(
    post: DiscussionPost, *, reason: str, reporter: User, now: datetime
) -> PostReport | None:
    """Ask the course staff to look at a post; None when this person reported it already."""
    if post.author_id == reporter.id:
        raise DiscussionError(_("You cannot report your own post: edit it instead."))
    report = PostReport(post_id=post.id, user_id=reporter.id, reason=reason, reported_at=now)
    if not add_unless_duplicate(report):
        return None
    audit.record(
        "discussion.post_reported",
        actor=reporter,
        target=post,
        details={"thread": post.thread_id, "report": report.id},
    )
    return report


def _resolve_reports(post: DiscussionPost, now: datetime) -> int:
    return db.session.execute(
        update(PostReport)
        .where(PostReport.post_id == post.id, PostReport.resolved_at.is_(None))
        .values(resolved_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def hide_post(post: DiscussionPost, *, reason: str, actor: User, now: datetime) -> bool:
    """Hide a post from learners (it stays for the staff, who can restore it); its open
    reports are resolved. False when it was hidden already."""
    if post.is_hidden:
        return False
    post.hidden_at = now
    post.hidden_by_id = actor.id
    post.hidden_reason = reason
    resolved = _resolve_reports(post, now)
    db.session.flush()
    audit.record(
        "discussion.post_hidden",
        actor=actor,
        target=post,
        details={"thread": post.thread_id, "reason": reason, "reports_resolved": resolved},
    )
    return True


def restore_post(post: DiscussionPost, *, actor: User) -> bool:
    """Show a hidden post again; False when it was not hidden."""
    if not post.is_hidden:
        return False
    reason = post.hidden_reason
    post.hidden_at = None
    post.hidden_by_id = None
    post.hidden_reason = None
    db.session.flush()
    audit.record(
        "discussion.post_restored",
        actor=actor,
        target=post,
        details={"thread": post.thread_id, "hidden_for": reason},
    )
    return True


def keep_post(post: DiscussionPost, *, actor: User, now: datetime) -> int:
    """Resolve a post's open reports and leave it as it is; return how many were resolved."""
    resolved = _resolve_reports(post, now)
    if resolved:
        audit.record(
            "discussion.reports_dismissed",
            actor=actor,
            target=post,
            details={"thread": post.thread_id, "reports_resolved": resolved},
        )
    return resolved


def set_pinned(thread: DiscussionThread, pinned: bool, *, actor: User) -> bool:
    """Pin a thread at the top of its cohort's list, or unpin it; False when unchanged."""
    if thread.is_pinned == pinned:
        return False
    thread.is_pinned = pinned
    db.session.flush()
    audit.record(
        "discussion.thread_pinned" if pinned else "discussion.thread_unpinned",
        actor=actor,
        target=thread,
        details={"cohort": thread.cohort_id},
    )
    return True


def set_locked(thread: DiscussionThread, locked: bool, *, actor: User) -> bool:
    """Close a thread to new posts and edits, or open it again; False when unchanged."""
    if thread.is_locked == locked:
        return False
    thread.is_locked = locked
    db.session.flush()
    audit.record(
        "discussion.thread_locked" if locked else "discussion.thread_unlocked",
        actor=actor,
        target=thread,
        details={"cohort": thread.cohort_id},
    )
    return True
