"""The append-only audit log: who did what, when, to which object, from which address."""

from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.core.types import UTCDateTime, utcnow
from app.extensions import db


class AuditLogError(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


class AuditEvent(db.Model):
    """One recorded action. Rows are only ever added (see `refuse_audit_changes`)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # No cascade: accounts are anonymised, never deleted, so the trail keeps its actors.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor = relationship("User", foreign_keys=[actor_id])

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} {self.object_type}:{self.object_id}>"


def record(
    action: str,
    *,
    actor=None,
    target=None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session; it is committed with the change it describes."""
    event_row = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=target.__tablename__ if target is not None else None,
        object_id=str(target.id) if target is not None else None,
        ip_address=request.remote_addr if has_request_context() else None,
        details=details or {},
    )
    db.session.add(event_row)
    return event_row


@event.listens_for(Session, "before_flush")
def refuse_audit_changes(session: Session, flush_context, instances) -> None:
    """Keep the log append-only: an edited or deleted event stops the whole flush."""
    for changed in (*session.dirty, *session.deleted):
        if isinstance(changed, AuditEvent):
            raise AuditLogError("audit events cannot be changed or deleted")
