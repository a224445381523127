"""The discussion pages: a cohort's threads, a thread with its posts and reply form, starting a
thread, editing, marking, reporting, following; the staff's moderation and reported posts.

Only the cohort's enrolled learners, the course's staff and admins take part; everyone else
gets 403 (404 for what does not exist, or a hidden post to a learner).
"""

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.catalog.models import Cohort, Course, Module
from app.catalog.outlines import shared_outline
from app.core.listing import Page
from app.core.types import utcnow
from app.core.urls import safe_next_path
from app.discussions import bp, operations, queries
from app.discussions.forms import ActionForm, EditForm, HideForm, PostForm, ReportForm, ThreadForm
from app.discussions.mail import thread_title
from app.discussions.models import DiscussionPost, DiscussionThread
from app.extensions import db, limiter


def _user():
    return current_user._get_current_object()


def _posting_limit() -> str:
    return current_app.config["DISCUSSION_POSTS_PER_PERSON"]


# Posts, new threads and reports share one allowance per person (not per address: a city
# hall's officials may share one).
posting_limit = limiter.shared_limit(
    _posting_limit,
    scope="discussion-posts",
    key_func=lambda: f"user:{current_user.get_id()}",
    methods=["POST"],
    exempt_when=lambda: not current_user.is_authenticated,
    error_message=lambda: _(
        "You have posted a lot in a short time. Wait a minute, then send it again: what you "
        "wrote is not saved, so copy it first."
    ),
)


# Load and authorise


def _course(slug: str) -> Course:
    found = db.session.scalar(select(Course).where(Course.slug == slug))
    if found is None:
        abort(404)
    return found


def _cohort(slug: str, cohort_slug: str) -> Cohort:
    """A cohort of the course whose discussion the reader takes part in (404, then 403)."""
    found = db.session.scalar(
        select(Cohort).join(Course).where(Course.slug == slug, Cohort.slug == cohort_slug)
    )
    if found is None:
        abort(404)
    if not queries.can_take_part(current_user, found):
        abort(403)
    return found


def _thread(cohort: Cohort, thread_id: int) -> DiscussionThread:
    found = db.session.get(DiscussionThread, thread_id)
    if found is None or found.cohort_id != cohort.id:
        abort(404)
    return found


def _post(slug: str, post_id: int) -> DiscussionPost:
    """A post the reader may see: 404 if missing, in another course, or hidden from them."""
    found = db.session.get(DiscussionPost, post_id)
    if found is None or found.thread.cohort.course.slug != slug:
        abort(404)
    cohort = found.thread.cohort
    if not queries.can_take_part(current_user, cohort):
        abort(403)
    if found.is_hidden and not _is_staff(cohort):
        abort(404)
    return found


def _is_staff(cohort: Cohort) -> bool:
    return cohort.course.can_manage(current_user)


def _staff_only(cohort: Cohort) -> None:
    if not _is_staff(cohort):
        abort(403)


def _thread_url(thread: DiscussionThread, **values) -> str:
    cohort = thread.cohort
    return url_for(
        "discussions.thread",
        slug=cohort.course.slug,
        cohort_slug=cohort.slug,
        thread_id=thread.id,
        **values,
    )


def _back_to(post: DiscussionPost) -> str:
    """Where a button on a post returns: the page it was pressed on, else its thread."""
    found = safe_next_path(request.form.get("next"))
    return (found or _thread_url(post.thread)) + f"#post-{post.id}"


def _edit_window() -> timedelta:
    return timedelta(minutes=current_app.config["DISCUSSION_EDIT_MINUTES"])


def _visible_module(course: Course, module_slug: str):
    outline = shared_outline(course.slug)
    found = outline.visible_module(module_slug, utcnow()) if outline is not None else None
    if found is None:
        abort(404)
    return found


# Finding one's discussion


@bp.get("/courses/<slug>/discussions")
@login_required
def course_discussions(slug: str):
    """The reader's cohort's discussion; staff choose among the course's cohorts."""
    course = _course(slug)
    cohorts = queries.cohorts_taken_part_in(current_user, course)
    if not cohorts:
        abort(403)
    if len(cohorts) == 1:
        return redirect(url_for(".threads", slug=slug, cohort_slug=cohorts[0].slug))
    return render_template(
        "discussions/choose_cohort.html", course=course, cohorts=cohorts, module=None
    )


