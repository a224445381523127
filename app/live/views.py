"""Live-session pages: the schedule, joining, calendar files and feeds, attendance, recordings."""

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.catalog.models import LiveSession
from app.core.i18n import DEFAULT_LANGUAGE, LANGUAGES, writing_in
from app.core.inputs import integer_arg
from app.core.listing import Page, PersonSearch
from app.core.types import utcnow
from app.core.urls import public_url_for
from app.extensions import db
from app.live import bp, operations, queries
from app.live.forms import (
    AttendanceForm,
    CalendarFeedForm,
    JoinForm,
    RecordingForm,
    ReportImportForm,
    WatchedForm,
)
from app.live.links import calendar, calendar_filename, schedule_url
from app.live.operations import OUTCOME_TEXT, LiveSessionError
from app.live.reports import ReportError, decode, read_report
from app.live.times import countdown, session_spans

bp.add_app_template_global(session_spans, "session_spans")
bp.add_app_template_global(countdown, "session_countdown")

NEW_FEED_TOKEN = "new_calendar_feed_token"  # noqa: S105 (a session key, not a secret)


def _viewer_zone() -> str | None:
    return current_user.time_zone if current_user.is_authenticated else None


def _staff_session(session_id: int) -> LiveSession:
    """A live session that the current user may manage (404, then 403)."""
    found = queries.live_session(session_id)
    if found is None:
        abort(404)
    if not found.cohort.course.can_manage(current_user):
        abort(403)
    return found


def _calendar_response(body: bytes, filename: str | None, *, private: bool):
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A calendar with join links is someone's own; keep it out of shared caches.
    response.headers["Cache-Control"] = "private, no-store" if private else "public, max-age=300"
    return response


@bp.get("/courses/<slug>/cohorts/<cohort_slug>/schedule")
def schedule(slug: str, cohort_slug: str):
    """A cohort's live sessions in the visitor's time zone, with joining and recordings."""
    cohort = queries.cohort_schedule(slug, cohort_slug)
    if cohort is None:
        abort(404)
    now = utcnow()
    is_learner = queries.is_enrolled_in_cohort(current_user, cohort.id)
    can_manage = cohort.course.can_manage(current_user)
    attendances, views = queries.records_of(
        current_user, [live.id for live in cohort.live_sessions] if is_learner else []
    )
    return render_template(
        "live/schedule.html",
        cohort=cohort,
        course=cohort.course,
        now=now,
        zone=_viewer_zone(),
        is_learner=is_learner,
        can_manage=can_manage,
        sees_recordings=is_learner or can_manage,
        attendances=attendances,
        views=views,
        upcoming=[live for live in cohort.live_sessions if not live.is_over(now)],
        past=[live for live in cohort.live_sessions if live.is_over(now)][::-1],
        next_session=cohort.next_session(now),
        watched_form=WatchedForm(),
    )


@bp.get("/courses/<slug>/cohorts/<cohort_slug>/schedule.ics")
def schedule_calendar(slug: str, cohort_slug: str):
    """Every live session of a cohort as an iCalendar file."""
    cohort = queries.cohort_schedule(slug, cohort_slug)
    if cohort is None:
        abort(404)
    is_learner = queries.is_enrolled_in_cohort(current_user, cohort.id)
    body = calendar(
        cohort.live_sessions,
        name=f"{cohort.course.title}: {cohort.title}",
        join_cohort_ids={cohort.id} if is_learner else set(),
    )
    return _calendar_response(body, f"{slug}-{cohort_slug}.ics", private=is_learner)


@bp.get("/live/<int:session_id>.ics")
def session_calendar(session_id: int):
    """One live session as an iCalendar file."""
    live = queries.live_session(session_id)
    if live is None:
        abort(404)
    is_learner = queries.is_enrolled_in_cohort(current_user, live.cohort_id)
    cohort = live.cohort
    body = calendar(
        [live],
        name=f"{cohort.course.title}: {live.title}",
        join_cohort_ids={cohort.id} if is_learner else set(),
    )
    return _calendar_response(body, calendar_filename(live), private=is_learner)


@bp.get("/calendar/<token>.ics")
def feed(token: str):
    """A learner's personal feed: the sessions of every cohort they are enrolled in."""
    found = queries.feed_by_token(token)
    if found is None or not found.user.is_active:
        abort(404)
    cohorts = queries.enrolled_cohorts(found.user)
    found.last_used_at = utcnow()
    # A calendar application fetches the feed without the learner's cookies or language:
    # its words are in the language of the learner's profile.
    language = found.user.preferred_language
    with writing_in(language if language in LANGUAGES else DEFAULT_LANGUAGE):
        body = calendar(
            [live for cohort in cohorts for live in cohort.live_sessions],
            name=_("%(site)s: live sessions", site=current_app.config["SITE_NAME"]),
            join_cohort_ids={cohort.id for cohort in cohorts},
            is_feed=True,
        )
    db.session.commit()
    return _calendar_response(body, None, private=True)


