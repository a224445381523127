"""The Caring Cities course meets its quality bar (checked on the files, no database)."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from app.catalog.content.reader import read_course

COURSE = Path(__file__).parent.parent / "courses" / "caring_cities"


@pytest.fixture(scope="module")
def course():
    source, problems = read_course(COURSE)
    assert problems == [], "\n".join(map(str, problems))
    return source


def words(markdown: str) -> int:
    return len(markdown.split())


def all_lessons(course):
    return [(module, lesson) for module in course.modules for lesson in module.lessons]


def test_structure_follows_the_programme(course):
    assert [module.slug for module in course.modules] == [
        "orientation",
        "what-is-a-caring-city",
        "safe-and-healthy-caring-city",
        "caring-mobility-and-public-space",
        "building-a-local-care-system",
    ]
    orientation, *modules = course.modules
    assert orientation.quiz is None
    for module in modules:
        assert 3 <= len(module.lessons) <= 5, module.slug
        assert module.quiz is not None, module.slug
        assert module.lecture is not None, module.slug
        assert words(module.lecture.transcript_md) >= 500, module.slug
        # No invented video address: the slot is empty until a real video exists.
        assert module.lecture.video_url is None or module.lecture.video_url.startswith("https://")


def test_every_lesson_meets_the_writing_rules(course):
    for module, lesson in all_lessons(course):
        where = f"{module.slug}/{lesson.slug}"
        assert len(lesson.objectives) >= 2, where
        count = words(lesson.body_md)
        assert 8 <= lesson.minutes <= 15, where
        # Honest minutes: within 30 % of the word count at 200 words a minute.
        assert abs(lesson.minutes - count / 200) <= 0.3 * count / 200, f"{where}: {count} words"
        assert re.search(r"^## Sources\s*$", lesson.body_md, re.MULTILINE), where
        sources = lesson.body_md.split("## Sources", 1)[1]
        assert re.search(r"^[-*] \S", sources, re.MULTILINE), f"{where}: no source listed"
        assert '!!! note "In your city"' in lesson.body_md, where
        assert len(re.findall(r"^## ", lesson.body_md, re.MULTILINE)) >= 3, where


def test_no_two_lessons_share_a_title(course):
    titles = [lesson.title for _module, lesson in all_lessons(course)]
    assert len(titles) == len(set(titles))


def test_every_quiz_has_enough_explained_questions_of_every_type(course):
    for module in course.modules[1:]:
        questions = module.quiz.questions
        assert 6 <= len(questions) <= 10, module.slug
        assert module.quiz.pass_mark == 70
        assert {q.kind for q in questions} == {"single", "multiple", "true_false"}, module.slug
        for question in questions:
            assert len(question.explanation.split()) >= 8, f"{module.slug}/{question.slug}"
        single = [q.correct[0] for q in questions if q.kind == "single"]
        assert len(set(single)) > 1, f"{module.slug}: the right answer is always choice {single[0]}"


def test_the_2023_cohort_is_the_one_the_programme_ran(course):
    cohort = next(c for c in course.cohorts if c.slug == "2023-july")
    assert (cohort.starts_on, cohort.ends_on) == (date(2023, 7, 3), date(2023, 7, 21))
    # 9 June 2023, 23:59 in Madrid (CEST, UTC+2).
    assert cohort.applications_close_at == datetime(2023, 6, 9, 21, 59, tzinfo=UTC)
    sessions = [(s.slug, s.starts_at, s.minutes, s.time_zone) for s in cohort.live_sessions]
    # 09:00-11:00 CEST is 07:00-09:00 UTC.
    assert sessions == [
        ("orientation", datetime(2023, 7, 3, 7, 0, tzinfo=UTC), 120, "Europe/Madrid"),
        ("session-1", datetime(2023, 7, 6, 7, 0, tzinfo=UTC), 120, "Europe/Madrid"),
        ("session-2", datetime(2023, 7, 13, 7, 0, tzinfo=UTC), 120, "Europe/Madrid"),
        ("session-3", datetime(2023, 7, 20, 7, 0, tzinfo=UTC), 120, "Europe/Madrid"),
    ]
    assert [s.counts_for_completion for s in cohort.live_sessions] == [False, True, True, True]


def test_the_2027_cohort_has_the_same_shape(course):
    cohort = next(c for c in course.cohorts if c.slug == "2027-july")
    assert cohort.starts_on.year == 2027
    assert cohort.applications_open_at < cohort.applications_close_at
    assert cohort.applications_close_at.date() < cohort.starts_on
    assert len(cohort.live_sessions) == 4
    assert all(s.time_zone == "Europe/Madrid" and s.minutes == 120 for s in cohort.live_sessions)


def test_completion_rules_and_certificate(course):
    assert course.completion == {
        "lessons": "all",
        "quizzes": "all",
        "live_sessions": {"minimum": 2, "recordings_count": True},
        "assignments": "passed",
    }
    certificate = course.certificate
    assert certificate["title"] and certificate["hours"] >= 10
    issuers = " ".join(certificate["issuers"])
    for partner in ("Metropolis", "SHRDC", "UCLG", "UCLG-ASPAC"):
        assert partner in issuers
    assert course.guidebook_md and "Study time" in course.guidebook_md
