"""The translation editor's reads, checks and writes: a course's text in its other languages,
edited in the browser as the translation files are written (docs/course-format.md).

Everything is worked out from the course's files as the exporter writes them
(`course_files`), so the editor's states are those of `flask course validate`: a translation
is current while the `translated_from` it records is its original's revision now
(catalog/content/translations.py). A save is checked by the files' own rules
(`read_translation`), its Markdown rendered and checked as the import renders it, and stored
as the import stores it: a `LessonTranslation` for a lesson, a `TextTranslation` for the rest.

A save names the version of the translation it was made from (a hash of its file); a save
over a newer version is refused (`TranslationConflict`) and changes nothing.
"""

import hashlib
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.authoring.content import CourseFiles, lesson_file_name, module_folder
from app.catalog.content.exporter import course_files, translation_file
from app.catalog.content.links import render_course_markdown
from app.catalog.content.translations import (
    MARKDOWN_KINDS,
    YAML_KINDS,
    file_revision,
    kind_of,
    original_text,
    read_translation,
    stamp,
    translation_path,
    translation_report,
)
from app.catalog.content.yamlio import dump_canonical_yaml, split_front_matter
from app.catalog.models import (
    Course,
    Lesson,
    LessonTranslation,
    MediaFile,
    Status,
    TextTranslation,
)
from app.catalog.outlines import outline_changed
from app.catalog.queries import COURSE_TEXT, OUTLINE
from app.core.audit import record
from app.core.markdown import section_headings
from app.extensions import db

# What the exporter reads of a course, loaded in a fixed number of queries.
TRANSLATABLE = (*OUTLINE, *COURSE_TEXT, selectinload(Course.media_files).defer(MediaFile.data))

# What each kind of original is, in the list (its title follows where it has one).
KIND_LABELS = {
    "course": _l("Course page, certificate and cohorts"),
    "guidebook": _l("Guidebook"),
    "module": _l("Module introduction"),
    "lecture": _l("Lecture"),
    "lesson": _l("Lesson"),
    "quiz": _l("Quiz"),
    "assignment": _l("Assignment"),
}
KIND_ORDER = ("course", "guidebook", "module", "lecture", "lesson", "quiz", "assignment")
MISSING, OUT_OF_DATE, CURRENT = "missing", "out-of-date", "current"
NEW = "new"  # the version a form made for a translation not written yet carries


class TranslationConflict(Exception):
    """The translation was saved (or deleted) after the editor opened it: nothing changed."""


def text_files(course: Course) -> dict[str, str]:
    """The course's Markdown and YAML files as the exporter writes them, by path."""
    return {
        path: data.decode()
        for path, data in course_files(course, with_media=False).items()
        if path.endswith((".md", ".yaml"))
    }


def version_of(text: str | None) -> str:
    """What a form carries of the translation it was opened at (NEW: there was none)."""
    return hashlib.sha256(text.encode()).hexdigest() if text is not None else NEW


@dataclass
class Item:
    """One original in one language: where it is, what it is, and how its translation stands."""

    original: str
    kind: str
    title: str | None
    translation: str  # the translation's path
    state: str  # MISSING, OUT_OF_DATE or CURRENT
    made_from: str | None = None
    revision: str = ""  # the original's now

    @property
    def kind_label(self):
        return KIND_LABELS[self.kind]


@dataclass
class LanguageOverview:
    language: str
    items: list[Item] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(item.state == state for item in self.items)


def _order(path: str, kind: str) -> tuple:
    folder = path.rpartition("/")[0]
    return (folder != "", folder, KIND_ORDER.index(kind), path)


def _title(kind: str, text: str) -> str | None:
    title = original_text(kind, text).get("title")  # the exporter's file: valid YAML
    return title if isinstance(title, str) else None


def overview(course: Course, files: dict[str, str] | None = None) -> list[LanguageOverview]:
    """Per language of the course but its own: every original and its translation's state."""
    files = text_files(course) if files is None else files
    originals = sorted(
        ((path, kind) for path in files if (kind := kind_of(path))),
        key=lambda found: _order(*found),
    )
    found = []
    for report in translation_report(files, course.languages):
        missing = set(report.missing)
        late = {path: made_from for path, made_from, _now in report.out_of_date}
        language = LanguageOverview(report.language)
        for path, kind in originals:
            translated = translation_path(path, report.language)
            state = MISSING if path in missing else OUT_OF_DATE if translated in late else CURRENT
            language.items.append(
                Item(
                    original=path,
                    kind=kind,
                    title=_title(kind, files[path]),
                    translation=translated,
                    state=state,
                    made_from=late.get(translated),
                    revision=file_revision(path, files[path]) or "",
                )
            )
        found.append(language)
    return found


