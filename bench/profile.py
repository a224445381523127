"""Time, count the queries of, or profile one page in-process against the bench data.

    python -m bench.profile lesson               # ms per request, and the SQL it sends
    python -m bench.profile dashboard --profile  # the 40 costliest functions (cProfile)
    python -m bench.profile healthz --steps      # what each per-request step costs

Pages: lesson, home, dashboard, verify, healthz. Run `python -m bench.seed` first (make bench
does). The requests go through the whole app (session, CSRF, limits, logging, templates) in
the test client, without gunicorn or a socket, so the figures are the app's own time.

`--steps` wraps every hook the app runs on a request (before/after_request, the session's
open and save, the login's user load, the view, request_finished receivers, teardowns,
context processors, the CSRF token) in a timer and prints each one's mean cost, beside a bare
Flask app's request through the same test client (the floor no app code can go below).
Steps marked "within" run inside another step (the view, a hook) and are not added again.
Each figure is the lowest of `--rounds` rounds of 200 requests (a busy machine only adds).
`--cpu` counts this process's CPU time instead of the wall clock: on a machine other work
shares, that moves far less (but with PostgreSQL the server's own time is then left out).
"""

import argparse
import cProfile
import functools
import pstats
import time
from collections import defaultdict

import flask_wtf.csrf
from flask import Flask, request_finished
from sqlalchemy import event

from app.extensions import db, login_manager
from bench import common
from bench.run import USER_AGENT, sample_rows, session_cookie

REQUESTS = 200
ROUNDS = 5
PAGES = ["lesson", "home", "dashboard", "verify", "healthz"]
# Pages a visitor asks for without logging in.
PUBLIC_PAGES = {"verify", "healthz"}


def page_paths(app) -> tuple[dict[str, str], str]:
    """The pages by name, and a learner's session cookie."""
    with app.app_context():
        course, lesson, learner, serial = sample_rows()
        cookie, _token = session_cookie(app, learner)
        paths = {
            "lesson": f"/courses/{course.slug}/lessons/{lesson.slug}",
            "home": f"/courses/{course.slug}",
            "dashboard": "/dashboard",
            "verify": f"/verify/{serial}",
            "healthz": "/healthz",
        }
    return paths, cookie


# The clock every figure is read on: the wall clock, or this process's CPU time (--cpu).
clock = time.perf_counter


