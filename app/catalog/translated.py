"""Course text in the reader's language: the translations that follow their originals.

A translation is used only while it was made from its original's current revision (its
`translated_from`, content/translations.py); otherwise the reader gets the original, marked
with the course's language. What a course has in one language is worked out once per outline
version and language in each process (the export gives the originals' text, so the rule is the
same as `flask course validate`'s) and kept, like outlines (catalog/outlines.py): pages ask
with no query. Every operation that changes course text gives the course a new outline version.
"""

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import lazy_pgettext
from markupsafe import Markup, escape
from sqlalchemy import select

from app.catalog.content.exporter import course_files
from app.catalog.content.translations import file_revision
from app.catalog.models import Course, Module
from app.catalog.queries import COURSE_TEXT, OUTLINE
from app.core.i18n import current_language
from app.extensions import db

KEPT = 64  # (course, version, language) sets of texts per process

# The kind of row a page shows, by class (rows and their outlines alike).
KINDS = {
    "Course": "course", "CourseOutline": "course", "CourseRef": "course",
    "Module": "module", "ModuleOutline": "module", "ModuleRef": "module",
    "Lesson": "lesson", "LessonOutline": "lesson",
    "Quiz": "quiz", "QuizOutline": "quiz",
    "Question": "question", "Choice": "choice",
    "ShownQuestion": "question", "ShownChoice": "choice",
    "Cohort": "cohort", "CohortOutline": "cohort", "CohortRef": "cohort",
    "LiveSession": "session", "LiveSessionOutline": "session",
    "Assignment": "assignment", "AssignmentOutline": "assignment",
}  # fmt: skip


@dataclass(frozen=True)
class CourseTexts:
    """One course's current translations into one language: text by 'kind:id.field'."""

    language: str
    texts: Mapping[str, Any] = field(default_factory=dict)

    def get(self, kind: str, row_id: int, name: str) -> Any:
        return self.texts.get(f"{kind}:{row_id}.{name}")


class TextStore:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.kept: OrderedDict[tuple[int, str, str], CourseTexts] = OrderedDict()

    def get(self, key: tuple[int, str, str]) -> CourseTexts | None:
        with self.lock:
            found = self.kept.get(key)
            if found is not None:
                self.kept.move_to_end(key)
            return found

    def put(self, key: tuple[int, str, str], texts: CourseTexts) -> None:
        with self.lock:
            self.kept[key] = texts
            while len(self.kept) > KEPT:
                self.kept.popitem(last=False)


def course_texts(course_id: int, version: str, language: str) -> CourseTexts:
    """The course's current translations into `language` (empty for none)."""
    store = current_app.extensions.setdefault("course_texts", TextStore())
    key = (course_id, version, language)
    found = store.get(key)
    if found is None:
        found = _load(course_id, language)
        store.put(key, found)
    return found


def _load(course_id: int, language: str) -> CourseTexts:
    """Read in a session of its own, so the request's session keeps none of these rows."""
    with db.session.session_factory() as loading:
        course = loading.scalar(
            select(Course).where(Course.id == course_id).options(*OUTLINE, *COURSE_TEXT)
        )
        if course is None or language == course.language:
            return CourseTexts(language)
        return CourseTexts(language, texts_of(course, language))


def texts_of(course: Course, language: str) -> dict[str, Any]:
    """The current translations of a loaded course into one language, by 'kind:id.field'."""
    files = {
        path: data.decode()
        for path, data in course_files(course, with_media=False).items()
        if path.endswith((".md", ".yaml"))
    }
    texts: dict[str, Any] = {}
    folders = {f"{module.position:02d}-{module.slug}": module for module in course.modules}

    def current(original: str, made_from: str | None) -> bool:
        return original in files and made_from == file_revision(original, files[original])

    for module in course.modules:
        folder = f"{module.position:02d}-{module.slug}"
        for lesson in module.lessons:
            for translation in lesson.translations:
                original = f"{folder}/{lesson.position:02d}-{lesson.slug}.md"
                if translation.language == language and current(original, translation.made_from):
                    texts[f"lesson:{lesson.id}.title"] = translation.title
                    texts[f"lesson:{lesson.id}.translation"] = translation.id
    for translation in course.text_translations:
        if translation.language != language or not current(
            translation.original, translation.made_from
        ):
            continue
        module = folders.get(translation.original.rpartition("/")[0])
        _add(texts, course, module, translation.kind, translation.texts)
    return texts


