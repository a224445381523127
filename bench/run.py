"""Run the benchmarks: `python -m bench.run` (after `python -m bench.seed`); `make bench` does both.

For each page, wrk drives the app and a raw WSGI app that replays the app's captured response
(status, headers and body, byte for byte) under the same gunicorn settings (gunicorn.conf.py,
one sync worker, worker recycling off), in interleaved rounds (app, raw, app, raw...); the
tables give min / median / max of both rates and of their ratio, the latencies, the load
average while it ran, and two verdicts read on the median ratio: the goal of issue 26 and the
earlier bar of issue 10. Then: the app with the production settings, the progress report of a
1,000- and a 10,000-learner cohort, a worker's memory before and after 10,000 requests of the
learner walk, the certificate PDF (bench/pdf.py), grading and signing in-process, 50 concurrent
learners submitting quizzes, and bench/RESULTS.md. The capacity run is bench/capacity.py.

Settings (environment): BENCH_DATABASE_URL, BENCH_SECONDS (per wrk run, default 5),
BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default 4), BENCH_ACCEPT_ENCODING (sent by wrk
and by the capture; default none, as in issue 26's baseline: browsers send "gzip, deflate, br"),
BENCH_LOAD_SECONDS (default 30), BENCH_LOAD_USERS (default 50), BENCH_MEMORY_REQUESTS (10000).
"""

import asyncio
import base64
import http.client
import json
import math
import os
import re
import statistics
import subprocess
import threading
import time
import timeit
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import jwt
import requests
from sqlalchemy import event, func, select

from app.accounts.models import User
from app.catalog.models import Course, Lesson, Module
from app.certificates.credential import sign_certificate
from app.certificates.keys import active_key
from app.certificates.models import Certificate
from app.extensions import db
from app.quizzes.grading import field_name, grade, read_answers
from app.quizzes.models import AttemptAnswer, AttemptState, QuizAttempt
from app.quizzes.operations import answer_keys, attempt_questions
from bench import common, learners, pdf
from bench.common import USER_AGENT, load_average, session_cookie
from bench.results import write_section
from bench.seed import INSTRUCTOR_EMAIL, learner_email
from bench.servers import (
    Server,
    bench_options,
    production_options,
    production_settings,
    rss_mb,
)

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))
ACCEPT_ENCODING = os.environ.get("BENCH_ACCEPT_ENCODING", "")
LOAD_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "30"))
LOAD_USERS = int(os.environ.get("BENCH_LOAD_USERS", "50"))
MEMORY_REQUESTS = int(os.environ.get("BENCH_MEMORY_REQUESTS", "10000"))
MEMORY_WARM_UP = 500
# Headers the raw app must not replay as they were (gunicorn writes its own).
HOP_HEADERS = {"date", "server", "connection", "transfer-encoding", "keep-alive"}
REPORT_FLAT = 1.5  # "flat from 1,000 to 10,000": the larger cohort's p50 within 1.5 x


@dataclass(frozen=True)
class Target:
    """What a row must reach: a share of the raw app's rate, the app's own p99, a p50."""

    ratio: float | None = None
    own_p99_ms: float | None = None
    p50_ms: float | None = None
    source: str = ""

    def describe(self) -> str:
        parts = []
        if self.ratio is not None:
            parts.append(f"ratio ≥ {self.ratio:.0%}")
        if self.own_p99_ms is not None:
            parts.append(f"own p99 < {self.own_p99_ms:.0f} ms")
        if self.p50_ms is not None:
            parts.append(f"p50 < {self.p50_ms:.0f} ms")
        return "; ".join(parts)


@dataclass
class Page:
    name: str
    path: str
    pattern: str  # what raw_app matches the path with
    cookie: str | None = None
    goal: Target | None = None  # issue 26
    bar: Target | None = None  # issue 10, the earlier bar
    connections: int = CONNECTIONS
    lua: str = ""  # a request() function, for pages that are not one fixed GET
    raw: bool = True  # compared with the raw app (the report pages are timed alone)
    runs: dict = field(default_factory=lambda: {"app": [], "raw": []})
    own: list = field(default_factory=list)  # the app's own durations, all rounds
    load: list = field(default_factory=list)  # the load average at each round
    queries: int | None = None


