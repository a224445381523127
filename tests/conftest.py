"""Fixtures: an app on a real database (SQLite, or PostgreSQL when TEST_DATABASE_URL is set)."""

import contextvars
import os
import shutil
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import time_machine
from flask import has_app_context
from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, event, text

from app import create_app
from app.extensions import db
from tests import factories
from tests.clock import travel_from_environment
from tests.factories import EXAMPLE_COURSE, PASSWORD
from tests.html import csrf_token, page
from tests.open_badges import hold_every_credential_to_the_schema

__all__ = ["EXAMPLE_COURSE", "PASSWORD"]  # imported from here by many test modules

REPO = Path(__file__).parent.parent
TESTS = Path(__file__).parent

# `make test-fast` runs -m "not browser and not slow" (docs/testing.md).
MARKERS = {
    "browser": "drives Chromium against a real server (every test in tests/browser/)",
    "slow": "takes a second or more (migrations, backups, several processes, PDFs)",
    "postgres": "means something only on PostgreSQL: skipped unless TEST_DATABASE_URL is set",
}


def pytest_configure(config):
    """TEST_CLOCK=2027-06-01 runs the suite at that date (docs/testing.md); a typo stops it.
    Every credential signed in the run is held to the OB 3.0 schema (tests/open_badges.py)."""
    for name, meaning in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {meaning}")
    hold_every_credential_to_the_schema()
    try:
        travel_from_environment()
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None


def pytest_collection_modifyitems(config, items):
    """Mark the browser tests by their folder; skip the PostgreSQL ones on SQLite."""
    on_postgresql = bool(os.environ.get("TEST_DATABASE_URL"))
    for item in items:
        if (TESTS / "browser") in item.path.parents:
            item.add_marker(pytest.mark.browser)
        if not on_postgresql and item.get_closest_marker("postgres"):
            item.add_marker(
                pytest.mark.skip(reason="set TEST_DATABASE_URL to a PostgreSQL database")
            )


# The example course's dates are fixed (tests/data/example_course/course.yaml): its
# applications are open and none of its sessions has begun at this moment.
BEFORE_EXAMPLE_COHORT = datetime(2027, 1, 15, 9, tzinfo=UTC)


@pytest.fixture
def before_example_cohort():
    """The clock at BEFORE_EXAMPLE_COHORT (and ticking), for pages that read it themselves."""
    with time_machine.travel(BEFORE_EXAMPLE_COHORT, tick=True):
        yield BEFORE_EXAMPLE_COHORT


class Database:
    """Where one test run keeps its data: a SQLite file or a PostgreSQL schema of its own."""

    def __init__(self, url: str, engine_options: dict):
        self.url = url
        self.engine_options = engine_options

    def config(self) -> dict:
        return {
            "SQLALCHEMY_DATABASE_URI": self.url,
            "SQLALCHEMY_ENGINE_OPTIONS": self.engine_options,
        }


def _postgres_schema(server_url: str, name: str) -> Database:
    engine = create_engine(server_url)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    engine.dispose()
    return Database(server_url, {"connect_args": {"options": f"-csearch_path={name}"}})


def _drop_postgres_schema(server_url: str, name: str) -> None:
    engine = create_engine(server_url)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session")
def make_database(tmp_path_factory):
    """Make empty databases of the kind under test; they are dropped at the end of the run."""
    server_url = os.environ.get("TEST_DATABASE_URL")
    schemas = []

    def make() -> Database:
        if not server_url:
            path = tmp_path_factory.mktemp("db") / "test.sqlite"
            return Database(f"sqlite:///{path}", {})
        name = f"test_{uuid.uuid4().hex[:12]}"
        schemas.append(name)
        return _postgres_schema(server_url, name)

    yield make
    for name in schemas:
        _drop_postgres_schema(server_url, name)


@pytest.fixture(scope="session")
def database(make_database):
    """The run's shared database, with every table created once."""
    found = make_database()
    app = create_app({"TESTING": True, "SECRET_KEY": "test", **found.config()})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return found


# Real scrypt at a lower cost, so that tests can create hundreds of accounts; the production
# cost is checked in tests/test_accounts.py.
TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    # Links in mails and calendars come from here, never from the request's Host (which the
    # test client sends as `localhost`): tests/test_public_links.py sends another one.
    "PUBLIC_URL": "http://localhost",
    # Jobs run in the process when they are queued, so a mail is in the outbox once the
    # request that wrote it has answered; tests/test_jobs.py runs real workers.
    "JOBS_IMMEDIATE": True,
}


