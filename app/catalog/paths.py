"""Site paths of catalogue pages, for links written into stored HTML at import time.

Stored HTML is rendered outside any request (by the CLI), where url_for cannot build URLs,
so these patterns must match the routes that serve them (tests/test_pages.py checks).
"""


def course_path(course_slug: str) -> str:
    return f"/courses/{course_slug}"


def lesson_path(course_slug: str, lesson_slug: str) -> str:
    return f"/courses/{course_slug}/lessons/{lesson_slug}"


def media_path(course_slug: str, media_name: str) -> str:
    return f"/courses/{course_slug}/media/{media_name}"