@bp.get("/courses/<slug>/discussions/modules/<module_slug>")
@login_required
def module_discussion(slug: str, module_slug: str):
    """A module's thread in the reader's own cohort: the address lessons link to, the same
    for every cohort. Staff choose the cohort (or give `?cohort=`)."""
    course = _course(slug)
    module = _visible_module(course, module_slug)
    cohorts = queries.cohorts_taken_part_in(current_user, course)
    chosen = request.args.get("cohort")
    if chosen:
        cohorts = [cohort for cohort in cohorts if cohort.slug == chosen]
    if not cohorts:
        abort(403)
    if len(cohorts) == 1:
        return redirect(
            url_for(
                ".module_thread", slug=slug, cohort_slug=cohorts[0].slug, module_slug=module.slug
            )
        )
    return render_template(
        "discussions/choose_cohort.html", course=course, cohorts=cohorts, module=module
    )


@bp.get("/courses/<slug>/cohorts/<cohort_slug>/discussions/modules/<module_slug>")
@login_required
def module_thread(slug: str, cohort_slug: str, module_slug: str):
    """A module's thread in a cohort, opened the first time anyone comes to it."""
    cohort = _cohort(slug, cohort_slug)
    visible = _visible_module(cohort.course, module_slug)
    module = db.session.get(Module, visible.id)
    thread = operations.module_thread(cohort, module, now=utcnow())
    db.session.commit()
    return redirect(_thread_url(thread))


# The lists


@bp.get("/courses/<slug>/cohorts/<cohort_slug>/discussions")
@login_required
def threads(slug: str, cohort_slug: str):
    """A cohort's discussion: a thread per module, then the free threads (pinned first, then
    the most recently active), a page at a time."""
    cohort = _cohort(slug, cohort_slug)
    course = cohort.course
    outline = shared_outline(course.slug)
    modules = outline.visible_modules(utcnow()) if outline is not None else []
    page = Page.of(
        queries.free_threads(cohort.id),
        current_app.config["DISCUSSION_THREADS_PER_PAGE"],
        count=queries.free_thread_count(cohort.id),
        row=lambda values: queries.ThreadLine(values[0], values[1]),
    )
    staff = _is_staff(cohort)
    return render_template(
        "discussions/threads.html",
        course=course,
        cohort=cohort,
        modules=modules,
        module_threads=queries.module_threads(cohort.id),
        page=page,
        is_staff=staff,
        reported=db.session.scalar(queries.open_report_count(cohort.id)) if staff else 0,
    )


@bp.route("/courses/<slug>/cohorts/<cohort_slug>/discussions/new", methods=["GET", "POST"])
@login_required
@posting_limit
def new_thread(slug: str, cohort_slug: str):
    """Start a free thread in the cohort, with its first post."""
    cohort = _cohort(slug, cohort_slug)
    form = ThreadForm()
    if request.method == "POST" and form.validate_on_submit():
        thread = operations.start_thread(
            cohort, title=form.title.data, body=form.body.data, author=_user(), now=utcnow()
        )
        db.session.commit()
        flash(_("Your thread is started. You will hear of replies to it by mail."), "success")
        return redirect(_thread_url(thread))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "discussions/new_thread.html", course=cohort.course, cohort=cohort, form=form
    ), status


# A thread


def _thread_page(cohort: Cohort, thread: DiscussionThread, form: PostForm, status: int = 200):
    staff = _is_staff(cohort)
    user = _user()
    page = Page.of(
        queries.thread_posts(thread.id, with_hidden=staff),
        current_app.config["DISCUSSION_POSTS_PER_PAGE"],
        count=queries.thread_post_count(thread.id, with_hidden=staff),
        endpoint="discussions.thread",
    )
    return render_template(
        "discussions/thread.html",
        course=cohort.course,
        cohort=cohort,
        thread=thread,
        title=thread_title(thread),
        page=page,
        marks=queries.marks_on([post.id for post in page.items], user.id),
        following=queries.is_subscribed(thread.id, user.id),
        is_staff=staff,
        form=form,
        action=ActionForm(),
        now=utcnow(),
        edit_window=_edit_window(),
    ), status


@bp.get("/courses/<slug>/cohorts/<cohort_slug>/discussions/<int:thread_id>")
@login_required
def thread(slug: str, cohort_slug: str, thread_id: int):
    """A thread's posts, a page at a time, and the reply form (`?quote=` fills it with a
    quote of that post)."""
    cohort = _cohort(slug, cohort_slug)
    found = _thread(cohort, thread_id)
    form = PostForm()
    quote_id = request.args.get("quote", "")
    if quote_id.isdigit() and len(quote_id) < 12:
        quoted = db.session.get(DiscussionPost, int(quote_id))
        if quoted is not None and quoted.thread_id == found.id and not quoted.is_hidden:
            form.body.data = queries.quoted(quoted)
            form.reply_to.data = str(quoted.id)
    return _thread_page(cohort, found, form)


