"""Light pages: static files with their content's hash in the address, cached a year; compression.

Static files are served by Flask's own static view (ETag, conditional requests, ranges) and
compressed by Flask-Compress, like every other response. `url_for('static',
filename='css/site.css')` gives `/static/css/site.css?v=<hash>`, where the hash comes from the
file's content: two gunicorn nodes with the same files agree on it without talking to each
other. Such an address is cached for a year (immutable); the plain one for five minutes; one
with another hash (a page from a node that has other files, during a rolling deploy) gets the
current file, marked `no-cache`. docs/performance.md has the measurements behind this choice.
"""

import hashlib
import mimetypes
import os
from functools import lru_cache

from flask import Flask, Response, current_app, request, request_finished
from flask_compress import Compress
from werkzeug.security import safe_join

LONG_CACHE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=300"
STALE_CACHE = "no-cache"
VERSION = "v"  # the query parameter that carries the hash
HASH_LENGTH = 8

# What is worth compressing: text. PDF, images, ZIP, fonts in woff2 are compressed already.
COMPRESSIBLE_TYPES = [
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/ld+json",
    "application/vc",  # a credential with an embedded proof (JSON-LD), and a status list
    "application/jwk-set+json",
    "application/did+json",
    "application/manifest+json",
    "image/svg+xml",
    "text/calendar",
    "text/csv",
    "text/plain",
    "text/xml",
    "application/xml",
]
COMPRESSION_DEFAULTS = {
    "COMPRESS_MIMETYPES": COMPRESSIBLE_TYPES,
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    # A streamed response (a CSV export row by row) goes out as it is written: compressing it
    # would hold bytes back. Static text files are read whole first (below), then compressed.
    "COMPRESS_STREAMS": False,
    "COMPRESS_REGISTER": False,
}
# Static text files up to this size are read into memory to be compressed.
COMPRESS_STATIC_MAX_BYTES = 1024 * 1024


@lru_cache(maxsize=256)
def _content_hash(path: str, mtime_ns: int, size: int) -> str:
    """The file's SHA-256, once per process and version of the file (its mtime and size)."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()[:HASH_LENGTH]


def static_version(filename: str) -> str | None:
    """The hash of a file of the static folder, or None if there is no such file."""
    path = safe_join(current_app.static_folder, filename)
    if path is None or not os.path.isfile(path):
        return None
    stat = os.stat(path)
    return _content_hash(path, stat.st_mtime_ns, stat.st_size)


def version_static_urls(endpoint: str, values: dict) -> None:
    """url_for('static', filename=...) carries the file's hash: `?v=3f2a9c1b`."""
    if endpoint == "static" and "filename" in values and VERSION not in values:
        version = static_version(values["filename"])
        if version is not None:
            values[VERSION] = version


def cache_static(response: Response) -> Response:
    """A static file's cache, by its address; text read whole, so that it gets compressed."""
    if request.endpoint != "static" or response.status_code >= 400:
        return response
    asked = request.args.get(VERSION)
    if asked is None:
        response.headers["Cache-Control"] = SHORT_CACHE
    elif asked == static_version(request.view_args["filename"]):
        response.headers["Cache-Control"] = LONG_CACHE
    else:
        response.headers["Cache-Control"] = STALE_CACHE
    if (
        response.status_code == 200
        and response.direct_passthrough
        and response.mimetype in current_app.config["COMPRESS_MIMETYPES"]
        and (response.content_length or 0) <= COMPRESS_STATIC_MAX_BYTES
    ):
        # Flask sends a file as a stream, which Flask-Compress leaves alone: read it whole, and
        # close it now rather than when the server closes the response.
        response.direct_passthrough = False
        body = response.get_data()
        response.close()
        response.set_data(body)
    return response


def unvary_static_on_cookie(sender: Flask, response: Response, **extra) -> None:
    """A static file is the same whoever asks: no `Vary: Cookie` on it (on an error page, yes).

    Flask adds that header once anything has looked at the session, and Flask-Login looks after
    every request. Left there, a browser would fetch the stylesheet again after each login,
    and a shared cache would keep one copy per visitor. The session is saved (and the header
    added) after every after_request function, so this runs on request_finished, just after.
    """
    if request.endpoint == "static" and response.status_code < 400 and "Cookie" in response.vary:
        # Rewritten whole: werkzeug's HeaderSet.remove("Cookie") leaves the header as it was.
        response.headers["Vary"] = ", ".join(v for v in response.vary if v.lower() != "cookie")


def compress_response(response: Response) -> Response:
    """Compress a text response the browser accepts compressed (Flask-Compress chooses how).

    A page with a secret in it (the CSRF token) must not be compressed for a request another
    site made the browser send: that is how BREACH guesses secrets from sizes. Session cookies
    are SameSite=Lax already; this makes sure a cross-site navigation gets plain HTML.
    """
    if request.headers.get("Sec-Fetch-Site") == "cross-site" and response.mimetype == "text/html":
        response.vary.add("Accept-Encoding")
        return response
    return current_app.extensions["compress"].after_request(response)


def register_assets(app: Flask) -> None:
    """Hashed static URLs, their cache headers, and compression."""
    for key, value in COMPRESSION_DEFAULTS.items():
        app.config.setdefault(key, value)
    # Python's own table has no .woff2 (the system's mime.types may, or may not): the web
    # fonts (static/fonts/) must go out as font/woff2, which browsers and nosniff expect.
    mimetypes.add_type("font/woff2", ".woff2")
    app.extensions["compress"] = Compress(app)
    app.after_request(compress_response)
    if app.static_folder is None:
        return
    app.after_request(cache_static)  # runs before compress_response: registered after it
    app.url_defaults(version_static_urls)
    request_finished.connect(unvary_static_on_cookie, app)
