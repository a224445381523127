"""Run the benchmarks: `python -m bench.run` (after `python -m bench.seed`); `make bench` does both.

For each page, wrk drives the app under gunicorn (one sync worker), then a raw WSGI app that
returns the same bytes through the same gunicorn settings; the table gives both rates, their
ratio, p50 and p99, and whether the issue's target is met. Then in-process timings (the
certificate PDF, grading), 50 concurrent learners submitting quizzes, and bench/RESULTS.md.

Settings (environment): BENCH_DATABASE_URL, BENCH_SECONDS (per wrk run, default 8),
BENCH_CONNECTIONS (default 4), BENCH_LOAD_SECONDS (default 60), BENCH_LOAD_USERS (default 50).
"""

import base64
import json
import math
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import timeit
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

import jwt
import requests
from flask import session
from flask_login import login_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import func, select

from app.accounts.models import User
from app.catalog.models import Course, Lesson, Module
from app.certificates.addresses import verify_url
from app.certificates.credential import sign_certificate
from app.certificates.keys import active_key
from app.certificates.models import Certificate
from app.certificates.pdf import render_certificate_pdf
from app.extensions import db
from app.quizzes.grading import field_name, grade, read_answers
from app.quizzes.models import AttemptAnswer, AttemptState, QuizAttempt
from app.quizzes.operations import answer_keys, attempt_questions
from bench import common
from bench.seed import INSTRUCTOR_EMAIL, learner_email

ROOT = common.BENCH.parent
BIN = Path(sys.executable).parent
USER_AGENT = "bench"
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))
LOAD_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
LOAD_USERS = int(os.environ.get("BENCH_LOAD_USERS", "50"))
# Headers the raw app must not replay as they were (gunicorn writes its own).
HOP_HEADERS = {"date", "server", "connection", "transfer-encoding", "keep-alive"}


@dataclass
class Page:
    name: str
    path: str
    pattern: str  # what raw_app matches the path with
    cookie: str | None = None
    target_ratio: float | None = None  # the app's rate at least this share of the baseline's
    target_p99_ms: float | None = None
    target_p50_ms: float | None = None  # for the report page: "under 300 ms"
    connections: int = CONNECTIONS
    lua: str = ""  # a request() function, for pages that are not one fixed GET
    results: dict = field(default_factory=dict)


# --- sessions ---------------------------------------------------------------------------


def session_cookie(app, user) -> tuple[str, str]:
    """A logged-in session cookie for wrk's requests, and the CSRF token for its forms.

    Made the way a login makes it (Flask-Login's identifier for 127.0.0.1 and wrk's user
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


# --- servers ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_settings() -> tuple[list[str], str]:
    """The project's gunicorn.conf.py when there is one, always with one sync worker."""
    conf = ROOT / "gunicorn.conf.py"
    options = ["--workers", "1", "--worker-class", "sync", "--threads", "1"]
    if conf.exists():
        return ["-c", str(conf), *options], f"gunicorn.conf.py, overridden: {' '.join(options)}"
    return ["-c", "/dev/null", *options], f"command line: {' '.join(options)}"


class Server:
    def __init__(self, module: str, env: dict, log: Path):
        self.port = free_port()
        options, _description = gunicorn_settings()
        self.log_path = log
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), *options, "--bind", f"127.0.0.1:{self.port}", module],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + "/__bench_ready__", timeout=2)
                return
            except requests.ConnectionError:
                if self.process.poll() is not None:
                    raise SystemExit(f"gunicorn {module} did not start: see {log}") from None
                time.sleep(0.2)
        raise SystemExit(f"gunicorn {module} did not answer in 30 s: see {log}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


# --- wrk --------------------------------------------------------------------------------


def _milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(output: str) -> dict:
    found = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "p50": _milliseconds(re.search(r"\s50%\s+(\S+)", output).group(1)),
        "p99": _milliseconds(re.search(r"\s99%\s+(\S+)", output).group(1)),
        "non_2xx_3xx": 0,
        "socket_errors": 0,
    }
    if bad := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        found["non_2xx_3xx"] = int(bad.group(1))
    if errors := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        found["socket_errors"] = sum(int(n) for n in errors.groups())
    return found


