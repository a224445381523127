"""The mail of discussions: new posts in the threads a person follows.

A person who follows a thread (by posting in it, or with its "Follow" button) and has not
turned "Replies in discussions" off (core/subscriptions.py) gets each new post by mail as it
comes, or, if they chose the daily digest, one mail a day with the new posts of every thread
they follow, at a waking hour on their clock. Never their own posts, never a hidden one: a
notification is written when its turn comes, so a post hidden meanwhile is not sent, and a
digest lists only what is still shown then. Everything goes through the notification queue
(core.mail.queue_notifications), each with its idempotency key.
"""

from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.catalog.models import Cohort
from app.core.i18n import writing_in
from app.core.jobs import job
from app.core.mail import OutgoingMail, language_of, message_to, notification, queue_notifications
from app.core.subscriptions import MailDigest, MailTopic, digest_of, opted_out_of
from app.core.timezones import at_a_waking_hour, local_time
from app.core.types import utcnow
from app.core.urls import public_url_for
from app.discussions.models import DiscussionPost, DiscussionThread, ThreadSubscription
from app.discussions.queries import can_take_part
from app.extensions import db

POST_KIND = "discussion_post"
DIGEST_KIND = "discussion_digest"
# A digest is sent at most once in this time (so once a day, at the first waking hour after).
DIGEST_EVERY = timedelta(hours=20)
# A digest lists at most this many posts; the rest are on the site.
DIGEST_POSTS = 50


def _reachable(user_id_column):
    return and_(
        User.is_active.is_(True),
        User.deleted_at.is_(None),
        ~opted_out_of(MailTopic.DISCUSSIONS, user_id_column),
    )


def notify_subscribers(post: DiscussionPost, *, now: datetime) -> int:
    """Write a notification of a new post to each follower of its thread who wants each post
    as it comes (not its author); return how many."""
    followers = (
        select(User.id, User.email)
        .join(ThreadSubscription, ThreadSubscription.user_id == User.id)
        .where(
            ThreadSubscription.thread_id == post.thread_id,
            User.id != post.author_id,
            _reachable(User.id),
            ~digest_of(MailTopic.DISCUSSIONS, User.id),
        )
    )
    return queue_notifications(
        POST_KIND,
        followers,
        key_prefix=f"{POST_KIND}:{post.id}:",
        payload={"post_id": post.id},
        now=now,
    )


def thread_url(thread: DiscussionThread, **values) -> str:
    cohort = thread.cohort
    return public_url_for(
        "discussions.thread",
        slug=cohort.course.slug,
        cohort_slug=cohort.slug,
        thread_id=thread.id,
        **values,
    )


def thread_title(thread: DiscussionThread) -> str:
    """A free thread's title, or its module's."""
    if thread.title:
        return thread.title
    return thread.module.title if thread.module is not None else ""


@notification(POST_KIND, topic=MailTopic.DISCUSSIONS)
def write_post_mail(mail: OutgoingMail) -> EmailMessage | None:
    """The new post as it now stands; nothing if it was hidden or its reader left the cohort."""
    post = db.session.get(DiscussionPost, mail.payload["post_id"])
    user = db.session.get(User, mail.user_id)
    if post is None or post.is_hidden or post.is_erased or user is None:
        return None
    thread = post.thread
    if not can_take_part(user, thread.cohort):
        return None
    course = thread.cohort.course
    title = thread_title(thread)
    with writing_in(language_of(user)):
        return message_to(
            user,
            lambda: _("%(course)s: a new post in “%(thread)s”", course=course.title, thread=title),
            "mail/discussion_post.txt",
            topic=MailTopic.DISCUSSIONS,
            html_template="mail/discussion_post.html",
            user=user,
            post=post,
            course=course,
            thread_title=title,
            language=language_of(user),
            post_url=thread_url(thread, page=_page_of(post)) + f"#post-{post.id}",
        )


def _page_of(post: DiscussionPost) -> int:
    """The page of its thread a post is on, for learners (hidden posts not counted)."""
    before = db.session.scalar(
        select(func.count(DiscussionPost.id)).where(
            DiscussionPost.thread_id == post.thread_id,
            DiscussionPost.hidden_at.is_(None),
            or_(
                DiscussionPost.created_at < post.created_at,
                and_(DiscussionPost.created_at == post.created_at, DiscussionPost.id < post.id),
            ),
        )
    )
    return before // current_app.config["DISCUSSION_POSTS_PER_PAGE"] + 1


# The daily digest


