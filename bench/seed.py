"""Seed the benchmark's data set: `python -m bench.seed` (BENCH_DATABASE_URL, BENCH_LEARNERS).

A course of 8 modules (40 lessons, 8 quizzes of 5 questions, 4 live sessions per cohort)
written as files and imported with the real importer; 10,000 learners enrolled in its large
cohort and 1,000 more in a small one, most of whom have read every lesson (about 420,000
progress rows); submitted attempts for those who took the quizzes (the pools of
`common.pools()` kept aside); a few certificates issued through the real operations. Rows are
bulk-inserted (Core executemany), with one password hash computed once.
"""

import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import yaml
from sqlalchemy import func, insert, select, text
from werkzeug.security import generate_password_hash

from app.accounts.models import User
from app.accounts.operations import create_user
from app.authoring.report_operations import recompute_counters
from app.catalog.content.reader import read_course
from app.catalog.models import Question, Quiz
from app.catalog.operations import import_course, set_staffed_courses
from app.certificates.operations import confirm_certificate_name, issue_certificate
from app.core.permissions import Role
from app.core.types import utcnow
from app.extensions import db
from app.learning.models import Enrollment, LessonProgress
from app.quizzes.models import AttemptState, QuizAttempt
from app.quizzes.operations import latest_version_ids
from bench import common

COUNTRIES = ["CO", "KR", "TR", "AR", "MX", "PK", "IQ", "JO", "PS", "SN", "ES", "BR", "FR"]
CITIES = ["Bogotá", "Seoul", "Istanbul", "Buenos Aires", "Mexico City", "Lahore", "Baghdad"]
CHUNK = 5000
CERTIFICATES = 20
INSTRUCTOR_EMAIL = "instructor@bench.example"
learner_email = common.learner_email


def write_course(folder: Path, now) -> Path:
    """The benchmark course as files: course.yaml, 8 modules of 5 lessons and a quiz each."""
    zone = "Europe/Madrid"
    moment = "%Y-%m-%d %H:%M " + zone
    course = {
        "slug": common.COURSE_SLUG,
        "title": "Care in the city (benchmark)",
        "summary": "A course the size of the real one, for the benchmarks.",
        "languages": ["en"],
        "completion": {"lessons": "all", "quizzes": "all"},
        "certificate": {
            "title": "Certificate of completion",
            "hours": 40,
            "wording": "has completed the benchmark course.",
            "issuers": ["Benchmark Network of Cities"],
            "signatories": [{"name": "Ada Bench", "role": "Head of Training"}],
        },
        "cohorts": [
            {
                "slug": slug,
                "title": title,
                "time_zone": zone,
                "enrolment": "open",
                "applications_open": (now - timedelta(days=90)).strftime(moment),
                "applications_close": (now + timedelta(days=30)).strftime(moment),
                "starts_on": (now - timedelta(days=60)).date(),
                "ends_on": (now + timedelta(days=60)).date(),
                # Two sessions behind, two ahead: the schedule page shows both kinds.
                "live_sessions": [
                    {
                        "slug": f"session-{number}",
                        "title": f"Session {number}",
                        "starts": (now + timedelta(days=days)).strftime(moment),
                        "minutes": 120,
                    }
                    for number, days in enumerate((-20, -6, 8, 22), start=1)
                ],
            }
            for slug, title in (
                (common.COHORT_SLUG, "Benchmark cohort"),
                (common.SMALL_COHORT_SLUG, "Benchmark cohort, small"),
            )
        ],
    }
    root = folder / "course"
    root.mkdir()
    (root / "course.yaml").write_text(yaml.safe_dump(course, sort_keys=False), "utf-8")
    paragraph = (
        "Care work keeps people alive and well. Cities can map who gives care, who receives "
        "it and where the services are, and plan transport, housing and time around them. "
    )
    for m in range(1, common.MODULES + 1):
        module = root / f"{m:02d}-module-{m}"
        module.mkdir()
        (module / "module.md").write_text(f"---\ntitle: Module {m}\n---\n\nModule {m}.\n")
        for n in range(1, common.LESSONS_PER_MODULE + 1):
            body = "\n\n".join(
                [f"## Part {p}\n\n{paragraph * 3}\n\n- one point\n- another point" for p in (1, 2)]
            )
            front = f"---\ntitle: Lesson {m}.{n}\nminutes: 10\nobjectives:\n- Learn {m}.{n}.\n"
            (module / f"{n:02d}-lesson-{m}-{n}.md").write_text(f"{front}---\n\n{body}\n")
        questions = [
            {
                "id": f"q{q}",
                "type": "single",
                "prompt": f"Question {q} of module {m}: which answer is right?",
                "choices": ["The first", "The second", "The third", "The fourth"],
                "correct": 2,
                "explanation": "The second one is right.",
            }
            for q in range(1, common.QUESTIONS_PER_QUIZ + 1)
        ]
        quiz = {
            "title": f"Module {m}: check your understanding",
            "pass_mark": 70,
            "attempts": 3,
            "wait_minutes": 0,
            "shuffle": False,
            "feedback": "once_passed",
            "questions": questions,
        }
        (module / "quiz.yaml").write_text(yaml.safe_dump(quiz, sort_keys=False), "utf-8")
    return root


