"""The course team's side of assignments: who has submitted and reviewed, a plan with its
reviews, an assessment that can override the peers, more time for one learner, and the
exports (a CSV of scores, a ZIP of PDFs a PDF reader opens)."""

import csv
import io
import zipfile
from datetime import timedelta

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import func, select

from app.assignments.models import PeerReview, Submission
from app.assignments.passes import run_review_passes
from app.core.audit import AuditEvent
from app.core.mail import OutgoingMail
from app.extensions import db
from tests.factories import enrolled_learner, make_instructor
from tests.html import page, text, texts
from tests.test_assignments import (
    DRAFTING,
    PLACES,
    PLANS_DUE,
    REVIEWS_DUE,
    as_user,
    enrollment_of,
    review_all,
    submitted,
)


@pytest.fixture
def assignment(course, spring):
    from tests.factories import make_assignment

    return make_assignment(course, {spring: (PLANS_DUE, REVIEWS_DUE)})


@pytest.fixture
def four(app, spring):
    return [
        enrolled_learner(spring, f"{city.lower()}@city.example", name=f"Official of {city}",
                         country=country, city=city, time_zone=zone)
        for country, city, zone in PLACES
    ]  # fmt: skip


@pytest.fixture
def teacher(app, course):
    return make_instructor(course, name="Tomás Pérez", time_zone="America/Bogota")


def work_url(course, assignment, cohort) -> str:
    return f"/author/{course.slug}/assignments/{assignment.module.slug}/cohorts/{cohort.slug}"


def reviewed(assignment, four, spring):
    """Three plans submitted (Dakar has none), reviews opened, and all of them written."""
    plans = [submitted(assignment, user, spring, title=f"Plan of {user.city}") for user in four[:3]]
    with time_machine.travel(PLANS_DUE, tick=False):
        run_review_passes(PLANS_DUE)
        db.session.commit()
    for review in db.session.scalars(select(PeerReview)).all():
        review_all(review, levels=(1, 1))
    db.session.commit()
    return plans


def test_the_list_says_who_has_submitted_reviewed_and_passed(
    app, course, assignment, four, spring, teacher, count_queries
):
    reviewed(assignment, four, spring)
    url = work_url(course, assignment, spring)
    with time_machine.travel(REVIEWS_DUE + timedelta(hours=1), tick=False):
        staff = as_user(app, teacher)
        shown = staff.client.get(url)
        assert shown.status_code == 200
        rows = {
            row.select_one("th").get_text(" ", strip=True): row
            for row in page(shown).select("tbody tr")
        }
        seoul = next(row for name, row in rows.items() if name.startswith("Official of Seoul"))
        assert "Plan of Seoul" in seoul.get_text()
        assert "2 of 2" in seoul.get_text()  # three plans: two reviews each
        assert "50 %" in seoul.get_text() and "passed" in seoul.get_text()
        dakar = next(r for k, r in rows.items() if k.startswith("Official of Dakar"))
        assert "No plan yet" in dakar.get_text()
        assert (
            texts(staff.client.get(url + "?state=none"), "tbody th a, tbody th bdi")[0]
            == "Official of Dakar"
        )
        with count_queries() as few:
            staff.client.get(url)
        for n in range(12):
            extra = enrolled_learner(spring, f"x{n}@city.example", country="SN", city="Dakar")
            submitted(assignment, extra, spring)
        with count_queries() as many:
            staff.client.get(url)
    assert many.count == few.count