# --- wrk --------------------------------------------------------------------------------


def _milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def _bytes(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([KMG]?B)", text).groups()
    return float(number) * {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}[unit]


def parse_wrk(output: str) -> dict:
    requests_line = re.search(r"(\d+) requests in [\d.]+\w+, ([\d.]+[KMG]?B) read", output)
    found = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(requests_line.group(1)),
        "bytes": _bytes(requests_line.group(2)),
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


def request_headers(cookie: str | None) -> dict[str, str]:
    """The headers wrk sends besides Host (and the capture sends the same)."""
    headers = {"User-Agent": USER_AGENT}
    if ACCEPT_ENCODING:
        headers["Accept-Encoding"] = ACCEPT_ENCODING
    if cookie:
        headers["Cookie"] = cookie
    return headers


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk(url: str, page: Page, work: Path, lua: str) -> dict:
    script = work / f"{re.sub(r'[^a-z0-9]+', '-', page.name.lower()).strip('-')}.lua"
    lines = [
        f"wrk.headers[{lua_string(name)}] = {lua_string(value)}"
        for name, value in request_headers(page.cookie).items()
    ]
    script.write_text("\n".join(lines) + "\n" + lua, encoding="utf-8")
    command = ["wrk", "-t1", f"-c{page.connections}", f"-d{SECONDS}s", "--timeout", "30s"]
    output = subprocess.run(
        [*command, "--latency", "-s", str(script), url + page.path],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_wrk(output)


def own_durations(log: Path, started: float, ended: float) -> list[float]:
    """The app's own time (its JSON request log's duration_ms) for the requests it logged
    between two moments: latency without the connection that wrk's figures include."""
    durations = []
    for line in log.read_text(encoding="utf-8").splitlines():
        if '"duration_ms"' not in line:
            continue
        entry = json.loads(line)
        at = datetime.fromisoformat(entry["time"]).timestamp()
        if started <= at <= ended and entry["duration_ms"] is not None:
            durations.append(entry["duration_ms"])
    return durations


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(len(ordered) * share) - 1))]


# --- capture: what the raw app replays --------------------------------------------------


def capture(url: str, page: Page, method: str = "GET", body: str = "") -> dict:
    """The app's response to exactly the request wrk sends (its headers, no others), kept as
    the bytes that came on the wire: status, headers and undecoded body."""
    where = urlsplit(url)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=120)
    connection.putrequest(method, page.path, skip_accept_encoding=True)
    headers = request_headers(page.cookie)
    if method == "POST":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Content-Length"] = str(len(body.encode()))
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders(body.encode() or None)
    response = connection.getresponse()
    content = response.read()
    connection.close()
    if response.status != (302 if method == "POST" else 200):
        raise SystemExit(f"{page.name}: {page.path} answered {response.status}")
    return {
        "pattern": page.pattern,
        "status": f"{response.status} {response.reason}",
        "headers": [
            (name, value)
            for name, value in response.getheaders()
            if name.lower() not in HOP_HEADERS
        ],
        "body": base64.b64encode(content).decode(),
    }


# --- quiz submissions -------------------------------------------------------------------


def quiz_submissions(app, users: list[User], course: Course) -> tuple[str, tuple, int]:
    """A Lua request() that submits, in turn, the open attempts of many learners.

    Each attempt can be graded once, so a realistic repeated POST is many learners each
    submitting their own: the seeded pool has one open attempt per learner and quiz, and the
    runs never post the same one twice (until the pool runs out: then the app's 409s show as
    non-2xx responses). Also returns one submission for the capture, and the pool's size.
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
    headers = "".join(
        f"    [{lua_string(name)}] = {lua_string(value)},\n"
        for name, value in request_headers(None).items()
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
{headers}  }}, e[3])
end
"""
    return lua, entries.pop(), len(entries)


