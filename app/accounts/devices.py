"""Device cookies (OWASP): a browser an account has logged in from is not locked out with it.

A successful login leaves a signed cookie naming the account and a random nonce. A login
attempt that carries a valid one for the account it names is throttled under that nonce
alone, so a stranger's failures (counted against the account for every other browser) do
not lock the owner's own browser out; the owner's failures lock only that cookie.

The cookie is stateless, signed with SECRET_KEY: every node checks it without a table, and
its failure count lives in the rate-limit storage beside the others. It holds a fingerprint
of the password hash too, so a password change or reset takes the trust back from every
browser (the one that changes it gets a new cookie at its next login).
"""

import hashlib
import secrets

from flask import Response, current_app, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.accounts.models import User
from app.extensions import db

COOKIE_NAME = "trusted_device"
SALT = "device-cookie"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _password_fingerprint(user: User) -> str:
    return hashlib.sha256(f"device:{user.password_hash}".encode()).hexdigest()[:24]


def remember_device(response: Response, user: User) -> None:
    """Mark this browser as one the user logs in from (a fresh nonce at every login)."""
    token = _serializer().dumps(
        {
            "user": user.id,
            "nonce": secrets.token_urlsafe(16),
            "password": _password_fingerprint(user),
        }
    )
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=current_app.config["DEVICE_COOKIE_MAX_AGE"],
        path=url_for("accounts.login"),  # sent with login attempts, and nowhere else
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Strict",
    )


def trusted_nonce(token: str | None, email: str) -> str | None:
    """The nonce of a valid device cookie for the account with this address, else None."""
    if not token:
        return None
    try:
        payload = _serializer().loads(token, max_age=current_app.config["DEVICE_COOKIE_MAX_AGE"])
    except BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("user"), int):
        return None
    # By id, then the address compared here: the typed address never reaches the database.
    user = db.session.get(User, payload["user"])
    if user is None or not user.is_active or user.email != email:
        return None
    if payload.get("password") != _password_fingerprint(user):
        return None
    nonce = payload.get("nonce")
    return nonce if isinstance(nonce, str) and nonce else None
