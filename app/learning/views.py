"""The learner's pages: dashboard, applying to a cohort, reading a lesson."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.catalog import queries as catalog_queries
from app.core.types import utcnow
from app.extensions import db
from app.learning import bp, queries
from app.learning.forms import ApplicationForm
from app.learning.operations import (
    ApplicationError,
    already_applied_message,
    closed_reason,
    submit_application,
)


@bp.get("/dashboard")
@login_required
def dashboard():
    """A learner's enrolments and applications, with each decision."""
    return render_template(
        "learning/dashboard.html",
        enrollments=queries.enrollments_of(current_user),
        applications=queries.applications_of(current_user),
    )


@bp.route("/courses/<slug>/cohorts/<cohort_slug>/apply", methods=["GET", "POST"])
@login_required
def apply(slug: str, cohort_slug: str):
    """Apply to a cohort while its applications are open."""
    cohort = catalog_queries.course_cohort(slug, cohort_slug)
    if cohort is None:
        abort(404)
    now = utcnow()
    existing = queries.application_for(current_user, cohort)
    closed = closed_reason(cohort, now)
    form = ApplicationForm()
    status = 200
    if request.method == "POST":
        if existing is not None or closed:
            status = 409
        elif form.validate_on_submit():
            try:
                submit_application(
                    current_user._get_current_object(),
                    cohort,
                    motivation=form.motivation.data,
                    confirms_public_official=form.confirms_public_official.data,
                    now=now,
                )
            except ApplicationError as error:
                form.form_errors.append(str(error))
                status = 409
            else:
                db.session.commit()
                if cohort.enrols_on_application:
                    flash(
                        f"You are enrolled in {cohort.title}. You can start reading now.", "success"
                    )
                    return redirect(url_for("catalog.course", slug=slug))
                flash(
                    f"Your application to {cohort.title} is sent. We will e-mail you the "
                    "decision; you can also follow it on your dashboard.",
                    "success",
                )
                return redirect(url_for("learning.dashboard"))
        else:
            status = 400
    return render_template(
        "learning/apply.html",
        cohort=cohort,
        course=cohort.course,
        form=form,
        closed=closed,
        existing=existing,
        existing_message=already_applied_message(existing) if existing else None,
    ), status


@bp.get("/courses/<slug>/lessons/<lesson_slug>")
def lesson(slug: str, lesson_slug: str):
    """A lesson: its text for enrolled learners and staff; for others, how to apply."""
    found = catalog_queries.published_lesson(slug, lesson_slug)
    if found is None:
        abort(404)
    course = found.module.course
    return render_template(
        "learning/lesson.html",
        lesson=found,
        module=found.module,
        course=course,
        can_read=course.can_read_lessons(current_user),
        applications=queries.applications_by_cohort(current_user, course),
        now=utcnow(),
    )
