"""The course team's side of assignments: who has submitted and reviewed in a cohort, a plan
with its reviews and the team's own assessment, later dates for one learner, and the
exports (a CSV of scores, a ZIP of the plans as PDFs)."""

import io
import zipfile
from datetime import datetime

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.accounts.models import User
from app.assignments import queries as assignment_queries
from app.assignments.operations import AssignmentError, assess, extend_dates, open_reviews
from app.assignments.passes import write_reviewer_mail
from app.assignments.rules import plan_grade
from app.authoring import bp
from app.authoring.assignment_forms import WORK_STATES, ExtensionForm, WorkFilters
from app.authoring.plan_pdf import plan_pdf
from app.authoring.reports import find_cohort
from app.authoring.views import managed_course
from app.catalog.models import Assignment
from app.core.listing import Page, csv_response
from app.core.permissions import staff_required
from app.core.places import country_name
from app.core.search import contains_text
from app.core.timezones import local_time
from app.core.types import utcnow
from app.extensions import db
from app.learning.models import Enrollment

PER_PAGE = 50


def _assignment(course, module_slug: str) -> Assignment:
    module = next((m for m in course.modules if m.slug == module_slug), None)
    if module is None or module.assignment is None:
        abort(404)
    return module.assignment


def _cohort(course, cohort_slug: str):
    found = find_cohort(course, cohort_slug)
    if found is None:
        abort(404)
    return found


def _work_query(assignment, cohort, filters: WorkFilters):
    query = assignment_queries.cohort_work(assignment.id, cohort.id, filters.state.data)
    if filters.q.data:
        query = query.where(contains_text(filters.q.data, User.name, User.email))
    return query


def _grade(assignment, submission, received: int, points: int, closed: bool):
    """The grade of a plan from its reviews' count and points; `closed`: the cohort's reviews
    are closed."""
    if submission is None or not submission.is_submitted:
        return None
    return plan_grade(
        assignment,
        reviews=received,
        points=points,
        reviews_closed=closed,
        staff_grade=submission.staff_grade,
        staff_grade_counts=submission.staff_grade_counts,
    )


@bp.get("/<slug>/assignments/<module_slug>/cohorts/<cohort_slug>")
@staff_required
def assignment_work(slug: str, module_slug: str, cohort_slug: str):
    """Each learner of a cohort: their plan, the reviews they owe and have had, their grade."""
    course = managed_course(slug)
    assignment = _assignment(course, module_slug)
    cohort = _cohort(course, cohort_slug)
    filters = WorkFilters.read(state=WORK_STATES)
    closed = assignment_queries.reviews_closed(assignment, cohort.id, utcnow())
    page = Page.of(
        _work_query(assignment, cohort, filters),
        PER_PAGE,
        filters=filters,
        row=lambda r: (
            r[0], r[1], r[2], r[3], r[4], _grade(assignment, r[1], r[4], r[5], closed)
        ),
    )  # fmt: skip
    return render_template(
        "authoring/assignment/work.html",
        course=course,
        assignment=assignment,
        cohort=cohort,
        filters=filters,
        page=page,
        dates=assignment.dates_for(cohort.id),
        round=assignment_queries.review_round(assignment.id, cohort.id),
        zone=current_user.time_zone,
    )


