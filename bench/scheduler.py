"""The reminder scheduler's pass over 10,000 learners and 8 sessions: `python -m bench.scheduler`.

A cohort of BENCH_LEARNERS learners (10,000) in twelve time zones and three languages, with
eight live sessions over the coming week; at the moment measured, one session starts in an
hour (every learner's hour reminder is due) and one in a day (the day-before reminder is due
for the learners whose clock is not in the night, and for the others since 21:00 the evening
before). The pass is the worker's job (`write_due_reminders`, then the commit that queues
delivery on a real SQLite Huey queue, no worker running). Measured: the first pass (writes
every due reminder), the second pass at the same moment (writes none), and a baseline in the
same run: the same rows sent from Python by one bulk INSERT (executemany), without looking
anything up, as a pass that composed its rows in Python would at the least.
Checked: the reminders written are exactly the ones due, each once (the expected set is
computed apart, learner by learner, with `reminder_due_at`). Target: each pass under 2 s.

Settings: BENCH_DATABASE_URL (PostgreSQL; a schema `bench_scheduler` of its own), else a
SQLite file in bench/.data/. Results go to bench/RESULTS.md.
"""

import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, delete, func, insert, select, text

from app import create_app
from app.accounts.models import User
from app.catalog.models import Cohort, Course, EnrolmentMode, LiveSession, SessionStatus
from app.core.mail import MailState, OutgoingMail
from app.extensions import db
from app.learning.models import Enrollment
from app.live.notices import LEADS, reminder_due_at, reminder_key, write_due_reminders
from bench import common
from bench.results import machine

LEARNERS = common.LEARNERS
SCHEMA = "bench_scheduler"
TARGET_SECONDS = 2.0
REPEATS = 3
NOW = datetime(2027, 7, 7, 12, 0, tzinfo=UTC)
ZONES = [
    "America/Bogota",
    "Asia/Seoul",
    "Asia/Amman",
    "Europe/Istanbul",
    "Asia/Karachi",
    "Africa/Dakar",
    "Europe/Madrid",
    "America/Mexico_City",
    "America/Argentina/Buenos_Aires",
    "Asia/Baghdad",
    "America/Sao_Paulo",
    "UTC",
]
LANGUAGES = ["en", "es", "fr"]
# Hours from NOW to each session's start: one in an hour, one in a day, the rest later.
SESSION_HOURS = [1, 24, 30, 50, 75, 100, 130, 160]


def database_url() -> str:
    """PostgreSQL's BENCH_DATABASE_URL (in a schema of its own), else a SQLite file of its own:
    never the pages' SQLite data set, which this run would add its learners to."""
    if common.is_postgres():
        return common.database_url()
    return f"sqlite:///{common.DATA / 'scheduler.sqlite'}"


def make_app():
    url = database_url()
    options = {}
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
        engine.dispose()
        options = {"connect_args": {"options": f"-csearch_path={SCHEMA}"}}
    else:
        common.DATA.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{common.DATA / 'scheduler.sqlite'}{suffix}").unlink(missing_ok=True)
    instance = common.DATA / "scheduler-instance"
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "jobs.sqlite3").unlink(missing_ok=True)
    return create_app(
        {
            "SECRET_KEY": common.SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": options,
            "PUBLIC_URL": "http://127.0.0.1",
        },
        instance_path=str(instance),
    )


def seed() -> Cohort:
    course = Course(slug="scheduler", title="Scheduler", summary="Reminders.")
    cohort = Cohort(
        course=course,
        slug="all",
        title="Everyone",
        time_zone="UTC",
        enrolment_mode=EnrolmentMode.OPEN,
        applications_open_at=NOW - timedelta(days=60),
        applications_open_zone="UTC",
        applications_close_at=NOW - timedelta(days=30),
        applications_close_zone="UTC",
        starts_on=date(2027, 6, 1),
        ends_on=date(2027, 9, 1),
    )
    db.session.add(cohort)
    db.session.flush()
    for number, hours in enumerate(SESSION_HOURS, start=1):
        db.session.add(
            LiveSession(
                cohort_id=cohort.id,
                slug=f"session-{number}",
                title=f"Session {number}",
                starts_at=NOW + timedelta(hours=hours),
                time_zone="UTC",
                duration_minutes=90,
                status=SessionStatus.SCHEDULED,
                sequence=0,
            )
        )
    users = [
        {
            "email": f"learner{number}@bench.example",
            "name": f"Learner {number}",
            "password_hash": "-",
            "time_zone": ZONES[number % len(ZONES)],
            "preferred_language": LANGUAGES[number % len(LANGUAGES)],
        }
        for number in range(LEARNERS)
    ]
    db.session.execute(insert(User), users)
    ids = db.session.scalars(select(User.id)).all()
    db.session.execute(insert(Enrollment), [{"user_id": i, "cohort_id": cohort.id} for i in ids])
    db.session.commit()
    return cohort


