"""The database fails under the app: lost connections, and a submission cut off half-way.

On PostgreSQL the app's connections are ended by the server (pg_terminate_backend, from a
connection of the test's own), as a restart or a failover does; the next request must succeed,
through the test client and through a gunicorn node with two workers.
A quiz submission whose connection is lost at one of its writes (or at its COMMIT) must be
stored whole or not at all: as the loss comes before the COMMIT succeeds, nothing of it may be
left (no grade, no answers, no completion, no certificate); the learner sees an error page and
the same form sent again is graded once, whole. On SQLite, which has no server to end a
connection, the submission's connection is closed underneath it at the same points (the
driver's own "closed database" error), and another writer holding the write lock makes its
first write fail ("database is locked"); the tests that end every connection need a server
and are skipped there.
"""

import os
import sqlite3
import uuid

import pytest
from sqlalchemy import create_engine, event, func, select, text

from app.accounts.models import User
from app.certificates.models import Certificate, CertificateStatus
from app.core.audit import AuditEvent
from app.core.models import add_unless_duplicate
from app.core.types import utcnow
from app.extensions import db
from app.learning.models import Enrollment
from app.quizzes.models import AttemptAnswer, AttemptState, QuizAttempt
from tests.browser import accounts
from tests.conftest import _drop_postgres_schema, _postgres_schema
from tests.factories import enrolled_learner
from tests.learning_helpers import answers, quiz_url, take_quiz
from tests.server_process import Visitor, seed_database, start_gunicorn_node

SERVER_URL = os.environ.get("TEST_DATABASE_URL")
ON_POSTGRESQL = bool(SERVER_URL)
# Ending the app's connections needs a database server (SQLite has no connections to end):
# tests/conftest.py skips the tests marked `postgres` unless TEST_DATABASE_URL is set.
needs_postgresql = pytest.mark.postgres
# The app's connections carry this name, so that the test ends theirs and nobody else's.
APPLICATION_NAME = f"faults-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def app_config(database):
    """The run's database, its connections named; the app adds its own pool settings
    (pool_pre_ping...) on PostgreSQL, as in production."""
    options = dict(database.engine_options)
    if ON_POSTGRESQL:
        options["connect_args"] = {
            **options.get("connect_args", {}),
            "application_name": APPLICATION_NAME,
        }
    return {"SQLALCHEMY_ENGINE_OPTIONS": options}


def end_idle_connections(server) -> int:
    """End every connection of the app's pool, as a database restart does between requests.

    The test's own session gives its connection back first, as each request does at its end
    (a session that read something holds its connection until it commits or rolls back).
    """
    db.session.rollback()
    return end_backends(server)


@pytest.fixture
def server():
    """A connection of the test's own to the PostgreSQL server, to end the app's."""
    engine = create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


# Ends the app's connections (all, or those whose pids are given), waiting until they are gone.
END_BACKENDS = text(
    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
    "WHERE application_name = :name AND pid <> pg_backend_pid() "
    "AND (CAST(:every AS boolean) OR pid = ANY(:pids))"
)


def end_backends(server, pids=None) -> int:
    """End the app's connections (all of them, or these); how many were ended."""
    with server.connect() as connection:
        return connection.execute(
            END_BACKENDS,
            {"name": APPLICATION_NAME, "every": pids is None, "pids": list(pids or [])},
        ).scalar_one()


@pytest.fixture
def cohort(spring):
    """The shared `learner` is in the example course's own cohort."""
    return spring


@needs_postgresql
def test_the_next_request_succeeds_after_the_server_ends_every_connection(
    app, learner, browser, course, server
):
    assert browser.client.get("/dashboard").status_code == 200
    assert end_idle_connections(server) >= 1  # the pool's connection, idle between requests

    dashboard = browser.client.get("/dashboard")
    assert dashboard.status_code == 200
    assert "Your dashboard" in dashboard.text
    assert browser.client.get("/healthz").json == {"status": "ok", "database": "ok"}

    # A write too: starting a quiz attempt, right after the connections were ended again.
    module = course.visible_modules()[0]
    token = browser.token(quiz_url(course, module))
    assert end_idle_connections(server) >= 1
    started = browser.client.post(
        f"{quiz_url(course, module)}/attempts", data={"csrf_token": token}
    )
    assert started.status_code == 302, started.text
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1


@needs_postgresql
def test_a_login_after_the_server_ended_every_connection_works(app, make_user, browser, server):
    user = make_user(email="back@city.example")
    assert browser.client.get("/login").status_code == 200
    assert end_idle_connections(server) >= 1
    assert browser.login(user.email).status_code == 302
    assert browser.client.get("/dashboard").status_code == 200


