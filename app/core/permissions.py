"""Who may do what: site roles, and the decorators that guard views.

Course-level rules live on the models (`course.can_manage(user)`, `course.can_read_lessons(user)`);
templates and views call those and never compare role strings.
"""

from collections.abc import Callable
from enum import StrEnum
from functools import wraps

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required


class Role(StrEnum):
    LEARNER = "learner"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"

    @property
    def label(self):
        """The role's name in the reader's language (a lazy string: `str()` it to store it)."""
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.LEARNER: _l("Learner"),
    Role.INSTRUCTOR: _l("Instructor"),
    Role.ADMIN: _l("Admin"),
}


def role_required(*roles: Role) -> Callable:
    """Let in logged-in users whose role is one of `roles` (admins always); others get 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def guarded(*args, **kwargs):
            if not (current_user.is_admin or current_user.role in roles):
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorator


def staff_required(view: Callable) -> Callable:
    """Let in admins and the staff of at least one course; others get 403."""

    @wraps(view)
    @login_required
    def guarded(*args, **kwargs):
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return guarded


admin_required = role_required(Role.ADMIN)
