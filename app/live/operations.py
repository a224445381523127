"""Every write about live sessions: joining, attendance, report imports, recordings, feeds."""

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from app.accounts.models import User
from app.catalog.models import LiveSession
from app.catalog.outline import outline_of
from app.catalog.outlines import outline_changed
from app.catalog.queries import course_outlines
from app.core import audit
from app.core.models import add_unless_duplicate
from app.core.timezones import format_weekday, local_time
from app.core.urls import is_https_url
from app.extensions import db
from app.learning.counter_operations import count_attendance
from app.learning.operations import note_activity, record_completion
from app.live import queries
from app.live.models import Attendance, AttendanceSource, CalendarFeed, RecordingView
from app.live.reports import Participant, ParticipantReport
from app.live.times import ZonedSpan, time_until


class LiveSessionError(ValueError):
    """Something that cannot be done with a live session now, said so a person can act on it."""


def _check_completion(users: list[User], session: LiveSession, now: datetime) -> None:
    """Evaluate the completion rules again for learners whose attendance just grew."""
    if not users:
        return
    course = outline_of(course_outlines([session.cohort.course_id])[session.cohort.course_id])
    for user in users:
        record_completion(user, course, now=now)


def _add_attendance(session: LiveSession, user: User, **values) -> Attendance | None:
    """Insert an attendance in a savepoint, counted on the learner's enrolment; None when one
    was stored meanwhile (another tab)."""
    attendance = Attendance(session_id=session.id, user_id=user.id, **values)
    if not add_unless_duplicate(attendance):
        return None
    count_attendance(user.id, session.cohort_id, 1)
    return attendance


def attendance_not_open(session: LiveSession, zone_name: str, now: datetime) -> str | None:
    """Why no attendance can be recorded for the session yet, in a reader's zone (None: it can)."""
    if session.has_started(now):
        return None
    starts = ZonedSpan.of(session.starts_at, session.ends_at, zone_name)
    return _(
        "Attendance can be recorded once the session has started: from %(day)s, %(time)s "
        "%(zone)s (%(left)s).",
        day=starts.day(),
        time=f"{starts.start:%H:%M}",
        zone=starts.abbreviation,
        left=time_until(session.starts_at, session.ends_at, now),
    )


def _require_started(session: LiveSession, zone_name: str, now: datetime) -> None:
    refusal = attendance_not_open(session, zone_name, now)
    if refusal is not None:
        raise LiveSessionError(refusal)


def check_joinable(user: User, session: LiveSession, *, now: datetime) -> None:
    """Refuse, with a sentence, joining a session that is cancelled, closed or has no link."""
    if session.is_cancelled:
        raise LiveSessionError(_("This live session is cancelled, so there is nothing to join."))
    if not is_https_url(session.join_url):
        raise LiveSessionError(
            _(
                "The meeting link of this session is not available yet. The course team will add "
                "it before the session; come back to the schedule then."
            )
        )
    if session.is_over(now):
        raise LiveSessionError(
            _("This live session is over. When its recording is ready, it is on the schedule.")
        )
    if not session.is_open_for_joining(now):
        opens = ZonedSpan.of(session.join_opens_at, session.starts_at, user.time_zone)
        raise LiveSessionError(
            _(
                "You can join from %(day)s, %(time)s %(zone)s (%(left)s): 15 minutes before "
                "the start.",
                day=opens.day(),
                time=f"{opens.start:%H:%M}",
                zone=opens.abbreviation,
                left=time_until(session.join_opens_at, session.ends_at, now),
            )
        )


def record_join(user: User, session: LiveSession, *, now: datetime) -> str:
    """Record that a learner joined through the platform; return the meeting's address.

    The caller has checked that the learner is enrolled in the session's cohort. In the
    15 minutes before the start the meeting opens, but nothing is recorded: a learner who
    leaves before the start did not take part (the participant report counts early joiners).
    """
    check_joinable(user, session, now=now)
    note_activity(user, session.cohort.course_id, now=now)
    if not session.has_started(now):
        return session.join_url
    attendance = queries.attendances_in(session.id, [user.id]).get(user.id)
    if attendance is None:
        attendance = _add_attendance(
            session, user, source=AttendanceSource.PLATFORM, joined_at=now, recorded_at=now
        )
        if attendance is not None:
            _check_completion([user], session, now)
    elif attendance.joined_at is None:
        attendance.joined_at = now
    db.session.flush()
    return session.join_url


