"""App servers in processes of their own, for tests of several nodes on one database.

`python -m tests.server_process SETTINGS.json` serves the app on a free port of 127.0.0.1 and
prints one JSON line with its address. The settings name the database, the instance folder,
extra configuration (SECRET_KEY, CERTIFICATE_SIGNING_KEY, RATELIMIT_STORAGE_URI...) and whether
this process seeds the database: the first one creates the tables and adds the browser tests'
course and accounts (`tests/browser/server.py`), plus a certificate issued to the holder, whose
id and serial it prints too. With "serve": false it only seeds, prints and exits. SIGTERM
stops a server cleanly.

For the tests: `Visitor`, a browser made of a cookie jar, talks HTTP to any node;
`start_node(...)` starts one such server and waits until it answers /healthz;
`seed_database(...)` seeds without serving; `start_gunicorn_node(...)` runs the app the way
production does, `gunicorn -c gunicorn.conf.py` with several worker processes, built by
`node_app(SETTINGS.json)` from the same settings.
"""

import http.cookiejar
import io
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.clock import travel_from_environment

START_TIMEOUT = 60
CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
REPO = Path(__file__).parent.parent


class Node:
    """A running server process: its address and what its seeding printed."""

    def __init__(self, url: str, process: subprocess.Popen, started: dict, log: Path):
        self.url = url
        self.process = process
        self.started = started
        self.log = log

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Reply:
    def __init__(self, status: int, headers, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body
        self.text = body.decode("utf-8", errors="replace")

    def token(self) -> str:
        match = CSRF_TOKEN.search(self.text)
        assert match, "the page has no CSRF token"
        return match.group(1)


class Visitor:
    """One browser behind the proxy: one cookie jar, whichever node answers."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def open(self, node, path: str, data: dict | None = None, files: dict | None = None) -> Reply:
        headers = {}
        if files:
            fields = MultiDict(data or {})
            for name, (filename, content) in files.items():
                fields.add(name, FileStorage(io.BytesIO(content), filename))
            boundary, body = encode_multipart(fields)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
        else:
            body = None
        request = urllib.request.Request(node.url + path, data=body, headers=headers)  # noqa: S310
        try:
            with self.opener.open(request, timeout=20) as response:
                return Reply(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            with error:
                return Reply(error.code, error.headers, error.read())

    def get(self, node, path: str) -> Reply:
        return self.open(node, path)

    def post(self, node, path: str, data: dict, token: str, files: dict | None = None) -> Reply:
        return self.open(node, path, {"csrf_token": token, **data}, files)

    def login(self, node, account, password: str | None = None):
        """Log in as one of tests/browser/accounts.py's accounts (its password by default)."""
        from tests.browser import accounts

        password = password or accounts.PASSWORD
        token = self.get(node, "/login").token()
        return self.post(node, "/login", {"email": account.email, "password": password}, token)


def read_first_line(process: subprocess.Popen, log: Path) -> str:
    """The first line a test server prints (its address), or its log when it fails to start."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.2)
        if ready:
            line = process.stdout.readline()
            if line:
                return line
        if process.poll() is not None:
            break
    process.kill()
    raise RuntimeError(f"the test server did not start; its log:\n{log.read_text()[-4000:]}")


def wait_healthy(url: str, process: subprocess.Popen | None = None) -> None:
    """Wait until the server at url answers /healthz (or its process has ended)."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline or (process and process.poll() is not None):
                raise
        time.sleep(0.05)


@contextmanager
def serving(module: str, settings_file: Path, log: Path):
    """Run `python -m module SETTINGS.json` until the block ends: yields the process and the
    JSON line it printed first (its "url", and what its seeding made), once it answers.

    The server takes its settings from the file only: no DATABASE_URL, SECRET_KEY... from here.
    """
    with log.open("w", encoding="utf-8") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", module, str(settings_file)],
            cwd=REPO,
            env=server_environment(),
            stdout=subprocess.PIPE,
            stderr=log_file,
            text=True,
        )
    try:
        started = json.loads(read_first_line(process, log))
        wait_healthy(started["url"])
        yield process, started
    finally:
        stop(process, timeout=20)
        process.stdout.close()


def stop(process: subprocess.Popen, timeout: float) -> None:
    """SIGTERM, then SIGKILL if the process has not ended after `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def start_node(folder: Path, name: str, settings: dict):
    """Run one node with these settings (see the module's docstring) until the block ends."""
    folder.mkdir(parents=True, exist_ok=True)
    settings_file = folder / f"{name}.json"
    settings_file.write_text(json.dumps(settings), encoding="utf-8")
    log = folder / f"{name}.log"
    with serving("tests.server_process", settings_file, log) as (process, started):
        yield Node(started["url"], process, started, log)


def server_environment() -> dict:
    """This process's environment, less every variable the app reads its settings from."""
    from app.config import ENVIRONMENT_KEYS

    environment = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT_KEYS}
    environment["PYTHONPATH"] = str(REPO)
    return environment


