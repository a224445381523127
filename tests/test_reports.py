"""Instructors' reports: cohort progress (page and CSV), quiz item analysis, course summary.

The figures are checked against small fixtures whose numbers are worked out by hand in the
comments; the statistics are also checked as pure functions, without HTTP.
"""

import csv
import io
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import insert, select

from app.accounts.models import User
from app.authoring.report_operations import recompute_counters
from app.authoring.reports.item_statistics import (
    FLAG_TEXTS,
    Answer,
    ScoredAttempt,
    group_size,
    item_statistics,
    most_chosen_wrong,
    upper_and_lower,
)
from app.authoring.reports.progress import ProgressFilters
from app.catalog.models import (
    Course,
    Lesson,
    LiveSession,
    Module,
    Quiz,
    Status,
)
from app.core.permissions import Role
from app.core.types import utcnow
from app.extensions import db
from app.learning.counter_operations import count_attendance, count_lesson_done
from app.learning.models import Application, ApplicationStatus, Enrollment, LessonProgress
from app.learning.operations import enrol
from app.live.models import Attendance, AttendanceSource, RecordingView
from app.quizzes.models import AttemptAnswer, AttemptState, QuizAttempt
from app.quizzes.operations import keep_best_score
from tests.conftest import Browser
from tests.factories import enrolled_learner

COMPLETED_A = datetime(2026, 5, 3, 10, 0, tzinfo=UTC)
COMPLETED_E = datetime(2026, 4, 1, 8, 30, tzinfo=UTC)


# --- Reading pages ----------------------------------------------------------------------


class TableReader(HTMLParser):
    """The text of every table on a page: tables > rows > cells (th and td)."""

    def __init__(self):
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.cell: list[str] | None = None
        self.attrs: list[list[dict]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
            self.attrs.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
            self.attrs[-1].append({})
        elif tag in ("th", "td") and self.tables:
            self.cell = []
            self.attrs[-1][-1][len(self.tables[-1][-1])] = dict(attrs)
        elif tag == "br" and self.cell is not None:
            self.cell.append(" | ")

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self.cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def tables(response) -> TableReader:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    reader = TableReader()
    reader.feed(response.get_data(as_text=True))
    return reader


def body_rows(response) -> list[list[str]]:
    """The rows of the page's first table, without its header row."""
    return tables(response).tables[0][1:]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


# --- Fixtures ---------------------------------------------------------------------------


# course, spring, quiz_module, teacher and teacher_browser: tests/conftest.py


def visible_lessons(course) -> list[Lesson]:
    return [lesson for m in course.visible_modules() for lesson in m.published_lessons()]


# The rows a learner's steps store, written directly, with the counters those steps keep.


def mark_done(user, lessons, when=None):
    for lesson in lessons:
        db.session.add(
            LessonProgress(user_id=user.id, lesson_id=lesson.id, completed_at=when or utcnow())
        )
        count_lesson_done(user.id, lesson.course_id)


def scored_attempt(user, quiz, score, number=1, submitted=True, when=None):
    db.session.add(
        QuizAttempt(
            quiz=quiz,
            user_id=user.id,
            number=number,
            state=AttemptState.SUBMITTED if submitted else AttemptState.STARTED,
            started_at=(when or utcnow()) - timedelta(minutes=10),
            submitted_at=(when or utcnow()) if submitted else None,
            layout=[],
            question_count=3,
            score=score if submitted else None,
        )
    )
    if submitted:
        keep_best_score(user.id, quiz.id, score)


def attend(user, session):
    db.session.add(
        Attendance(session_id=session.id, user_id=user.id, source=AttendanceSource.MANUAL)
    )
    count_attendance(user.id, session.cohort_id, 1)


def session_of(cohort, slug) -> LiveSession:
    return next(session for session in cohort.live_sessions if session.slug == slug)


@pytest.fixture
def cohort_world(course, spring, make_user, make_cohort, quiz_module):
    """Five learners of the spring cohort with known figures, and one of another cohort.

    The course has 3 published lessons (a 4th is a draft) and 1 published quiz; the spring
    cohort has 2 live sessions (orientation, session-1).

    learner                      lessons     best quiz score      attended  completed
    A Görsev Yılmaz (TR)         3 -> 100 %  33 then 100 -> 100   2         2026-05-03
    B 김서연 (KR)                 2 ->  66 %  66                   1         no
    C Ali "Abu" Hassan, Jr. (IQ) 1 ->  33 %  0                    0         no
    D =HYPERLINK(...) (CO)       0 ->   0 %  none (blank)         0         no
    E -Minus Dash (no country)   2 ->  66 %  open attempt: blank  1         2026-04-01
       (E also marked the draft lesson, which does not count, and attended a session of
       another cohort, which does not count either.)
    """
    lessons = visible_lessons(course)
    assert len(lessons) == 3
    draft = next(lesson for lesson in course.modules[1].lessons if lesson.status == Status.DRAFT)
    quiz = quiz_module.quiz
    autumn = make_cohort(course, "autumn")
    elsewhere = LiveSession(
        cohort=autumn,
        slug="autumn-1",
        title="Autumn session",
        starts_at=utcnow() - timedelta(days=30),
        time_zone="Europe/Madrid",
        duration_minutes=60,
    )
    db.session.add(elsewhere)
    orientation, session_1 = session_of(spring, "orientation"), session_of(spring, "session-1")

    a = enrolled_learner(
        spring, "gorsev@city.example", name="Görsev Yılmaz",
        organisation="İstanbul Büyükşehir Belediyesi", country="TR",
    )  # fmt: skip
    b = enrolled_learner(
        spring, "seoyeon@city.example", name="김서연",
        organisation="서울특별시", country="KR",
    )  # fmt: skip
    c = enrolled_learner(
        spring, "ali@city.example", name='Ali "Abu" Hassan, Jr.',
        organisation="أمانة بغداد\nCare, Department", country="IQ",
    )  # fmt: skip
    d = enrolled_learner(
        spring, "d@city.example", name='=HYPERLINK("http://evil.example","x")',
        organisation="+SUM(A1:A2)", country="CO",
    )  # fmt: skip
    e = enrolled_learner(
        spring, "e@city.example", name="-Minus Dash",
        organisation="@Org", country="",
    )  # fmt: skip
    other = enrolled_learner(autumn, "other@city.example", name="Other Cohort", country="SN")

    mark_done(a, lessons)
    mark_done(b, lessons[:2])
    mark_done(c, lessons[:1])
    mark_done(e, [*lessons[1:], draft])
    mark_done(other, lessons)
    scored_attempt(a, quiz, 33, number=1)
    scored_attempt(a, quiz, 100, number=2)
    scored_attempt(b, quiz, 66)
    scored_attempt(c, quiz, 0)
    scored_attempt(e, quiz, None, submitted=False)
    scored_attempt(other, quiz, 100)
    attend(a, orientation)
    attend(a, session_1)
    attend(b, session_1)
    attend(e, orientation)
    attend(e, elsewhere)
    attend(other, elsewhere)
    db.session.flush()
    for user, when in ((a, COMPLETED_A), (e, COMPLETED_E)):
        enrollment = db.session.scalar(
            select(Enrollment).where(
                Enrollment.user_id == user.id, Enrollment.cohort_id == spring.id
            )
        )
        enrollment.completed_at = when
    db.session.commit()
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "quiz": quiz, "autumn": autumn}


