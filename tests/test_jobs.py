"""The job queue and mail through it, with real workers in processes of their own.

The rest of the suite runs jobs in the process when they are queued (JOBS_IMMEDIATE); here
the queue is the real one (a SQLite file, or Redis when TEST_REDIS_URL is set) and the
workers are `flask worker`'s consumer in other processes (tests/worker_process.py), which a
test may kill.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import create_app
from app.core import jobs
from app.core.jobs import WorkerHeartbeat, enqueue
from app.core.mail import OutgoingMail, send_after_commit, sweep_mail
from app.core.types import utcnow
from app.extensions import db
from tests.conftest import TEST_CONFIG

pytestmark = pytest.mark.slow  # worker processes

REPO = Path(__file__).parent.parent
WAIT = 60  # seconds, at most, for workers to do what a test asks


@pytest.fixture
def queue_app(make_database, tmp_path):
    """An app whose jobs go through the real queue, on a database of its own."""
    database = make_database()
    config = {
        **TEST_CONFIG,
        **database.config(),
        "JOBS_IMMEDIATE": False,
        "JOBS_QUEUE_NAME": f"test-{uuid.uuid4().hex[:10]}",
        "JOBS_DATABASE": str(tmp_path / "jobs.sqlite3"),
        "MAIL_CLAIM_LEASE": 2,
    }
    if os.environ.get("TEST_REDIS_URL"):
        config["REDIS_URL"] = os.environ["TEST_REDIS_URL"]
    instance = tmp_path / "instance"
    app = create_app(config, instance_path=str(instance))
    with app.app_context():
        db.create_all()
        yield app
        app.extensions["jobs"].huey.flush()  # a Redis queue outlives the test
        db.session.remove()
        db.engine.dispose()


class Workers:
    """Worker processes for one test, stopped at its end."""

    def __init__(self, app, tmp_path: Path):
        self.app = app
        self.tmp_path = tmp_path
        self.processes: list[subprocess.Popen] = []
        self.logs: list = []

    def start(self, name: str, **config) -> subprocess.Popen:
        settings = self.tmp_path / f"{name}.json"
        config = {**self.app.config_for_workers, **config}
        settings.write_text(
            json.dumps({"config": config, "instance": self.app.instance_path, "name": name}),
            encoding="utf-8",
        )
        log = open(self.tmp_path / f"{name}.log", "wb")  # noqa: SIM115 (closed by stop)
        self.logs.append(log)
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.worker_process", str(settings)],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in self.logs:
            log.close()


@pytest.fixture
def workers(queue_app, tmp_path):
    # What the worker processes are configured with: the app's own settings that matter.
    queue_app.config_for_workers = {
        name: queue_app.config[name]
        for name in (
            "TESTING",
            "SECRET_KEY",
            "PUBLIC_URL",
            "SQLALCHEMY_DATABASE_URI",
            "SQLALCHEMY_ENGINE_OPTIONS",
            "JOBS_IMMEDIATE",
            "JOBS_QUEUE_NAME",
            "JOBS_DATABASE",
            "REDIS_URL",
            "MAIL_CLAIM_LEASE",
        )
        if name in queue_app.config
    }
    running = Workers(queue_app, tmp_path)
    yield running
    running.stop()


def write_mails(count: int) -> list[int]:
    for number in range(count):
        send_after_commit(
            f"person{number}@city.example",
            f"Message {number}",
            f"Body {number}",
            kind="test",
        )
    db.session.commit()  # writes them and queues their delivery
    return list(db.session.scalars(select(OutgoingMail.id).order_by(OutgoingMail.id)))


def states() -> dict[str, int]:
    db.session.rollback()  # see what the workers committed
    rows = db.session.execute(
        select(OutgoingMail.state, func.count()).group_by(OutgoingMail.state)
    ).all()
    return {state.value: count for state, count in rows}


def wait_until(condition, what: str, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def delivered(app) -> list:
    folder = Path(app.instance_path) / "outbox"
    return [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]


def test_two_workers_send_each_message_once_even_when_it_is_queued_twice(queue_app, workers):
    ids = write_mails(30)
    for mail_id in ids:  # a replay: every delivery queued a second time
        enqueue("deliver_mail", mail_id)
    assert states() == {"queued": 30}
    assert delivered(queue_app) == []  # nothing leaves without a worker

    workers.start("a")
    workers.start("b")
    wait_until(lambda: states() == {"sent": 30}, "30 messages sent")
    workers.stop()

    messages = delivered(queue_app)
    assert sorted(m["To"] for m in messages) == sorted(f"person{n}@city.example" for n in range(30))
    assert len({m["Message-ID"] for m in messages}) == 30
    assert set(db.session.scalars(select(OutgoingMail.tries))) == {1}
    assert states() == {"sent": 30}


class StallingMailServer:
    """A mail server that takes connections and never answers: a worker that tries to send
    through it waits, in the middle of its job, until it is killed."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen()
        self.port = self.socket.getsockname()[1]
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self):
        for connection in self.connections:
            connection.close()
        self.socket.close()


