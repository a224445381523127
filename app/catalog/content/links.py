"""Links in a course's Markdown: each checked, and file links turned into the site's URLs."""

import posixpath
import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from app.catalog.paths import lesson_path, media_path
from app.core.markdown import render_markdown

EXTERNAL_SCHEMES = {"http", "https", "mailto"}
EMPTY_IMAGE_DESCRIPTION = re.compile(r"!\[\s*\]\(")


def render_course_markdown(
    markdown_text: str,
    folder: str,
    *,
    lesson_files: Mapping[str, str],
    media_files: Mapping[str, str],
    course_slug: str,
) -> tuple[str, list[tuple[int, str]]]:
    """Render Markdown written in a file of `folder` (a course path), checking every link and
    image and turning links to lesson files and images into the site's URLs.

    Returns the HTML and the problems, each with its line in the text (from 1).
    """
    lines = markdown_text.splitlines()
    problems = [
        (number, "an image needs a description: ![what it shows](...)")
        for number, line in enumerate(lines, start=1)
        if EMPTY_IMAGE_DESCRIPTION.search(line)
    ]

    def resolve(tag: str, target: str) -> str | None:
        problem, url = resolve_course_link(
            folder, tag, target, lesson_files, media_files, course_slug
        )
        if problem:
            line = next((n for n, text in enumerate(lines, start=1) if target in text), 1)
            problems.append((line, problem))
        return url

    html = render_markdown(markdown_text, resolve)
    return html, problems


def course_path(relative: str | PurePosixPath) -> str:
    """A file's path inside the course folder, normalised: '/01-care/02-lesson.md'."""
    return posixpath.normpath(posixpath.join("/", str(relative)))


def resolve_course_link(
    folder: str,
    tag: str,
    target: str,
    lesson_files: Mapping[str, str],
    media_files: Mapping[str, str],
    course_slug: str,
) -> tuple[str | None, str | None]:
    """Check one link or image target written in a file of `folder` (a course path).

    Returns a problem (or None) and the URL to use (None: leave the target as written).
    Lessons and images are found by their course paths (see course_path).
    """
    parts = urlsplit(target)
    if parts.scheme:
        if parts.scheme.lower() in EXTERNAL_SCHEMES and tag == "a":
            return None, None
        return f"link '{target}': only https://, http:// and mailto: links are allowed" + (
            "; images must be files in media/" if tag == "img" else ""
        ), None
    if parts.netloc:
        return f"link '{target}': write external links in full, starting with https://", None
    if not parts.path or parts.path.startswith("/"):
        return None, None  # an anchor on the same page, or a path on this site
    path = course_path(posixpath.join(folder, parts.path))
    anchor = f"#{parts.fragment}" if parts.fragment else ""
    if tag == "img":
        name = media_files.get(path)
        if name is None:
            return f"image '{target}' is not a file in the course's media/ folder", None
        return None, media_path(course_slug, name)
    slug = lesson_files.get(path)
    if slug is None:
        return f"link '{target}' does not lead to a lesson of this course", None
    return None, lesson_path(course_slug, slug) + anchor
