"""Peer-reviewed assignments as learners use them: drafts that are never lost, one
submission, files, reviews given when plans are due, no-shows replaced, late plans, grades
that count for completion, and a gallery of the plans their authors share."""

import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from PIL import Image
from sqlalchemy import func, select

from app.accounts.operations import delete_account
from app.assignments.models import DraftCopy, PeerReview, ReviewState, Submission
from app.assignments.operations import save_draft, submit, submit_review
from app.assignments.passes import run_review_passes
from app.catalog.outlines import outline_changed
from app.core.audit import AuditEvent
from app.core.mail import OutgoingMail, deliver_mail
from app.extensions import db
from app.learning.models import Enrollment
from tests.conftest import Browser
from tests.factories import enrolled_learner, make_assignment
from tests.html import page, text, texts

DRAFTING = datetime(2027, 4, 1, 10, tzinfo=UTC)
PLANS_DUE = datetime(2027, 4, 10, 21, 59, tzinfo=UTC)  # 23:59 in Madrid
REVIEWS_DUE = datetime(2027, 4, 20, 21, 59, tzinfo=UTC)
PLAN = {"section-problem": "Mothers in Ciudad Bolívar travel two hours to a day centre.",
        "section-pilot": "A care block with laundry, a crèche and evening classes."}  # fmt: skip
PLACES = [
    ("CO", "Bogotá", "America/Bogota"),
    ("KR", "Seoul", "Asia/Seoul"),
    ("JO", "Amman", "Asia/Amman"),
    ("SN", "Dakar", "Africa/Dakar"),
]


@pytest.fixture
def assignment(course, spring):
    return make_assignment(course, {spring: (PLANS_DUE, REVIEWS_DUE)})


@pytest.fixture
def url(course, assignment):
    return f"/courses/{course.slug}/assignments/{assignment.module.slug}"


@pytest.fixture
def four(app, spring):
    return [
        enrolled_learner(spring, f"{city.lower()}@city.example", name=f"Official of {city}",
                         country=country, city=city, time_zone=zone)
        for country, city, zone in PLACES
    ]  # fmt: skip


def as_user(app, user) -> Browser:
    browser = Browser(app.test_client())
    assert browser.login(user.email).status_code == 302
    return browser


def enrollment_of(user, cohort) -> Enrollment:
    return db.session.scalars(
        select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.cohort_id == cohort.id)
    ).one()


def submitted(assignment, user, cohort, *, title="Care blocks for Ciudad Bolívar", when=DRAFTING):
    saved = save_draft(
        assignment, enrollment_of(user, cohort), base_version=0, title=title, theme="childcare",
        sections={"problem": PLAN["section-problem"], "pilot": PLAN["section-pilot"]}, now=when,
    )  # fmt: skip
    submit(saved.submission, shows_in_gallery=True, now=when, actor=user)
    db.session.commit()
    return saved.submission


def form_version(response) -> str:
    return page(response).select_one('input[name="version"]')["value"]


def test_a_learner_drafts_saves_and_finds_the_draft_again(app, assignment, url, four):
    with time_machine.travel(DRAFTING, tick=False):
        browser = as_user(app, four[0])
        first = browser.client.get(url)
        assert first.status_code == 200
        assert "City care plan" in text(first, "h1")
        assert "Which care need?" in text(first)
        assert "0 of 50 words" in text(first)
        saved = browser.post_form(
            url + "/plan", {"version": form_version(first), "title": "Care blocks", **PLAN,
                            "action": "save"}, page=url,
        )  # fmt: skip
        assert saved.status_code == 302
        again = browser.client.get(url)
    assert "Your draft is saved." in text(again)
    assert page(again).select_one("#section-pilot").text == PLAN["section-pilot"]
    assert page(again).select_one("#plan-title")["value"] == "Care blocks"
    stored = db.session.scalars(select(Submission)).one()
    assert stored.sections["problem"] == PLAN["section-problem"]
    assert stored.submitted_at is None and stored.version == 1


