"""The learner's path: reading and marking lessons, the course home, lectures, the dashboard,
and completion, through the pages a learner uses."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.assignments.operations import save_draft, submit
from app.catalog.content.reader import read_course
from app.catalog.models import Course, Lesson
from app.catalog.operations import import_course
from app.catalog.outlines import outline_changed
from app.core.audit import AuditEvent
from app.core.permissions import Role
from app.core.templating import clock, long_date, zone_abbreviation
from app.core.types import utcnow
from app.extensions import db
from app.learning.models import Application, Enrollment, LessonProgress
from app.learning.progress import CourseProgress, LearnerFacts
from app.quizzes.models import AttemptAnswer, AttemptState, QuizAttempt, QuizRecord
from tests.conftest import PASSWORD, REPO, Browser
from tests.factories import enrolled_learner
from tests.learning_helpers import answers, quiz_url, take_quiz
from tests.test_applications import MOTIVATION, count
from tests.test_pages import visible_text

LESSONS_AND_QUIZZES = {"lessons": "all", "quizzes": "all"}


def lesson_url(course, lesson) -> str:
    return f"/courses/{course.slug}/lessons/{lesson.slug}"


def published_lessons(course) -> list[Lesson]:
    return [lesson for module in course.visible_modules() for lesson in module.published_lessons()]


def mark_done(browser, course, lesson):
    return browser.post_form(
        f"{lesson_url(course, lesson)}/done", {}, page=lesson_url(course, lesson)
    )


def without_live_rule(course):
    """Lessons and quizzes alone; live sessions toward completion: test_live_sessions.py."""
    course.completion_rules = LESSONS_AND_QUIZZES
    db.session.commit()


# The whole journey ---------------------------------------------------------------------------


def test_apply_approved_read_everything_pass_every_quiz_complete(
    app, course, cohort, make_user, outbox
):
    without_live_rule(course)
    learner = make_user(email="journey@city.example", name="Jo Urney")
    admin = make_user(Role.ADMIN, email="boss@city.example")
    me, staff = Browser(app.test_client()), Browser(app.test_client())
    me.login(learner.email)
    staff.login(admin.email)

    applied = me.post_form(
        f"/courses/{course.slug}/cohorts/{cohort.slug}/apply",
        {"motivation": MOTIVATION, "confirms_public_official": "y"},
    )
    assert applied.status_code == 302
    lessons = published_lessons(course)
    assert "Enrol to read this lesson" in me.client.get(lesson_url(course, lessons[0])).text

    application = db.session.scalar(select(Application))
    decided = staff.post_form(
        "/admin/applications/decide",
        {"decision": "approve", "application_id": str(application.id)},
        page="/admin/applications",
    )
    assert decided.status_code == 302

    home = visible_text(me.client.get(f"/courses/{course.slug}").text)
    assert "Your progress" in home
    assert f"Start with lesson: {lessons[0].title}" in home

    for lesson in lessons:
        page = me.client.get(lesson_url(course, lesson)).text
        assert lesson.body_html in page
        assert "Mark as done" in page
        assert mark_done(me, course, lesson).status_code == 302
    quizzes = course.published_quizzes()
    for quiz in quizzes:
        result = take_quiz(me, course, quiz.module, right=True)
        assert result.status_code == 302
        shown = visible_text(me.client.get(result.headers["Location"]).text)
        assert "100 %: passed" in shown

    enrollment = db.session.scalar(select(Enrollment))
    assert enrollment.completed_at is not None
    dashboard = visible_text(me.client.get("/dashboard").text)
    assert "Completed on" in dashboard
    assert 'value="100"' in me.client.get("/dashboard").text
    assert count(LessonProgress) == len(lessons)
    completed_events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "enrollment.completed")
    ).all()
    assert [event.object_id for event in completed_events] == [str(enrollment.id)]


def test_completion_is_set_once_and_kept_when_content_is_added(
    app, course, learner, browser, example_copy
):
    without_live_rule(course)
    for lesson in published_lessons(course):
        mark_done(browser, course, lesson)
    take_quiz(browser, course, course.published_quizzes()[0].module)
    enrollment = db.session.scalar(select(Enrollment))
    submit_the_plan(course, enrollment)
    first_completed_at = enrollment.completed_at
    assert first_completed_at is not None

    # Marking a lesson again evaluates the rules again, and changes nothing.
    mark_done(browser, course, published_lessons(course)[0])
    db.session.refresh(enrollment)
    assert enrollment.completed_at == first_completed_at

    # A new lesson arrives after completion: the completion stands, the lesson is there to read.
    (example_copy / "02-going-further" / "03-new-lesson.md").write_text(
        "---\ntitle: A new lesson\nminutes: 5\nobjectives:\n- Read what is new.\n---\n\nNew text.\n"
    )
    source, problems = read_course(example_copy)
    assert problems == []
    import_course(source)
    db.session.commit()
    without_live_rule(db.session.get(Course, course.id))
    db.session.refresh(enrollment)
    assert enrollment.completed_at == first_completed_at
    dashboard = visible_text(browser.client.get("/dashboard").text)
    assert "Completed on" in dashboard
    assert "The course has added content since then" in dashboard
    assert "Next: Lesson: A new lesson" in dashboard
    events = db.session.scalar(
        select(func.count()).where(AuditEvent.action == "enrollment.completed")
    )
    assert events == 1


def test_live_session_rule_keeps_the_course_open_and_is_on_the_checklist(course, learner, browser):
    for lesson in published_lessons(course):
        mark_done(browser, course, lesson)
    take_quiz(browser, course, course.published_quizzes()[0].module)
    assert db.session.scalar(select(Enrollment.completed_at)) is None
    home = visible_text(browser.client.get(f"/courses/{course.slug}").text)
    assert "Read every lesson and mark it as done: 3 of 3 (done)" in home
    assert "Pass every module quiz: 1 of 1 (done)" in home
    assert "Take part in live sessions, or watch their recordings: 0 of 1 (not done yet)" in home


# Lessons and progress ------------------------------------------------------------------------


def test_marking_twice_stores_one_row_and_goes_on_to_the_next_step(course, learner, browser):
    first, second = published_lessons(course)[:2]
    response = mark_done(browser, course, first)
    assert response.status_code == 302
    assert response.headers["Location"] == lesson_url(course, second)
    again = mark_done(browser, course, first)
    assert again.status_code == 302
    assert count(LessonProgress) == 1
    page = browser.client.get(lesson_url(course, first)).text
    assert "You marked this lesson as done." in page
    assert "Mark as done" not in page


@pytest.mark.parametrize("tabs", [2, 8])
def test_marking_from_several_tabs_at_once_stores_one_row(app, course, learner, browser, tabs):
    lesson = published_lessons(course)[0]
    url = lesson_url(course, lesson)
    token = browser.token(url)
    cookie = browser.client.get_cookie("session")
    statuses, start = [], threading.Barrier(tabs)

    def tab():
        client = app.test_client()
        client.set_cookie("session", cookie.value)
        start.wait()
        response = client.post(f"{url}/done", data={"csrf_token": token})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=tab) for _ in range(tabs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * tabs
    assert count(LessonProgress) == 1


def test_progress_survives_a_content_edit(course, learner, browser, example_copy):
    lesson = published_lessons(course)[0]
    mark_done(browser, course, lesson)
    path = example_copy / "01-first-steps" / "01-what-care-work-is.md"
    path.write_text(path.read_text().replace("## Sources", "## Sources and further reading"))
    source, problems = read_course(example_copy)
    assert problems == []
    import_course(source)
    db.session.commit()
    db.session.refresh(lesson)
    assert "Sources and further reading" in lesson.body_html
    home = visible_text(browser.client.get(f"/courses/{course.slug}").text)
    assert "Read every lesson and mark it as done: 1 of 3" in home
    assert "1 of 2 lessons done" in home


def test_a_draft_or_archived_lesson_does_not_count(course, learner, browser):
    lessons = published_lessons(course)
    for lesson in lessons:
        mark_done(browser, course, lesson)
    lessons[0].status = lessons[0].status.ARCHIVED
    outline_changed([course.id])  # as every operation that changes a lesson does
    db.session.commit()
    home = visible_text(browser.client.get(f"/courses/{course.slug}").text)
    assert (
        f"Read every lesson and mark it as done: {len(lessons) - 1} of {len(lessons) - 1}" in home
    )
    draft = db.session.scalar(select(Lesson).where(Lesson.slug == "coming-soon"))
    assert browser.client.get(lesson_url(course, draft)).status_code == 404
    assert (
        browser.post_form(f"{lesson_url(course, draft)}/done", {}, page="/dashboard").status_code
        == 404
    )


def test_percentages_add_up(course, learner, browser):
    lessons = published_lessons(course)
    mark_done(browser, course, lessons[0])
    home = browser.client.get(f"/courses/{course.slug}").text
    text = visible_text(home)
    # 3 lessons, 1 quiz and 1 live session are asked for: 1 of 5 is done.
    assert 'value="20"' in home
    assert "1 of 2 lessons done" in text
    assert "0 of 1 lesson done" in text


def test_someone_who_is_not_enrolled_cannot_mark_a_lesson(course, cohort, make_user, browser):
    outsider = make_user(email="outsider@city.example")
    browser.login(outsider.email)
    lesson = published_lessons(course)[0]
    assert mark_done(browser, course, lesson).status_code == 403
    assert count(LessonProgress) == 0


def test_learners_do_not_see_each_others_progress(app, course, cohort, make_user, learner, browser):
    other = enrolled_learner(cohort, email="other@city.example")
    theirs = Browser(app.test_client())
    theirs.login(other.email)
    for lesson in published_lessons(course):
        mark_done(theirs, course, lesson)
    mine = visible_text(browser.client.get(f"/courses/{course.slug}").text)
    assert "Read every lesson and mark it as done: 0 of 3" in mine
    assert count(LessonProgress) == 3


# The lesson page -----------------------------------------------------------------------------


def test_lesson_page_has_the_way_on_and_back(course, learner, browser):
    first, second, third = published_lessons(course)
    module = first.module
    page = browser.client.get(lesson_url(course, first)).text
    assert 'rel="prev"' not in page
    assert f'href="{lesson_url(course, second)}" rel="next"' in page
    page = browser.client.get(lesson_url(course, second)).text
    assert f'href="{lesson_url(course, first)}" rel="prev"' in page
    lecture = f"/courses/{course.slug}/lectures/{module.slug}"
    assert f'href="{lecture}" rel="next"' in page
    page = browser.client.get(lecture).text
    assert f'href="{quiz_url(course, module)}" rel="next"' in page
    page = browser.client.get(quiz_url(course, module)).text
    plan = f"/courses/{course.slug}/assignments/{module.slug}"
    assert f'href="{plan}" rel="next"' in page
    page = browser.client.get(plan).text
    assert f'href="{quiz_url(course, module)}" rel="prev"' in page
    assert f'href="{lesson_url(course, third)}" rel="next"' in page


def test_long_lessons_get_a_table_of_contents(app, browser, make_cohort, make_user):
    source, _ = read_course(REPO / "courses" / "caring_cities")
    real, _ = import_course(source)
    db.session.commit()
    cohort = make_cohort(real, "real")
    reader = enrolled_learner(cohort, email="reader@city.example")
    browser.login(reader.email)
    long_lesson = max(published_lessons(real), key=lambda lesson: len(lesson.headings))
    assert len(long_lesson.headings) >= 3
    page = browser.client.get(lesson_url(real, long_lesson)).text
    assert "On this page" in page
    for heading in long_lesson.headings:
        assert f'<a href="#{heading["id"]}">' in page
        assert f'id="{heading["id"]}"' in long_lesson.body_html


def test_short_lessons_have_no_table_of_contents(course, learner, browser):
    lesson = published_lessons(course)[0]
    assert [h["title"] for h in lesson.headings] == ["Direct and indirect care", "Sources"]
    assert "On this page" not in browser.client.get(lesson_url(course, lesson)).text


def test_lecture_page_shows_the_transcript_and_the_video(course, learner, browser):
    module = course.visible_modules()[0]
    url = f"/courses/{course.slug}/lectures/{module.slug}"
    module.lecture_video_url = None
    outline_changed([course.id])  # as every operation that changes a module does
    db.session.commit()
    page = browser.client.get(url).text
    assert module.lecture_transcript_html in page
    assert "The video of this lecture is not published yet" in page
    module.lecture_video_url = "https://video.example/lecture-1.mp4"
    outline_changed([course.id])
    db.session.commit()
    page = browser.client.get(url).text
    assert (
        '<video class="lecture-video" controls preload="none" src="https://video.example/lecture-1.mp4">'
        in page
    )
    module.lecture_video_url = "https://video.example/watch?v=1"
    outline_changed([course.id])
    db.session.commit()
    page = browser.client.get(url).text
    assert "<video" not in page
    assert 'href="https://video.example/watch?v=1"' in page
    assert browser.client.get(f"/courses/{course.slug}/lectures/going-further").status_code == 404


# Course home and dashboard -------------------------------------------------------------------


def test_course_home_says_where_to_continue(course, learner, browser):
    first, second, _third = published_lessons(course)
    mark_done(browser, course, first)
    page = browser.client.get(f"/courses/{course.slug}").text
    text = visible_text(page)
    assert f"Continue with lesson: {second.title}" in text
    assert f'href="{lesson_url(course, second)}">Continue' in page
    assert "✓ done" in text


# "Continue" leads to a step that can be done now: a quiz in its waiting time is passed over.

NOW = datetime(2027, 4, 10, 12, 0, tzinfo=UTC)


def attempt(quiz, number: int, submitted_at: datetime | None, score: int = 0) -> QuizAttempt:
    return QuizAttempt(
        quiz_id=quiz.id,
        number=number,
        state=AttemptState.SUBMITTED if submitted_at else AttemptState.STARTED,
        started_at=(submitted_at or NOW) - timedelta(minutes=5),
        submitted_at=submitted_at,
        score=score if submitted_at else None,
        question_count=3,
        layout=[],
    )


def submit_the_plan(course, enrollment) -> None:
    """The learner's plan for the example's assignment, submitted (it is not a completion
    rule of the example course: only a step of its path)."""
    assignment = course.published_assignments()[0]
    saved = save_draft(
        assignment, enrollment, base_version=0, title="A plan", theme=None,
        sections={s["id"]: "Text." for s in assignment.sections}, now=utcnow(),
    )  # fmt: skip
    submit(saved.submission, shows_in_gallery=False, now=utcnow(), actor=enrollment.user)
    db.session.commit()


def progress_with(course, read: int, attempts_at) -> CourseProgress:
    """The first `read` lessons done, and attempts at the first module's quiz (wait: 60 min);
    the first module's plan submitted, so that it is not a step to continue with."""
    quiz = course.published_quizzes()[0]
    facts = LearnerFacts(
        submitted_assignment_ids=frozenset(a.id for a in course.published_assignments()),
        done_lesson_ids=frozenset(lesson.id for lesson in published_lessons(course)[:read]),
        quiz_records={
            quiz.id: QuizRecord(quiz, [f(quiz, n) for n, f in enumerate(attempts_at, 1)])
        },
    )
    return CourseProgress(course, None, facts)


