"""Authoring pages: a course's outline, modules and lessons, revisions and images.

The quiz editor, the live-session editor and the reports have their own modules
(`quiz_views.py`, `session_views.py`, `report_views.py`) on the same blueprint.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.authoring import bp, operations, queries
from app.authoring.content import CourseFiles, line_diff, module_folder
from app.authoring.forms import LessonForm, ModuleForm, MoveForm, RestoreForm, UploadForm
from app.authoring.operations import AuthoringError, LessonConflict, LessonText
from app.catalog.content.exporter import lesson_file
from app.catalog.models import Course, Lesson, Module, Status
from app.core.inputs import integer_arg, parse_integer
from app.core.listing import Page
from app.core.permissions import staff_required
from app.core.types import utcnow
from app.core.uploads import ImageRefused
from app.extensions import db


def managed_course(slug: str, *options) -> Course:
    """The course with this slug, if the current user may manage it (404, then 403)."""
    course = queries.course_by_slug(slug, *options)
    if course is None:
        abort(404)
    if not course.can_manage(current_user):
        abort(403)
    return course


@bp.get("/")
@staff_required
def index():
    """The courses the current user can edit."""
    return render_template("authoring/index.html", courses=queries.manageable_courses(current_user))


@bp.get("/<slug>")
@staff_required
def course(slug: str):
    """A course's outline for its staff: modules, lessons and quizzes with their state."""
    found = managed_course(slug, *queries.EDITABLE_OUTLINE)
    return render_template("authoring/course.html", course=found, now=utcnow())


def _zone() -> str:
    return current_user.time_zone or "UTC"


def _to_utc(local: datetime | None) -> datetime | None:
    """A time typed in the editor's own zone, as UTC."""
    return local.replace(tzinfo=ZoneInfo(_zone())).astimezone(UTC) if local else None


def _to_local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(ZoneInfo(_zone())).replace(tzinfo=None) if moment else None


def _module(course: Course, module_slug: str) -> Module:
    found = next(
        (m for m in course.modules if m.slug == module_slug and m.status != Status.ARCHIVED), None
    )
    if found is None:
        abort(404)
    return found


def _lesson(course: Course, lesson_slug: str) -> Lesson:
    for module in course.modules:
        for lesson in module.lessons:
            if lesson.slug == lesson_slug and Status.ARCHIVED not in (lesson.status, module.status):
                return lesson
    abort(404)


def _files(course: Course) -> CourseFiles:
    return CourseFiles(course, queries.upload_names(course.id))


# modules -------------------------------------------------------------------------------------


def _module_page(course: Course, form: ModuleForm, module: Module | None, status: int):
    return render_template(
        "authoring/module_form.html", course=course, module=module, form=form, zone=_zone()
    ), status


@bp.route("/<slug>/modules/new", methods=["GET", "POST"])
@staff_required
def new_module(slug: str):
    """Add a module at the end of the course, as a draft unless published."""
    course = managed_course(slug, *queries.EDITABLE_OUTLINE)
    form = ModuleForm(status="draft")
    if not form.validate_on_submit():
        return _module_page(course, form, None, 400 if form.is_submitted() else 200)
    folder = f"{operations.next_module_position(course):02d}-{form.slug.data}"
    rendered = _files(course).render(folder, form.intro_md.data or "")
    if rendered.problems:
        form.intro_md.errors = rendered.problems
        return _module_page(course, form, None, 400)
    try:
        module = operations.create_module(
            course,
            slug=form.slug.data,
            title=form.title.data,
            intro_md=form.intro_md.data or "",
            intro_html=rendered.html,
            status=Status(form.status.data),
            publish_at=_to_utc(form.publish_at.data),
            actor=current_user,
        )
    except AuthoringError as error:
        db.session.rollback()
        getattr(form, error.field).errors = [str(error)]
        return _module_page(course, form, None, 400)
    db.session.commit()
    flash(_("Module “%(title)s” added. Add its lessons below.", title=form.title.data), "success")
    return redirect(url_for("authoring.course", slug=slug, _anchor=f"module-{module.id}"))


