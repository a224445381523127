"""The schedule editor: staff add, edit, cancel and restore live sessions in the browser."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from app.authoring.session_forms import NonexistentTimeError, local_start
from app.catalog.content.exporter import export_course
from app.catalog.content.reader import read_course
from app.catalog.models import Course, LiveSession, SessionStatus
from app.catalog.operations import import_course
from app.core.audit import AuditEvent
from app.core.permissions import Role
from app.core.timezones import parse_zoned_time
from app.core.types import utcnow
from app.extensions import db
from app.live.models import Attendance, AttendanceSource
from tests.conftest import Browser
from tests.factories import enrolled_learner, make_instructor
from tests.html import attribute, find, form_fields, links, one, text, texts
from tests.test_applications import count
from tests.test_live_sessions import events_of, new_feed_url, page_text, session_of

NEW_SESSION = {
    "slug": "session-2",
    "title": "Session 2: Care at work",
    "description": "Employers, unions and the city.",
    "day": "2027-04-14",
    "clock": "10:00",
    "time_zone": "Europe/Madrid",
    "duration_minutes": "120",
    "join_url": "https://meeting.example/j/222",
    "counts_for_completion": "y",
}
UID = "example-course.2027-spring.session-2@localhost"


@pytest.fixture
def teacher(course):
    """The course's instructor, named: the history of a session says who changed it."""
    return make_instructor(course, name="Tomás Pérez")


def list_url(cohort) -> str:
    return f"/author/{cohort.course.slug}/cohorts/{cohort.slug}/sessions"


def confirmation(response) -> tuple[str, list[str]]:
    """The page's confirmation: its text, and the course text in it (marked lang="en")."""
    message = one(response, "p.message.message-success")
    return text(message), texts(message, '[lang="en"]')


def new_url(cohort) -> str:
    return f"{list_url(cohort)}/new"


def edit_url(live) -> str:
    return f"/author/{live.cohort.course.slug}/sessions/{live.id}"


def schedule_url(cohort) -> str:
    return f"/courses/{cohort.course.slug}/cohorts/{cohort.slug}/schedule"


def form_values(html: str) -> dict[str, str]:
    """The values a browser would send from the page's first form that posts to /sessions."""
    return form_fields(find(html, 'form[method="post"][action*="/sessions"]')[0])


def edit(browser, live, **changes):
    """Open the edit page, change some fields, and send it, as a person does."""
    page = browser.client.get(edit_url(live))
    assert page.status_code == 200
    values = form_values(page.get_data(as_text=True))
    for name, value in changes.items():
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    return browser.client.post(edit_url(live), data=values)


def add(browser, cohort, **changes):
    data = {**NEW_SESSION, **changes}
    return browser.post_form(new_url(cohort), {k: v for k, v in data.items() if v is not None})


def stored(cohort, slug) -> LiveSession | None:
    return db.session.scalar(
        select(LiveSession).where(LiveSession.cohort_id == cohort.id, LiveSession.slug == slug)
    )


def actions() -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.like("live_session.%"))
            .order_by(AuditEvent.id)
        )
    )


# The journey: add, move, cancel, restore ----------------------------------------------------