def test_two_tabs_saving_the_same_draft_keep_both_texts(app, assignment, url, four):
    with time_machine.travel(DRAFTING, tick=False):
        browser = as_user(app, four[0])
        browser.post_form(url + "/plan", {"version": "0", "title": "One", **PLAN, "action": "save"},
                          page=url)  # fmt: skip
        tab_a = browser.client.get(url)
        tab_b = browser.client.get(url)
        browser.post_form(
            url + "/plan", {"version": form_version(tab_a), "title": "One",
                            "section-problem": "Text from the phone", "section-pilot": "A",
                            "action": "save"}, page=url,
        )  # fmt: skip
        late = browser.post_form(
            url + "/plan", {"version": form_version(tab_b), "title": "One",
                            "section-problem": "Text from the laptop", "section-pilot": "A",
                            "action": "save"}, page=url,
        )  # fmt: skip
        assert late.status_code == 302 and late.location.endswith("#copies")
        shown = browser.client.get(url)
    # The draft keeps the first save; the second is kept beside it, both shown to the author.
    assert page(shown).select_one("#section-problem").text == "Text from the phone"
    assert "Text from the laptop" in text(shown, "#copies")
    assert "saved from another window" in text(shown, ".messages")
    copy = db.session.scalars(select(DraftCopy)).one()
    assert copy.sections["problem"] == "Text from the laptop"
    # Discarding the copy, once the author has taken what they need.
    with time_machine.travel(DRAFTING, tick=False):
        browser.post_form(f"{url}/copies/{copy.id}/discard", {}, page=url)
    assert db.session.scalar(select(func.count(DraftCopy.id))) == 0


def test_submitting_checks_the_plan_and_happens_once(app, assignment, url, four):
    with time_machine.travel(DRAFTING, tick=False):
        browser = as_user(app, four[0])
        refused = browser.post_form(
            url + "/plan", {"version": "0", "title": "", "section-problem": "Only this",
                            "section-pilot": "", "action": "submit"}, page=url,
        )  # fmt: skip
        assert refused.status_code == 409
        message = text(refused, "[role=alert]")
        assert (
            "Give your plan a title." in message
            and "Write the section “The pilot service”." in message
        )
        # Refused, but the text typed is saved.
        assert db.session.scalars(select(Submission)).one().sections["problem"] == "Only this"
        too_long = browser.post_form(
            url + "/plan", {"version": "1", "title": "T", "section-problem": "word " * 51,
                            "section-pilot": "x", "action": "submit"}, page=url,
        )  # fmt: skip
        assert "has 51 words; its limit is 50" in text(too_long, "[role=alert]")
        done = browser.post_form(
            url + "/plan", {"version": "2", "title": "Care blocks", **PLAN, "gallery": "yes",
                            "action": "submit"}, page=url,
        )  # fmt: skip
        assert done.status_code == 302
        after = browser.client.get(url)
        assert "Your plan has been submitted." in text(after)
        assert not page(after).select("textarea")  # no form to change it any more
        again = browser.post_form(
            url + "/plan", {"version": "3", "title": "Changed", **PLAN, "action": "save"}, page=url
        )
        assert again.status_code == 409
    stored = db.session.scalars(select(Submission)).one()
    assert stored.title == "Care blocks" and stored.shows_in_gallery and not stored.is_late
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.submitted"))


def test_after_the_due_date_a_plan_is_refused_unless_late_work_is_allowed(
    app, assignment, url, four
):
    late = PLANS_DUE + timedelta(minutes=1)
    with time_machine.travel(late, tick=False):
        browser = as_user(app, four[0])
        refused = browser.post_form(
            url + "/plan", {"version": "0", "title": "T", **PLAN, "action": "submit"}, page=url
        )
        assert refused.status_code == 409
        assert "does not take late work" in text(refused, "[role=alert]")
        assignment.late_work = True
        db.session.commit()
        accepted = browser.post_form(
            url + "/plan", {"version": "1", "title": "T", **PLAN, "action": "submit"}, page=url
        )
    assert accepted.status_code == 302
    assert db.session.scalars(select(Submission)).one().is_late


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