def _utc(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def _plan_lines(assignment, submission, closed: bool) -> list[str]:
    received = [r for r in submission.reviews if r.is_submitted]
    points = sum(r.points or 0 for r in received)
    grade = _grade(assignment, submission, len(received), points, closed)
    lines = [_("Submitted: %(when)s UTC", when=_utc(submission.submitted_at))]
    if grade is not None and grade.is_final:
        lines.append(_("Grade: %(percent)d %%", percent=grade.percent))
    lines.append(_("Reviews received: %(count)d", count=len(received)))
    return lines


@bp.get("/<slug>/assignments/<module_slug>/cohorts/<cohort_slug>/scores.csv")
@staff_required
def assignment_scores(slug: str, module_slug: str, cohort_slug: str):
    """The cohort's plans and scores as a CSV file (the list's filters apply)."""
    course = managed_course(slug)
    assignment = _assignment(course, module_slug)
    cohort = _cohort(course, cohort_slug)
    filters = WorkFilters.read(state=WORK_STATES)
    closed = assignment_queries.reviews_closed(assignment, cohort.id, utcnow())
    rubric = list(assignment.rubric)
    criteria = [c["title"] for c in assignment.rubric]
    # Column names and values stay in English, as in every CSV export (docs/languages.md).
    header = [
        "Name", "E-mail", "City", "Country", "Plan title", "Submitted at (UTC)", "Late",
        "Reviews written", "Reviews given to write", "Reviews received", "Peer points (mean)",
        "Course team's grade", "Grade", "Passed",
        *[f"Course team: {c}" for c in criteria],
    ]  # fmt: skip

    def rows():
        result = db.session.execute(_work_query(assignment, cohort, filters))
        for enrollment, submission, given, written, received, points in result:
            user = enrollment.user
            grade = _grade(assignment, submission, received, points, closed)
            levels = (submission.staff_levels or {}) if submission else {}
            yield [
                user.name, user.email, user.city, country_name(user.country),
                submission.title if submission else "",
                _utc(submission.submitted_at if submission else None),
                "yes" if submission and submission.is_late else "",
                written, given, received,
                f"{points / received:.2f}" if received else "",
                submission.staff_grade if submission and submission.staff_grade is not None else "",
                grade.percent if grade and grade.is_final else "",
                ("yes" if grade.is_passed else "no") if grade and grade.is_final else "",
                *[
                    c["levels"][levels[c["id"]]]["title"] if c["id"] in levels else ""
                    for c in rubric
                ],
            ]  # fmt: skip

    return csv_response(
        f"{course.slug}-{cohort.slug}-{assignment.module.slug}-scores.csv", header, rows()
    )


@bp.get("/<slug>/assignments/<module_slug>/cohorts/<cohort_slug>/plans.zip")
@staff_required
def assignment_plans_zip(slug: str, module_slug: str, cohort_slug: str):
    """Every submitted plan of the cohort as a PDF, in one ZIP file."""
    course = managed_course(slug)
    assignment = _assignment(course, module_slug)
    cohort = _cohort(course, cohort_slug)
    plans = assignment_queries.submitted_with_reviews(assignment.id, cohort.id)
    if not plans:
        flash(
            _("No plan has been submitted in this cohort yet: there is nothing to export."), "info"
        )
        return redirect(
            url_for(".assignment_work", slug=slug, module_slug=module_slug, cohort_slug=cohort_slug)
        )
    closed = assignment_queries.reviews_closed(assignment, cohort.id, utcnow())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, plan in enumerate(plans, 1):
            author = plan.author
            place = ", ".join(p for p in (author.city, country_name(author.country)) if p)
            pdf = plan_pdf(
                course_title=course.title, assignment=assignment, plan=plan,
                author=author.name, place=place, lines=_plan_lines(assignment, plan, closed),
            )  # fmt: skip
            archive.writestr(f"{number:04d}-plan-{plan.id}.pdf", pdf)
            for attached in plan.files:
                archive.writestr(
                    f"{number:04d}-plan-{plan.id}-files/{attached.id}-{attached.name}",
                    attached.data,
                )
    buffer.seek(0)
    response = send_file(
        buffer,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{course.slug}-{cohort.slug}-{assignment.module.slug}-plans.zip",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _submission(course, assignment, submission_id: int):
    found = assignment_queries.submission_with_reviews(submission_id)
    if found is None or found.assignment_id != assignment.id:
        abort(404)
    return found


def _int_or_none(value):
    """A posted whole number within a database integer's range, or None."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if -(2**31) < number < 2**31 else None


@bp.route("/<slug>/assignments/<module_slug>/plans/<int:submission_id>", methods=["GET", "POST"])
@staff_required
def assignment_plan(slug: str, module_slug: str, submission_id: int):
    """A plan, its peers' reviews (with their names), and the course team's assessment."""
    course = managed_course(slug)
    assignment = _assignment(course, module_slug)
    submission = _submission(course, assignment, submission_id)
    error, status = None, 200
    now = utcnow()
    if request.method == "POST":
        levels = {
            c["id"]: level
            for c in assignment.rubric
            if (level := _int_or_none(request.form.get(f"level-{c['id']}"))) is not None
        }
        comments = {c["id"]: request.form.get(f"comment-{c['id']}", "") for c in assignment.rubric}
        grade_text = request.form.get("grade", "").strip()
        grade = _int_or_none(grade_text)
        try:
            if grade_text and grade is None:
                raise AssignmentError(_("A grade is a per cent, from 0 to 100."))
            assess(
                submission, levels=levels, comments=comments, grade=grade,
                grade_counts=request.form.get("counts") == "yes",
                actor=current_user._get_current_object(), now=now,
            )  # fmt: skip
        except AssignmentError as refused:
            db.session.rollback()
            submission = _submission(course, assignment, submission_id)
            error, status = str(refused), 400
        else:
            db.session.commit()
            flash(_("Your assessment is saved."), "success")
            return redirect(
                url_for(
                    ".assignment_plan",
                    slug=slug,
                    module_slug=module_slug,
                    submission_id=submission_id,
                )
            )
    received = [r for r in submission.reviews if r.is_submitted]
    closed = assignment_queries.reviews_closed(assignment, submission.cohort_id, now)
    points = sum(r.points or 0 for r in received)
    grade = _grade(assignment, submission, len(received), points, closed)
    return render_template(
        "authoring/assignment/plan.html",
        course=course,
        assignment=assignment,
        plan=submission,
        grade=grade,
        error=error,
        zone=current_user.time_zone,
        themes={t["id"]: t["title"] for t in assignment.themes},
    ), status


@bp.route(
    "/<slug>/assignments/<module_slug>/cohorts/<cohort_slug>/learners/<int:enrollment_id>/dates",
    methods=["GET", "POST"],
)
@staff_required
def assignment_dates(slug: str, module_slug: str, cohort_slug: str, enrollment_id: int):
    """Later due dates for one learner (on the cohort's clock)."""
    course = managed_course(slug)
    assignment = _assignment(course, module_slug)
    cohort = _cohort(course, cohort_slug)
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.cohort_id != cohort.id:
        abort(404)
    form = ExtensionForm(zone=cohort.time_zone)
    due = assignment_queries.due_dates(assignment, enrollment)
    if request.method == "GET" and due is not None:
        plan_at = local_time(due.submission_due_at, cohort.time_zone)
        reviews_at = local_time(due.reviews_due_at, cohort.time_zone)
        form.plan_day.data, form.plan_clock.data = plan_at.date(), plan_at.time()
        form.reviews_day.data, form.reviews_clock.data = reviews_at.date(), reviews_at.time()
    if form.validate_on_submit():
        try:
            extend_dates(
                assignment, enrollment, submission_due_at=form.plan_due_at,
                reviews_due_at=form.reviews_due_at, reason=form.reason.data or "",
                actor=current_user._get_current_object(), now=utcnow(),
            )  # fmt: skip
        except AssignmentError as refused:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, str(refused)]
        else:
            db.session.commit()
            flash(_("The new dates are saved for %(name)s.", name=enrollment.user.name), "success")
            return redirect(
                url_for(
                    ".assignment_work", slug=slug, module_slug=module_slug, cohort_slug=cohort_slug
                )
            )
    return render_template(
        "authoring/assignment/dates.html",
        course=course,
        assignment=assignment,
        cohort=cohort,
        enrollment=enrollment,
        form=form,
        due=due,
    ), 400 if form.errors else 200


@bp.post("/<slug>/assignments/<module_slug>/cohorts/<cohort_slug>/open-reviews")
@staff_required
def assignment_open_reviews(slug: str, module_slug: str, cohort_slug: str):
    """Open reviews now, before the plans are due (the page's button asks for confirm=yes)."""
    course = managed_course(slug)
    assignment = _assignment(course, module_slug)
    cohort = _cohort(course, cohort_slug)
    back = url_for(".assignment_work", slug=slug, module_slug=module_slug, cohort_slug=cohort_slug)
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm that reviews should open now."), "error")
        return redirect(back)
    if assignment_queries.review_round(assignment.id, cohort.id) is not None:
        flash(_("Reviews are open already in this cohort."), "info")
        return redirect(back)
    now = utcnow()
    count = open_reviews(
        assignment, cohort, now=now, actor=current_user._get_current_object(), early=True
    )
    write_reviewer_mail(now)
    db.session.commit()
    flash(
        ngettext(
            "Reviews are open: %(num)d review was given to the authors of the plans submitted.",
            "Reviews are open: %(num)d reviews were given to the authors of the plans submitted.",
            count,
        ),
        "success",
    )
    return redirect(back)