def server_times(log: Path, started: float, ended: float) -> dict:
    """The app's own time for the requests it logged between two moments (its JSON request
    log's duration_ms): latency without the connection set-up that wrk's figures include."""
    durations = []
    for line in log.read_text(encoding="utf-8").splitlines():
        if '"duration_ms"' not in line:
            continue
        entry = json.loads(line)
        at = datetime.fromisoformat(entry["time"]).timestamp()
        if started <= at <= ended:
            durations.append(entry["duration_ms"])
    if not durations:
        return {"count": 0, "p50": 0.0, "p99": 0.0}
    durations.sort()
    return {
        "count": len(durations),
        "p50": durations[len(durations) // 2],
        "p99": durations[min(len(durations) - 1, math.ceil(len(durations) * 0.99) - 1)],
    }


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk(url: str, page: Page, work: Path) -> dict:
    script = work / f"{re.sub(r'[^a-z0-9]+', '-', page.name.lower()).strip('-')}.lua"
    lines = [f"wrk.headers[{lua_string('User-Agent')}] = {lua_string(USER_AGENT)}"]
    if page.cookie:
        lines.append(f'wrk.headers["Cookie"] = {lua_string(page.cookie)}')
    script.write_text("\n".join(lines) + "\n" + page.lua, encoding="utf-8")
    command = [
        "wrk",
        "-t1",
        f"-c{page.connections}",
        f"-d{SECONDS}s",
        "--timeout",
        "30s",
        "--latency",
    ]
    output = subprocess.run(
        [*command, "-s", str(script), url + page.path],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_wrk(output)


# --- the pages --------------------------------------------------------------------------


def capture(url: str, page: Page) -> dict:
    """The app's response to the page, for the raw app to replay."""
    headers = {"User-Agent": USER_AGENT}
    if page.cookie:
        headers["Cookie"] = page.cookie
    response = requests.get(url + page.path, headers=headers, allow_redirects=False, timeout=60)
    if response.status_code != 200:
        raise SystemExit(f"{page.name}: {page.path} answered {response.status_code}")
    return replayable(response, page.pattern)


def replayable(response: requests.Response, pattern: str) -> dict:
    """A response as raw_app replays it for paths matching `pattern`."""
    return {
        "pattern": pattern,
        "status": f"{response.status_code} {response.reason}",
        "headers": [
            (name, value)
            for name, value in response.raw.headers.items()
            if name.lower() not in HOP_HEADERS
        ],
        "body": base64.b64encode(response.content).decode(),
    }


def quiz_submissions(app, users: list[User], course: Course) -> tuple[str, bytes, dict]:
    """A Lua request() that submits, in turn, the open attempts of many learners.

    Each attempt can be graded once, so a realistic repeated POST is many learners each
    submitting their own: the seeded pool has one open attempt per learner and quiz, and
    the script never posts the same one twice (until the pool runs out: then the app's 409s
    show as non-2xx responses). Also returns one submission for the raw app's capture.
    """
    modules = {module.quiz.id: module.slug for module in course.modules if module.quiz}
    entries = []
    for user in users:
        cookie, token = session_cookie(app, user)
        for attempt in db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user.id, QuizAttempt.state == AttemptState.STARTED)
            .order_by(QuizAttempt.quiz_id)
        ):
            form = [("csrf_token", token)]
            for item in attempt.layout:  # the second choice: the right one, in the seed
                form.append((field_name(item["question"]), str(item["choices"][1])))
            path = f"/courses/{course.slug}/quizzes/{modules[attempt.quiz_id]}/attempts/1"
            entries.append((path, cookie, urlencode(form)))
    # Interleave learners, so that consecutive requests come from different people.
    entries.sort(key=lambda entry: (entry[0], entry[1]))
    rows = ",\n".join(
        "{" + ", ".join(lua_string(part) for part in entry) + "}" for entry in entries
    )
    lua = f"""
local entries = {{
{rows}
}}
local i = START
request = function()
  i = i + 1
  local e = entries[((i - 1) % #entries) + 1]
  return wrk.format("POST", e[1], {{
    ["Cookie"] = e[2],
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["User-Agent"] = "{USER_AGENT}",
  }}, e[3])
end
"""
    return lua, entries[-1], {"pool": len(entries)}