# --- one translation ------------------------------------------------------------------------


@dataclass
class Editing:
    """An original and its translation into one language, as the editor shows them."""

    course: Course
    language: str
    original: str
    kind: str
    original_text: str
    revision: str  # the original's now
    path: str  # the translation's
    text: str | None  # the translation's file as the export writes it; None: not written yet
    made_from: str | None
    lesson: Lesson | None  # for a lesson's translation
    row: LessonTranslation | TextTranslation | None

    @property
    def version(self) -> str:
        return version_of(self.text)

    @property
    def state(self) -> str:
        if self.row is None:
            return MISSING
        return CURRENT if self.made_from == self.revision else OUT_OF_DATE

    @property
    def folder(self) -> str:
        return self.original.rpartition("/")[0]

    @property
    def title(self) -> str | None:
        return _title(self.kind, self.original_text)

    @property
    def kind_label(self):
        return KIND_LABELS[self.kind]


def _lesson_of(course: Course, original: str) -> Lesson | None:
    for module in course.modules:
        if module.status == Status.ARCHIVED:
            continue
        for lesson in module.lessons:
            if f"{module_folder(module)}/{lesson_file_name(lesson)}" == original:
                return lesson
    return None


def editing(course: Course, language: str, original: str) -> Editing | None:
    """The original at `original` and its translation into `language`; None if the course has
    no such original or no such language."""
    if language not in course.languages[1:]:
        return None
    files = text_files(course)
    kind = kind_of(original)
    if kind is None or original not in files:
        return None
    path = translation_path(original, language)
    lesson = _lesson_of(course, original) if kind == "lesson" else None
    if kind == "lesson":
        row = next((t for t in lesson.translations if t.language == language), None)
    else:
        row = next((t for t in course.text_translations if t.path == path), None)
    return Editing(
        course=course,
        language=language,
        original=original,
        kind=kind,
        original_text=files[original],
        revision=file_revision(original, files[original]) or "",
        path=path,
        text=files.get(path) if row is not None else None,
        made_from=row.made_from if row is not None else None,
        lesson=lesson,
        row=row,
    )


def skeleton(kind: str, text: str) -> str:
    """A new translation's text: the original's translated keys and ids, with its text in
    them to write over."""
    tree = original_text(kind, text)
    if kind in YAML_KINDS:
        return dump_canonical_yaml(tree)
    body = tree.pop("body", "")
    header = {key: tree[key] for key in MARKDOWN_KINDS[kind] if key in tree}
    if not header:
        return body
    return f"---\n{dump_canonical_yaml(header)}---\n{body}"


@dataclass
class Checked:
    """A translation's text, read and rendered: ready to store, or its problems by line."""

    text: str
    made_from: str | None = None
    texts: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)


def _render(files: CourseFiles, folder: str, markdown: str, offset: int, problems: list) -> str:
    html, found = render_course_markdown(
        markdown, folder, lesson_files=files.lessons, media_files=files.media,
        course_slug=files.course.slug,
    )  # fmt: skip
    problems.extend((line + offset, message) for line, message in found)
    return html


def _lines_before_body(text: str) -> int:
    parts = split_front_matter(text)
    if parts is None:
        return 0
    return text.count("\n") - parts[1].count("\n")


def check(found: Editing, text: str, files: CourseFiles, *, follows: bool) -> Checked:
    """Read a translation's text against its original, as `flask course validate` reads the
    file; render its Markdown. `follows`: it says what the original says now, so it records
    the original's revision (else it keeps the `translated_from` it has)."""
    read = read_translation(found.path, text, found.original_text)
    problems = list(read.problems)
    if problems:
        return Checked(text, problems=sorted(problems))
    texts = dict(read.texts)
    if "body" in texts:
        texts["body_html"] = _render(
            files, found.folder, texts["body"], _lines_before_body(text), problems
        )
    if found.kind == "assignment" and "prompt" in texts:
        texts["prompt_html"] = _render(files, found.folder, texts["prompt"], 0, problems)
    if problems:
        return Checked(text, problems=sorted(problems))
    if follows:
        text = stamp(found.path, text, found.revision)
        read = read_translation(found.path, text, found.original_text)
    return Checked(text, made_from=read.made_from, texts=texts)


