"""Every write to accounts: registration, logins, passwords, profile, roles, deletion."""

import hashlib
import secrets
from dataclasses import dataclass
from functools import cache

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts.models import User
from app.accounts.passwords import password_problem
from app.core import audit
from app.core.events import person_records
from app.core.mail import send_to_user_after_commit
from app.core.permissions import Role
from app.core.types import utcnow
from app.core.urls import public_url_for
from app.extensions import db

# A reserved domain: a valid address that never receives mail. Create your own admin after.
DEFAULT_ADMIN_EMAIL = "admin@caring-cities.example"
PROFILE_FIELDS = (
    "name",
    "organisation",
    "position",
    "city",
    "country",
    "preferred_language",
    "time_zone",
)
RESET_SALT = "password-reset"
CONFIRMATION_SALT = "email-confirmation"


class AccountError(ValueError):
    """A change to an account that cannot be made, with a sentence saying why."""


@dataclass(frozen=True)
class LinkProblem:
    """Why a link from a mail (reset, confirmation) cannot be used, as a sentence."""

    message: str


def _hash_method() -> str:
    return current_app.config["PASSWORD_HASH_METHOD"]


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def _valid_address(email: str) -> str:
    email = email.strip().lower()
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise AccountError(
            _("%(email)s is not a valid e-mail address: %(error)s", email=email, error=error)
        ) from error
    return email


def create_user(
    email: str,
    password: str,
    *,
    name: str,
    role: Role = Role.LEARNER,
    actor: User | None = None,
    confirmed: bool = True,
    **profile: str,
) -> User:
    """Add an account; refuses a taken address or a password the rules refuse.

    Accounts an admin or the command line creates start with a confirmed address; one made
    on the registration form (`register`) waits for its owner to open the link mailed to it.
    """
    email = _valid_address(email)
    if find_user_by_email(email) is not None:
        raise AccountError(_("An account already uses this e-mail address."))
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise AccountError(problem)
    user = User(email=email, name=name.strip(), role=role)
    if confirmed:
        user.email_confirmed_at = utcnow()
    for field, value in profile.items():
        if field not in PROFILE_FIELDS:
            raise TypeError(f"unknown profile field {field!r}")
        setattr(user, field, value)
    user.set_password(password, _hash_method())
    db.session.add(user)
    db.session.flush()
    audit.record("account.created", actor=actor or user, target=user, details={"role": role.value})
    return user


def register(email: str, password: str, *, name: str, **profile: str) -> User | None:
    """Sign up from the registration form, doing the same work whether the address is taken.

    A new address gets an account waiting for confirmation and a mail with the link; a taken
    one is left as it is, and its owner gets a mail saying someone tried. Both branches hash
    the password once and queue one mail, which leaves after the response (core/mail.py), so
    neither the page nor its timing says which happened. Returns the new account, or None.
    """
    existing = find_user_by_email(_valid_address(email))
    if existing is None:
        try:
            with db.session.begin_nested():
                user = create_user(email, password, name=name, confirmed=False, **profile)
        except IntegrityError:  # the same address registered twice at once: the first one won
            existing = find_user_by_email(email)
        else:
            send_confirmation(user)
            return user
    else:
        # As long as making an account takes: the hash is the slow part of both branches.
        generate_password_hash(password, method=_hash_method())
    if existing is not None and existing.is_active:
        audit.record("account.registration_attempted", target=existing)
        send_to_user_after_commit(
            existing,
            _l("Someone tried to register with your address at Caring Cities"),
            "mail/registration_attempt.txt",
            user=existing,
            login_link=public_url_for("accounts.login"),
            reset_link=public_url_for("accounts.forgot_password"),
        )
    return None


def _confirmation_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRMATION_SALT)


def send_confirmation(user: User) -> None:
    """Mail the account's owner a link that confirms their address (it expires, see config)."""
    token = _confirmation_serializer().dumps({"user": user.id, "email": user.email})
    send_to_user_after_commit(
        user,
        _l("Confirm your e-mail address for Caring Cities"),
        "mail/confirm_email.txt",
        user=user,
        link=public_url_for("accounts.confirm_email", token=token),
        days=current_app.config["EMAIL_CONFIRMATION_MAX_AGE"] // (24 * 60 * 60),
    )


def user_for_confirmation_token(token: str) -> User | LinkProblem:
    """The account a confirmation link is for, or why the link cannot be used."""
    try:
        payload = _confirmation_serializer().loads(
            token, max_age=current_app.config["EMAIL_CONFIRMATION_MAX_AGE"]
        )
    except SignatureExpired:
        return LinkProblem(_("This confirmation link has expired. Log in and ask for a new one."))
    except BadSignature:
        return LinkProblem(_("This confirmation link is not valid."))
    user = db.session.get(User, payload.get("user")) if isinstance(payload, dict) else None
    # The address is part of the link: a link for an erased account's address confirms nothing.
    if user is None or not user.is_active or payload.get("email") != user.email:
        return LinkProblem(_("This confirmation link is not valid."))
    return user


def confirm_email(user: User) -> bool:
    """Record that the owner receives mail at the account's address; False if known already."""
    if user.has_confirmed_email:
        return False
    user.email_confirmed_at = utcnow()
    audit.record("account.email_confirmed", actor=user, target=user)
    return True


def ensure_admin(email: str = DEFAULT_ADMIN_EMAIL) -> tuple[User, str | None]:
    """Create an admin with a generated password if there is none; return it and the password.

    The password is returned only when the account is created, to be shown once.
    """
    existing = db.session.scalar(select(User).where(User.role == Role.ADMIN).limit(1))
    if existing is not None:
        return existing, None
    password = secrets.token_urlsafe(15)
    admin = create_user(email, password, name="Administrator", role=Role.ADMIN)
    return admin, password


