"""Error pages in the site's look (HTML) or as JSON, never a traceback."""

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db

# What to tell a person who meets each error: a sentence that says what to do next.
ADVICE = {
    400: _l("The request could not be understood. Go back, check what you entered and try again."),
    403: _l(
        "You do not have permission to see this page. If you think you should, ask the course team."
    ),
    404: _l(
        "There is no page at this address. Check the address, or start again from the home page."
    ),
    405: _l(
        "This page cannot be used that way. Go back and use the links and buttons on the page."
    ),
    409: _l("This was changed by someone else at the same time. Reload the page and try again."),
    413: _l("What you sent is too large. Send a smaller file."),
    429: _l("Too many attempts in a short time. Wait a few minutes, then try again."),
    500: _l("Something went wrong on our side. It has been logged. Please try again in a moment."),
}
CSRF_ADVICE = _l(
    "The form had expired or was sent from another site. Reload the page and send it again."
)
# The titles of the error pages, in the reader's language (werkzeug's names are English).
TITLES = {
    400: _l("Bad Request"),
    401: _l("Unauthorized"),
    403: _l("Forbidden"),
    404: _l("Not Found"),
    405: _l("Method Not Allowed"),
    409: _l("Conflict"),
    410: _l("Gone"),
    413: _l("Request Entity Too Large"),
    414: _l("Request URI Too Long"),
    415: _l("Unsupported Media Type"),
    429: _l("Too Many Requests"),
    431: _l("Request Header Fields Too Large"),
    500: _l("Internal Server Error"),
    501: _l("Not Implemented"),
    503: _l("Service Unavailable"),
}


def wants_json() -> bool:
    """True when the client asked for JSON rather than a page, or the address is a JSON one
    (`/verify/<serial>.json`, `/.well-known/jwks.json`): a program reads its errors too."""
    if request.is_json or request.path.endswith(".json"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def error_response(status: int, title, message):
    """An error page (or JSON); `title` and `message` may be lazy strings."""
    title, message = str(title), str(message)
    if wants_json():
        return jsonify(error={"status": status, "title": title, "message": message}), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return error_response(400, _l("Form expired"), CSRF_ADVICE)

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(error: RateLimitExceeded):
        # Each limit carries its own sentence ("Too many failed logins for this account...").
        message = error.description if error.limit.error_message else ADVICE[429]
        return error_response(429, _l("Too many attempts"), message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        title = TITLES.get(status, error.name)
        return error_response(status, title, ADVICE.get(status, error.description or ""))

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return error_response(500, TITLES[500], ADVICE[500])
