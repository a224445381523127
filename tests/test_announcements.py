"""Announcements: course staff write to a cohort (preview, now or later, edit, withdraw); its
learners read them on the course page and the dashboard until they put them away, and get
them by mail once, unless they turned announcements off."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.mail import MailState, OutgoingMail, deliver_mail
from app.core.subscriptions import MailOptOut
from app.extensions import db
from app.learning.announcement_operations import write_announcement_mail
from app.learning.models import Announcement, AnnouncementDismissal
from tests.conftest import Browser
from tests.factories import enrolled_learner, make_instructor
from tests.html import text, texts

NOW = datetime(2027, 2, 1, 9, tzinfo=UTC)
BODY = "Before **Thursday**, read [the guide](https://example.org/guide).\n\n<script>x()</script>"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def teacher(course):
    return make_instructor(course, name="Tomás Pérez", time_zone="America/Bogota")


@pytest.fixture
def learners(spring):
    return [
        enrolled_learner(spring, "ana@city.example", name="Ana", preferred_language="es"),
        enrolled_learner(spring, "lee@city.example", name="Lee", time_zone="Asia/Seoul"),
    ]


def new_url(course, cohort) -> str:
    return f"/author/{course.slug}/cohorts/{cohort.slug}/announcements/new"


def list_url(course, cohort) -> str:
    return f"/author/{course.slug}/cohorts/{cohort.slug}/announcements"


def post(browser, course, cohort, **fields):
    data = {"title": "Reading for Thursday", "body": BODY, "day": "", "clock": "", **fields}
    return browser.post_form(new_url(course, cohort), data, page=new_url(course, cohort))


def as_learner(app, email: str) -> Browser:
    browser = Browser(app.test_client())
    assert browser.login(email).status_code == 302
    return browser


def announcements_on(browser, path: str) -> list[str]:
    return texts(browser.client.get(path), ".announcement h3")


def run_pass(moment: datetime) -> int:
    """The worker's pass at `moment`, with the clock there (it sends what it writes)."""
    with time_machine.travel(moment, tick=False):
        written = write_announcement_mail(moment)
        db.session.commit()
    return written


def test_a_posted_announcement_reaches_its_cohort_on_the_pages_and_once_by_mail(
    app, course, spring, teacher, learners, teacher_browser, outbox, clock
):
    # A preview shows the text as learners will read it (sanitised), and saves nothing.
    preview = post(teacher_browser, course, spring, preview="1")
    assert preview.status_code == 200
    assert "Preview: this is how learners will read it. Nothing is saved yet." in text(preview)
    html = preview.get_data(as_text=True)
    assert "<strong>Thursday</strong>" in html and "<script>x()" not in html
    assert db.session.scalars(select(Announcement)).all() == []

    response = post(teacher_browser, course, spring)
    assert response.status_code == 302
    (announcement,) = db.session.scalars(select(Announcement)).all()
    assert announcement.author_id == teacher.id and announcement.mailed_at is None
    listing = teacher_browser.client.get(list_url(course, spring))
    assert "“Reading for Thursday” is posted" in text(listing)
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "announcement.posted")
    ).one()
    assert event.details["title"] == "Reading for Thursday"

    ana = as_learner(app, "ana@city.example")
    assert announcements_on(ana, f"/courses/{course.slug}") == ["Reading for Thursday"]
    assert announcements_on(ana, "/dashboard") == ["Reading for Thursday"]

    assert run_pass(NOW + timedelta(minutes=1)) == 2
    assert run_pass(NOW + timedelta(minutes=2)) == 0  # mailed once
    mails = {m["To"]: m for m in outbox()}
    assert set(mails) == {"ana@city.example", "lee@city.example"}
    spanish = mails["ana@city.example"]
    assert str(spanish["Subject"]).strip() == "Example course: Reading for Thursday"
    plain = spanish.get_body(preferencelist=("plain",)).get_content()
    assert "Tomás Pérez, del equipo del curso Example course, escribe a Spring 2027:" in plain
    assert "Before **Thursday**" in plain
    rich = spanish.get_body(preferencelist=("html",)).get_content()
    assert "<strong>Thursday</strong>" in rich and "<script>" not in rich
    assert spanish["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_learner_puts_an_announcement_away_and_others_still_see_it(
    app, course, spring, teacher, learners, teacher_browser, make_cohort
):
    post(teacher_browser, course, spring)
    announcement = db.session.scalars(select(Announcement)).one()
    ana = as_learner(app, "ana@city.example")
    dismiss = f"/announcements/{announcement.id}/dismiss"
    response = ana.post_form(dismiss, {"next": "/dashboard"}, page="/dashboard")
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    dashboard = ana.client.get("/dashboard")
    assert "Ya no se le muestra este anuncio." in text(dashboard)
    assert texts(dashboard, ".announcement h3") == []
    assert announcements_on(ana, f"/courses/{course.slug}") == []
    again = ana.post_form(dismiss, {"next": "https://evil.example/"}, page="/dashboard")
    assert again.status_code == 302 and again.headers["Location"] == "/dashboard"
    assert len(db.session.scalars(select(AnnouncementDismissal)).all()) == 1
    lee = as_learner(app, "lee@city.example")
    assert announcements_on(lee, "/dashboard") == ["Reading for Thursday"]
    # Someone outside the cohort cannot put it away: to them it does not exist.
    enrolled_learner(make_cohort(course, "other"), "out@city.example")
    stranger = as_learner(app, "out@city.example")
    assert stranger.post_form(dismiss, {}, page="/dashboard").status_code == 404