@bp.route("/<slug>/modules/<module_slug>", methods=["GET", "POST"])
@staff_required
def edit_module(slug: str, module_slug: str):
    """Change a module's title, introduction and publication."""
    course = managed_course(slug, *queries.EDITABLE_OUTLINE)
    module = _module(course, module_slug)
    form = ModuleForm(
        data=None if request.method == "POST" else {
            "title": module.title, "intro_md": module.intro_md, "status": module.status.value,
            "publish_at": _to_local(module.publish_at),
        }
    )  # fmt: skip
    del form.slug
    if not form.validate_on_submit():
        return _module_page(course, form, module, 400 if form.is_submitted() else 200)
    rendered = _files(course).render(module_folder(module), form.intro_md.data or "")
    if rendered.problems:
        form.intro_md.errors = rendered.problems
        return _module_page(course, form, module, 400)
    changed = operations.update_module(
        module,
        title=form.title.data,
        intro_md=form.intro_md.data or "",
        intro_html=rendered.html,
        status=Status(form.status.data),
        publish_at=_to_utc(form.publish_at.data),
        actor=current_user,
    )
    db.session.commit()
    flash(_("Module saved.") if changed else _("Nothing changed."), "success")
    return redirect(url_for("authoring.course", slug=slug))


@bp.post("/<slug>/modules/<module_slug>/move")
@staff_required
def move_module(slug: str, module_slug: str):
    """Move a module one place up or down."""
    course = managed_course(slug, *queries.EDITABLE_OUTLINE)
    module = _module(course, module_slug)
    title = module.title
    return _move(
        course,
        operations.move_module,
        module,
        moved={
            "up": _("Module “%(title)s” moved up.", title=title),
            "down": _("Module “%(title)s” moved down.", title=title),
        },
        stuck={
            "up": _("Module “%(title)s” is already at the top.", title=title),
            "down": _("Module “%(title)s” is already at the bottom.", title=title),
        },
    )


def _move(course: Course, move, item, *, moved: dict[str, str], stuck: dict[str, str]):
    """Move a module or lesson as the form says, then back to the outline with what happened.

    `moved` and `stuck` hold the sentences to show for each direction (whole sentences, so
    that each language can order its words).
    """
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    direction = form.direction.data
    if move(item, direction, actor=current_user):
        db.session.commit()
        flash(moved[direction], "success")
    else:
        flash(stuck[direction], "info")
    return redirect(url_for("authoring.course", slug=course.slug))


# lessons -------------------------------------------------------------------------------------


def _lesson_text(form: LessonForm) -> LessonText:
    return LessonText(
        title=form.title.data,
        minutes=form.minutes.data,
        objectives=form.objectives.data,
        body_md=form.body_md.data,
        status=Status(form.status.data),
        publish_at=_to_utc(form.publish_at.data),
    )


def _title_taken(course: Course, title: str, lesson: Lesson | None) -> bool:
    return any(
        other.title == title and other is not lesson and other.status != Status.ARCHIVED
        for module in course.modules
        if module.status != Status.ARCHIVED
        for other in module.lessons
    )


def _lesson_page(course, module, form, *, lesson=None, status=200, **context):
    return render_template(
        "authoring/lesson_form.html",
        course=course,
        module=module,
        lesson=lesson,
        form=form,
        zone=_zone(),
        now=utcnow(),
        **context,
    ), status


def _check_lesson(course, module, form, lesson):
    """Render the form's text; put problems on the form. The rendering, or None with errors."""
    if not form.validate_on_submit():
        if form.base_revision.errors:  # a hidden field: say it where the page shows it
            form.form_errors.append(
                _(
                    "The form did not say which revision it was opened at. Reload the page, "
                    "copy your text back in, and save again."
                )
            )
        return None
    rendered = _files(course).render(module_folder(module), form.body_md.data)
    if rendered.problems:
        form.body_md.errors = rendered.problems
    if _title_taken(course, form.title.data, lesson):
        form.title.errors = [_("Another lesson of this course has this title.")]
    return None if rendered.problems or form.title.errors else rendered


def _preview(course, module, form, lesson):
    """The editor with the rendered text below it: nothing is saved."""
    rendered = _files(course).render(module_folder(module), form.body_md.data or "")
    return _lesson_page(course, module, form, lesson=lesson, preview=rendered, status=200)