def _learner_session(session_id: int) -> LiveSession:
    """A live session of a cohort the current user is enrolled in (404, then 403)."""
    found = queries.live_session(session_id)
    if found is None:
        abort(404)
    if not queries.is_enrolled_in_cohort(current_user, found.cohort_id):
        abort(403)
    return found


def _refused(live: LiveSession, error: LiveSessionError, back: str):
    """What cannot be done with a session now (409), with the way back to the schedule."""
    db.session.rollback()
    page = render_template(
        "live/not_open.html",
        course=live.cohort.course,
        live=live,
        message=str(error),
        schedule_url=back,
    )
    return page, 409


# Navigations a page of another site cannot start: from this site, or typed, bookmarked or
# opened by another application (a calendar, a mail program), which browsers send as "none".
INTENDED_NAVIGATIONS = {"same-origin", "same-site", "none"}


@bp.get("/live/<int:session_id>/join")
@login_required
def join(session_id: int):
    """Send an enrolled learner to the meeting, recording that they joined.

    A link on another site (or a browser that does not say where a navigation comes from) gets a
    one-click confirmation instead, so that no other site can record a learner's attendance.
    """
    live = _learner_session(session_id)
    user = current_user._get_current_object()
    if request.headers.get("Sec-Fetch-Site") in INTENDED_NAVIGATIONS:
        return _join(live)
    try:
        operations.check_joinable(user, live, now=utcnow())
    except LiveSessionError as error:
        return _refused(live, error, schedule_url(live))
    response = make_response(
        render_template("live/join.html", course=live.cohort.course, live=live, form=JoinForm())
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/live/<int:session_id>/join")
@login_required
def confirm_join(session_id: int):
    """The learner confirmed joining: record it and send them to the meeting."""
    live = _learner_session(session_id)
    if not JoinForm().validate_on_submit():
        abort(400)
    return _join(live)


def _join(live: LiveSession):
    back = schedule_url(live)
    try:
        meeting_url = operations.record_join(current_user._get_current_object(), live, now=utcnow())
    except LiveSessionError as error:
        return _refused(live, error, back)
    db.session.commit()
    response = redirect(meeting_url, code=303)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.post("/live/<int:session_id>/watched")
@login_required
def watched(session_id: int):
    """A learner who missed a session marks its recording as watched."""
    live = _learner_session(session_id)
    if not WatchedForm().validate_on_submit():
        abort(400)
    back, title = schedule_url(live), live.title
    try:
        first = operations.mark_recording_watched(
            current_user._get_current_object(), live, now=utcnow()
        )
    except LiveSessionError as error:
        return _refused(live, error, back)
    db.session.commit()
    if first:
        flash(_("The recording of “%(session)s” is marked as watched.", session=title), "success")
    return redirect(back)


def _attendance_page(live: LiveSession, *, status: int = 200, recording_form=None):
    filters = PersonSearch.read()
    page = Page.of(
        queries.roster(live, filters.q.data),
        current_app.config["ATTENDANCE_PER_PAGE"],
        filters=filters,
        endpoint="live.attendance",
    )
    attendances, views = queries.session_records(live.id, [user.id for user in page.items])
    return render_template(
        "live/attendance.html",
        attendances=attendances,
        views=views,
        live=live,
        cohort=live.cohort,
        course=live.cohort.course,
        now=utcnow(),
        page=page,
        filters=filters,
        counts=queries.roster_counts(live),
        not_open=operations.attendance_not_open(live, current_user.time_zone, utcnow()),
        mark_form=AttendanceForm(),
        recording_form=recording_form or RecordingForm(recording_url=live.recording_url),
    ), status


@bp.get("/live/<int:session_id>/attendance")
@login_required
def attendance(session_id: int):
    """Who took part in a session, for its course's staff."""
    return _attendance_page(_staff_session(session_id))


@bp.post("/live/<int:session_id>/attendance")
@login_required
def mark_attendance(session_id: int):
    """Mark a learner present or absent by hand."""
    live = _staff_session(session_id)
    form = AttendanceForm()
    if not form.validate_on_submit():
        flash(_("Choose a learner of this cohort and whether they were present."), "error")
        return _attendance_page(live, status=400)
    learner = queries.cohort_learner(live.cohort_id, form.learner_id.data)
    if learner is None:
        flash(_("That person is not a learner of this cohort."), "error")
        return _attendance_page(live, status=400)
    name = learner.name
    present = form.present.data == "yes"
    try:
        changed = operations.mark_attendance(
            live, learner, present=present, actor=current_user._get_current_object(), now=utcnow()
        )
    except LiveSessionError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _attendance_page(live, status=409)
    db.session.commit()
    if changed:
        if present:
            flash(_("%(name)s is marked present.", name=name), "success")
        else:
            flash(_("%(name)s is marked absent.", name=name), "success")
    return redirect(_back_to_attendance(session_id))


def _back_to_attendance(session_id: int) -> str:
    """The attendance page, on the page and search the form was sent from."""
    args = {}
    if request.args.get("q"):
        args["q"] = request.args["q"][:200]
    if page := integer_arg("page"):
        args["page"] = page
    return url_for("live.attendance", session_id=session_id, **args)


def _import_page(live: LiveSession, form: ReportImportForm, plan=None, error=None, status=200):
    return render_template(
        "live/import.html",
        live=live,
        cohort=live.cohort,
        course=live.cohort.course,
        form=form,
        plan=plan,
        error=error,
        outcome_text=OUTCOME_TEXT,
        not_open=operations.attendance_not_open(live, current_user.time_zone, utcnow()),
    ), status


@bp.route("/live/<int:session_id>/attendance/import", methods=["GET", "POST"])
@login_required
def import_report(session_id: int):
    """Import a meeting's participant report: a preview first, then the import."""
    live = _staff_session(session_id)
    form = ReportImportForm()
    if operations.attendance_not_open(live, current_user.time_zone, utcnow()):
        # The page says when the import opens; a report sent before then stores nothing.
        return _import_page(live, form, status=200 if request.method == "GET" else 409)
    if request.method == "GET":
        form.minimum_minutes.data = live.duration_minutes // 2
        return _import_page(live, form)
    if not form.validate_on_submit():
        return _import_page(live, form, status=400)
    confirming = request.form.get("step") == "confirm"
    try:
        if confirming:
            text = form.report_text.data or ""
        else:
            upload = form.report.data
            if upload is None or not getattr(upload, "filename", ""):
                raise ReportError(_("Choose the participant report (a .csv file) to upload."))
            text = decode(upload.read())
        report = read_report(text)
    except ReportError as error:
        return _import_page(live, form, error=str(error), status=400)
    plan = operations.plan_report_import(live, report, minimum_minutes=form.minimum_minutes.data)
    if not confirming:
        form.report_text.data = text
        return _import_page(live, form, plan=plan)
    try:
        changes = operations.apply_report_import(
            plan, actor=current_user._get_current_object(), now=utcnow()
        )
    except LiveSessionError as error:
        db.session.rollback()
        return _import_page(live, form, error=str(error), status=409)
    db.session.commit()
    flash(
        ngettext(
            "The report is imported: %(num)d attendance added or updated.",
            "The report is imported: %(num)d attendances added or updated.",
            changes,
        )
        if changes
        else _(
            "The report is imported. It changed nothing: every attendance in it was already "
            "recorded."
        ),
        "success",
    )
    return redirect(url_for("live.attendance", session_id=session_id))


@bp.post("/live/<int:session_id>/recording")
@login_required
def set_recording(session_id: int):
    """Add or change the recording of a session that has ended."""
    live = _staff_session(session_id)
    form = RecordingForm()
    if not form.validate_on_submit():
        return _attendance_page(live, status=400, recording_form=form)
    try:
        operations.set_recording(
            live,
            form.recording_url.data,
            actor=current_user._get_current_object(),
            now=utcnow(),
        )
    except LiveSessionError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _attendance_page(live, status=409, recording_form=form)
    db.session.commit()
    flash(
        _("The recording is saved. Learners who missed the session see it on the schedule."),
        "success",
    )
    return redirect(url_for("live.attendance", session_id=session_id))


@bp.route("/account/calendar", methods=["GET", "POST"])
@login_required
def calendar_feed():
    """Make, replace or turn off one's personal calendar feed."""
    form = CalendarFeedForm()
    user = current_user._get_current_object()
    if request.method == "POST":
        if not form.validate_on_submit() or form.action.data not in {"create", "revoke"}:
            abort(400)
        if form.action.data == "create":
            session[NEW_FEED_TOKEN] = operations.create_calendar_feed(user, now=utcnow())
            message = _("Your calendar feed is ready. Copy its address below now.")
        else:
            revoked = operations.revoke_calendar_feed(user)
            message = (
                _("Your calendar feed is turned off: its address no longer works.")
                if revoked
                else _("You had no calendar feed.")
            )
        db.session.commit()
        flash(message, "success")
        return redirect(url_for("live.calendar_feed"))
    token = session.pop(NEW_FEED_TOKEN, None)
    return render_template(
        "live/calendar_feed.html",
        feed=queries.calendar_feed_of(user),
        feed_url=public_url_for("live.feed", token=token) if token else None,
        cohorts=queries.enrolled_cohorts(user),
        form=form,
    )
