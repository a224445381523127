"""Applying to a cohort, the review queue, decisions, enrolment and reading lessons."""

import csv
import io

import pytest
from sqlalchemy import func, select

from app.catalog.models import EnrolmentMode
from app.core.audit import AuditEvent
from app.core.permissions import Role
from app.extensions import db
from app.learning.models import Application, ApplicationStatus, Enrollment
from tests.conftest import Browser
from tests.factories import make_instructor, make_user
from tests.test_accounts import register_and_confirm
from tests.test_pages import visible_text

MOTIVATION = (
    "In our city most unpaid care falls on women in the outer districts. I want to learn how "
    "to map it and plan services around it."
)


def apply_url(course, cohort) -> str:
    return f"/courses/{course.slug}/cohorts/{cohort.slug}/apply"


def apply(browser: Browser, course, cohort, **changes):
    data = {"motivation": MOTIVATION, "confirms_public_official": "y", **changes}
    return browser.post_form(apply_url(course, cohort), {k: v for k, v in data.items() if v})


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def reviewed(cohort):
    """A cohort whose applications the course team reviews, open now (the shared `cohort`)."""
    assert cohort.enrolment_mode == EnrolmentMode.APPROVAL
    return cohort


@pytest.fixture
def learner(app, browser):
    """Ana, logged in with `browser`, in no cohort yet (she is about to apply)."""
    user = make_user(email="ana@city.example", name="Ana Pérez", country="CO")
    assert browser.login(user.email).status_code == 302
    return user


def test_applying_to_a_reviewed_cohort(app, browser, learner, course, reviewed, outbox):
    page = browser.client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert f'href="{apply_url(course, reviewed)}"' in page

    response = apply(browser, course, reviewed)
    assert response.status_code == 302
    application = db.session.scalar(select(Application))
    assert (application.user_id, application.cohort_id) == (learner.id, reviewed.id)
    assert application.status == ApplicationStatus.PENDING
    assert application.motivation == MOTIVATION
    assert application.confirms_public_official is True
    assert count(Enrollment) == 0

    dashboard = visible_text(browser.client.get("/dashboard").get_data(as_text=True))
    assert "Your application to Autumn cohort is sent." in dashboard
    assert "Waiting for review" in dashboard
    assert [message["Subject"] for message in outbox()] == [
        "We received your application to Autumn cohort"
    ]
    # The lessons stay closed until the application is approved.
    lesson = course.modules[0].lessons[0]
    page = browser.client.get(f"/courses/{course.slug}/lessons/{lesson.slug}")
    assert "Enrol to read this lesson" in page.get_data(as_text=True)


def test_applying_to_an_open_cohort_enrols_at_once(app, browser, learner, course, make_cohort):
    open_cohort = make_cohort(course, "open-now", mode=EnrolmentMode.OPEN, title="Open cohort")
    lesson = course.modules[0].lessons[0]
    before = browser.client.get(f"/courses/{course.slug}/lessons/{lesson.slug}")
    assert "Enrol to read this lesson" in before.get_data(as_text=True)
    assert lesson.body_html not in before.get_data(as_text=True)

    response = apply(browser, course, open_cohort)
    assert response.status_code == 302
    application = db.session.scalar(select(Application))
    assert application.status == ApplicationStatus.APPROVED
    assert application.decided_by_id is None
    enrollment = db.session.scalar(select(Enrollment))
    assert (enrollment.user_id, enrollment.cohort_id) == (learner.id, open_cohort.id)

    after = browser.client.get(f"/courses/{course.slug}/lessons/{lesson.slug}")
    assert lesson.body_html in after.get_data(as_text=True)
    assert "Enrol to read this lesson" not in after.get_data(as_text=True)


