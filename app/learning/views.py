"""The learner's pages: dashboard, applying to a cohort, lessons, lectures, marking progress."""

from babel import Locale, UnknownLocaleError
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import escape

from app.catalog import bp as catalog_bp
from app.catalog import queries as catalog_queries
from app.catalog.outline import CourseOutline, LessonOutline, outline_of
from app.catalog.outlines import shared_outline, shared_outlines
from app.catalog.translated import course_texts
from app.core import events
from app.core.i18n import current_language
from app.core.markdown import has_note_titled
from app.core.templating import course_text
from app.core.types import utcnow
from app.core.urls import safe_next_path
from app.extensions import db
from app.learning import announcement_operations, bp, queries
from app.learning.access import readable_course, readable_outline
from app.learning.forms import MOTIVATION_MAX, ApplicationForm, ButtonForm
from app.learning.operations import (
    ApplicationError,
    already_applied_message,
    closed_reason,
    mark_lesson_done,
    record_completion,
    save_application_draft,
    submit_application,
)
from app.learning.progress import course_path, progress_in, shared_path


@bp.get("/dashboard")
@login_required
def dashboard():
    """A learner's courses with progress, next step and quiz results; their applications."""
    now = utcnow()
    enrollments = queries.enrollments_of(current_user)
    courses = shared_outlines(list({e.cohort.course_id for e in enrollments}))
    facts = queries.learner_facts(current_user, list(courses.values()))
    return render_template(
        "learning/dashboard.html",
        studies=[
            (enrollment, progress_in(courses, facts, enrollment)) for enrollment in enrollments
        ],
        applications=queries.applications_of(current_user),
        certificates=events.current_certificates(current_user),
        announcements=queries.announcements_for(current_user, now),
        now=now,
    )