class StepTimer:
    """Seconds spent in each wrapped callable, and how many times it ran."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.nested: set[str] = set()

    def wrap(self, name: str, function, nested: bool = False):
        if nested:
            self.nested.add(name)

        @functools.wraps(function)
        def timed(*args, **kwargs):
            started = clock()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] += clock() - started
                self.calls[name] += 1

        return timed

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()


def _name(function) -> str:
    function = getattr(function, "func", function)  # functools.partial (Flask-Limiter's)
    return getattr(function, "__qualname__", repr(function)).replace(".<locals>", "")


APP_CALL = "the app's WSGI call (what gunicorn would wait for)"


def instrument(app: Flask, timer: StepTimer) -> None:
    """Put a timer around every per-request step of `app` (before its first request)."""
    app.wsgi_app = timer.wrap(APP_CALL, app.wsgi_app, nested=True)
    for kind in ("before_request_funcs", "after_request_funcs", "teardown_request_funcs"):
        for blueprint, functions in getattr(app, kind).items():
            label = kind.removesuffix("_funcs").replace("_", " ")
            where = f" ({blueprint})" if blueprint else ""
            functions[:] = [timer.wrap(f"{label}: {_name(f)}{where}", f) for f in functions]
    app.teardown_appcontext_funcs[:] = [
        timer.wrap(f"teardown appcontext: {_name(f)}", f) for f in app.teardown_appcontext_funcs
    ]
    processors = app.template_context_processors[None]
    processors[:] = [
        timer.wrap(f"context processor: {_name(f)}", f, nested=True) for f in processors
    ]
    for endpoint, view in app.view_functions.items():
        app.view_functions[endpoint] = timer.wrap("view (whole, with its templates)", view)
    interface = app.session_interface
    interface.open_session = timer.wrap("session: open (decode cookie)", interface.open_session)
    interface.save_session = timer.wrap("session: save (Set-Cookie)", interface.save_session)
    # The user load runs inside whichever step first reads current_user.
    login_manager._load_user = timer.wrap(
        "within: login user load (identifier, loader)", login_manager._load_user, nested=True
    )
    login_manager._user_callback = timer.wrap(
        "within: user loader (its query)", login_manager._user_callback, nested=True
    )
    flask_wtf.csrf.generate_csrf = timer.wrap(
        "within: CSRF token (generate_csrf)", flask_wtf.csrf.generate_csrf, nested=True
    )
    for receiver in list(request_finished.receivers_for(app)):
        request_finished.disconnect(receiver, app)
        request_finished.connect(
            timer.wrap(f"request_finished: {_name(receiver)}", receiver), app, weak=False
        )


def lowest_ms(get, rounds: int) -> float:
    """ms a request: the lowest of `rounds` rounds of REQUESTS requests."""
    best = float("inf")
    for _ in range(rounds):
        started = clock()
        for _ in range(REQUESTS):
            get()
        best = min(best, (clock() - started) / REQUESTS * 1000)
    return best


def bare_flask_ms(headers: dict, rounds: int) -> float:
    """A request to a Flask app with one route and nothing else, through the test client."""
    bare = Flask("bare")
    bare.add_url_rule("/healthz", "healthz", lambda: {"status": "ok"})
    client = bare.test_client(use_cookies=False)
    for _ in range(20):
        client.get("/healthz", headers=headers)
    return lowest_ms(lambda: client.get("/healthz", headers=headers), rounds)


def print_steps(steps: dict[str, float], nested: set[str], total_ms: float, floor_ms: float):
    """Each step's ms a request (the lowest round's), the rest, the total and the floor."""
    counted = 0.0
    print(f"  {'step':<68} {'ms/request':>10}")
    app_call = steps.pop(APP_CALL, total_ms)
    for name, per_request in sorted(steps.items(), key=lambda item: -item[1]):
        if name not in nested:
            counted += per_request
        marker = "  (within)" if name in nested else ""
        print(f"  {name:<68} {per_request:>10.3f}{marker}")
    rest = "the rest of the app's call (Flask, contexts, routing, middleware)"
    print(f"  {rest:<68} {app_call - counted:>10.3f}")
    print(f"  {APP_CALL:<68} {app_call:>10.3f}")
    print(f"  {'the test client and the app':<68} {total_ms:>10.3f}")
    print(f"  {'a bare Flask app with one route, same client':<68} {floor_ms:>10.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page", choices=PAGES)
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions")
    parser.add_argument("--steps", action="store_true", help="time each per-request step")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds; the lowest counts")
    parser.add_argument("--cpu", action="store_true", help="this process's CPU time, not wall")
    options = parser.parse_args()
    if options.cpu:
        global clock
        clock = time.process_time
    app = common.make_app()
    timer = StepTimer()
    if options.steps:
        instrument(app, timer)
    paths, cookie = page_paths(app)
    client = app.test_client(use_cookies=False)
    headers = {"User-Agent": USER_AGENT}
    if options.page not in PUBLIC_PAGES:
        headers["Cookie"] = cookie

    def get():
        response = client.get(
            paths[options.page], headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}
        )
        if response.status_code != 200:
            raise SystemExit(f"{paths[options.page]} answered {response.status_code}")
        return response

    get()  # the first request loads what later ones share (templates, the outline)
    with app.app_context():
        engine = db.engine
    statements = []

    def record(_connection, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    size = len(get().data)
    event.remove(engine, "before_cursor_execute", record)
    for _ in range(20):
        get()  # warm
    steps: dict[str, float] = {}
    milliseconds = float("inf")
    for _ in range(options.rounds):
        timer.reset()
        milliseconds = min(milliseconds, lowest_ms(get, 1))
        for name, seconds in timer.seconds.items():
            steps[name] = min(steps.get(name, float("inf")), seconds / REQUESTS * 1000)
    print(f"{options.page}: {milliseconds:.2f} ms a request, {size} bytes, {len(statements)} SQL")
    for statement in statements:
        print(f"  {statement[:160]}")
    if options.steps:
        floor = bare_flask_ms({"User-Agent": USER_AGENT}, options.rounds)
        print_steps(steps, timer.nested, milliseconds, floor)
    if options.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(REQUESTS // 2):
            get()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