@needs_postgresql
def test_a_gunicorn_node_serves_on_after_the_server_ends_its_connections(tmp_path, server):
    """The production stack (gunicorn.conf.py, two workers, the app's own pool settings)."""
    schema = f"test_faults_{uuid.uuid4().hex[:10]}"
    database = _postgres_schema(SERVER_URL, schema)
    settings = {
        "database_url": database.url,
        "engine_options": {
            "connect_args": {
                **database.engine_options["connect_args"],
                "application_name": APPLICATION_NAME,
            }
        },
        "instance_path": str(tmp_path / "instance"),
        "config": {"SECRET_KEY": "faults"},
    }
    try:
        seed_database(tmp_path, settings)
        with start_gunicorn_node(tmp_path, "node", settings) as node:
            visitor = Visitor()
            assert visitor.login(node, accounts.READER).status == 302
            for _round in range(3):
                assert end_backends(server) >= 1
                for _request in range(4):  # whichever worker answers, with whatever it pooled
                    dashboard = visitor.get(node, "/dashboard")
                    assert dashboard.status == 200 and "Your dashboard" in dashboard.text
            assert "Traceback" not in node.log_text()
    finally:
        _drop_postgres_schema(SERVER_URL, schema)


# A submission cut off half-way


# Where the connection is lost: each write of a submission that completes the course (the
# graded attempt, its answers, the completed enrolment, its audit event, the certificate
# issued automatically), and the COMMIT that ends it.
FAULT_POINTS = [
    "UPDATE quiz_attempts",
    "INSERT INTO attempt_answers",
    "UPDATE enrollments",
    "INSERT INTO audit_events",
    "INSERT INTO certificates",
    "COMMIT",
]


class Fault:
    """Breaks the database during one request, and keeps the driver errors the app met."""

    def __init__(self, engine):
        self.engine = engine
        self.fired = False
        self.errors: list[BaseException] = []

    def _driver_error(self, context) -> None:
        self.errors.append(context.original_exception)

    def __enter__(self):
        event.listen(self.engine, "handle_error", self._driver_error)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "handle_error", self._driver_error)


class ConnectionLoss(Fault):
    """Lose the app's connection at the submission's first statement starting with `point`.

    The submission starts with its conditional UPDATE of the attempt: statements before it
    (loading the user, the quiz...) are not the submission's and are let through.
    """

    FIRST_WRITE = "UPDATE QUIZ_ATTEMPTS"

    def __init__(self, engine, point: str, server=None):
        super().__init__(engine)
        self.point = point.upper()
        self.server = server
        self.armed = False
        self.done = False

    def _lose(self, dbapi_connection) -> None:
        if self.done:
            return
        self.done = True
        if self.server is not None:
            pid = dbapi_connection.info.backend_pid
            self.fired = end_backends(self.server, [pid]) == 1
        else:
            dbapi_connection.close()  # SQLite: the file's connection is gone
            self.fired = True

    def _before_statement(self, conn, cursor, statement, parameters, context, executemany):
        statement = " ".join(statement.split()).upper()
        self.armed = self.armed or statement.startswith(self.FIRST_WRITE)
        if self.armed and statement.startswith(self.point):
            self._lose(cursor.connection)

    def _before_commit(self, conn):
        if self.armed and self.point == "COMMIT":
            self._lose(conn.connection.dbapi_connection)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._before_statement)
        event.listen(self.engine, "commit", self._before_commit)
        return super().__enter__()

    def __exit__(self, *exc):
        super().__exit__(*exc)
        event.remove(self.engine, "before_cursor_execute", self._before_statement)
        event.remove(self.engine, "commit", self._before_commit)


@pytest.fixture
def completing_learner(app, course, make_user, browser):
    """A learner whose next passed quiz completes the course, which issues a certificate."""
    course.certificate = {**course.certificate, "automatic": True}
    course.completion_rules = {"lessons": "none", "quizzes": "all"}
    db.session.commit()
    user = enrolled_learner(course.cohorts[0], email="last@city.example")
    user.certificate_name = user.name
    user.certificate_name_confirmed_at = utcnow()
    db.session.commit()
    assert browser.login(user.email).status_code == 302
    first, *others = [m for m in course.visible_modules() if m.published_quiz is not None]
    for module in others:  # the example course has one quiz; a course with more passes them
        assert take_quiz(browser, course, module).status_code == 302
    assert not db.session.scalar(select(Enrollment.completed_at))
    return user, first