def progress_url(course, cohort, **args) -> str:
    query = "&".join(f"{key}={value}" for key, value in args.items())
    return f"/author/{course.slug}/cohorts/{cohort.slug}/progress" + (f"?{query}" if query else "")


def csv_url(course, cohort, **args) -> str:
    return progress_url(course, cohort, **args).replace("/progress", "/progress.csv", 1)


# Each learner's row as the page shows it (name | email, organisation, country, lessons,
# quiz, attended, completion) and as the CSV has it.
PAGE_ROWS = {
    "a": ["Görsev Yılmaz | gorsev@city.example", "İstanbul Büyükşehir Belediyesi", "Türkiye",
          "100 % | 3 of 3", "100 %", "2", "Completed on 3 May 2026 (Madrid time)"],
    "b": ["김서연 | seoyeon@city.example", "서울특별시", "South Korea", "66 % | 2 of 3", "66 %",
          "1", "Not yet"],
    "c": ['Ali "Abu" Hassan, Jr. | ali@city.example', "أمانة بغداد Care, Department", "Iraq",
          "33 % | 1 of 3", "0 %", "0", "Not yet"],
    "d": ['=HYPERLINK("http://evil.example","x") | d@city.example', "+SUM(A1:A2)", "Colombia",
          "0 % | 0 of 3", "Not attempted", "0", "Not yet"],
    "e": ["-Minus Dash | e@city.example", "@Org", "", "66 % | 2 of 3", "Not attempted", "1",
          "Completed on 1 April 2026 (Madrid time)"],
}  # fmt: skip
CSV_HEADER = [
    "name", "email", "organisation", "country", "lessons_done", "lessons_percent",
    "quiz_first-steps_best_score", "live_sessions_attended", "completed", "completed_at",
]  # fmt: skip
CSV_ROWS = {
    "a": ["Görsev Yılmaz", "gorsev@city.example", "İstanbul Büyükşehir Belediyesi", "Türkiye",
          "3", "100", "100", "2", "yes", "2026-05-03T10:00+00:00"],
    "b": ["김서연", "seoyeon@city.example", "서울특별시", "South Korea", "2", "66", "66", "1",
          "no", ""],
    "c": ['Ali "Abu" Hassan, Jr.', "ali@city.example", "أمانة بغداد\nCare, Department", "Iraq",
          "1", "33", "0", "0", "no", ""],
    "d": ['\'=HYPERLINK("http://evil.example","x")', "d@city.example", "'+SUM(A1:A2)",
          "Colombia", "0", "0", "", "0", "no", ""],
    "e": ["'-Minus Dash", "e@city.example", "'@Org", "", "2", "66", "", "1", "yes",
          "2026-04-01T08:30+00:00"],
}  # fmt: skip


# --- Cohort progress --------------------------------------------------------------------


