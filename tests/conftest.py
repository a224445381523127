"""Fixtures: an app on a real database (SQLite, or PostgreSQL when TEST_DATABASE_URL is set)."""

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text

from app import create_app
from app.catalog.content.reader import read_course
from app.catalog.operations import import_course
from app.extensions import db

EXAMPLE_COURSE = Path(__file__).parent / "data" / "example_course"
REPO = Path(__file__).parent.parent


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


@pytest.fixture
def app(database, tmp_path):
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "test-secret", **database.config()},
        instance_path=str(tmp_path / "instance"),
    )
    with app.app_context():
        yield app
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()
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
    source, problems = read_course(EXAMPLE_COURSE)
    assert problems == []
    course, _report = import_course(source)
    db.session.commit()
    return course


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
