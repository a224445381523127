"""Every write of the schedule editor: adding, editing, cancelling and restoring live sessions.

A session's SEQUENCE (iCalendar) grows by exactly one with every save that changes it, so
calendar applications replace the event; a save that changes nothing leaves it alone. The
bump is a conditional UPDATE, so two people saving at once cannot both win from the same
version, nor a double click cancel twice.
"""

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.accounts.models import User
from app.catalog.models import Cohort, LiveSession, SessionStatus
from app.catalog.outlines import outline_changed
from app.core import audit, events
from app.core.models import add_unless_duplicate
from app.core.types import utcnow
from app.extensions import db
from app.live.models import Attendance
from app.live.operations import LiveSessionError

# What the editor changes, in the order the audit log names it.
EDITABLE = (
    "title",
    "description",
    "starts_at",
    "time_zone",
    "duration_minutes",
    "join_url",
    "counts_for_completion",
)


class ScheduleError(LiveSessionError):
    """A change of the schedule that cannot be made; `field` is the form field it is about.

    `status` is the HTTP status the page is sent with: 400 for input to correct, 409 for a
    session whose state (attendance, a newer version) stands in the way.
    """

    def __init__(self, message: str, *, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.field = field
        self.status = status


def attendance_count(session: LiveSession) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Attendance).where(Attendance.session_id == session.id)
    )


def _duplicate(cohort: Cohort, slug: str, cancelled: bool) -> ScheduleError:
    if cancelled:
        message = _(
            "%(cohort)s already has a session called “%(slug)s” (a cancelled one: restore it "
            "instead). Choose another short name.",
            cohort=cohort.title,
            slug=slug,
        )
    else:
        message = _(
            "%(cohort)s already has a session called “%(slug)s”. Choose another short name.",
            cohort=cohort.title,
            slug=slug,
        )
    return ScheduleError(message, field="slug")


def add_session(cohort: Cohort, slug: str, values: dict[str, Any], *, actor: User) -> LiveSession:
    """Add a session to a cohort's schedule (SEQUENCE 0)."""
    existing = db.session.scalar(
        select(LiveSession).where(LiveSession.cohort_id == cohort.id, LiveSession.slug == slug)
    )
    if existing is not None:
        raise _duplicate(cohort, slug, existing.is_cancelled)
    session = LiveSession(
        cohort_id=cohort.id, slug=slug, status=SessionStatus.SCHEDULED, sequence=0, **values
    )
    # Someone else may add the same slug at the same moment: the unique constraint decides.
    if not add_unless_duplicate(session):
        raise _duplicate(cohort, slug, False)
    outline_changed([cohort.course_id])
    audit.record(
        "live_session.added",
        actor=actor,
        target=session,
        details={"cohort": cohort.slug, "session": slug},
    )
    db.session.flush()
    return session


def _bump(session: LiveSession, *conditions, **values) -> bool:
    """Add one to the SEQUENCE (and set `values`) if `conditions` still hold in the database."""
    done = db.session.execute(
        update(LiveSession)
        .where(LiveSession.id == session.id, *conditions)
        .values(sequence=LiveSession.sequence + 1, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(session, ["sequence", "status", "updated_at"])
    if done == 1:
        outline_changed([session.cohort.course_id])
    return done == 1


def _tell_cohort(session: LiveSession, changed: list[str], previous_starts_at) -> None:
    """Have the cohort told of a change that concerns them (a mail each, app/live/notices.py)."""
    changes = session.notice_of(changed)
    if changes:
        db.session.flush()
        events.live_session_changed.send(
            session, changes=changes, previous_starts_at=previous_starts_at, now=utcnow()
        )


def update_session(
    session: LiveSession,
    values: dict[str, Any],
    *,
    actor: User,
    seen_sequence: int | None = None,
) -> list[str]:
    """Change a session; return the names of the fields that changed (none: nothing saved).

    `seen_sequence` is the SEQUENCE of the page the change was made on: when the session has
    changed since, the save is refused rather than silently undoing the other change.
    """
    changed = [name for name in EDITABLE if getattr(session, name) != values[name]]
    if not changed:
        return []
    if "starts_at" in changed:
        refusal = session.change_refusal(attendance_count(session), moves=True)
        if refusal:
            raise ScheduleError(refusal, field="clock", status=409)
    expected = session.sequence if seen_sequence is None else seen_sequence
    if not _bump(session, LiveSession.sequence == expected):
        raise ScheduleError(
            _(
                "Someone changed this session (or it was saved from another tab) after you "
                "opened this page. Open it again to see it as it is now, then make your change."
            ),
            status=409,
        )
    previous_starts_at = session.starts_at
    for name in changed:
        setattr(session, name, values[name])
    _tell_cohort(session, changed, previous_starts_at)
    audit.record(
        "live_session.updated",
        actor=actor,
        target=session,
        details={"session": session.slug, "changed": changed},
    )
    db.session.flush()
    return changed


def cancel_session(session: LiveSession, *, actor: User) -> bool:
    """Cancel a session: it stays on the schedule and in calendars, marked cancelled.

    False when it was cancelled already. A session in which learners are recorded as having
    taken part is refused: cancelling would take it out of their completion.
    """
    refusal = session.change_refusal(attendance_count(session), cancels=True)
    if refusal:
        raise ScheduleError(refusal, status=409)
    if not _bump(
        session, LiveSession.status == SessionStatus.SCHEDULED, status=SessionStatus.CANCELLED
    ):
        return False
    _tell_cohort(session, ["status"], session.starts_at)
    audit.record(
        "live_session.cancelled", actor=actor, target=session, details={"session": session.slug}
    )
    db.session.flush()
    return True


def restore_session(session: LiveSession, *, actor: User) -> bool:
    """Put a cancelled session back on the schedule; False when it was not cancelled."""
    if not _bump(
        session, LiveSession.status == SessionStatus.CANCELLED, status=SessionStatus.SCHEDULED
    ):
        return False
    _tell_cohort(session, ["status"], session.starts_at)
    audit.record(
        "live_session.restored", actor=actor, target=session, details={"session": session.slug}
    )
    db.session.flush()
    return True
