"""Redirect targets taken from the request (`?next=`), limited to paths on this site."""

from urllib.parse import urlsplit


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