def failed(minutes_ago: int):
    return lambda quiz, number: attempt(quiz, number, NOW - timedelta(minutes=minutes_ago))


def test_continue_passes_over_a_quiz_in_its_waiting_time(course):
    first_steps_quiz = course.published_quizzes()[0]
    care_services = published_lessons(course)[2]
    assert first_steps_quiz.wait_minutes == 60
    waiting = progress_with(course, 2, [failed(10)]).continuation(NOW)
    assert (waiting.step.kind, waiting.step.lesson) == ("lesson", care_services)
    assert waiting.waiting is None
    # The wait is over: the quiz comes first again, in course order.
    over = progress_with(course, 2, [failed(60)]).continuation(NOW)
    assert (over.step.kind, over.step.quiz) == ("quiz", first_steps_quiz)
    # An attempt left open can always be finished.
    started = progress_with(course, 2, [lambda quiz, n: attempt(quiz, n, None)])
    assert started.continuation(NOW).step.quiz == first_steps_quiz


def test_when_nothing_can_be_done_now_continue_says_when_the_quiz_opens(course):
    everything_read = progress_with(course, 3, [failed(10)]).continuation(NOW)
    assert everything_read.step is None
    assert everything_read.waiting.quiz == course.published_quizzes()[0]
    assert everything_read.opens_at == NOW + timedelta(minutes=50)
    # No attempts left: the quiz's own page says what to do, there is no time to wait for.
    used_up = progress_with(course, 3, [failed(300), failed(200), failed(100)])
    assert used_up.continuation(NOW).step.quiz == course.published_quizzes()[0]
    assert used_up.continuation(NOW).waiting is None
    # ...but a lesson still to read comes first.
    assert (
        progress_with(course, 2, [failed(300), failed(200), failed(100)])
        .continuation(NOW)
        .step.lesson
        == published_lessons(course)[2]
    )