def test_files_are_checked_by_their_content_and_limited_in_number(app, assignment, url, four):
    assignment.max_files = 2
    db.session.commit()
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    with time_machine.travel(DRAFTING, tick=False):
        browser = as_user(app, four[0])

        def attach(name, data):
            return browser.post_form(
                url + "/files", {"file": (io.BytesIO(data), name)}, page=url,
                content_type="multipart/form-data",
            )  # fmt: skip

        refused = attach("plan.png", b"MZ\x90\x00 not an image")
        assert refused.status_code == 400
        assert "not a PDF document nor a PNG" in text(refused, "[role=alert]")
        assert attach("map.png", png()).status_code == 302
        assert attach("budget.pdf", pdf).status_code == 302
        third = attach("more.png", png())
        assert third.status_code == 409 and "can have 2 files" in text(third, "[role=alert]")
        shown = browser.client.get(url)
        assert texts(shown, "#files li a") == ["map.png", "budget.pdf"]
        file_url = page(shown).select_one("#files li a")["href"]
        got = browser.client.get(file_url)
        assert got.status_code == 200 and got.mimetype == "image/png"
        assert "no-store" in got.headers["Cache-Control"]
        # Nobody else reads a draft's files.
        assert as_user(app, four[1]).client.get(file_url).status_code == 404


def test_reviews_open_when_plans_are_due_and_every_plan_gets_three(app, assignment, four, spring):
    plans = [submitted(assignment, user, spring) for user in four]
    with time_machine.travel(PLANS_DUE - timedelta(minutes=1), tick=False):
        run_review_passes(PLANS_DUE - timedelta(minutes=1))
        db.session.commit()
    assert db.session.scalar(select(func.count(PeerReview.id))) == 0
    with time_machine.travel(PLANS_DUE, tick=False):
        run_review_passes(PLANS_DUE)
        run_review_passes(PLANS_DUE)  # a second pass allocates nothing more
        db.session.commit()
    reviews = db.session.scalars(select(PeerReview)).all()
    assert len(reviews) == 12
    for plan in plans:
        reviewers = {r.reviewer_id for r in reviews if r.submission_id == plan.id}
        assert len(reviewers) == 3 and plan.user_id not in reviewers
    assert all(r.due_at == REVIEWS_DUE for r in reviews)
    mails = db.session.scalars(
        select(OutgoingMail).where(OutgoingMail.kind == "peer_reviews_assigned")
    ).all()
    assert sorted(m.recipient for m in mails) == sorted(u.email for u in four)


def review_all(review, levels=(2, 2), now=PLANS_DUE + timedelta(days=1)):
    submit_review(
        review,
        levels={"evidence": levels[0], "feasibility": levels[1]},
        comments={"evidence": "Clear figures.", "feasibility": "Start with one block."},
        now=now,
    )


