"""Live sessions: the schedule in each zone, joining, calendar files and feeds, attendance."""

import io
from datetime import UTC, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.accounts.operations import set_active
from app.catalog.content.reader import read_course
from app.catalog.models import LiveSession, SessionStatus
from app.catalog.operations import import_course
from app.catalog.outlines import outline_changed
from app.core.audit import AuditEvent
from app.core.permissions import Role
from app.core.timezones import parse_zoned_time
from app.core.types import utcnow
from app.extensions import db
from app.learning.models import Enrollment
from app.learning.operations import mark_lesson_done
from app.live.models import Attendance, AttendanceSource, CalendarFeed, RecordingView
from app.live.operations import plan_report_import
from app.live.reports import read_report
from tests.conftest import EXAMPLE_COURSE, PASSWORD, Browser
from tests.factories import enrolled_learner
from tests.learning_helpers import take_quiz
from tests.test_applications import count
from tests.test_live_reports import REPORTS
from tests.test_pages import visible_text

MEETING = "https://meeting.example/j/123456"
RECORDING = "https://video.example/recordings/session-1"


def session_of(cohort, slug) -> LiveSession:
    return next(live for live in cohort.live_sessions if live.slug == slug)


def schedule_url(cohort) -> str:
    return f"/courses/{cohort.course.slug}/cohorts/{cohort.slug}/schedule"


def starts_in(live: LiveSession, delta: timedelta) -> None:
    live.starts_at = utcnow() + delta
    outline_changed([live.cohort.course_id])  # as the session editor does
    db.session.commit()


def page_text(response) -> str:
    return visible_text(response.get_data(as_text=True))


# The schedule ----------------------------------------------------------------------------------


def test_the_schedule_is_in_the_learner_s_zone_with_the_session_s_own_beside(lea_browser, spring):
    text = page_text(lea_browser.client.get(schedule_url(spring)))
    assert "Times are shown in your time zone, Seoul (Korean Time)" in text
    # Orientation: 09:00 in Madrid in winter time is 17:00 in Seoul.
    assert "Monday 15 March 2027, 17:00–19:00 GMT+9 (09:00–11:00 GMT+1 in Madrid)" in text
    # Session 1 was planned in Bogota in the evening: the next morning in Seoul.
    assert (
        "Thursday 1 April 2027, 08:30–10:00 GMT+9 (Wednesday 31 March, 18:30–20:00 GMT-5 in Bogotá)"
    ) in text


def test_a_visitor_sees_each_session_in_its_own_zone_and_no_join_link(client, spring):
    response = client.get(schedule_url(spring))
    text = page_text(response)
    assert "Monday 15 March 2027, 09:00–11:00 GMT+1 (Madrid time)" in text
    assert "Wednesday 31 March 2027, 18:30–20:00 GMT-5 (Bogotá time)" in text
    assert "Log in to see them in your own time zone" in text
    assert "/join" not in response.get_data(as_text=True)


def test_past_sessions_are_listed_apart_from_coming_ones(lea_browser, spring):
    starts_in(session_of(spring, "orientation"), -timedelta(days=3))
    starts_in(session_of(spring, "session-1"), timedelta(days=3))
    html = lea_browser.client.get(schedule_url(spring)).get_data(as_text=True)
    coming, past = html.split('id="past-heading"')
    assert "Session 1: Care in the neighbourhood" in coming
    assert "Orientation" in past and "Orientation" not in coming.split("upcoming-heading")[1]


def test_the_next_session_card_says_how_long_until_it_starts(lea_browser, course, spring):
    starts_in(session_of(spring, "orientation"), -timedelta(days=3))
    starts_in(session_of(spring, "session-1"), timedelta(days=3, hours=2))
    for page in ("/dashboard", f"/courses/{course.slug}"):
        text = page_text(lea_browser.client.get(page))
        assert "Next live session Session 1: Care in the neighbourhood" in text, page
        assert "Starts in 3 days and 2 hours." in text
        assert "The join button appears here 15 minutes before the start." in text
    starts_in(session_of(spring, "session-1"), timedelta(minutes=10))
    html = lea_browser.client.get("/dashboard").get_data(as_text=True)
    assert "Starts in 10 minutes." in visible_text(html)
    assert f'href="/live/{session_of(spring, "session-1").id}/join"' in html


