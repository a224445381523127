"""The assignment editor: a module's peer-reviewed assignment, for the course's staff.

One page, /author/<course>/modules/<module>/assignment, adds or edits the module's
assignment.yaml in a form that works without JavaScript (docs/authoring.md). Saves follow the
lessons' revision rule: a save from an older revision than the stored one is refused (409)
and the editor's text is kept.
"""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.authoring import bp, queries
from app.authoring.assignment_editor_forms import AssignmentForm
from app.authoring.assignment_editor_operations import (
    AssignmentConflict,
    box_texts,
    read_edited_assignment,
    save_assignment,
)
from app.authoring.content import CourseFiles, line_diff, module_folder
from app.authoring.views import _module, managed_course
from app.catalog.content.exporter import assignment_file, assignment_source
from app.catalog.content.schema import ASSIGNMENT_DEFAULTS
from app.catalog.content.source import AssignmentSource
from app.catalog.models import Assignment, Course, Module, Status
from app.catalog.operations import live_cohorts
from app.core.inputs import parse_integer
from app.core.permissions import staff_required
from app.extensions import db

# What a new assignment's boxes start with: the shape to follow, as comments (they are not kept).
NEW_BOXES = {
    "sections": (
        "# - id: the-problem\n#   title: The problem\n"
        "#   guidance: Which care need is not met, and for whom?\n#   words: 300\n"
    ),
    "rubric": (
        "# - id: evidence\n#   title: Use of evidence\n"
        "#   description: How well the plan shows the need with facts.\n#   levels:\n"
        "#   - title: Not yet\n#     points: 0\n#     description: No facts.\n"
        "#   - title: Meets expectations\n#     points: 2\n#     description: Some facts.\n"
    ),
    "themes": "",
}


def _new_dates_box(course: Course) -> str:
    lines = [
        f"# {slug}:\n#   submission_due: YYYY-MM-DD 23:59 {cohort.time_zone}\n"
        f"#   reviews_due: YYYY-MM-DD 23:59 {cohort.time_zone}\n"
        for slug, cohort in live_cohorts(course).items()
    ]
    return "".join(lines)


def _form_data(course: Course, assignment: Assignment | None) -> dict:
    """The form's values for the module's assignment, or a new one's starting values."""
    if assignment is None:
        return {
            "status": "draft",
            "pass_mark": 60,
            "reviews_per_submission": ASSIGNMENT_DEFAULTS["per_submission"],
            "reviews_per_learner": ASSIGNMENT_DEFAULTS["per_learner"],
            "anonymous_reviews": ASSIGNMENT_DEFAULTS["anonymous"],
            "late_work": ASSIGNMENT_DEFAULTS["late_work"],
            "gallery": ASSIGNMENT_DEFAULTS["gallery"],
            "max_files": ASSIGNMENT_DEFAULTS["files"],
            "base_revision": "0",
            **NEW_BOXES,
            "cohorts": _new_dates_box(course),
        }
    source = assignment_source(assignment)
    return {
        "title": source.title,
        "prompt_md": source.prompt_md,
        # An archived assignment (its file was removed) comes back as a draft unless published.
        "status": "draft" if assignment.status == Status.ARCHIVED else source.status,
        "pass_mark": source.pass_mark,
        "reviews_per_submission": source.reviews_per_submission,
        "reviews_per_learner": source.reviews_per_learner,
        "anonymous_reviews": source.anonymous_reviews,
        "late_work": source.late_work,
        "gallery": source.gallery,
        "max_files": source.max_files,
        "base_revision": str(assignment.revision),
        **box_texts(source),
    }


def _page(course: Course, module: Module, form: AssignmentForm, status: int = 200, **context):
    return render_template(
        "authoring/assignment/edit.html",
        course=course,
        module=module,
        assignment=module.assignment,
        form=form,
        **context,
    ), status