def test_reviews_are_written_against_the_rubric_and_make_the_grade(
    app, assignment, url, four, spring, course
):
    course.completion_rules = {**course.completion_rules, "assignments": "passed"}
    outline_changed([course.id])
    db.session.commit()
    plans = [submitted(assignment, user, spring) for user in four]
    with time_machine.travel(PLANS_DUE, tick=False):
        run_review_passes(PLANS_DUE)
        db.session.commit()
    writing = PLANS_DUE + timedelta(days=1)
    with time_machine.travel(writing, tick=False):
        reviewer = as_user(app, four[1])
        listed = reviewer.client.get(url)
        links = page(listed).select("#to-review a")
        assert len(links) == 3
        form_url = links[0]["href"]
        form = reviewer.client.get(form_url)
        assert texts(form, "legend") == ["Evidence", "Feasibility"]
        assert "Meets expectations" in text(form)
        incomplete = reviewer.post_form(form_url, {"level-evidence": "2"}, page=form_url)
        assert incomplete.status_code == 409
        problems = text(incomplete, "[role=alert]")
        assert "Choose a level for “Feasibility”." in problems
        assert "Write a comment on “Evidence”." in problems
        sent = reviewer.post_form(
            form_url, {"level-evidence": "2", "level-feasibility": "1",
                       "comment-evidence": "Good data", "comment-feasibility": "Costly"},
            page=form_url,
        )  # fmt: skip
        assert sent.status_code == 302
        review = db.session.get(PeerReview, int(form_url.rsplit("/", 1)[1]))
        assert review.state == ReviewState.SUBMITTED and review.points == 3
        # The other reviews of that plan, by the other two reviewers.
        for other in (
            plans[0].reviews if review.submission_id == plans[0].id else review.submission.reviews
        ):
            if other.id != review.id:
                review_all(other, now=writing)
        db.session.commit()
        author = as_user(app, review.submission.author)
        mine = author.client.get(url)
        checklist = author.client.get(f"/courses/{course.slug}")
    grade = text(mine, "#received")
    # 3 + 4 + 4 points of 4, three reviews: 11/12 → 91 %.
    assert "Grade: 91 %" in grade and "passed" in grade
    assert "Good data" in grade
    assert "Official of Seoul" not in grade  # reviews are anonymous by default
    # The checklist counts the plan (lessons and quizzes are still to do).
    # (The example course has an assignment of its own, in its first module.)
    assert "assessed at or above the pass mark: 1 of 2" in text(checklist, ".checklist")


def test_the_author_rates_how_helpful_a_review_was(app, assignment, url, four, spring):
    for user in four:
        submitted(assignment, user, spring)
    with time_machine.travel(PLANS_DUE, tick=False):
        run_review_passes(PLANS_DUE)
        db.session.commit()
    review = db.session.scalars(select(PeerReview)).first()
    review_all(review)
    db.session.commit()
    with time_machine.travel(PLANS_DUE + timedelta(days=2), tick=False):
        author = as_user(app, review.submission.author)
        rating_url = f"{url}/reviews/{review.id}/helpful"
        assert author.post_form(rating_url, {"helpfulness": "3"}, page=url).status_code == 302
        assert author.post_form(rating_url, {"helpfulness": "9"}, page=url).status_code == 400
        # Only the plan's author rates its reviews.
        someone = as_user(app, review.reviewer)
        assert someone.post_form(rating_url, {"helpfulness": "1"}, page=url).status_code == 404
        reviewer_page = someone.client.get(url)
    db.session.refresh(review)
    assert review.helpfulness == 3
    assert "rated very helpful by its author" in text(reviewer_page, "#to-review")


def test_reviewers_who_do_not_show_up_are_replaced(app, assignment, four, spring):
    plans = [submitted(assignment, user, spring) for user in four]
    with time_machine.travel(PLANS_DUE, tick=False):
        run_review_passes(PLANS_DUE)
        db.session.commit()
    # Everyone but Dakar writes their reviews in time.
    dakar = four[3]
    for review in db.session.scalars(select(PeerReview)).all():
        if review.reviewer_id != dakar.id:
            review_all(review)
    db.session.commit()
    after = REVIEWS_DUE + timedelta(minutes=1)
    with time_machine.travel(after, tick=False):
        run_review_passes(after)
        db.session.commit()
    dakar_reviews = db.session.scalars(
        select(PeerReview).where(PeerReview.reviewer_id == dakar.id)
    ).all()
    assert {r.state for r in dakar_reviews} == {ReviewState.REPLACED}
    # With 4 plans, each plan has 3 reviewers already: a plan can only be given to someone
    # who does not review it yet, which is nobody here but its author. So the replacement
    # finds nobody, and the plan is graded on the two reviews it has.
    for plan in plans:
        db.session.refresh(plan)
        live = [r for r in plan.reviews if r.state != ReviewState.REPLACED]
        assert dakar.id not in {r.reviewer_id for r in live}
        assert plan.user_id not in {r.reviewer_id for r in plan.reviews}


