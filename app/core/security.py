"""Security headers sent with every response, no caching of personal ones, and the session
cookie's signer made once."""

from flask import Flask, Response, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from flask_login.config import COOKIE_NAME as REMEMBER_COOKIE
from itsdangerous import URLSafeTimedSerializer

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


def brings_a_login() -> bool:
    """Whether the request is a logged-in person's, without loading them to find out.

    If something loaded the person (the view, a template), that answer; else whether the
    request carries a login at all (a session with a user, a remember-me cookie). A revoked
    one counts too: a response is then kept out of caches that could have kept it, no worse.
    """
    if "_login_user" in g:  # Flask-Login's user of this request, once loaded
        # Not is_authenticated: it reads a column, which after a commit is a query.
        return not current_user.is_anonymous
    remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", REMEMBER_COOKIE)
    return "_user_id" in session or remember_cookie in request.cookies


def keep_personal_responses_out_of_caches(response: Response) -> Response:
    """Every response to a logged-in person is `no-store`, unless its view said public.

    A view that sends the same bytes to everyone (a course image, the published keys) says
    so with `Cache-Control: public`; anything else shown to a logged-in person may be theirs
    (`no-cache`, as send_file puts it, still lets a cache keep it). Static files keep their
    own caching. Nothing here loads the user (a query, for /healthz or a public page).
    """
    if request.endpoint == "static":
        return response
    if "Cache-Control" in response.headers:
        cache = response.cache_control
        if cache.public or cache.no_store:
            return response
    if brings_a_login():
        response.headers["Cache-Control"] = PERSONAL_CACHE_CONTROL
    return response


def security_headers(config) -> tuple[tuple[str, str], ...]:
    """The headers every response gets, for this configuration (computed once, at startup)."""
    headers = dict(SECURITY_HEADERS)
    if config.get("HTTPS"):
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    return tuple(headers.items())


class SignedOnceSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with its signer made once per key rather than twice a
    request (to read the cookie, and to write it). A changed SECRET_KEY or
    SECRET_KEY_FALLBACKS makes a new one."""

    def __init__(self) -> None:
        self._signers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        signer = self._signers.get(keys)
        if signer is None:
            signer = super().get_signing_serializer(app)
            self._signers = {keys: signer}  # one key set at a time: nothing accumulates
        return signer


def register_security_headers(app: Flask) -> None:
    """The security headers (worked out here, once) on every response, and no caching of a
    logged-in person's."""
    headers = tuple((name, value, name.lower()) for name, value in security_headers(app.config))
    names = frozenset(lowered for _name, _value, lowered in headers)

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        # One pass over what the view set (a view may set its own Referrer-Policy), rather
        # than a scan of the response's headers for each of ours.
        present = names.intersection(response.headers.keys(lower=True))
        for name, value, lowered in headers:
            if lowered not in present:
                response.headers.add(name, value)
        return response

    app.after_request(keep_personal_responses_out_of_caches)