@cache
def _decoy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def authenticate(email: str, password: str) -> User | None:
    """The active account with this address and password, or None."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        # Hash anyway, so an unknown address takes as long to refuse as a wrong password.
        check_password_hash(_decoy_hash(_hash_method()), password)
        return None
    if not user.check_password(password):
        return None
    return user


def record_login(user: User) -> None:
    user.last_login_at = utcnow()
    audit.record("account.logged_in", actor=user, target=user)


def log_out_everywhere(user: User) -> None:
    """End this and every other session of the user, remember-me cookies included."""
    user.end_all_sessions()
    audit.record("account.logged_out", actor=user, target=user)


def change_password(user: User, new_password: str, *, actor: User, action: str) -> None:
    """Set a new password and end every session made with the old one."""
    problem = password_problem(new_password, email=user.email, name=user.name)
    if problem:
        raise AccountError(problem)
    user.set_password(new_password, _hash_method())
    user.end_all_sessions()
    audit.record(action, actor=actor, target=user)


def update_profile(user: User, **values: str) -> list[str]:
    """Save profile fields; returns the names of those that changed."""
    changed = []
    for field, value in values.items():
        if field not in PROFILE_FIELDS:
            raise TypeError(f"unknown profile field {field!r}")
        if getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if changed:
        audit.record(
            "account.profile_updated", actor=user, target=user, details={"fields": changed}
        )
    return changed


def reset_password(user: User, new_password: str) -> None:
    """Set the password chosen from a reset link, which also proves the address."""
    change_password(user, new_password, actor=user, action="account.password_reset")
    confirm_email(user)


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def _password_fingerprint(user: User) -> str:
    """Changes whenever the password does, which makes a used reset link worthless."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:24]


def make_reset_token(user: User) -> str:
    return _reset_serializer().dumps({"user": user.id, "password": _password_fingerprint(user)})


def user_for_reset_token(token: str) -> User | LinkProblem:
    """The account a reset link is for, or why the link cannot be used."""
    try:
        payload = _reset_serializer().loads(
            token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"]
        )
    except SignatureExpired:
        return LinkProblem(_("This reset link has expired. Ask for a new one."))
    except BadSignature:
        return LinkProblem(_("This reset link is not valid. Ask for a new one."))
    if not isinstance(payload, dict):
        return LinkProblem(_("This reset link is not valid. Ask for a new one."))
    user = db.session.get(User, payload.get("user"))
    if user is None or not user.is_active:
        return LinkProblem(_("This reset link is not valid. Ask for a new one."))
    if payload.get("password") != _password_fingerprint(user):
        return LinkProblem(_("This reset link was already used. Ask for a new one."))
    return user


def set_active(user: User, is_active: bool, *, actor: User) -> None:
    """Deactivate (ending every session) or reactivate an account."""
    if user.is_deleted:
        raise AccountError(_("A deleted account cannot be reactivated."))
    if user.is_active == is_active:
        return
    if not is_active:
        if user.id == actor.id:
            raise AccountError(_("You cannot deactivate your own account."))
        _refuse_removing_last_admin(user)
    user.is_active = is_active
    if not is_active:
        user.end_all_sessions()
    audit.record(
        "account.reactivated" if is_active else "account.deactivated", actor=actor, target=user
    )


def _refuse_removing_last_admin(user: User) -> None:
    if user.role != Role.ADMIN:
        return
    admins = db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.ADMIN, User.is_active.is_(True))
    )
    if admins <= 1:
        raise AccountError(_("This is the only admin. Make someone else an admin first."))


def set_role(user: User, role: Role, *, actor: User | None) -> None:
    """Change a user's site role; refuses to leave the site without an active admin."""
    if user.role == role:
        return
    if role != Role.ADMIN:
        _refuse_removing_last_admin(user)
    previous = user.role
    user.role = role
    audit.record(
        "account.role_changed",
        actor=actor,
        target=user,
        details={"from": previous.value, "to": role.value},
    )


def _certificate_names_logged(user: User) -> list[str]:
    """The names to print a person confirmed or corrected, as the audit log holds them."""
    details = db.session.scalars(
        select(audit.AuditEvent.details).where(
            audit.AuditEvent.object_type == User.__tablename__,
            audit.AuditEvent.object_id == str(user.id),
            audit.AuditEvent.action.in_(
                ["certificate.name_confirmed", "certificate.name_corrected"]
            ),
        )
    )
    return [
        value
        for entry in details
        for key in ("name", "previous")
        if isinstance(value := entry.get(key), str)
    ]


def delete_account(user: User) -> None:
    """Erase a person's data and close the account.

    The row stays, emptied, so the audit trail keeps pointing at "a deleted account";
    applications, enrolments, progress, quiz attempts, attendance, recording views, the
    calendar feed, staff roles, certificates not yet issued and the mail sent to them go, and
    the audit log's details lose the person's names and address. Issued certificates stay,
    with the name they print (their public page is relied on). See docs/accounts.md.
    """
    _refuse_removing_last_admin(user)
    # Every spelling of the person's name the server holds, to erase from the audit log too.
    names = [user.name, user.certificate_name or ""]
    names += _certificate_names_logged(user)
    # Each package erases what it keeps (app/core/events.py), the highest first.
    names += person_records.erase(user)
    audit.erase_person(names, [user.email])
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.name = "Deleted account"
    for field in ("organisation", "position", "city", "country"):
        setattr(user, field, "")
    user.certificate_name = None
    user.certificate_name_confirmed_at = None
    user.password_hash = ""
    user.role = Role.LEARNER
    user.is_active = False
    user.deleted_at = utcnow()
    user.end_all_sessions()
    audit.record("account.deleted", actor=user, target=user)
    db.session.flush()