def test_a_no_show_in_a_larger_cohort_is_replaced_by_someone_who_wrote_theirs(
    app, assignment, spring
):
    people = [
        enrolled_learner(
            spring, f"p{n}@city.example", country=["CO", "KR", "JO", "SN", "TR", "PK"][n]
        )
        for n in range(6)
    ]
    plans = {user.id: submitted(assignment, user, spring) for user in people}
    with time_machine.travel(PLANS_DUE, tick=False):
        run_review_passes(PLANS_DUE)
        db.session.commit()
    absent = people[0]
    for review in db.session.scalars(select(PeerReview)).all():
        if review.reviewer_id != absent.id:
            review_all(review)
    db.session.commit()
    after = REVIEWS_DUE + timedelta(minutes=1)
    with time_machine.travel(after, tick=False):
        run_review_passes(after)
        db.session.commit()
    replaced = db.session.scalars(
        select(PeerReview).where(PeerReview.state == ReviewState.REPLACED)
    ).all()
    assert len(replaced) == 3 and {r.reviewer_id for r in replaced} == {absent.id}
    for old in replaced:
        substitutes = db.session.scalars(
            select(PeerReview).where(
                PeerReview.submission_id == old.submission_id,
                PeerReview.state == ReviewState.ASSIGNED,
            )
        ).all()
        assert len(substitutes) == 1
        new = substitutes[0]
        assert new.reviewer_id not in (absent.id, plans_owner(plans, old.submission_id))
        assert new.due_at == after + timedelta(days=3)


def plans_owner(plans, submission_id):
    return next(user for user, plan in plans.items() if plan.id == submission_id)


def test_a_late_plan_gets_reviewers_and_its_author_plans_to_review(app, assignment, four, spring):
    assignment.late_work = True
    db.session.commit()
    for user in four[:3]:
        submitted(assignment, user, spring)
    with time_machine.travel(PLANS_DUE, tick=False):
        run_review_passes(PLANS_DUE)
        db.session.commit()
    assert db.session.scalar(select(func.count(PeerReview.id))) == 6  # 3 plans, 2 each
    late = PLANS_DUE + timedelta(days=2)
    with time_machine.travel(late, tick=False):
        plan = submitted(assignment, four[3], spring, when=late)
    assert plan.is_late
    mine = db.session.scalars(select(PeerReview).where(PeerReview.submission_id == plan.id)).all()
    theirs = db.session.scalars(
        select(PeerReview).where(PeerReview.reviewer_id == four[3].id)
    ).all()
    assert len(mine) == 3 and four[3].id not in {r.reviewer_id for r in mine}
    assert len(theirs) == 3 and plan.id not in {r.submission_id for r in theirs}


def test_the_gallery_shows_only_the_plans_shared_and_filters_them(
    app, assignment, url, four, spring, count_queries
):
    for user in four[:3]:
        submitted(assignment, user, spring, title=f"Plan of {user.city}")
    hidden = db.session.scalars(select(Submission).where(Submission.user_id == four[2].id)).one()
    hidden.shows_in_gallery = False
    db.session.commit()
    with time_machine.travel(PLANS_DUE, tick=False):
        browser = as_user(app, four[3])
        shown = browser.client.get(url + "/gallery")
        assert texts(shown, ".plan-card h2") == ["Plan of Bogotá", "Plan of Seoul"]
        assert "Colombia" in text(shown) and "Korea" in text(shown)
        filtered = browser.client.get(url + "/gallery?country=KR")
        assert texts(filtered, ".plan-card h2") == ["Plan of Seoul"]
        plan_link = page(filtered).select_one(".plan-card a")["href"]
        assert "Mothers in Ciudad Bolívar" in text(browser.client.get(plan_link))
        # A plan not shared cannot be read from the gallery.
        assert browser.client.get(f"{url}/plans/{hidden.id}").status_code == 404
        with count_queries() as few:
            browser.client.get(url + "/gallery")
        for n in range(4, 30):
            extra = enrolled_learner(spring, f"x{n}@city.example", country="SN", city="Dakar")
            submitted(assignment, extra, spring, title=f"Plan {n}")
        with count_queries() as many:
            many_page = browser.client.get(url + "/gallery")
        assert len(texts(many_page, ".plan-card h2")) == 20
    assert many.count == few.count


