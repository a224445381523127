"""The append-only audit log: who did what, when, to which object, from which address."""

import json
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import JSON, ForeignKey, String, Text, cast, event, func, or_, select, update
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


ERASED = "[erased]"


def _erased(value: Any, names: set[str], addresses: list[str]) -> Any:
    """`value` with every string that is one of the names, or holds an address, erased."""
    if isinstance(value, dict):
        return {key: _erased(item, names, addresses) for key, item in value.items()}
    if isinstance(value, list):
        return [_erased(item, names, addresses) for item in value]
    if isinstance(value, str):
        folded = value.strip().casefold()
        if folded in names or any(address in folded for address in addresses):
            return ERASED
    return value


def erase_person(names: list[str], addresses: list[str]) -> int:
    """Erase a deleted account's names and e-mail addresses from the details of past events.

    The one change the log allows, for erasure: who did what, when, stays; the person's own
    words go. It is a bulk UPDATE, which `refuse_audit_changes` does not see. A name counts
    only as a whole value (a short name would match inside unrelated words); an address
    anywhere in a value. Returns how many events changed.
    """
    texts = [text.strip() for text in (*names, *addresses) if text and text.strip()]
    if not texts:
        return 0
    names = {name.strip().casefold() for name in names if name and name.strip()}
    addresses = [address.strip().casefold() for address in addresses if address]
    # A cheap first sieve in SQL, on the JSON as stored: SQLAlchemy escapes what is not ASCII
    # ("\u00c7"), and SQL's lower() leaves such escapes as they are. The exact test is `_erased`.
    stored = func.lower(cast(AuditEvent.details, Text))
    patterns = {
        form.lower()
        for text in texts
        for form in (text, json.dumps(text)[1:-1], json.dumps(text.lower())[1:-1])
    }
    candidates = db.session.execute(
        select(AuditEvent.id, AuditEvent.details).where(
            or_(*(stored.contains(pattern, autoescape=True) for pattern in patterns))
        )
    ).all()
    changed = 0
    for event_id, details in candidates:
        erased = _erased(details, names, addresses)
        if erased != details:
            db.session.execute(
                update(AuditEvent)
                .where(AuditEvent.id == event_id)
                .values(details=erased)
                .execution_options(synchronize_session=False)
            )
            changed += 1
    return changed


@event.listens_for(Session, "before_flush")
def refuse_audit_changes(session: Session, flush_context, instances) -> None:
    """Keep the log append-only: an edited or deleted event stops the whole flush."""
    for changed in (*session.dirty, *session.deleted):
        if isinstance(changed, AuditEvent):
            raise AuditLogError("audit events cannot be changed or deleted")