def seed_database(folder: Path, settings: dict) -> dict:
    """Create the tables and the course, accounts and certificate; what the seeding printed."""
    folder.mkdir(parents=True, exist_ok=True)
    settings_file = folder / "seed.json"
    settings_file.write_text(json.dumps({**settings, "seed": True, "serve": False}), "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "tests.server_process", str(settings_file)],
        cwd=REPO,
        env=server_environment(),
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"seeding failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def start_gunicorn_node(folder: Path, name: str, settings: dict, workers: int = 2):
    """Run the app under gunicorn (the project's gunicorn.conf.py) with `workers` processes."""
    folder.mkdir(parents=True, exist_ok=True)
    settings_file = folder / f"{name}.json"
    settings_file.write_text(json.dumps(settings), encoding="utf-8")
    log = folder / f"{name}.log"
    port = _free_port()
    environment = {
        **server_environment(),
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": str(workers),
        "LOG_FORMAT": "text",
    }
    application = f"tests.server_process:node_app({str(settings_file)!r})"
    with log.open("w", encoding="utf-8") as log_file:
        process = subprocess.Popen(
            [str(REPO / ".venv" / "bin" / "gunicorn"), "-c", "gunicorn.conf.py", application],
            cwd=REPO,
            env=environment,
            stdout=log_file,
            stderr=log_file,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_healthy(url, process)
        except OSError as error:
            raise RuntimeError(
                f"gunicorn did not start; its log:\n{log.read_text()[-4000:]}"
            ) from error
        yield Node(url, process, {}, log)
    finally:
        stop(process, timeout=30)


def _config(settings: dict) -> dict:
    from tests.conftest import TEST_CONFIG

    return {
        **TEST_CONFIG,
        "TESTING": False,
        "SQLALCHEMY_DATABASE_URI": settings["database_url"],
        "SQLALCHEMY_ENGINE_OPTIONS": settings["engine_options"],
        **settings.get("config", {}),
    }


def node_app(settings_path: str):
    """The app of one gunicorn worker, from a settings file (see the module's docstring)."""
    from app import create_app

    travel_from_environment()  # the test run's TEST_CLOCK, if any
    settings = json.loads(Path(settings_path).read_text(encoding="utf-8"))
    return create_app(_config(settings), instance_path=settings["instance_path"])


def _seed(instance_path: Path) -> dict:
    from app.certificates.models import Certificate
    from app.certificates.operations import issue_certificate
    from app.core.types import utcnow
    from app.extensions import db
    from app.learning.models import Enrollment
    from app.models import User
    from tests.browser import accounts
    from tests.browser.server import seed

    seeded = seed(instance_path)
    holder = db.session.scalar(db.select(User).filter_by(email=accounts.HOLDER.email))
    enrollment = db.session.scalar(db.select(Enrollment).filter_by(user_id=holder.id))
    certificate: Certificate = issue_certificate(
        enrollment, actor=None, now=utcnow(), reason="Completed the pilot on paper"
    )
    db.session.commit()
    return {
        **seeded,
        "certificate_id": certificate.id,
        "certificate_serial": certificate.serial,
    }


def main() -> None:
    from app import create_app
    from app.extensions import db

    travel_from_environment()  # the test run's TEST_CLOCK, if any
    settings = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    app = create_app(_config(settings), instance_path=settings["instance_path"])
    seeded = {}
    if settings.get("seed"):
        with app.test_request_context():  # the seeded application's e-mail needs one
            db.create_all()
            seeded = _seed(Path(settings["instance_path"]))
            db.session.remove()
    if not settings.get("serve", True):
        print(json.dumps(seeded), flush=True)
        with app.app_context():
            db.engine.dispose()
        return
    server, url = local_server(app)
    serve_until_terminated(app, server, {"url": url, **seeded})


def local_server(app):
    """A threaded server of the app on a free port of 127.0.0.1, and its address."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    return server, f"http://127.0.0.1:{server.server_port}"


def serve_until_terminated(app, server, announce: dict) -> None:
    """Print `announce` as the first line (what `serving` reads), serve until SIGTERM."""
    from app.extensions import db

    signal.signal(
        signal.SIGTERM, lambda _signal, _frame: threading.Thread(target=server.shutdown).start()
    )
    print(json.dumps(announce), flush=True)
    server.serve_forever()
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()
