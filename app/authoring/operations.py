"""Every write of the authoring pages: modules, lessons and their revisions, uploaded images."""

import hashlib
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.authoring.content import CourseFiles, RenderedText, content_hash, module_folder
from app.catalog.authored import LessonRevision, UploadedImage
from app.catalog.content.exporter import lesson_file, translation_file
from app.catalog.models import Course, Lesson, LessonTranslation, Module, Status
from app.catalog.operations import record_lesson_revision
from app.catalog.outlines import outline_changed
from app.core.audit import record
from app.core.uploads import check_image
from app.extensions import db


class AuthoringError(ValueError):
    """A change that cannot be made, with a sentence for the field or the page."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class LessonConflict(Exception):
    """Someone saved the lesson after the editor opened it: nothing was overwritten."""

    def __init__(self, lesson: Lesson):
        super().__init__(f"lesson {lesson.slug} is at revision {lesson.revision}")
        self.lesson = lesson


@dataclass
class LessonText:
    """What the lesson form sends, checked by the form."""

    title: str
    minutes: int
    objectives: list[str]
    body_md: str
    status: Status
    publish_at: datetime | None

    def values(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "minutes": self.minutes,
            "objectives": self.objectives,
            "body_md": self.body_md,
            "status": self.status,
            "publish_at": self.publish_at,
        }


def _live_modules(course: Course) -> list[Module]:
    return [module for module in course.modules if module.status != Status.ARCHIVED]


def next_module_position(course: Course) -> int:
    return max((module.position for module in course.modules), default=0) + 1


def create_module(
    course: Course, *, slug: str, title: str, intro_md: str, intro_html: str, status: Status,
    publish_at: datetime | None, actor,
) -> Module:  # fmt: skip
    """Add a module at the end of the course."""
    if any(module.slug == slug for module in course.modules):
        raise AuthoringError(_("Another module of this course has this short name."), "slug")
    module = Module(
        slug=slug,
        position=next_module_position(course),
        title=title,
        intro_md=intro_md,
        intro_html=intro_html,
        status=status,
        publish_at=publish_at,
    )
    course.modules.append(module)
    db.session.flush()
    outline_changed([course.id])
    record("module.added", actor=actor, target=module, details={"course": course.slug})
    return module


def update_module(
    module: Module, *, title: str, intro_md: str, intro_html: str, status: Status,
    publish_at: datetime | None, actor,
) -> list[str]:  # fmt: skip
    """Change a module's title, introduction and publication; return the fields changed."""
    values = {"title": title, "intro_md": intro_md, "status": status, "publish_at": publish_at}
    changed = [name for name, value in values.items() if getattr(module, name) != value]
    if changed or module.intro_html != intro_html:
        outline_changed([module.course_id])
    for name in changed:
        setattr(module, name, values[name])
    module.intro_html = intro_html
    if changed:
        db.session.flush()
        record("module.updated", actor=actor, target=module, details={"changed": changed})
    return changed


def _neighbour(items: list, item, direction: str):
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    return items[other] if 0 <= other < len(items) else None


def _swap_positions(first, second) -> None:
    """Swap two rows' positions (which are unique only in spirit, so no temporary value)."""
    first.position, second.position = second.position, first.position


def move_module(module: Module, direction: str, *, actor) -> bool:
    """Move a module one place up or down; links to its lessons follow. False at an end."""
    course = module.course
    other = _neighbour(_live_modules(course), module, direction)
    if other is None:
        return False
    _swap_positions(module, other)
    outline_changed([course.id])
    # After the swap each one's old number is its partner's new one.
    renames = {
        f"{partner.position:02d}-{item.slug}/": f"{item.position:02d}-{item.slug}/"
        for item, partner in ((module, other), (other, module))
    }
    _relink(course, renames, actor=actor)
    record("module.moved", actor=actor, target=module, details={"direction": direction})
    return True


def move_lesson(lesson: Lesson, direction: str, *, actor) -> bool:
    """Move a lesson one place up or down in its module; links to it follow. False at an end."""
    siblings = [item for item in lesson.module.lessons if item.status != Status.ARCHIVED]
    other = _neighbour(siblings, lesson, direction)
    if other is None:
        return False
    _swap_positions(lesson, other)
    outline_changed([lesson.course_id])
    # After the swap each one's old number is its partner's new one.
    renames = {
        f"{partner.position:02d}-{item.slug}.md": f"{item.position:02d}-{item.slug}.md"
        for item, partner in ((lesson, other), (other, lesson))
    }
    lesson.module.lessons.sort(key=lambda item: item.position)
    _relink(lesson.module.course, renames, actor=actor)
    record("lesson.moved", actor=actor, target=lesson, details={"direction": direction})
    return True


