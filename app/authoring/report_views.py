"""Instructors' reports: a cohort's progress (page and CSV, and a message to the learners it
selects), quiz item analysis, a summary.

Each page is built from a fixed number of queries; see the `app/authoring/reports/` modules.
"""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user
from wtforms import SelectChoice

from app.authoring import bp, message_operations
from app.authoring.announcement_forms import MessageForm
from app.authoring.reports import find_cohort
from app.authoring.reports.item_analysis import (
    ANALYSIS_OUTLINE,
    ItemAnalysisFilters,
    find_quiz_module,
    quiz_item_analysis,
)
from app.authoring.reports.progress import (
    PROGRESS_OUTLINE,
    ProgressReport,
    progress_csv_header,
    progress_csv_rows,
    progress_report,
)
from app.authoring.reports.summary import ACTIVE_DAYS, SUMMARY_OUTLINE, course_summary
from app.authoring.views import managed_course
from app.core.listing import csv_response
from app.core.permissions import staff_required
from app.core.types import utcnow
from app.extensions import db


def _cohort_report(slug: str, cohort_slug: str) -> ProgressReport:
    course = managed_course(slug, *PROGRESS_OUTLINE)
    cohort = find_cohort(course, cohort_slug)
    if cohort is None:
        abort(404)
    return progress_report(course, cohort)


@bp.get("/<slug>/cohorts/<cohort_slug>/progress")
@staff_required
def progress(slug: str, cohort_slug: str):
    """A cohort's learners with their lessons, quiz scores, live sessions and completion."""
    report = _cohort_report(slug, cohort_slug)
    return render_template(
        "authoring/reports/progress.html",
        course=report.course,
        cohort=report.cohort,
        report=report,
        filters=report.filters,
        page=report.page(current_app.config.get("PROGRESS_PER_PAGE", 100)),
    )


@bp.get("/<slug>/cohorts/<cohort_slug>/progress.csv")
@staff_required
def progress_csv(slug: str, cohort_slug: str):
    """The progress report's rows, filtered and sorted as on the page, as a CSV file."""
    report = _cohort_report(slug, cohort_slug)
    filename = f"{report.course.slug}-{report.cohort.slug}-progress.csv"
    return csv_response(filename, progress_csv_header(report), progress_csv_rows(report))


@bp.get("/<slug>/quizzes/<module_slug>/analysis")
@staff_required
def item_analysis(slug: str, module_slug: str):
    """Each question of a module's quiz: facility, discrimination, common wrong answer."""
    course = managed_course(slug, *ANALYSIS_OUTLINE)
    module = find_quiz_module(course, module_slug)
    if module is None:
        abort(404)
    filters = ItemAnalysisFilters.read(
        cohort=[
            SelectChoice(each.slug, each.title, render_kw={"lang": course.language})
            for each in course.cohorts
        ]
    )
    cohort = find_cohort(course, filters.cohort.data or "")
    return render_template(
        "authoring/reports/item_analysis.html",
        course=course,
        module=module,
        cohort=cohort,
        filters=filters,
        analysis=quiz_item_analysis(course, module.quiz, cohort),
    )


@bp.get("/<slug>/summary")
@staff_required
def summary(slug: str):
    """A course's applications, learners, activity and completions, by country and organisation."""
    course = managed_course(slug, *SUMMARY_OUTLINE)
    return render_template(
        "authoring/reports/summary.html",
        course=course,
        summary=course_summary(course, utcnow()),
        quizzes=course.published_quizzes(),
        active_days=ACTIVE_DAYS,
    )


@bp.route("/<slug>/cohorts/<cohort_slug>/progress/message", methods=["GET", "POST"])
@staff_required
def message_learners(slug: str, cohort_slug: str):
    """Write to the learners the progress report's filters (in the query string) select."""
    report = _cohort_report(slug, cohort_slug)
    matching, reachable = message_operations.audience(report)
    form = MessageForm()
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            if form.expected.data != reachable:
                status = 409
                form.form_errors.append(
                    ngettext(
                        "The filters now select %(num)d learner, not %(shown)d as the page said "
                        "(someone enrolled, finished or changed their mail settings meanwhile). "
                        "Check the number below and send again.",
                        "The filters now select %(num)d learners, not %(shown)d as the page said "
                        "(someone enrolled, finished or changed their mail settings meanwhile). "
                        "Check the number below and send again.",
                        reachable,
                        shown=form.expected.data or 0,
                    )
                )
            else:
                written = message_operations.message_learners(
                    report,
                    subject=form.subject.data,
                    body=form.body.data,
                    actor=current_user._get_current_object(),
                    now=utcnow(),
                )
                db.session.commit()
                flash(
                    ngettext(
                        "Your message is on its way to %(num)d learner.",
                        "Your message is on its way to %(num)d learners.",
                        written,
                    ),
                    "success",
                )
                return redirect(
                    url_for(
                        "authoring.progress",
                        slug=slug,
                        cohort_slug=cohort_slug,
                        **report.filters.args(),
                    )
                )
    form.expected.data = reachable
    page = render_template(
        "authoring/reports/message.html",
        course=report.course,
        cohort=report.cohort,
        report=report,
        filters=report.filters,
        form=form,
        matching=matching,
        reachable=reachable,
    )
    return page, status