def test_a_cancelled_session_is_marked_and_skipped_by_the_card(lea_browser, spring):
    starts_in(session_of(spring, "session-1"), timedelta(days=3))
    session_of(spring, "orientation").status = SessionStatus.CANCELLED
    starts_in(session_of(spring, "orientation"), timedelta(days=1))
    text = page_text(lea_browser.client.get(schedule_url(spring)))
    assert "Orientation Cancelled" in text
    card = text.split("Next live session", 1)[1]
    assert card.lstrip().startswith("Session 1")


# Joining ---------------------------------------------------------------------------------------


def join(browser, live, fetch_site="same-origin"):
    """Follow the join link, as from the site's own pages unless told otherwise."""
    headers = {"Sec-Fetch-Site": fetch_site} if fetch_site else {}
    return browser.client.get(f"/live/{live.id}/join", headers=headers)


@pytest.mark.parametrize(
    ("delta", "opens"),
    [
        (timedelta(minutes=15, seconds=30), False),
        (timedelta(minutes=14, seconds=30), True),
        (-timedelta(minutes=89, seconds=30), True),  # 90 minutes long: 30 s left
        (-timedelta(minutes=90, seconds=30), False),
    ],
)
def test_the_join_window_runs_from_15_minutes_before_to_the_end(
    lea_browser, lea, spring, delta, opens
):
    live = session_of(spring, "session-1")
    starts_in(live, delta)
    response = join(lea_browser, live)
    stored = db.session.scalars(select(Attendance)).all()
    if opens:
        assert response.status_code == 303
        assert response.headers["Location"] == MEETING
        # The meeting opens early, but taking part is recorded only from the start.
        expected = [(lea.id, AttendanceSource.PLATFORM, True)] if delta < timedelta(0) else []
        assert [(a.user_id, a.source, a.joined_at is not None) for a in stored] == expected
    else:
        assert response.status_code == 409
        assert MEETING not in response.get_data(as_text=True)
        message = "You can join from" if delta > timedelta(0) else "This live session is over"
        assert message in page_text(response)
        assert stored == []


def test_joining_twice_keeps_the_first_time(lea_browser, spring):
    live = session_of(spring, "session-1")
    starts_in(live, -timedelta(minutes=5))
    join(lea_browser, live)
    first = db.session.scalar(select(Attendance.joined_at))
    assert join(lea_browser, live).status_code == 303
    assert db.session.scalars(select(Attendance.joined_at)).all() == [first]
    text = page_text(lea_browser.client.get(schedule_url(spring)))
    seoul = first.astimezone(ZoneInfo("Asia/Seoul"))
    assert f"You took part: you joined through the platform at {seoul:%H:%M}." in text


def test_cancelled_sessions_and_sessions_without_a_link_cannot_be_joined(lea_browser, spring):
    orientation = session_of(spring, "orientation")  # has no join_url
    starts_in(orientation, timedelta(minutes=1))
    response = join(lea_browser, orientation)
    assert response.status_code == 409
    assert "The meeting link of this session is not available yet" in page_text(response)
    live = session_of(spring, "session-1")
    starts_in(live, timedelta(minutes=1))
    live.status = SessionStatus.CANCELLED
    db.session.commit()
    response = join(lea_browser, live)
    assert response.status_code == 409
    assert "cancelled" in page_text(response)
    assert count(Attendance) == 0


def test_only_the_cohort_s_learners_can_join(app, make_user, spring, course, make_cohort):
    live = session_of(spring, "session-1")
    starts_in(live, timedelta(minutes=1))
    other_cohort = make_cohort(course, "other")
    outsiders = [
        make_user(email="nobody@city.example"),
        enrolled_learner(other_cohort, email="elsewhere@city.example"),
        make_user(Role.INSTRUCTOR, email="teacher@city.example", courses=[course]),
        make_user(Role.ADMIN, email="admin@city.example"),
    ]
    for person in outsiders:
        browser = Browser(app.test_client())
        browser.login(person.email)
        response = join(browser, live)
        assert response.status_code == 403, person.email
        assert MEETING not in response.get_data(as_text=True)
    anonymous = app.test_client().get(f"/live/{live.id}/join")
    assert anonymous.headers["Location"].startswith("/login?next=")
    assert count(Attendance) == 0


