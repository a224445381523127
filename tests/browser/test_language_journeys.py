"""A learner's journey in each interface language, on a phone (360 px): the footer's
language button, registering, applying to a cohort (an admin approves), a lesson, a quiz
attempt answered and sent, the cohort's schedule and the dashboard, in the real Caring
Cities course (translated into Spanish and French; the other languages read its English,
marked `lang="en"`).

On every page: <html lang> is the language chosen, no text is in another language outside
elements marked with their own `lang` (see languages.py for the rule), and the layout goes
the language's way: in Arabic <html dir="rtl"> and the main heading and the menu's first link
at the right edge, elsewhere at the left. English is the control. The pages in Arabic and
Spanish are saved as screenshots, journey_<language>_<page>.png (languages.py: save_shot).
What was found is written to test-artifacts/language-journey-<language>.txt.
"""

import re

import pytest
from playwright.sync_api import expect

from app.core.i18n import LANGUAGES, RIGHT_TO_LEFT
from tests.browser import accounts
from tests.browser.languages import Findings, caring_cities_server, log_in, save_shot
from tests.browser.pages import PAGE_ERRORS, watch
from tests.browser.server_caring_cities import ADMIN

PHONE = {"width": 360, "height": 800}
SHOTS = {"ar", "es"}
# Where each one registers from, and the browser's clock (the zone picker's guess).
PEOPLE = {
    "en": ("Tendai Moyo", "Harare", "ZW", "Africa/Harare"),
    "es": ("Valentina Ríos", "Medellín", "CO", "America/Bogota"),
    "fr": ("Aminata Diop", "Dakar", "SN", "Africa/Dakar"),
    "pt": ("Beatriz Costa", "Porto Alegre", "BR", "America/Sao_Paulo"),
    "ar": ("ريم العلي", "إربد", "JO", "Asia/Amman"),
    "ko": ("이서연", "부산", "KR", "Asia/Seoul"),
}
MOTIVATION = {
    "en": "Harare is opening day centres for older people in every ward and I plan them. ",
    "es": "Medellín abre centros de día para personas mayores y yo coordino su plan. ",
    "fr": "Dakar ouvre des crèches de quartier et je coordonne leur programme. ",
    "pt": "Porto Alegre abre creches nos bairros e eu coordeno o plano da cidade. ",
    "ar": "تفتح مدينتنا مراكز نهارية لكبار السن وأنا أنسق خطتها. ",
    "ko": "부산시는 동네마다 돌봄 센터를 열고 있으며 저는 그 계획을 맡고 있습니다. ",
}

# Where a block's text starts and ends (its text, not its box), and the viewport's width.
EDGES = """() => {
    const edges = (selector) => {
        const el = document.querySelector(selector);
        if (!el || !el.checkVisibility()) return null;
        // Text in another language keeps its own direction (course text in English).
        const holder = el.closest('[lang]');
        if (holder && holder.lang !== document.documentElement.lang) return null;
        const range = document.createRange();
        range.selectNodeContents(el);
        const box = range.getBoundingClientRect();
        return {left: box.left, right: box.right};
    };
    return {
        width: document.documentElement.clientWidth,
        heading: edges('main h1'),
        siteName: edges('.site-name'),
        firstNavLink: edges('.site-header nav li:first-child a'),
        lastNavLink: edges('.site-header nav li:last-child :is(a, button)'),
    };
}"""
NEAR = 48  # CSS px from the edge: the page's padding


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with caring_cities_server(tmp_path_factory.mktemp("caring-cities-journeys")) as running:
        yield running


@pytest.fixture(scope="module")
def admin(server, chromium):
    """The admin who approves the journeys' applications (in English, not checked)."""
    context = chromium.new_context(base_url=server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, ADMIN)
    yield page
    context.close()


