"""Logs: a request id on every request, and one JSON object per log line when LOG_FORMAT=json.

Each request gets an id: the `X-Request-ID` a trusted proxy sent (only with TRUSTED_PROXIES set,
and only if it is short and made of safe characters), or a new random one. The response echoes
it in its own `X-Request-ID` header, and every line logged while the request is handled carries
it, so a person who reports an error page's id leads straight to the traceback.

With LOG_FORMAT=json (gunicorn.conf.py makes it the default under gunicorn) each request also
logs one line when it ends: method, path, status, duration and the client's address. Text mode
leaves Flask's logging as it is (the development server prints its own request lines).
"""

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, has_request_context, request, request_finished
from flask.logging import default_handler

REQUEST_ID_HEADER = "X-Request-ID"
# nginx's $request_id is 32 hex digits, a UUID 36 characters: 64 safe characters at most.
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
REQUEST_LOGGER = "app.requests"
# Load balancers ask these every few seconds: their request lines are logged at DEBUG.
QUIET_PATHS = {"/healthz", "/readyz"}


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id() -> str | None:
    """The current request's id (made on first use), or None outside a request."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        g.request_id = new_request_id()
    return g.request_id


def _remote_address() -> str | None:
    return request.remote_addr


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, and the request it belongs to."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry["request_id"] = request_id()
            entry["method"] = request.method
            entry["path"] = request.path
            entry["remote_addr"] = _remote_address()
        for key in ("status", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Flask's usual line, with the request id when there is a request."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        if has_request_context():
            return f"[request {request_id()}] {line}"
        return line


def _is_json_handler(handler: logging.Handler) -> bool:
    return isinstance(handler.formatter, JsonFormatter)


def configure_json_logging(level: str = "INFO") -> None:
    """Send every logger's records to stderr as JSON (once per process, whatever calls it)."""
    root = logging.getLogger()
    if not any(_is_json_handler(handler) for handler in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(level)


def log_request(sender: Flask, response: Response, **extra) -> None:
    """One line per request when it ends (the path without its query, which may hold tokens)."""
    started = g.get("request_started")
    duration = round((time.perf_counter() - started) * 1000, 1) if started else None
    level = logging.DEBUG if request.path in QUIET_PATHS else logging.INFO
    logging.getLogger(REQUEST_LOGGER).log(
        level,
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={"status": response.status_code, "duration_ms": duration},
    )


def register_logging(app: Flask) -> None:
    """The request id on each request and response; JSON log lines if LOG_FORMAT=json."""
    trust_header = app.config.get("TRUSTED_PROXIES", 0) > 0
    if app.config.get("LOG_FORMAT") == "json":
        configure_json_logging(app.config.get("LOG_LEVEL", "INFO"))
        # The root's JSON handler has the app's records; Flask's own would print them again.
        app.logger.removeHandler(default_handler)
    else:
        default_handler.setFormatter(
            TextFormatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s")
        )

    @app.before_request
    def start_request() -> None:
        g.request_started = time.perf_counter()
        sent = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = sent if trust_header and SAFE_REQUEST_ID.match(sent) else new_request_id()

    @app.after_request
    def echo_request_id(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = request_id()
        return response

    request_finished.connect(log_request, app)
