"""Simulated learners walking the bench course, and the HTTP client they use (asyncio streams).

A learner's walk, module after module: five lessons, the dashboard, starting the module's quiz
(POST), the attempt's page, submitting it (POST), the cohort's schedule; ten requests a module.
Lessons and pages are read with the learner's own session; a quiz is taken on a "slot" (a
learner of the capacity pool and a quiz they have never attempted), so that every start and
submission is a real first attempt however many learners are simulated. Used by the capacity
run (open loop, think time between steps: bench/capacity.py) and the memory row of bench/run.py
(closed loop, no think time).
"""

import asyncio
import random
import time
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urlencode

from sqlalchemy import select

from app.accounts.models import User
from app.catalog.models import Course
from app.extensions import db
from app.quizzes.grading import field_name
from app.quizzes.models import QuizAttempt
from bench import common
from bench.seed import quiz_layouts

TIMEOUT_SECONDS = 10.0
STEPS = ("lesson",) * common.LESSONS_PER_MODULE + (
    "dashboard",
    "quiz start",
    "quiz page",
    "quiz submission",
    "schedule",
)
# The status each step answers with when it works.
EXPECTED = {"quiz start": 302, "quiz submission": 302}
IN_A_QUIZ = {"quiz page", "quiz submission"}  # steps that need the quiz started first


@dataclass(frozen=True)
class Account:
    cookie: str
    token: str


@dataclass(frozen=True)
class Request:
    kind: str
    method: str
    path: str
    cookie: str
    body: bytes = b""


@dataclass
class CourseWalk:
    """What the walk needs of the seeded course, and the sessions and quiz slots to use."""

    slug: str
    cohort: str
    modules: list[str]
    lessons: dict[str, list[str]]
    answers: dict[str, dict[str, str]]  # module slug -> the quiz's right answers, by field
    readers: list[Account]
    slots: deque = field(default_factory=deque)  # (Account, module slug), never attempted


def load_course(app, readers: int = 2000) -> CourseWalk:
    """The course map, sessions for `readers` learners of the large cohort, and the quiz slots
    (capacity-pool learners x quizzes without an attempt), in a repeatable order."""
    pools = common.pools()
    with app.app_context():
        course = db.session.scalars(select(Course).where(Course.slug == common.COURSE_SLUG)).one()
        modules = [module for module in course.modules if module.quiz]
        answers = {}
        for quiz, layout in quiz_layouts(course):
            module = next(module for module in modules if module.quiz.id == quiz.id)
            answers[module.slug] = {
                field_name(item["question"]): str(item["choices"][1]) for item in layout
            }
        quiz_modules = {module.quiz.id: module.slug for module in modules}
        emails = [common.learner_email(i) for i in pools["history"][:readers]]
        reading = db.session.scalars(select(User).where(User.email.in_(emails))).all()
        takers = db.session.scalars(
            select(User).where(User.email.in_([common.learner_email(i) for i in pools["capacity"]]))
        ).all()
        taken = set(
            db.session.execute(
                select(QuizAttempt.user_id, QuizAttempt.quiz_id).where(
                    QuizAttempt.user_id.in_([user.id for user in takers])
                )
            ).all()
        )
        found = CourseWalk(
            slug=course.slug,
            cohort=common.COHORT_SLUG,
            modules=[module.slug for module in modules],
            lessons={module.slug: [lesson.slug for lesson in module.lessons] for module in modules},
            answers=answers,
            readers=[Account(*common.session_cookie(app, user)) for user in reading],
        )
        accounts = {user.id: Account(*common.session_cookie(app, user)) for user in takers}
        for quiz_id, module_slug in quiz_modules.items():
            for user in takers:
                if (user.id, quiz_id) not in taken:
                    found.slots.append((accounts[user.id], module_slug))
        random.Random(26).shuffle(found.slots)  # noqa: S311 (a repeatable order)
        db.session.remove()
    return found