def bulk(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model.__table__), rows[start : start + CHUNK])


def quiz_layouts(course) -> list[tuple[Quiz, list[dict]]]:
    """Each quiz with the layout an unshuffled attempt has (question, version, choices)."""
    found = []
    for quiz in course.published_quizzes():
        questions = list(quiz.active_questions())
        versions = latest_version_ids(questions)
        layout = [
            {
                "question": question.id,
                "version": versions[question.id],
                "choices": [choice.id for choice in question.choices],
            }
            for question in questions
        ]
        found.append((quiz, layout))
    return found


def seed(seed_value: int = 2026) -> dict:
    rng = random.Random(seed_value)  # noqa: S311 (a repeatable data set)
    now = utcnow()
    db.create_all()
    with tempfile.TemporaryDirectory() as folder:
        source, problems = read_course(write_course(Path(folder), now))
        if problems:
            raise SystemExit(f"the benchmark course does not validate: {problems}")
        course, _report = import_course(source)
    cohorts = {cohort.slug: cohort for cohort in course.cohorts}
    large, small = cohorts[common.COHORT_SLUG], cohorts[common.SMALL_COHORT_SLUG]
    instructor = create_user(INSTRUCTOR_EMAIL, common.PASSWORD, role=Role.INSTRUCTOR, name="Ines")
    set_staffed_courses(instructor, [course], actor=None)
    db.session.commit()

    password_hash = generate_password_hash(common.PASSWORD)  # once, at the production cost
    users = [
        {
            "email": learner_email(i),
            "name": f"Learner {i:05d}",
            "password_hash": password_hash,
            "role": Role.LEARNER,
            "organisation": f"City of {CITIES[i % len(CITIES)]}",
            "position": "Care policy officer",
            "city": CITIES[i % len(CITIES)],
            "country": COUNTRIES[i % len(COUNTRIES)],
            "time_zone": "America/Bogota",
        }
        for i in range(common.LEARNERS + common.SMALL_LEARNERS)
    ]
    bulk(User, users)
    ids = list(
        db.session.scalars(
            select(User.id).where(User.email.like("learner%@bench.example")).order_by(User.email)
        )
    )
    pools = common.pools()
    with_history = set(pools["history"]) | set(pools["small cohort"])
    lessons = [lesson.id for module in course.modules for lesson in module.lessons]
    layouts = quiz_layouts(course)
    enrollments, progress, attempts = [], [], []
    completed = set()
    for index, user_id in enumerate(ids):
        enrolled_at = now - timedelta(days=rng.randint(30, 60), minutes=rng.randint(0, 1440))
        # Most read everything (the first learners always do: they get the certificates).
        read = len(lessons) if index < 100 or rng.random() < 0.9 else rng.randint(0, 39)
        for position, lesson_id in enumerate(lessons[:read]):
            progress.append(
                {
                    "user_id": user_id,
                    "lesson_id": lesson_id,
                    "completed_at": enrolled_at + timedelta(hours=position * 6),
                }
            )
        passed_all = index in with_history
        if passed_all:
            for m, (quiz, layout) in enumerate(layouts):
                if read < (m + 1) * common.LESSONS_PER_MODULE:
                    passed_all = False
                    break
                started = enrolled_at + timedelta(hours=(m + 1) * 30)
                for number in range(1, (quiz.max_attempts or 3) + 1):
                    right = rng.choice([3, 4, 4, 5, 5, 5]) if index >= 100 else 5
                    score = right * 100 // len(layout)
                    attempts.append(
                        {
                            "quiz_id": quiz.id,
                            "user_id": user_id,
                            "number": number,
                            "state": AttemptState.SUBMITTED,
                            "started_at": started,
                            "submitted_at": started + timedelta(minutes=6),
                            "layout": layout,
                            "correct_count": right,
                            "question_count": len(layout),
                            "score": score,
                        }
                    )
                    if score >= quiz.pass_mark:
                        break
                    started += timedelta(hours=2)
                else:
                    passed_all = False
        if read == len(lessons) and passed_all:
            completed.add(user_id)
        enrollments.append(
            {
                "user_id": user_id,
                "cohort_id": (small if index in pools["small cohort"] else large).id,
                "enrolled_at": enrolled_at,
                "completed_at": enrolled_at + timedelta(days=20) if user_id in completed else None,
            }
        )
        if index in pools["submitters"]:  # an open attempt at each quiz, for wrk
            for quiz, layout in layouts:
                attempts.append(
                    {
                        "quiz_id": quiz.id,
                        "user_id": user_id,
                        "number": 1,
                        "state": AttemptState.STARTED,
                        "started_at": now - timedelta(minutes=5),
                        "submitted_at": None,
                        "layout": layout,
                        "correct_count": None,
                        "question_count": len(layout),
                        "score": None,
                    }
                )
    bulk(Enrollment, enrollments)
    bulk(LessonProgress, progress)
    bulk(QuizAttempt, attempts)
    recompute_counters()  # the report's counters, which the bulk load bypassed
    db.session.commit()

    # A few certificates, through the real operations (the rest of the course's completers
    # wait for an instructor, as with `automatic: false`).
    holders = db.session.scalars(
        select(Enrollment)
        .where(Enrollment.completed_at.is_not(None))
        .order_by(Enrollment.id)
        .limit(CERTIFICATES)
    ).all()
    for enrollment in holders:
        confirm_certificate_name(enrollment.user, enrollment.user.name, now=now)
        issue_certificate(enrollment, actor=instructor, now=now)
    db.session.commit()
    if common.is_postgres():
        # What autovacuum does a minute after a bulk load: without statistics the planner
        # reads the progress report's query as if the tables were empty (3 s instead of 0.3).
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return {
        "learners": len(ids),
        "lessons": len(lessons),
        "quizzes": len(layouts),
        "progress_rows": len(progress),
        "attempts": len(attempts),
        "completed": len(completed),
        "certificates": len(holders),
        "questions": db.session.scalar(select(func.count(Question.id))),
    }


def main() -> None:
    started = time.perf_counter()
    common.reset_database()
    app = common.make_app()
    with app.test_request_context():
        counts = seed()
        db.session.remove()
        db.engine.dispose()
    seconds = time.perf_counter() - started
    where = "PostgreSQL" if common.is_postgres() else "SQLite"
    print(f"seeded {where} in {seconds:.1f} s: {counts}", file=sys.stderr)


if __name__ == "__main__":
    main()
