"""Mixins and helpers shared by the models."""

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.core.types import UTCDateTime, utcnow
from app.extensions import db


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


def add_unless_duplicate(row) -> bool:
    """Insert a row in a savepoint; False when a unique constraint says it exists already.

    For records a person can make twice at once (two tabs, a double click): the first insert
    wins and the second changes nothing, on SQLite and PostgreSQL alike.
    """
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return False
    return True


def insert_ignoring_duplicates(model):
    """An INSERT for `model` that can skip rows whose unique key exists already (add
    `.on_conflict_do_nothing(...)`): PostgreSQL's or SQLite's, as the database is.

    For work that several workers may do at once (a pass writing a cohort's reminders): each
    row is written by exactly one of them, and none fails for the others' rows.
    """
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)
