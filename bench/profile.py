"""Time, count the queries of, or profile one page in-process against the bench data.

    python -m bench.profile lesson               # ms per request, and the SQL it sends
    python -m bench.profile dashboard --profile  # the 40 costliest functions (cProfile)

Pages: lesson, home, dashboard, verify, healthz. Run `python -m bench.seed` first (make bench
does). The requests go through the whole app (session, CSRF, limits, logging, templates) in
the test client, without gunicorn or a socket, so the figures are the app's own time.
"""

import argparse
import cProfile
import pstats
import time

from sqlalchemy import event

from app.extensions import db
from bench import common
from bench.run import USER_AGENT, sample_rows, session_cookie

REQUESTS = 200


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page", choices=["lesson", "home", "dashboard", "verify", "healthz"])
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions")
    options = parser.parse_args()
    app = common.make_app()
    paths, cookie = page_paths(app)
    client = app.test_client(use_cookies=False)
    headers = {"User-Agent": USER_AGENT}
    if options.page not in ("verify", "healthz"):
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
    started = time.perf_counter()
    for _ in range(REQUESTS):
        get()
    milliseconds = (time.perf_counter() - started) / REQUESTS * 1000
    print(f"{options.page}: {milliseconds:.2f} ms a request, {size} bytes, {len(statements)} SQL")
    for statement in statements:
        print(f"  {statement[:160]}")
    if options.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(REQUESTS // 2):
            get()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