def starting_at(lua: str, start: int) -> str:
    """The submissions' script, from the START-th attempt of the pool on: a second run must not
    post attempts that the first one submitted."""
    return lua.replace("local i = START", f"local i = {start}")


def capture_post(url: str, entry: tuple[str, str, str], pattern: str) -> dict:
    """The app's answer to one quiz submission (a redirect to the results), for the raw app."""
    path, cookie, body = entry
    response = requests.post(
        url + path,
        data=body,
        headers={
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": USER_AGENT,
        },
        allow_redirects=False,
        timeout=60,
    )
    if response.status_code != 302:
        raise SystemExit(f"quiz submission answered {response.status_code}")
    return replayable(response, pattern)


# --- in-process timings -----------------------------------------------------------------


def in_process(app) -> dict:
    """Per call, in milliseconds: the best of 5 and the median, for the PDF and grading."""
    found = {}
    with app.test_request_context():
        certificate = db.session.scalars(
            select(Certificate).where(Certificate.serial.is_not(None)).limit(1)
        ).one()
        address = verify_url(certificate.serial)
        render_certificate_pdf(certificate, address)  # fonts loaded once per process
        runs = timeit.repeat(
            lambda: render_certificate_pdf(certificate, address), number=5, repeat=5
        )
        found["certificate PDF"] = [run / 5 * 1000 for run in runs]
        # Signing both forms, against the VC-JWT alone as the baseline of the same run.
        signed_at = certificate.issued_at
        token = certificate.credential_jwt
        key = active_key()
        payload = jwt.decode(token, options={"verify_signature": False})
        runs = timeit.repeat(
            lambda: sign_certificate(certificate, now=signed_at), number=5, repeat=5
        )
        found["credential signing, both forms"] = [run / 5 * 1000 for run in runs]
        runs = timeit.repeat(
            lambda: jwt.encode(payload, key.private_key, algorithm="EdDSA"), number=50, repeat=5
        )
        found["credential signing, VC-JWT alone"] = [run / 50 * 1000 for run in runs]
        db.session.rollback()
        attempt = db.session.scalars(
            select(QuizAttempt).where(QuizAttempt.state == AttemptState.SUBMITTED).limit(1)
        ).one()
        keys = answer_keys(attempt_questions(attempt))
        form = {field_name(key.question_id): [str(key.choice_ids[1])] for key in keys}
        runs = timeit.repeat(
            lambda: grade(keys, read_answers(keys, form), 70), number=1000, repeat=5
        )
        found["grading (read + grade, 5 questions)"] = [run / 1000 * 1000 for run in runs]
    return {name: (min(runs), statistics.median(runs)) for name, runs in found.items()}


# --- end-to-end timings of the report ---------------------------------------------------


def timed_get(url: str, cookie: str, repeat: int) -> tuple[list[float], int]:
    times, size = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = requests.get(
            url, headers={"Cookie": cookie, "User-Agent": USER_AGENT}, timeout=120
        )
        size = len(response.content)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return times, size


# --- 50 concurrent learners -------------------------------------------------------------


ANSWER_INPUT = re.compile(r'name="(q-\d+)"[^>]*value="(\d+)"')


