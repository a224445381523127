"""Lesson Markdown written in the browser, checked and rendered as the course files are.

A lesson's text links to other lessons and images by their paths in the course folder
('02-time-use.md', '../media/map.png'), exactly as in the files, so that exporting the course
writes the text unchanged. Uploaded images count as files of media/ under their generated
names, which is where the export puts them.
"""

import difflib
import hashlib
from dataclasses import dataclass

from app.catalog.content.links import course_path, render_course_markdown
from app.catalog.models import Course, Lesson, Module, Status
from app.core.markdown import section_headings


def module_folder(module: Module) -> str:
    return f"{module.position:02d}-{module.slug}"


def lesson_file_name(lesson: Lesson) -> str:
    return f"{lesson.position:02d}-{lesson.slug}.md"


@dataclass
class RenderedText:
    html: str
    headings: list[dict[str, str]]
    problems: list[str]  # one sentence per problem, with its line


class CourseFiles:
    """Where each lesson and image of a course would be in its folder, as the exporter writes it."""

    def __init__(self, course: Course, upload_names: list[str]):
        self.course = course
        self.lessons = {
            course_path(f"{module_folder(module)}/{lesson_file_name(lesson)}"): lesson.slug
            for module in course.modules
            if module.status != Status.ARCHIVED
            for lesson in module.lessons
            if lesson.status != Status.ARCHIVED
        }
        names = [media.path for media in course.media_files] + upload_names
        self.media = {course_path(f"media/{name}"): name for name in names}

    def render(self, folder: str, text: str) -> RenderedText:
        """Render Markdown written in a file of `folder` (see module_folder), naming every
        problem as `flask course validate` would."""
        html, problems = render_course_markdown(
            text,
            folder,
            lesson_files=self.lessons,
            media_files=self.media,
            course_slug=self.course.slug,
        )
        return RenderedText(
            html=html,
            headings=section_headings(html),
            problems=[f"line {line}: {problem}" for line, problem in problems],
        )


def content_hash(file_text: str) -> str:
    return hashlib.sha256(file_text.encode()).hexdigest()


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed", or "gap" for unchanged lines left out
    old_number: int | None
    new_number: int | None
    text: str


def line_diff(old: str, new: str, context: int = 3) -> list[DiffLine]:
    """The lines that differ between two texts, with `context` unchanged lines around them."""
    a, b = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    lines: list[DiffLine] = []
    for index, group in enumerate(matcher.get_grouped_opcodes(context)):
        if index or group[0][1] > 0:
            lines.append(DiffLine("gap", None, None, ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [DiffLine("same", i + 1, j + 1, a[i]) for i, j in zip(
                    range(i1, i2), range(j1, j2), strict=True)]  # fmt: skip
                continue
            lines += [DiffLine("removed", i + 1, None, a[i]) for i in range(i1, i2)]
            lines += [DiffLine("added", None, j + 1, b[j]) for j in range(j1, j2)]
    return lines