def _add(texts: dict, course: Course, module: Module | None, kind: str, tree: dict) -> None:
    if kind == "course":
        texts[f"course:{course.id}.title"] = tree["title"]
        texts[f"course:{course.id}.summary"] = tree["summary"]
        certificate = tree.get("certificate", {})
        for name in ("title", "wording"):
            if name in certificate:
                texts[f"course:{course.id}.certificate_{name}"] = certificate[name]
        cohorts = {cohort.slug: cohort for cohort in course.cohorts}
        for item in tree.get("cohorts", []):
            cohort = cohorts.get(item["slug"])
            if cohort is None:
                continue
            texts[f"cohort:{cohort.id}.title"] = item["title"]
            sessions = {session.slug: session for session in cohort.live_sessions}
            for piece in item.get("live_sessions", []):
                session = sessions.get(piece["slug"])
                if session is not None:
                    for name in ("title", "description"):
                        if name in piece:
                            texts[f"session:{session.id}.{name}"] = piece[name]
    elif kind == "guidebook":
        texts[f"course:{course.id}.guidebook_html"] = tree["body_html"]
    elif module is None:
        return
    elif kind == "module":
        texts[f"module:{module.id}.title"] = tree["title"]
        texts[f"module:{module.id}.intro_html"] = tree["body_html"]
    elif kind == "lecture":
        texts[f"module:{module.id}.lecture_title"] = tree["title"]
        texts[f"module:{module.id}.lecture_transcript_html"] = tree["body_html"]
    elif kind == "quiz" and module.quiz is not None:
        texts[f"quiz:{module.quiz.id}.title"] = tree["title"]
        questions = {question.slug: question for question in module.quiz.questions}
        for item in tree.get("questions", []):
            question = questions.get(item["id"])
            if question is None:
                continue
            texts[f"question:{question.id}.prompt"] = item["prompt"]
            texts[f"question:{question.id}.explanation"] = item["explanation"]
            for choice, text in zip(question.choices, item.get("choices", []), strict=False):
                texts[f"choice:{choice.id}.text"] = text
    elif kind == "assignment" and module.assignment is not None:
        assignment = module.assignment
        texts[f"assignment:{assignment.id}.title"] = tree["title"]
        texts[f"assignment:{assignment.id}.prompt_html"] = tree["prompt_html"]
        for name in ("sections", "rubric", "themes"):
            texts[f"assignment:{assignment.id}.{name}"] = _merged(
                getattr(assignment, name) or [], tree.get(name, [])
            )


def _merged(originals: list[dict], translated: list[dict]) -> list[dict]:
    """The original's pieces (points, words, ids) with the translated text in them."""
    merged = []
    for original, text in zip(originals, translated, strict=False):
        piece = dict(original) | {key: value for key, value in text.items() if key != "levels"}
        if "levels" in original:
            piece["levels"] = _merged(original["levels"], text.get("levels", []))
        merged.append(piece)
    return merged if len(merged) == len(originals) else list(originals)


# --- what pages call ------------------------------------------------------------------------


def translated(course: Any, row: Any, name: str, language: str | None = None) -> tuple[Any, str]:
    """(the text of `row.name` in the reader's language where a current translation has it,
    the language it is in). `course`: the row's course (a Course or its outline)."""
    language = language or current_language()
    original = getattr(row, name)
    if language == course.language or original is None:
        return original, course.language
    if language not in getattr(course, "languages", (language,)):
        return original, course.language  # the course offers no translations into it
    kind = KINDS.get(type(row).__name__)
    if kind is None:
        return original, course.language
    text = course_texts(course.id, course.outline_version, language).get(kind, row.id, name)
    return (original, course.language) if text is None else (text, language)


# A true-or-false question's choices are the interface's words, in every language.
TRUE_OR_FALSE = {
    "True": lazy_pgettext("a true-or-false question's choice", "True"),
    "False": lazy_pgettext("a true-or-false question's choice", "False"),
}


def course_text_of(course: Any, row: Any, name: str = "title") -> Markup:
    """Course text for a page: the reader's language where translated; else the original,
    marked with its language (WCAG 3.1.2)."""
    if name == "text" and KINDS.get(type(row).__name__) == "choice" and row.text in TRUE_OR_FALSE:
        return escape(str(TRUE_OR_FALSE[row.text]))
    text, language = translated(course, row, name)
    if language == current_language():
        return escape(text)
    return Markup('<span lang="{}">{}</span>').format(language, text)


def pieces_of(course: Any, row: Any, name: str) -> list:
    """A list of pieces (an assignment's sections, rubric or themes) in the reader's language
    where translated: the original's ids, words and points, the translation's text."""
    return translated(course, row, name)[0] or []


def plain_text_of(course: Any, row: Any, name: str = "title") -> str:
    """Course text for a mail or a calendar: the reader's language where translated."""
    return str(translated(course, row, name)[0] or "")


def course_html_of(course: Any, row: Any, name: str) -> Markup:
    """Rendered course Markdown (a lecture, a module's introduction, the guidebook) in a
    block marked with the language it is in."""
    html, language = translated(course, row, name)
    # Rendered and sanitised when the course was imported or saved, as every course text is.
    safe_html = Markup(html or "")  # noqa: S704
    return Markup('<div lang="{}">{}</div>').format(language, safe_html)


def text_language(course: Any, row: Any, name: str = "title") -> str:
    """The language `row.name` is shown in: for a `lang` attribute around it."""
    return translated(course, row, name)[1]


def register_course_texts(app) -> None:
    app.add_template_global(course_text_of, "text_of")
    app.add_template_global(course_html_of, "html_of")
    app.add_template_global(text_language, "text_lang_of")
    app.add_template_global(plain_text_of, "plain_text_of")
    app.add_template_global(pieces_of, "pieces_of")