@bp.route("/<slug>/modules/<module_slug>/lessons/new", methods=["GET", "POST"])
@staff_required
def new_lesson(slug: str, module_slug: str):
    """Write a new lesson at the end of a module, with a preview before saving."""
    course = managed_course(slug, *queries.EDITABLE_OUTLINE)
    module = _module(course, module_slug)
    form = LessonForm(status="draft", base_revision="0")
    if request.method == "GET":
        return _lesson_page(course, module, form)
    if request.form.get("action") == "preview" and form.validate_on_submit():
        return _preview(course, module, form, None)
    rendered = _check_lesson(course, module, form, None)
    if rendered is None:
        return _lesson_page(course, module, form, status=400)
    try:
        lesson = operations.create_lesson(
            module, form.slug.data, _lesson_text(form), rendered, actor=current_user
        )
    except AuthoringError as error:
        db.session.rollback()
        getattr(form, error.field).errors = [str(error)]
        return _lesson_page(course, module, form, status=400)
    db.session.commit()
    flash(_("Lesson “%(title)s” saved as revision 1.", title=form.title.data), "success")
    return redirect(url_for("authoring.edit_lesson", slug=slug, lesson_slug=lesson.slug))


@bp.route("/<slug>/lessons/<lesson_slug>", methods=["GET", "POST"])
@staff_required
def edit_lesson(slug: str, lesson_slug: str):
    """Edit a lesson: preview the text as learners will see it, then save a new revision."""
    course = managed_course(slug, *queries.EDITABLE_OUTLINE)
    lesson = _lesson(course, lesson_slug)
    module = lesson.module
    if request.method == "GET":
        form = LessonForm(
            data=lesson.revision_content()
            | {"status": lesson.status.value, "publish_at": _to_local(lesson.publish_at),
               "base_revision": str(lesson.revision)}
        )  # fmt: skip
        del form.slug
        return _lesson_page(course, module, form, lesson=lesson)
    form = LessonForm()
    del form.slug
    if request.form.get("action") == "preview" and form.validate_on_submit():
        return _preview(course, module, form, lesson)
    rendered = _check_lesson(course, module, form, lesson)
    if rendered is None:
        return _lesson_page(course, module, form, lesson=lesson, status=400)
    text = _lesson_text(form)
    try:
        revision = operations.save_lesson(
            lesson,
            text,
            rendered,
            base_revision=parse_integer(form.base_revision.data, -1),
            actor=current_user,
        )
    except LessonConflict:
        db.session.rollback()
        return _conflict(course, module, form, text, lesson_slug)
    db.session.commit()
    if revision is None:
        flash(_("Nothing changed, so no revision was made."), "info")
    else:
        flash(_("Saved as revision %(number)d.", number=revision.number), "success")
    return redirect(url_for("authoring.edit_lesson", slug=slug, lesson_slug=lesson_slug))


def _conflict(course, module, form, text: LessonText, lesson_slug: str):
    """Someone saved first: show their version and this one; the form now builds on theirs."""
    lesson = _lesson(course, lesson_slug)
    db.session.refresh(lesson)
    latest = queries.lesson_revision(lesson.id, lesson.revision)
    theirs, yours = lesson_file(lesson), lesson_file(text)
    form.base_revision.data = str(lesson.revision)
    if latest is None or latest.author is None:
        message = _(
            "An import of the course files saved this lesson (revision %(number)d) after you "
            "opened it, so your changes were not saved. Compare the two versions below, bring "
            "what you want to keep into the text, and save again.",
            number=lesson.revision,
        )
    else:
        message = _(
            "%(name)s saved this lesson (revision %(number)d) after you opened it, so your "
            "changes were not saved. Compare the two versions below, bring what you want to "
            "keep into the text, and save again.",
            name=latest.author.name,
            number=lesson.revision,
        )
    form.form_errors.append(message)
    return _lesson_page(
        course,
        module,
        form,
        lesson=lesson,
        status=409,
        conflict={"theirs": theirs, "yours": yours, "diff": line_diff(theirs, yours),
                  "revision": latest},
    )  # fmt: skip


@bp.post("/<slug>/lessons/<lesson_slug>/move")
@staff_required
def move_lesson(slug: str, lesson_slug: str):
    """Move a lesson one place up or down in its module."""
    course = managed_course(slug, *queries.EDITABLE_OUTLINE)
    lesson = _lesson(course, lesson_slug)
    title = lesson.title
    return _move(
        course,
        operations.move_lesson,
        lesson,
        moved={
            "up": _("Lesson “%(title)s” moved up.", title=title),
            "down": _("Lesson “%(title)s” moved down.", title=title),
        },
        stuck={
            "up": _("Lesson “%(title)s” is already at the top of its module.", title=title),
            "down": _("Lesson “%(title)s” is already at the bottom of its module.", title=title),
        },
    )