def test_an_announcement_for_later_waits_for_its_moment_on_the_authors_clock(
    app, course, spring, teacher, learners, teacher_browser, outbox
):
    # 2027-02-02 08:00 in Bogotá (the teacher's zone) is 13:00 UTC.
    response = post(teacher_browser, course, spring, day="2027-02-02", clock="08:00")
    assert response.status_code == 302
    announcement = db.session.scalars(select(Announcement)).one()
    assert announcement.publish_at == datetime(2027, 2, 2, 13, tzinfo=UTC)
    listing = text(teacher_browser.client.get(list_url(course, spring)))
    assert "Scheduled" in listing and "To be published on" in listing
    lee = as_learner(app, "lee@city.example")
    assert announcements_on(lee, "/dashboard") == []
    assert run_pass(NOW + timedelta(hours=1)) == 0
    with time_machine.travel(datetime(2027, 2, 2, 13, 1, tzinfo=UTC), tick=False):
        assert announcements_on(lee, "/dashboard") == ["Reading for Thursday"]
        assert run_pass(datetime(2027, 2, 2, 13, 1, tzinfo=UTC)) == 2


def test_editing_and_withdrawing(app, course, spring, teacher, learners, teacher_browser, outbox):
    post(teacher_browser, course, spring)
    announcement = db.session.scalars(select(Announcement)).one()
    run_pass(NOW + timedelta(minutes=1))  # mailed
    edit = f"/author/{course.slug}/announcements/{announcement.id}"
    page = teacher_browser.client.get(edit)
    assert "Its mail has gone and is not sent again." in text(page)
    changed = teacher_browser.post_form(
        edit, {"title": "Reading for Friday", "body": "Friday, not Thursday."}, page=edit
    )
    assert changed.status_code == 302
    lee = as_learner(app, "lee@city.example")
    assert announcements_on(lee, "/dashboard") == ["Reading for Friday"]
    assert run_pass(NOW + timedelta(minutes=5)) == 0  # no second mail for an edit
    assert len(outbox()) == 2

    withdraw = f"/author/{course.slug}/announcements/{announcement.id}/withdraw"
    asked = teacher_browser.client.get(withdraw)
    assert "Withdraw “Reading for Friday”?" in text(asked)
    unconfirmed = teacher_browser.post_form(withdraw, {}, page=withdraw)
    assert unconfirmed.status_code == 400
    assert announcements_on(lee, "/dashboard") == ["Reading for Friday"]
    done = teacher_browser.post_form(withdraw, {"confirm": "yes"}, page=withdraw)
    assert done.status_code == 302
    assert announcements_on(lee, "/dashboard") == []
    again = teacher_browser.post_form(withdraw, {"confirm": "yes"}, page=withdraw)
    assert "was already withdrawn" in text(teacher_browser.client.get(again.headers["Location"]))
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("announcement.%"))
    ).all()
    assert sorted(actions) == [
        "announcement.posted",
        "announcement.updated",
        "announcement.withdrawn",
    ]