def test_the_course_team_reads_a_plan_with_its_reviewers_and_can_override_the_grade(
    app, course, assignment, four, spring, teacher
):
    plans = reviewed(assignment, four, spring)
    plan_url = f"/author/{course.slug}/assignments/{assignment.module.slug}/plans/{plans[0].id}"
    with time_machine.travel(REVIEWS_DUE + timedelta(hours=1), tick=False):
        staff = as_user(app, teacher)
        shown = staff.client.get(plan_url)
        assert "Mothers in Ciudad Bolívar" in text(shown)
        reviewers = texts(shown, ".review h3 bdi")
        assert len(reviewers) == 2 and "Official of Bogotá" not in reviewers  # names shown to staff
        assert "Grade: 50 %" in text(shown)
        bad = staff.post_form(plan_url, {"grade": "150", "counts": "yes"}, page=plan_url)
        assert bad.status_code == 400 and "from 0 to 100" in text(bad, "[role=alert]")
        saved = staff.post_form(
            plan_url,
            {"level-evidence": "2", "level-feasibility": "2", "comment-evidence": "Strong data.",
             "comment-feasibility": "Realistic.", "grade": "", "counts": "yes"},
            page=plan_url,
        )  # fmt: skip
        assert saved.status_code == 302
        again = staff.client.get(plan_url)
        author_page = as_user(app, four[0]).client.get(
            f"/courses/{course.slug}/assignments/{assignment.module.slug}"
        )
    assert "Grade: 100 % (given by the course team)" in text(again)
    plan = db.session.get(Submission, plans[0].id)
    assert (plan.staff_grade, plan.staff_grade_counts, plan.staff_points) == (100, True, 4)
    received = text(author_page, "#received")
    assert "Grade: 100 %" in received and "(given by the course team)" in received
    assert "Strong data." in received
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.assessed"))


def test_more_time_for_one_learner_lets_them_submit_after_the_cohort(
    app, course, assignment, four, spring, teacher
):
    enrollment = enrollment_of(four[3], spring)
    dates_url = f"{work_url(course, assignment, spring)}/learners/{enrollment.id}/dates"
    with time_machine.travel(DRAFTING, tick=False):
        staff = as_user(app, teacher)
        form = staff.client.get(dates_url)
        assert page(form).select_one("#plan_day")["value"] == "2027-04-10"
        assert page(form).select_one("#plan_clock")["value"] == "23:59"
        wrong = staff.post_form(
            dates_url,
            {"plan_day": "2027-04-20", "plan_clock": "12:00", "reviews_day": "2027-04-19",
             "reviews_clock": "12:00"},
            page=dates_url,
        )  # fmt: skip
        assert wrong.status_code == 400 and "Reviews must be due after the plan." in text(wrong)
        done = staff.post_form(
            dates_url,
            {"plan_day": "2027-04-17", "plan_clock": "23:59", "reviews_day": "2027-04-27",
             "reviews_clock": "23:59", "reason": "Flooding in the district"},
            page=dates_url,
        )  # fmt: skip
        assert done.status_code == 302
    later = PLANS_DUE + timedelta(days=3)
    with time_machine.travel(later, tick=False):
        learner = as_user(app, four[3])
        url = f"/courses/{course.slug}/assignments/{assignment.module.slug}"
        shown = learner.client.get(url)
        assert "extended for you" in text(shown)
        sent = learner.post_form(
            url + "/plan", {"version": "0", "title": "Late but allowed",
                            "section-problem": "Text", "section-pilot": "Text", "action": "submit"},
            page=url,
        )  # fmt: skip
    assert sent.status_code == 302
    plan = db.session.scalars(select(Submission)).one()
    assert plan.is_submitted and not plan.is_late
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "assignment.dates_extended")
    )
    assert event.details["submission_due_at"].startswith("2027-04-17T21:59")


def test_the_exports_hold_every_plan_and_its_scores(app, course, assignment, four, spring, teacher):
    reviewed(assignment, four, spring)
    url = work_url(course, assignment, spring)
    with time_machine.travel(REVIEWS_DUE + timedelta(hours=1), tick=False):
        staff = as_user(app, teacher)
        scores = staff.client.get(url + "/scores.csv")
        archive = staff.client.get(url + "/plans.zip")
    rows = list(csv.reader(io.StringIO(scores.get_data(as_text=True).lstrip("\ufeff"))))
    header, lines = rows[0], rows[1:]
    assert header[:5] == ["Name", "E-mail", "City", "Country", "Plan title"]
    by_name = {line[0]: dict(zip(header, line, strict=True)) for line in lines}
    assert by_name["Official of Amman"]["Plan title"] == "Plan of Amman"
    assert by_name["Official of Amman"]["Grade"] == "50"
    assert by_name["Official of Amman"]["Passed"] == "yes"
    assert by_name["Official of Dakar"]["Plan title"] == ""
    assert archive.mimetype == "application/zip" and "no-store" in archive.headers["Cache-Control"]
    with zipfile.ZipFile(io.BytesIO(archive.data)) as zipped:
        names = sorted(zipped.namelist())
        assert len(names) == 3 and all(name.endswith(".pdf") for name in names)
        texts_found = [
            PdfReader(io.BytesIO(zipped.read(name))).pages[0].extract_text() for name in names
        ]
    assert any("Plan of Amman" in found and "Official of Amman" in found for found in texts_found)
    assert all("The pilot service" in found for found in texts_found)


