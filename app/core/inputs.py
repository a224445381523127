"""Input from the request, checked once for every view: its Host, NUL bytes and integers.

No input may reach the database in a form it refuses (PostgreSQL rejects NUL characters in
text and integers beyond its 32-bit `integer`): that would be a 500 where a 400 or 404 says
what was wrong.
"""

from flask import Flask, request
from flask.globals import request_ctx
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import SecurityError
from werkzeug.routing import IntegerConverter, Map

from app.core.errors import TITLES, error_response
from app.core.urls import public_url_adapter

# The largest value of PostgreSQL's `integer`, the type of every id column.
MAX_INTEGER = 2**31 - 1
MAX_DIGITS = len(str(MAX_INTEGER))

NUL_ADVICE = _l(
    "The address or the form contains a character that cannot be used (a NUL character). "
    "Remove it and try again."
)
HOST_ADVICE = _l(
    "This site does not answer at the address your browser asked for. "
    "Check the address, or start again from the site's usual address."
)


class BoundedIntegerConverter(IntegerConverter):
    """Flask's `int` converter, held to the database's integer range: beyond it, a 404."""

    regex = rf"\d{{1,{MAX_DIGITS}}}"

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = MAX_INTEGER,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def parse_integer(
    value: str | None, default: int | None = None, *, maximum: int = MAX_INTEGER
) -> int | None:
    """`value` as a whole number from 0 to maximum, else default (never an exception).

    ASCII digits only: `str.isdigit()` also accepts "²", which `int()` refuses.
    """
    if not value or len(value) > len(str(maximum)) or not (value.isascii() and value.isdigit()):
        return default
    number = int(value)
    return number if number <= maximum else default


def integer_arg(name: str, default: int | None = None, *, maximum: int = MAX_INTEGER) -> int | None:
    """The query parameter `name` as a whole number (see parse_integer), else default."""
    return parse_integer(request.args.get(name), default, maximum=maximum)


def has_nul_character() -> bool:
    """True if the path, query string, form, file names or cookies hold a NUL character."""
    texts = [request.path]
    for values in (request.args, request.form, request.cookies):
        for key, value in values.items(multi=True):
            texts += (key, value)
    for key, upload in request.files.items(multi=True):
        texts += (key, upload.filename or "")
    return any("\x00" in text for text in texts)


def check_request():
    """Before anything else reads the request: refuse an untrusted Host and NUL characters."""
    if isinstance(request.routing_exception, SecurityError):
        # Flask found no URL adapter for a Host outside TRUSTED_HOSTS; the error page's links
        # need one, so it gets the site's own.
        request_ctx.url_adapter = public_url_adapter()
        return error_response(400, TITLES[400], HOST_ADVICE)
    if has_nul_character():
        return error_response(400, TITLES[400], NUL_ADVICE)
    return None


def register_input_checks(app: Flask) -> None:
    """The bounded `int` converter (before any route is added) and the per-request check."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(check_request)