def mark_attendance(
    session: LiveSession, learner: User, *, present: bool, actor: User, now: datetime
) -> bool:
    """Course staff mark a learner present or absent by hand; True when something changed.

    Marking present waits for the start; removing stays possible, to undo a wrong record.
    """
    attendance = queries.attendances_in(session.id, [learner.id]).get(learner.id)
    # The learner's id, not their address: the log outlives the account (see delete_account).
    details = {"session": session.slug, "learner": learner.id}
    if present:
        _require_started(session, actor.time_zone, now)
        if attendance is not None:
            return False
        if (
            _add_attendance(
                session,
                learner,
                source=AttendanceSource.MANUAL,
                recorded_at=now,
                recorded_by_id=actor.id,
            )
            is None
        ):
            return False
        audit.record("live.attendance_marked", actor=actor, target=session, details=details)
        _check_completion([learner], session, now)
    else:
        if attendance is None:
            return False
        details["was"] = attendance.source.value
        db.session.delete(attendance)
        count_attendance(learner.id, session.cohort_id, -1)
        audit.record("live.attendance_removed", actor=actor, target=session, details=details)
    db.session.flush()
    return True


@dataclass
class ReportRow:
    """One participant of a report, and what importing it does."""

    participant: Participant
    learner: User | None = None
    outcome: str = ""  # new, updated, unchanged, kept, short, unknown, not_enrolled, no_email


OUTCOME_TEXT = {
    "new": _l("Attendance will be recorded"),
    "updated": _l("Already recorded; the minutes will be updated"),
    "unchanged": _l("Already recorded; nothing changes"),
    "kept": _l(
        "Under the minimum, but already recorded another way: kept (remove it by hand if "
        "it should not count)"
    ),
    "short": _l("Under the minimum: not recorded"),
    "unknown": _l("No account has this e-mail"),
    "not_enrolled": _l("Has an account, but is not a learner of this cohort"),
    "no_email": _l("No e-mail in the report (a guest or a phone caller)"),
}


@dataclass
class ImportPlan:
    """What importing a report would do, computed without changing anything."""

    session: LiveSession
    minimum_minutes: int
    matched: list[ReportRow] = field(default_factory=list)
    unmatched: list[ReportRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    duplicates: int = 0
    waiting_room: int = 0
    other_day: str | None = None  # the report seems to be of a meeting on another day

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.matched if row.outcome == outcome)

    @property
    def changes(self) -> int:
        return self.count("new") + self.count("updated")


def plan_report_import(
    session: LiveSession, report: ParticipantReport, *, minimum_minutes: int
) -> ImportPlan:
    """Match a report's participants to the cohort's learners by e-mail, ignoring case."""
    plan = ImportPlan(
        session,
        minimum_minutes,
        problems=report.problems,
        duplicates=report.duplicates,
        waiting_room=report.waiting_room,
    )
    # The report's times are on its host's clock, whose zone it does not say: a day apart
    # can be the same meeting, more cannot.
    local_start = local_time(session.starts_at, session.time_zone)
    if report.first_join and abs((report.first_join.date() - local_start.date()).days) > 1:
        plan.other_day = format_weekday(report.first_join.date())
    emails = [p.email for p in report.participants if p.email]
    learners = queries.cohort_learners_by_email(session.cohort_id, emails)
    accounts = queries.known_emails([e for e in emails if e not in learners])
    existing = queries.attendances_in(session.id, [user.id for user in learners.values()])
    for participant in report.participants:
        learner = learners.get(participant.email)
        if learner is None:
            if not participant.email:
                outcome = "no_email"
            else:
                outcome = "not_enrolled" if participant.email in accounts else "unknown"
            plan.unmatched.append(ReportRow(participant, None, outcome))
            continue
        attendance = existing.get(learner.id)
        if participant.minutes < minimum_minutes:
            outcome = "kept" if attendance is not None else "short"
        elif attendance is None:
            outcome = "new"
        elif attendance.report_minutes == participant.minutes:
            outcome = "unchanged"
        else:
            outcome = "updated"
        plan.matched.append(ReportRow(participant, learner, outcome))
    plan.matched.sort(key=lambda row: (row.learner.name.lower(), row.learner.id))
    return plan


