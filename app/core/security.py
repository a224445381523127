"""Security headers sent with every response, and no caching of personal ones."""

from flask import Flask, Response, request
from flask_login import current_user

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "media-src 'self' https:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Sent only when the site is served over HTTPS (HTTPS=true): browsers then refuse plain HTTP
# to it, and its subdomains, for a year.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"
# What a response to a logged-in person gets: neither a shared cache (a proxy, a city hall's
# gateway) nor the browser's disk keeps their dashboard, account or admin pages.
PERSONAL_CACHE_CONTROL = "private, no-store"


def keep_personal_responses_out_of_caches(response: Response) -> Response:
    """Every response to a logged-in person is `no-store`, unless its view said public.

    A view that sends the same bytes to everyone (a course image, the published keys) says
    so with `Cache-Control: public`; anything else shown to a logged-in person may be theirs
    (`no-cache`, as send_file puts it, still lets a cache keep it). Static files keep their
    own caching and never load the user.
    """
    cache = response.cache_control
    if request.endpoint == "static" or cache.public or cache.no_store:
        return response
    if current_user.is_authenticated:
        response.headers["Cache-Control"] = PERSONAL_CACHE_CONTROL
    return response


def register_security_headers(app: Flask) -> None:
    headers = dict(SECURITY_HEADERS)
    if app.config.get("HTTPS"):
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    app.after_request(keep_personal_responses_out_of_caches)