def _new_for(user_id_column, since_column, until: datetime):
    """Posts shown, by others, in threads the person follows, written after `since_column`
    and after they began following, up to `until`."""
    return (
        select(DiscussionPost.id)
        .join(ThreadSubscription, ThreadSubscription.thread_id == DiscussionPost.thread_id)
        .where(
            ThreadSubscription.user_id == user_id_column,
            DiscussionPost.created_at > ThreadSubscription.subscribed_at,
            DiscussionPost.created_at > since_column,
            DiscussionPost.created_at <= until,
            DiscussionPost.hidden_at.is_(None),
            DiscussionPost.erased_at.is_(None),
            or_(DiscussionPost.author_id.is_(None), DiscussionPost.author_id != user_id_column),
        )
    )


def write_discussion_digests(now: datetime) -> int:
    """Write the daily digest of each person who takes one, has new posts to read, is awake
    on their clock and had none in the last 20 hours; return how many were written. Each is
    claimed by a conditional UPDATE of its `sent_until`, so two workers write it once."""
    since = func.coalesce(MailDigest.sent_until, MailDigest.chosen_at)
    due = db.session.execute(
        select(User.id, User.time_zone, MailDigest.id, MailDigest.sent_until, since)
        .join(
            MailDigest,
            and_(MailDigest.user_id == User.id, MailDigest.topic == MailTopic.DISCUSSIONS.value),
        )
        .where(_reachable(User.id), exists(_new_for(User.id, since, now)))
    ).all()
    written = 0
    for user_id, zone, digest_id, sent_until, began in due:
        if sent_until is not None and now - sent_until < DIGEST_EVERY:
            continue
        if at_a_waking_hour(now, zone) != now:
            continue  # night on their clock: the first waking hour's pass sends it
        claimed = db.session.execute(
            update(MailDigest)
            .where(
                MailDigest.id == digest_id,
                MailDigest.sent_until.is_(None)
                if sent_until is None
                else MailDigest.sent_until == sent_until,
            )
            .values(sent_until=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            continue
        day = local_time(now, zone).date().isoformat()
        written += queue_notifications(
            DIGEST_KIND,
            select(User.id, User.email).where(User.id == user_id),
            key_prefix=f"{DIGEST_KIND}:{day}:",
            payload={"since": began.isoformat(), "until": now.isoformat()},
            now=now,
        )
    return written


@job("discussion_digests", every_hour=True)
def discussion_digests() -> None:
    """Each hour: the daily digests of those for whom it is now a waking hour."""
    write_discussion_digests(utcnow())
    db.session.commit()


@notification(DIGEST_KIND, topic=MailTopic.DISCUSSIONS)
def write_digest(mail: OutgoingMail) -> EmailMessage | None:
    """The posts still shown that came since the last digest, thread by thread; nothing if
    none is left (all hidden meanwhile) or the reader left their cohorts."""
    user = db.session.get(User, mail.user_id)
    if user is None:
        return None
    since = datetime.fromisoformat(mail.payload["since"])
    until = datetime.fromisoformat(mail.payload["until"])
    posts = db.session.scalars(
        select(DiscussionPost)
        .where(DiscussionPost.id.in_(_new_for(user.id, since, until)))
        .options(
            joinedload(DiscussionPost.author),
            joinedload(DiscussionPost.thread)
            .joinedload(DiscussionThread.cohort)
            .joinedload(Cohort.course),
            joinedload(DiscussionPost.thread).joinedload(DiscussionThread.module),
        )
        .order_by(DiscussionPost.thread_id, DiscussionPost.created_at, DiscussionPost.id)
    ).all()
    allowed: dict[int, bool] = {}
    threads: dict[int, dict] = {}
    for post in posts:
        thread = post.thread
        if thread.cohort_id not in allowed:
            allowed[thread.cohort_id] = can_take_part(user, thread.cohort)
        if not allowed[thread.cohort_id]:
            continue
        entry = threads.setdefault(
            thread.id,
            {
                "title": thread_title(thread),
                "course": thread.cohort.course,
                "url": thread_url(thread),
                "posts": [],
            },
        )
        entry["posts"].append(post)
    total = sum(len(entry["posts"]) for entry in threads.values())
    if not total:
        return None
    shown, left = [], DIGEST_POSTS
    for entry in threads.values():
        if left <= 0:
            break
        shown.append({**entry, "posts": entry["posts"][:left]})
        left -= len(entry["posts"])
    with writing_in(language_of(user)):
        return message_to(
            user,
            lambda: ngettext(
                "Discussions: %(num)d new post in the threads you follow",
                "Discussions: %(num)d new posts in the threads you follow",
                total,
            ),
            "mail/discussion_digest.txt",
            topic=MailTopic.DISCUSSIONS,
            html_template="mail/discussion_digest.html",
            user=user,
            threads=shown,
            total=total,
            language=language_of(user),
            more=max(total - DIGEST_POSTS, 0),
        )
