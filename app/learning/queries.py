"""Reads about a learner's applications and enrolments."""

from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload

from app.catalog.models import Cohort
from app.extensions import db
from app.learning.models import Application, Enrollment


def is_enrolled_in_course(user, course) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Enrollment.user_id == user.id,
                    Enrollment.cohort_id == Cohort.id,
                    Cohort.course_id == course.id,
                )
            )
        )
    )


def applications_of(user) -> list[Application]:
    """A person's applications, newest first, with their cohort and course."""
    return list(
        db.session.scalars(
            select(Application)
            .where(Application.user_id == user.id)
            .options(joinedload(Application.cohort).joinedload(Cohort.course))
            .order_by(Application.submitted_at.desc())
        )
    )


def application_for(user, cohort) -> Application | None:
    return db.session.scalar(
        select(Application).where(
            Application.user_id == user.id, Application.cohort_id == cohort.id
        )
    )


def applications_by_cohort(user, course) -> dict[int, Application]:
    """The user's applications to the cohorts of one course, by cohort id."""
    if not user.is_authenticated:
        return {}
    found = db.session.scalars(
        select(Application)
        .join(Cohort)
        .where(Application.user_id == user.id, Cohort.course_id == course.id)
    )
    return {application.cohort_id: application for application in found}


def enrollments_of(user) -> list[Enrollment]:
    """A person's enrolments, newest first, with their cohort and course."""
    return list(
        db.session.scalars(
            select(Enrollment)
            .where(Enrollment.user_id == user.id)
            .options(joinedload(Enrollment.cohort).joinedload(Cohort.course))
            .order_by(Enrollment.enrolled_at.desc())
        )
    )