def test_a_session_added_moved_and_cancelled_reaches_the_schedule_and_calendars(
    app, teacher_browser, lea_browser, spring
):
    feed = new_feed_url(lea_browser)
    calendar_app = app.test_client()  # a calendar application: not logged in
    cohort_ics = f"{schedule_url(spring)}.ics"

    response = add(teacher_browser, spring)
    assert response.status_code == 302
    assert response.headers["Location"] == f"{list_url(spring)}#session-session-2"
    listed_page = teacher_browser.client.get(response.headers["Location"])
    assert confirmation(listed_page) == (
        "“Session 2: Care at work” is on the schedule of Spring 2027.",
        ["Session 2: Care at work", "Spring 2027"],
    )
    listed = page_text(listed_page)
    # The teacher's zone (Bogotá), with the session's own beside it.
    assert ("Wednesday 14 April 2027, 03:00–05:00 GMT-5 (10:00–12:00 GMT+2 in Madrid)") in listed

    # Lea sees it in Seoul time.
    text = page_text(lea_browser.client.get(schedule_url(spring)))
    assert (
        "Session 2: Care at work Wednesday 14 April 2027, 17:00–19:00 GMT+9 "
        "(10:00–12:00 GMT+2 in Madrid)"
    ) in text
    live = stored(spring, "session-2")
    for events in (events_of(calendar_app.get(cohort_ics)), events_of(calendar_app.get(feed))):
        event = events[UID]
        assert int(event["SEQUENCE"]) == 0
        assert event["DTSTART"].to_ical() == b"20270414T080000Z"
        assert event["DTEND"].to_ical() == b"20270414T100000Z"
        assert str(event["STATUS"]) == "CONFIRMED"
    assert f"/live/{live.id}/join" in str(events_of(calendar_app.get(feed))[UID]["DESCRIPTION"])

    # Moved by an hour and a half.
    response = edit(teacher_browser, live, clock="11:30")
    assert response.status_code == 302
    assert confirmation(teacher_browser.client.get(list_url(spring))) == (
        "“Session 2: Care at work” is saved (the start).",
        ["Session 2: Care at work"],
    )
    text = page_text(lea_browser.client.get(schedule_url(spring)))
    assert "Wednesday 14 April 2027, 18:30–20:30 GMT+9 (11:30–13:30 GMT+2 in Madrid)" in text
    for events in (events_of(calendar_app.get(cohort_ics)), events_of(calendar_app.get(feed))):
        assert events[UID]["DTSTART"].to_ical() == b"20270414T093000Z"
        assert int(events[UID]["SEQUENCE"]) == 1

    # Cancelled, after a confirmation page.
    cancel_url = f"{edit_url(live)}/cancel"
    confirm = teacher_browser.client.get(cancel_url)
    assert confirm.status_code == 200
    assert "Cancel the session" in page_text(confirm)
    response = teacher_browser.post_form(cancel_url, {"confirm": "yes"})
    assert response.status_code == 302
    text = page_text(lea_browser.client.get(schedule_url(spring)))
    assert "Session 2: Care at work Cancelled" in text
    for events in (events_of(calendar_app.get(cohort_ics)), events_of(calendar_app.get(feed))):
        assert str(events[UID]["STATUS"]) == "CANCELLED"
        assert int(events[UID]["SEQUENCE"]) == 2
        assert "This live session is cancelled." in str(events[UID]["DESCRIPTION"])
    assert "Session 2: Care at work Cancelled" in page_text(
        teacher_browser.client.get(list_url(spring))
    )

    # Restored.
    response = teacher_browser.post_form(f"{edit_url(live)}/restore", {}, page=list_url(spring))
    assert response.status_code == 302
    event = events_of(calendar_app.get(feed))[UID]
    assert (str(event["STATUS"]), int(event["SEQUENCE"])) == ("CONFIRMED", 3)
    assert "Session 2: Care at work Cancelled" not in page_text(
        lea_browser.client.get(schedule_url(spring))
    )

    assert actions() == [
        "live_session.added",
        "live_session.updated",
        "live_session.cancelled",
        "live_session.restored",
    ]
    updated = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "live_session.updated")
    )
    assert updated.details == {"session": "session-2", "changed": ["starts_at"]}
    assert updated.object_type == "live_sessions" and updated.object_id == str(live.id)


def test_a_new_session_is_stored_as_the_form_says(teacher_browser, spring):
    add(teacher_browser, spring, counts_for_completion=None, join_url="", description="")
    live = stored(spring, "session-2")
    assert live.starts_at == parse_zoned_time("2027-04-14 10:00 Europe/Madrid")[0]
    assert (live.time_zone, live.duration_minutes, live.sequence) == ("Europe/Madrid", 120, 0)
    assert (live.description, live.join_url, live.recording_url) == (None, None, None)
    assert live.counts_for_completion is False
    assert live.status == SessionStatus.SCHEDULED


def test_the_new_form_starts_in_the_cohort_s_zone(teacher_browser, spring):
    values = form_values(teacher_browser.client.get(new_url(spring)).get_data(as_text=True))
    assert values["time_zone"] == "Europe/Madrid"
    assert values["counts_for_completion"] == "y"
    assert values["slug"] == values["title"] == values["day"] == ""