@pytest.mark.parametrize(
    ("opened_days_ago", "closes_in_days", "message"),
    [
        (-3, 30, "Applications for Later cohort open on"),
        (40, -1, "Applications for Later cohort closed on"),
    ],
)
def test_applications_outside_the_window_are_refused(
    app, browser, learner, course, make_cohort, opened_days_ago, closes_in_days, message
):
    cohort = make_cohort(
        course,
        "later",
        title="Later cohort",
        opened_days_ago=opened_days_ago,
        closes_in_days=closes_in_days,
    )
    page = browser.client.get(apply_url(course, cohort))
    assert page.status_code == 200
    assert message in visible_text(page.get_data(as_text=True))
    # The cohort's title keeps the course's language inside the sentence.
    assert '<span lang="en">Later cohort</span>' in page.get_data(as_text=True)
    assert "Send my application" not in page.get_data(as_text=True)
    token = browser.token(f"/courses/{course.slug}")
    response = browser.client.post(
        apply_url(course, cohort),
        data={"csrf_token": token, "motivation": MOTIVATION, "confirms_public_official": "y"},
    )
    assert response.status_code == 409
    assert message in visible_text(response.get_data(as_text=True))
    assert count(Application) == 0


def test_applying_twice_is_refused_politely(app, browser, learner, course, reviewed):
    apply(browser, course, reviewed)
    page = browser.client.get(apply_url(course, reviewed)).get_data(as_text=True)
    assert "You applied to Autumn cohort on" in visible_text(page)
    assert "Its status: Waiting for review." in page
    token = browser.token(f"/courses/{course.slug}")
    second = browser.client.post(
        apply_url(course, reviewed),
        data={
            "csrf_token": token,
            "motivation": MOTIVATION + " again",
            "confirms_public_official": "y",
        },
    )
    assert second.status_code == 409
    assert "You applied to Autumn cohort on" in visible_text(second.get_data(as_text=True))
    assert count(Application) == 1
    assert db.session.scalar(select(Application.motivation)) == MOTIVATION


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"motivation": ""}, "Tell us in a few sentences why you are applying."),
        ({"motivation": "Too short."}, "Write between 50 and 3000 characters."),
        ({"motivation": "x" * 3001}, "Write between 50 and 3000 characters."),
        ({"confirms_public_official": ""}, "The programme is open to public officials"),
    ],
)
def test_application_form_refuses_bad_input(
    app, browser, learner, course, reviewed, changes, message
):
    response = apply(browser, course, reviewed, **changes)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(Application) == 0


def test_anonymous_visitors_are_asked_to_log_in_before_applying(client, course, reviewed):
    response = client.get(apply_url(course, reviewed))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_unknown_cohort_is_404(app, browser, learner, course):
    assert browser.client.get(f"/courses/{course.slug}/cohorts/nope/apply").status_code == 404


# The review queue


@pytest.fixture
def staff(course):
    return make_instructor(course, name="Tess")


def _applicants(app, course, cohort, people):
    """Each (email, name, country) applies to the cohort; returns their applications."""
    for email, name, country in people:
        person = Browser(app.test_client())
        register_and_confirm(
            app,
            person,
            {
                "name": name,
                "email": email,
                "password": "tea garden ferry wind",
                "organisation": "City Hall",
                "position": "Officer",
                "city": "Somewhere",
                "country": country,
                "preferred_language": "en",
                "time_zone": "UTC",
            },
        )
        apply(person, course, cohort)
    return list(db.session.scalars(select(Application).order_by(Application.id)))


