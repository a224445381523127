"""The translation editor: a course's text in its other languages, for the course's staff.

/author/<course>/translations lists, per language, every original a learner reads (the course
page, the guidebook, each module, lecture, lesson, quiz and assignment) with its translation's
state: missing, out of date or current, as `flask course validate` says it. Each one opens the
original and its translation side by side, to write, update or delete the translation file
(docs/authoring.md). A save over a newer version of the translation is refused (409) and the
text is kept.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.authoring import bp
from app.authoring.content import CourseFiles, line_diff
from app.authoring.queries import upload_names
from app.authoring.translation_forms import DeleteTranslationForm, TranslationForm
from app.authoring.translation_operations import (
    CURRENT,
    MISSING,
    OUT_OF_DATE,
    TRANSLATABLE,
    Editing,
    TranslationConflict,
    check,
    delete_translation,
    editing,
    overview,
    save_translation,
    skeleton,
    stored_text,
    version_of,
)
from app.authoring.views import managed_course
from app.core.i18n import LANGUAGES, RIGHT_TO_LEFT
from app.core.permissions import staff_required
from app.extensions import db


def language_name(code: str) -> str:
    return LANGUAGES.get(code, code)


def text_direction(code: str) -> str:
    return "rtl" if code in RIGHT_TO_LEFT else "auto"


def _context(language: str | None = None) -> dict:
    return {
        "name": language_name(language) if language else None,
        "language_name": language_name,
        "text_direction": text_direction,
        "MISSING": MISSING,
        "OUT_OF_DATE": OUT_OF_DATE,
        "CURRENT": CURRENT,
    }


@bp.get("/<slug>/translations")
@staff_required
def translations(slug: str):
    """Every translatable original of the course and its translation's state, per language."""
    course = managed_course(slug, *TRANSLATABLE)
    return render_template(
        "authoring/translations/index.html",
        course=course,
        reports=overview(course),
        **_context(),
    )


def _editing(slug: str, language: str, original: str) -> Editing:
    course = managed_course(slug, *TRANSLATABLE)
    found = editing(course, language, original)
    if found is None:
        abort(404)
    return found


def _page(found: Editing, form: TranslationForm, status: int = 200, **context):
    return render_template(
        "authoring/translations/edit.html",
        course=found.course,
        found=found,
        form=form,
        **_context(found.language),
        **context,
    ), status


@bp.route("/<slug>/translations/<language>/<path:original>", methods=["GET", "POST"])
@staff_required
def edit_translation(slug: str, language: str, original: str):
    """The original and its translation side by side: write or update the translation."""
    found = _editing(slug, language, original)
    if request.method == "GET":
        text = found.text if found.text is not None else skeleton(found.kind, found.original_text)
        form = TranslationForm(data={"text": text, "follows_original": True, "base": found.version})
        return _page(found, form)
    form = TranslationForm()
    if not form.validate_on_submit():
        if form.base.errors:
            form.form_errors.append(
                _(
                    "The form did not say which version of the translation it was opened at. "
                    "Reload the page, copy your text back in, and save again."
                )
            )
        return _page(found, form, 400)
    files = CourseFiles(found.course, upload_names(found.course.id))
    checked = check(found, form.text.data, files, follows=bool(form.follows_original.data))
    if checked.problems:
        form.text.errors = [
            _("The translation does not follow its original: fix the lines listed above it.")
        ]
        return _page(found, form, 422, problems=checked.problems)
    try:
        changed = save_translation(
            found, checked, base=form.base.data, actor=current_user._get_current_object()
        )
    except TranslationConflict:
        db.session.rollback()
        return _conflict(found, form)
    db.session.commit()
    name = language_name(language)
    if not changed:
        flash(_("Nothing changed."), "info")
    elif checked.made_from == found.revision:
        flash(
            _("Translation saved. Learners who read in %(language)s now read it.", language=name),
            "success",
        )
    else:
        flash(
            _(
                "Translation saved. It is still out of date, so learners who read in "
                "%(language)s keep reading the original here.",
                language=name,
            ),
            "info",
        )
    return redirect(
        url_for("authoring.edit_translation", slug=slug, language=language, original=original)
    )


def _conflict(found: Editing, form: TranslationForm):
    """Someone saved or deleted the translation first: show theirs beside this text, which
    the form keeps, now built on theirs."""
    theirs = stored_text(found.course.id, found)
    form.base.data = version_of(theirs)
    if theirs is None:
        message = _(
            "This translation was deleted after you opened it, so your text was not saved. "
            "Save again to write it anew."
        )
    else:
        message = _(
            "This translation was saved, by someone else or by an import of the course files, "
            "after you opened it, so your text was not saved. Compare the two versions below, "
            "bring what you want to keep into the text, and save again."
        )
    form.form_errors.append(message)
    conflict = {
        "theirs": theirs,
        "diff": line_diff(theirs or "", form.text.data or ""),
    }
    found = _editing(found.course.slug, found.language, found.original)
    return _page(found, form, 409, conflict=conflict)


@bp.route("/<slug>/translations/<language>/delete/<path:original>", methods=["GET", "POST"])
@staff_required
def delete_translation_page(slug: str, language: str, original: str):
    """Delete a translation, after a confirmation page: learners then read the original."""
    found = _editing(slug, language, original)
    if found.row is None:
        abort(404)
    form = DeleteTranslationForm()
    if request.method == "GET":
        return render_template(
            "authoring/translations/delete.html",
            course=found.course,
            found=found,
            form=form,
            **_context(found.language),
        )
    if not form.validate_on_submit():
        abort(400)
    delete_translation(found, actor=current_user._get_current_object())
    db.session.commit()
    flash(
        _(
            "The translation %(path)s is deleted: learners who read in %(language)s read the "
            "original there.",
            path=found.path,
            language=language_name(language),
        ),
        "success",
    )
    return redirect(url_for("authoring.translations", slug=slug, _anchor=f"language-{language}"))