def test_progress_page_shows_the_hand_computed_figures(
    teacher_browser, course, spring, cohort_world
):
    response = teacher_browser.client.get(progress_url(course, spring))
    reader = tables(response)
    header = reader.tables[0][0]
    assert header[0].startswith("Learner")
    assert "Quiz: First steps: check your understanding" in header[4]
    rows = reader.tables[0][1:]
    # Sorted by name (code point order on both test databases): - = A G 김
    assert rows == [PAGE_ROWS[key] for key in "edcab"]
    html = response.get_data(as_text=True)
    assert '<caption id="progress-caption">5 learners, sorted by name, A to Z</caption>' in html
    assert "Other Cohort" not in html
    assert '<th scope="col" aria-sort="ascending">' in html  # the name column
    assert html.count("aria-sort=") == 1
    assert 'href="/author/example-course"' in html  # the course's editing menu


def test_progress_csv_round_trips_every_cell_and_neutralises_formulas(
    teacher_browser, course, spring, cohort_world
):
    response = teacher_browser.client.get(csv_url(course, spring))
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="example-course-2027-spring-progress.csv"'
    )
    rows = csv_rows(response)
    assert rows[0] == CSV_HEADER
    assert rows[1:] == [CSV_ROWS[key] for key in "edcab"]
    # No cell would run as a formula in a spreadsheet.
    assert not [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@")]


def test_progress_csv_keeps_the_filters_and_sort_of_the_page(
    teacher_browser, course, spring, cohort_world
):
    rows = csv_rows(
        teacher_browser.client.get(csv_url(course, spring, completed="no", sort="lessons"))
    )
    # Not completed: B (2 lessons), C (1), D (0), highest first.
    assert [row[1] for row in rows[1:]] == [
        "seoyeon@city.example",
        "ali@city.example",
        "d@city.example",
    ]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"sort": "name", "order": "desc"}, "bacde"),
        ({"sort": "lessons", "order": "desc"}, "aebcd"),  # 3, then 2 2 by name, 1, 0
        ({"sort": "lessons", "order": "asc"}, "dceba"),
        ({"sort": "quiz-QUIZ", "order": "desc"}, "abced"),  # 100, 66, 0, then blanks by name
        ({"sort": "quiz-QUIZ", "order": "asc"}, "cbaed"),  # 0, 66, 100, then blanks by name
        ({"sort": "live", "order": "desc"}, "aebdc"),  # 2, then 1 1 by name, then 0 0 by name
        ({"sort": "completed", "order": "desc"}, "aedcb"),  # newest first, then the rest
        ({"sort": "completed", "order": "asc"}, "eadcb"),
        # Country by name: Colombia, Iraq, South Korea, Turkey; E has none and comes last.
        ({"sort": "country", "order": "asc"}, "dcbae"),
        ({"sort": "country", "order": "desc"}, "abcde"),
        ({"sort": "organisation", "order": "asc"}, "deacb"),  # + @ İ أ 서 (code points)
    ],
)
def test_progress_sorts_by_every_column(
    teacher_browser, course, spring, cohort_world, args, expected
):
    quiz_id = str(cohort_world["quiz"].id)
    args = {key: value.replace("QUIZ", quiz_id) for key, value in args.items()}
    rows = body_rows(teacher_browser.client.get(progress_url(course, spring, **args)))
    names = {PAGE_ROWS[key][0]: key for key in PAGE_ROWS}
    assert "".join(names[row[0]] for row in rows) == expected


def test_sort_headers_say_their_state_and_link_to_the_other_order(
    teacher_browser, course, spring, cohort_world
):
    html = teacher_browser.client.get(
        progress_url(course, spring, sort="lessons", order="desc", country="TR")
    ).get_data(as_text=True)
    assert html.count("aria-sort=") == 1
    assert '<th scope="col" class="num" aria-sort="descending"><a href="' in html
    assert "1 learner matching the filters, sorted by lessons done, highest first" in html
    assert 'Lessons done <span aria-hidden="true">↓</span>' in html
    assert "(sort lowest first)" in html  # what the sorted column's link does
    assert 'Learner<span class="visually-hidden"> (sort A to Z)</span>' in html
    assert "progress?country=TR&amp;sort=lessons&amp;order=asc" in html
    # Another column's link starts with its own natural order and keeps the filter.
    assert "progress?country=TR&amp;sort=name&amp;order=asc" in html
    assert "progress?country=TR&amp;sort=live&amp;order=desc" in html


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"q": "görsev"}, "a"),
        ({"q": "CITY.EXAMPLE"}, "edcab"),
        ({"q": "서울"}, "b"),
        ({"q": "بغداد"}, "c"),
        ({"q": "%"}, ""),  # a wildcard is searched for as itself
        ({"country": "KR"}, "b"),
        ({"country": "kr"}, "b"),
        ({"completed": "yes"}, "ea"),
        ({"completed": "no"}, "dcb"),
        ({"completed": "no", "country": "IQ"}, "c"),
        ({"q": "yilmaz"}, ""),
    ],
)
def test_progress_filters(teacher_browser, course, spring, cohort_world, args, expected):
    response = teacher_browser.client.get(progress_url(course, spring, **args))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    if not expected:
        assert "No learner matches these filters." in html
        return
    names = {PAGE_ROWS[key][0]: key for key in PAGE_ROWS}
    assert "".join(names[row[0]] for row in body_rows(response)) == expected
    assert f"{len(expected)} learner" in html


