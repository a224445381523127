"""Instructors' reports: a cohort's progress (page and CSV), quiz item analysis, a summary.

Each page is built from a fixed number of queries; see `app/authoring/reports.py`.
"""

from flask import abort, current_app, render_template, request, stream_with_context

from app.authoring import bp, reports
from app.authoring.views import managed_course
from app.core.csv_export import csv_response, safe_cell
from app.core.paging import requested_page
from app.core.permissions import staff_required
from app.core.types import utcnow


def _cohort_report(slug: str, cohort_slug: str) -> reports.ProgressReport:
    course = managed_course(slug, *reports.PROGRESS_OUTLINE)
    cohort = reports.find_cohort(course, cohort_slug)
    if cohort is None:
        abort(404)
    return reports.progress_report(course, cohort, request.args)


@bp.get("/<slug>/cohorts/<cohort_slug>/progress")
@staff_required
def progress(slug: str, cohort_slug: str):
    """A cohort's learners with their lessons, quiz scores, live sessions and completion."""
    report = _cohort_report(slug, cohort_slug)
    page = report.page(requested_page(), current_app.config.get("PROGRESS_PER_PAGE", 100))
    return render_template(
        "authoring/reports/progress.html",
        course=report.course,
        cohort=report.cohort,
        report=report,
        filters=report.filters,
        page=page,
    )


@bp.get("/<slug>/cohorts/<cohort_slug>/progress.csv")
@staff_required
def progress_csv(slug: str, cohort_slug: str):
    """The progress report's rows, filtered and sorted as on the page, as a CSV file."""
    report = _cohort_report(slug, cohort_slug)
    header = [safe_cell(name) for name in reports.progress_csv_header(report)]
    # The rows are read while the body is sent, so the request's context (and its database
    # session) is kept until the last one.
    rows = stream_with_context(reports.progress_csv_rows(report))
    filename = f"{report.course.slug}-{report.cohort.slug}-progress.csv"
    return csv_response(filename, header, rows)


@bp.get("/<slug>/quizzes/<module_slug>/analysis")
@staff_required
def item_analysis(slug: str, module_slug: str):
    """Each question of a module's quiz: facility, discrimination, common wrong answer."""
    course = managed_course(slug, *reports.ANALYSIS_OUTLINE)
    module = reports.find_quiz_module(course, module_slug)
    if module is None:
        abort(404)
    cohort = reports.find_cohort(course, request.args.get("cohort") or "")
    analysis = reports.item_analysis(course, module.quiz, cohort)
    return render_template(
        "authoring/reports/item_analysis.html",
        course=course,
        module=module,
        cohort=cohort,
        analysis=analysis,
    )


@bp.get("/<slug>/summary")
@staff_required
def summary(slug: str):
    """A course's applications, learners, activity and completions, by country and organisation."""
    course = managed_course(slug, *reports.SUMMARY_OUTLINE)
    now = utcnow()
    return render_template(
        "authoring/reports/summary.html",
        course=course,
        summary=reports.course_summary(course, now),
        quizzes=course.published_quizzes(),
        active_days=reports.ACTIVE_DAYS,
    )