def test_every_field_can_be_edited_and_the_audit_log_names_them(teacher_browser, spring):
    live = session_of(spring, "orientation")
    response = edit(
        teacher_browser,
        live,
        title="Welcome and orientation",
        description="How the course works, and who is who.",
        day="2027-03-16",
        clock="16:30",
        time_zone="Asia/Seoul",
        duration_minutes="90",
        join_url="https://meeting.example/j/orientation",
        counts_for_completion="y",
    )
    assert response.status_code == 302
    db.session.refresh(live)
    assert live.title == "Welcome and orientation"
    assert live.description == "How the course works, and who is who."
    assert live.starts_at == datetime(2027, 3, 16, 7, 30, tzinfo=UTC)
    assert (live.time_zone, live.duration_minutes) == ("Asia/Seoul", 90)
    assert live.join_url == "https://meeting.example/j/orientation"
    assert live.counts_for_completion is True
    assert live.sequence == 1  # one save, one step, however many fields
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "live_session.updated"))
    assert event.details["changed"] == [
        "title",
        "description",
        "starts_at",
        "time_zone",
        "duration_minutes",
        "join_url",
        "counts_for_completion",
    ]
    # Clearing the optional fields stores nothing rather than empty text.
    edit(teacher_browser, live, description="", join_url="", counts_for_completion=None)
    db.session.refresh(live)
    assert (live.description, live.join_url, live.counts_for_completion) == (None, None, False)
    assert live.sequence == 2


@pytest.mark.parametrize("slug", ["orientation", "session-1"])
def test_a_save_that_changes_nothing_leaves_the_sequence(teacher_browser, client, spring, slug):
    live = session_of(spring, slug)
    before = events_of(client.get(f"/live/{live.id}.ics"))
    response = edit(teacher_browser, live)
    assert response.status_code == 302
    message = confirmation(teacher_browser.client.get(response.headers["Location"]))
    assert message == (f"Nothing to save: “{live.title}” is as it was.", [live.title])
    after = events_of(client.get(f"/live/{live.id}.ics"))
    (uid,) = after
    assert int(after[uid]["SEQUENCE"]) == int(before[uid]["SEQUENCE"])
    assert after[uid]["LAST-MODIFIED"].to_ical() == before[uid]["LAST-MODIFIED"].to_ical()
    assert actions() == []


def test_a_description_and_zone_from_the_files_survive_an_unchanged_save(teacher_browser, spring):
    live = session_of(spring, "orientation")
    # A YAML block keeps its line breaks; "Etc/GMT+5" is not in the list, but course.yaml takes it.
    live.description = "How the course works.\n\nWho is who.\n"
    live.time_zone = "Etc/GMT+5"
    db.session.commit()
    assert edit(teacher_browser, live).status_code == 302
    db.session.refresh(live)
    assert live.description == "How the course works.\n\nWho is who.\n"
    assert (live.time_zone, live.sequence) == ("Etc/GMT+5", 0)
    assert edit(teacher_browser, live, description="  \n ").status_code == 302
    db.session.refresh(live)
    assert (live.description, live.sequence) == (None, 1)


def test_a_recording_and_the_slug_are_kept_by_an_edit(teacher_browser, spring):
    live = session_of(spring, "session-1")
    edit(teacher_browser, live, title="Session 1: Care on the street", slug="renamed")
    db.session.refresh(live)
    assert live.slug == "session-1"
    assert live.recording_url == "https://video.example/recordings/session-1"
    assert live.title == "Session 1: Care on the street"


# Bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"slug": "Session 2"}, "Use only lower-case letters, digits and single hyphens"),
        ({"slug": "session--2"}, "Use only lower-case letters, digits and single hyphens"),
        ({"slug": ""}, "Give the session a short name"),
        ({"slug": "session-1"}, "Spring 2027 already has a session called “session-1”."),
        ({"title": "  "}, "Give the session a title."),
        ({"title": "x" * 201}, "The title can have at most 200 characters."),
        ({"description": "d" * 2001}, "The description can have at most 2000 characters."),
        ({"join_url": "http://meeting.example/j/222"}, "starting with https://"),
        ({"join_url": "javascript:alert(1)"}, "starting with https://"),
        ({"time_zone": "Mars/Olympus"}, "Choose the time zone from the list"),
        ({"time_zone": "EST"}, "Choose the time zone from the list"),  # course.yaml can't say it
        ({"time_zone": None}, "Choose the time zone from the list"),
        ({"duration_minutes": "0"}, "Give a whole number of minutes from 1 to 1440."),
        ({"duration_minutes": "1441"}, "Give a whole number of minutes from 1 to 1440."),
        ({"duration_minutes": "two hours"}, "Give a whole number of minutes from 1 to 1440."),
        ({"day": ""}, "Give the date of the session."),
        ({"day": None}, "Give the date of the session."),
        ({"day": "14/04/2027"}, "Give the date as YYYY-MM-DD"),
        ({"clock": ""}, "Give the start time of the session."),
        ({"clock": "25:00"}, "Give the start time as HH:MM"),
        (
            {"day": "2027-03-28", "clock": "02:30"},
            "There is no 02:30 on Sunday 28 March 2027 in Madrid: the clocks go forward "
            "an hour that night, so that time is skipped.",
        ),
    ],
)
def test_bad_input_is_refused_in_the_page_and_nothing_is_stored(
    teacher_browser, spring, changes, message
):
    before = count(LiveSession)
    response = add(teacher_browser, spring, **changes)
    assert response.status_code == 400
    text = page_text(response)
    assert "Please correct" in text
    assert message in text
    assert count(LiveSession) == before
    assert actions() == []
    assert stored(spring, "session-2") is None


def test_every_mistake_is_named_at_once(teacher_browser, spring):
    response = add(teacher_browser, spring, slug="Bad slug", day="2027-03-28", clock="02:30")
    assert response.status_code == 400
    text = page_text(response)
    assert "Please correct these" in text
    assert "Short name (slug): Use only lower-case letters" in text
    assert "Start time: There is no 02:30 on Sunday 28 March 2027 in Madrid" in text


def test_a_cancelled_session_s_slug_is_taken_too(teacher_browser, spring):
    session_of(spring, "orientation").status = SessionStatus.CANCELLED
    db.session.commit()
    response = add(teacher_browser, spring, slug="orientation")
    assert response.status_code == 400
    assert "already has a session called “orientation” (a cancelled one: restore it instead)" in (
        page_text(response)
    )


def test_a_bad_edit_changes_nothing(teacher_browser, client, spring):
    live = session_of(spring, "session-1")
    before = events_of(client.get(f"/live/{live.id}.ics"))
    response = edit(teacher_browser, live, title="Moved", duration_minutes="0")
    assert response.status_code == 400
    assert "Give a whole number of minutes from 1 to 1440." in page_text(response)
    # What was typed stays in the form, to correct.
    assert form_values(response.get_data(as_text=True))["title"] == "Moved"
    db.session.refresh(live)
    assert (live.title, live.duration_minutes) == ("Session 1: Care in the neighbourhood", 90)
    assert events_of(client.get(f"/live/{live.id}.ics")).keys() == before.keys()
    assert live.sequence == int(next(iter(before.values()))["SEQUENCE"])
    assert actions() == []


def test_a_time_the_clocks_show_twice_is_the_first_and_the_page_says_so(teacher_browser, spring):
    response = add(teacher_browser, spring, day="2027-10-31", clock="02:30")
    assert response.status_code == 302
    text = page_text(teacher_browser.client.get(response.headers["Location"]))
    assert (
        "02:30 on Sunday 31 October 2027 happens twice in Madrid, as the clocks go back "
        "that night; the session starts at the first, 02:30 GMT+2."
    ) in text
    assert stored(spring, "session-2").starts_at == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


def test_local_start_reads_times_in_their_zone():
    assert local_start(date(2027, 7, 8), time(9, 0), "Europe/Madrid").starts_at == datetime(
        2027, 7, 8, 7, 0, tzinfo=UTC
    )
    assert local_start(date(2027, 7, 8), time(9, 0), "Europe/Madrid").note is None
    # Seconds a browser may send are dropped: course.yaml has minutes.
    assert local_start(date(2027, 7, 8), time(9, 0, 30), "UTC").starts_at == datetime(
        2027, 7, 8, 9, 0, tzinfo=UTC
    )
    with pytest.raises(NonexistentTimeError, match=r"as before the change would be 03:30 GMT\+2"):
        local_start(date(2027, 3, 28), time(2, 30), "Europe/Madrid")
    # Lord Howe Island moves its clocks by half an hour.
    with pytest.raises(NonexistentTimeError, match="forward 30 minutes"):
        local_start(date(2027, 10, 3), time(2, 15), "Australia/Lord_Howe")
    # The file format reads a repeated time the same way.
    twice = local_start(date(2027, 10, 31), time(2, 30), "Europe/Madrid")
    assert twice.starts_at == parse_zoned_time("2027-10-31 02:30 Europe/Madrid")[0]
    assert "happens twice" in twice.note


