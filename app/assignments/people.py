"""What the assignments package keeps about a person: their plans (text, files, grades) and
the reviews they wrote (their part of the personal-data download and of erasure)."""

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import selectinload

from app.assignments.models import PeerReview, Submission
from app.core.types import iso_or_none
from app.extensions import db


def personal_data(user) -> dict[str, Any]:
    plans = db.session.scalars(
        select(Submission)
        .where(Submission.user_id == user.id)
        .options(selectinload(Submission.files), selectinload(Submission.reviews))
        .order_by(Submission.id)
    )
    reviews = db.session.scalars(
        select(PeerReview).where(PeerReview.reviewer_id == user.id).order_by(PeerReview.id)
    )
    return {
        "assignment_plans": [
            {
                "assignment": plan.assignment.title,
                "title": plan.title,
                "theme": plan.theme,
                "sections": plan.sections,
                "saved_at": plan.saved_at.isoformat(),
                "submitted_at": iso_or_none(plan.submitted_at),
                "shows_in_gallery": plan.shows_in_gallery,
                "files": [attached.name for attached in plan.files],
                "reviews_received": [
                    {"levels": review.levels, "comments": review.comments, "points": review.points}
                    for review in plan.reviews
                    if review.is_submitted
                ],
                "course_team_grade": plan.staff_grade,
            }
            for plan in plans
        ],
        "assignment_reviews_written": [
            {
                "assignment": review.submission.assignment.title,
                "submitted_at": iso_or_none(review.submitted_at),
                "levels": review.levels,
                "comments": review.comments,
            }
            for review in reviews
        ],
    }


def erase_person(user) -> list[str]:
    """Their plans and files go. The reviews they wrote stay, for their grades are other
    people's, but their comments are emptied: the plans' authors keep the levels. (Their
    date extensions go with their enrolments, in learning's part.)"""
    db.session.execute(delete(Submission).where(Submission.user_id == user.id))
    db.session.execute(
        update(PeerReview)
        .where(PeerReview.reviewer_id == user.id)
        .values(comments={})
        .execution_options(synchronize_session=False)
    )
    return []
