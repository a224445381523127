"""People who use the server: their profile, site-wide role and login state."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.core.i18n import LANGUAGES
from app.core.models import TimestampMixin
from app.core.permissions import Role
from app.core.types import IDS_NEVER_REUSED, UTCDateTime, string_enum
from app.extensions import db


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        # Lists of people sort by name, then id (the progress report's page reads it in order).
        Index("ix_users_lower_name", func.lower(text("name")), "id"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(string_enum(Role), default=Role.LEARNER)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Part of the login cookie: raising it ends every session and remember-me cookie at once.
    session_version: Mapped[int] = mapped_column(default=1)
    # When the person proved they receive mail at `email` (a registration's link, a password
    # reset); None until then. Accounts made by admins or on the command line start confirmed.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    preferred_language: Mapped[str] = mapped_column(String(8), default="en")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    # The name as the learner confirmed it should be printed on certificates.
    certificate_name: Mapped[str | None] = mapped_column(String(200))
    certificate_name_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    staff_memberships = relationship(
        "CourseStaff", back_populates="user", cascade="all, delete-orphan"
    )  # loaded when needed: only instructors' memberships count

    def set_password(self, password: str, method: str = "scrypt") -> None:
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """The login cookie's identity: the id and the current session version."""
        return f"{self.id}:{self.session_version}"

    def end_all_sessions(self) -> None:
        self.session_version += 1

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def staffed_course_ids(self) -> set[int]:
        """Courses this user teaches (instructors only: a demoted instructor teaches none)."""
        if self.role != Role.INSTRUCTOR:
            return set()
        return {membership.course_id for membership in self.staff_memberships}

    @property
    def is_staff(self) -> bool:
        """An admin, or an instructor of at least one course."""
        return self.is_admin or bool(self.staffed_course_ids)

    @property
    def has_confirmed_email(self) -> bool:
        """Applying to a cohort needs it: decisions and certificates go to this address."""
        return self.email_confirmed_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def language_name(self) -> str:
        return LANGUAGES.get(self.preferred_language, self.preferred_language)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role.value}>"
