"""Reads about accounts: the personal-data export and the users list."""

from typing import Any

from sqlalchemy import or_, select

from app.accounts.models import User
from app.certificates.queries import certificates_of
from app.core.audit import AuditEvent
from app.core.places import country_name
from app.extensions import db
from app.learning.queries import applications_of, enrollments_of, lesson_progress_of
from app.live.models import Attendance
from app.live.queries import calendar_feed_of, live_records_of
from app.quizzes.queries import attempts_of


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


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
            "email_confirmed_at": _iso(user.email_confirmed_at),
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
        "courses_taught": sorted(membership.course.slug for membership in user.staff_memberships),
        "applications": [
            {
                "course": application.cohort.course.title,
                "cohort": application.cohort.title,
                "motivation": application.motivation,
                "confirms_public_official": application.confirms_public_official,
                "status": application.status.value,
                "submitted_at": application.submitted_at.isoformat(),
                "decided_at": application.decided_at.isoformat()
                if application.decided_at
                else None,
                "decision_message": application.decision_message,
            }
            for application in applications_of(user)
        ],
        "enrolments": [
            {
                "course": enrollment.cohort.course.title,
                "cohort": enrollment.cohort.title,
                "enrolled_at": enrollment.enrolled_at.isoformat(),
                "completed_at": _iso(enrollment.completed_at),
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
        "quiz_attempts": [
            {
                "course": attempt.quiz.module.course.title,
                "quiz": attempt.quiz.title,
                "number": attempt.number,
                "started_at": attempt.started_at.isoformat(),
                "submitted_at": _iso(attempt.submitted_at),
                "score": attempt.score,
                "answers": [
                    {
                        "question": answer.question_version.prompt,
                        "chosen": [
                            choice["text"]
                            for choice in answer.question_version.choices
                            if choice["id"] in answer.choice_ids
                        ],
                        "is_right": answer.is_correct,
                    }
                    for answer in attempt.answers
                ],
            }
            for attempt in attempts_of(user)
        ],
        "live_sessions": [
            {
                "course": record.session.cohort.course.title,
                "cohort": record.session.cohort.title,
                "session": record.session.title,
                "took_part": isinstance(record, Attendance),
                "how": record.source.label
                if isinstance(record, Attendance)
                else "watched the recording",
                "joined_at": _iso(getattr(record, "joined_at", None)),
                "minutes_in_report": getattr(record, "report_minutes", None),
                "watched_at": _iso(getattr(record, "watched_at", None)),
            }
            for record in live_records_of(user)
        ],
        "certificate_name": user.certificate_name,
        "certificates": [
            {
                "serial": certificate.display_serial or None,
                "status": certificate.status.value,
                "name_printed": certificate.holder_name,
                "course": certificate.course_title,
                "cohort": certificate.cohort_title,
                "issued_at": _iso(certificate.issued_at),
                "revoked_at": _iso(certificate.revoked_at),
                "revocation_reason": certificate.revocation_reason,
            }
            for certificate in certificates_of(user)
        ],
        "calendar_feed": (
            {"created_at": feed.created_at.isoformat(), "last_used_at": _iso(feed.last_used_at)}
            if (feed := calendar_feed_of(user))
            else None
        ),
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