@pytest.mark.parametrize(
    "query",
    [
        "page=abc", "page=-1", "page=0", "page=99999999999", "sort=nonsense", "sort=quiz-99999",
        "order=sideways", "country=ZZ", "country=Narnia", "completed=maybe", "sort=&order=",
        "q=" + "x" * 5000,
    ],
)  # fmt: skip
def test_bad_query_arguments_fall_back_to_defaults(
    teacher_browser, course, spring, cohort_world, query
):
    url = f"/author/{course.slug}/cohorts/{spring.slug}/progress?{query}"
    response = teacher_browser.client.get(url)
    assert response.status_code == 200
    if not query.startswith("q="):
        assert len(body_rows(response)) == 5
    csv_response = teacher_browser.client.get(url.replace("/progress?", "/progress.csv?"))
    assert csv_response.status_code == 200


def test_progress_pages(teacher_browser, app, course, spring, cohort_world):
    app.config["PROGRESS_PER_PAGE"] = 2
    first = teacher_browser.client.get(progress_url(course, spring, completed="no"))
    html = first.get_data(as_text=True)
    assert "Page 1 of 2 (3 in all)" in html
    next_link = "/author/example-course/cohorts/2027-spring/progress?page=2&amp;completed=no"
    assert next_link in html
    names = {PAGE_ROWS[key][0]: key for key in PAGE_ROWS}
    assert [names[row[0]] for row in body_rows(first)] == ["d", "c"]
    second = teacher_browser.client.get(progress_url(course, spring, completed="no", page=2))
    assert [names[row[0]] for row in body_rows(second)] == ["b"]
    # A page past the last shows the last; the CSV has every row, not one page.
    past = teacher_browser.client.get(progress_url(course, spring, completed="no", page=9))
    assert [names[row[0]] for row in body_rows(past)] == ["b"]
    assert len(csv_rows(teacher_browser.client.get(csv_url(course, spring)))) == 1 + 5


def test_empty_cohort_says_so(teacher_browser, course, make_cohort):
    empty = make_cohort(course, "empty")
    html = teacher_browser.client.get(progress_url(course, empty)).get_data(as_text=True)
    assert "No learner is enrolled in this cohort yet." in html
    assert "<table" not in html
    rows = csv_rows(teacher_browser.client.get(csv_url(course, empty)))
    assert rows == [CSV_HEADER]


def test_unknown_cohort_module_and_course_are_404(teacher_browser, course, spring):
    client = teacher_browser.client
    assert client.get(f"/author/{course.slug}/cohorts/nope/progress").status_code == 404
    assert client.get(f"/author/{course.slug}/cohorts/nope/progress.csv").status_code == 404
    assert client.get(f"/author/{course.slug}/quizzes/nope/analysis").status_code == 404
    # A module without a quiz has no analysis.
    no_quiz = next(m for m in course.modules if m.quiz is None)
    assert client.get(f"/author/{course.slug}/quizzes/{no_quiz.slug}/analysis").status_code == 404
    assert client.get("/author/nope/summary").status_code == 404
    assert client.get(f"/author/nope/cohorts/{spring.slug}/progress").status_code == 404


# --- Query counts -----------------------------------------------------------------------


def add_many_learners(cohort, course, quizzes, sessions, count: int, start: int) -> None:
    """Learners inserted with core SQL (no password hashing), each with progress everywhere."""
    now = utcnow()
    db.session.execute(
        insert(User),
        [
            {
                "email": f"bulk{start + n}@city.example",
                "name": f"Bulk Learner {start + n}",
                "password_hash": "",
                "country": ("CO", "KR", "IQ", "TR")[n % 4],
                "organisation": f"City {n % 3}",
                "created_at": now,
                "updated_at": now,
            }
            for n in range(count)
        ],
    )
    ids = list(
        db.session.scalars(select(User.id).where(User.email.like("bulk%")).order_by(User.id))
    )[-count:]
    db.session.execute(
        insert(Enrollment),
        [{"user_id": i, "cohort_id": cohort.id, "enrolled_at": now} for i in ids],
    )
    lessons = visible_lessons(course)
    db.session.execute(
        insert(LessonProgress),
        [
            {"user_id": i, "lesson_id": lesson.id, "completed_at": now}
            for i in ids
            for lesson in lessons
        ],
    )
    db.session.execute(
        insert(QuizAttempt),
        [
            {"quiz_id": quiz.id, "user_id": i, "number": 1, "state": AttemptState.SUBMITTED,
             "started_at": now, "submitted_at": now, "layout": [], "question_count": 3, "score": 50}
            for i in ids for quiz in quizzes
        ],
    )  # fmt: skip
    db.session.execute(
        insert(Attendance),
        [{"user_id": i, "session_id": s.id, "source": AttendanceSource.MANUAL, "recorded_at": now}
         for i in ids for s in sessions],
    )  # fmt: skip
    recompute_counters()  # a bulk load, as the benchmark's seeder makes one
    db.session.commit()


def add_module_with_quiz(course, number: int) -> Quiz:
    """A published module with three lessons and a quiz (no questions: none are answered)."""
    module = Module(
        course_id=course.id, slug=f"extra-{number}", position=10 + number, title=f"Extra {number}"
    )
    db.session.add(module)
    for position in range(3):
        db.session.add(
            Lesson(
                module=module,
                course_id=course.id,
                slug=f"extra-{number}-{position}",
                position=position,
                title=f"Extra lesson {number}.{position}",
                minutes=1,
                body_md="x",
                body_html="<p>x</p>",
                content_hash="0" * 64,
            )
        )
    quiz = Quiz(module=module, title=f"Extra quiz {number}", pass_mark=50)
    db.session.add(quiz)
    db.session.commit()
    return quiz