def _claim(found: Editing, base: str) -> None:
    """Refuse (TranslationConflict) unless the stored translation is the one the editor
    opened; hold its row until the transaction ends, so no other save slips in between."""
    if base != found.version:
        raise TranslationConflict()
    row = found.row
    if row is None:
        return
    model = type(row)
    if isinstance(row, LessonTranslation):
        same = LessonTranslation.content_hash == row.content_hash
    else:
        same = TextTranslation.file_text == row.file_text
    claimed = db.session.execute(
        update(model)
        .where(model.id == row.id, same)
        .values(language=row.language)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise TranslationConflict()


def save_translation(found: Editing, checked: Checked, *, base: str, actor) -> bool:
    """Store a checked translation made from version `base` of the stored one. Returns whether
    anything changed. Raises TranslationConflict, having changed nothing, when the stored
    translation is no longer that version."""
    _claim(found, base)
    course = found.course
    try:
        with db.session.begin_nested():
            if found.kind == "lesson":
                row, changed = _store_lesson(found, checked)
            else:
                row, changed = _store_text(found, checked)
            db.session.flush()
    except IntegrityError:  # another editor created it a moment ago
        raise TranslationConflict() from None
    if not changed:
        return False
    outline_changed([course.id])
    record(
        "translation.saved",
        actor=actor,
        target=row,
        details={
            "course": course.slug,
            "path": found.path,
            "language": found.language,
            "current": checked.made_from == found.revision,
        },
    )
    return True


def _store_lesson(found: Editing, checked: Checked) -> tuple[LessonTranslation, bool]:
    texts = checked.texts
    values = {
        "title": texts["title"],
        "objectives": list(texts.get("objectives") or []),
        "body_md": texts["body"],
        "body_html": texts["body_html"],
        "headings": section_headings(texts["body_html"]),
        "made_from": checked.made_from,
    }
    row = found.row
    if row is None:
        row = LessonTranslation(language=found.language, **values)
        found.lesson.translations.append(row)
        changed = True
    else:
        changed = any(getattr(row, name) != value for name, value in values.items())
        for name, value in values.items():
            setattr(row, name, value)
    # The export writes a lesson's translation from its parts (exporter.translation_file):
    # its hash is of that file, which is what the editor and the course folder then hold.
    row.content_hash = hashlib.sha256(translation_file(row).encode()).hexdigest()
    return row, changed


def _store_text(found: Editing, checked: Checked) -> tuple[TextTranslation, bool]:
    values = {
        "original": found.original,
        "language": found.language,
        "kind": found.kind,
        "made_from": checked.made_from,
        "texts": checked.texts,
        "file_text": checked.text,
    }
    row = found.row
    if row is None:
        row = TextTranslation(path=found.path, **values)
        found.course.text_translations.append(row)
        return row, True
    changed = any(getattr(row, name) != value for name, value in values.items())
    for name, value in values.items():
        setattr(row, name, value)
    return row, changed


def delete_translation(found: Editing, *, actor) -> bool:
    """Delete the translation (learners then read the original); False if there was none."""
    row = found.row
    if row is None:
        return False
    record(
        "translation.deleted",
        actor=actor,
        target=row,
        details={"course": found.course.slug, "path": found.path, "language": found.language},
    )
    if isinstance(row, LessonTranslation):
        found.lesson.translations.remove(row)
    else:
        found.course.text_translations.remove(row)
    db.session.flush()
    outline_changed([found.course.id])
    return True


def stored_text(course_id: int, found: Editing) -> str | None:
    """The translation's file as it is stored now (after a conflict), or None if it is gone."""
    db.session.expire_all()
    if found.kind == "lesson":
        row = db.session.scalar(
            select(LessonTranslation).where(
                LessonTranslation.lesson_id == found.lesson.id,
                LessonTranslation.language == found.language,
            )
        )
        return translation_file(row) if row is not None else None
    row = db.session.scalar(
        select(TextTranslation).where(
            TextTranslation.course_id == course_id, TextTranslation.path == found.path
        )
    )
    return row.file_text if row is not None else None