def test_a_message_outlives_a_worker_killed_while_sending_it(queue_app, workers):
    [mail_id] = write_mails(1)
    server = StallingMailServer()
    try:
        stuck = workers.start(
            "stuck", MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=120
        )
        wait_until(lambda: server.connections, "the worker to reach the mail server")
        assert states() == {"sending": 1}
        stuck.kill()  # mid-job: the message is claimed, not sent
        stuck.wait()
    finally:
        server.close()

    workers.start("after")
    time.sleep(2.5)  # the dead worker's claim expires (MAIL_CLAIM_LEASE: 2 s)
    sweep_mail()  # what every worker runs each minute: queues what is due or abandoned
    wait_until(lambda: states() == {"sent": 1}, "the message sent after the restart")
    [message] = delivered(queue_app)
    assert message["To"] == "person0@city.example"
    mail = db.session.get(OutgoingMail, mail_id)
    assert mail.tries == 2  # the killed try, and the one that sent it


def at_head(app) -> None:
    """Record the tables made by create_all as migrated, as /readyz wants them."""
    result = app.test_cli_runner().invoke(args=["db", "stamp", "head"])
    assert result.exit_code == 0, result.output


def test_a_worker_is_seen_and_readyz_says_so(queue_app, workers):
    at_head(queue_app)
    client = queue_app.test_client()
    answer = client.get("/readyz").get_json()
    assert answer["checks"]["worker"].startswith("never seen")
    assert answer["status"] == "ok"  # pages still serve without a worker
    workers.start("a")
    # A worker is seen when it starts, then each minute (a periodic job).
    wait_until(lambda: db.session.scalar(select(func.count(WorkerHeartbeat.name))), "a heartbeat")
    db.session.rollback()
    assert client.get("/readyz").get_json()["checks"]["worker"] == "ok"
    assert db.session.scalar(select(WorkerHeartbeat.name)) == "a"
    # Seen once warm: fonts, catalogues and templates loaded before its first job.
    assert "Worker warmed up in" in (workers.tmp_path / "a.log").read_text("utf-8")


def test_a_worker_long_silent_is_reported(queue_app):
    db.session.add(WorkerHeartbeat(name="old", seen_at=utcnow() - jobs.WORKER_SILENT_AFTER * 2))
    db.session.commit()
    at_head(queue_app)
    answer = queue_app.test_client().get("/readyz").get_json()
    assert answer["checks"]["worker"].startswith("not seen since ")
    assert answer["status"] == "ok"


def test_the_periodic_passes_run_when_the_docs_say(app):
    """Reminders, deadlines, announcements and the mail sweep each minute; the stalled-learner
    pass once an hour, at minute 0 (docs/deploy.md)."""
    tasks = app.extensions["jobs"].tasks
    on_the_hour = datetime(2027, 7, 8, 10, 0, tzinfo=UTC)
    past_it = datetime(2027, 7, 8, 10, 1, tzinfo=UTC)
    for name in ("session_reminders", "application_deadlines", "announcement_mail", "sweep_mail"):
        assert tasks[name].s().validate_datetime(past_it), name
    assert tasks["stalled_learners"].s().validate_datetime(on_the_hour)
    assert not tasks["stalled_learners"].s().validate_datetime(past_it)