def test_the_meeting_url_never_leaks(app, make_user, course, spring, lea):
    live = session_of(spring, "session-1")
    starts_in(live, timedelta(minutes=5))  # open for joining: the most there is to see
    staff = make_user(Role.INSTRUCTOR, email="teacher@city.example", courses=[course])
    admin = make_user(Role.ADMIN, email="admin@city.example")
    pages = [
        "/",
        f"/courses/{course.slug}",
        f"/courses/{course.slug}/guidebook",
        schedule_url(spring),
        f"{schedule_url(spring)}.ics",
        f"/live/{live.id}.ics",
        f"/live/{live.id}/attendance",
        "/dashboard",
        "/account/calendar",
        "/account/data.json",
    ]
    for person in (None, make_user(email="nobody@city.example"), lea, staff, admin):
        browser = Browser(app.test_client())
        if person:
            browser.login(person.email)
        for page in pages:
            body = browser.client.get(page).get_data(as_text=True)
            assert "meeting.example" not in body, (person and person.email, page)
    # Nor in the personal feed.
    feed_browser = Browser(app.test_client())
    feed_browser.login(lea.email)
    feed = feed_browser.client.get(new_feed_url(feed_browser)).get_data(as_text=True)
    assert "meeting.example" not in feed and f"/live/{live.id}/join" in feed


# Calendar files ---------------------------------------------------------------------------------


def events_of(response) -> dict[str, object]:
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.get_data())
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_a_session_s_calendar_file_has_its_times_in_utc_and_a_stable_uid(client, spring):
    live = session_of(spring, "session-1")
    response = client.get(f"/live/{live.id}.ics")
    assert "attachment" in response.headers["Content-Disposition"]
    ((uid, event),) = events_of(response).items()
    assert uid == "example-course.2027-spring.session-1@localhost"
    assert event.decoded("DTSTART") == parse_zoned_time("2027-03-31 18:30 America/Bogota")[0]
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=90)
    assert event["DTSTART"].to_ical() == b"20270331T233000Z"
    assert str(event["SUMMARY"]) == "Example course: Session 1: Care in the neighbourhood"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "/join" not in str(event["DESCRIPTION"])  # a visitor gets no join link
    assert str(event["LOCATION"]) == "Online"


def test_the_cohort_calendar_gives_its_learners_the_join_link(lea_browser, client, spring):
    url = f"{schedule_url(spring)}.ics"
    learners = events_of(lea_browser.client.get(url))
    visitors = events_of(client.get(url))
    assert (
        learners.keys()
        == visitors.keys()
        == {
            "example-course.2027-spring.orientation@localhost",
            "example-course.2027-spring.session-1@localhost",
        }
    )
    session_1 = "example-course.2027-spring.session-1@localhost"
    join_link = f"http://localhost/live/{session_of(spring, 'session-1').id}/join"
    assert join_link in str(learners[session_1]["DESCRIPTION"])
    assert str(learners[session_1]["LOCATION"]) == join_link
    assert join_link not in str(visitors[session_1]["DESCRIPTION"])
    assert lea_browser.client.get(url).headers["Cache-Control"] == "private, no-store"


def test_an_edited_session_keeps_its_uid_and_its_sequence_grows(client, example_copy, spring):
    live = session_of(spring, "session-1")
    before = events_of(client.get(f"/live/{live.id}.ics"))
    course_yaml = example_copy / "course.yaml"
    course_yaml.write_text(
        course_yaml.read_text().replace(
            "2027-03-31 18:30 America/Bogota", "2027-04-01 18:30 America/Bogota"
        )
    )
    source, problems = read_course(example_copy)
    assert problems == []
    import_course(source)
    db.session.commit()
    after = events_of(client.get(f"/live/{live.id}.ics"))
    assert before.keys() == after.keys()
    (uid,) = after
    assert int(after[uid]["SEQUENCE"]) == int(before[uid]["SEQUENCE"]) + 1
    assert after[uid]["DTSTART"].to_ical() == b"20270401T233000Z"
    # Removed from course.yaml: cancelled, and the calendar says so.
    orientation = session_of(spring, "orientation")
    listed = events_of(client.get(f"/live/{orientation.id}.ics"))
    text = course_yaml.read_text()
    start, end = text.index("  - slug: orientation"), text.index("  - slug: session-1")
    course_yaml.write_text(text[:start] + text[end:])
    source, problems = read_course(example_copy)
    assert problems == []
    import_course(source)
    db.session.commit()
    (uid,) = listed
    cancelled = events_of(client.get(f"/live/{orientation.id}.ics"))[uid]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) == int(listed[uid]["SEQUENCE"]) + 1
    assert "This live session is cancelled." in str(cancelled["DESCRIPTION"])


