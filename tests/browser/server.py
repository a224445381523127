"""The real server the browser tests drive: `python -m tests.browser.server SETTINGS.json`.

The settings file (written by the `server` fixture) names the instance folder and the
database. The script copies the example course with its cohort moved to now (applications
open, an approval cohort, one live session just over and one coming), creates the tables,
imports the course, adds the accounts of `tests/browser/accounts.py`, then serves on a free
port of 127.0.0.1 and prints one JSON line with the address. SIGTERM stops it cleanly.
"""

import json
import shutil
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from app import create_app
from app.accounts.operations import create_user
from app.catalog.content.reader import read_course
from app.catalog.operations import import_course, set_staffed_courses
from app.certificates.operations import confirm_certificate_name, issue_certificate
from app.core.permissions import Role
from app.core.types import utcnow
from app.extensions import db
from app.learning.operations import enrol, submit_application
from tests.browser import accounts
from tests.clock import travel_from_environment
from tests.conftest import EXAMPLE_COURSE, TEST_CONFIG
from tests.server_process import local_server, serve_until_terminated

ZONE = "Europe/Madrid"


def _moment(moment: datetime) -> str:
    """A time as course.yaml writes it, in the cohort's zone."""
    return moment.astimezone(ZoneInfo(ZONE)).strftime(f"%Y-%m-%d %H:%M {ZONE}")


def course_copy(target: Path, now: datetime) -> Path:
    """The example course with dates around `now`, approval enrolment and retakeable quizzes."""
    shutil.copytree(EXAMPLE_COURSE, target)
    path = target / "course.yaml"
    course = yaml.safe_load(path.read_text(encoding="utf-8"))
    cohort = course["cohorts"][0]
    cohort.update(
        title=f"Cohort {now:%B %Y}",
        enrolment="approval",
        applications_open=_moment(now - timedelta(days=10)),
        applications_close=_moment(now + timedelta(days=30)),
        starts_on=(now - timedelta(days=3)).date(),
        ends_on=(now + timedelta(days=60)).date(),
    )
    orientation, session_1 = cohort["live_sessions"]
    # The session that counts for completion is over (staff record attendance); the
    # orientation is still to come (the calendar and the schedule's next session).
    hour = now.replace(minute=0, second=0, microsecond=0)
    orientation["starts"] = _moment(hour + timedelta(days=7))
    session_1["starts"] = _moment(hour - timedelta(days=1))
    path.write_text(yaml.safe_dump(course, sort_keys=False, allow_unicode=True), encoding="utf-8")
    # A failed attempt shows each answer's feedback, and the next one can follow at once.
    quiz_path = target / "01-first-steps" / "quiz.yaml"
    quiz = yaml.safe_load(quiz_path.read_text(encoding="utf-8"))
    quiz.update(wait_minutes=0, feedback="every_attempt")
    quiz_path.write_text(yaml.safe_dump(quiz, sort_keys=False, allow_unicode=True), "utf-8")
    # The plan is due in a week, its reviews in two.
    plan_path = target / "01-first-steps" / "assignment.yaml"
    plan = yaml.safe_load(plan_path.read_text(encoding="utf-8"))
    plan["cohorts"] = {
        cohort["slug"]: {
            "submission_due": _moment(now + timedelta(days=7)),
            "reviews_due": _moment(now + timedelta(days=14)),
        }
    }
    plan_path.write_text(yaml.safe_dump(plan, sort_keys=False, allow_unicode=True), "utf-8")
    return target


PLANS_COURSE = "City plans workshop"


def plans_course_copy(target: Path, now: datetime) -> Path:
    """The example course again, as another course whose certificate asks only for a plan
    that passes: the assignment journey's, so the other journeys keep their rules."""
    course_copy(target, now)
    path = target / "course.yaml"
    course = yaml.safe_load(path.read_text(encoding="utf-8"))
    course["cohorts"][0]["title"] = f"Plans workshop {now:%B %Y}"  # told apart in lists
    course.update(
        slug="city-plans",
        title=PLANS_COURSE,
        completion={"lessons": "none", "quizzes": "none", "assignments": "passed"},
    )
    path.write_text(yaml.safe_dump(course, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


def seed(folder: Path) -> dict:
    """The course and the accounts every test starts from; the cohort's slug and title."""
    now = utcnow()
    source, problems = read_course(course_copy(folder / "course", now))
    if problems:
        raise SystemExit(f"the course copy does not validate: {problems}")
    course, _report = import_course(source)
    cohort = course.cohorts[0]
    source, problems = read_course(plans_course_copy(folder / "plans-course", now))
    if problems:
        raise SystemExit(f"the plans course copy does not validate: {problems}")
    plans_course, _report = import_course(source)

    def person(account: accounts.Account):
        return create_user(
            account.email,
            accounts.PASSWORD,
            role=account.role,
            name=account.name,
            organisation="City of Bogotá",
            position="Care policy officer",
            city=account.city,
            country=account.country,
            time_zone=account.zone,
            preferred_language=account.language,
        )

    for account in accounts.ALL:
        user = person(account)
        if account.role == Role.INSTRUCTOR:
            set_staffed_courses(user, [course, plans_course], actor=None)
        if account.enrolled:
            enrollment = enrol(user, cohort)
        if account.plans:
            enrol(user, plans_course.cohorts[0])
        if account.applied:
            submit_application(
                user,
                cohort,
                motivation="Our city is mapping its care services and I lead that work. " * 2,
                confirms_public_official=True,
                now=now,
            )
        if account.certificate_name:
            confirm_certificate_name(user, account.certificate_name, now=now)
        if account.certificate_reason:
            issue_certificate(enrollment, actor=None, now=now, reason=account.certificate_reason)
    db.session.commit()
    return {"cohort_slug": cohort.slug, "cohort_title": cohort.title}


def main() -> None:
    travel_from_environment()  # the test run's TEST_CLOCK, if any
    settings = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    config = {
        **TEST_CONFIG,
        "TESTING": False,
        "SQLALCHEMY_DATABASE_URI": settings["database_url"],
        "SQLALCHEMY_ENGINE_OPTIONS": settings["engine_options"],
        # The journeys check a few certificates and register a few accounts; the limits stay
        # on (their pages are part of the site) but far from reach.
        "VERIFICATIONS_PER_ADDRESS": "1000 per minute",
        "REGISTRATIONS_PER_ADDRESS": "1000 per hour",
        "LOGIN_ATTEMPTS_PER_ADDRESS": "1000 per minute",
    }
    app = create_app(config, instance_path=settings["instance_path"])
    with app.test_request_context():  # the seeded application's e-mail needs one
        db.create_all()
        seeded = seed(Path(settings["instance_path"]))
        db.session.remove()
    server, url = local_server(app)
    app.config["PUBLIC_URL"] = url  # printed on certificates: this server, for the QR code
    serve_until_terminated(app, server, {"url": url, **seeded})


if __name__ == "__main__":
    main()
