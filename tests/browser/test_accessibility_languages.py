"""axe on the learner's pages in every interface language, at 360 and 1280 px: zero
violations (WCAG 2.2 A and AA rules, as pages.py runs them) on the catalogue, the course, a
lesson, the quiz, an attempt in progress and its result, the cohort's schedule, the
dashboard and the profile (a learner of the Caring Cities course who reads the interface in
that language: server_caring_cities.py), and on the login and register pages (anyone who
chose the language in the footer). Each page is laid out at 1280 px, checked, then at 360 px
and checked again; every violation of a language is listed at once."""

import pytest

from app.core.i18n import LANGUAGES
from tests.browser.languages import caring_cities_server, log_in
from tests.browser.pages import PAGE_ERRORS, axe_violations, describe_violations, watch
from tests.browser.server_caring_cities import LEARNERS

WIDTHS = (1280, 360)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with caring_cities_server(tmp_path_factory.mktemp("caring-cities-axe")) as running:
        yield running


class Problems:
    def __init__(self, language: str):
        self.language = language
        self.lines: list[str] = []
        self.checked = 0

    def check(self, page, name: str) -> None:
        """axe at each width, and no script error or CSP violation."""
        page.wait_for_load_state("load")
        lang = page.evaluate("() => document.documentElement.lang")
        if lang != self.language:
            self.lines.append(f"{name} ({page.url}): <html lang={lang!r}>")
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            violations = axe_violations(page)
            self.checked += 1
            if violations:
                self.lines.append(
                    f"{name} at {width} px ({page.url}):\n{describe_violations(violations)}"
                )
        errors = PAGE_ERRORS.pop(page, [])
        if errors:
            self.lines.append(f"{name}: script errors or CSP violations: {errors}")

    def assert_none(self) -> None:
        assert not self.lines, (
            f"{len(self.lines)} page(s) with problems in {self.language!r} "
            f"({self.checked} checks):\n" + "\n\n".join(self.lines)
        )


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_learner_pages_pass_axe_in_each_language(server, chromium, language):
    problems = Problems(language)
    course = f"/courses/{server.course_slug}"
    viewport = {"width": WIDTHS[0], "height": 800}

    # Anyone, in the language chosen in the footer: logging in, registering.
    context = chromium.new_context(base_url=server.url, viewport=viewport)
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": "language", "value": language, "url": server.url}])
    watch(context)
    try:
        page = context.new_page()
        for name, path in (("login", "/login"), ("register", "/register")):
            page.goto(path)
            problems.check(page, name)
    finally:
        context.close()

    # The learner who reads in that language.
    context = chromium.new_context(base_url=server.url, viewport=viewport)
    context.set_default_timeout(10_000)
    watch(context)
    try:
        page = context.new_page()
        log_in(page, LEARNERS[language])
        pages = {
            "home": "/",
            "course": course,
            "lesson": f"{course}/lessons/care-work-and-who-does-it",
            "quiz": f"{course}/quizzes/what-is-a-caring-city",
        }
        for name, path in pages.items():
            page.goto(path)
            problems.check(page, name)
        page.locator("form[action$='/attempts'] button").click()
        page.wait_for_url("**/attempts/*")
        problems.check(page, "attempt")
        for question in page.locator("fieldset.question").all():
            question.locator("input").first.check()
        page.locator("form.quiz-form button").click()
        page.locator("form.quiz-form").wait_for(state="detached")
        problems.check(page, "attempt result")
        pages = {
            "schedule": f"{course}/cohorts/{server.cohort_slug}/schedule",
            "dashboard": "/dashboard",
            "profile": "/account",
        }
        for name, path in pages.items():
            page.goto(path)
            problems.check(page, name)
    finally:
        context.close()
    problems.assert_none()