def _checked(course: Course, module: Module, form: AssignmentForm) -> AssignmentSource | None:
    """The form's assignment, checked as assignment.yaml is; or None, with its problems shown."""
    if not form.validate_on_submit():
        if form.base_revision.errors:
            form.form_errors.append(
                _(
                    "The form did not say which revision it was opened at. Reload the page, "
                    "copy your text back in, and save again."
                )
            )
        return None
    for name, message in (
        ("sections", _("Write at least one section of the template.")),
        ("rubric", _("Write at least one criterion of the rubric.")),
    ):
        if not form[name].data.strip():
            form[name].errors = [message]
    if form.errors:
        return None
    fields = {
        "title": form.title.data,
        "status": form.status.data,
        "prompt": form.prompt_md.data,
        "pass_mark": form.pass_mark.data,
        "reviews": {
            "per_submission": form.reviews_per_submission.data,
            "per_learner": form.reviews_per_learner.data,
            "anonymous": form.anonymous_reviews.data,
        },
        "late_work": form.late_work.data,
        "gallery": form.gallery.data,
        "files": form.max_files.data,
    }
    boxes = {name: form[name].data or "" for name in AssignmentForm.BOXES}
    source, problems = read_edited_assignment(fields, boxes, list(live_cohorts(course)))
    files = CourseFiles(course, queries.upload_names(course.id))
    rendered = files.render(module_folder(module), form.prompt_md.data)
    if rendered.problems:
        problems.setdefault("prompt", []).extend(rendered.problems)
    for key, messages in problems.items():
        name = AssignmentForm.FIELD_OF_KEY.get(key)
        field = form[name] if name else None
        if field is None:
            form.form_errors.extend(messages)
        else:
            field.errors = list(field.errors) + messages
    if problems or source is None:
        return None
    source.prompt_html = rendered.html
    return source


@bp.route("/<slug>/modules/<module_slug>/assignment", methods=["GET", "POST"])
@staff_required
def edit_assignment(slug: str, module_slug: str):
    """Add or edit a module's assignment; a save from an older revision is refused (409)."""
    course = managed_course(slug, *queries.EDITABLE_OUTLINE)
    module = _module(course, module_slug)
    if request.method == "GET":
        return _page(course, module, AssignmentForm(data=_form_data(course, module.assignment)))
    form = AssignmentForm()
    source = _checked(course, module, form)
    if source is None:
        return _page(course, module, form, 400)
    is_new = module.assignment is None
    try:
        assignment, changed = save_assignment(
            module,
            source,
            base_revision=parse_integer(form.base_revision.data, -1),
            actor=current_user._get_current_object(),
        )
    except AssignmentConflict:
        db.session.rollback()
        return _conflict(slug, module_slug, form, source)
    db.session.commit()
    if is_new:
        flash(_("Assignment “%(title)s” added.", title=assignment.title), "success")
    elif changed:
        flash(_("Saved as revision %(number)d.", number=assignment.revision), "success")
    else:
        flash(_("Nothing changed, so no revision was made."), "info")
    return redirect(url_for("authoring.edit_assignment", slug=slug, module_slug=module_slug))


def _conflict(slug: str, module_slug: str, form: AssignmentForm, yours: AssignmentSource):
    """Someone saved first: show both versions; the form keeps this text, built on theirs."""
    course = managed_course(slug, *queries.EDITABLE_OUTLINE)
    module = _module(course, module_slug)
    assignment = module.assignment
    revision = assignment.revision if assignment else 0
    theirs = assignment_file(assignment_source(assignment)) if assignment else ""
    mine = assignment_file(yours)
    form.base_revision.data = str(revision)
    form.form_errors.append(
        _(
            "This assignment was saved (revision %(number)d), by someone else or by an import "
            "of the course files, after you opened it, so your changes were not saved. Compare "
            "the two versions below, bring what you want to keep into the form, and save again.",
            number=revision,
        )
    )
    conflict = {"theirs": theirs, "yours": mine, "diff": line_diff(theirs, mine)}
    return _page(course, module, form, 409, conflict=conflict, revision=revision)
