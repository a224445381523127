"""What the catalogue keeps about a person: the courses they teach (app/core/events.py)."""

from typing import Any

from app.extensions import db


def personal_data(user) -> dict[str, Any]:
    return {
        "courses_taught": sorted(membership.course.slug for membership in user.staff_memberships)
    }


def erase_person(user) -> list[str]:
    user.staff_memberships.clear()
    db.session.flush()
    return []