def test_course_home_continues_past_a_quiz_in_its_waiting_time(course, learner, browser):
    first, second, third = published_lessons(course)
    quiz = course.published_quizzes()[0]
    mark_done(browser, course, first)
    mark_done(browser, course, second)
    take_quiz(browser, course, quiz.module, right=False)
    page = browser.client.get(f"/courses/{course.slug}").text
    # The next step after the quiz is the module's plan, which can be written at any time.
    plan = quiz.module.assignment
    assert (
        f'href="/courses/{course.slug}/assignments/{quiz.module.slug}">Continue with assignment: '
        f'<span lang="en">{plan.title}' in page
    )
    assert f'href="{quiz_url(course, quiz.module)}">Continue' not in page

    mark_done(browser, course, third)
    submit_the_plan(course, db.session.scalar(select(Enrollment)))
    submitted = db.session.scalar(select(QuizAttempt.submitted_at))
    opens = submitted + timedelta(minutes=quiz.wait_minutes)
    zone = learner.time_zone
    text = visible_text(browser.client.get(f"/courses/{course.slug}").text)
    assert (
        f"Nothing else can be done now: you can take the quiz {quiz.title} again on "
        f"{long_date(opens, zone)} at {clock(opens, zone)} {zone_abbreviation(opens, zone)}."
    ) in text
    assert "Continue with quiz" not in text
    dashboard = visible_text(browser.client.get("/dashboard").text)
    assert f"you can take the quiz {quiz.title} again on {long_date(opens, zone)}" in dashboard


