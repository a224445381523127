"""Production settings: the database pool, Redis, HTTPS, JSON logs, /readyz and gunicorn."""

import json
import logging
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid

import flask_migrate
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import session
from sqlalchemy import create_engine, text

from app import create_app
from app.config import environment_config
from app.core.logging import TextFormatter, request_id
from app.core.security import STRICT_TRANSPORT_SECURITY
from app.extensions import db
from tests.conftest import REPO

pytestmark = pytest.mark.slow  # gunicorn and Redis processes

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"  # only parsed, never reached
REDIS = "redis://127.0.0.1:6379/0"  # likewise
# Real servers, as the rest of the suite finds them (.ci/run sets both).
TEST_POSTGRES = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS = os.environ.get("TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(not TEST_REDIS, reason="set TEST_REDIS_URL to test with Redis")
needs_postgres = pytest.mark.postgres  # skipped by tests/conftest.py without TEST_DATABASE_URL

# Environment variables these tests set or read: cleared so the machine's own do not leak in.
DEPLOY_VARIABLES = [
    "DATABASE_URL",
    "REDIS_URL",
    "RATELIMIT_STORAGE_URI",
    "HTTPS",
    "PUBLIC_URL",
    "TRUSTED_HOSTS",
    "SESSION_COOKIE_SECURE",
    "TRUSTED_PROXIES",
    "LOG_FORMAT",
    "LOG_LEVEL",
    "DATABASE_POOL_SIZE",
    "DATABASE_MAX_OVERFLOW",
    "DATABASE_POOL_RECYCLE",
    "DATABASE_POOL_TIMEOUT",
]


@pytest.fixture
def environment(monkeypatch):
    """The process environment, emptied of deployment settings; tests set what they need."""
    for name in DEPLOY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "deploy-test")
    return monkeypatch


def make_app(tmp_path, **config):
    return create_app(config or None, instance_path=str(tmp_path / "instance"))


# Configuration from the environment


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_hosting_provider_urls_mean_psycopg_3(scheme):
    found = environment_config({"DATABASE_URL": f"{scheme}://u:p@db.example:5432/prod"})
    assert found["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.example:5432/prod"


def test_postgresql_gets_a_checked_bounded_pool_from_the_environment(tmp_path, environment):
    environment.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    environment.setenv("DATABASE_POOL_SIZE", "3")
    environment.setenv("DATABASE_MAX_OVERFLOW", "2")
    environment.setenv("DATABASE_POOL_RECYCLE", "600")
    app = make_app(tmp_path)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == POSTGRES
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {
        "pool_pre_ping": True,
        "pool_size": 3,
        "max_overflow": 2,
        "pool_recycle": 600,
        "pool_timeout": 30,
    }
    with app.app_context():
        from app.extensions import db

        pool = db.engine.pool
        assert pool.size() == 3
        assert pool._max_overflow == 2
        assert pool._pre_ping is True
        assert pool._recycle == 600
        db.engine.dispose()


def test_explicit_engine_options_win_over_the_pool_defaults(tmp_path, environment):
    app = make_app(
        tmp_path,
        SQLALCHEMY_DATABASE_URI=POSTGRES,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "connect_args": {"connect_timeout": 2}},
    )
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_size"] == 1
    assert options["connect_args"] == {"connect_timeout": 2}
    assert options["max_overflow"] == 10 and options["pool_pre_ping"] is True


def test_sqlite_gets_no_pool_options(tmp_path, environment):
    app = make_app(tmp_path)
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {}
    environment.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/other.sqlite")
    environment.setenv("DATABASE_POOL_SIZE", "3")
    assert make_app(tmp_path).config["SQLALCHEMY_ENGINE_OPTIONS"] == {}


@needs_redis
def test_redis_url_sets_the_rate_limit_storage(tmp_path, environment):
    assert make_app(tmp_path).config["RATELIMIT_STORAGE_URI"] == "memory://"
    environment.setenv("REDIS_URL", TEST_REDIS)
    app = make_app(tmp_path)
    assert app.config["REDIS_URL"] == TEST_REDIS
    assert app.config["RATELIMIT_STORAGE_URI"] == TEST_REDIS
    # The limiter really counts in that Redis.
    from app.extensions import limiter

    with app.app_context():
        assert type(limiter.storage).__name__ == "RedisStorage"
        assert limiter.storage.check() is True