def test_progress_page_and_csv_take_a_fixed_number_of_queries(
    teacher_browser, course, spring, count_queries
):
    def measure(url: str, rows: int) -> int:
        with count_queries() as counter:
            response = teacher_browser.client.get(url)
        assert response.status_code == 200
        if url.endswith(".csv"):
            assert len(csv_rows(response)) == rows + 1
        else:
            assert len(body_rows(response)) == rows
        return counter.count

    sessions = list(spring.live_sessions)
    urls = [
        progress_url(course, spring),
        csv_url(course, spring),
        progress_url(course, spring, sort="country"),
    ]
    add_many_learners(spring, course, course.published_quizzes(), sessions, 3, 0)
    few = [measure(url, 3) for url in urls]
    for number in range(3):
        add_module_with_quiz(course, number)
    db.session.expire_all()
    add_many_learners(spring, course, course.published_quizzes(), sessions, 27, 3)
    many = [measure(url, 30) for url in urls]
    assert few == many
    assert max(few) <= 12


def test_item_analysis_and_summary_take_a_fixed_number_of_queries(
    teacher_browser, course, spring, quiz_module, count_queries, item_world
):
    urls = [analysis_url(course, quiz_module), f"/author/{course.slug}/summary"]

    def measure() -> list[int]:
        counts = []
        for url in urls:
            with count_queries() as counter:
                assert teacher_browser.client.get(url).status_code == 200
            counts.append(counter.count)
        return counts

    before = measure()
    add_many_learners(spring, course, course.published_quizzes(), list(spring.live_sessions), 20, 0)
    assert measure() == before


# --- Item analysis ----------------------------------------------------------------------


def answer_attempt(user, quiz, picks: dict[str, list[str]], number=1, submitted=True):
    """An attempt whose answers choose these choice texts, graded as the quiz grades."""
    questions = {question.slug: question for question in quiz.questions}
    right = 0
    answers = []
    for slug, texts in picks.items():
        question = questions[slug]
        version = question.versions[-1]
        chosen = [choice["id"] for choice in version.choices if choice["text"] in texts]
        assert len(chosen) == len(texts)
        correct = {c["id"] for c in version.choices if c["is_correct"]} == set(chosen)
        right += correct
        answers.append(
            AttemptAnswer(
                question_id=question.id,
                question_version_id=version.id,
                choice_ids=chosen,
                is_correct=correct,
            )
        )
    attempt = QuizAttempt(
        quiz=quiz,
        user_id=user.id,
        number=number,
        state=AttemptState.SUBMITTED if submitted else AttemptState.STARTED,
        submitted_at=utcnow() if submitted else None,
        layout=[],
        question_count=len(questions),
        correct_count=right,
        score=right * 100 // len(questions) if submitted else None,
        answers=answers if submitted else [],
    )
    db.session.add(attempt)
    db.session.flush()
    return attempt


Q1, Q2, Q3 = "unpaid-hours", "kinds-of-care", "care-is-free"
R1, R2, R3 = ["4.1 hours"], ["Cooking", "Fetching water"], ["False"]


@pytest.fixture
def item_world(course, spring, make_user, make_cohort, quiz_module, teacher):
    """Six first attempts, with answers chosen so the figures are easy to work out by hand.

    learner  Q1 (4.1 h)   Q2 (Cooking + Fetching)     Q3 (False)   score
    L1       right        right                       right        100
    L2       right        right                       True         66
    L3       right        Cooking + Feeding a baby    right        66
    L4       1.7 hours    right                       True         33
    L5       6.5 hours    Feeding a baby              right        33
    L6       1.7 hours    Feeding a baby + Fetching   right        33

    Left out: L1's second attempt (all wrong), L7's open attempt, and the teacher's attempt
    (not enrolled). 6 attempts: groups of round(6 x 0.27) = round(1.62) = 2. Ranked by score,
    then by attempt id: upper = L1, L2; lower = L5, L6.

    Q1: 3 of 6 right -> facility 0.50; upper 2/2, lower 0/2 -> discrimination +1.00;
        wrong: 1.7 hours twice, 6.5 hours once -> "1.7 hours" (2 of 6).
    Q2: 3 of 6 right (L1, L2, L4) -> 0.50; upper 2/2, lower 0/2 -> +1.00;
        wrong: Feeding a baby by L3, L5, L6 -> "Feeding a baby" (3 of 6).
    Q3: 4 of 6 right -> 0.67; upper 1/2 (L2 wrong), lower 2/2 -> 0.5 - 1.0 = -0.50: flagged;
        wrong: True by L2, L4 -> "True" (2 of 6).
    """
    quiz = quiz_module.quiz
    picks = [
        {Q1: R1, Q2: R2, Q3: R3},
        {Q1: R1, Q2: R2, Q3: ["True"]},
        {Q1: R1, Q2: ["Cooking", "Feeding a baby"], Q3: R3},
        {Q1: ["1.7 hours"], Q2: R2, Q3: ["True"]},
        {Q1: ["6.5 hours"], Q2: ["Feeding a baby"], Q3: R3},
        {Q1: ["1.7 hours"], Q2: ["Feeding a baby", "Fetching water"], Q3: R3},
    ]
    people = []
    for number, chosen in enumerate(picks, start=1):
        person = enrolled_learner(spring, f"l{number}@city.example", name=f"L{number}")
        answer_attempt(person, quiz, chosen)
        people.append(person)
    all_wrong = {Q1: ["6.5 hours"], Q2: ["Feeding a baby"], Q3: ["True"]}
    answer_attempt(people[0], quiz, all_wrong, number=2)
    l7 = enrolled_learner(spring, "l7@city.example", name="L7")
    answer_attempt(l7, quiz, {}, submitted=False)
    answer_attempt(teacher, quiz, all_wrong)
    db.session.commit()
    return people