def test_dashboard_shows_progress_next_step_and_quiz_results(course, learner, browser):
    first = published_lessons(course)[0]
    mark_done(browser, course, first)
    quiz = course.published_quizzes()[0]
    quiz.wait_minutes = 0
    db.session.commit()
    take_quiz(browser, course, quiz.module, right=False)
    take_quiz(browser, course, quiz.module, right=True)
    page = browser.client.get("/dashboard").text
    text = visible_text(page)
    assert "Autumn cohort" in text
    assert 'value="40"' in page  # a lesson and a quiz of 3 lessons, 1 quiz and 1 session
    assert f"Next: Lesson: {published_lessons(course)[1].title}" in text
    assert f"{quiz.title} 100 % passed 2" in text


def test_dashboard_without_enrolments(make_user, browser):
    user = make_user(email="new@city.example")
    browser.login(user.email)
    text = visible_text(browser.client.get("/dashboard").text)
    assert "You are not enrolled in a course yet." in text


# Query counts --------------------------------------------------------------------------------


@pytest.fixture
def two_courses(app, course, cohort, make_cohort, make_user, browser):
    """A learner enrolled in the small example course and the real one (21 lessons)."""
    source, _ = read_course(REPO / "courses" / "caring_cities")
    real, _ = import_course(source)
    db.session.commit()
    learner = make_user(email="counted@city.example")
    from app.learning.operations import enrol

    enrol(learner, cohort)
    enrol(learner, make_cohort(real, "real"))
    db.session.commit()
    browser.login(learner.email)
    for quiz in [*course.published_quizzes(), *real.published_quizzes()]:
        quiz.wait_minutes = 0
    db.session.commit()
    return course, real


