"""The reads of assignments: a learner's plan and dates, the reviews to write and received,
the allocation's inputs, the course team's list and the gallery."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import User
from app.assignments.models import (
    DateExtension,
    PeerReview,
    ReviewRound,
    ReviewState,
    Submission,
    SubmissionFile,
)
from app.assignments.rules import Grade, plan_grade
from app.catalog.models import Assignment, AssignmentDates, Cohort, GalleryReach, Module
from app.core import events
from app.core.types import utcnow
from app.extensions import db
from app.learning.models import Enrollment


@dataclass(frozen=True)
class DueDates:
    """When a learner's plan and reviews are due, in UTC, with the zones they were set in."""

    submission_due_at: datetime
    submission_due_zone: str
    reviews_due_at: datetime
    reviews_due_zone: str
    is_extended: bool = False


def submission_of(assignment_id: int, enrollment_id: int) -> Submission | None:
    return db.session.scalar(
        select(Submission)
        .where(Submission.assignment_id == assignment_id, Submission.enrollment_id == enrollment_id)
        .options(selectinload(Submission.files), selectinload(Submission.copies))
        .execution_options(populate_existing=True)
    )


def due_dates(assignment: Assignment, enrollment: Enrollment) -> DueDates | None:
    """The cohort's dates, or the later ones the course team gave this learner; None when the
    assignment has no dates in the cohort."""
    dates = assignment.dates_for(enrollment.cohort_id)
    if dates is None:
        return None
    extension = db.session.scalar(
        select(DateExtension).where(
            DateExtension.assignment_id == assignment.id,
            DateExtension.enrollment_id == enrollment.id,
        )
    )
    if extension is not None:
        return DueDates(
            extension.submission_due_at,
            dates.submission_due_zone,
            extension.reviews_due_at,
            dates.reviews_due_zone,
            is_extended=True,
        )
    return DueDates(
        dates.submission_due_at,
        dates.submission_due_zone,
        dates.reviews_due_at,
        dates.reviews_due_zone,
    )


def review_round(assignment_id: int, cohort_id: int) -> ReviewRound | None:
    return db.session.scalar(
        select(ReviewRound).where(
            ReviewRound.assignment_id == assignment_id, ReviewRound.cohort_id == cohort_id
        )
    )


def _submitted(assignment_id: int, cohort_id: int) -> Select:
    """The plans submitted in a cohort, oldest first."""
    return (
        select(Submission)
        .where(
            Submission.assignment_id == assignment_id,
            Submission.cohort_id == cohort_id,
            Submission.submitted_at.is_not(None),
        )
        .order_by(Submission.id)
    )


def submitted_in_cohort(assignment_id: int, cohort_id: int) -> list[Submission]:
    """The plans submitted in a cohort, with their authors (one query)."""
    return list(
        db.session.scalars(
            _submitted(assignment_id, cohort_id).options(joinedload(Submission.author))
        )
    )


def reviews_due_by_user(assignment: Assignment, cohort_id: int) -> dict[int, datetime]:
    """The later reviews due dates given to learners of a cohort, by user id."""
    rows = db.session.execute(
        select(Enrollment.user_id, DateExtension.reviews_due_at)
        .join(Enrollment, Enrollment.id == DateExtension.enrollment_id)
        .where(DateExtension.assignment_id == assignment.id, Enrollment.cohort_id == cohort_id)
    ).all()
    return dict(rows)


def live_reviews_in_cohort(assignment_id: int, cohort_id: int) -> list[PeerReview]:
    """Every review allocated in a cohort and not replaced."""
    return list(
        db.session.scalars(
            select(PeerReview)
            .join(Submission)
            .where(
                Submission.assignment_id == assignment_id,
                Submission.cohort_id == cohort_id,
                PeerReview.state != ReviewState.REPLACED,
            )
        )
    )


def overdue_reviews(assignment_id: int, cohort_id: int, now: datetime) -> list[PeerReview]:
    return list(
        db.session.scalars(
            select(PeerReview)
            .join(Submission)
            .where(
                Submission.assignment_id == assignment_id,
                Submission.cohort_id == cohort_id,
                PeerReview.state == ReviewState.ASSIGNED,
                PeerReview.due_at < now,
            )
            .options(joinedload(PeerReview.submission).joinedload(Submission.author))
            .order_by(PeerReview.id)
        )
    )


def reviewers_of(submission_id: int) -> set[int]:
    """Everyone ever given this plan to review (replaced or not): nobody gets it twice."""
    return set(
        db.session.scalars(
            select(PeerReview.reviewer_id).where(PeerReview.submission_id == submission_id)
        )
    )


