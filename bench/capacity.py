"""How many simultaneous learners the production settings hold: `python -m bench.capacity`.

An open-loop load generator (asyncio, bench/learners.py): simulated learners walk the course
(lessons, dashboard, quiz start, the attempt, its submission, the schedule), each waiting a
think time drawn uniformly from 30 to 90 seconds between two steps. Arrivals are scheduled by
the clock, never by responses, and each latency is counted from the moment its request was
scheduled, so a server that falls behind shows it (no coordinated omission).

The arrival rate is stepped up (BENCH_CAPACITY_RATES requests a second, each step
BENCH_CAPACITY_SECONDS long) by adding learners: at R requests a second the run holds R × 60
learners (60 s being the mean think time; the response time, under 0.1 s when a step passes,
adds less than 0.2 %), each new one first arriving at a uniform moment of its first minute,
so the offered rate is R from the step's start. The run stops after the first step whose p99
is 100 ms or more or that has any error; the answer is the largest step held.

The server is gunicorn with gunicorn.conf.py as it is (its workers for this machine's cores,
its recycling and preload) pinned to the second core, the generator to the first (the
database server is not pinned). Run after `python -m bench.seed`; each run uses fresh quiz
slots of the capacity pool (about 16,000 first attempts, a few thousand a run).
"""

import asyncio
import heapq
import itertools
import math
import os
import random
import time

from bench import common
from bench.learners import STEPS, CourseWalk, Learner, closed_loop, load_course, timed_send
from bench.results import write_section
from bench.servers import Server, production_options, production_settings

RATES = [
    int(r) for r in os.environ.get("BENCH_CAPACITY_RATES", "25,50,100,150,200,250,300").split(",")
]
SECONDS = float(os.environ.get("BENCH_CAPACITY_SECONDS", "35"))
THINK = (30.0, 90.0)
MEAN_THINK = sum(THINK) / 2
P99_LIMIT_MS = 100.0
GOAL_LEARNERS = 10_000
WARM_UP = 1000  # requests of the walk, 5 at a time: every worker past its first of each page
GENERATOR_CPU, SERVER_CPU = 0, 1


class Step:
    """One rate's requests: what was scheduled, what came back, how late."""

    def __init__(self, rate: float, learners: int, seconds: float):
        self.rate, self.learners, self.seconds = rate, learners, seconds
        self.latencies: list[float] = []
        self.outcomes: dict[str, int] = {}
        self.kinds: dict[str, list[float]] = {}
        self.scheduled = 0
        self.late_ms = 0.0  # the generator's worst lag behind its own schedule

    def record(self, kind: str, outcome: str, ms: float) -> None:
        self.latencies.append(ms)
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        self.kinds.setdefault(kind, []).append(ms)

    def percentile(self, share: float, kind: str | None = None) -> float:
        latencies = self.kinds[kind] if kind else self.latencies
        if not latencies:
            return 0.0
        ordered = sorted(latencies)
        return ordered[max(0, math.ceil(len(ordered) * share) - 1)]

    @property
    def errors(self) -> int:
        return sum(n for outcome, n in self.outcomes.items() if outcome != "ok")

    def held(self) -> bool:
        return (
            self.errors == 0
            and len(self.latencies) == self.scheduled
            and self.percentile(0.99) < P99_LIMIT_MS
        )