def analysis_url(course, module, **args) -> str:
    query = "&".join(f"{key}={value}" for key, value in args.items())
    return f"/author/{course.slug}/quizzes/{module.slug}/analysis" + (f"?{query}" if query else "")


def test_item_analysis_shows_the_hand_computed_figures(
    teacher_browser, course, quiz_module, item_world
):
    response = teacher_browser.client.get(analysis_url(course, quiz_module))
    rows = {row[0].split(". ", 1)[1]: row[1:] for row in body_rows(response)}
    prompts = {q.slug: q.prompt for q in quiz_module.quiz.questions}
    assert rows[prompts[Q1]][:4] == [
        "6",
        "0.50 | 3 right",
        "+1.00",
        "1.7 hours | chosen in 2 of 6 answers",
    ]
    assert rows[prompts[Q2]][:4] == [
        "6",
        "0.50 | 3 right",
        "+1.00",
        "Feeding a baby | chosen in 3 of 6 answers",
    ]
    assert rows[prompts[Q3]][:4] == [
        "6",
        "0.67 | 4 right",
        "-0.50",
        "True | chosen in 2 of 6 answers",
    ]
    assert rows[prompts[Q1]][4] == rows[prompts[Q2]][4] == "Nothing stands out."
    assert rows[prompts[Q3]][4] == FLAG_TEXTS["negative_discrimination"]
    html = response.get_data(as_text=True)
    assert "6 first attempts counted." in html
    assert "the 2 highest and the 2 lowest" in html


def test_item_analysis_empty_state(teacher_browser, course, quiz_module):
    html = teacher_browser.client.get(analysis_url(course, quiz_module)).get_data(as_text=True)
    assert "No submitted attempts yet" in html
    assert "<table" not in html


def test_item_analysis_for_one_cohort(
    teacher_browser, course, spring, quiz_module, item_world, make_cohort
):
    autumn = make_cohort(course, "autumn")
    html = teacher_browser.client.get(
        analysis_url(course, quiz_module, cohort=autumn.slug)
    ).get_data(as_text=True)
    assert 'No submitted attempts yet in <span lang="en">Cohort autumn</span>.' in html
    html = teacher_browser.client.get(
        analysis_url(course, quiz_module, cohort=spring.slug)
    ).get_data(as_text=True)
    assert "6 first attempts counted." in html
    # An unknown cohort falls back to every cohort.
    response = teacher_browser.client.get(analysis_url(course, quiz_module, cohort="nope"))
    assert "6 first attempts counted." in response.get_data(as_text=True)


def choices(*items):
    """A question version's choices JSON from (id, text, is_correct) triples."""
    return [{"id": i, "text": text, "is_correct": right} for i, text, right in items]


def test_statistics_by_hand():
    # Five attempts; groups of round(5 x 0.27) = round(1.35) = 1: upper = 1 (90), lower = 5 (10).
    attempts = [ScoredAttempt(1, 90), ScoredAttempt(2, 70), ScoredAttempt(3, 50),
                ScoredAttempt(4, 30), ScoredAttempt(5, 10)]  # fmt: skip
    assert upper_and_lower(attempts) == ({1}, {5})
    versions = {
        100: choices((1, "A", True), (2, "B", False), (3, "C", False)),
        200: choices((4, "Yes", True), (5, "No", False)),
        300: choices((6, "X", False), (7, "Y", True)),
    }
    answers = [
        # Q10: everyone right -> facility 1.0 (> 0.9: too easy); discrimination 1 - 1 = 0.
        *(Answer(a, 10, 100, (1,), True) for a in range(1, 6)),
        # Q20: only attempt 5 right -> facility 0.2 (< 0.3: too hard); 0 - 1 = -1 (negative).
        *(Answer(a, 20, 200, (5,), False) for a in range(1, 5)),
        Answer(5, 20, 200, (4,), True),
        # Q30: attempts 1-3 right, 4 wrong; 5 gave no answer -> facility 0.75; no lower
        # group answer -> no discrimination.
        *(Answer(a, 30, 300, (7,), True) for a in range(1, 4)),
        Answer(4, 30, 300, (6,), False),
        # An answer of an attempt that does not count (a later attempt) is ignored.
        Answer(99, 10, 100, (2,), False),
    ]
    stats = {
        s.question_id: s for s in item_statistics([10, 20, 30, 40], attempts, answers, versions)
    }
    assert (stats[10].answers, stats[10].facility, stats[10].discrimination) == (5, 1.0, 0.0)
    assert stats[10].flags == ("too_easy",)
    assert stats[10].wrong_choice is None
    assert (stats[20].answers, stats[20].facility, stats[20].discrimination) == (5, 0.2, -1.0)
    assert stats[20].flags == ("too_hard", "negative_discrimination")
    assert (stats[20].wrong_choice, stats[20].wrong_count) == ("No", 4)
    assert (stats[30].answers, stats[30].facility, stats[30].discrimination) == (4, 0.75, None)
    assert stats[30].flags == ()
    assert (stats[40].answers, stats[40].facility, stats[40].discrimination) == (0, None, None)