# The personal feed ------------------------------------------------------------------------------


def new_feed_url(browser) -> str:
    response = browser.post_form("/account/calendar", {"action": "create"})
    assert response.status_code == 302
    html = browser.client.get("/account/calendar").get_data(as_text=True)
    start = html.index('id="feed-url"')
    value = html[start:].split('value="', 1)[1].split('"', 1)[0]
    assert value.startswith("http://localhost/calendar/") and value.endswith(".ics")
    return value.removeprefix("http://localhost")


def test_a_learner_s_feed_follows_the_schedule_and_can_be_turned_off(app, lea_browser, lea, spring):
    feed = new_feed_url(lea_browser)
    # The address is shown once; only its digest is stored.
    again = lea_browser.client.get("/account/calendar").get_data(as_text=True)
    assert 'id="feed-url"' not in again and "No calendar application has fetched it yet" in again
    token = feed.removeprefix("/calendar/").removesuffix(".ics")
    assert db.session.scalar(select(CalendarFeed.token_digest)) == CalendarFeed.digest(token)
    assert token not in str(db.session.scalar(select(CalendarFeed.token_digest)))

    calendar_app = app.test_client()  # not logged in, as a calendar application is
    events = events_of(calendar_app.get(feed))
    assert len(events) == 2
    live = session_of(spring, "session-1")
    starts_in(live, timedelta(days=2))
    live.sequence += 1
    db.session.commit()
    moved = events_of(calendar_app.get(feed))["example-course.2027-spring.session-1@localhost"]
    assert moved.decoded("DTSTART") == live.starts_at.replace(microsecond=0)
    assert f"/live/{live.id}/join" in str(moved["DESCRIPTION"])
    assert db.session.scalar(select(CalendarFeed.last_used_at)) is not None

    lea_browser.post_form("/account/calendar", {"action": "revoke"})
    assert calendar_app.get(feed).status_code == 404
    assert count(CalendarFeed) == 0


def test_a_new_address_replaces_the_old_one(app, lea_browser):
    old = new_feed_url(lea_browser)
    new = new_feed_url(lea_browser)
    assert old != new
    calendar_app = app.test_client()
    assert calendar_app.get(old).status_code == 404
    assert calendar_app.get(new).status_code == 200
    assert count(CalendarFeed) == 1
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("calendar_feed.created") == 2


def test_a_deactivated_account_s_feed_stops(app, lea_browser, lea, make_user):
    feed = new_feed_url(lea_browser)
    admin = make_user(Role.ADMIN, email="admin@city.example")
    set_active(lea, False, actor=admin)
    db.session.commit()
    assert app.test_client().get(feed).status_code == 404


def test_a_learner_with_no_cohort_has_an_empty_feed(app, make_user):
    person = make_user(email="new@city.example")
    browser = Browser(app.test_client())
    browser.login(person.email)
    assert "the feed is empty for now" in page_text(browser.client.get("/account/calendar"))
    assert events_of(app.test_client().get(new_feed_url(browser))) == {}


# Attendance -------------------------------------------------------------------------------------


def attendance_url(live) -> str:
    return f"/live/{live.id}/attendance"


def taken_place(cohort, slug="session-1") -> LiveSession:
    """A session that started two hours ago: its attendance can be recorded."""
    live = session_of(cohort, slug)
    starts_in(live, -timedelta(hours=2))
    return live


def test_staff_see_attendance_and_mark_it_by_hand(teacher_browser, make_user, spring, lea):
    live = taken_place(spring)
    omar = enrolled_learner(spring, email="omar@amman.example", name="Omar Haddad")
    text = page_text(teacher_browser.client.get(attendance_url(live)))
    assert "0 of 2 learners took part" in text
    assert "Lea Kim lea@city.example No" in text and "Omar Haddad" in text

    response = teacher_browser.post_form(
        attendance_url(live), {"learner_id": str(omar.id), "present": "yes"}
    )
    assert response.status_code == 302
    text = page_text(teacher_browser.client.get(response.headers["Location"]))
    assert "Omar Haddad is marked present." in text
    assert "1 of 2 learners took part" in text
    assert "Yes : marked by the course team" in text and "minutes in the" not in text
    stored = db.session.scalar(select(Attendance))
    assert (stored.user_id, stored.source) == (omar.id, AttendanceSource.MANUAL)
    assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == (
        "live.attendance_marked"
    )

    teacher_browser.post_form(attendance_url(live), {"learner_id": str(omar.id), "present": "no"})
    assert count(Attendance) == 0


