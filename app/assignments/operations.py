"""Every write of assignments: drafts, submission, files, allocation of reviews, reviews,
the course team's assessment and date extensions. The view commits once."""

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update

from app.accounts.models import User
from app.assignments import queries
from app.assignments.models import (
    DateExtension,
    DraftCopy,
    PeerReview,
    ReviewRound,
    ReviewState,
    Submission,
    SubmissionFile,
)
from app.assignments.rules import (
    REPLACEMENT_TIME,
    Author,
    Candidate,
    Needing,
    allocate,
    pick_reviewers,
    plans_to_review,
    points_for,
    reviews_each,
    word_count,
)
from app.catalog.models import Assignment, Cohort
from app.catalog.outline import outline_of
from app.core import audit
from app.core.mail import queue_notifications
from app.core.models import add_unless_duplicate
from app.core.subscriptions import MailTopic, opted_out_of
from app.core.text import UnsafeText, clean_short_text, unsafe_text_message
from app.core.uploads import ImageRefused, check_attachment
from app.extensions import db
from app.learning.models import Enrollment
from app.learning.operations import note_activity, record_completion

GRADED = "plan_graded"  # the notification that tells an author their plan has its grade
MAX_SECTION_CHARS = 40_000  # a section's text: far above any word limit, below abuse


class AssignmentError(ValueError):
    """A write refused, with a sentence for the person who asked."""

    status = 409


@dataclass(frozen=True)
class DraftSaved:
    submission: Submission
    # True: the draft had been saved from another page since this one was loaded; the text
    # sent was kept as a copy beside it, and the draft itself was not changed.
    kept_as_copy: bool


def _line(text: str, limit: int) -> str:
    try:
        return clean_short_text(text)[:limit]
    except UnsafeText as problem:
        error = AssignmentError(unsafe_text_message(problem))
        error.status = 400
        raise error from problem


def _clean_sections(assignment: Assignment, sections: dict[str, str]) -> dict[str, str]:
    cleaned = {}
    for section in assignment.sections:
        text = unicodedata.normalize("NFC", sections.get(section["id"]) or "")
        text = text.replace("\r\n", "\n").replace("\x00", "").strip()
        if len(text) > MAX_SECTION_CHARS:
            raise AssignmentError(
                _("The section “%(title)s” is too long to save.", title=section["title"])
            )
        cleaned[section["id"]] = text
    return cleaned