def test_learner_pages_take_the_same_number_of_queries_whatever_the_size(
    two_courses, browser, count_queries
):
    small, large = two_courses
    pages = {}
    for course in (small, large):
        lesson = published_lessons(course)[-1]
        lectured = next(module for module in course.visible_modules() if module.has_lecture)
        for path in (
            f"/courses/{course.slug}",
            lesson_url(course, lesson),
            quiz_url(course, course.published_quizzes()[0].module),
            f"/courses/{course.slug}/lectures/{lectured.slug}",
        ):
            with count_queries() as counter:
                assert browser.client.get(path).status_code == 200
            pages.setdefault(course.slug, []).append(counter.count)
        done_url = f"{lesson_url(course, lesson)}/done"
        token = browser.token(lesson_url(course, lesson))
        with count_queries() as counter:
            assert browser.client.post(done_url, data={"csrf_token": token}).status_code == 302
        pages[course.slug].append(counter.count)
    assert pages[small.slug] == pages[large.slug]


def test_dashboard_query_count_does_not_grow_with_attempts_or_lessons(
    two_courses, browser, count_queries
):
    small, large = two_courses
    browser.client.get("/dashboard")  # loads the outlines, which later requests share
    with count_queries() as before:
        browser.client.get("/dashboard")
    for lesson in published_lessons(large)[:5]:
        mark_done(browser, large, lesson)
    for _ in range(3):
        take_quiz(browser, large, large.published_quizzes()[0].module, right=False)
        take_quiz(browser, small, small.published_quizzes()[0].module, right=False)
    with count_queries() as after:
        browser.client.get("/dashboard")
    assert after.count == before.count


