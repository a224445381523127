"""Attendance that really happened: only once a session has started, and joined on purpose."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.catalog.outline import outline_of
from app.catalog.queries import course_outlines
from app.core.audit import AuditEvent
from app.core.timezones import local_time
from app.core.types import utcnow
from app.extensions import db
from app.learning.operations import record_completion
from app.live.models import Attendance, AttendanceSource, RecordingView
from app.live.operations import LiveSessionError, apply_report_import, plan_report_import
from app.live.reports import read_report
from tests.factories import make_instructor
from tests.html import csrf_token
from tests.test_applications import count
from tests.test_live_sessions import (
    MEETING,
    MESSY_REPORT,
    RECORDING,
    attendance_url,
    complete_lessons_and_quizzes,
    completed_at,
    join,
    page_text,
    schedule_url,
    session_of,
    starts_in,
    upload,
)


@pytest.fixture
def teacher(course):
    """The course's instructor, in Dakar (UTC all year, unlike Lea's Seoul)."""
    return make_instructor(course, time_zone="Africa/Dakar")


@pytest.fixture
def coming(spring):
    """Session 1, three days and a half hour ahead."""
    live = session_of(spring, "session-1")
    starts_in(live, timedelta(days=3, minutes=30))
    return live


def opens_text(live, zone: str) -> str:
    start = local_time(live.starts_at, zone)
    return (
        f"Attendance can be recorded once the session has started: from {start:%A %-d %B %Y, %H:%M}"
    )


# Marking by hand and importing wait for the start -------------------------------------------------


def test_the_attendance_page_of_a_coming_session_says_when_it_opens(teacher_browser, coming, lea):
    text = page_text(teacher_browser.client.get(attendance_url(coming)))
    # In the reader's zone (Dakar is UTC+0 all year: GMT).
    assert f"{opens_text(coming, 'Africa/Dakar')} GMT (in 3 days)." in text
    assert "Mark present" not in text and "Import the meeting's participant report" not in text


def test_marking_present_before_the_start_is_refused_and_stores_nothing(
    teacher_browser, coming, lea
):
    response = teacher_browser.post_form(
        attendance_url(coming), {"learner_id": str(lea.id), "present": "yes"}
    )
    assert response.status_code == 409
    assert opens_text(coming, "Africa/Dakar") in page_text(response)
    assert count(Attendance) == 0
    assert "live.attendance_marked" not in db.session.scalars(select(AuditEvent.action)).all()


def test_a_wrong_record_of_a_coming_session_can_still_be_removed(
    teacher_browser, coming, lea, teacher
):
    db.session.add(
        Attendance(
            session_id=coming.id,
            user_id=lea.id,
            source=AttendanceSource.MANUAL,
            recorded_at=utcnow(),
            recorded_by_id=teacher.id,
        )
    )
    db.session.commit()
    assert "Mark absent" in page_text(teacher_browser.client.get(attendance_url(coming)))
    response = teacher_browser.post_form(
        attendance_url(coming), {"learner_id": str(lea.id), "present": "no"}
    )
    assert response.status_code == 302
    assert count(Attendance) == 0


def test_a_report_of_a_coming_session_is_refused_and_stores_nothing(teacher_browser, coming, lea):
    url = f"/live/{coming.id}/attendance/import"
    page = page_text(teacher_browser.client.get(url))
    assert opens_text(coming, "Africa/Dakar") in page and "Preview the import" not in page
    # The form of a page opened before, sent now.
    response = upload(teacher_browser, coming, MESSY_REPORT)
    assert response.status_code == 409
    assert opens_text(coming, "Africa/Dakar") in page_text(response)
    assert "Preview: nothing is saved yet" not in page_text(response)
    assert count(Attendance) == 0


def test_the_import_operation_refuses_a_session_that_has_not_started(coming, lea, teacher):
    plan = plan_report_import(coming, read_report(MESSY_REPORT), minimum_minutes=0)
    assert plan.count("new") == 1  # the preview may be computed; storing it is refused
    with pytest.raises(LiveSessionError, match="once the session has started"):
        apply_report_import(plan, actor=teacher, now=coming.starts_at - timedelta(seconds=1))
    assert count(Attendance) == 0
    assert apply_report_import(plan, actor=teacher, now=coming.starts_at) == 1


def test_a_recording_of_a_coming_session_cannot_be_marked_watched(lea_browser, coming):
    coming.recording_url = RECORDING  # as a course file may say
    db.session.commit()
    response = lea_browser.post_form(
        f"/live/{coming.id}/watched", {}, page=schedule_url(coming.cohort)
    )
    assert response.status_code == 409
    assert count(RecordingView) == 0


# Joining: recorded from the start, and only when the learner meant it ----------------------------


def test_the_meeting_opens_early_but_taking_part_counts_from_the_start(lea_browser, spring):
    live = session_of(spring, "session-1")
    starts_in(live, timedelta(minutes=10))
    response = join(lea_browser, live)
    assert (response.status_code, response.headers["Location"]) == (303, MEETING)
    assert count(Attendance) == 0
    starts_in(live, -timedelta(minutes=1))
    assert join(lea_browser, live).status_code == 303
    assert count(Attendance) == 1


@pytest.mark.parametrize("fetch_site", ["same-origin", "same-site", "none"])
def test_a_join_from_this_site_a_bookmark_or_a_calendar_goes_straight_to_the_meeting(
    lea_browser, lea, spring, fetch_site
):
    live = session_of(spring, "session-1")
    starts_in(live, -timedelta(minutes=5))
    response = join(lea_browser, live, fetch_site=fetch_site)
    assert (response.status_code, response.headers["Location"]) == (303, MEETING)
    assert db.session.scalars(select(Attendance.user_id)).all() == [lea.id]


@pytest.mark.parametrize("fetch_site", ["cross-site", None])
def test_a_join_from_another_site_asks_first_and_records_after_the_click(
    lea_browser, lea, spring, fetch_site
):
    live = session_of(spring, "session-1")
    starts_in(live, -timedelta(minutes=5))
    asked = join(lea_browser, live, fetch_site=fetch_site)
    assert asked.status_code == 200
    html = asked.get_data(as_text=True)
    assert "Join “ Session 1: Care in the neighbourhood ” now?" in page_text(asked)
    assert f'<form method="post" action="/live/{live.id}/join">' in html
    assert MEETING not in html
    assert asked.headers["Cache-Control"] == "no-store"
    assert count(Attendance) == 0

    # Another site cannot send the confirmation itself: it has no token.
    forged = lea_browser.client.post(
        f"/live/{live.id}/join", headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert forged.status_code == 400
    assert count(Attendance) == 0

    confirmed = lea_browser.client.post(
        f"/live/{live.id}/join", data={"csrf_token": csrf_token(asked)}
    )
    assert (confirmed.status_code, confirmed.headers["Location"]) == (303, MEETING)
    assert db.session.scalars(select(Attendance.user_id)).all() == [lea.id]


def test_a_join_from_another_site_to_a_closed_session_says_why(lea_browser, spring):
    live = session_of(spring, "session-1")
    starts_in(live, -timedelta(days=1))
    response = join(lea_browser, live, fetch_site="cross-site")
    assert response.status_code == 409
    assert "This live session is over" in page_text(response)
    assert count(Attendance) == 0


# Completion is never dated before a session it counts ---------------------------------------------


def test_a_wrong_attendance_of_a_coming_session_does_not_complete_the_course(
    lea_browser, lea, course, spring
):
    live = session_of(spring, "session-1")
    starts_in(live, timedelta(days=60))
    # Recorded before the fix, or by hand in the database: the session is two months ahead.
    db.session.add(
        Attendance(
            session_id=live.id, user_id=lea.id, source=AttendanceSource.REPORT, recorded_at=utcnow()
        )
    )
    db.session.commit()
    complete_lessons_and_quizzes(lea_browser, lea, course)
    assert completed_at(lea, spring) is None
    assert "enrollment.completed" not in db.session.scalars(select(AuditEvent.action)).all()

    outline = outline_of(course_outlines([course.id])[course.id])
    record_completion(lea, outline, now=live.starts_at - timedelta(minutes=1))
    assert completed_at(lea, spring) is None
    record_completion(lea, outline, now=live.starts_at + timedelta(minutes=5))
    db.session.commit()
    assert completed_at(lea, spring) == live.starts_at + timedelta(minutes=5)