# Attendance, conflicts and double clicks ------------------------------------------------------


def attend(live, learner) -> None:
    db.session.add(
        Attendance(session_id=live.id, user_id=learner.id, source=AttendanceSource.MANUAL)
    )
    db.session.commit()


def test_a_session_with_attendance_keeps_its_start_but_other_edits_are_fine(
    teacher_browser, spring, lea
):
    live = session_of(spring, "session-1")
    attend(live, lea)
    response = edit(teacher_browser, live, clock="19:30")
    assert response.status_code == 409
    assert (
        "1 learner is recorded as having taken part in this session at its present time, so its "
        "start cannot be moved."
    ) in page_text(response)
    db.session.refresh(live)
    assert live.starts_at == parse_zoned_time("2027-03-31 18:30 America/Bogota")[0]
    assert live.sequence == 0
    # Its title and length can still be corrected, and the attendance stays.
    response = edit(teacher_browser, live, title="Session 1 (extended)", duration_minutes="120")
    assert response.status_code == 302
    db.session.refresh(live)
    assert (live.title, live.duration_minutes, live.sequence) == ("Session 1 (extended)", 120, 1)
    assert count(Attendance) == 1


def test_a_session_with_attendance_cannot_be_cancelled(teacher_browser, spring, lea):
    live = session_of(spring, "session-1")
    attend(live, lea)
    cancel_url = f"{edit_url(live)}/cancel"
    page = page_text(teacher_browser.client.get(cancel_url))
    assert "1 learner is recorded as having taken part in this session" in page
    assert "Cancel the session" not in page
    response = teacher_browser.post_form(cancel_url, {"confirm": "yes"}, page=list_url(spring))
    assert response.status_code == 409
    assert "so it cannot be cancelled" in page_text(response)
    db.session.refresh(live)
    assert (live.status, live.sequence) == (SessionStatus.SCHEDULED, 0)
    assert actions() == []


def test_a_save_from_an_outdated_page_is_refused(app, teacher_browser, make_user, course, spring):
    live = session_of(spring, "session-1")
    old_page = form_values(teacher_browser.client.get(edit_url(live)).get_data(as_text=True))
    colleague = Browser(app.test_client())
    colleague.login(make_user(Role.ADMIN, email="admin@city.example").email)
    assert edit(colleague, live, duration_minutes="100").status_code == 302
    response = teacher_browser.client.post(edit_url(live), data={**old_page, "title": "Mine"})
    assert response.status_code == 409
    assert "Someone changed this session" in page_text(response)
    db.session.refresh(live)
    assert (live.title, live.duration_minutes, live.sequence) == (
        "Session 1: Care in the neighbourhood",
        100,
        1,
    )


def test_cancelling_or_restoring_twice_counts_once(teacher_browser, spring):
    live = session_of(spring, "orientation")
    cancel_url = f"{edit_url(live)}/cancel"
    for _ in range(2):
        assert teacher_browser.post_form(cancel_url, {"confirm": "yes"}).status_code == 302
    db.session.refresh(live)
    assert (live.status, live.sequence) == (SessionStatus.CANCELLED, 1)
    assert confirmation(teacher_browser.client.get(list_url(spring))) == (
        "“Orientation” was already cancelled.",
        ["Orientation"],
    )
    restore_url = f"{edit_url(live)}/restore"
    for _ in range(2):
        response = teacher_browser.post_form(restore_url, {}, page=list_url(spring))
        assert response.status_code == 302
    db.session.refresh(live)
    assert (live.status, live.sequence) == (SessionStatus.SCHEDULED, 2)
    assert actions() == ["live_session.cancelled", "live_session.restored"]