def test_each_reviewer_is_mailed_once_on_their_own_clock(app, assignment, four, spring, outbox):
    for user in four:
        submitted(assignment, user, spring)
    with time_machine.travel(PLANS_DUE, tick=False):
        run_review_passes(PLANS_DUE)
        waiting = db.session.info.pop("outgoing_mail")
        db.session.commit()
        deliver_mail(*[mail_id for _, mail_id in waiting])
    mails = {m["To"]: m for m in outbox()}
    assert sorted(mails) == sorted(u.email for u in four)
    seoul = mails["seoul@city.example"]
    assert seoul["Subject"] == "Plans to review in Example course"
    body = seoul.get_body(preferencelist=("plain",)).get_content()
    assert "You have been given 3 plans to review for “City care plan”" in body
    # Reviews are due at 23:59 in Madrid: 06:59 the next morning in Seoul.
    assert "by Wednesday 21 April 2027 at 06:59 (Seoul time)" in body
    assert seoul["List-Unsubscribe"]


def test_a_learners_plans_and_reviews_are_in_their_data_and_erased_with_them(
    app, assignment, four, spring
):
    plans = [submitted(assignment, user, spring) for user in four]
    with time_machine.travel(PLANS_DUE, tick=False):
        run_review_passes(PLANS_DUE)
        db.session.commit()
    written = db.session.scalars(
        select(PeerReview).where(PeerReview.reviewer_id == four[0].id)
    ).first()
    review_all(written)
    db.session.commit()
    with time_machine.travel(PLANS_DUE + timedelta(days=1), tick=False):
        browser = as_user(app, four[0])
        data = browser.client.get("/account/data.json").get_json()
    (plan,) = data["assignment_plans"]
    assert plan["title"] == "Care blocks for Ciudad Bolívar"
    assert plan["sections"]["pilot"] == PLAN["section-pilot"]
    assert data["assignment_reviews_written"][0]["comments"]["evidence"] == "Clear figures."
    erased_plan = plans[0].id
    delete_account(four[0])
    db.session.commit()
    assert db.session.scalar(select(Submission.id).where(Submission.id == erased_plan)) is None
    db.session.refresh(written)
    assert written.comments == {} and written.points == 4  # the other plan keeps its grade


def test_hostile_numbers_in_the_forms_are_refused_not_crashing(app, assignment, url, four, spring):
    huge = "9" * 30
    with time_machine.travel(DRAFTING, tick=False):
        browser = as_user(app, four[0])
        saved = browser.post_form(
            url + "/plan", {"version": huge, "title": "T", **PLAN, "action": "save"}, page=url
        )
    # An impossible version is no version: the first save makes the draft.
    assert saved.status_code == 302
    assert db.session.scalars(select(Submission)).one().title == "T"
    for user in four[1:]:
        submitted(assignment, user, spring)
    with time_machine.travel(PLANS_DUE, tick=False):
        run_review_passes(PLANS_DUE)
        db.session.commit()
    review = db.session.scalars(
        select(PeerReview).where(PeerReview.reviewer_id == four[1].id)
    ).first()
    with time_machine.travel(PLANS_DUE + timedelta(hours=1), tick=False):
        reviewer = as_user(app, four[1])
        form_url = f"{url}/reviews/{review.id}"
        refused = reviewer.post_form(
            form_url, {"level-evidence": huge, "level-feasibility": "-1"}, page=form_url
        )
    assert refused.status_code == 409
    assert "Choose a level for “Evidence”." in text(refused, "[role=alert]")
    db.session.refresh(review)
    assert review.state == ReviewState.ASSIGNED