def test_queue_filters_and_bulk_approval(app, browser, course, reviewed, staff, outbox):
    applications = _applicants(
        app,
        course,
        reviewed,
        [
            ("a@x.example", "Amaru Quispe", "PE"),
            ("b@x.example", "Bora Kim", "KR"),
            ("c@x.example", "Chloé Martin", "FR"),
        ],
    )
    browser.login("teacher@city.example")
    page = visible_text(browser.client.get("/admin/applications").get_data(as_text=True))
    assert "3 applications" in page
    assert all(name in page for name in ("Amaru Quispe", "Bora Kim", "Chloé Martin"))

    by_country = visible_text(
        browser.client.get("/admin/applications?country=KR").get_data(as_text=True)
    )
    assert "Bora Kim" in by_country and "Amaru Quispe" not in by_country

    response = browser.post_form(
        f"/admin/applications/decide?cohort={reviewed.id}",
        {
            "application_id": [str(applications[0].id), str(applications[1].id)],
            "decision": "approve",
            "message": "Welcome! The first live session is on the course page.",
            "return_to": "/admin/applications?status=pending",
        },
        page="/admin/applications",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/applications?status=pending"
    statuses = {a.user.email: a.status for a in db.session.scalars(select(Application))}
    assert statuses == {
        "a@x.example": ApplicationStatus.APPROVED,
        "b@x.example": ApplicationStatus.APPROVED,
        "c@x.example": ApplicationStatus.PENDING,
    }
    enrolled = set(db.session.scalars(select(Enrollment.user_id)))
    assert enrolled == {applications[0].user_id, applications[1].user_id}
    approval_mails = [m for m in outbox() if m["Subject"] == "You are enrolled in Autumn cohort"]
    assert sorted(m["To"] for m in approval_mails) == ["a@x.example", "b@x.example"]
    assert (
        "Welcome! The first live session"
        in approval_mails[0].get_body(preferencelist=("plain",)).get_content()
    )

    pending = visible_text(
        browser.client.get("/admin/applications?status=pending").get_data(as_text=True)
    )
    assert "2 applications approved and enrolled." in pending
    assert "Chloé Martin" in pending and "Bora Kim" not in pending

    # The approved applicant sees the decision.
    amaru = Browser(app.test_client())
    amaru.login("a@x.example", "tea garden ferry wind")
    dashboard = visible_text(amaru.client.get("/dashboard").get_data(as_text=True))
    assert "Approved" in dashboard and "Welcome! The first live session" in dashboard


def test_rejection_with_a_message_and_deciding_twice(app, browser, course, reviewed, staff, outbox):
    (application,) = _applicants(app, course, reviewed, [("a@x.example", "Amaru", "PE")])
    browser.login("teacher@city.example")
    detail = browser.client.get(f"/admin/applications/{application.id}").get_data(as_text=True)
    assert MOTIVATION.split(".")[0] in detail
    data = {
        "application_id": str(application.id),
        "decision": "reject",
        "message": "This cohort is for municipal staff; please apply to the next one.",
    }
    assert browser.post_form("/admin/applications/decide", data).status_code == 302
    db.session.refresh(application)
    assert application.status == ApplicationStatus.REJECTED
    assert application.decided_by_id == staff.id
    assert (
        "please apply to the next one"
        in outbox()[-1].get_body(preferencelist=("plain",)).get_content()
    )
    assert count(Enrollment) == 0

    # A second decision (another tab, a colleague) changes nothing.
    again = browser.post_form("/admin/applications/decide", {**data, "decision": "approve"})
    assert again.status_code == 302
    page = visible_text(browser.client.get("/admin/applications").get_data(as_text=True))
    assert "Not changed: The application of Amaru was already decided (not accepted)." in page
    db.session.refresh(application)
    assert application.status == ApplicationStatus.REJECTED
    assert count(Enrollment) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "approve"}, "Tick at least one application."),
        ({"decision": "approve", "application_id": "abc"}, "do not exist"),
        ({"application_id": "1"}, "Choose approve or reject."),
        ({"decision": "maybe", "application_id": "1"}, "Not a valid choice"),
        ({"decision": "reject", "application_id": "1", "message": "m" * 2001}, "at most 2000"),
    ],
)
def test_decision_form_refuses_bad_input(app, browser, course, reviewed, staff, data, message):
    (application,) = _applicants(app, course, reviewed, [("a@x.example", "Amaru", "PE")])
    browser.login("teacher@city.example")
    data = {k: (str(application.id) if v == "1" else v) for k, v in data.items()}
    response = browser.post_form("/admin/applications/decide", data, page="/admin/applications")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.refresh(application)
    assert application.status == ApplicationStatus.PENDING