def test_mail_not_yet_sent_for_a_withdrawn_announcement_is_not_sent(
    app, course, spring, teacher, learners, teacher_browser, outbox
):
    post(teacher_browser, course, spring)
    announcement = db.session.scalars(select(Announcement)).one()
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        write_announcement_mail(NOW + timedelta(minutes=1))
        waiting = db.session.info.pop("outgoing_mail")  # written, not yet sent
        db.session.commit()
        withdraw = f"/author/{course.slug}/announcements/{announcement.id}/withdraw"
        teacher_browser.post_form(withdraw, {"confirm": "yes"}, page=withdraw)
        deliver_mail(*[mail_id for _, mail_id in waiting])
    assert outbox() == []
    states = db.session.scalars(select(OutgoingMail.state)).all()
    assert states == [MailState.DROPPED, MailState.DROPPED]


def test_learners_who_turned_announcements_off_still_see_them_but_get_no_mail(
    app, course, spring, teacher, learners, teacher_browser, outbox
):
    db.session.add(MailOptOut(user_id=learners[0].id, topic="announcements"))
    db.session.commit()
    post(teacher_browser, course, spring)
    assert run_pass(NOW + timedelta(minutes=1)) == 1
    assert [m["To"] for m in outbox()] == ["lee@city.example"]
    ana = as_learner(app, "ana@city.example")
    assert announcements_on(ana, "/dashboard") == ["Reading for Thursday"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "Give the announcement a title."),
        ({"body": "  "}, "Write the announcement."),
        ({"day": "2027-02-03"}, "Give both the date and the time, or neither."),
        ({"day": "2027-13-40", "clock": "08:00"}, "Give the date as YYYY-MM-DD"),
    ],
)
def test_a_form_with_a_mistake_says_so_and_saves_nothing(
    app, course, spring, teacher, teacher_browser, fields, message
):
    response = post(teacher_browser, course, spring, **fields)
    assert response.status_code == 400
    assert message in text(response)
    assert db.session.scalars(select(Announcement)).all() == []


def test_the_dashboard_reads_announcements_in_one_query_however_many(
    app, course, spring, teacher, learners, teacher_browser, count_queries
):
    lee = as_learner(app, "lee@city.example")

    def dashboard_queries() -> int:
        lee.client.get("/dashboard")  # the course's outline in the process's cache
        with count_queries() as counter:
            assert lee.client.get("/dashboard").status_code == 200
        return counter.count

    post(teacher_browser, course, spring)
    one = dashboard_queries()
    post(teacher_browser, course, spring, title="Second")
    post(teacher_browser, course, spring, title="Third")
    assert dashboard_queries() == one
    assert announcements_on(lee, "/dashboard") == ["Third", "Second", "Reading for Thursday"]


def test_the_staff_list_reads_the_same_few_queries_however_many(
    app, course, spring, teacher, learners, teacher_browser, admin_browser, count_queries
):
    def list_queries() -> int:
        teacher_browser.client.get(list_url(course, spring))  # the outline cached
        with count_queries() as counter:
            page = teacher_browser.client.get(list_url(course, spring))
        assert "by Tomás Pérez" in text(page)
        return counter.count

    post(teacher_browser, course, spring)
    one = list_queries()
    post(admin_browser, course, spring, title="Second")  # another author
    assert list_queries() == one
    assert "by Ada Admin" in text(teacher_browser.client.get(list_url(course, spring)))