def apply_report_import(plan: ImportPlan, *, actor: User, now: datetime) -> int:
    """Store what the plan says; return how many attendances were added or updated."""
    session = plan.session
    _require_started(session, actor.time_zone, now)
    existing = queries.attendances_in(session.id, [row.learner.id for row in plan.matched])
    added = []
    changed = 0
    for row in plan.matched:
        if row.outcome == "new" and row.learner.id not in existing:
            if (
                _add_attendance(
                    session,
                    row.learner,
                    source=AttendanceSource.REPORT,
                    recorded_at=now,
                    recorded_by_id=actor.id,
                    report_minutes=row.participant.minutes,
                )
                is not None
            ):
                added.append(row.learner)
        elif row.outcome in {"new", "updated"}:
            attendance = existing[row.learner.id]
            if attendance.report_minutes != row.participant.minutes:
                attendance.report_minutes = row.participant.minutes
                changed += 1
    audit.record(
        "live.report_imported",
        actor=actor,
        target=session,
        details={
            "session": session.slug,
            "minimum_minutes": plan.minimum_minutes,
            "added": len(added),
            "updated": changed,
            "unmatched": len(plan.unmatched),
        },
    )
    db.session.flush()
    _check_completion(added, session, now)
    return len(added) + changed


def set_recording(session: LiveSession, url: str, *, actor: User, now: datetime) -> None:
    """Course staff add (or change) the recording of a session that has ended."""
    if not session.is_over(now):
        raise LiveSessionError(_("A recording can be added once the session has ended."))
    if not is_https_url(url):
        raise LiveSessionError(
            _("The recording's address must start with https:// (at most 500 characters).")
        )
    if session.recording_url == url:
        return
    audit.record(
        "live.recording_set",
        actor=actor,
        target=session,
        details={"session": session.slug, "replaced": bool(session.recording_url)},
    )
    session.recording_url = url
    db.session.flush()
    outline_changed([session.cohort.course_id])  # the schedule shows the recording


def mark_recording_watched(user: User, session: LiveSession, *, now: datetime) -> bool:
    """A learner who missed a session watched its recording; True the first time."""
    if not session.recording_url or not session.is_over(now):
        raise LiveSessionError(_("This session has no recording yet."))
    if queries.attendances_in(session.id, [user.id]):
        raise LiveSessionError(
            _(
                "You took part in this session, so its recording is there for you to watch "
                "again; there is nothing to mark."
            )
        )
    exists_already = db.session.scalar(
        select(RecordingView.id).where(
            RecordingView.user_id == user.id, RecordingView.session_id == session.id
        )
    )
    if exists_already is not None:
        return False
    if not add_unless_duplicate(
        RecordingView(session_id=session.id, user_id=user.id, watched_at=now)
    ):
        return False
    note_activity(user, session.cohort.course_id, now=now)
    _check_completion([user], session, now)
    return True


def create_calendar_feed(user: User, *, now: datetime) -> str:
    """Give a learner a new secret feed address, replacing any earlier one; return the token."""
    token = secrets.token_urlsafe(32)
    db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    db.session.add(
        CalendarFeed(user_id=user.id, token_digest=CalendarFeed.digest(token), created_at=now)
    )
    audit.record("calendar_feed.created", actor=user, target=user)
    db.session.flush()
    return token


def revoke_calendar_feed(user: User) -> bool:
    """Turn a learner's feed off: its address stops working at once."""
    removed = db.session.execute(
        delete(CalendarFeed).where(CalendarFeed.user_id == user.id)
    ).rowcount
    if removed:
        audit.record("calendar_feed.revoked", actor=user, target=user)
    return bool(removed)