def test_staff_of_another_course_cannot_see_or_decide(
    app, browser, course, reviewed, make_user, make_cohort
):
    (application,) = _applicants(app, course, reviewed, [("a@x.example", "Amaru", "PE")])
    from app.catalog.models import Course

    other = Course(slug="other", title="Other course", summary="Another course.")
    db.session.add(other)
    db.session.commit()
    make_user(Role.INSTRUCTOR, email="other@city.example", courses=[other])
    browser.login("other@city.example")
    page = visible_text(browser.client.get("/admin/applications").get_data(as_text=True))
    assert "Amaru" not in page
    assert "No application has been sent to the courses you run yet." in page
    assert browser.client.get(f"/admin/applications/{application.id}").status_code == 404
    response = browser.post_form(
        "/admin/applications/decide",
        {"application_id": str(application.id), "decision": "approve"},
        page="/admin/applications",
    )
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.status == ApplicationStatus.PENDING
    csv_text = browser.client.get("/admin/applications.csv").get_data(as_text=True)
    assert "Amaru" not in csv_text


def test_queue_as_csv(app, browser, course, reviewed, staff):
    _applicants(
        app,
        course,
        reviewed,
        [("a@x.example", '=HYPERLINK("http://evil")', "PE"), ("b@x.example", "Bora Kim", "KR")],
    )
    browser.login("teacher@city.example")
    response = browser.client.get("/admin/applications.csv?country=PE")
    assert response.mimetype == "text/csv"
    assert 'filename="applications.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 1
    row = rows[0]
    # A cell that a spreadsheet would run as a formula is written as text.
    assert row["name"] == '\'=HYPERLINK("http://evil")'
    assert (row["email"], row["country"], row["cohort"], row["status"]) == (
        "a@x.example",
        "Peru",
        "Autumn cohort",
        "pending",
    )
    assert row["motivation"] == MOTIVATION


def test_queue_is_paginated_in_a_fixed_number_of_queries(
    app, browser, course, reviewed, staff, make_user, count_queries
):
    app.config["APPLICATIONS_PER_PAGE"] = 5
    for number in range(12):
        person = make_user(email=f"p{number}@x.example", name=f"Applicant {number:02d}")
        db.session.add(
            Application(
                user=person, cohort=reviewed, motivation=MOTIVATION, confirms_public_official=True
            )
        )
    db.session.commit()
    browser.login("teacher@city.example")
    first = visible_text(browser.client.get("/admin/applications").get_data(as_text=True))
    assert "Page 1 of 3 (12 in all)" in first
    assert "Applicant 04" in first and "Applicant 05" not in first
    third = visible_text(browser.client.get("/admin/applications?page=3").get_data(as_text=True))
    assert "Applicant 10" in third and "Applicant 11" in third and "Applicant 09" not in third

    with count_queries() as small:
        browser.client.get("/admin/applications?page=3")
    with count_queries() as full:
        browser.client.get("/admin/applications")
    assert full.count == small.count


def test_decisions_are_in_the_audit_log(app, browser, course, reviewed, staff):
    (application,) = _applicants(app, course, reviewed, [("a@x.example", "Amaru", "PE")])
    browser.login("teacher@city.example")
    browser.post_form(
        "/admin/applications/decide",
        {"application_id": str(application.id), "decision": "approve"},
        page="/admin/applications",
    )
    events = list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.action.in_(
                    ["application.submitted", "application.approved", "enrollment.created"]
                )
            )
            .order_by(AuditEvent.id)
        )
    )
    assert [e.action for e in events] == [
        "application.submitted",
        "application.approved",
        "enrollment.created",
    ]
    approved = events[1]
    assert approved.actor_id == staff.id
    assert (approved.object_type, approved.object_id) == ("applications", str(application.id))
    assert approved.ip_address == "127.0.0.1"


def test_pages_show_a_pending_application_instead_of_asking_again(
    app, browser, learner, course, reviewed
):
    apply(browser, course, reviewed)
    lesson = course.modules[0].lessons[0]
    response = browser.client.get(f"/courses/{course.slug}/lessons/{lesson.slug}")
    html = response.get_data(as_text=True)
    page = visible_text(html)
    # The cohort's title is course text: it keeps the course's language inside the sentence.
    assert "You applied to Autumn cohort: <strong>Waiting for review</strong>" in html
    assert "Apply to Autumn cohort" not in page
    course_page = visible_text(browser.client.get(f"/courses/{course.slug}").get_data(as_text=True))
    assert "You can read the lessons once you are enrolled in a cohort" in course_page
    assert "Waiting for review" in course_page
