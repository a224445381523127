"""Announcements: course staff post to a cohort, preview, schedule, edit and withdraw."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.authoring import bp, queries
from app.authoring.announcement_forms import AnnouncementForm, WithdrawForm
from app.authoring.reports import find_cohort
from app.authoring.views import managed_course
from app.catalog.models import Course
from app.core.markdown import render_markdown
from app.core.permissions import staff_required
from app.core.templating import course_text
from app.core.timezones import local_time
from app.core.types import utcnow
from app.extensions import db
from app.learning.announcement_operations import (
    AnnouncementError,
    post_announcement,
    update_announcement,
    withdraw_announcement,
)
from app.learning.models import Announcement, AnnouncementDismissal


def _cohort(course: Course, cohort_slug: str):
    found = find_cohort(course, cohort_slug)
    if found is None:
        abort(404)
    return found


def _announcement(course: Course, announcement_id: int) -> Announcement:
    found = db.session.get(Announcement, announcement_id)
    if found is None or found.cohort.course_id != course.id:
        abort(404)
    return found


def _list_url(announcement_or_cohort) -> str:
    cohort = getattr(announcement_or_cohort, "cohort", announcement_or_cohort)
    return url_for("authoring.announcements", slug=cohort.course.slug, cohort_slug=cohort.slug)


@bp.get("/<slug>/cohorts/<cohort_slug>/announcements")
@staff_required
def announcements(slug: str, cohort_slug: str):
    """A cohort's announcements, newest first, with who has put each away."""
    course = managed_course(slug)
    cohort = _cohort(course, cohort_slug)
    found = db.session.scalars(
        select(Announcement)
        .where(Announcement.cohort_id == cohort.id)
        .options(joinedload(Announcement.author))
        .order_by(Announcement.publish_at.desc(), Announcement.id.desc())
    ).all()
    dismissed = dict(
        db.session.execute(
            select(AnnouncementDismissal.announcement_id, func.count())
            .join(Announcement)
            .where(Announcement.cohort_id == cohort.id)
            .group_by(AnnouncementDismissal.announcement_id)
        ).all()
    )
    return render_template(
        "authoring/announcements/list.html",
        course=course,
        cohort=cohort,
        announcements=found,
        dismissed=dismissed,
        learners=queries.cohort_learner_count(cohort.id),
        now=utcnow(),
    )


def _form_page(form, *, cohort, announcement=None, preview=None):
    """The form; 400 when it came back with mistakes."""
    page = render_template(
        "authoring/announcements/form.html",
        form=form,
        course=cohort.course,
        cohort=cohort,
        announcement=announcement,
        preview=preview,
        now=utcnow(),
    )
    return page, 400 if form.errors else 200


@bp.route("/<slug>/cohorts/<cohort_slug>/announcements/new", methods=["GET", "POST"])
@staff_required
def new_announcement(slug: str, cohort_slug: str):
    """Write an announcement to a cohort; preview it, then post it now or for later."""
    course = managed_course(slug)
    cohort = _cohort(course, cohort_slug)
    form = AnnouncementForm(zone=current_user.time_zone)
    if request.method == "GET":
        return _form_page(form, cohort=cohort)
    if not form.validate_on_submit():
        return _form_page(form, cohort=cohort)
    if "preview" in request.form:
        return _form_page(form, cohort=cohort, preview=render_markdown(form.body.data))
    now = utcnow()
    announcement = post_announcement(
        cohort,
        title=form.title.data,
        body=form.body.data,
        publish_at=form.publish_at or now,
        actor=current_user._get_current_object(),
        now=now,
    )
    db.session.commit()
    title = {"title": course_text(announcement.title, course.language)}
    if announcement.publish_at > now:
        flash(
            escape(_("“%(title)s” is scheduled: learners see it, and get it by mail, then."))
            % title,
            "success",
        )
    else:
        flash(
            escape(_("“%(title)s” is posted: learners see it now and get it by mail.")) % title,
            "success",
        )
    return redirect(_list_url(announcement))


@bp.route("/<slug>/announcements/<int:announcement_id>", methods=["GET", "POST"])
@staff_required
def edit_announcement(slug: str, announcement_id: int):
    """Correct an announcement (its time too, until it is published)."""
    course = managed_course(slug)
    announcement = _announcement(course, announcement_id)
    cohort = announcement.cohort
    form = AnnouncementForm(zone=current_user.time_zone)
    now = utcnow()
    if request.method == "GET":
        form.title.data, form.body.data = announcement.title, announcement.body_md
        if not announcement.is_published(now):
            scheduled = local_time(announcement.publish_at, current_user.time_zone)
            form.day.data, form.clock.data = scheduled.date(), scheduled.time()
        return _form_page(form, cohort=cohort, announcement=announcement)
    if not form.validate_on_submit():
        return _form_page(form, cohort=cohort, announcement=announcement)
    if "preview" in request.form:
        preview = render_markdown(form.body.data)
        return _form_page(form, cohort=cohort, announcement=announcement, preview=preview)
    try:
        changed = update_announcement(
            announcement,
            title=form.title.data,
            body=form.body.data,
            publish_at=form.publish_at or now,
            actor=current_user._get_current_object(),
            now=now,
        )
    except AnnouncementError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(_list_url(cohort))
    db.session.commit()
    flash(_("The announcement is saved.") if changed else _("Nothing was changed."), "success")
    return redirect(_list_url(cohort))


@bp.route("/<slug>/announcements/<int:announcement_id>/withdraw", methods=["GET", "POST"])
@staff_required
def withdraw(slug: str, announcement_id: int):
    """Take an announcement down, after a confirmation page."""
    course = managed_course(slug)
    announcement = _announcement(course, announcement_id)
    form = WithdrawForm()
    if request.method == "GET":
        return render_template(
            "authoring/announcements/withdraw.html",
            course=course,
            cohort=announcement.cohort,
            announcement=announcement,
            form=form,
        )
    if not form.validate_on_submit():
        abort(400)
    done = withdraw_announcement(
        announcement, actor=current_user._get_current_object(), now=utcnow()
    )
    db.session.commit()
    title = {"title": course_text(announcement.title, course.language)}
    message = (
        _("“%(title)s” is withdrawn: learners no longer see it, and mail not yet sent is not sent.")
        if done
        else _("“%(title)s” was already withdrawn.")
    )
    flash(escape(message) % title, "success")
    return redirect(_list_url(announcement))