@catalog_bp.get("/courses/<slug>")
def course(slug: str):
    """A course's summary, modules, cohorts and schedule; for its learners, their progress.

    A catalogue page (`catalog.course`) served from here: it needs the reader's progress,
    and catalog does not import learning."""
    found = shared_outline(slug)
    if found is None:
        abort(404)
    progress, enrollment = queries.course_progress(current_user, found)
    now = utcnow()
    return render_template(
        "catalog/course.html",
        course=found,
        now=now,
        announcements=queries.announcements_for(current_user, now, course_id=found.id),
        can_read=progress is not None,
        progress=progress,
        enrollment=enrollment,
        applications=queries.applications_by_cohort(current_user, found),
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
    closed = closed_reason(cohort, now, marked=True)
    form = ApplicationForm()
    status = 200
    draft = queries.application_draft(current_user, cohort)
    if request.method == "POST" and "draft" in request.form:
        if existing is not None or closed:
            status = 409
        elif not ButtonForm().validate_on_submit():
            abort(400)
        else:
            motivation = (form.motivation.data or "")[:MOTIVATION_MAX]
            save_application_draft(
                current_user._get_current_object(),
                cohort,
                motivation=motivation,
                confirms_public_official=bool(form.confirms_public_official.data),
                now=now,
            )
            db.session.commit()
            flash(
                _(
                    "Your draft is saved. Come back to send it before applications close; we "
                    "will remind you by mail a few days before."
                ),
                "success",
            )
            return redirect(url_for("learning.apply", slug=slug, cohort_slug=cohort_slug))
    elif request.method == "POST":
        if existing is not None or closed:
            status = 409
        elif not current_user.has_confirmed_email:
            status = 403  # the page says why and offers the link again
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
                title = {"cohort": course_text(cohort.title, cohort.course.language)}
                if cohort.enrols_on_application:
                    flash(
                        escape(_("You are enrolled in %(cohort)s. You can start reading now."))
                        % title,
                        "success",
                    )
                    return redirect(url_for("catalog.course", slug=slug))
                flash(
                    escape(
                        _(
                            "Your application to %(cohort)s is sent. We will e-mail you the "
                            "decision; you can also follow it on your dashboard."
                        )
                    )
                    % title,
                    "success",
                )
                return redirect(url_for("learning.dashboard"))
        else:
            status = 400
    elif draft is not None:
        form.motivation.data = draft.motivation
        form.confirms_public_official.data = draft.confirms_public_official
    return render_template(
        "learning/apply.html",
        draft=draft,
        cohort=cohort,
        course=cohort.course,
        form=form,
        closed=closed,
        existing=existing,
        existing_message=already_applied_message(existing, marked=True) if existing else None,
    ), status


@bp.get("/courses/<slug>/lessons/<lesson_slug>")
def lesson(slug: str, lesson_slug: str):
    """A lesson with progress and the way on for readers; for others, how to apply."""
    now = utcnow()
    course = shared_outline(slug)
    found = course.published_lesson(lesson_slug, now) if course else None
    if found is None:
        abort(404)
    can_read, is_done = queries.lesson_state(current_user, course, found.id)
    return render_template(
        "learning/lesson.html",
        lesson=found,
        module=found.module,
        course=course,
        can_read=can_read,
        neighbours=shared_path(course, now).neighbours("lesson", found.id)
        if can_read
        else (None, None),
        is_done=is_done,
        applications={} if can_read else queries.applications_by_cohort(current_user, course),
        now=now,
        asks_about_your_city=can_read and has_note_titled(found.body_html),
        **_reading(course, found),
    )


def _reading(course: CourseOutline, lesson: LessonOutline) -> dict:
    """For a reader whose interface is in another language than the course: the lesson's
    translation into it (unless they asked for the original) and the languages' names."""
    language = current_language()
    if language == course.language:
        return {}
    translation = None
    if language in course.languages[1:]:
        translation = catalog_queries.lesson_translation(lesson.id, language)
    # A translation made from an older revision of the lesson is not shown: the original is.
    out_of_date = translation is not None and translation.id != course_texts(
        course.id, course.outline_version, language
    ).get("lesson", lesson.id, "translation")
    if out_of_date:
        translation = None
    original_chosen = translation is not None and request.args.get("text") == "original"
    return {
        "translation": None if original_chosen else translation,
        "translation_out_of_date": out_of_date,
        "original_chosen": original_chosen,
        "language_names": {code: _language_name(code) for code in (language, course.language)},
    }


def _language_name(code: str) -> str:
    """A language's name in the reader's language: 'Spanish', 'español', 'espagnol'."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_language_name(current_language())
    except (ValueError, UnknownLocaleError):
        return code
    return name or code


@bp.post("/courses/<slug>/lessons/<lesson_slug>/done")
@login_required
def mark_done(slug: str, lesson_slug: str):
    """Mark a lesson as done (again changes nothing), then go on to the next step."""
    course = outline_of(readable_course(slug))
    found = course.published_lesson(lesson_slug)
    if found is None:
        abort(404)
    user = current_user._get_current_object()
    now = utcnow()
    mark_lesson_done(user, found, now=now)
    completed = record_completion(user, course, now=now)
    following = course_path(course).neighbours("lesson", found.id)[1]
    if completed or following is None:
        going_to = url_for("catalog.course", slug=slug)
    else:
        going_to = following.url
    if completed:
        message = escape(
            _("You have completed %(course)s. Congratulations! Your dashboard shows it.")
        ) % {"course": course_text(course.title, course.language)}
    else:
        message = escape(_("“%(title)s” is marked as done.")) % {
            "title": course_text(found.title, course.language)
        }
    db.session.commit()  # after it every loaded object is expired: read nothing more
    flash(message, "success")
    return redirect(going_to)


@bp.get("/courses/<slug>/lectures/<module_slug>")
@login_required
def lecture(slug: str, module_slug: str):
    """A module's video lecture and its transcript."""
    course = readable_outline(slug)
    module = course.visible_module(module_slug)
    if module is None or not module.has_lecture:
        abort(404)
    return render_template(
        "learning/lecture.html",
        course=course,
        module=module,
        neighbours=course_path(course).neighbours("lecture", module.id),
    )


@bp.post("/announcements/<int:announcement_id>/dismiss")
@login_required
def dismiss_announcement(announcement_id: int):
    """A learner puts an announcement away; back to the page they were on."""
    found = queries.learner_announcement(current_user, announcement_id)
    if found is None:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    announcement_operations.dismiss_announcement(current_user, found, now=utcnow())
    db.session.commit()
    flash(_("You will not be shown this announcement again."), "success")
    return redirect(safe_next_path(request.form.get("next")) or url_for("learning.dashboard"))