def test_quiz_and_attempt_pages_do_not_grow_with_attempts(two_courses, browser, count_queries):
    small, _large = two_courses
    module = small.published_quizzes()[0].module
    small.published_quizzes()[0].max_attempts = None
    db.session.commit()
    take_quiz(browser, small, module, right=False)
    with count_queries() as one:
        browser.client.get(quiz_url(small, module))
    with count_queries() as one_attempt:
        browser.client.get(f"{quiz_url(small, module)}/attempts/1")
    for _ in range(4):
        take_quiz(browser, small, module, right=False)
    with count_queries() as five:
        browser.client.get(quiz_url(small, module))
    with count_queries() as fifth_attempt:
        browser.client.get(f"{quiz_url(small, module)}/attempts/5")
    assert five.count == one.count
    assert fifth_attempt.count == one_attempt.count


def test_completion_time_is_recorded_in_utc(course, learner, browser):
    without_live_rule(course)
    before = utcnow()
    for lesson in published_lessons(course):
        mark_done(browser, course, lesson)
    take_quiz(browser, course, course.published_quizzes()[0].module)
    completed_at = db.session.scalar(select(Enrollment.completed_at))
    assert before <= completed_at <= utcnow()


def test_progress_and_attempts_are_in_the_data_download_and_go_with_the_account(
    course, learner, browser
):
    lesson = published_lessons(course)[0]
    mark_done(browser, course, lesson)
    quiz = course.published_quizzes()[0]
    take_quiz(browser, course, quiz.module, right=True)
    data = browser.client.get("/account/data.json").json
    assert [item["lesson"] for item in data["lessons_done"]] == [lesson.title]
    [attempt] = data["quiz_attempts"]
    assert (attempt["quiz"], attempt["number"], attempt["score"]) == (quiz.title, 1, 100)
    assert len(attempt["answers"]) == len(quiz.active_questions())
    assert all(answer["is_right"] and answer["chosen"] for answer in attempt["answers"])

    deleted = browser.post_form(
        "/account/delete", {"password": PASSWORD, "confirm": "y"}, page="/account/delete"
    )
    assert deleted.status_code == 302
    assert count(LessonProgress) == 0
    assert count(QuizAttempt) == 0
    assert count(AttemptAnswer) == 0


def test_submitting_a_quiz_does_not_grow_with_attempts_or_course_size(
    two_courses, browser, count_queries
):
    counts = []
    for course, earlier in ((two_courses[0], 0), (two_courses[1], 0), (two_courses[1], 4)):
        module = course.published_quizzes()[0].module
        for _ in range(earlier):
            take_quiz(browser, course, module, right=False)
        started = browser.post_form(
            f"{quiz_url(course, module)}/attempts", {}, page=quiz_url(course, module)
        )
        path = started.headers["Location"]
        form = {"csrf_token": browser.token(path), **answers(browser.client.get(path).text)}
        with count_queries() as counter:
            assert browser.client.post(path, data=form).status_code == 302
        counts.append(counter.count)
    assert counts[0] == counts[1] == counts[2]
