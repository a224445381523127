"""What the learning package keeps about a person: applications, enrolments, lessons done
(their part of the personal-data download and of erasure: app/core/events.py)."""

from typing import Any

from sqlalchemy import delete, select

from app.core.types import iso_or_none
from app.extensions import db
from app.learning.models import (
    AnnouncementDismissal,
    Application,
    ApplicationDraft,
    Enrollment,
    LessonProgress,
)
from app.learning.queries import applications_of, enrollments_of, lesson_progress_of


def personal_data(user) -> dict[str, Any]:
    return {
        "applications": [
            {
                "course": application.cohort.course.title,
                "cohort": application.cohort.title,
                "motivation": application.motivation,
                "confirms_public_official": application.confirms_public_official,
                "status": application.status.value,
                "submitted_at": application.submitted_at.isoformat(),
                "decided_at": iso_or_none(application.decided_at),
                "decision_message": application.decision_message,
            }
            for application in applications_of(user)
        ],
        "application_drafts": [
            {
                "course": draft.cohort.course.title,
                "cohort": draft.cohort.title,
                "motivation": draft.motivation,
                "saved_at": draft.saved_at.isoformat(),
            }
            for draft in db.session.scalars(
                select(ApplicationDraft).where(ApplicationDraft.user_id == user.id)
            )
        ],
        "announcements_dismissed": [
            {"announcement": dismissal.announcement_id, "at": dismissal.dismissed_at.isoformat()}
            for dismissal in db.session.scalars(
                select(AnnouncementDismissal).where(AnnouncementDismissal.user_id == user.id)
            )
        ],
        "enrolments": [
            {
                "course": enrollment.cohort.course.title,
                "cohort": enrollment.cohort.title,
                "enrolled_at": enrollment.enrolled_at.isoformat(),
                "completed_at": iso_or_none(enrollment.completed_at),
                "last_step_at": iso_or_none(enrollment.last_active_at),
                "reminded_to_continue_at": iso_or_none(enrollment.nudged_at),
            }
            for enrollment in enrollments_of(user)
        ],
        "lessons_done": [
            {
                "course": progress.lesson.module.course.title,
                "lesson": progress.lesson.title,
                "completed_at": progress.completed_at.isoformat(),
            }
            for progress in lesson_progress_of(user)
        ],
    }


def erase_person(user) -> list[str]:
    db.session.execute(delete(LessonProgress).where(LessonProgress.user_id == user.id))
    db.session.execute(delete(Enrollment).where(Enrollment.user_id == user.id))
    db.session.execute(delete(Application).where(Application.user_id == user.id))
    db.session.execute(delete(ApplicationDraft).where(ApplicationDraft.user_id == user.id))
    db.session.execute(
        delete(AnnouncementDismissal).where(AnnouncementDismissal.user_id == user.id)
    )
    return []