def rounds_to_open(now: datetime) -> list[tuple[Assignment, Cohort]]:
    """Assignments and cohorts whose plans are due by now and whose reviews are not open."""
    rows = db.session.execute(
        select(Assignment, Cohort)
        .join(AssignmentDates, AssignmentDates.assignment_id == Assignment.id)
        .join(Cohort, Cohort.id == AssignmentDates.cohort_id)
        .outerjoin(
            ReviewRound,
            and_(ReviewRound.assignment_id == Assignment.id, ReviewRound.cohort_id == Cohort.id),
        )
        .where(AssignmentDates.submission_due_at <= now, ReviewRound.id.is_(None))
    ).all()
    return [tuple(row) for row in rows]


def open_rounds() -> list[ReviewRound]:
    """Rounds whose reviews are still to be closed."""
    return list(db.session.scalars(select(ReviewRound).where(ReviewRound.closed_at.is_(None))))


def reviews_to_write(user_id: int, assignment_id: int, cohort_id: int) -> list[PeerReview]:
    """The reviews given to a learner in a cohort, the written ones too, oldest first."""
    return list(
        db.session.scalars(
            select(PeerReview)
            .join(Submission)
            .where(
                PeerReview.reviewer_id == user_id,
                Submission.assignment_id == assignment_id,
                Submission.cohort_id == cohort_id,
            )
            .options(joinedload(PeerReview.submission))
            .order_by(PeerReview.id)
        )
    )


def review_for(review_id: int) -> PeerReview | None:
    return db.session.scalar(
        select(PeerReview)
        .where(PeerReview.id == review_id)
        .options(
            joinedload(PeerReview.submission).selectinload(Submission.files),
            joinedload(PeerReview.submission).joinedload(Submission.assignment),
        )
    )


def reviews_closed(assignment: Assignment, cohort_id: int, now: datetime) -> bool:
    dates = assignment.dates_for(cohort_id)
    return dates is not None and now >= dates.reviews_due_at


def grade(submission: Submission, now: datetime) -> Grade:
    """The plan's grade as it stands (its reviews loaded)."""
    assignment = submission.assignment
    written = [r for r in submission.reviews if r.is_submitted]
    return plan_grade(
        assignment,
        reviews=len(written),
        points=sum(r.points or 0 for r in written),
        reviews_closed=reviews_closed(assignment, submission.cohort_id, now),
        staff_grade=submission.staff_grade,
        staff_grade_counts=submission.staff_grade_counts,
    )


@events.assignment_results.provide
def assignment_results(user, courses: list) -> dict[int, tuple[frozenset, frozenset]]:
    """For learner_facts: per course, the assignments submitted and those passed (one query)."""
    outlines = {
        module.assignment.id: (course.id, module.assignment)
        for course in courses
        for module in course.modules
        if module.assignment is not None
    }
    submitted_reviews = func.count(PeerReview.id)
    rows = db.session.execute(
        select(
            Submission.assignment_id,
            Submission.staff_grade,
            Submission.staff_grade_counts,
            AssignmentDates.reviews_due_at,
            submitted_reviews,
            func.coalesce(func.sum(PeerReview.points), 0),
        )
        .outerjoin(
            AssignmentDates,
            and_(
                AssignmentDates.assignment_id == Submission.assignment_id,
                AssignmentDates.cohort_id == Submission.cohort_id,
            ),
        )
        .outerjoin(
            PeerReview,
            and_(
                PeerReview.submission_id == Submission.id,
                PeerReview.state == ReviewState.SUBMITTED,
            ),
        )
        .where(
            Submission.user_id == user.id,
            Submission.assignment_id.in_(list(outlines)),
            Submission.submitted_at.is_not(None),
        )
        .group_by(
            Submission.id,
            Submission.assignment_id,
            Submission.staff_grade,
            Submission.staff_grade_counts,
            AssignmentDates.reviews_due_at,
        )
    ).all()
    now = utcnow()
    found: dict[int, tuple[set, set]] = {course.id: (set(), set()) for course in courses}
    for assignment_id, staff, counts, reviews_due_at, count, total in rows:
        course_id, outline = outlines[assignment_id]
        found[course_id][0].add(assignment_id)
        standing = plan_grade(
            outline,
            reviews=count,
            points=total,
            reviews_closed=reviews_due_at is not None and now >= reviews_due_at,
            staff_grade=staff,
            staff_grade_counts=counts,
        )
        if standing.is_passed:
            found[course_id][1].add(assignment_id)
    return {key: (frozenset(a), frozenset(b)) for key, (a, b) in found.items()}


# The course team's list of a cohort's learners and their plans


