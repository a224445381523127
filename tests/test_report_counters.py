"""The progress report's counters (lessons done, best scores, sessions attended) are kept by
the operations of each step, in their transaction, and always equal a count of their rows."""

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from app.accounts.operations import delete_account
from app.authoring.reports.counters import CounterDifference, counter_differences
from app.catalog.models import Status
from app.catalog.outline import outline_of
from app.extensions import db
from app.learning.models import Enrollment, LessonProgress
from app.learning.operations import enrol, mark_lesson_done, move_enrollment
from app.live.operations import mark_attendance
from app.quizzes.grading import field_name
from app.quizzes.models import QuizBest
from app.quizzes.operations import attempt_questions, start_attempt, submit_attempt
from app.quizzes.queries import quiz_record
from tests.factories import enrolled_learner
from tests.test_reports import add_many_learners, body_rows, csv_rows, csv_url, progress_url

# "IN (?, ?)" on SQLite, "IN (%(id_1_1)s::INTEGER, ...)" on PostgreSQL.
ID_LIST = re.compile(r"IN \((?:[^()]|\([^()]*\))*\)")
DURING = datetime(2027, 3, 10, 9, tzinfo=UTC)  # inside the spring cohort's weeks


def counters(user) -> list[tuple[str, int, int]]:
    """(cohort slug, lessons done, sessions attended) of each of the learner's enrolments."""
    db.session.expire_all()
    return [
        (enrollment.cohort.slug, enrollment.lessons_done, enrollment.sessions_attended)
        for enrollment in db.session.scalars(
            select(Enrollment).where(Enrollment.user_id == user.id).order_by(Enrollment.id)
        )
    ]


def best(user, quiz) -> int | None:
    return db.session.scalar(
        select(QuizBest.best_score).where(QuizBest.user_id == user.id, QuizBest.quiz_id == quiz.id)
    )


def take_quiz(user, quiz, course, right: bool, now) -> int:
    """Start and submit an attempt through the operations, every answer right or wrong."""
    attempt = start_attempt(user, quiz_record(user, quiz), now=now, zone="UTC")
    shown = attempt_questions(attempt)
    answers = {
        field_name(question.id): [
            str(choice.id) for choice in choices if choice.is_correct == right
        ][: None if right else 1]
        for question, choices in shown
    }
    grade = submit_attempt(user, attempt, shown, answers, course=outline_of(course), now=now)
    db.session.commit()
    return grade.score


def report_row(browser, course, cohort, email) -> list[str]:
    """The learner's cells of the progress page: organisation, country, lessons, quiz, live
    sessions, completion."""
    response = browser.client.get(progress_url(course, cohort))
    return next(row[1:] for row in body_rows(response) if email in row[0])


def test_a_learners_steps_keep_the_counters_equal_to_their_rows(
    course, spring, cohort, quiz, teacher, teacher_browser, logged_in
):
    lessons = course.visible_lessons()
    assert len(lessons) == 3
    draft = next(
        lesson for module in course.modules for lesson in module.lessons
        if lesson.status == Status.DRAFT
    )  # fmt: skip
    session = next(each for each in spring.live_sessions if each.slug == "session-1")
    during = session.starts_at + timedelta(minutes=10)
    learner = enrolled_learner(spring, "mina@city.example", name="Mina", country="KR")
    assert counters(learner) == [("2027-spring", 0, 0)]
    assert counter_differences() == []

    # Lessons: each counts once, however often it is marked (on the page, or by the
    # operation); a draft counts on the enrolment but not on the report (learners do not see
    # it), as before.
    lesson_url = f"/courses/{course.slug}/lessons/{lessons[0].slug}"
    assert (
        logged_in(learner).post_form(f"{lesson_url}/done", {}, page=lesson_url).status_code == 302
    )
    assert counters(learner) == [("2027-spring", 1, 0)]
    for lesson in [lessons[1], lessons[0], draft]:
        mark_lesson_done(learner, lesson, now=during)
        db.session.commit()
        assert counter_differences() == []
    assert counters(learner) == [("2027-spring", 3, 0)]
    assert report_row(teacher_browser, course, spring, "mina@city.example")[2] == "66 % | 2 of 3"

    # A quiz passed, then a retake that scores lower: the best stays.
    not_passed = teacher_browser.client.get(progress_url(course, spring, not_passed=quiz.id))
    assert "mina@city.example" in not_passed.get_data(as_text=True)
    assert take_quiz(learner, quiz, course, right=True, now=during) == 100
    assert counter_differences() == []
    assert take_quiz(learner, quiz, course, right=False, now=during) == 0
    assert counter_differences() == []
    assert best(learner, quiz) == 100
    assert report_row(teacher_browser, course, spring, "mina@city.example")[3] == "100 %"
    not_passed = teacher_browser.client.get(progress_url(course, spring, not_passed=quiz.id))
    assert "mina@city.example" not in not_passed.get_data(as_text=True)

    # Attendance marked by the staff, marked twice (nothing changes), then corrected.
    for present in (True, True, False, True):
        mark_attendance(session, learner, present=present, actor=teacher, now=during)
        db.session.commit()
        assert counter_differences() == []
    assert counters(learner) == [("2027-spring", 3, 1)]
    assert report_row(teacher_browser, course, spring, "mina@city.example")[4] == "1"

    # A second cohort of the course: the lessons come along, the sessions are that cohort's.
    autumn = cohort
    enrol(learner, autumn)
    db.session.commit()
    assert counters(learner) == [("2027-spring", 3, 1), (autumn.slug, 3, 0)]
    assert counter_differences() == []
    mark_lesson_done(learner, lessons[2], now=during)
    db.session.commit()
    assert counters(learner) == [("2027-spring", 4, 1), (autumn.slug, 4, 0)]
    assert counter_differences() == []

    # Erasure takes the counters with the rows.
    delete_account(learner)
    db.session.commit()
    assert counters(learner) == []
    assert best(learner, quiz) is None
    assert counter_differences() == []