def test_cancelling_needs_the_confirmation(teacher_browser, spring):
    live = session_of(spring, "orientation")
    response = teacher_browser.post_form(f"{edit_url(live)}/cancel", {}, page=list_url(spring))
    assert response.status_code == 400
    assert "Press “Cancel the session” to confirm." in page_text(response)
    db.session.refresh(live)
    assert (live.status, live.sequence) == (SessionStatus.SCHEDULED, 0)


def test_a_cancelled_session_can_be_edited_and_stays_cancelled(teacher_browser, spring):
    live = session_of(spring, "orientation")
    teacher_browser.post_form(f"{edit_url(live)}/cancel", {"confirm": "yes"})
    assert "This session is cancelled" in page_text(teacher_browser.client.get(edit_url(live)))
    assert edit(teacher_browser, live, title="Orientation (moved online)").status_code == 302
    db.session.refresh(live)
    assert (live.status, live.title, live.sequence) == (
        SessionStatus.CANCELLED,
        "Orientation (moved online)",
        2,
    )


# The list of sessions -------------------------------------------------------------------------


def test_the_list_shows_coming_and_past_sessions_with_their_actions(
    teacher_browser, spring, course, lea
):
    orientation, session_1 = session_of(spring, "orientation"), session_of(spring, "session-1")
    orientation.starts_at = utcnow() - timedelta(days=2)
    session_1.starts_at = utcnow() + timedelta(days=2)
    session_1.status = SessionStatus.CANCELLED
    db.session.commit()
    attend(orientation, lea)
    response = teacher_browser.client.get(list_url(spring))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    coming, past = html.split('id="past-heading"')
    assert "Session 1: Care in the neighbourhood" in coming and "Orientation" in past
    text = page_text(response)
    assert "Session 1: Care in the neighbourhood Cancelled" in text
    assert "Times are shown in your time zone, Bogotá (Colombia Time)" in text
    assert "1 took part" in text
    # Restoring changes the session: a form's button, never a link.
    sessions = f"/author/{course.slug}/sessions"
    targets = links(html)
    assert f"{sessions}/{session_1.id}/restore" not in targets
    assert f"{sessions}/{session_1.id}/restore" in attribute(html, "form", "action")
    for target in (
        f"{sessions}/{orientation.id}/cancel",
        f"{sessions}/{orientation.id}",
        f"/live/{orientation.id}/attendance",
        schedule_url(spring),
        new_url(spring),
    ):
        assert target in targets


def test_the_list_takes_a_fixed_number_of_queries(teacher_browser, spring, count_queries):
    teacher_browser.client.get(list_url(spring))  # warm up: the login's own queries
    with count_queries() as few:
        assert teacher_browser.client.get(list_url(spring)).status_code == 200
    for number in range(5):
        db.session.add(
            LiveSession(
                cohort_id=spring.id,
                slug=f"extra-{number}",
                title=f"Extra {number}",
                starts_at=utcnow() + timedelta(days=number + 1),
                time_zone="Europe/Madrid",
                duration_minutes=60,
            )
        )
    db.session.commit()
    with count_queries() as many:
        assert teacher_browser.client.get(list_url(spring)).status_code == 200
    assert many.count == few.count


# Who may edit ---------------------------------------------------------------------------------


def routes(course, cohort, live) -> list[tuple[str, str, dict]]:
    session_path = f"/author/{course.slug}/sessions/{live.id}"
    sessions_path = f"/author/{course.slug}/cohorts/{cohort.slug}/sessions"
    return [
        ("GET", sessions_path, {}),
        ("GET", f"{sessions_path}/new", {}),
        ("POST", f"{sessions_path}/new", NEW_SESSION),
        ("GET", session_path, {}),
        ("POST", session_path, {**NEW_SESSION, "title": "Taken over"}),
        ("GET", f"{session_path}/cancel", {}),
        ("POST", f"{session_path}/cancel", {"confirm": "yes"}),
        ("POST", f"{session_path}/restore", {}),
    ]


def send(browser, method, path, data, page):
    if method == "GET":
        return browser.client.get(path)
    return browser.post_form(path, data, page=page)