def test_an_explicit_rate_limit_storage_wins_over_redis_url(tmp_path, environment):
    environment.setenv("REDIS_URL", REDIS)
    environment.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/5")
    assert make_app(tmp_path).config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/5"


# HTTPS


def _cookies_and_headers(app):
    @app.get("/remember")
    def remember():
        session["seen"] = True
        return "ok"

    client = app.test_client()
    response = client.get("/remember")
    language = client.post("/language", data={"language": "es", "next": "/"})
    return response, language


def test_https_turns_on_secure_cookies_https_urls_and_hsts(tmp_path, environment):
    environment.setenv("HTTPS", "true")
    environment.setenv("PUBLIC_URL", "https://courses.example.org")  # required with HTTPS
    environment.setenv("TRUSTED_HOSTS", "localhost")  # the test client's host
    app = make_app(tmp_path, WTF_CSRF_ENABLED=False)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["PREFERRED_URL_SCHEME"] == "https"
    with app.test_request_context():
        from flask import url_for

        assert url_for("core.healthz", _external=True).startswith("https://")
    response, language = _cookies_and_headers(app)
    assert response.headers["Strict-Transport-Security"] == STRICT_TRANSPORT_SECURITY
    assert STRICT_TRANSPORT_SECURITY == "max-age=31536000; includeSubDomains"
    assert "; Secure" in response.headers["Set-Cookie"]
    assert "; Secure" in language.headers["Set-Cookie"]


def test_without_https_there_is_no_hsts_and_cookies_are_not_secure(tmp_path, environment):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=False)
    assert app.config["HTTPS"] is False
    assert app.config["PREFERRED_URL_SCHEME"] == "http"
    response, language = _cookies_and_headers(app)
    assert "Strict-Transport-Security" not in response.headers
    assert "Secure" not in response.headers["Set-Cookie"]
    assert "Secure" not in language.headers["Set-Cookie"]


# Request ids and JSON logs


