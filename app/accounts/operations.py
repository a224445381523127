"""Every write to accounts."""

import secrets

from sqlalchemy import select

from app.accounts.models import Role, User
from app.extensions import db

DEFAULT_ADMIN_EMAIL = "admin@localhost"


def ensure_admin(email: str = DEFAULT_ADMIN_EMAIL) -> tuple[User, str | None]:
    """Create an admin with a generated password if there is none; return it and the password.

    The password is returned only when the account is created, to be shown once.
    """
    existing = db.session.scalar(select(User).where(User.role == Role.ADMIN).limit(1))
    if existing is not None:
        return existing, None
    password = secrets.token_urlsafe(15)
    admin = User(email=email.strip().lower(), name="Administrator", role=Role.ADMIN)
    admin.set_password(password)
    db.session.add(admin)
    db.session.flush()
    return admin, password
