"""What the seeder, the runner and the benchmarked server share: settings and the data set."""

import os
from pathlib import Path

from flask import session
from flask_login import login_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import create_engine, make_url, text

from app import create_app

BENCH = Path(__file__).parent
DATA = BENCH / ".data"
INSTANCE = DATA / "instance"
SECRET_KEY = "bench-secret-key-not-for-production"  # noqa: S105 (a throwaway database)
PASSWORD = "bench-password"  # noqa: S105
COURSE_SLUG = "bench-course"
COHORT_SLUG = "bench-cohort"
LEARNERS = int(os.environ.get("BENCH_LEARNERS", "10000"))
# A second cohort of the same course, with the same history, so that the progress report is
# timed at two sizes in one run (its time should not grow with the cohort).
SMALL_COHORT_SLUG = "bench-cohort-small"
SMALL_LEARNERS = int(os.environ.get("BENCH_SMALL_LEARNERS", "1000"))
MODULES = 8
LESSONS_PER_MODULE = 5
QUESTIONS_PER_QUIZ = 5
# Learners of the large cohort kept aside, with no attempts in the seeded history:
# the quiz-submission benchmark (one open attempt at each quiz, submitted by wrk) ...
SUBMITTERS = 2000
# ... the 50 concurrent learners (who start and submit attempts through the pages) ...
LOAD_LEARNERS = 1000
# ... and the simulated learners' quizzes (capacity and memory runs: one attempt per quiz).
CAPACITY_LEARNERS = 2000
PG_SCHEMA = "bench"
USER_AGENT = "bench"


def learner_email(number: int) -> str:
    return f"learner{number:05d}@bench.example"


def pools() -> dict[str, range]:
    """The large cohort's learners by what they are for (numbers as in learner_email); the
    small cohort's are numbered after them."""
    history = LEARNERS - SUBMITTERS - LOAD_LEARNERS - CAPACITY_LEARNERS
    load_end = history + LOAD_LEARNERS
    capacity_end = load_end + CAPACITY_LEARNERS
    return {
        "history": range(history),
        "load": range(history, load_end),
        "capacity": range(load_end, capacity_end),
        "submitters": range(capacity_end, LEARNERS),
        "small cohort": range(LEARNERS, LEARNERS + SMALL_LEARNERS),
    }


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{DATA / 'bench.sqlite'}"


def is_postgres() -> bool:
    return database_url().startswith("postgresql")


def engine_options() -> dict:
    if is_postgres():
        return {"connect_args": {"options": f"-csearch_path={PG_SCHEMA}"}}
    return {}


def config() -> dict:
    """The app's settings for the benchmark: production defaults, a fixed key, our database.

    The rate limits stay on (their bookkeeping is part of each request) but out of reach:
    one address (wrk's) makes every request.
    """
    return {
        "SECRET_KEY": SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url(),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, **engine_options()},
        "PUBLIC_URL": "http://127.0.0.1",
        "VERIFICATIONS_PER_ADDRESS": "10000000 per minute",
        "LOGIN_ATTEMPTS_PER_ADDRESS": "10000000 per minute",
        "LOGIN_FAILURES_PER_ACCOUNT": "10000000 per minute",
    }


def make_app():
    INSTANCE.mkdir(parents=True, exist_ok=True)
    return create_app(config(), instance_path=str(INSTANCE))


def reset_database() -> None:
    """An empty database: a new SQLite file, or the `bench` schema dropped and made again."""
    DATA.mkdir(parents=True, exist_ok=True)
    if not is_postgres():
        path = Path(make_url(database_url()).database)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    engine = create_engine(database_url())
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{PG_SCHEMA}"'))
    engine.dispose()


def session_cookie(app, user) -> tuple[str, str]:
    """A logged-in session cookie for a client's requests, and the CSRF token for its forms.

    Made the way a login makes it (Flask-Login's identifier for 127.0.0.1 and the bench's user
    agent), without spending a password check per learner.
    """
    # A context of its own: Flask-WTF keeps the token in `g`, which must not be shared.
    with (
        app.app_context(),
        app.test_request_context(
            "/", environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"User-Agent": USER_AGENT}
        ),
    ):
        login_user(user)
        token = generate_csrf()
        value = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    return f"{app.config['SESSION_COOKIE_NAME']}={value}", token


def load_average() -> float:
    """The machine's 1-minute load average (/proc/loadavg)."""
    return float(Path("/proc/loadavg").read_text().split()[0])