async def open_loop(url: str, course: CourseWalk, plan: list[tuple[float, float]]) -> list[Step]:
    """Run each (rate, seconds) of `plan` in turn, learners kept from one step to the next."""
    host, port = url.removeprefix("http://").split(":")
    rng = random.Random(2026)  # noqa: S311 (a repeatable run)
    order = itertools.count()
    upcoming: list[tuple[float, int, Learner]] = []  # (scheduled moment, tie, learner)
    learners = 0
    steps, pending = [], set()
    for rate, seconds in plan:
        begins = time.perf_counter()
        wanted = round(rate * MEAN_THINK)
        while learners < wanted:
            learner = Learner(course, learners, rng)
            learners += 1
            first = begins + rng.uniform(0, MEAN_THINK)
            heapq.heappush(upcoming, (first, next(order), learner))
        step = Step(rate, learners, seconds)
        steps.append(step)
        ends = begins + seconds
        while upcoming[0][0] < ends:
            when, _tie, learner = heapq.heappop(upcoming)
            if (wait := when - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            step.late_ms = max(step.late_ms, (time.perf_counter() - when) * 1000)
            request = learner.next_request()
            step.scheduled += 1
            task = asyncio.create_task(timed_send(host, int(port), request, when))
            task.add_done_callback(
                lambda done, step=step, kind=request.kind: step.record(kind, *done.result())
            )
            pending.add(task)
            task.add_done_callback(pending.discard)
            heapq.heappush(upcoming, (when + rng.uniform(*THINK), next(order), learner))
        if (wait := ends - time.perf_counter()) > 0:
            await asyncio.sleep(wait)
        if not may_hold(step):
            break
    if pending:
        await asyncio.wait(pending)
    return steps


def may_hold(step: Step) -> bool:
    """Whether a step that has just ended can still hold: no error, and a p99 under the limit
    even if the requests still out all come back slower than it."""
    out = step.scheduled - len(step.latencies)
    return (
        step.errors == 0 and out <= step.scheduled * 0.01 and (step.percentile(0.99) < P99_LIMIT_MS)
    )


def report(steps: list[Step], settings: str, course: CourseWalk) -> list[str]:
    database = "PostgreSQL" if common.is_postgres() else "SQLite"
    rows = [
        "| offered req/s (scheduled) | achieved req/s | learners simulated | p50 ms | p99 ms "
        "| errors | generator's worst lag ms | held |",
        "|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    held = [step for step in steps if step.held()]
    for step in steps:
        ok = step.outcomes.get("ok", 0)
        errors = ", ".join(f"{n} {o}" for o, n in step.outcomes.items() if o != "ok") or "0"
        rows.append(
            f"| {step.rate:.0f} ({step.scheduled / step.seconds:.1f}) | {ok / step.seconds:.1f} "
            f"| {step.learners:,} | {step.percentile(0.5):.1f} | {step.percentile(0.99):.1f} "
            f"| {errors} | {step.late_ms:.1f} | {'yes' if step.held() else 'no'} |"
        )
    kinds: dict[str, int] = {}
    for step in steps:
        for kind, latencies in step.kinds.items():
            kinds[kind] = kinds.get(kind, 0) + len(latencies)
    total = sum(kinds.values()) or 1
    mix = ", ".join(f"{kind} {n / total:.0%}" for kind, n in sorted(kinds.items()))
    last = steps[-1]
    by_kind = ", ".join(
        f"{kind} {last.percentile(0.5, kind):.0f} / {last.percentile(0.99, kind):.0f}"
        for kind in sorted(last.kinds)
    )
    best = max((step.learners for step in held), default=0)
    verdict = "met" if best >= GOAL_LEARNERS else "MISSED"
    return [
        f"## Capacity, {database} (`make bench-capacity`)",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: gunicorn with "
        f"gunicorn.conf.py as it is ({settings}), pinned to core {SERVER_CPU} "
        f"(`sched_setaffinity`, as `taskset -c {SERVER_CPU}`); the open-loop generator "
        f"(bench/capacity.py, asyncio) pinned to core {GENERATOR_CPU}; the database server "
        "not pinned. Think time uniform "
        f"{THINK[0]:.0f}–{THINK[1]:.0f} s; learners simulated = offered rate × {MEAN_THINK:.0f} s "
        f"(the mean think time; a response under 0.1 s adds under 0.2 %). Latency counted from "
        f"each request's scheduled moment. Steps of {SECONDS:.0f} s after a warm-up of "
        f"{WARM_UP} requests of the walk, 5 at a time (not counted); the run stops after the "
        "first step that "
        f"does not hold (p99 ≥ {P99_LIMIT_MS:.0f} ms or any error).",
        "",
        *rows,
        "",
        f"- Requests of the run by step of the walk: {mix}; {len(course.readers):,} learners' "
        "sessions read the pages, quizzes are first attempts of the capacity pool.",
        f"- p50 / p99 ms by step of the walk at the last step ({last.rate:.0f} req/s): {by_kind}",
        f"- **Largest number of simultaneous learners held (p99 < {P99_LIMIT_MS:.0f} ms, no "
        f"error): {best:,}**; goal {GOAL_LEARNERS:,}: {verdict}",
        "",
    ]


def main() -> None:
    os.sched_setaffinity(0, {GENERATOR_CPU})
    app = common.make_app()
    course = load_course(app)
    needed = sum(rate * SECONDS for rate in RATES) / len(STEPS)  # one quiz start a module
    if len(course.slots) < needed:
        raise SystemExit(f"{len(course.slots)} quiz slots left: run python -m bench.seed")
    env = {"BENCH_DATABASE_URL": common.database_url()}
    settings = production_settings(env)
    work = common.DATA / "run"
    work.mkdir(parents=True, exist_ok=True)
    print(f"== capacity: gunicorn {settings}, on core {SERVER_CPU}", flush=True)
    server = Server(
        "bench.wsgi:app", production_options(), env, work / "gunicorn-capacity.log", {SERVER_CPU}
    )
    try:
        asyncio.run(closed_loop(server.url, course, WARM_UP, connections=5))
        steps = asyncio.run(open_loop(server.url, course, [(rate, SECONDS) for rate in RATES]))
    finally:
        server.stop()
    lines = report(steps, settings, course)
    print("\n".join(lines), flush=True)
    database = "PostgreSQL" if common.is_postgres() else "SQLite"
    write_section(f"Capacity {database}", lines)


if __name__ == "__main__":
    main()
