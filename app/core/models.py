"""Mixins shared by the models."""

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from app.core.types import UTCDateTime, utcnow


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