def cohort_work(assignment_id: int, cohort_id: int, state: str | None = None) -> Select:
    """Each learner of the cohort with their plan (or none), the reviews they were given and
    have written, and the reviews their plan has received: one row each."""
    given = (
        select(
            PeerReview.reviewer_id.label("user_id"),
            func.count(PeerReview.id).label("given"),
            func.sum(case((PeerReview.state == ReviewState.SUBMITTED, 1), else_=0)).label(
                "written"
            ),
        )
        .join(Submission)
        .where(
            Submission.assignment_id == assignment_id,
            Submission.cohort_id == cohort_id,
            PeerReview.state != ReviewState.REPLACED,
        )
        .group_by(PeerReview.reviewer_id)
        .subquery()
    )
    received = (
        select(
            PeerReview.submission_id.label("submission_id"),
            func.count(PeerReview.id).label("received"),
            func.sum(PeerReview.points).label("points"),
        )
        .where(PeerReview.state == ReviewState.SUBMITTED)
        .group_by(PeerReview.submission_id)
        .subquery()
    )
    query = (
        select(
            Enrollment,
            Submission,
            func.coalesce(given.c.given, 0),
            func.coalesce(given.c.written, 0),
            func.coalesce(received.c.received, 0),
            func.coalesce(received.c.points, 0),
        )
        .join(User, User.id == Enrollment.user_id)
        .outerjoin(
            Submission,
            and_(
                Submission.enrollment_id == Enrollment.id,
                Submission.assignment_id == assignment_id,
            ),
        )
        .outerjoin(given, given.c.user_id == Enrollment.user_id)
        .outerjoin(received, received.c.submission_id == Submission.id)
        .where(Enrollment.cohort_id == cohort_id)
        .options(joinedload(Enrollment.user))
        .order_by(func.lower(User.name), Enrollment.id)
    )
    if state == "none":
        query = query.where(Submission.id.is_(None))
    elif state == "draft":
        query = query.where(Submission.id.is_not(None), Submission.submitted_at.is_(None))
    elif state == "submitted":
        query = query.where(Submission.submitted_at.is_not(None))
    elif state == "reviews_missing":
        query = query.where(
            or_(given.c.given.is_(None), func.coalesce(given.c.written, 0) < given.c.given)
        )
    return query


def submission_with_reviews(submission_id: int) -> Submission | None:
    return db.session.scalar(
        select(Submission)
        .where(Submission.id == submission_id)
        .options(
            selectinload(Submission.files),
            selectinload(Submission.reviews).joinedload(PeerReview.reviewer),
            joinedload(Submission.author),
            joinedload(Submission.assignment)
            .joinedload(Assignment.module)
            .joinedload(Module.course),
        )
    )


# The gallery


def _shown(assignment: Assignment, country: str | None, theme: str | None) -> Select:
    query = (
        select(Submission)
        .join(Cohort, Cohort.id == Submission.cohort_id)
        .join(User, User.id == Submission.user_id)
        .where(
            Submission.assignment_id == assignment.id,
            Submission.submitted_at.is_not(None),
            Submission.shows_in_gallery.is_(True),
        )
        .options(joinedload(Submission.author), joinedload(Submission.cohort))
        .order_by(Cohort.starts_on.desc(), Submission.submitted_at, Submission.id)
    )
    if country:
        query = query.where(User.country == country)
    if theme:
        query = query.where(Submission.theme == theme)
    return query


def gallery(assignment: Assignment, cohort: Cohort, *, country: str | None, theme: str | None):
    """The submitted plans whose authors show them, that a member of `cohort` may see: their
    own cohort's, and with `gallery: course` those of the cohorts that started before."""
    query = _shown(assignment, country, theme)
    if assignment.gallery == GalleryReach.COURSE:
        return query.where(or_(Cohort.id == cohort.id, Cohort.starts_on < cohort.starts_on))
    return query.where(Cohort.id == cohort.id)


def is_in_gallery_of(submission: Submission, cohort: Cohort) -> bool:
    """Whether the gallery a member of `cohort` sees shows this plan."""
    shown = gallery(submission.assignment, cohort, country=None, theme=None)
    return db.session.scalar(shown.where(Submission.id == submission.id)) is not None


def gallery_for_staff(assignment: Assignment, *, country: str | None, theme: str | None):
    """Every plan shown in the gallery, of every cohort: what the course team sees."""
    return _shown(assignment, country, theme)


def submission_file(file_id: int) -> SubmissionFile | None:
    return db.session.scalar(
        select(SubmissionFile)
        .where(SubmissionFile.id == file_id)
        .options(
            joinedload(SubmissionFile.submission).selectinload(Submission.reviews),
            joinedload(SubmissionFile.submission).joinedload(Submission.assignment),
        )
    )


def submitted_with_reviews(assignment_id: int, cohort_id: int) -> list[Submission]:
    """The plans submitted in a cohort with their authors, files and reviews (three queries)."""
    return list(
        db.session.scalars(
            _submitted(assignment_id, cohort_id).options(
                joinedload(Submission.author),
                selectinload(Submission.files),
                selectinload(Submission.reviews),
            )
        )
    )
