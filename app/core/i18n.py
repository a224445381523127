"""The interface's languages: which one a request is shown in, and switching between them.

A logged-in person's profile language wins; then the language chosen in the footer (a
cookie); then the browser's Accept-Language; then English. Course text is not translated
here: lessons may have translations of their own (`lesson.es.md`).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, current_app, has_request_context, request
from flask_babel import force_locale, get_locale
from flask_login import current_user

LANGUAGES = {
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "pt": "Português",
    "ar": "العربية",
    "ko": "한국어",
}
# Languages written from right to left: their pages are dir="rtl".
RIGHT_TO_LEFT = frozenset({"ar"})
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "language"


def select_language() -> str:
    """The language of the interface for this request (Flask-Babel's locale selector)."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    if current_user.is_authenticated and current_user.preferred_language in LANGUAGES:
        return current_user.preferred_language
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


# The language a message is being written in (`writing_in`), inside a request or not.
_WRITING_IN: ContextVar[str | None] = ContextVar("writing_in", default=None)


@contextmanager
def writing_in(language: str) -> Iterator[None]:
    """Words, dates and numbers in `language` for a while: a mail to a person in theirs,
    whether a request or a worker writes it."""
    token = _WRITING_IN.set(language)
    try:
        with force_locale(language):
            yield
    finally:
        _WRITING_IN.reset(token)


def current_language() -> str:
    """'en', 'es' or 'fr': the language being written in (`writing_in`), else the request's,
    else English."""
    writing = _WRITING_IN.get()
    if writing:
        return writing
    if not has_request_context():
        return DEFAULT_LANGUAGE
    return str(get_locale() or DEFAULT_LANGUAGE)


def register_languages(app: Flask) -> None:
    @app.context_processor
    def language_context() -> dict:
        language = current_language()
        return {
            "languages": LANGUAGES,
            "current_language": language,
            # <html dir>: the CSS is written with logical properties, so the page mirrors.
            "text_direction": "rtl" if language in RIGHT_TO_LEFT else "ltr",
        }

    @app.after_request
    def vary_on_language(response):
        # The same address is shown in another language to another person.
        if response.mimetype == "text/html":
            response.vary.add("Accept-Language")
            response.vary.add("Cookie")
        return response


def language_cookie_options() -> dict:
    return {
        "max_age": 365 * 24 * 3600,
        "httponly": True,
        "samesite": "Lax",
        "secure": current_app.config.get("SESSION_COOKIE_SECURE", False),
    }
