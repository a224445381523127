"""Reads about accounts: the personal-data export and the users list."""

from typing import Any

from sqlalchemy import or_, select

from app.accounts.models import User
from app.core.audit import AuditEvent
from app.core.events import person_records
from app.core.places import country_name
from app.core.types import iso_or_none
from app.extensions import db


def personal_data(user: User) -> dict[str, Any]:
    """Everything stored about a person, as plain data for the 'download my data' file."""
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            or_(
                AuditEvent.actor_id == user.id,
                (AuditEvent.object_type == User.__tablename__)
                & (AuditEvent.object_id == str(user.id)),
            )
        )
        .order_by(AuditEvent.occurred_at)
    )
    return {
        "account": {
            "email": user.email,
            "name": user.name,
            "role": user.role.value,
            "is_active": user.is_active,
            "created_at": user.created_at.isoformat(),
            "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
            "email_confirmed_at": iso_or_none(user.email_confirmed_at),
        },
        "profile": {
            "organisation": user.organisation,
            "position": user.position,
            "city": user.city,
            "country": user.country,
            "country_name": country_name(user.country),
            "preferred_language": user.preferred_language,
            "time_zone": user.time_zone,
        },
        # What each package keeps about the person (app/core/events.py), up the layers.
        **person_records.export(user),
        "activity": [
            {
                "at": event.occurred_at.isoformat(),
                "action": event.action,
                "by_me": event.actor_id == user.id,
                "ip_address": event.ip_address,
                "details": event.details,
            }
            for event in events
        ],
    }
