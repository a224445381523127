"""A server with the real Caring Cities course, for the tests of the learner's pages in every
interface language: `python -m tests.browser.server_caring_cities SETTINGS.json`.

The course is `courses/caring_cities` as it ships (its Spanish and French translations
included, so they stay current: only dates and quiz rules change, which are not text), with
its July 2027 cohort moved to now (applications open, enrolment by approval, a session
coming), the first module's quiz retakeable at once with feedback after each attempt. The
accounts: an admin (who approves the journeys' applications) and one enrolled learner per
interface language (`LEARNERS`). Settings, output and stopping as `tests/browser/server.py`.
"""

import json
import shutil
import sys
from datetime import timedelta
from pathlib import Path

import yaml

from app import create_app
from app.accounts.operations import create_user
from app.catalog.content.reader import read_course
from app.catalog.operations import import_course
from app.core.i18n import LANGUAGES
from app.core.permissions import Role
from app.core.types import utcnow
from app.extensions import db
from app.learning.operations import enrol
from tests.browser import accounts
from tests.browser.server import _moment
from tests.clock import travel_from_environment
from tests.conftest import REPO, TEST_CONFIG
from tests.server_process import local_server, serve_until_terminated

COURSE = REPO / "courses" / "caring_cities"
COHORT = "2027-july"
QUIZ_MODULE = "01-what-is-a-caring-city"

# One enrolled learner per interface language, in a city that speaks it (names in its script).
LEARNERS = {
    "en": accounts.Account("cc-en", "grace.okafor@lagos.example", "Grace Okafor",
                           language="en", city="Lagos", country="NG", zone="Africa/Lagos"),
    "es": accounts.Account("cc-es", "ana.torres@bogota.example", "Ana Torres",
                           language="es", city="Bogotá", country="CO", zone="America/Bogota"),
    "fr": accounts.Account("cc-fr", "claire.dubois@lyon.example", "Claire Dubois",
                           language="fr", city="Lyon", country="FR", zone="Europe/Paris"),
    "pt": accounts.Account("cc-pt", "joao.silva@recife.example", "João Silva",
                           language="pt", city="Recife", country="BR", zone="America/Recife"),
    "ar": accounts.Account("cc-ar", "sara.khalil@amman.example", "سارة خليل",
                           language="ar", city="عمّان", country="JO", zone="Asia/Amman"),
    "ko": accounts.Account("cc-ko", "minji.kim@seoul.example", "김민지",
                           language="ko", city="서울", country="KR", zone="Asia/Seoul"),
}  # fmt: skip
ADMIN = accounts.Account("cc-admin", "ada.admin@caring.example", "Ada Admin", role=Role.ADMIN)


def course_copy(target: Path, now) -> Path:
    shutil.copytree(COURSE, target)
    path = target / "course.yaml"
    course = yaml.safe_load(path.read_text(encoding="utf-8"))
    cohort = next(item for item in course["cohorts"] if item["slug"] == COHORT)
    cohort.update(
        applications_open=_moment(now - timedelta(days=10)),
        applications_close=_moment(now + timedelta(days=30)),
        starts_on=(now - timedelta(days=3)).date(),
        ends_on=(now + timedelta(days=60)).date(),
    )
    hour = now.replace(minute=0, second=0, microsecond=0)
    for number, session in enumerate(cohort["live_sessions"]):
        session["starts"] = _moment(hour + timedelta(days=2 + 7 * number))
    path.write_text(yaml.safe_dump(course, sort_keys=False, allow_unicode=True), encoding="utf-8")
    quiz_path = target / QUIZ_MODULE / "quiz.yaml"
    quiz = yaml.safe_load(quiz_path.read_text(encoding="utf-8"))
    quiz.update(wait_minutes=0, feedback="every_attempt")
    quiz_path.write_text(yaml.safe_dump(quiz, sort_keys=False, allow_unicode=True), "utf-8")
    return target


def seed(folder: Path) -> dict:
    now = utcnow()
    source, problems = read_course(course_copy(folder / "course", now))
    if problems:
        raise SystemExit(f"the Caring Cities copy does not validate: {problems}")
    course, _report = import_course(source)
    cohort = next(item for item in course.cohorts if item.slug == COHORT)
    assert set(LEARNERS) == set(LANGUAGES)
    for account in [ADMIN, *LEARNERS.values()]:
        user = create_user(
            account.email,
            accounts.PASSWORD,
            role=account.role,
            name=account.name,
            organisation="Metropolis",
            position="Care policy officer",
            city=account.city,
            country=account.country,
            time_zone=account.zone,
            preferred_language=account.language,
        )
        if account.role == Role.LEARNER:
            enrol(user, cohort)
    db.session.commit()
    return {"cohort_slug": cohort.slug, "cohort_title": cohort.title, "course_slug": course.slug}


def main() -> None:
    travel_from_environment()
    settings = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    config = {
        **TEST_CONFIG,
        "TESTING": False,
        "SQLALCHEMY_DATABASE_URI": settings["database_url"],
        "SQLALCHEMY_ENGINE_OPTIONS": settings["engine_options"],
        "VERIFICATIONS_PER_ADDRESS": "1000 per minute",
        "REGISTRATIONS_PER_ADDRESS": "1000 per hour",
        "LOGIN_ATTEMPTS_PER_ADDRESS": "1000 per minute",
    }
    app = create_app(config, instance_path=settings["instance_path"])
    with app.test_request_context():
        db.create_all()
        seeded = seed(Path(settings["instance_path"]))
        db.session.remove()
    server, url = local_server(app)
    app.config["PUBLIC_URL"] = url
    serve_until_terminated(app, server, {"url": url, **seeded})


if __name__ == "__main__":
    main()