@bp.get("/<slug>/lessons/<lesson_slug>/preview")
@staff_required
def preview_lesson(slug: str, lesson_slug: str):
    """The lesson as its learners see it (or will), whatever its state."""
    course = managed_course(slug, *queries.EDITABLE_OUTLINE)
    lesson = _lesson(course, lesson_slug)
    return render_template(
        "authoring/preview.html", course=course, lesson=lesson, module=lesson.module, now=utcnow()
    )


# revisions ------------------------------------------------------------------------------------


def _revision_number(name: str, default: int) -> int:
    return integer_arg(name, default)


@bp.get("/<slug>/lessons/<lesson_slug>/history")
@staff_required
def lesson_history(slug: str, lesson_slug: str):
    """A lesson's revisions, and the difference between any two of them."""
    course = managed_course(slug)
    lesson = _lesson_of(course, lesson_slug)
    page = Page.of(queries.lesson_revisions(lesson.id), current_app.config["REVISIONS_PER_PAGE"])
    newer = _revision_number("to", lesson.revision)
    older = _revision_number("from", max(newer - 1, 1))
    compared = [queries.lesson_revision(lesson.id, n) for n in (older, newer)]
    diff = None
    if None in compared:
        flash(_("There is no such revision; showing the latest change instead."), "info")
        return redirect(url_for("authoring.lesson_history", slug=slug, lesson_slug=lesson_slug))
    if older != newer:
        diff = line_diff(lesson_file(compared[0]), lesson_file(compared[1]))
    return render_template(
        "authoring/history.html",
        course=course,
        lesson=lesson,
        page=page,
        older=compared[0],
        newer=compared[1],
        diff=diff,
        numbers=range(lesson.revision, 0, -1),
        restore_form=RestoreForm(),
    )


def _lesson_of(course: Course, lesson_slug: str) -> Lesson:
    """A lesson found by query (the history and restore pages need no outline)."""
    lesson = queries.lesson_by_slug(course.id, lesson_slug)
    if lesson is None or lesson.status == Status.ARCHIVED:
        abort(404)
    return lesson


@bp.post("/<slug>/lessons/<lesson_slug>/history/<int:number>/restore")
@staff_required
def restore_revision(slug: str, lesson_slug: str, number: int):
    """Make an earlier revision the lesson's content again, as a new revision."""
    course = managed_course(slug, *queries.EDITABLE_OUTLINE)
    lesson = _lesson(course, lesson_slug)
    revision = queries.lesson_revision(lesson.id, number)
    if revision is None:
        abort(404)
    if not RestoreForm().validate_on_submit():
        abort(400)
    made = operations.restore_revision(lesson, revision, _files(course), actor=current_user)
    db.session.commit()
    if made is None:
        flash(
            _(
                "Revision %(number)d is what the lesson says already; nothing changed.",
                number=number,
            ),
            "info",
        )
    else:
        flash(
            _("Revision %(old)d restored as revision %(new)d.", old=number, new=made.number),
            "success",
        )
    return redirect(url_for("authoring.lesson_history", slug=slug, lesson_slug=lesson_slug))


# images ---------------------------------------------------------------------------------------


def _images_page(course: Course, form: UploadForm, status: int = 200, uploaded=None):
    page = Page.of(queries.course_images(course.id), current_app.config["UPLOADS_PER_PAGE"])
    return render_template(
        "authoring/images.html", course=course, form=form, page=page, uploaded=uploaded
    ), status


@bp.route("/<slug>/images", methods=["GET", "POST"])
@staff_required
def images(slug: str):
    """Upload images for lessons, and find the Markdown that shows each one."""
    course = managed_course(slug)
    form = UploadForm()
    if request.method == "GET":
        return _images_page(course, form)
    if not form.validate_on_submit():
        return _images_page(course, form, 400)
    upload = form.image.data
    if not upload or not upload.filename:
        form.image.errors = [_("Choose an image to upload.")]
        return _images_page(course, form, 400)
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    try:
        image = operations.store_image(
            course,
            data,
            upload.filename,
            folder=current_app.config["UPLOAD_FOLDER"],
            max_bytes=limit,
            actor=current_user,
        )
    except ImageRefused as error:
        db.session.rollback()
        form.image.errors = [str(error)]
        return _images_page(course, form, error.status)
    db.session.commit()
    flash(
        _("“%(name)s” uploaded. Copy its Markdown into a lesson.", name=image.original_name),
        "success",
    )
    return redirect(url_for("authoring.images", slug=slug))
