"""Column types shared by the models."""

from datetime import UTC, datetime
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import DateTime, Enum
from sqlalchemy.types import TypeDecorator

# Table options for the tables whose ids are kept where no foreign key follows them: audit
# events' object ids, a certificate's enrolment once that is gone, attempts' question and choice
# ids (JSON). SQLite gives a new row the highest id + 1, so deleting the newest row would hand its
# id to the next one; AUTOINCREMENT never hands out an id twice (PostgreSQL's sequences never do).
IDS_NEVER_REUSED = {"sqlite_autoincrement": True}


def string_enum(kind: type[StrEnum]) -> Enum:
    """Store a StrEnum as its value in a short string column, the same on every database."""
    return Enum(
        kind,
        native_enum=False,
        length=20,
        values_callable=lambda members: [m.value for m in members],
    )


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store aware datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso_or_none(moment: datetime | None) -> str | None:
    """A moment as ISO 8601 text, for plain-data exports; None stays None."""
    return moment.isoformat() if moment else None


def render_migration_type(kind: str, value, autogen_context):
    """Write UTCDateTime into migrations as the plain column type it stores."""
    if kind == "type" and isinstance(value, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


EnumT = TypeVar("EnumT", bound=StrEnum)


def enum_or_none(kind: type[EnumT], value: str | None) -> EnumT | None:
    """The member of `kind` with this value, or None for anything else (query strings)."""
    try:
        return kind(value)
    except ValueError:
        return None