@pytest.mark.parametrize("who", ["anonymous", "learner", "enrolled_learner", "other_instructor"])
def test_only_the_course_s_staff_reach_the_editor(app, make_user, course, spring, who):
    other = Course(slug="other", title="Other course", summary="Another course.")
    db.session.add(other)
    db.session.commit()
    browser = Browser(app.test_client())
    if who != "anonymous":
        person = {
            "learner": lambda: make_user(email="learner@city.example"),
            "enrolled_learner": lambda: enrolled_learner(spring),
            "other_instructor": lambda: make_user(
                Role.INSTRUCTOR, email="other@city.example", courses=[other]
            ),
        }[who]()
        browser.login(person.email)
    page = "/login" if who == "anonymous" else "/dashboard"
    live = session_of(spring, "orientation")
    for method, path, data in routes(course, spring, live):
        response = send(browser, method, path, data, page)
        if who == "anonymous":
            assert response.status_code == 302, path
            assert response.headers["Location"].startswith("/login?next="), path
        else:
            assert response.status_code == 403, (method, path)
    db.session.refresh(live)
    assert (live.title, live.status, live.sequence) == ("Orientation", SessionStatus.SCHEDULED, 0)
    assert count(LiveSession) == 2
    assert actions() == []


@pytest.mark.parametrize("role", [Role.INSTRUCTOR, Role.ADMIN])
def test_a_session_of_another_course_is_not_found(app, make_user, make_cohort, course, role):
    other = Course(slug="other", title="Other course", summary="Another course.")
    db.session.add(other)
    db.session.commit()
    elsewhere = make_cohort(other, "elsewhere")
    foreign = LiveSession(
        cohort_id=elsewhere.id,
        slug="foreign",
        title="Foreign",
        starts_at=utcnow() + timedelta(days=3),
        time_zone="Europe/Madrid",
        duration_minutes=60,
    )
    db.session.add(foreign)
    db.session.commit()
    person = make_user(role, email="staff@city.example", courses=[course])
    browser = Browser(app.test_client())
    browser.login(person.email)
    # The other course's cohort, and its session, through this course's addresses.
    for method, path, data in routes(course, elsewhere, foreign):
        response = send(browser, method, path, data, "/dashboard")
        assert response.status_code == 404, (method, path)
    db.session.refresh(foreign)
    assert (foreign.title, foreign.status, foreign.sequence) == (
        "Foreign",
        SessionStatus.SCHEDULED,
        0,
    )
    assert stored(elsewhere, "session-2") is None
    assert actions() == []


def test_an_admin_edits_any_course_s_schedule(app, make_user, spring):
    browser = Browser(app.test_client())
    browser.login(make_user(Role.ADMIN, email="admin@city.example").email)
    assert add(browser, spring).status_code == 302
    assert stored(spring, "session-2") is not None


# Back to the files ----------------------------------------------------------------------------


def test_sessions_edited_in_the_browser_are_exported_and_read_back(
    teacher_browser, course, spring, tmp_path
):
    add(teacher_browser, spring, counts_for_completion=None)
    edit(teacher_browser, session_of(spring, "session-1"), duration_minutes="100")
    orientation = session_of(spring, "orientation")
    teacher_browser.post_form(f"{edit_url(orientation)}/cancel", {"confirm": "yes"})
    target = tmp_path / course.slug
    export_course(db.session.get(Course, course.id), target)
    source, problems = read_course(target)
    assert problems == []
    (cohort,) = source.cohorts
    sessions = {live.slug: live for live in cohort.live_sessions}
    # A cancelled session is left out of the file; importing the file keeps it cancelled.
    assert set(sessions) == {"session-1", "session-2"}
    added = sessions["session-2"]
    assert (added.title, added.description) == (NEW_SESSION["title"], NEW_SESSION["description"])
    assert added.starts_at == parse_zoned_time("2027-04-14 10:00 Europe/Madrid")[0]
    assert (added.time_zone, added.minutes) == ("Europe/Madrid", 120)
    assert (added.join_url, added.counts_for_completion) == (NEW_SESSION["join_url"], False)
    assert sessions["session-1"].minutes == 100
    # Importing the exported files changes nothing: no calendar sees an update.
    sequences = {live.slug: (live.status, live.sequence) for live in spring.live_sessions}
    import_course(source)
    db.session.commit()
    db.session.expire_all()
    assert {live.slug: (live.status, live.sequence) for live in spring.live_sessions} == sequences
