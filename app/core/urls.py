"""Addresses: redirect targets taken from the request (`?next=`), limited to paths on this
site, and the absolute links that leave the site, built from PUBLIC_URL."""

from urllib.parse import quote, urlsplit

from flask import current_app
from werkzeug.routing import MapAdapter


def safe_next_path(target: str | None) -> str | None:
    """Return target if it is a path on this site, else None.

    Refuses absolute URLs, scheme-relative ones (`//evil.example`), backslash tricks that
    browsers read as `//` (`/\\evil.example`) and control characters.
    """
    if not target or not target.startswith("/") or len(target) > 2000:
        return None
    if target.startswith("//") or "\\" in target:
        return None
    if any(ord(character) < 32 or ord(character) == 127 for character in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def is_https_url(value: object, max_length: int = 500) -> bool:
    """An absolute https:// address with a host, of at most max_length characters.

    Meeting and recording links must pass this: a `javascript:` or plain `http:` link would
    put learners at risk, and the join redirect refuses anything else.
    """
    if not isinstance(value, str) or len(value) > max_length:
        return False
    if any(ord(character) < 33 or ord(character) == 127 for character in value):
        return False
    parts = urlsplit(value)
    return parts.scheme == "https" and bool(parts.hostname)


# What Flask's url_for leaves unquoted in an `_anchor`.
ANCHOR_SAFE = "!#$&'()*+,/:;=?@"


def public_url(path: str = "") -> str:
    """An absolute address on the server as people reach it: PUBLIC_URL, never the request.

    Every link that leaves the site (mails, certificates, calendars, QR codes) is built here:
    a Host or X-Forwarded-Host header chosen by the sender must not end up in a victim's mail.
    """
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def public_url_adapter() -> MapAdapter:
    """The app's URL map bound to PUBLIC_URL's scheme, host and path."""
    parts = urlsplit(current_app.config["PUBLIC_URL"])
    return current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "http"
    )


def public_url_for(endpoint: str, **values) -> str:
    """Like `url_for(..., _external=True)`, but from PUBLIC_URL (and outside a request too)."""
    anchor = values.pop("_anchor", None)
    current_app.inject_url_defaults(endpoint, values)
    address = public_url_adapter().build(endpoint, values, force_external=True)
    return f"{address}#{quote(anchor, safe=ANCHOR_SAFE)}" if anchor else address