@pytest.fixture
def json_logs(environment, capsys):
    """LOG_FORMAT=json for one app; its root handler is taken away again afterwards."""
    environment.setenv("LOG_FORMAT", "json")
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level

    def read() -> list[dict]:
        lines = capsys.readouterr().err.splitlines()
        return [json.loads(line) for line in lines]

    yield read
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def test_each_request_logs_one_json_line_with_the_id_the_response_echoes(tmp_path, json_logs):
    app = make_app(tmp_path, **{"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})
    json_logs()  # whatever starting the app printed
    response = app.test_client().get(
        "/no-such-page?token=secret", environ_base={"REMOTE_ADDR": "203.0.113.9"}
    )
    assert response.status_code == 404
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    [line] = json_logs()
    assert line["request_id"] == request_id
    assert line["level"] == "INFO"
    assert line["logger"] == "app.requests"
    assert line["message"] == "GET /no-such-page 404"
    assert line["method"] == "GET"
    assert line["path"] == "/no-such-page"
    assert line["status"] == 404
    assert line["remote_addr"] == "203.0.113.9"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["time"].endswith("+00:00")
    assert "secret" not in json.dumps(line)
    # Another request, another id.
    assert app.test_client().get("/no-such-page").headers["X-Request-ID"] != request_id


def test_an_error_is_logged_with_its_traceback_and_the_request_id(tmp_path, json_logs):
    app = make_app(tmp_path, **{"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})

    @app.get("/broken")
    def broken():
        raise RuntimeError("the disk is on fire")

    json_logs()
    response = app.test_client().get("/broken")
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    lines = json_logs()
    error = next(line for line in lines if line["level"] == "ERROR")
    assert error["request_id"] == request_id
    assert error["path"] == "/broken"
    assert "RuntimeError: the disk is on fire" in error["exception"]
    assert "Traceback" in error["exception"]
    [access] = [line for line in lines if line["logger"] == "app.requests"]
    assert access["status"] == 500 and access["request_id"] == request_id


def test_text_logs_name_the_request_too(tmp_path, environment):
    app = make_app(tmp_path)
    formatter = TextFormatter("%(levelname)s: %(message)s")
    record = logging.LogRecord("app", logging.ERROR, __file__, 1, "it broke", None, None)
    assert formatter.format(record) == "ERROR: it broke"
    with app.test_request_context("/somewhere"):
        line = formatter.format(record)
        assert line == f"[request {request_id()}] ERROR: it broke"
        assert re.fullmatch(r"[0-9a-f]{32}", request_id())


def test_a_proxy_request_id_is_kept_when_safe_and_replaced_when_not(tmp_path, environment):
    environment.setenv("TRUSTED_PROXIES", "1")
    client = make_app(tmp_path).test_client()
    sent = "3f2a9c1b-7d4e-4a51-9b0e-5c6d7e8f9a0b"
    assert client.get("/healthz", headers={"X-Request-ID": sent}).headers["X-Request-ID"] == sent
    for bad in ["x" * 65, "id with spaces", 'a"b', "é", "a\\nb", "<script>"]:
        echoed = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert echoed != bad
        assert re.fullmatch(r"[0-9a-f]{32}", echoed)


def test_without_a_trusted_proxy_a_sent_request_id_is_not_believed(tmp_path, environment):
    client = make_app(tmp_path).test_client()
    echoed = client.get("/healthz", headers={"X-Request-ID": "chosen-by-client"})
    assert re.fullmatch(r"[0-9a-f]{32}", echoed.headers["X-Request-ID"])


# /readyz


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory):
    """A SQLite file that `flask db upgrade` brought to head (tests use copies of it)."""
    path = tmp_path_factory.mktemp("migrated") / "migrated.sqlite"
    folder = tmp_path_factory.mktemp("migrated-instance")
    app = create_app(
        {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"},
        instance_path=str(folder),
    )
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return path


@pytest.fixture
def migrated_url(migrated_database, tmp_path):
    copy = tmp_path / "copy.sqlite"
    shutil.copyfile(migrated_database, copy)
    return f"sqlite:///{copy}"


NO_WORKER = "never seen (start one: flask worker)"


def readyz(app):
    response = app.test_client().get("/readyz")
    return response.status_code, response.get_json()


def scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(REPO / "migrations"))
    return ScriptDirectory.from_config(config)


def code_head() -> str:
    return scripts().get_current_head()


def test_readyz_is_200_when_the_database_is_migrated(tmp_path, environment, migrated_url):
    environment.setenv("DATABASE_URL", migrated_url)
    status, body = readyz(make_app(tmp_path))
    assert status == 200
    assert body == {
        "status": "ok",
        # A node without a worker still serves (the worker check is reported, not required).
        "checks": {"database": "ok", "migrations": "ok", "worker": NO_WORKER},
        "revisions": {"code": [code_head()], "database": [code_head()]},
    }


@needs_redis
def test_readyz_checks_redis_when_it_is_configured(tmp_path, environment, migrated_url):
    environment.setenv("DATABASE_URL", migrated_url)
    environment.setenv("REDIS_URL", TEST_REDIS)
    status, body = readyz(make_app(tmp_path))
    assert (status, body["checks"]) == (
        200,
        {"database": "ok", "migrations": "ok", "redis": "ok", "worker": NO_WORKER},
    )


def test_readyz_is_503_when_migrations_are_behind(tmp_path, environment, migrated_url):
    environment.setenv("DATABASE_URL", migrated_url)
    app = make_app(tmp_path)
    with app.app_context():
        # As after a deploy of new code, before `flask db upgrade`: the newest migration is to run.
        flask_migrate.downgrade(revision=scripts().get_revision(code_head()).down_revision)
        db.engine.dispose()
    status, body = readyz(app)
    assert status == 503
    assert body["status"] == "error"
    assert body["checks"] == {
        "database": "ok",
        "migrations": "not at head (run flask db upgrade)",
        "worker": "unknown",
    }
    assert body["revisions"]["database"] != body["revisions"]["code"]
    # `flask db upgrade` makes it ready.
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    assert readyz(app)[0] == 200


def test_readyz_is_503_on_a_database_without_migrations(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["migrations"] == "not applied (run flask db upgrade)"
    # The process is alive all the same.
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize(
    "unreachable",
    [
        "sqlite:////nonexistent-folder/gone/db.sqlite",
        "postgresql+psycopg://postgres@127.0.0.1:1/test",
    ],
)
def test_readyz_is_503_when_the_database_does_not_answer(tmp_path, environment, unreachable):
    status, body = readyz(make_app(tmp_path, SQLALCHEMY_DATABASE_URI=unreachable))
    assert status == 503
    assert body["checks"] == {
        "database": "unreachable",
        "migrations": "unknown",
        "worker": "unknown",
    }


def test_readyz_is_503_when_redis_does_not_answer(tmp_path, environment, migrated_url):
    environment.setenv("DATABASE_URL", migrated_url)
    environment.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    status, body = readyz(make_app(tmp_path))
    assert status == 503
    assert body["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "redis": "unreachable",
        "worker": NO_WORKER,
    }


def test_readyz_checks_a_rate_limit_storage_of_its_own(tmp_path, environment, migrated_url):
    environment.setenv("DATABASE_URL", migrated_url)
    environment.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:1/0")
    status, body = readyz(make_app(tmp_path))
    assert status == 503
    assert body["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "rate_limits": "unreachable",
        "worker": NO_WORKER,
    }


@needs_postgres
def test_readyz_on_a_migrated_postgresql_schema(tmp_path, environment):
    schema = f"readyz_{uuid.uuid4().hex[:10]}"
    engine = create_engine(TEST_POSTGRES)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        app = make_app(
            tmp_path,
            SQLALCHEMY_DATABASE_URI=TEST_POSTGRES,
            SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"options": f"-csearch_path={schema}"}},
        )
        assert readyz(app)[1]["checks"]["migrations"] == "not applied (run flask db upgrade)"
        with app.app_context():
            flask_migrate.upgrade()
            db.engine.dispose()
        status, body = readyz(app)
        assert status == 200, body
        with app.app_context():
            db.engine.dispose()
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


# gunicorn, for real


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, headers: dict | None = None):
    """(status, headers, body) of a GET, errors included."""
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def test_gunicorn_serves_the_app_with_json_logs(tmp_path, migrated_url):
    port = free_port()
    environ = {
        **{key: value for key, value in os.environ.items() if key not in DEPLOY_VARIABLES},
        "DATABASE_URL": migrated_url,
        "SECRET_KEY": "gunicorn-test",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "TRUSTED_PROXIES": "1",
        "HTTPS": "true",
        "PUBLIC_URL": "https://courses.example.org",
        "TRUSTED_HOSTS": "127.0.0.1",  # the test fetches the node by its address
    }
    log = tmp_path / "gunicorn.log"
    gunicorn = REPO / ".venv" / "bin" / "gunicorn"
    with log.open("w") as stderr:
        server = subprocess.Popen(
            [str(gunicorn), "-c", "gunicorn.conf.py", "app:create_app()"],
            cwd=REPO,
            env=environ,
            stdout=stderr,
            stderr=stderr,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _headers, body = fetch(f"{base}/healthz")
                break
            except OSError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        assert (status, json.loads(body)) == (200, {"status": "ok", "database": "ok"})
        assert fetch(f"{base}/readyz")[0] == 200

        sent = {
            "X-Request-ID": "edge-7f3a",
            "X-Forwarded-For": "203.0.113.7",
            "X-Forwarded-Proto": "https",
        }
        status, headers, page = fetch(f"{base}/", sent)
        assert status == 200
        assert "Caring Cities" in page and "<html" in page
        assert headers["X-Request-ID"] == "edge-7f3a"
        assert headers["Strict-Transport-Security"] == STRICT_TRANSPORT_SECURITY
        # The page's stylesheet, under its fingerprinted name, is cached for a year.
        stylesheet = re.search(r'href="(/static/css/site\.css\?v=[0-9a-f]{8})"', page)[1]
        status, headers, _body = fetch(f"{base}{stylesheet}")
        assert status == 200
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    [page_line] = [line for line in lines if line.get("request_id") == "edge-7f3a"]
    assert page_line["logger"] == "app.requests"
    assert page_line["status"] == 200
    assert page_line["path"] == "/"
    assert page_line["remote_addr"] == "203.0.113.7"
    assert any(line.get("path") == stylesheet.partition("?")[0] for line in lines)
    # gunicorn's own lines are JSON too: two workers booted, then shut down.
    booted = [line for line in lines if line["message"].startswith("Booting worker")]
    assert len(booted) == 2
    assert all(line["logger"] == "gunicorn.error" for line in booted)