def test_an_empty_cohort_has_nothing_to_export(app, course, assignment, spring, teacher):
    staff = as_user(app, teacher)
    url = work_url(course, assignment, spring)
    response = staff.client.get(url + "/plans.zip")
    assert response.status_code == 302 and response.headers["Location"] == url
    shown = staff.client.get(url)
    assert "No plan has been submitted in this cohort yet" in text(shown, ".messages")


def test_the_course_team_can_open_reviews_before_the_plans_are_due(
    app, course, assignment, four, spring, teacher
):
    for user in four[:3]:
        submitted(assignment, user, spring)
    url = work_url(course, assignment, spring)
    with time_machine.travel(DRAFTING, tick=False):
        staff = as_user(app, teacher)
        unconfirmed = staff.post_form(url + "/open-reviews", {}, page=url)
        assert unconfirmed.status_code == 302
        assert db.session.scalar(select(func.count(PeerReview.id))) == 0
        staff.post_form(url + "/open-reviews", {"confirm": "yes"}, page=url)
        shown = staff.client.get(url)
        assert "Reviews are open: 6 reviews were given" in text(shown, ".messages")
        assert "Open reviews now" not in text(shown)
        # A plan submitted afterwards gets its reviewers at once.
        late_plan = submitted(assignment, four[3], spring, when=DRAFTING)
    reviews = db.session.scalars(select(PeerReview)).all()
    assert len(reviews) == 6 + 6
    assert {r.submission_id for r in reviews} >= {late_plan.id}
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "assignment.reviews_opened")
    )
    assert event.details["early"] is True and event.actor_id == teacher.id


def test_the_author_is_told_when_the_plan_has_its_grade_and_when_the_team_changes_it(
    app, course, assignment, four, spring, teacher, outbox
):
    plans = reviewed(assignment, four, spring)

    def graded():
        return db.session.scalars(
            select(OutgoingMail).where(OutgoingMail.kind == "plan_graded")
        ).all()

    # Three plans, two reviews each of the three asked: the grade waits for reviews to close.
    assert graded() == []
    closing = REVIEWS_DUE + timedelta(minutes=1)
    with time_machine.travel(closing, tick=False):
        run_review_passes(closing)
        run_review_passes(closing)
        db.session.commit()
    # Then each author is told, once.
    assert sorted(m.recipient for m in graded()) == sorted(u.email for u in four[:3])
    plan_url = f"/author/{course.slug}/assignments/{assignment.module.slug}/plans/{plans[1].id}"
    with time_machine.travel(REVIEWS_DUE + timedelta(hours=1), tick=False):
        staff = as_user(app, teacher)
        staff.post_form(plan_url, {"grade": "45", "counts": "yes"}, page=plan_url)
    seoul = [
        m
        for m in outbox()
        if m["To"] == four[1].email and m["Subject"].startswith("Your plan has its grade")
    ]
    assert len(seoul) == 2
    bodies = [m.get_body(preferencelist=("plain",)).get_content() for m in seoul]
    assert any("has its reviews" in b and "Its grade is 50 %: it passes" in b for b in bodies)
    assert any(
        "The course team has assessed your plan" in b
        and "Its grade is 45 %, below the pass mark of 50 %" in b
        for b in bodies
    )