def test_a_moved_enrolment_counts_the_sessions_of_its_new_cohort(course, spring, cohort, teacher):
    session = next(each for each in spring.live_sessions if each.slug == "session-1")
    learner = enrolled_learner(spring, "mina@city.example")
    during = session.starts_at + timedelta(minutes=10)
    mark_attendance(session, learner, present=True, actor=teacher, now=during)
    mark_lesson_done(learner, course.visible_lessons()[0], now=during)
    db.session.commit()
    assert counters(learner) == [("2027-spring", 1, 1)]
    enrollment = db.session.scalars(select(Enrollment).where(Enrollment.user_id == learner.id))
    move_enrollment(enrollment.one(), cohort, actor=teacher, has_certificate=False)
    db.session.commit()
    assert counters(learner) == [(cohort.slug, 1, 0)]
    assert counter_differences() == []


def test_a_failed_step_leaves_neither_its_row_nor_its_count(course, spring):
    learner = enrolled_learner(spring, "mina@city.example")
    mark_lesson_done(learner, course.visible_lessons()[0], now=DURING)
    assert counters(learner) == [("2027-spring", 1, 0)]  # counted in the step's transaction
    db.session.rollback()  # something after the step failed: the request rolls back
    assert counters(learner) == [("2027-spring", 0, 0)]
    assert db.session.scalar(select(func.count()).select_from(LessonProgress)) == 0
    assert counter_differences() == []


def test_check_counters_names_a_wrong_counter_and_fix_sets_it(course, spring, quiz, runner):
    learner = enrolled_learner(spring, "mina@city.example")
    mark_lesson_done(learner, course.visible_lessons()[0], now=DURING)
    db.session.commit()
    result = runner.invoke(args=["reports", "check-counters"])
    assert result.exit_code == 0, result.output
    assert "Every counter matches its rows." in result.output

    db.session.execute(update(Enrollment).values(lessons_done=7))
    db.session.add(QuizBest(user_id=learner.id, quiz_id=quiz.id, best_score=90))
    db.session.commit()
    enrollment_id = db.session.scalar(select(Enrollment.id))
    assert counter_differences() == [
        CounterDifference("lessons_done", learner.id, f"enrolment {enrollment_id}", 7, 1),
        CounterDifference("best_score", learner.id, f"quiz {quiz.id}", 90, None),
    ]
    result = runner.invoke(args=["reports", "check-counters"])
    assert result.exit_code == 1
    wrong = f"lessons_done of enrolment {enrollment_id} (user {learner.id}): stored 7, counted 1"
    assert wrong in result.output
    result = runner.invoke(args=["reports", "check-counters", "--fix"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert counter_differences() == []
    assert counters(learner) == [("2027-spring", 1, 0)]


def test_the_report_sends_the_same_statements_at_5_and_at_50_learners(
    teacher_browser, course, spring, count_queries
):
    sessions = list(spring.live_sessions)
    quizzes = course.published_quizzes()
    urls = [
        progress_url(course, spring),
        progress_url(course, spring, sort="lessons", descending="1"),
        progress_url(course, spring, sort=f"quiz-{quizzes[0].id}", not_passed=quizzes[0].id),
        progress_url(course, spring, q="bulk", country="KR", completed="no"),
        csv_url(course, spring),
    ]

    def statements() -> list[list[str]]:
        found = []
        for url in urls:
            with count_queries() as counter:
                response = teacher_browser.client.get(url)
            assert response.status_code == 200
            # The page's figures are read for its enrolments' ids: one bound parameter each.
            found.append([ID_LIST.sub("IN (ids)", each) for each in counter.statements])
        return found

    add_many_learners(spring, course, quizzes, sessions, 5, 0)
    few = statements()
    add_many_learners(spring, course, quizzes, sessions, 45, 5)
    many = statements()
    assert few == many
    assert len(csv_rows(teacher_browser.client.get(csv_url(course, spring)))) == 51
    assert counter_differences() == []