def test_marking_someone_outside_the_cohort_is_refused(teacher_browser, make_user, spring):
    live = session_of(spring, "session-1")
    stranger = make_user(email="stranger@city.example")
    not_learner = "That person is not a learner of this cohort."
    unreadable = "Choose a learner of this cohort and whether they were present."
    for data, message in (
        ({"learner_id": str(stranger.id), "present": "yes"}, not_learner),
        ({"learner_id": "x", "present": "yes"}, unreadable),
        ({"learner_id": str(stranger.id), "present": "maybe"}, unreadable),
    ):
        response = teacher_browser.post_form(attendance_url(live), data)
        assert response.status_code == 400
        assert message in page_text(response)
    assert count(Attendance) == 0


def test_an_instructor_of_another_course_cannot_touch_attendance(app, make_user, spring, lea):
    from app.catalog.models import Course

    other = Course(slug="other", title="Other", summary="Another course.")
    db.session.add(other)
    db.session.commit()
    outsider = make_user(Role.INSTRUCTOR, email="other@city.example", courses=[other])
    browser = Browser(app.test_client())
    browser.login(outsider.email)
    live = session_of(spring, "session-1")
    response = browser.post_form(
        attendance_url(live), {"learner_id": str(lea.id), "present": "yes"}, page="/dashboard"
    )
    assert response.status_code == 403
    assert count(Attendance) == 0


MESSY_REPORT = (
    "\ufeffName (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\r\n"
    " Lea Kim , LEA@CITY.EXAMPLE ,03/31/2027 06:25:00 PM,03/31/2027 06:50:00 PM, 25 ,No\r\n"
    "Lea Kim,lea@city.example,03/31/2027 06:55:00 PM,03/31/2027 08:00:00 PM,65,No\r\n"
    "Omar Haddad,omar@amman.example,03/31/2027 06:30:00 PM,03/31/2027 06:40:00 PM,10,No\r\n"
    "Omar Haddad,omar@amman.example,03/31/2027 06:30:00 PM,03/31/2027 06:40:00 PM,10,No\r\n"
    "Ana Ruiz,ana@bogota.example,03/31/2027 06:30:00 PM,03/31/2027 08:00:00 PM,90,No\r\n"
    "The Teacher,teacher@city.example,03/31/2027 06:20:00 PM,03/31/2027 08:00:00 PM,100,No\r\n"
    "Phone caller,,03/31/2027 06:35:00 PM,03/31/2027 07:30:00 PM,55,Yes\r\n"
)


def upload(browser, live, text: str, minimum="45", filename="participants.csv", encoding="utf-8"):
    """Send a participant report to the import's preview step."""
    url = f"/live/{live.id}/attendance/import"
    return browser.post_form(
        url,
        {
            "step": "preview",
            "minimum_minutes": minimum,
            "report": (io.BytesIO(text.encode(encoding)), filename),
        },
        page=url,
        content_type="multipart/form-data",
    )