def save_draft(
    assignment: Assignment,
    enrollment: Enrollment,
    *,
    base_version: int,
    title: str,
    theme: str | None,
    sections: dict[str, str],
    now: datetime,
) -> DraftSaved:
    """Save the plan's text as it is. The save names the version of the draft its page was
    loaded with; when another save came in between, the text is kept as a copy instead, so
    two tabs never overwrite each other silently."""
    title = _line(title, 200)
    theme = theme if theme in {t["id"] for t in assignment.themes} else None
    cleaned = _clean_sections(assignment, sections)
    submission = queries.submission_of(assignment.id, enrollment.id)
    if submission is None:
        submission = Submission(
            assignment_id=assignment.id,
            enrollment_id=enrollment.id,
            user_id=enrollment.user_id,
            cohort_id=enrollment.cohort_id,
            title=title,
            theme=theme,
            sections=cleaned,
            version=1,
            saved_at=now,
        )
        if add_unless_duplicate(submission):
            note_activity(enrollment.user, assignment.module.course_id, now=now)
            return DraftSaved(submission, kept_as_copy=False)
        submission = queries.submission_of(assignment.id, enrollment.id)
        base_version = -1  # created meanwhile by another page: this text is a copy
    if submission.is_submitted:
        raise AssignmentError(_("This plan has been submitted; it cannot be changed any more."))
    changed = db.session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.version == base_version)
        .where(Submission.submitted_at.is_(None))
        .values(
            title=title, theme=theme, sections=cleaned, version=Submission.version + 1, saved_at=now
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(submission)
    if changed == 1:
        note_activity(enrollment.user, assignment.module.course_id, now=now)
        return DraftSaved(submission, kept_as_copy=False)
    if submission.is_submitted:
        raise AssignmentError(_("This plan has been submitted; it cannot be changed any more."))
    if submission.title != title or submission.sections != cleaned:
        db.session.add(
            DraftCopy(submission_id=submission.id, title=title, sections=cleaned, saved_at=now)
        )
        db.session.flush()
        db.session.refresh(submission)
        return DraftSaved(submission, kept_as_copy=True)
    return DraftSaved(submission, kept_as_copy=False)


def discard_copy(submission: Submission, copy_id: int) -> None:
    """The author has taken what they needed from a kept copy."""
    copy = next((c for c in submission.copies if c.id == copy_id), None)
    if copy is not None:
        db.session.delete(copy)
        db.session.flush()


def submission_problems(assignment: Assignment, submission: Submission) -> list[str]:
    """What keeps a draft from being submitted: a missing title, an empty section, a section
    over its word limit."""
    problems = []
    if not submission.title:
        problems.append(_("Give your plan a title."))
    for section in assignment.sections:
        words = word_count(submission.sections.get(section["id"], ""))
        if words == 0:
            problems.append(_("Write the section “%(title)s”.", title=section["title"]))
        elif words > section["words"]:
            problems.append(
                _(
                    "The section “%(title)s” has %(words)d words; its limit is %(limit)d.",
                    title=section["title"],
                    words=words,
                    limit=section["words"],
                )
            )
    return problems


def submit(submission: Submission, *, shows_in_gallery: bool, now: datetime, actor) -> Submission:
    """Submit the plan, once: after its due date only if the assignment takes late work.
    When reviews are open already, the plan gets its reviewers and its author plans to
    review at once."""
    assignment = submission.assignment
    if submission.is_submitted:
        raise AssignmentError(_("This plan has been submitted already."))
    problems = submission_problems(assignment, submission)
    if problems:
        raise AssignmentError(" ".join(problems))
    # Without dates in the cohort, a plan is never late (and reviews open once it has some).
    due = queries.due_dates(assignment, submission.enrollment)
    is_late = due is not None and now > due.submission_due_at
    if is_late and not assignment.late_work:
        raise AssignmentError(
            _(
                "The plan was due before now, and this assignment does not take late work. "
                "Ask the course team for more time."
            )
        )
    changed = db.session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.submitted_at.is_(None))
        .values(
            submitted_at=now,
            is_late=is_late,
            shows_in_gallery=shows_in_gallery and assignment.gallery != "none",
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(submission)
    if changed != 1:
        raise AssignmentError(_("This plan has been submitted already."))
    for copy in list(submission.copies):
        db.session.delete(copy)
    audit.record(
        "assignment.submitted",
        actor=actor,
        target=submission,
        details={"assignment": assignment.id, "late": is_late},
    )
    note_activity(submission.author, assignment.module.course_id, now=now)
    if queries.review_round(assignment.id, submission.cohort_id) is not None:
        _allocate_late(submission, now)
    db.session.flush()
    return submission


def set_gallery_consent(submission: Submission, shows: bool, *, actor) -> None:
    """The author shows their submitted plan in the gallery, or takes it out."""
    if not submission.is_submitted:
        raise AssignmentError(_("Submit the plan first."))
    if submission.assignment.gallery == "none":
        raise AssignmentError(_("This assignment has no gallery."))
    submission.shows_in_gallery = shows
    audit.record(
        "assignment.gallery_consent", actor=actor, target=submission, details={"shows": shows}
    )
    db.session.flush()


def add_file(
    submission: Submission, name: str, data: bytes, *, max_bytes: int, now
) -> SubmissionFile:
    """Attach an image or a PDF to a draft, checked by its content."""
    if submission.is_submitted:
        raise AssignmentError(_("This plan has been submitted; it cannot be changed any more."))
    if len(submission.files) >= submission.assignment.max_files:
        raise AssignmentError(
            _(
                "A plan can have %(count)d files. Remove one before adding another.",
                count=submission.assignment.max_files,
            )
        )
    try:
        checked = check_attachment(data, max_bytes)
    except ImageRefused as refused:
        error = AssignmentError(str(refused))
        error.status = refused.status
        raise error from refused
    base = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    try:
        stem = clean_short_text(base).rsplit(".", 1)[0][:150]
    except UnsafeText:
        stem = ""
    attached = SubmissionFile(
        submission_id=submission.id,
        name=(stem or _("file")) + checked.extension,
        content_type=checked.content_type,
        size=len(data),
        data=data,
        uploaded_at=now,
    )
    db.session.add(attached)
    db.session.flush()
    db.session.refresh(submission)
    return attached


def remove_file(submission: Submission, file_id: int) -> None:
    if submission.is_submitted:
        raise AssignmentError(_("This plan has been submitted; it cannot be changed any more."))
    found = next((f for f in submission.files if f.id == file_id), None)
    if found is not None:
        db.session.delete(found)
        db.session.flush()
        db.session.refresh(submission)


# Allocation of reviews


def _author(submission: Submission) -> Author:
    return Author(
        submission.id,
        submission.user_id,
        submission.author.country or "",
        submission.author.city or "",
    )


def open_reviews(
    assignment: Assignment, cohort: Cohort, *, now: datetime, actor=None, early: bool = False
) -> int:
    """Give every plan submitted in the cohort its reviewers, once, when reviews open: at the
    submission due date, or before it when the course team opens them (`early`; plans
    submitted later get their reviewers as they come). Return how many were allocated."""
    dates = assignment.dates_for(cohort.id)
    if not early and (dates is None or now < dates.submission_due_at):
        return 0
    if not add_unless_duplicate(
        ReviewRound(assignment_id=assignment.id, cohort_id=cohort.id, opened_at=now)
    ):
        return 0
    submissions = queries.submitted_in_cohort(assignment.id, cohort.id)
    due = queries.reviews_due_by_user(assignment, cohort.id)
    pairs = allocate(
        [_author(s) for s in submissions],
        assignment.reviews_per_submission,
        assignment.reviews_per_learner,
    )
    for submission_id, reviewer_id in pairs:
        db.session.add(
            PeerReview(
                submission_id=submission_id,
                reviewer_id=reviewer_id,
                assigned_at=now,
                due_at=max(
                    due.get(reviewer_id, dates.reviews_due_at if dates else now),
                    now + REPLACEMENT_TIME,
                ),
            )
        )
    audit.record(
        "assignment.reviews_opened",
        actor=actor,
        target=assignment,
        details={
            "cohort": cohort.slug,
            "plans": len(submissions),
            "reviews": len(pairs),
            "early": early,
        },
    )
    db.session.flush()
    return len(pairs)


def _allocate_late(submission: Submission, now: datetime) -> None:
    """A plan submitted after reviews opened: reviewers for it, and plans for its author."""
    assignment = submission.assignment
    others = list(queries.submitted_in_cohort(assignment.id, submission.cohort_id))
    live = queries.live_reviews_in_cohort(assignment.id, submission.cohort_id)
    count = reviews_each(
        assignment.reviews_per_submission, assignment.reviews_per_learner, len(others)
    )
    due_at = now + REPLACEMENT_TIME
    candidates = _candidates(others, live)
    me = _author(submission)
    for reviewer in pick_reviewers(me, candidates, set(), count):
        db.session.add(
            PeerReview(
                submission_id=submission.id, reviewer_id=reviewer.user_id, assigned_at=now,
                due_at=due_at,
            )
        )  # fmt: skip
    needing = [
        Needing(
            _author(s),
            sum(1 for r in live if r.submission_id == s.id),
            frozenset(r.reviewer_id for r in live if r.submission_id == s.id),
        )
        for s in others
    ]
    for plan in plans_to_review(me, needing, count):
        db.session.add(
            PeerReview(
                submission_id=plan.submission_id, reviewer_id=me.user_id, assigned_at=now,
                due_at=due_at,
            )
        )  # fmt: skip


def _candidates(submissions: list[Submission], live: list[PeerReview]) -> list[Candidate]:
    return [
        Candidate(
            s.user_id,
            s.author.country or "",
            has_finished=all(r.is_submitted for r in live if r.reviewer_id == s.user_id),
            load=sum(1 for r in live if r.reviewer_id == s.user_id),
        )
        for s in submissions
    ]


def replace_overdue_reviews(assignment: Assignment, cohort_id: int, *, now: datetime) -> int:
    """Each review not written by its due time goes to another author of the cohort (one
    who has written theirs, where there is one); the first reviewer may still write it.
    Return how many were replaced."""
    overdue = queries.overdue_reviews(assignment.id, cohort_id, now)
    if not overdue:
        return 0
    submissions = queries.submitted_in_cohort(assignment.id, cohort_id)
    replaced = 0
    for review in overdue:
        live = queries.live_reviews_in_cohort(assignment.id, cohort_id)
        everyone = queries.reviewers_of(review.submission_id)
        chosen = pick_reviewers(
            _author(review.submission), _candidates(submissions, live), everyone, 1
        )
        # Claimed by one conditional UPDATE: two workers never both replace one review.
        claimed = db.session.execute(
            update(PeerReview)
            .where(PeerReview.id == review.id, PeerReview.state == ReviewState.ASSIGNED)
            .values(state=ReviewState.REPLACED)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.refresh(review)
        if claimed != 1:
            continue
        if chosen:
            db.session.add(
                PeerReview(
                    submission_id=review.submission_id,
                    reviewer_id=chosen[0].user_id,
                    assigned_at=now,
                    due_at=now + REPLACEMENT_TIME,
                )
            )
        db.session.flush()
        replaced += 1
    audit.record(
        "assignment.reviews_replaced",
        actor=None,
        target=assignment,
        details={"cohort_id": cohort_id, "replaced": replaced},
    )
    return replaced


# Reviews


def submit_review(
    review: PeerReview, *, levels: dict[str, int], comments: dict[str, str], now: datetime
) -> PeerReview:
    """Write a review against the rubric: a level and a comment for every criterion, once."""
    assignment = review.submission.assignment
    if review.is_submitted:
        raise AssignmentError(_("You have sent this review already."))
    problems = []
    for criterion in assignment.rubric:
        level = levels.get(criterion["id"])
        if level is None or not 0 <= level < len(criterion["levels"]):
            problems.append(_("Choose a level for “%(title)s”.", title=criterion["title"]))
        if not (comments.get(criterion["id"]) or "").strip():
            problems.append(_("Write a comment on “%(title)s”.", title=criterion["title"]))
    if problems:
        raise AssignmentError(" ".join(problems))
    wanted = {c["id"] for c in assignment.rubric}
    levels = {key: value for key, value in levels.items() if key in wanted}
    comments = {key: comments[key].strip()[:5000] for key in wanted}
    changed = db.session.execute(
        update(PeerReview)
        .where(PeerReview.id == review.id, PeerReview.state != ReviewState.SUBMITTED)
        .values(
            state=ReviewState.SUBMITTED,
            submitted_at=now,
            levels=levels,
            comments=comments,
            points=points_for(assignment.rubric, levels),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(review)
    if changed != 1:
        raise AssignmentError(_("You have sent this review already."))
    note_activity(review.reviewer, assignment.module.course_id, now=now)
    _record_completion(review.submission, now)
    return review


def rate_review(review: PeerReview, helpfulness: int) -> None:
    """The author says how helpful a review was: 1, 2 or 3."""
    if not review.is_submitted or helpfulness not in (1, 2, 3):
        raise AssignmentError(_("Choose how helpful the review was."))
    review.helpfulness = helpfulness
    db.session.flush()


def assess(
    submission: Submission,
    *,
    levels: dict[str, int],
    comments: dict[str, str],
    grade: int | None,
    grade_counts: bool,
    actor,
    now: datetime,
) -> Submission:
    """The course team's own assessment against the rubric; with `grade_counts`, their grade
    (given, or the rubric's points as a per cent) is the plan's, instead of the peers'."""
    assignment = submission.assignment
    if not submission.is_submitted:
        raise AssignmentError(_("This plan has not been submitted yet."))
    if grade is not None and not 0 <= grade <= 100:
        raise AssignmentError(_("A grade is a per cent, from 0 to 100."))
    chosen = {
        c["id"]: levels[c["id"]]
        for c in assignment.rubric
        if c["id"] in levels and 0 <= levels[c["id"]] < len(c["levels"])
    }
    if grade is None and grade_counts and len(chosen) < len(assignment.rubric):
        raise AssignmentError(
            _("Choose a level for every criterion, or give a grade, to make your grade count.")
        )
    points = points_for(assignment.rubric, chosen) if chosen else None
    if grade is None and points is not None and len(chosen) == len(assignment.rubric):
        grade = points * 100 // max(assignment.max_points, 1)
    submission.staff_levels = chosen
    submission.staff_comments = {
        c["id"]: (comments.get(c["id"]) or "").strip()[:5000] for c in assignment.rubric
    }
    submission.staff_points = points
    submission.staff_grade = grade
    submission.staff_grade_counts = grade_counts and grade is not None
    submission.staff_assessed_at = now
    submission.staff_assessed_by_id = actor.id
    audit.record(
        "assignment.assessed",
        actor=actor,
        target=submission,
        details={"grade": grade, "counts": submission.staff_grade_counts},
    )
    db.session.flush()
    _record_completion(submission, now)
    return submission


def extend_dates(
    assignment: Assignment,
    enrollment: Enrollment,
    *,
    submission_due_at: datetime,
    reviews_due_at: datetime,
    reason: str,
    actor,
    now: datetime,
) -> DateExtension:
    """Give one learner later due dates; their reviews due by then move with them."""
    if reviews_due_at <= submission_due_at:
        raise AssignmentError(_("Reviews must be due after the plan."))
    extension = db.session.scalar(
        select(DateExtension).where(
            DateExtension.assignment_id == assignment.id,
            DateExtension.enrollment_id == enrollment.id,
        )
    )
    if extension is None:
        extension = DateExtension(assignment_id=assignment.id, enrollment_id=enrollment.id)
        db.session.add(extension)
    extension.submission_due_at = submission_due_at
    extension.reviews_due_at = reviews_due_at
    extension.reason = _line(reason, 500)
    extension.granted_at = now
    extension.granted_by_id = actor.id
    db.session.execute(
        update(PeerReview)
        .where(
            PeerReview.reviewer_id == enrollment.user_id,
            PeerReview.state == ReviewState.ASSIGNED,
            PeerReview.submission_id.in_(
                select(Submission.id).where(
                    Submission.assignment_id == assignment.id,
                    Submission.cohort_id == enrollment.cohort_id,
                )
            ),
            PeerReview.due_at < reviews_due_at,
        )
        .values(due_at=reviews_due_at)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        "assignment.dates_extended",
        actor=actor,
        target=enrollment,
        details={
            "assignment": assignment.id,
            "submission_due_at": submission_due_at.isoformat(),
            "reviews_due_at": reviews_due_at.isoformat(),
        },
    )
    db.session.flush()
    return extension


def _record_completion(submission: Submission, now: datetime) -> None:
    """A plan's grade may have become final: the author may have completed, and is told of
    the grade (once a plan)."""
    course = submission.assignment.module.course
    record_completion(submission.author, outline_of(course), now=now)
    db.session.refresh(submission)
    grade = queries.grade(submission, now)
    if grade.is_final:
        write_grade_mail(submission, grade.source, now)


def write_grade_mail(submission: Submission, source: str, now: datetime) -> int:
    """Tell a plan's author that it has its grade: once when the peers' grade is known, and
    once when the course team's counts instead (the idempotency key names which)."""
    author = (
        select(User.id, User.email)
        .where(User.id == submission.user_id, User.is_active.is_(True))
        .where(User.deleted_at.is_(None), ~opted_out_of(MailTopic.PROGRESS, User.id))
    )
    return queue_notifications(
        GRADED,
        author,
        key_prefix=f"{GRADED}:{submission.id}:{source}:",
        payload={"submission_id": submission.id},
        now=now,
    )
