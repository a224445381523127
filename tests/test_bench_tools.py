"""The benchmark's own logic, without a server: wrk's output read right, the simulated learners'
walk (quizzes started before they are answered, each quiz slot used once), and when a capacity
step counts as held."""

import random
from collections import deque

from bench.capacity import P99_LIMIT_MS, Step, may_hold
from bench.learners import STEPS, Account, CourseWalk, Learner
from bench.run import parse_wrk

WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:40000/courses/bench-course
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.31ms    3.20ms  48.90ms   80.00%
    Req/Sec   325.00     20.00   360.00     70.00%
  Latency Distribution
     50%   11.80ms
     75%   13.10ms
     90%   15.00ms
     99%   30.50ms
  1624 requests in 5.01s, 8.17MB read
  Non-2xx or 3xx responses: 3
Requests/sec:    324.15
Transfer/sec:      1.63MB
"""


def test_wrk_output_is_read_with_its_bytes_and_refusals():
    found = parse_wrk(WRK_OUTPUT)
    assert found["rps"] == 324.15
    assert found["requests"] == 1624
    assert found["bytes"] == 8.17 * 1024 * 1024
    assert (found["p50"], found["p99"]) == (11.8, 30.5)
    assert found["non_2xx_3xx"] == 3
    assert found["socket_errors"] == 0


def course(slots: int) -> CourseWalk:
    reader = Account("session=reader", "token-reader")
    takers = [Account(f"session=taker{n}", f"token-{n}") for n in range(slots)]
    return CourseWalk(
        slug="c",
        cohort="k",
        modules=["m1", "m2"],
        lessons={"m1": ["a", "b", "c", "d", "e"], "m2": ["f", "g", "h", "i", "j"]},
        answers={"m1": {"q-1": "2"}, "m2": {"q-2": "7"}},
        readers=[reader],
        slots=deque((taker, "m2") for taker in takers),
    )


def test_a_learner_answers_the_quiz_it_started_on_its_slot():
    walk = course(slots=80)
    learners = [Learner(walk, n, random.Random(n)) for n in range(20)]  # noqa: S311
    started: dict[int, Account] = {}
    for _ in range(3 * len(STEPS)):
        for number, learner in enumerate(learners):
            request = learner.next_request()
            if request.kind == "quiz start":
                assert request.method == "POST"
                started[number] = request.cookie
            elif request.kind in ("quiz page", "quiz submission"):
                # Never inside a quiz it has not started, always on the slot it started.
                assert request.cookie == started[number]
                assert request.path == "/courses/c/quizzes/m2/attempts/1"
                if request.kind == "quiz submission":
                    assert request.body.startswith(b"csrf_token=token-")
                    assert b"q-2=7" in request.body
            else:
                assert request.method == "GET"
                assert request.cookie == "session=reader"
    # Every learner started three quizzes, each on a slot of its own.
    assert len(walk.slots) == 80 - 3 * len(learners)


def test_a_step_holds_only_with_every_answer_in_time_and_no_error():
    step = Step(rate=10, learners=600, seconds=1)
    step.scheduled = 100
    for _ in range(100):
        step.record("lesson", "ok", 20.0)
    assert step.held() and may_hold(step)

    slow = Step(rate=10, learners=600, seconds=1)
    slow.scheduled = 100
    for n in range(100):
        slow.record("lesson", "ok", P99_LIMIT_MS + 1 if n >= 98 else 20.0)
    assert not slow.held() and not may_hold(slow)

    refused = Step(rate=10, learners=600, seconds=1)
    refused.scheduled = 100
    for n in range(100):
        refused.record("lesson", "status 500" if n == 0 else "ok", 20.0)
    assert not refused.held()

    waiting = Step(rate=10, learners=600, seconds=1)
    waiting.scheduled = 100
    for _ in range(90):
        waiting.record("lesson", "ok", 20.0)
    assert not waiting.held() and not may_hold(waiting)  # ten still out count as late