def confirm(browser, live, preview_html: str):
    url = f"/live/{live.id}/attendance/import"
    report_text = unescape(
        preview_html.split('name="report_text"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    )
    minimum = preview_html.split('name="minimum_minutes" value="', 1)[1].split('"', 1)[0]
    return browser.post_form(
        url,
        {"step": "confirm", "report_text": report_text, "minimum_minutes": minimum},
        page=url,
    )


def test_a_participant_report_is_previewed_then_imported_once(
    teacher_browser, make_user, spring, lea
):
    live = taken_place(spring)
    omar = enrolled_learner(spring, email="omar@amman.example", name="Omar Haddad")
    preview = upload(teacher_browser, live, MESSY_REPORT)
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    text = visible_text(html)
    assert "Preview: nothing is saved yet" in text
    assert "Lea Kim lea@city.example 90 (2 joins) Attendance will be recorded" in text
    assert "Omar Haddad omar@amman.example 10 Under the minimum: not recorded" in text
    assert "1 repeated row counted once" in text
    assert "Rows not matched to a learner (3)" in text
    assert "Ana Ruiz ana@bogota.example 90 No account has this e-mail" in text
    assert "teacher@city.example 100 Has an account, but is not a learner of this cohort" in text
    assert "Phone caller – 55 No e-mail in the report" in text
    assert count(Attendance) == 0  # nothing saved by the preview

    done = confirm(teacher_browser, live, html)
    assert done.status_code == 302
    stored = db.session.scalars(select(Attendance)).all()
    assert [(a.user_id, a.source, a.report_minutes) for a in stored] == [
        (lea.id, AttendanceSource.REPORT, 90)
    ]
    assert "1 attendance added or updated" in page_text(
        teacher_browser.client.get(done.headers["Location"])
    )
    assert omar.id not in {a.user_id for a in stored}

    # The same file again: the preview says so, and importing changes nothing.
    again = upload(teacher_browser, live, MESSY_REPORT)
    assert "Already recorded; nothing changes" in page_text(again)
    done = confirm(teacher_browser, live, again.get_data(as_text=True))
    assert "It changed nothing" in page_text(teacher_browser.client.get(done.headers["Location"]))
    assert [(a.user_id, a.report_minutes) for a in db.session.scalars(select(Attendance))] == [
        (lea.id, 90)
    ]


def test_a_report_updates_the_minutes_of_a_platform_join(lea_browser, teacher_browser, spring):
    live = session_of(spring, "session-1")
    starts_in(live, -timedelta(minutes=1))
    join(lea_browser, live)
    preview = upload(teacher_browser, live, MESSY_REPORT, minimum="0")
    assert "Already recorded; the minutes will be updated" in page_text(preview)
    confirm(teacher_browser, live, preview.get_data(as_text=True))
    stored = db.session.scalar(select(Attendance))
    assert (stored.source, stored.report_minutes) == (AttendanceSource.PLATFORM, 90)
    assert stored.joined_at is not None


@pytest.mark.parametrize(
    ("text", "minimum", "message"),
    [
        ("", "45", "The file is empty."),
        ("Name,Email\nLea,lea@city.example\n", "45", "no participants' header"),
        (MESSY_REPORT, "-3", "Give a number of minutes between 0 and 1440."),
        (MESSY_REPORT, "", "Give the minimum number of minutes"),
    ],
)
def test_a_bad_report_is_refused_in_the_page(teacher_browser, spring, lea, text, minimum, message):
    live = taken_place(spring)
    response = upload(teacher_browser, live, text, minimum=minimum)
    assert response.status_code == 400
    assert message in page_text(response)
    assert count(Attendance) == 0


def test_a_report_that_is_not_utf8_is_refused(teacher_browser, spring, lea):
    live = taken_place(spring)
    response = upload(teacher_browser, live, MESSY_REPORT, minimum="30", encoding="utf-16")
    assert response.status_code == 400
    assert "CSV UTF-8" in page_text(response)


# Recordings and completion ----------------------------------------------------------------------


def complete_lessons_and_quizzes(browser, learner, course):
    now = utcnow()
    for module in course.visible_modules():
        for lesson in module.published_lessons():
            mark_lesson_done(learner, lesson, now=now)
    db.session.commit()
    for module in course.visible_modules():
        if module.published_quiz:
            module.published_quiz.wait_minutes = 0
            db.session.commit()
            assert take_quiz(browser, course, module).status_code == 302


def completed_at(learner, cohort):
    return db.session.scalar(
        select(Enrollment.completed_at).where(
            Enrollment.user_id == learner.id, Enrollment.cohort_id == cohort.id
        )
    )


def test_joining_a_session_completes_the_course(lea_browser, lea, course, spring):
    complete_lessons_and_quizzes(lea_browser, lea, course)
    assert completed_at(lea, spring) is None
    text = page_text(lea_browser.client.get(f"/courses/{course.slug}"))
    assert "Take part in live sessions, or watch their recordings: 0 of 1 (not done yet)" in text
    live = session_of(spring, "session-1")
    starts_in(live, -timedelta(minutes=20))
    assert join(lea_browser, live).status_code == 303
    assert completed_at(lea, spring) is not None
    assert "enrollment.completed" in db.session.scalars(select(AuditEvent.action)).all()


def test_the_orientation_does_not_count(lea_browser, lea, course, spring):
    complete_lessons_and_quizzes(lea_browser, lea, course)
    orientation = session_of(spring, "orientation")
    orientation.join_url = MEETING
    starts_in(orientation, -timedelta(minutes=1))
    assert join(lea_browser, orientation).status_code == 303
    assert count(Attendance) == 1
    assert completed_at(lea, spring) is None


def test_an_imported_report_completes_the_course(lea_browser, teacher_browser, lea, course, spring):
    complete_lessons_and_quizzes(lea_browser, lea, course)
    live = taken_place(spring)
    preview = upload(teacher_browser, live, MESSY_REPORT)
    confirm(teacher_browser, live, preview.get_data(as_text=True))
    assert completed_at(lea, spring) is not None


def past_with_recording(spring) -> LiveSession:
    live = session_of(spring, "session-1")
    starts_in(live, -timedelta(days=2))
    return live


def test_staff_add_a_recording_after_the_session(teacher_browser, spring):
    live = session_of(spring, "session-1")
    live.recording_url = None
    starts_in(live, timedelta(days=1))
    url = f"/live/{live.id}/recording"
    early = teacher_browser.post_form(url, {"recording_url": RECORDING}, page=attendance_url(live))
    assert early.status_code == 409
    assert "A recording can be added once the session has ended." in page_text(early)
    assert (
        db.session.scalar(select(LiveSession.recording_url).where(LiveSession.id == live.id))
        is None
    )
    starts_in(live, -timedelta(days=1))
    for bad in ("http://video.example/r", "javascript:alert(1)", "video.example/r", ""):
        response = teacher_browser.post_form(url, {"recording_url": bad}, page=attendance_url(live))
        assert response.status_code == 400, bad
        assert "https://" in page_text(response) or "Give the recording" in page_text(response)
    assert (
        db.session.scalar(select(LiveSession.recording_url).where(LiveSession.id == live.id))
        is None
    )
    response = teacher_browser.post_form(
        url, {"recording_url": RECORDING}, page=attendance_url(live)
    )
    assert response.status_code == 302
    assert (
        db.session.scalar(select(LiveSession.recording_url).where(LiveSession.id == live.id))
        == RECORDING
    )
    assert "live.recording_set" in db.session.scalars(select(AuditEvent.action)).all()


def test_a_learner_who_missed_a_session_watches_the_recording_and_completes(
    lea_browser, lea, course, spring
):
    complete_lessons_and_quizzes(lea_browser, lea, course)
    live = past_with_recording(spring)
    html = lea_browser.client.get(schedule_url(spring)).get_data(as_text=True)
    assert f'href="{RECORDING}"' in html
    assert "I watched the recording" in html
    response = lea_browser.post_form(f"/live/{live.id}/watched", {}, page=schedule_url(spring))
    assert response.status_code == 302
    assert "is marked as watched" in page_text(lea_browser.client.get(response.headers["Location"]))
    assert count(RecordingView) == 1
    assert completed_at(lea, spring) is not None
    # Marking again changes nothing.
    lea_browser.post_form(f"/live/{live.id}/watched", {}, page=schedule_url(spring))
    assert count(RecordingView) == 1


def test_recordings_do_not_count_when_the_course_says_so(lea_browser, lea, course, spring):
    course.completion_rules = {
        **course.completion_rules,
        "live_sessions": {"minimum": 1, "recordings_count": False},
    }
    db.session.commit()
    complete_lessons_and_quizzes(lea_browser, lea, course)
    live = past_with_recording(spring)
    lea_browser.post_form(f"/live/{live.id}/watched", {}, page=schedule_url(spring))
    assert count(RecordingView) == 1
    assert completed_at(lea, spring) is None
    assert "recordings do not count toward the certificate" in page_text(
        lea_browser.client.get(schedule_url(spring))
    )


def test_no_recording_to_mark_before_it_exists_or_after_taking_part(lea_browser, spring):
    live = session_of(spring, "session-1")
    live.recording_url = None
    starts_in(live, -timedelta(days=2))
    response = lea_browser.post_form(f"/live/{live.id}/watched", {}, page=schedule_url(spring))
    assert response.status_code == 409
    assert "no recording yet" in page_text(response)
    assert count(RecordingView) == 0


def test_a_recording_added_in_the_browser_survives_a_reimport(course, spring):
    live = session_of(spring, "orientation")
    live.recording_url = "https://video.example/orientation"
    db.session.commit()
    source, _problems = read_course(EXAMPLE_COURSE)
    import_course(source)
    db.session.commit()
    assert db.session.get(LiveSession, live.id).recording_url == "https://video.example/orientation"


# Query counts -----------------------------------------------------------------------------------


def test_schedule_and_attendance_pages_take_a_fixed_number_of_queries(
    app, count_queries, make_user, spring, lea_browser, teacher_browser
):
    def measure(browser, url) -> int:
        with count_queries() as counter:
            assert browser.client.get(url).status_code == 200
        return counter.count

    live = session_of(spring, "session-1")
    pages = [
        (lea_browser, schedule_url(spring)),
        (lea_browser, "/dashboard"),
        (teacher_browser, attendance_url(live)),
    ]
    before = [measure(browser, url) for browser, url in pages]
    starts, zone = parse_zoned_time("2027-04-07 18:30 Europe/Madrid")
    for number in range(8):
        spring.live_sessions.append(
            LiveSession(
                slug=f"extra-{number}",
                title=f"Extra {number}",
                time_zone=zone,
                starts_at=starts + timedelta(days=number),
                duration_minutes=60,
            )
        )
    for number in range(12):
        learner = enrolled_learner(spring, email=f"more{number}@city.example")
        db.session.add(
            Attendance(session_id=live.id, user_id=learner.id, source=AttendanceSource.MANUAL)
        )
    outline_changed([spring.course_id])  # as the session editor does: every page loads it again
    db.session.commit()
    assert [measure(browser, url) for browser, url in pages] == before


def test_the_data_export_lists_live_sessions_and_deleting_the_account_erases_them(
    lea_browser, lea, spring
):
    live = session_of(spring, "session-1")
    starts_in(live, -timedelta(minutes=1))
    join(lea_browser, live)
    orientation = session_of(spring, "orientation")
    orientation.recording_url = RECORDING
    starts_in(orientation, -timedelta(days=60))
    lea_browser.post_form(f"/live/{orientation.id}/watched", {}, page=schedule_url(spring))
    new_feed_url(lea_browser)
    data = lea_browser.client.get("/account/data.json").get_json()
    assert [(row["session"], row["took_part"], row["how"]) for row in data["live_sessions"]] == [
        ("Orientation", False, "watched the recording"),
        ("Session 1: Care in the neighbourhood", True, "joined through the platform"),
    ]
    assert data["calendar_feed"]["last_used_at"] is None

    response = lea_browser.post_form(
        "/account/delete", {"password": PASSWORD, "confirm": "y"}, page="/account/delete"
    )
    assert response.status_code == 302
    assert (count(Attendance), count(RecordingView), count(CalendarFeed)) == (0, 0, 0)


def test_an_exported_report_is_imported_without_its_waiting_room(
    teacher_browser, make_user, spring, lea
):
    live = taken_place(spring)
    nadia = enrolled_learner(spring, email="nadia@dakar.example", name="Nadia Sow")
    report = (REPORTS / "excel_fr_cp1252.csv").read_bytes().decode("cp1252")
    report = report.replace("helene@lyon.example", "lea@city.example")
    preview = upload(teacher_browser, live, report, minimum="30", encoding="cp1252")
    text = page_text(preview)
    assert "Lea Kim lea@city.example 49 Attendance will be recorded" in text
    assert "2 rows of time in the waiting room do not count." in text
    assert "Nadia Sow" not in text
    confirm(teacher_browser, live, preview.get_data(as_text=True))
    stored = db.session.scalars(select(Attendance)).all()
    assert [(a.user_id, a.report_minutes) for a in stored] == [(lea.id, 49)]
    assert nadia.id not in {a.user_id for a in stored}


def test_the_preview_warns_when_the_report_is_of_another_day(spring):
    live = session_of(spring, "session-1")
    report = read_report((REPORTS / "classic_en.csv").read_text("utf-8-sig"))
    # The report's meeting began at 18:22 on 31 March 2027 on its host's clock (Bogotá).
    live.starts_at = datetime(2027, 3, 31, 23, 30, tzinfo=UTC)
    assert plan_report_import(live, report, minimum_minutes=0).other_day is None
    live.starts_at = datetime(2027, 4, 7, 23, 30, tzinfo=UTC)
    assert plan_report_import(live, report, minimum_minutes=0).other_day == (
        "Wednesday 31 March 2027"
    )
