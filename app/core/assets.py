"""Light pages: static files under fingerprinted names, cached for a year; responses compressed.

`url_for('static', filename='css/site.css')` gives `/static/css/site.<hash>.css`, where the hash
comes from the file's content: two gunicorn nodes with the same files agree on it without
talking to each other. That address is served with a year-long immutable cache header, so a
returning phone fetches nothing but the page. The plain name (old pages, bookmarks) is still
served, with a short cache. A fingerprint that is not the current file's (a page rendered by
a node that has other files, during a rolling deploy) also gets the current file, marked
`no-cache`: an unstyled page would be worse, and no cache keeps those bytes under that name.

Text static files are read, hashed and compressed (brotli and gzip, at their highest levels)
once per process, the first time they are asked for; other responses are compressed per request
by Flask-Compress, except streamed ones and types that are compressed already (PDF, images, ZIP).
"""

import gzip
import hashlib
import mimetypes
import os
import posixpath
import re
import threading
from dataclasses import dataclass, field
from typing import Any

import brotli
from flask import Flask, Response, current_app, request, request_finished, send_from_directory
from flask_compress import Compress
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

LONG_CACHE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=300"
STALE_CACHE = "no-cache"
HASH_LENGTH = 8
# "site.3f2a9c1b.css" is "site.css" as it was when its sha256 began with 3f2a9c1b.
FINGERPRINTED = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{8})(?P<ext>\.[^./]+)?$")
# Text files up to this size are kept in memory with their compressed forms.
PRECOMPRESS_MAX_BYTES = 1024 * 1024

# What is worth compressing: text. PDF, images, ZIP, fonts in woff2 are compressed already.
COMPRESSIBLE_TYPES = [
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/ld+json",
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
    # A streamed response (a CSV export row by row, a file sent from disk) goes out as it is
    # written: compressing it would hold bytes back. Static files are compressed below.
    "COMPRESS_STREAMS": False,
    "COMPRESS_REGISTER": False,
}


@dataclass
class StaticAsset:
    """One file of the static folder: its content hash and, for text, its bytes in each encoding."""

    filename: str
    mimetype: str
    digest: str
    mtime_ns: int
    encodings: dict[str, bytes] = field(default_factory=dict)  # "identity", "br", "gzip"

    @property
    def fingerprinted_name(self) -> str:
        head, ext = os.path.splitext(self.filename)
        return f"{head}.{self.digest[:HASH_LENGTH]}{ext}"

    @property
    def is_in_memory(self) -> bool:
        return "identity" in self.encodings


class StaticAssets:
    """The static folder's files, read once per process (again when changed, in debug mode)."""

    def __init__(self, folder: str, compressible: set[str]):
        self.folder = folder
        self.compressible = compressible
        self._assets: dict[str, StaticAsset] = {}
        self._lock = threading.Lock()

    def get(self, filename: str, *, check_changes: bool = False) -> StaticAsset | None:
        """The file at this path under the static folder, or None if there is none."""
        asset = self._assets.get(filename)
        if asset is not None and not check_changes:
            return asset
        # Only files that exist are remembered, under their normalised name: made-up
        # addresses cannot grow this dictionary.
        path = safe_join(self.folder, filename)
        if path is None or not os.path.isfile(path):
            return None
        name = posixpath.normpath(filename)
        asset = self._assets.get(name)
        if asset is not None and (not check_changes or os.stat(path).st_mtime_ns == asset.mtime_ns):
            return asset
        with self._lock:
            asset = self._read(name, path)
            self._assets[name] = asset
        return asset

    def _read(self, filename: str, path: str) -> StaticAsset:
        mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        stat = os.stat(path)
        asset = StaticAsset(filename, mimetype, "", stat.st_mtime_ns)
        if mimetype in self.compressible and stat.st_size <= PRECOMPRESS_MAX_BYTES:
            with open(path, "rb") as file:
                data = file.read()
            asset.digest = hashlib.sha256(data).hexdigest()
            asset.encodings["identity"] = data
            # mtime=0: the same bytes (and so the same ETag) on every node.
            for name, packed in (
                ("br", brotli.compress(data, quality=11)),
                ("gzip", gzip.compress(data, compresslevel=9, mtime=0)),
            ):
                if len(packed) < len(data):
                    asset.encodings[name] = packed
        else:
            with open(path, "rb") as file:
                asset.digest = hashlib.file_digest(file, "sha256").hexdigest()
        return asset

    def resolve(self, requested: str, *, check_changes: bool = False):
        """(asset, how to cache it) for a requested name, plain or fingerprinted; None if none."""
        asset = self.get(requested, check_changes=check_changes)
        if asset is not None:
            return asset, SHORT_CACHE
        directory, base = posixpath.split(requested)
        match = FINGERPRINTED.match(base)
        if match is None:
            return None
        plain = posixpath.join(directory, match["stem"] + (match["ext"] or ""))
        asset = self.get(plain, check_changes=check_changes)
        if asset is None:
            return None
        if asset.digest[:HASH_LENGTH] == match["hash"]:
            return asset, LONG_CACHE
        return asset, STALE_CACHE


def _assets() -> StaticAssets:
    return current_app.extensions["static_assets"]


def _check_changes() -> bool:
    return current_app.debug or bool(current_app.config.get("TEMPLATES_AUTO_RELOAD"))


def fingerprint_static_urls(endpoint: str, values: dict[str, Any]) -> None:
    """url_for('static', filename=...) names the file with its content hash."""
    if endpoint != "static" or "filename" not in values:
        return
    asset = _assets().get(values["filename"], check_changes=_check_changes())
    if asset is not None:
        values["filename"] = asset.fingerprinted_name


def serve_static(filename: str) -> Response:
    """A static file, compressed when it is text and the browser accepts it, with its cache."""
    found = _assets().resolve(filename, check_changes=_check_changes())
    if found is None:
        raise NotFound()
    asset, cache_control = found
    if asset.is_in_memory:
        encoding = request.accept_encodings.best_match(
            [name for name in ("br", "gzip") if name in asset.encodings]
        )
        body = asset.encodings[encoding or "identity"]
        response = current_app.response_class(body, mimetype=asset.mimetype)
        etag = asset.digest[:32]
        if encoding:
            response.headers["Content-Encoding"] = encoding
            etag = f"{etag}:{encoding}"  # another representation, so another strong ETag
        response.set_etag(etag)
        response.vary.add("Accept-Encoding")
        response.headers["Cache-Control"] = cache_control
        return response.make_conditional(request)
    # Images, fonts, PDFs: sent from disk as Flask does (ranges, conditional requests).
    response = send_from_directory(
        _assets().folder, asset.filename, mimetype=asset.mimetype, etag=asset.digest[:32]
    )
    response.headers["Cache-Control"] = cache_control
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
    """Fingerprinted static URLs, cached static files, and compression."""
    for key, value in COMPRESSION_DEFAULTS.items():
        app.config.setdefault(key, value)
    app.extensions["compress"] = Compress(app)
    app.after_request(compress_response)
    if app.static_folder is None:
        return
    app.extensions["static_assets"] = StaticAssets(
        app.static_folder, set(app.config["COMPRESS_MIMETYPES"])
    )
    app.url_defaults(fingerprint_static_urls)
    app.view_functions["static"] = serve_static
    request_finished.connect(unvary_static_on_cookie, app)