@pytest.mark.parametrize(
    ("attempts", "size"), [(0, 0), (1, 0), (2, 1), (4, 1), (5, 1), (6, 2), (10, 3), (100, 27)]
)
def test_group_size_is_27_percent_rounded_half_up(attempts, size):
    assert group_size(attempts) == size


def test_ties_at_the_group_border_go_by_attempt_order():
    # Scores 80, 50, 50, 50: one per group; of the three 50s the last attempt is lowest.
    attempts = [
        ScoredAttempt(7, 50),
        ScoredAttempt(3, 50),
        ScoredAttempt(1, 80),
        ScoredAttempt(9, 50),
    ]
    assert upper_and_lower(attempts) == ({1}, {9})


def test_most_chosen_wrong_judges_each_answer_by_its_version():
    versions = {
        # Version 1 had choice 2 right; version 2 made choice 3 right and renamed choice 2.
        1: choices((1, "One", False), (2, "Two", True), (3, "Three", False)),
        2: choices((1, "One", False), (2, "Two (fixed)", False), (3, "Three", True)),
    }
    answers = [
        Answer(1, 5, 1, (2,), True),  # right then: not a wrong choice
        Answer(2, 5, 2, (2,), False),
        Answer(3, 5, 2, (2, 1), False),
        Answer(4, 5, 1, (1,), False),
    ]
    # Choice 2 wrong twice (in version 2), choice 1 twice: a tie goes to the one listed first.
    assert most_chosen_wrong(answers, versions) == ("One", 2)
    assert most_chosen_wrong(answers[:3], versions) == ("Two (fixed)", 2)
    assert most_chosen_wrong([], versions) is None


# --- Summary ----------------------------------------------------------------------------


@pytest.fixture
def summary_world(course, spring, make_user, make_cohort, quiz_module):
    """Applications, learners and activity across two cohorts of the course, and another course.

    person  country  organisation    application       enrolled       active (7 days)  completed
    P1      CO       City of Bogotá  spring: approved  spring         lesson today     spring
    P2      CO       City of Bogotá  autumn: pending   -              no (not enrolled) -
    P3      KR       Seoul           spring: approved  spring         quiz 2 days ago  -
    P4      KR       Seoul           -                 spring, autumn session yesterday autumn
    P5      IQ       Baghdad         spring: rejected  -              -                -
    P6      TR       (none)          -                 spring         no (8, 30 days)  -
    (P2 marked a lesson today but is not enrolled; P6 marked a lesson 8 days ago and watched
    a recording 30 days ago.)
    Totals: applications approved 2, pending 1, rejected 1; enrolled 4 (P1, P3, P4, P6);
    active 3 (P1, P3, P4); completed 2 (P1, P4).
    By country: CO 2 applications, 1 enrolled, 1 active, 1 completed; KR 1, 2, 2, 1;
    IQ 1, 0, 0, 0; TR 0, 1, 0, 0. Sorted by enrolled, then applications: KR, CO, TR, IQ.
    """
    autumn = make_cohort(course, "autumn", title="Autumn 2026")
    now = utcnow()
    lessons = visible_lessons(course)
    people = {}
    for key, country, organisation in [
        ("p1", "CO", "City of Bogotá"), ("p2", "CO", "City of Bogotá"), ("p3", "KR", "Seoul"),
        ("p4", "KR", "Seoul"), ("p5", "IQ", "Baghdad"), ("p6", "TR", ""),
    ]:  # fmt: skip
        people[key] = make_user(email=f"{key}@city.example", name=key.upper(), country=country,
                                organisation=organisation)  # fmt: skip

    def apply(person, cohort, status):
        db.session.add(
            Application(user=person, cohort=cohort, motivation="m" * 60,
                        confirms_public_official=True, status=status)
        )  # fmt: skip

    apply(people["p1"], spring, ApplicationStatus.APPROVED)
    apply(people["p2"], autumn, ApplicationStatus.PENDING)
    apply(people["p3"], spring, ApplicationStatus.APPROVED)
    apply(people["p5"], spring, ApplicationStatus.REJECTED)
    for key in ("p1", "p3", "p4", "p6"):
        enrol(people[key], spring)
    enrol(people["p4"], autumn)
    db.session.flush()
    mark_done(people["p1"], lessons[:1], when=now - timedelta(hours=1))
    mark_done(people["p2"], lessons[:1], when=now - timedelta(hours=1))
    scored_attempt(people["p3"], quiz_module.quiz, 50, when=now - timedelta(days=2))
    yesterday = LiveSession(
        cohort=autumn,
        slug="yesterday",
        title="Yesterday",
        starts_at=now - timedelta(days=1),
        time_zone="UTC",
        duration_minutes=60,
    )
    db.session.add(yesterday)
    db.session.flush()
    attend(people["p4"], yesterday)
    mark_done(people["p6"], lessons[1:2], when=now - timedelta(days=8))
    db.session.add(
        RecordingView(session_id=session_of(spring, "orientation").id, user_id=people["p6"].id,
                      watched_at=now - timedelta(days=30))
    )  # fmt: skip
    for enrollment in db.session.scalars(select(Enrollment)):
        if (enrollment.user_id, enrollment.cohort_id) in {
            (people["p1"].id, spring.id),
            (people["p4"].id, autumn.id),
        }:
            enrollment.completed_at = now - timedelta(days=3)
    db.session.commit()
    return {"autumn": autumn, "people": people}