def load_test(url: str, app, users: list[User], course: Course, seconds: int, workers: int):
    """`workers` learners at a time start and submit quizzes through the pages for `seconds`.

    Each thread takes the next (learner, quiz) from a shared list: start an attempt (POST),
    open it (GET), submit answers (POST). Returns the counts seen by the clients.
    """
    tasks = []
    for user in users:
        cookie, token = session_cookie(app, user)
        for module in course.modules:
            if module.quiz:
                tasks.append((cookie, token, module.slug))
    lock = threading.Lock()
    counts = {"submitted": 0, "5xx": 0, "other": 0, "errors": 0, "requests": 0}
    statuses: dict[int, int] = {}
    deadline = time.monotonic() + seconds
    position = iter(tasks)

    def count(name: str, n: int = 1) -> None:
        with lock:
            counts[name] += n

    def note(response) -> bool:
        with lock:
            counts["requests"] += 1
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            count("5xx")
            return False
        return True

    def learner() -> None:
        client = requests.Session()
        client.headers["User-Agent"] = USER_AGENT
        while time.monotonic() < deadline:
            with lock:
                task = next(position, None)
            if task is None:
                return
            cookie, token, module_slug = task
            base = f"{url}/courses/{course.slug}/quizzes/{module_slug}/attempts"
            headers = {"Cookie": cookie}
            try:
                started = client.post(
                    base,
                    data={"csrf_token": token},
                    headers=headers,
                    allow_redirects=False,
                    timeout=120,
                )
                if not note(started) or started.status_code != 302:
                    count("other")
                    continue
                page = client.get(base + "/1", headers=headers, timeout=120)
                if not note(page) or page.status_code != 200:
                    count("other")
                    continue
                answers = {}
                for name, value in ANSWER_INPUT.findall(page.text):
                    answers.setdefault(name, value)
                submitted = client.post(
                    base + "/1",
                    data={"csrf_token": token, **answers},
                    headers=headers,
                    allow_redirects=False,
                    timeout=120,
                )
                if not note(submitted):
                    continue
                if submitted.status_code == 302:
                    count("submitted")
                else:
                    count("other")
            except requests.RequestException:
                count("errors")

    threads = [threading.Thread(target=learner) for _ in range(workers)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counts["seconds"] = round(time.monotonic() - started, 1)
    counts["statuses"] = dict(sorted(statuses.items()))
    with app.app_context():
        ids = [user.id for user in users]
        counts["stored"] = db.session.scalar(
            select(func.count(QuizAttempt.id)).where(
                QuizAttempt.user_id.in_(ids), QuizAttempt.state == AttemptState.SUBMITTED
            )
        )
        counts["stored_answers"] = db.session.scalar(
            select(func.count(AttemptAnswer.id))
            .join(QuizAttempt, AttemptAnswer.attempt_id == QuizAttempt.id)
            .where(QuizAttempt.user_id.in_(ids))
        )
    return counts


# --- the report -------------------------------------------------------------------------


def machine() -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        line.split(":", 1)[1].strip()
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    versions = []
    for package in ("flask", "sqlalchemy", "gunicorn", "psycopg"):
        try:
            from importlib.metadata import version

            versions.append(f"{package} {version(package)}")
        except Exception:  # noqa: S112 (not installed)
            continue
    try:
        wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
        wrk_version = wrk.split("\n")[0]
    except FileNotFoundError:  # bench/scheduler.py runs without it
        wrk_version = "wrk: not installed"
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores (`nproc`), shared with other work while it ran",
        f"- RAM: {memory}",
        f"- {platform.platform()}; Python {platform.python_version()}; {', '.join(versions)}",
        f"- {wrk_version.strip()}",
    ]


def own_p99(times: dict) -> str:
    """The app's own p99 for the table; a dash for requests it does not log (/healthz)."""
    return f"{times['p99']:.1f}" if times["count"] else "—"


def verdict(ok: bool | None) -> str:
    return "" if ok is None else ("met" if ok else "MISSED")