def _relink(course: Course, renames: dict[str, str], *, actor) -> None:
    """Rewrite links after files were renumbered: in lessons (a new revision of each that
    changes), module introductions and the guidebook.

    Pages link by slug, so the stored HTML is unchanged; only the Markdown, which names
    files as the course folder does, needs the new numbers (assignments' prompts too).
    """
    course.modules.sort(key=lambda module: module.position)
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(old) for old in renames) + r")"
    )  # fmt: skip

    def renumbered(text: str) -> str:
        return pattern.sub(lambda match: renames[match.group(1)], text)

    for module in _live_modules(course):
        module.intro_md = renumbered(module.intro_md)
        assignment = module.assignment
        if assignment is not None and renumbered(assignment.prompt_md) != assignment.prompt_md:
            # A change of content, so an assignment editor opened before it gets a conflict.
            assignment.prompt_md = renumbered(assignment.prompt_md)
            assignment.revision += 1
        for lesson in module.lessons:
            text = renumbered(lesson.body_md)
            if text != lesson.body_md:
                lesson.body_md = text
                lesson.content_hash = content_hash(lesson_file(lesson))
                record_lesson_revision(lesson, author=actor, note="links renumbered")
    # Lesson translations (edited only as files) name lesson files too.
    for translation in db.session.scalars(
        select(LessonTranslation).join(Lesson).where(Lesson.course_id == course.id)
    ):
        text = renumbered(translation.body_md)
        if text != translation.body_md:
            translation.body_md = text
            translation.content_hash = content_hash(translation_file(translation))
    if course.guidebook_md:
        course.guidebook_md = renumbered(course.guidebook_md)
    db.session.flush()


def create_lesson(module: Module, slug: str, text: LessonText, rendered: RenderedText, *, actor):
    """Add a lesson at the end of a module, as its first revision."""
    course = module.course
    taken = db.session.scalar(
        select(func.count(Lesson.id)).where(Lesson.course_id == course.id, Lesson.slug == slug)
    )
    if taken:
        raise AuthoringError(_("Another lesson of this course has this short name."), "slug")
    position = max((lesson.position for lesson in module.lessons), default=0) + 1
    lesson = Lesson(
        course_id=course.id,
        module=module,
        slug=slug,
        position=position,
        revision=0,
        **text.values(),
    )
    _apply_rendering(lesson, rendered)
    db.session.add(lesson)
    record_lesson_revision(lesson, author=actor, note="created")
    db.session.flush()
    outline_changed([course.id])
    record("lesson.added", actor=actor, target=lesson, details={"course": course.slug})
    return lesson


def _apply_rendering(lesson: Lesson, rendered: RenderedText) -> None:
    lesson.body_html = rendered.html
    lesson.headings = rendered.headings
    lesson.content_hash = content_hash(lesson_file(lesson))


def save_lesson(
    lesson: Lesson, text: LessonText, rendered: RenderedText, *, base_revision: int, actor,
    note: str = "saved",
) -> LessonRevision | None:  # fmt: skip
    """Save an edit made from `base_revision` as the next revision; None when nothing changed.

    Raises LessonConflict, and changes nothing, when the lesson has moved past that revision,
    even if another save got there a moment ago (the update is conditional).
    """
    if lesson.revision != base_revision:
        raise LessonConflict(lesson)
    values = text.values()
    if all(lesson.revision_content()[name] == value for name, value in values.items()):
        return None
    claimed = db.session.execute(
        update(Lesson)
        .where(Lesson.id == lesson.id, Lesson.revision == base_revision)
        .values(revision=base_revision)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.refresh(lesson)
        raise LessonConflict(lesson)
    changed = [name for name, value in values.items() if getattr(lesson, name) != value]
    for name, value in values.items():
        setattr(lesson, name, value)
    _apply_rendering(lesson, rendered)
    revision = record_lesson_revision(lesson, author=actor, note=note)
    db.session.flush()
    outline_changed([lesson.course_id])
    record(
        "lesson.updated",
        actor=actor,
        target=lesson,
        details={"revision": revision.number, "changed": changed, "note": note},
    )
    return revision


def restore_revision(
    lesson: Lesson, revision: LessonRevision, files: CourseFiles, *, actor
) -> LessonRevision | None:
    """Save an earlier revision's content as the lesson's next revision."""
    content = revision.content()
    text = LessonText(**content)
    return save_lesson(
        lesson,
        text,
        files.render(module_folder(lesson.module), text.body_md),
        base_revision=lesson.revision,
        actor=actor,
        note=f"restored revision {revision.number}",
    )


def store_image(
    course: Course, data: bytes, original_name: str, *, folder: str, max_bytes: int, actor
) -> UploadedImage:
    """Check an uploaded image by its content and keep it under a generated name.

    Raises ImageRefused (or ImageTooLarge) and stores nothing when it is not an image we accept.
    The uploader's file name is kept only to show it; it never becomes a path.
    """
    checked = check_image(data, max_bytes)
    image = UploadedImage(
        course_id=course.id,
        name=f"img-{secrets.token_hex(12)}{checked.extension}",
        original_name=os.path.basename(original_name.replace("\\", "/"))[:255] or "image",
        content_type=checked.content_type,
        byte_size=len(data),
        width=checked.width,
        height=checked.height,
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=actor.id,
    )
    db.session.add(image)
    db.session.flush()
    os.makedirs(folder, exist_ok=True)
    # Written whole under a temporary name, then renamed: a reader never sees half a file.
    with tempfile.NamedTemporaryFile(dir=folder, delete=False) as temporary:
        temporary.write(data)
    os.replace(temporary.name, os.path.join(folder, image.name))
    record(
        "image.uploaded",
        actor=actor,
        target=image,
        details={"course": course.slug, "name": image.name, "bytes": len(data)},
    )
    return image