class Pool:
    """Where the next app run starts in the pool of open attempts (the raw app stores none)."""

    def __init__(self) -> None:
        self.used = 0

    def script(self, lua: str) -> str:
        return lua.replace("local i = START", f"local i = {self.used}")

    def took(self, run: dict, connections: int) -> None:
        self.used += run["requests"] + connections  # and those still in flight at the end


# --- rounds -----------------------------------------------------------------------------


def measure(sides: list[tuple[Page, str, Server]], work: Path, pool: Pool) -> None:
    """ROUNDS rounds of each (page, side, server) in turn: app, raw, app, raw..."""
    for _round in range(ROUNDS):
        for page, side, server in sides:
            if side == "app":
                page.load.append(load_average())
            lua = pool.script(page.lua) if page.lua else ""
            started = time.time()
            run = wrk(server.url, page, work, lua)
            page.runs[side].append(run)
            if side == "app":
                page.own += own_durations(server.log_path, started, time.time())
                if page.lua:
                    pool.took(run, page.connections)


def count_queries(app, page: Page) -> int:
    """SQL statements of one GET of the page, in-process (after a first, warming one)."""
    statements = []

    def note(*_args) -> None:
        statements.append(1)

    client = app.test_client()
    headers = request_headers(None)
    if page.cookie:
        name, value = page.cookie.split("=", 1)
        client.set_cookie(name, value)
    with app.app_context():
        engine = db.engine
    client.get(page.path, headers=headers)
    event.listen(engine, "before_cursor_execute", note)
    try:
        response = client.get(page.path, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    if response.status_code != 200:
        raise SystemExit(f"{page.name}: {page.path} answered {response.status_code} in-process")
    return len(statements)


# --- in-process timings -----------------------------------------------------------------


def in_process(app) -> dict:
    """Per call, in milliseconds: the best of 5 and the median, for signing and grading."""
    found = {}
    with app.test_request_context():
        certificate = db.session.scalars(
            select(Certificate).where(Certificate.serial.is_not(None)).limit(1)
        ).one()
        # Signing both forms, against the VC-JWT alone as the baseline of the same run.
        signed_at = certificate.issued_at
        key = active_key()
        payload = jwt.decode(certificate.credential_jwt, options={"verify_signature": False})
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


def pdf_lines(app) -> tuple[list[str], list[str]]:
    """The certificate PDF per script, cold and warm (bench/pdf.py), and the misses."""
    found = pdf.measure(app)
    lines, misses = [], []
    for script in found["warm"]:
        cold, warm = found["cold"][script], found["warm"][script]
        ok = warm["median"] < 25
        lines.append(
            f"- certificate PDF in-process, {script} name: cold (first PDF of a fresh worker) "
            f"median {cold['median']:.1f} ms (best {cold['best']:.1f}, {cold['runs']} "
            f"processes); warm median {warm['median']:.1f} ms (best {warm['best']:.1f}); goal "
            f"and bar warm < 25 ms: {verdict(ok)} (load {load_average():.2f})"
        )
        if not ok:
            misses.append(f"certificate PDF, {script}: warm {warm['median']:.1f} ms ≥ 25 ms")
    return lines, misses


def timed_get(url: str, cookie: str, repeat: int) -> tuple[list[float], int]:
    times, size = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = requests.get(url, headers=request_headers(cookie), timeout=120)
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


# --- memory -----------------------------------------------------------------------------


def memory(app, env: dict, work: Path) -> dict:
    """A fresh worker's RSS after a warm-up of the learner walk and after MEMORY_REQUESTS more
    (bench settings: one worker, no recycling, so the same process is read both times)."""
    course = learners.load_course(app, readers=500)
    server = Server("bench.wsgi:app", bench_options(), env, work / "gunicorn-memory.log")
    try:
        (worker,) = server.workers()
        warm = asyncio.run(learners.closed_loop(server.url, course, MEMORY_WARM_UP))
        before = rss_mb(worker)
        started = time.perf_counter()
        outcomes = asyncio.run(learners.closed_loop(server.url, course, MEMORY_REQUESTS))
        seconds = time.perf_counter() - started
        after = rss_mb(worker)
        (same,) = server.workers()
    finally:
        server.stop()
    return {
        "before": before,
        "after": after,
        "seconds": seconds,
        "outcomes": outcomes,
        "warm_errors": sum(n for outcome, n in warm.items() if outcome != "ok"),
        "same_worker": same == worker,
    }


# --- the report -------------------------------------------------------------------------


def verdict(ok: bool | None) -> str:
    return "" if ok is None else ("met" if ok else "MISSED")


def spread(values: list[float], digits: int = 0, percent: bool = False) -> str:
    """min / median / max, as the tables show them."""
    if percent:
        return " / ".join(f"{v:.1%}" for v in (min(values), statistics.median(values), max(values)))
    return " / ".join(
        f"{v:.{digits}f}" for v in (min(values), statistics.median(values), max(values))
    )


def ratios(page: Page) -> list[float]:
    """The app's rate over the raw app's, round by round."""
    return [
        app["rps"] / raw["rps"] if raw["rps"] else 0.0
        for app, raw in zip(page.runs["app"], page.runs["raw"], strict=True)
    ]


def judge(page: Page, target: Target | None) -> bool | None:
    """Whether the page meets the target, read on the medians; None when there is none."""
    if target is None:
        return None
    app_runs = page.runs["app"]
    ok = not any(run["non_2xx_3xx"] or run["socket_errors"] for run in app_runs)
    if target.ratio is not None:
        ok &= statistics.median(ratios(page)) >= target.ratio
    if target.own_p99_ms is not None:
        ok &= bool(page.own) and percentile(page.own, 0.99) < target.own_p99_ms
    if target.p50_ms is not None:
        ok &= statistics.median(run["p50"] for run in app_runs) < target.p50_ms
    return ok


def page_row(page: Page) -> str:
    app_runs, raw_runs = page.runs["app"], page.runs["raw"]
    own = f"{percentile(page.own, 0.99):.1f}" if page.own else "—"
    size = "{:.2f} / {:.2f}".format(
        *(
            sum(run["bytes"] for run in runs) / max(1, sum(run["requests"] for run in runs)) / 1024
            for runs in (app_runs, raw_runs)
        )
    )
    errors = sum(run["non_2xx_3xx"] + run["socket_errors"] for run in app_runs)
    goal, bar = judge(page, page.goal), judge(page, page.bar)
    return (
        f"| {page.name} | {spread([run['rps'] for run in app_runs])} "
        f"| {spread([run['rps'] for run in raw_runs])} | {spread(ratios(page), percent=True)} "
        f"| {statistics.median(run['p50'] for run in app_runs):.1f} "
        f"| {statistics.median(run['p99'] for run in app_runs):.1f} "
        f"| {statistics.median(run['p99'] for run in raw_runs):.1f} | {own} "
        f"| {page.queries if page.queries is not None else '—'} | {size} | {errors} "
        f"| {spread(page.load, 2)} "
        f"| {page.goal.describe() if page.goal else ''} | {verdict(goal)} "
        f"| {page.bar.describe() if page.bar else ''} | {verdict(bar)} |"
    )


def report_row(page: Page, flat_ok: bool | None) -> str:
    runs = page.runs["app"]
    goal = judge(page, page.goal)
    if flat_ok is not None:
        goal = goal and flat_ok
    return (
        f"| {page.name} | {spread([run['p50'] for run in runs], 1)} "
        f"| {statistics.median(run['p99'] for run in runs):.1f} "
        f"| {percentile(page.own, 0.5) if page.own else 0:.1f} | {page.queries} "
        f"| {spread(page.load, 2)} "
        f"| {page.goal.describe()}{'; flat from 1,000' if flat_ok is not None else ''} "
        f"| {verdict(goal)} | {page.bar.describe() if page.bar else ''} "
        f"| {verdict(judge(page, page.bar))} |"
    )


def misses(pages: list[Page]) -> list[str]:
    """What misses the goal (or the earlier bar), in words, for the generated list."""
    found = []
    for page in pages:
        for name, target in (("goal", page.goal), ("earlier bar", page.bar)):
            if judge(page, target) is False:
                found.append(page_miss(page, name, target))
    return found


def page_miss(page: Page, name: str, target: Target) -> str:
    app_runs = page.runs["app"]
    seen = []
    if target.ratio is not None:
        seen.append(f"median ratio {statistics.median(ratios(page)):.1%}")
    if target.own_p99_ms is not None:
        seen.append(f"own p99 {percentile(page.own, 0.99):.1f} ms" if page.own else "no own p99")
    if target.p50_ms is not None:
        seen.append(f"p50 {statistics.median(run['p50'] for run in app_runs):.1f} ms")
    errors = sum(run["non_2xx_3xx"] + run["socket_errors"] for run in app_runs)
    if errors:
        seen.append(f"{errors} errors")
    return f"{page.name}: {', '.join(seen)} against the {name} ({target.describe()})"


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


GOAL = "issue 26"
BAR = "issue 10"


def learner_pages(course, lesson, serial, learner_cookie, quiz_lua, quiz_path) -> list[Page]:
    """The pages compared with the raw app, with their goal (issue 26) and earlier bar."""
    quiz_pattern = r"/courses/[^/]+/quizzes/[^/]+/attempts/\d+"
    return [
        Page(
            "lesson",
            f"/courses/{course.slug}/lessons/{lesson.slug}",
            r"/courses/[^/]+/lessons/[^/]+",
            learner_cookie,
            Target(0.20),
            Target(0.30),
        ),
        Page(
            "course home",
            f"/courses/{course.slug}",
            r"/courses/[^/]+",
            learner_cookie,
            Target(0.12),
            Target(0.20),
        ),
        Page("dashboard", "/dashboard", r"/dashboard", learner_cookie, Target(0.12), Target(0.20)),
        Page(
            "quiz submission (POST)",
            quiz_path,
            quiz_pattern,
            None,
            Target(0.08, own_p99_ms=20),
            Target(0.15, own_p99_ms=50),
            lua=quiz_lua,
        ),
        # The same at one connection: each request's own time, without waiting behind others.
        Page(
            "quiz submission (POST), 1 connection",
            quiz_path,
            quiz_pattern,
            None,
            Target(own_p99_ms=20),
            Target(own_p99_ms=50),
            connections=1,
            lua=quiz_lua,
        ),
        Page(
            "schedule",
            f"/courses/{course.slug}/cohorts/{common.COHORT_SLUG}/schedule",
            r"/courses/[^/]+/cohorts/[^/]+/schedule",
            learner_cookie,
        ),
        Page(
            "public verification",
            f"/verify/{serial}",
            r"/verify/[^/.]+",
            None,
            Target(0.30),
            Target(0.50),
        ),
        # The cheapest request through the whole app (one SELECT 1): what any page costs.
        Page("floor: /healthz", "/healthz", r"/healthz", None, Target(0.40)),
    ]


def report_pages(course, instructor_cookie) -> list[Page]:
    """The progress report of the small and the large cohort, timed alone at one connection."""
    return [
        Page(
            f"report page, {size:,} learners",
            f"/author/{course.slug}/cohorts/{slug}/progress",
            "",
            instructor_cookie,
            Target(p50_ms=100),
            Target(p50_ms=300),
            connections=1,
            raw=False,
        )
        for size, slug in (
            (common.SMALL_LEARNERS, common.SMALL_COHORT_SLUG),
            (common.LEARNERS, common.COHORT_SLUG),
        )
    ]


def main() -> None:
    begun = time.perf_counter()
    work = common.DATA / "run"
    work.mkdir(parents=True, exist_ok=True)
    if subprocess.run(["which", "wrk"], capture_output=True).returncode != 0:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    database = "PostgreSQL" if common.is_postgres() else "SQLite"
    app = common.make_app()
    pools = common.pools()
    with app.app_context():
        course, first_lesson, learner, serial = sample_rows()
        instructor = db.session.scalars(select(User).where(User.email == INSTRUCTOR_EMAIL)).one()
        learner_cookie, _token = session_cookie(app, learner)
        instructor_cookie, _token = session_cookie(app, instructor)
        emails = [learner_email(i) for i in pools["submitters"]]
        submitters = db.session.scalars(select(User).where(User.email.in_(emails))).all()
        quiz_lua, quiz_entry, quiz_pool = quiz_submissions(app, submitters, course)
        load_emails = [learner_email(i) for i in pools["load"]]
        load_users = db.session.scalars(select(User).where(User.email.in_(load_emails))).all()
        if quiz_pool + 1 < common.SUBMITTERS * common.MODULES or db.session.scalar(
            select(func.count(QuizAttempt.id)).where(
                QuizAttempt.user_id.in_([user.id for user in load_users])
            )
        ):
            raise SystemExit("the data set has been benchmarked already: run python -m bench.seed")
        db.session.expunge_all()
    pages = learner_pages(course, first_lesson, serial, learner_cookie, quiz_lua, quiz_entry[0])
    reports = report_pages(course, instructor_cookie)
    for page in [*pages, *reports]:
        if not page.lua:
            page.queries = count_queries(app, page)
    env = {"BENCH_DATABASE_URL": common.database_url()}
    production = production_settings(env)
    print(
        f"== {database}: gunicorn.conf.py, 1 sync worker, no recycling, both sides; "
        f"{ROUNDS} rounds of wrk -t1 -c{CONNECTIONS} -d{SECONDS}s",
        flush=True,
    )
    print("  memory...", flush=True)
    mem = memory(app, env, work)
    print(f"  {mem}", flush=True)
    pool = Pool()
    app_server = Server("bench.wsgi:app", bench_options(), env, work / "gunicorn-app.log")
    try:
        captured = []
        for page in pages:
            if any(page.pattern == response["pattern"] for response in captured):
                continue  # a second run of a page
            if page.lua:
                post = Page(page.name, quiz_entry[0], page.pattern, quiz_entry[1])
                captured.append(capture(app_server.url, post, "POST", quiz_entry[2]))
            else:
                captured.append(capture(app_server.url, page))
        csv_path = reports[1].path + ".csv"
        csv_page = Page("report CSV", csv_path, r".*/progress\.csv", instructor_cookie)
        captured.insert(0, capture(app_server.url, csv_page))  # before the page's pattern
        responses = work / "raw-responses.json"
        responses.write_text(json.dumps(captured), encoding="utf-8")
        raw_server = Server(
            "bench.raw_app:app",
            bench_options(),
            {"BENCH_RAW_RESPONSES": str(responses)},
            work / "gunicorn-raw.log",
        )
        try:
            for page in pages:
                measure([(page, "app", app_server), (page, "raw", raw_server)], work, pool)
                print(f"  {page_row(page)}", flush=True)
            pages += ceiling_rows(pages, raw_server, responses, work, pool)
            measure([(page, "app", app_server) for page in reports], work, pool)
            csv_times, csv_size = timed_get(app_server.url + csv_path, instructor_cookie, 3)
            raw_csv_times, _size = timed_get(raw_server.url + csv_path, instructor_cookie, 3)
            production_pages = production_rows(pages, raw_server, env, work, pool)
        finally:
            raw_server.stop()
        timings = in_process(app)
        print(f"  in-process: {timings}", flush=True)
        print(f"  {LOAD_USERS} learners submitting quizzes for {LOAD_SECONDS} s...", flush=True)
        load = load_test(app_server.url, app, load_users, course, LOAD_SECONDS, LOAD_USERS)
        print(f"  {load}", flush=True)
    finally:
        app_server.stop()
    pdf, pdf_misses = pdf_lines(app)
    lines = results(
        database,
        pages,
        reports,
        production_pages,
        production,
        mem,
        (csv_times, raw_csv_times, csv_size),
        timings,
        load,
        (pdf, pdf_misses),
        quiz_pool,
        time.perf_counter() - begun,
    )
    print("\n".join(lines))
    write_section(database, lines)


def ceiling_rows(
    pages: list[Page], raw_server: Server, responses: Path, work: Path, pool: Pool
) -> list[Page]:
    """The lesson's and /healthz's bytes sent by a bare Flask app (bench/flask_app.py) against
    the raw app: the most a Flask page can reach, whatever the app does."""
    flask_server = Server(
        "bench.flask_app:app",
        bench_options(),
        {"BENCH_RAW_RESPONSES": str(responses)},
        work / "gunicorn-flask.log",
    )
    rows = []
    try:
        for page in pages:
            if page.name not in ("lesson", "floor: /healthz"):
                continue
            ceiling = Page(f"ceiling: bare Flask, {page.name}'s bytes", page.path, page.pattern)
            ceiling.cookie, ceiling.queries = page.cookie, 0
            measure([(ceiling, "app", flask_server), (ceiling, "raw", raw_server)], work, pool)
            print(f"  {page_row(ceiling)}", flush=True)
            rows.append(ceiling)
    finally:
        flask_server.stop()
    return rows


def production_rows(
    pages: list[Page], raw_server: Server, env: dict, work: Path, pool: Pool
) -> tuple[list[Page], int]:
    """The lesson and the floor served with gunicorn.conf.py as it is (its recycling and
    preload) but one worker, against the same raw app; and how often the worker restarted."""
    log = work / "gunicorn-production.log"
    server = Server("bench.wsgi:app", production_options(workers=1), env, log)
    chosen = [
        replace(
            page,
            name=f"{page.name}, production settings",
            runs={"app": [], "raw": []},
            own=[],
            load=[],
        )
        for page in pages
        if page.name in ("lesson", "floor: /healthz")
    ]
    try:
        for page in chosen:
            measure([(page, "app", server), (page, "raw", raw_server)], work, pool)
            print(f"  {page_row(page)}", flush=True)
    finally:
        server.stop()
    boots = log.read_text(encoding="utf-8").count("Booting worker")
    return chosen, boots - 1


PAGE_HEADER = [
    "| page | app req/s min / med / max | raw req/s min / med / max | ratio min / med / max "
    "| p50 ms | p99 ms | raw p99 ms | app's own p99 ms | queries | KB a response app / raw "
    f"| errors | load avg min / med / max | goal ({GOAL}) | | earlier bar ({BAR}) | |",
    "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|---|---|",
]


def results(
    database,
    pages,
    reports,
    production_pages,
    production,
    mem,
    csv,
    timings,
    load,
    pdf,
    quiz_pool,
    seconds,
) -> list[str]:
    """The section of bench/RESULTS.md for this database."""
    production_pages, restarts = production_pages
    csv_times, raw_csv_times, csv_size = csv
    pdf_text, pdf_misses = pdf
    small, large = reports
    flat = statistics.median(run["p50"] for run in large.runs["app"]) <= REPORT_FLAT * (
        statistics.median(run["p50"] for run in small.runs["app"])
    )
    csv_ms = statistics.median(csv_times)
    grade_best, grade_median = timings["grading (read + grade, 5 questions)"]
    _sign_best, sign_median = timings["credential signing, both forms"]
    _jwt_best, jwt_median = timings["credential signing, VC-JWT alone"]
    lost = load["submitted"] - load["stored"]
    growth = mem["after"] - mem["before"]
    memory_ok = growth < 0.05 * mem["before"] and mem["same_worker"]
    bad = sum(n for outcome, n in mem["outcomes"].items() if outcome != "ok")
    missed = misses(pages)
    for page in reports:
        missed += [
            page_miss(page, name, target)
            for name, target in (("goal", page.goal), ("earlier bar", page.bar))
            if judge(page, target) is False
        ]
    if not flat:
        missed.append(
            f"report page: p50 not flat from {common.SMALL_LEARNERS:,} to {common.LEARNERS:,} "
            f"learners (more than {REPORT_FLAT}×)"
        )
    if not memory_ok:
        missed.append(
            f"memory: the worker grew by {growth:.1f} MB over {MEMORY_REQUESTS:,} requests"
        )
    missed += pdf_misses
    for production_page in production_pages:
        missed += (
            [page_miss(production_page, "goal", production_page.goal)]
            if judge(production_page, production_page.goal) is False
            else []
        )
    encoding = f"`Accept-Encoding: {ACCEPT_ENCODING}`" if ACCEPT_ENCODING else "no Accept-Encoding"
    return [
        f"## {database}",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} ({seconds / 60:.1f} min for "
        f"bench/run.py): {common.LEARNERS:,} + {common.SMALL_LEARNERS:,} learners. Both servers: "
        "gunicorn with gunicorn.conf.py and `--workers 1 --worker-class sync --threads 1 "
        "--max-requests 0 --max-requests-jitter 0` (no recycling); the raw app replays the "
        "status, headers and bytes the app sent to the same request (the bytes per response "
        f"column shows it). {ROUNDS} interleaved rounds per page (app, raw, app, raw...) of "
        f"`wrk -t1 -c{CONNECTIONS} -d{SECONDS}s --latency` (-c1 where the row says so), wrk "
        f"sending `User-Agent: {USER_AGENT}`, the session cookie and {encoding}. Verdicts read "
        "the median ratio; the app's own p99 is over all its rounds (its request log's "
        "duration_ms); queries are one GET's SQL statements, in-process.",
        "",
        *PAGE_HEADER,
        *(page_row(page) for page in pages),
        "",
        f"The progress report, {ROUNDS} interleaved rounds of `wrk -c1 -d{SECONDS}s` per cohort "
        "(the app alone):",
        "",
        "| report page | p50 ms min / med / max | p99 ms | app's own p50 ms | queries "
        f"| load avg | goal ({GOAL}) | | earlier bar ({BAR}) | |",
        "|---|--:|--:|--:|--:|--:|---|---|---|---|",
        report_row(small, None),
        report_row(large, flat),
        "",
        f"With the production settings (gunicorn.conf.py: {production}; here with one worker, "
        f"its recycling and preload as configured; the worker restarted {restarts} times), "
        "against the same raw app:",
        "",
        *PAGE_HEADER,
        *(page_row(page) for page in production_pages),
        "",
        f"- memory: a fresh worker (bench settings) after {MEMORY_WARM_UP} requests of the learner "
        f"walk (bench/learners.py: lessons, dashboard, quiz start, attempt, submission, "
        f"schedule; 4 at a time): RSS {mem['before']:.1f} MB; after {MEMORY_REQUESTS:,} more "
        f"({mem['seconds']:.0f} s; {bad} not as expected): {mem['after']:.1f} MB, growth "
        f"{growth:+.1f} MB ({growth / mem['before']:+.1%}); goal no growth (under 5 %): "
        f"{verdict(memory_ok)}",
        f"- quiz submission: wrk posts, in turn, {quiz_pool:,} open attempts of "
        f"{common.SUBMITTERS:,} seeded learners (8 quizzes each), each once, every app run "
        "taking up where the last stopped (the raw app stores nothing).",
        f"- report CSV ({csv_size / 1e6:.1f} MB, {common.LEARNERS:,} learners), end to end: "
        f"{', '.join(f'{t:.0f}' for t in csv_times)} ms (median {csv_ms:.0f} ms; the raw app "
        f"sends the same bytes in {statistics.median(raw_csv_times):.0f} ms); bar < 3000 ms: "
        f"{verdict(csv_ms < 3000)}",
        *pdf_text,
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
        f"### What misses its target ({database}, this run)",
        "",
        *([f"- {line}" for line in missed] or ["- nothing"]),
        "",
    ]


if __name__ == "__main__":
    main()