class Journey:
    """One learner's pages: each is checked (language, direction) and, in Arabic and Spanish,
    saved as a screenshot."""

    def __init__(self, page, language: str):
        self.page = page
        self.language = language
        self.findings = Findings(language, "language-journey")
        self.number = 0

    def check(self, name: str) -> None:
        page = self.page
        self.findings.scan(page, name)
        rtl = self.language in RIGHT_TO_LEFT
        direction = page.evaluate("() => document.documentElement.dir")
        if direction != ("rtl" if rtl else "ltr"):
            self.findings.problem(f"{name}: <html dir={direction!r}>")
        edges = page.evaluate(EDGES)
        width = edges["width"]
        side = "right" if rtl else "left"
        for part in ("heading", "siteName"):
            box = edges[part]
            if box is None:
                continue
            start_gap = width - box["right"] if rtl else box["left"]
            end_gap = box["left"] if rtl else width - box["right"]
            # (A line that fills the width is near both edges: it tells nothing.)
            if not (start_gap <= NEAR and (start_gap <= end_gap or end_gap <= NEAR)):
                self.findings.problem(
                    f"{name}: {part} is not at the {side} edge ({box}, viewport {width} px)"
                )
        # The menu reads the language's way: its first link before its last one.
        first, last = edges["firstNavLink"], edges["lastNavLink"]
        if (
            first
            and last
            and not (first["right"] >= last["right"] if rtl else first["left"] <= last["left"])
        ):
            self.findings.problem(
                f"{name}: the menu does not start on the {side} ({first}, {last})"
            )
        errors = PAGE_ERRORS.pop(page, [])
        if errors:
            self.findings.problem(f"{name}: script errors or CSP violations: {errors}")
        self.number += 1
        if self.language in SHOTS:
            save_shot(page, f"journey_{self.language}_{self.number:02d}-{slug(name)}")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_learner_journey_in_each_language(server, chromium, admin, language):
    name, city, country, zone = PEOPLE[language]
    email = f"journey.{language}@cities.example"
    context = chromium.new_context(base_url=server.url, viewport=PHONE, timezone_id=zone)
    context.set_default_timeout(10_000)
    watch(context)
    try:
        page = context.new_page()
        journey = Journey(page, language)
        course = f"/courses/{server.course_slug}"

        # The catalogue, in the language chosen with the footer's buttons.
        page.goto("/")
        if language != "en":
            page.get_by_role("contentinfo").get_by_role("button", name=LANGUAGES[language]).click()
        expect(page.locator("html")).to_have_attribute("lang", language)
        journey.check("home")
        page.goto(course)
        journey.check("course")

        # Registering: the language chosen is the form's, and becomes the account's.
        page.locator(".site-header nav a[href^='/register']").click()
        journey.check("register")
        page.locator("#name").fill(name)
        page.locator("#email").fill(email)
        page.locator("#password").fill(accounts.PASSWORD)
        page.locator("#organisation").fill(f"{city} City Council" if language == "en" else city)
        page.locator("#position").fill("Care")
        page.locator("#city").fill(city)
        page.locator("#country").select_option(country)
        expect(page.locator("#preferred_language")).to_have_value(language)
        expect(page.locator("#time_zone")).to_have_value(zone)
        page.locator("main form button[type=submit]").click()
        expect(page.locator("#name")).to_have_count(0)  # the form is behind
        journey.check("registered")
        mail = server.wait_for_mail(email, "")
        link = re.search(
            r"https?://[^/\s]+(/confirm-email/\S+)",
            mail.get_body(preferencelist=("plain",)).get_content(),
        )
        page.goto(link.group(1))
        journey.check("address confirmed")
        page.locator("main form #email").fill(email)
        page.locator("main form #password").fill(accounts.PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url("**/dashboard")
        journey.check("dashboard new")

        # Applying to the cohort, from the course's page.
        page.goto(course)
        page.locator(f"main a[href$='/cohorts/{server.cohort_slug}/apply']").first.click()
        journey.check("apply")
        page.locator("#motivation").fill(MOTIVATION[language] * 2)
        page.locator("#confirms_public_official").check()
        page.locator("main form button[type=submit]:not([name=draft])").click()
        page.wait_for_url("**/dashboard")
        journey.check("applied")

        admin.goto("/admin/applications")
        admin.get_by_role("checkbox", name=f"Choose {name}").check()
        admin.get_by_role("radio", name="Approve and enrol").check()
        admin.get_by_role("button", name="Apply the decision").click()
        expect(admin.get_by_role("status")).to_contain_text("approved")

        # Enrolled: the dashboard, a lesson (marked done), the quiz.
        page.goto("/dashboard")
        journey.check("dashboard enrolled")
        page.goto(course)
        page.locator("main ol.lessons a").first.click()
        journey.check("lesson")
        page.locator("form[action$='/done'] button").click()
        journey.check("lesson done")
        page.goto(f"{course}/quizzes/what-is-a-caring-city")
        journey.check("quiz")
        page.locator("form[action$='/attempts'] button").click()
        journey.check("attempt")
        for question in page.locator("fieldset.question").all():
            question.locator("input").first.check()
        page.locator("form.quiz-form button").click()
        expect(page.locator("form.quiz-form")).to_have_count(0)
        journey.check("attempt result")

        page.goto(f"{course}/cohorts/{server.cohort_slug}/schedule")
        journey.check("schedule")
        page.goto("/dashboard")
        journey.check("dashboard")
    finally:
        context.close()
    journey.findings.assert_none()