def expected_keys(cohort: Cohort) -> set[str]:
    """Every reminder due at NOW, worked out learner by learner."""
    learners = db.session.execute(select(User.id, User.time_zone)).all()
    keys = set()
    for session in cohort.live_sessions:
        for lead in LEADS:
            if session.starts_at - lead.until <= NOW:
                continue
            prefix = reminder_key(session, lead)
            for user_id, zone in learners:
                if reminder_due_at(session.starts_at, lead, zone) <= NOW:
                    keys.add(f"{prefix}{user_id}")
    return keys


def timed(function) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def one_pass() -> int:
    written = write_due_reminders(NOW)
    db.session.commit()  # queues delivery: a job per 50 messages on the SQLite queue
    return written


def baseline(rows: list[dict]) -> float:
    """The same rows by one plain bulk INSERT (no lookups, no queue), then removed."""
    seconds, _ = timed(
        lambda: (db.session.execute(insert(OutgoingMail), rows), db.session.commit())
    )
    db.session.execute(delete(OutgoingMail).where(OutgoingMail.kind == "baseline"))
    db.session.commit()
    return seconds


def run() -> list[str]:
    app = make_app()
    with app.app_context():
        db.create_all()
        cohort = seed()
        expected = expected_keys(cohort)
        firsts, seconds_, baselines = [], [], []
        for _repeat in range(REPEATS):
            db.session.execute(delete(OutgoingMail))
            db.session.commit()
            first, written = timed(one_pass)
            second, again = timed(one_pass)
            stored = set(db.session.scalars(select(OutgoingMail.idempotency_key)))
            if written != len(expected) or again != 0 or stored != expected:
                sys.exit(
                    f"wrong reminders: wrote {written} then {again}, "
                    f"{len(stored)} stored, {len(expected)} due; "
                    f"missing {len(expected - stored)}, extra {len(stored - expected)}"
                )
            rows = [
                {
                    "idempotency_key": f"baseline:{key}",
                    "kind": "baseline",
                    "recipient": "x@bench.example",
                    "subject": "",
                    "payload": {"session_id": 1},
                    "state": MailState.QUEUED,
                }
                for key in expected
            ]
            firsts.append(first)
            seconds_.append(second)
            baselines.append(baseline(rows))
        queued_jobs = app.extensions["jobs"].huey.pending_count()
        hour_before = db.session.scalar(
            select(func.count()).where(OutgoingMail.idempotency_key.like("session_reminder:hour:%"))
        )
    database = "PostgreSQL" if database_url().startswith("postgresql") else "SQLite"
    first, second, base = (statistics.median(v) for v in (firsts, seconds_, baselines))
    verdict = "met" if max(firsts + seconds_) < TARGET_SECONDS else "MISSED"
    return [
        f"- reminder scheduler ({database}), {LEARNERS} learners in {len(ZONES)} zones, "
        f"{len(SESSION_HOURS)} sessions: the pass writes {len(expected)} due reminders "
        f"({hour_before} an hour before, {len(expected) - hour_before} a day before) "
        f"in {first * 1000:.0f} ms (median of {REPEATS}; slowest "
        f"{max(firsts) * 1000:.0f} ms), {queued_jobs // REPEATS} delivery jobs queued; "
        f"the same pass again writes 0 in {second * 1000:.0f} ms; the same rows sent from "
        f"Python in one bulk INSERT take {base * 1000:.0f} ms "
        f"(pass / baseline {first / base:.1f}×); "
        f"each due reminder written once: checked; target < {TARGET_SECONDS:.0f} s: {verdict}",
    ]


def write_section(name: str, lines: list[str]) -> None:
    """Replace this run's section of bench/RESULTS.md, with the machine it ran on; the rest of
    the file (the page benchmarks and their machine) is kept as it is."""
    path = common.BENCH / "RESULTS.md"
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    machine_line = next(line for line in machine() if line.startswith("- CPU"))
    section = "\n".join([start, *lines, "", f"Machine: {machine_line[2:]}", end])
    text = path.read_text(encoding="utf-8")
    if start in text:
        before, rest = text.split(start, 1)
        text = before + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def main() -> None:
    lines = run()
    for line in lines:
        print(line)
    database = "PostgreSQL" if database_url().startswith("postgresql") else "SQLite"
    write_section(
        f"Scheduler {database}",
        [f"## Reminder scheduler, {database} (`make bench-scheduler`)", "", *lines],
    )


if __name__ == "__main__":
    main()
