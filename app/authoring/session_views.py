"""The schedule editor: course staff add, edit, cancel and restore a cohort's live sessions."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape

from app.authoring import bp, queries
from app.authoring import session_operations as operations
from app.authoring.session_forms import (
    CancelForm,
    NewSessionForm,
    RestoreForm,
    SessionForm,
)
from app.authoring.session_operations import ScheduleError
from app.authoring.views import managed_course
from app.catalog.models import Cohort, Course, LiveSession, Status
from app.core.permissions import staff_required
from app.core.templating import course_text
from app.core.types import utcnow
from app.extensions import db
from app.live import queries as live_queries

# How the confirmation of a save names what changed.
CHANGED_TEXT = {
    "title": _l("the title"),
    "description": _l("the description"),
    "starts_at": _l("the start"),
    "time_zone": _l("the time zone"),
    "duration_minutes": _l("the length"),
    "join_url": _l("the meeting link"),
    "counts_for_completion": _l("whether it counts"),
}


def _fill(message: str, **values) -> Markup:
    """A translated sentence with its placeholders filled: text escaped, course text marked."""
    return escape(message) % values


def _confirm(*sentences) -> None:
    flash(Markup(" ").join(filter(None, sentences)), "success")


def _cohort(course: Course, cohort_slug: str) -> Cohort:
    """A cohort of the course, with its sessions (404 if there is none)."""
    found = queries.cohort_with_sessions(course.id, cohort_slug)
    if found is None:
        abort(404)
    return found


def _session(course: Course, session_id: int) -> LiveSession:
    """A session of one of the course's cohorts (404 if there is none)."""
    found = queries.course_session(course.id, session_id)
    if found is None:
        abort(404)
    return found


def _list_url(live: LiveSession) -> str:
    cohort = live.cohort
    return url_for(
        "authoring.sessions",
        slug=cohort.course.slug,
        cohort_slug=cohort.slug,
        _anchor=f"session-{live.slug}",
    )


def _form_page(form, *, cohort: Cohort, live: LiveSession | None = None, status: int = 200):
    return render_template(
        "authoring/sessions/form.html",
        form=form,
        cohort=cohort,
        course=cohort.course,
        live=live,
        now=utcnow(),
    ), status


def _refused(form, error: ScheduleError, **context):
    """Put a refusal back on the form, and send the page with nothing saved."""
    db.session.rollback()
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        form.form_errors.append(str(error))
    return _form_page(form, status=error.status, **context)


@bp.get("/<slug>/cohorts/<cohort_slug>/sessions")
@staff_required
def sessions(slug: str, cohort_slug: str):
    """A cohort's live sessions for its course staff, with what can be done to each."""
    course = managed_course(slug)
    cohort = _cohort(course, cohort_slug)
    now = utcnow()
    return render_template(
        "authoring/sessions/list.html",
        course=course,
        cohort=cohort,
        now=now,
        zone=current_user.time_zone,
        is_public=course.status == Status.PUBLISHED,
        upcoming=[live for live in cohort.live_sessions if not live.is_over(now)],
        past=[live for live in cohort.live_sessions if live.is_over(now)][::-1],
        taken_part=live_queries.attendance_counts(cohort.id),
        restore_form=RestoreForm(),
    )


@bp.route("/<slug>/cohorts/<cohort_slug>/sessions/new", methods=["GET", "POST"])
@staff_required
def new_session(slug: str, cohort_slug: str):
    """Add a live session to a cohort's schedule."""
    course = managed_course(slug)
    cohort = _cohort(course, cohort_slug)
    initial = {"time_zone": cohort.time_zone, "counts_for_completion": True}
    form = NewSessionForm(
        data=initial if request.method == "GET" else None, zones=(cohort.time_zone,)
    )
    if request.method == "GET":
        return _form_page(form, cohort=cohort)
    if not form.validate_on_submit():
        return _form_page(form, cohort=cohort, status=400)
    try:
        live = operations.add_session(
            cohort, form.slug.data, form.values(), actor=current_user._get_current_object()
        )
    except ScheduleError as error:
        return _refused(form, error, cohort=cohort)
    message = _fill(
        _("“%(title)s” is on the schedule of %(cohort)s."),
        title=course_text(live.title, course.language),
        cohort=course_text(cohort.title, course.language),
    )
    where = _list_url(live)
    db.session.commit()
    _confirm(message, form.start.note)
    return redirect(where)


@bp.route("/<slug>/sessions/<int:session_id>", methods=["GET", "POST"])
@staff_required
def edit_session(slug: str, session_id: int):
    """Change a live session's title, time, length, link or whether it counts."""
    course = managed_course(slug)
    live = _session(course, session_id)
    cohort = live.cohort
    zones = (live.time_zone, cohort.time_zone)
    if request.method == "GET":
        form = SessionForm(data=SessionForm.initial(live), zones=zones)
        return _form_page(form, cohort=cohort, live=live)
    form = SessionForm(zones=zones)
    if not form.validate_on_submit():
        return _form_page(form, cohort=cohort, live=live, status=400)
    try:
        changed = operations.update_session(
            live,
            form.values(),
            actor=current_user._get_current_object(),
            seen_sequence=form.sequence.data,
        )
    except ScheduleError as error:
        return _refused(form, error, cohort=cohort, live=live)
    title, where = course_text(live.title, course.language), _list_url(live)
    db.session.commit()
    if changed:
        what = ", ".join(str(CHANGED_TEXT[name]) for name in changed)
        _confirm(
            _fill(_("“%(title)s” is saved (%(changes)s)."), title=title, changes=what),
            form.start.note,
        )
    else:
        _confirm(_fill(_("Nothing to save: “%(title)s” is as it was."), title=title))
    return redirect(where)


@bp.route("/<slug>/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@staff_required
def cancel_session(slug: str, session_id: int):
    """Ask to confirm, then cancel a live session (it stays listed, marked cancelled)."""
    course = managed_course(slug)
    live = _session(course, session_id)
    form = CancelForm()
    status = 200
    error = None
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                cancelled = operations.cancel_session(
                    live, actor=current_user._get_current_object()
                )
            except ScheduleError as refusal:
                db.session.rollback()
                error, status = str(refusal), refusal.status
            else:
                title, where = course_text(live.title, course.language), _list_url(live)
                db.session.commit()
                _confirm(
                    _fill(
                        _(
                            "“%(title)s” is cancelled. The schedule and calendars show it as "
                            "cancelled."
                        ),
                        title=title,
                    )
                    if cancelled
                    else _fill(_("“%(title)s” was already cancelled."), title=title)
                )
                return redirect(where)
        else:
            error, status = _("Press “Cancel the session” to confirm."), 400
    return render_template(
        "authoring/sessions/cancel.html",
        form=form,
        live=live,
        cohort=live.cohort,
        course=course,
        now=utcnow(),
        taken_part=operations.attendance_count(live),
        error=error,
    ), status


@bp.post("/<slug>/sessions/<int:session_id>/restore")
@staff_required
def restore_session(slug: str, session_id: int):
    """Put a cancelled live session back on the schedule."""
    course = managed_course(slug)
    live = _session(course, session_id)
    if not RestoreForm().validate_on_submit():
        abort(400)
    restored = operations.restore_session(live, actor=current_user._get_current_object())
    title, where = course_text(live.title, course.language), _list_url(live)
    db.session.commit()
    _confirm(
        _fill(_("“%(title)s” is back on the schedule. Calendars show it again."), title=title)
        if restored
        else _fill(_("“%(title)s” was not cancelled: nothing to restore."), title=title)
    )
    return redirect(where)