def test_summary_shows_the_hand_computed_figures(
    teacher_browser, course, spring, quiz_module, summary_world
):
    response = teacher_browser.client.get(f"/author/{course.slug}/summary")
    reader = tables(response)
    overall, cohorts, by_country, by_organisation = reader.tables
    assert overall[1:] == [
        ["Applications: waiting for review", "1"],
        ["Applications: approved", "2"],
        ["Applications: not accepted", "1"],
        ["Learners enrolled", "4"],
        ["Active in the last 7 days", "3"],
        ["Completed the course", "2"],
    ]
    assert sorted(cohorts[1:]) == [
        ["Progress of Autumn 2026", "1", "1"],
        ["Progress of Spring 2027", "4", "1"],
    ]
    assert by_country[0] == [
        "Country",
        "Applications",
        "Enrolled",
        "Active in the last 7 days",
        "Completed",
    ]
    assert by_country[1:] == [
        ["South Korea", "1", "2", "2", "1"],
        ["Colombia", "2", "1", "1", "1"],
        ["Türkiye", "0", "1", "0", "0"],
        ["Iraq", "1", "0", "0", "0"],
    ]
    assert by_organisation[1:] == [
        ["Seoul", "1", "2", "2", "1"],
        ["City of Bogotá", "2", "1", "1", "1"],
        ["Not given", "0", "1", "0", "0"],
        ["Baghdad", "1", "0", "0", "0"],
    ]
    html = response.get_data(as_text=True)
    assert f'href="/author/{course.slug}/cohorts/{spring.slug}/progress"' in html
    assert f'href="/author/{course.slug}/cohorts/autumn/progress"' in html
    assert f'href="/author/{course.slug}/quizzes/{quiz_module.slug}/analysis"' in html


def test_summary_keeps_the_top_rows(app, teacher_browser, course, summary_world, monkeypatch):
    monkeypatch.setattr("app.authoring.reports.summary.TOP_ROWS", 2)
    reader = tables(teacher_browser.client.get(f"/author/{course.slug}/summary"))
    by_country = reader.tables[2]
    assert [row[0] for row in by_country[1:]] == ["South Korea", "Colombia"]
    assert "The 2 countries with the most learners, of 4" in teacher_browser.client.get(
        f"/author/{course.slug}/summary"
    ).get_data(as_text=True)


def test_empty_summary(teacher_browser, course):
    html = teacher_browser.client.get(f"/author/{course.slug}/summary").get_data(as_text=True)
    assert html.count("No applications or learners yet.") == 2


# --- Who may see the reports ------------------------------------------------------------


@pytest.fixture
def report_urls(course, spring, quiz_module):
    return [
        progress_url(course, spring),
        csv_url(course, spring),
        analysis_url(course, quiz_module),
        f"/author/{course.slug}/summary",
    ]


@pytest.mark.parametrize(
    ("role", "expected"),
    [("learner", 403), ("enrolled", 403), ("other_instructor", 403), ("instructor", 200),
     ("admin", 200)],
)  # fmt: skip
def test_who_sees_the_reports(app, course, spring, make_user, report_urls, role, expected):
    other = Course(slug="other", title="Other course", summary="Another.")
    db.session.add(other)
    db.session.commit()
    accounts = {
        "learner": lambda: make_user(email="x@city.example"),
        "enrolled": lambda: enrolled_learner(spring, "x@city.example"),
        "other_instructor": lambda: make_user(
            Role.INSTRUCTOR, email="x@city.example", courses=[other]
        ),
        "instructor": lambda: make_user(Role.INSTRUCTOR, email="x@city.example", courses=[course]),
        "admin": lambda: make_user(Role.ADMIN, email="x@city.example"),
    }
    user = accounts[role]()
    browser = Browser(app.test_client())
    assert browser.login(user.email).status_code == 302
    assert [browser.client.get(url).status_code for url in report_urls] == [expected] * 4


def test_anonymous_visitors_are_sent_to_log_in(client, report_urls):
    for url in report_urls:
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_filters_from_args_are_forgiving(app):
    def read(args, quiz_ids):
        with app.test_request_context():
            return ProgressFilters.read(args, sort_keys=[f"quiz-{n}" for n in quiz_ids])

    filters = read({"sort": "quiz-5", "order": "up", "country": "iq"}, [5])
    assert (filters.sort.data, filters.order.data, filters.country.data) == ("quiz-5", "desc", "IQ")
    assert read({"sort": "quiz-6"}, [5]).sort.data == "name"
    assert read({"country": "XX"}, []).country.data is None