class SharedTemplateCode(BytecodeCache):
    """The compiled templates, shared by the apps of one test process.

    Each test makes an app of its own, and each app would compile again every template it
    renders (a tenth of a second a test, more than many tests take). The cache is keyed by
    the template's name and the checksum of its source, so an edited template is compiled
    anew.
    """

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        found = self.code.get(bucket.key)
        if found is not None:
            bucket.bytecode_from_string(found)

    def dump_bytecode(self, bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = SharedTemplateCode()


def make_test_app(config: dict, instance_path: str):
    """An app as the tests make it: `config` over TEST_CONFIG, the shared template code."""
    made = create_app({**TEST_CONFIG, **config}, instance_path=instance_path)
    made.jinja_env.bytecode_cache = TEMPLATE_CODE
    made.test_client_class = FreshContextClient
    return made


@pytest.fixture
def app_config() -> dict:
    """Settings a test module may extend (by overriding this fixture) before the app is made."""
    return {}


@pytest.fixture
def app(database, tmp_path, app_config):
    app = make_test_app({**database.config(), **app_config}, str(tmp_path / "instance"))
    factories.restart_numbering()
    with app.app_context():
        yield app
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


class FreshContextClient(FlaskClient):
    """Runs each request in an application context of its own, as a server does.

    The `app` fixture keeps a context open for the test's own database work; without this,
    requests would share its `g` (and so Flask-Login's cached user and Flask-WTF's token) and
    its database session, which hides bugs a real server would show. Responses are read
    whole inside the request's context (streamed ones too), and afterwards the test's session
    forgets what it had loaded, so the test sees what the request stored.
    """

    def open(self, *args, **kwargs):
        kwargs["buffered"] = True
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()
        return response


@contextmanager
def separate_app(config: dict, instance_path: str):
    """A second app (another process, a proxy setting) beside the test's own; closed after."""
    other = make_test_app(config, instance_path)
    try:
        yield other
    finally:
        with other.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def example_copy(tmp_path) -> Path:
    """A copy of the example course that a test may change."""
    target = tmp_path / "course"
    shutil.copytree(EXAMPLE_COURSE, target)
    return target


@pytest.fixture
def imported_example(app):
    """The example course, imported into the database."""
    return factories.import_example()


# The example course and the people around it, as most tests need them. A module that needs
# another variant overrides the fixture with one built from the same factory
# (tests/factories.py), e.g. `def teacher(course): return make_instructor(course, name=...)`.


@pytest.fixture
def course(imported_example):
    """The example course (the name most tests use for it)."""
    return imported_example


@pytest.fixture
def spring(course):
    """The example course's own cohort, Spring 2027 (its dates are fixed: March to April 2027)."""
    return factories.cohort_of(course, "2027-spring")


@pytest.fixture
def cohort(course):
    """A second cohort of the example course, open for applications now (by approval)."""
    return factories.make_cohort(course, "autumn", title="Autumn cohort")


@pytest.fixture
def quiz_module(course):
    """The example course's first module with a quiz."""
    return factories.quiz_module(course)


@pytest.fixture
def quiz(course):
    """The example quiz with no waiting time and no attempt limit, to take it again at once."""
    return factories.retakeable_quiz(course)


@pytest.fixture
def admin(app):
    """Ada Admin, admin@city.example."""
    return factories.make_admin()


@pytest.fixture
def teacher(course):
    """An instructor of the example course, teacher@city.example."""
    return factories.make_instructor(course)


@pytest.fixture
def learner(cohort, browser):
    """A learner of `cohort` (lea@city.example), logged in with `browser`."""
    user = factories.enrolled_learner(cohort)
    assert browser.login(user.email).status_code == 302
    return user


@pytest.fixture
def lea(spring):
    """Lea Kim, a learner of Spring 2027 who lives in Seoul."""
    return factories.enrolled_learner(spring, time_zone="Asia/Seoul", name="Lea Kim")


class QueryCounter:
    """Counts the SQL statements the app sends while it is active."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    return lambda: QueryCounter(db.engine)


@pytest.fixture
def make_user(app):
    """factories.make_user: an account made by the real operation (password PASSWORD)."""
    return factories.make_user


@pytest.fixture
def make_cohort(app):
    """factories.make_cohort: a cohort with its application window relative to now."""
    return factories.make_cohort


def without_tokens(response_or_html) -> str:
    """A page's HTML, exactly, but for its CSRF tokens: they are signed with the second they
    were made, so two fetches a second apart differ there."""
    html = response_or_html
    if hasattr(html, "get_data"):
        html = html.get_data(as_text=True)
    elif isinstance(html, bytes):
        html = html.decode()
    for field in page(html).select('input[name="csrf_token"]'):
        html = html.replace(field["value"], "")
    return html


class Browser:
    """The test client used the way a person uses the site: pages first, then their forms."""

    def __init__(self, client):
        self.client = client

    def token(self, page: str = "/login") -> str:
        return csrf_token(self.client.get(page))

    def post_form(self, url: str, data: dict, page: str | None = None, **kwargs):
        """POST a form with the CSRF token taken from the page that shows it."""
        return self.client.post(url, data={"csrf_token": self.token(page or url), **data}, **kwargs)

    def login(
        self, email: str, password: str = PASSWORD, remember: bool = False, next=None, **kwargs
    ):
        url = "/login" + (f"?next={next}" if next else "")
        data = {"email": email, "password": password}
        if remember:
            data["remember"] = "y"
        return self.post_form(url, data, page="/login", **kwargs)

    def logout(self):
        return self.post_form("/logout", {}, page="/dashboard")


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)


@pytest.fixture
def logged_in(app):
    """Log a person in on a client of their own: `logged_in(user)` is a Browser."""

    def log_in(user) -> Browser:
        browser = Browser(app.test_client())
        assert browser.login(user.email).status_code == 302
        return browser

    return log_in


@pytest.fixture
def admin_browser(logged_in, admin) -> Browser:
    return logged_in(admin)


@pytest.fixture
def teacher_browser(logged_in, teacher) -> Browser:
    return logged_in(teacher)


@pytest.fixture
def lea_browser(logged_in, lea) -> Browser:
    return logged_in(lea)


@pytest.fixture
def instructor_reading(app, imported_example):
    """Log in an instructor of the example course whose profile is in the given language."""

    def log_in(language: str) -> Browser:
        teacher = factories.make_instructor(
            imported_example, email=f"teacher-{language}@city.example", preferred_language=language
        )
        browser = Browser(app.test_client())
        browser.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        assert browser.login(teacher.email).status_code == 302
        return browser

    return log_in


@pytest.fixture
def outbox(app):
    """The messages written to instance/outbox/ (no MAIL_SERVER in tests), oldest first."""

    def read():
        folder = Path(app.instance_path) / "outbox"
        if not folder.exists():
            return []
        return [
            message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(folder.glob("*.eml"))
        ]

    return read