class Learner:
    """One simulated learner: where they are in the walk, and the quiz slot they hold."""

    def __init__(self, course: CourseWalk, number: int, rng: random.Random):
        self.course = course
        self.account = course.readers[number % len(course.readers)]
        self.module = rng.randrange(len(course.modules))
        # Anywhere in a module's walk but inside a quiz (which needs its start first).
        self.step = rng.choice([i for i, kind in enumerate(STEPS) if kind not in IN_A_QUIZ])
        self.slot = None
        self.lesson = 0

    def next_request(self) -> Request:
        """The request of the learner's current step, and the step moved on."""
        kind = STEPS[self.step]
        self.step = (self.step + 1) % len(STEPS)
        course, module = self.course, self.course.modules[self.module]
        if self.step == 0:
            self.module = (self.module + 1) % len(course.modules)
        if kind == "quiz start":
            if not course.slots:
                raise SystemExit("no quiz slots left: run python -m bench.seed")
            self.slot = course.slots.popleft()
            account, quiz_module = self.slot
            path = f"/courses/{course.slug}/quizzes/{quiz_module}/attempts"
            return Request(kind, "POST", path, account.cookie, form({"csrf_token": account.token}))
        if kind in ("quiz page", "quiz submission"):
            account, quiz_module = self.slot
            path = f"/courses/{course.slug}/quizzes/{quiz_module}/attempts/1"
            if kind == "quiz page":
                return Request(kind, "GET", path, account.cookie)
            answers = {"csrf_token": account.token, **course.answers[quiz_module]}
            return Request(kind, "POST", path, account.cookie, form(answers))
        if kind == "lesson":
            lessons = course.lessons[module]
            self.lesson = (self.lesson + 1) % len(lessons)
            return Request(
                kind,
                "GET",
                f"/courses/{course.slug}/lessons/{lessons[self.lesson]}",
                self.account.cookie,
            )
        if kind == "dashboard":
            return Request(kind, "GET", "/dashboard", self.account.cookie)
        schedule = f"/courses/{course.slug}/cohorts/{course.cohort}/schedule"
        return Request(kind, "GET", schedule, self.account.cookie)


def form(fields: dict[str, str]) -> bytes:
    return urlencode(fields).encode()


async def send(host: str, port: int, request: Request) -> int:
    """Send one request on a new connection (gunicorn's sync workers close each one, as they
    would behind nginx) and return its status once the whole response is read."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        head = [
            f"{request.method} {request.path} HTTP/1.1",
            f"Host: {host}:{port}",
            f"User-Agent: {common.USER_AGENT}",
            f"Cookie: {request.cookie}",
            "Connection: close",
        ]
        if request.method == "POST":
            head += [
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(request.body)}",
            ]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + request.body)
        status_line = await reader.readline()
        await reader.read()  # to the end: the response is complete when the server closes
        return int(status_line.split()[1])
    finally:
        writer.close()


async def timed_send(host: str, port: int, request: Request, since: float) -> tuple[str, float]:
    """The request's outcome ("ok", "status 500", "TimeoutError"...) and its latency in ms,
    counted from `since` (for an open loop: the moment it was scheduled)."""
    try:
        status = await asyncio.wait_for(send(host, port, request), TIMEOUT_SECONDS)
        outcome = "ok" if status == EXPECTED.get(request.kind, 200) else f"status {status}"
    except (OSError, TimeoutError, ValueError, IndexError) as error:
        outcome = type(error).__name__
    return outcome, (time.perf_counter() - since) * 1000


async def closed_loop(url: str, course: CourseWalk, count: int, connections: int = 4) -> dict:
    """`count` requests of the learner walk, `connections` at a time, as fast as they are
    answered; the outcomes counted (the memory row's load)."""
    host, port = url.removeprefix("http://").split(":")
    rng = random.Random(10000)  # noqa: S311
    learners = [Learner(course, number, rng) for number in range(count // 10 or 1)]
    outcomes: dict[str, int] = {}
    queue = iter(range(count))

    async def client() -> None:
        for number in queue:
            request = learners[number % len(learners)].next_request()
            outcome, _ms = await timed_send(host, int(port), request, time.perf_counter())
            outcomes[outcome] = outcomes.get(outcome, 0) + 1

    await asyncio.gather(*(client() for _ in range(connections)))
    return outcomes