@bp.post("/courses/<slug>/cohorts/<cohort_slug>/discussions/<int:thread_id>")
@login_required
@posting_limit
def reply(slug: str, cohort_slug: str, thread_id: int):
    """Post in a thread (in reply to a quoted post, or not)."""
    cohort = _cohort(slug, cohort_slug)
    found = _thread(cohort, thread_id)
    form = PostForm()
    if not form.validate_on_submit():
        return _thread_page(cohort, found, form, 400)
    reply_to = None
    if form.reply_to_id() is not None:
        reply_to = db.session.get(DiscussionPost, form.reply_to_id())
    try:
        post = operations.write_post(
            found, body=form.body.data, author=_user(), now=utcnow(), reply_to=reply_to
        )
    except operations.DiscussionError as error:
        db.session.rollback()
        form.body.errors = [*form.body.errors, str(error)]
        return _thread_page(cohort, found, form, 409)
    db.session.commit()
    flash(_("Your post is published."), "success")
    last = queries.thread_post_count(found.id, with_hidden=_is_staff(cohort))
    per_page = current_app.config["DISCUSSION_POSTS_PER_PAGE"]
    page = max((db.session.scalar(last) - 1) // per_page + 1, 1)
    return redirect(_thread_url(found, page=page) + f"#post-{post.id}")


@bp.post("/courses/<slug>/cohorts/<cohort_slug>/discussions/<int:thread_id>/follow")
@login_required
def follow(slug: str, cohort_slug: str, thread_id: int):
    """Follow a thread (value=on) or stop following it (value=off)."""
    cohort = _cohort(slug, cohort_slug)
    found = _thread(cohort, thread_id)
    form = ActionForm()
    if not form.validate_on_submit() or form.value.data not in ("on", "off"):
        abort(400)
    if form.value.data == "on":
        operations.subscribe(found, _user(), now=utcnow())
        message = _("You follow this thread: its new posts reach you by mail.")
    else:
        operations.unsubscribe(found, _user())
        message = _("You no longer follow this thread.")
    db.session.commit()
    flash(message, "success")
    return redirect(_thread_url(found))


def _moderate_thread(slug: str, cohort_slug: str, thread_id: int, change, messages):
    cohort = _cohort(slug, cohort_slug)
    _staff_only(cohort)
    found = _thread(cohort, thread_id)
    form = ActionForm()
    if not form.validate_on_submit() or form.value.data not in ("on", "off"):
        abort(400)
    on = form.value.data == "on"
    change(found, on, actor=_user())
    db.session.commit()
    flash(messages[on], "success")
    return redirect(_thread_url(found))


@bp.post("/courses/<slug>/cohorts/<cohort_slug>/discussions/<int:thread_id>/pin")
@login_required
def pin(slug: str, cohort_slug: str, thread_id: int):
    """Staff: pin a thread at the top of the cohort's list (value=on), or unpin it."""
    return _moderate_thread(
        slug,
        cohort_slug,
        thread_id,
        operations.set_pinned,
        {True: _("The thread is pinned."), False: _("The thread is no longer pinned.")},
    )


@bp.post("/courses/<slug>/cohorts/<cohort_slug>/discussions/<int:thread_id>/lock")
@login_required
def lock(slug: str, cohort_slug: str, thread_id: int):
    """Staff: close a thread to new posts (value=on), or open it again."""
    return _moderate_thread(
        slug,
        cohort_slug,
        thread_id,
        operations.set_locked,
        {
            True: _("The thread is closed: nobody can post in it until it is opened again."),
            False: _("The thread is open again."),
        },
    )


# A post


@bp.route("/courses/<slug>/discussions/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_post(slug: str, post_id: int):
    """Its author corrects a post, within the edit window."""
    post = _post(slug, post_id)
    now = utcnow()
    if not post.can_edit(_user(), now, _edit_window()):
        abort(403)
    form = EditForm()
    if request.method == "GET":
        form.body.data = post.body_md
    elif form.validate_on_submit():
        try:
            changed = operations.edit_post(
                post, body=form.body.data, author=_user(), now=now, window=_edit_window()
            )
        except operations.DiscussionError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(_thread_url(post.thread))
        db.session.commit()
        flash(_("Your post is corrected.") if changed else _("Nothing was changed."), "success")
        return redirect(_thread_url(post.thread) + f"#post-{post.id}")
    status = 400 if request.method == "POST" else 200
    return render_template(
        "discussions/edit_post.html",
        course=post.thread.cohort.course,
        cohort=post.thread.cohort,
        post=post,
        title=thread_title(post.thread),
        form=form,
        minutes=current_app.config["DISCUSSION_EDIT_MINUTES"],
    ), status


@bp.post("/courses/<slug>/discussions/posts/<int:post_id>/helpful")
@login_required
def helpful(slug: str, post_id: int):
    """Mark a post helpful, or take one's mark back."""
    post = _post(slug, post_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if post.is_hidden or post.author_id == current_user.id:
        abort(409)
    operations.toggle_helpful(post, _user(), now=utcnow())
    db.session.commit()
    return redirect(_back_to(post))


@bp.route("/courses/<slug>/discussions/posts/<int:post_id>/report", methods=["GET", "POST"])
@login_required
@posting_limit
def report(slug: str, post_id: int):
    """Ask the course team to look at a post, saying why."""
    post = _post(slug, post_id)
    form = ReportForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            made = operations.report_post(
                post, reason=form.reason.data, reporter=_user(), now=utcnow()
            )
        except operations.DiscussionError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(_thread_url(post.thread) + f"#post-{post.id}")
        db.session.commit()
        flash(
            _("Thank you: the course team will look at this post.")
            if made
            else _("You had already reported this post: the course team will look at it."),
            "success",
        )
        return redirect(_thread_url(post.thread) + f"#post-{post.id}")
    status = 400 if request.method == "POST" else 200
    return render_template(
        "discussions/report.html",
        course=post.thread.cohort.course,
        cohort=post.thread.cohort,
        post=post,
        title=thread_title(post.thread),
        form=form,
    ), status


@bp.route("/courses/<slug>/discussions/posts/<int:post_id>/hide", methods=["GET", "POST"])
@login_required
def hide(slug: str, post_id: int):
    """Staff: hide a post from learners, with a reason (a confirmation page first)."""
    post = _post(slug, post_id)
    cohort = post.thread.cohort
    _staff_only(cohort)
    form = HideForm()
    if request.method == "POST" and form.validate_on_submit():
        done = operations.hide_post(post, reason=form.reason.data, actor=_user(), now=utcnow())
        db.session.commit()
        flash(
            _("The post is hidden: learners no longer see it, and it is not mailed.")
            if done
            else _("The post was already hidden."),
            "success",
        )
        return redirect(safe_next_path(request.form.get("next")) or _thread_url(post.thread))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "discussions/hide.html",
        course=cohort.course,
        cohort=cohort,
        post=post,
        title=thread_title(post.thread),
        form=form,
        next=safe_next_path(request.values.get("next")),
    ), status


@bp.post("/courses/<slug>/discussions/posts/<int:post_id>/restore")
@login_required
def restore(slug: str, post_id: int):
    """Staff: show a hidden post again."""
    post = _post(slug, post_id)
    _staff_only(post.thread.cohort)
    if not ActionForm().validate_on_submit():
        abort(400)
    done = operations.restore_post(post, actor=_user())
    db.session.commit()
    flash(
        _("The post is shown again.") if done else _("The post was not hidden."),
        "success",
    )
    return redirect(_back_to(post))


@bp.post("/courses/<slug>/discussions/posts/<int:post_id>/keep")
@login_required
def keep(slug: str, post_id: int):
    """Staff: keep a reported post as it is; its reports are resolved."""
    post = _post(slug, post_id)
    cohort = post.thread.cohort
    _staff_only(cohort)
    if not ActionForm().validate_on_submit():
        abort(400)
    operations.keep_post(post, actor=_user(), now=utcnow())
    db.session.commit()
    flash(_("The post stays as it is; its reports are closed."), "success")
    return redirect(url_for(".reported", slug=cohort.course.slug, cohort_slug=cohort.slug))


@bp.get("/courses/<slug>/cohorts/<cohort_slug>/discussions/reported")
@login_required
def reported(slug: str, cohort_slug: str):
    """Staff: the cohort's posts that readers reported and nobody has dealt with yet."""
    cohort = _cohort(slug, cohort_slug)
    _staff_only(cohort)
    page = Page.of(
        queries.open_reports(cohort.id),
        current_app.config["DISCUSSION_REPORTS_PER_PAGE"],
        count=queries.open_report_count(cohort.id),
        row=lambda values: (values[0], values[1]),
    )
    posts = [post for post, _count in page.items]
    return render_template(
        "discussions/reported.html",
        course=cohort.course,
        cohort=cohort,
        page=page,
        reports=queries.reports_of([post.id for post in posts]),
        action=ActionForm(),
    )