def sample_rows() -> tuple[Course, Lesson, User, str]:
    """The seeded course, its first lesson, a learner with history, a certificate's serial."""
    course = db.session.scalars(select(Course).where(Course.slug == common.COURSE_SLUG)).one()
    first_lesson = db.session.scalars(
        select(Lesson).join(Module).order_by(Module.position, Lesson.position).limit(1)
    ).one()
    learner = db.session.scalars(select(User).where(User.email == learner_email(5))).one()
    serial = db.session.scalars(
        select(Certificate.serial).where(Certificate.serial.is_not(None)).limit(1)
    ).one()
    return course, first_lesson, learner, serial


def main() -> None:
    work = common.DATA / "run"
    work.mkdir(parents=True, exist_ok=True)
    if subprocess.run(["which", "wrk"], capture_output=True).returncode != 0:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    database = "PostgreSQL" if common.is_postgres() else "SQLite"
    app = common.make_app()
    with app.app_context():
        course, first_lesson, learner, serial = sample_rows()
        instructor = db.session.scalars(select(User).where(User.email == INSTRUCTOR_EMAIL)).one()
        learner_cookie, _token = session_cookie(app, learner)
        instructor_cookie, _token = session_cookie(app, instructor)
        history = common.LEARNERS - common.SUBMITTERS - common.LOAD_LEARNERS
        emails = [learner_email(i) for i in range(history + common.LOAD_LEARNERS, common.LEARNERS)]
        submitters = db.session.scalars(select(User).where(User.email.in_(emails))).all()
        quiz_lua, quiz_entry, quiz_info = quiz_submissions(app, submitters, course)
        load_emails = [learner_email(i) for i in range(history, history + common.LOAD_LEARNERS)]
        load_users = db.session.scalars(select(User).where(User.email.in_(load_emails))).all()
        if quiz_info["pool"] < common.SUBMITTERS * common.MODULES or db.session.scalar(
            select(func.count(QuizAttempt.id)).where(
                QuizAttempt.user_id.in_([user.id for user in load_users])
            )
        ):
            raise SystemExit("the data set has been benchmarked already: run python -m bench.seed")
        db.session.expunge_all()
    report_path = f"/author/{course.slug}/cohorts/{common.COHORT_SLUG}/progress"
    pages = [
        Page(
            "lesson",
            f"/courses/{course.slug}/lessons/{first_lesson.slug}",
            r"/courses/[^/]+/lessons/[^/]+",
            learner_cookie,
            0.30,
        ),
        Page("course home", f"/courses/{course.slug}", r"/courses/[^/]+", learner_cookie, 0.20),
        Page("dashboard", "/dashboard", r"/dashboard", learner_cookie, 0.20),
        Page(
            "quiz submission (POST)",
            quiz_entry[0],
            r"/courses/[^/]+/quizzes/[^/]+/attempts/\d+",
            None,
            0.15,
            target_p99_ms=50,
            lua=starting_at(quiz_lua, 0),
        ),
        # The same at one connection: each request's own time, without waiting behind others.
        Page(
            "quiz submission (POST), 1 connection",
            quiz_entry[0],
            r"/courses/[^/]+/quizzes/[^/]+/attempts/\d+",
            None,
            target_p99_ms=50,
            connections=1,
            lua=starting_at(quiz_lua, quiz_info["pool"] // 2),
        ),
        Page("public verification", f"/verify/{serial}", r"/verify/[^/.]+", None, 0.50),
        # The cheapest request through the whole app (one SELECT 1): what any page costs.
        Page("floor: /healthz", "/healthz", r"/healthz", None),
        Page(
            "report page (100 rows)",
            report_path,
            r"/author/[^/]+/cohorts/[^/]+/progress",
            instructor_cookie,
            target_p50_ms=300,
            connections=1,
        ),
    ]
    _options, gunicorn_description = gunicorn_settings()
    env = {"BENCH_DATABASE_URL": common.database_url()}
    print(
        f"== {database}: gunicorn with {gunicorn_description}; wrk -t1 -c{CONNECTIONS} "
        f"-d{SECONDS}s per run",
        flush=True,
    )
    app_server = Server("bench.wsgi:app", env, work / "gunicorn-app.log")
    try:
        captured = []
        for page in pages:
            if any(page.pattern == response["pattern"] for response in captured):
                continue  # a second run of a page
            if page.lua:
                captured.append(capture_post(app_server.url, quiz_entry, page.pattern))
            else:
                captured.append(capture(app_server.url, page))
        csv_path = report_path.replace("/progress", "/progress.csv")
        csv_page = Page(
            "report CSV", csv_path, r"/author/[^/]+/cohorts/[^/]+/progress\.csv", instructor_cookie
        )
        captured.insert(0, capture(app_server.url, csv_page))  # before the page's pattern
        responses = work / "raw-responses.json"
        responses.write_text(json.dumps(captured), encoding="utf-8")
        raw_server = Server(
            "bench.raw_app:app", {"BENCH_RAW_RESPONSES": str(responses)}, work / "gunicorn-raw.log"
        )
        try:
            for page in pages:
                started = time.time()
                page.results["app"] = wrk(app_server.url, page, work)
                page.results["server"] = server_times(app_server.log_path, started, time.time())
                page.results["raw"] = wrk(raw_server.url, page, work)
                app_r, raw_r = page.results["app"], page.results["raw"]
                own = page.results["server"]
                print(
                    f"  {page.name}: app {app_r['rps']:.0f} req/s, raw {raw_r['rps']:.0f} "
                    f"req/s, p50 {app_r['p50']:.1f} ms, p99 {app_r['p99']:.1f} ms "
                    f"(raw {raw_r['p99']:.1f} ms; the app's own {own['p99']:.1f} ms over "
                    f"{own['count']} logged), "
                    f"non-2xx/3xx {app_r['non_2xx_3xx']}",
                    flush=True,
                )
            csv_times, csv_size = timed_get(app_server.url + csv_path, instructor_cookie, 3)
            raw_csv_times, _size = timed_get(raw_server.url + csv_path, instructor_cookie, 3)
        finally:
            raw_server.stop()
        timings = in_process(app)
        print(f"  in-process: {timings}", flush=True)
        print(
            f"  {LOAD_USERS} concurrent learners submitting quizzes for {LOAD_SECONDS} s...",
            flush=True,
        )
        load = load_test(app_server.url, app, load_users, course, LOAD_SECONDS, LOAD_USERS)
        print(f"  {load}", flush=True)
    finally:
        app_server.stop()

    rows = [
        "| page | app req/s | raw req/s | ratio | p50 ms | p99 ms | raw p99 ms | app's own p99 ms "
        "| target | |",
        "|---|--:|--:|--:|--:|--:|--:|--:|---|---|",
    ]
    for page in pages:
        app_r, raw_r = page.results["app"], page.results["raw"]
        ratio = app_r["rps"] / raw_r["rps"] if raw_r["rps"] else 0
        has_target = any(
            target is not None
            for target in (page.target_ratio, page.target_p99_ms, page.target_p50_ms)
        )
        targets, ok = [], (True if has_target else None)
        if page.target_ratio is not None:
            targets.append(f"ratio ≥ {page.target_ratio:.0%}")
            ok &= ratio >= page.target_ratio
        if page.target_p99_ms is not None:
            # The app's own: wrk's p99 is the loopback's (see the raw app's) on this machine.
            targets.append(f"app's own p99 < {page.target_p99_ms:.0f} ms")
            ok &= 0 < page.results["server"]["p99"] < page.target_p99_ms
        if page.target_p50_ms is not None:
            targets.append(f"p50 < {page.target_p50_ms:.0f} ms")
            ok &= app_r["p50"] < page.target_p50_ms
        if app_r["non_2xx_3xx"] or app_r["socket_errors"]:
            targets.append(
                f"{app_r['non_2xx_3xx']} non-2xx/3xx, {app_r['socket_errors']} socket errors"
            )
            ok = False
        rows.append(
            f"| {page.name} | {app_r['rps']:.1f} | {raw_r['rps']:.1f} | {ratio:.1%} | "
            f"{app_r['p50']:.1f} | {app_r['p99']:.1f} | {raw_r['p99']:.1f} | "
            f"{own_p99(page.results['server'])} | "
            f"{'; '.join(targets)} | {verdict(ok)} |"
        )
    csv_ms = statistics.median(csv_times)
    pdf_best, pdf_median = timings["certificate PDF"]
    grade_best, grade_median = timings["grading (read + grade, 5 questions)"]
    _sign_best, sign_median = timings["credential signing, both forms"]
    _jwt_best, jwt_median = timings["credential signing, VC-JWT alone"]
    lost = load["submitted"] - load["stored"]
    lines = [
        f"## {database}",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {common.LEARNERS} learners, "
        f"gunicorn with one sync worker ({gunicorn_description}), "
        f"`wrk -t1 -c{CONNECTIONS} -d{SECONDS}s --latency` per run (-c1 where the row says so, "
        "and for the report page), "
        "the app and the raw WSGI app one after the other for each page.",
        "",
        *rows,
        "",
        f"- quiz submission: wrk posts, in turn, {quiz_info['pool']} open attempts of "
        f"{common.SUBMITTERS} seeded learners (8 quizzes each), each once (the one-connection "
        "run from the middle of the pool on).",
        f"- report CSV ({csv_size / 1e6:.1f} MB, {common.LEARNERS} learners), end to end: "
        f"{', '.join(f'{t:.0f}' for t in csv_times)} ms (median {csv_ms:.0f} ms; the raw app "
        f"sends the same bytes in {statistics.median(raw_csv_times):.0f} ms); target < 3000 ms: "
        f"{verdict(csv_ms < 3000)}",
        f"- certificate PDF in-process: best {pdf_best:.1f} ms, median {pdf_median:.1f} ms; "
        f"target < 25 ms: {verdict(pdf_median < 25)}",
        f"- signing a certificate's credential in-process, both forms (VC-JWT and the JSON-LD "
        f"Data Integrity proof, RDF canonicalisation): median {sign_median:.1f} ms, "
        f"{sign_median / jwt_median:.0f}× the VC-JWT alone ({jwt_median:.2f} ms) in the same run; "
        "paid once per certificate, at issue",
        f"- grading in-process (read the form + grade 5 questions): best "
        f"{grade_best * 1000:.1f} µs, median {grade_median * 1000:.1f} µs",
        f"- {LOAD_USERS} concurrent learners for {LOAD_SECONDS} s (start, open, submit): "
        f"{load['requests']} requests in {load['seconds']} s, {load['submitted']} attempts "
        f"submitted, {load['stored']} stored as submitted ({load['stored_answers']} answers), "
        f"{lost} lost, {load['5xx']} 5xx, {load['other']} other refusals, "
        f"{load['errors']} connection errors; statuses {load['statuses']}: "
        f"{verdict(lost == 0 and load['5xx'] == 0 and load['errors'] == 0)}",
        "",
    ]
    print("\n".join(lines))
    write_results(database, lines)


def write_results(database: str, lines: list[str]) -> None:
    """Replace this database's section of bench/RESULTS.md (the other one is kept)."""
    path = common.BENCH / "RESULTS.md"
    start, end = f"<!-- {database} -->", f"<!-- /{database} -->"
    section = f"{start}\n" + "\n".join(lines) + f"\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    header = "\n".join(
        [
            "# Benchmark results",
            "",
            "Written by `make bench` (bench/run.py): the last run on each database.",
            "",
            "Machine:",
            "",
            *machine(),
            "",
        ]
    )
    body = text.split("\n<!-- ", 1)[1] if "\n<!-- " in text else ""
    body = "<!-- " + body if body else ""
    if start in body:
        before, rest = body.split(start, 1)
        body = before + section + rest.split(end, 1)[1]
    else:
        body = (body.rstrip() + "\n\n" + section).lstrip()
    path.write_text(header + "\n" + body.rstrip() + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