def stored(user):
    """What the database holds of the learner's submission, as one tuple."""
    db.session.expire_all()
    attempt = db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.user_id == user.id).order_by(QuizAttempt.id.desc())
    ).first()
    return {
        "state": attempt.state,
        "score": attempt.score,
        "answers": db.session.scalar(
            select(func.count())
            .select_from(AttemptAnswer)
            .where(AttemptAnswer.attempt_id == attempt.id)
        ),
        "completed": db.session.scalar(
            select(Enrollment.completed_at).where(Enrollment.user_id == user.id)
        )
        is not None,
        "completed_events": db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "enrollment.completed")
        ),
        "certificates": list(
            db.session.scalars(select(Certificate.status).where(Certificate.user_id == user.id))
        ),
        "question_count": attempt.question_count,
    }


def submit_with_a_fault(course, user, module, browser, fault) -> None:
    """Submit the right answers while `fault` (a context manager) breaks the database; then
    check that nothing of it was kept, that the learner saw an error page, and that the same
    form sent again is graded once, whole (the course completed, the certificate issued)."""
    started = browser.post_form(
        f"{quiz_url(course, module)}/attempts", {}, page=quiz_url(course, module)
    )
    assert started.status_code == 302
    attempt_path = started.headers["Location"]
    page = browser.client.get(attempt_path).text
    form = {"csrf_token": browser.token(attempt_path), **answers(page, right=True)}
    before = stored(user)
    assert before["state"] == AttemptState.STARTED

    with fault:
        failed = browser.client.post(attempt_path, data=form)
    assert fault.fired, "the fault never happened during the submission"
    # What the app met is the driver's own error, not one the test raised.
    assert fault.errors and isinstance(fault.errors[0], db.engine.dialect.loaded_dbapi.Error)

    assert failed.status_code == 500
    assert "Something went wrong on our side" in failed.text
    assert "Traceback" not in failed.text and "Error:" not in failed.text
    after = stored(user)
    assert after == before  # absent: nothing of the submission was kept
    assert after["answers"] == 0 and not after["completed"] and after["certificates"] == []

    # The learner sends the same form again, and it is graded once, whole.
    again = browser.client.post(attempt_path, data=form)
    assert again.status_code == 302, again.text
    shown = browser.client.get(attempt_path).text
    assert "You passed." in shown and "100 %: passed" in shown
    done = stored(user)
    assert done["state"] == AttemptState.SUBMITTED and done["score"] == 100
    assert done["answers"] == done["question_count"] > 0
    assert done["completed"] and done["completed_events"] == 1
    assert done["certificates"] == [CertificateStatus.ISSUED]


@pytest.mark.parametrize("point", FAULT_POINTS)
def test_a_submission_cut_off_by_a_lost_connection_is_absent_and_can_be_sent_again(
    app, course, completing_learner, browser, point, request
):
    user, module = completing_learner
    server = request.getfixturevalue("server") if ON_POSTGRESQL else None
    submit_with_a_fault(course, user, module, browser, ConnectionLoss(db.engine, point, server))


class LockedDatabase(Fault):
    """Another writer holds SQLite's write lock when the submission starts writing."""

    def __init__(self, engine):
        super().__init__(engine)
        self.blocker = None

    def _before_statement(self, conn, cursor, statement, parameters, context, executemany):
        if self.fired or not statement.lstrip().upper().startswith("UPDATE QUIZ_ATTEMPTS"):
            return
        self.fired = True
        self.blocker = sqlite3.connect(self.engine.url.database, isolation_level=None)
        self.blocker.execute("BEGIN IMMEDIATE")  # the write lock, until __exit__
        # The app waits for a lock 5 s by default; a shorter wait keeps the test quick.
        cursor.connection.execute("PRAGMA busy_timeout = 100")

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._before_statement)
        return super().__enter__()

    def __exit__(self, *exc):
        super().__exit__(*exc)
        event.remove(self.engine, "before_cursor_execute", self._before_statement)
        if self.blocker is not None:
            self.blocker.rollback()
            self.blocker.close()


@pytest.mark.skipif(ON_POSTGRESQL, reason="SQLite's write lock (PostgreSQL locks rows)")
def test_a_submission_that_meets_a_locked_sqlite_database_is_absent_and_can_be_sent_again(
    app, course, completing_learner, browser
):
    user, module = completing_learner
    submit_with_a_fault(course, user, module, browser, LockedDatabase(db.engine))


def test_a_savepoint_that_is_the_first_write_is_taken_back_by_the_rollback(app):
    """On SQLite too: the row saved in a savepoint first thing goes with the transaction."""
    db.session.commit()  # nothing open: the savepoint is the transaction's first statement
    assert add_unless_duplicate(User(email="first@city.example", name="First", password_hash="x"))
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.email == "first@city.example")) is None
