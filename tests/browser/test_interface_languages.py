"""The interface in Spanish and French, chosen with the footer's buttons or by the browser's
language (Accept-Language): no English is left on the pages a learner sees.

How: the page collects its visible text (and the names, labels and titles it gives
assistive technology) whose nearest `lang` is the page's language. Course text is marked
`lang="en"`, so it is left out (in the <title>, which cannot mark it, the course text the
page shows is taken out); English function words in what remains are interface text nobody
translated (or course text nobody marked). Each leak is listed with its page, and written to
test-artifacts/english-left-<language>-<how>.txt.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import accounts
from tests.browser.pages import ARTIFACTS

COURSE_URL = "/courses/example-course"
ENGLISH = re.compile(
    r"\b(the|and|your|you|with|this|of|to|is|are|will|not|for|has|have|from|was|were|been"
    r"|which|please|yet|can|into|our|its|it|by|what|when|who|how|that|there|here|in|at|be"
    r"|all|each|every|only|must|than|no longer|log in|log out|sign in)\b",
    re.IGNORECASE,
)

# The text of the page in `lang`, with where it is.
TEXT_IN_LANGUAGE = """(lang) => {
    const found = [];
    const inLanguage = (el) => {
        const holder = el.closest('[lang]');
        return holder && holder.getAttribute('lang').split('-')[0] === lang;
    };
    const where = (el) => {
        const path = [];
        for (let node = el; node && node !== document.body && path.length < 3;
             node = node.parentElement) {
            path.unshift(node.tagName.toLowerCase() + (node.id ? '#' + node.id : '') +
                (typeof node.className === 'string' && node.className.trim()
                    ? '.' + node.className.trim().split(/\\s+/).join('.') : ''));
        }
        return path.join(' > ');
    };
    const walker = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.nodeValue.replace(/\\s+/g, ' ').trim();
        const el = node.parentElement;
        if (!text || !el || el.closest('script, style, noscript, template')) continue;
        if (el.closest('head') && el.tagName !== 'TITLE') continue;
        // Time zones are listed by their IANA names (America/Port of Spain): identifiers.
        if (el.tagName === 'OPTION' && el.value.replaceAll('_', ' ') === text) continue;
        const shown = el.tagName === 'TITLE' || el.closest('select')
            || el.checkVisibility({visibilityProperty: true});
        if (shown && inLanguage(el)) found.push({text, where: where(el)});
    }
    // A <title> cannot mark its parts' languages: leave out the course text it repeats
    // from the page (the lesson's title, marked lang="en" in the page itself).
    const courseText = [...document.body.querySelectorAll('[lang]')]
        .filter((el) => !inLanguage(el))
        .map((el) => el.innerText.replace(/\\s+/g, ' ').trim())
        .filter((text) => text)
        .sort((a, b) => b.length - a.length);
    for (const item of found.filter((item) => item.where.endsWith('title'))) {
        for (const text of courseText) item.text = item.text.split(text).join('…');
    }
    const attributes = ['aria-label', 'title', 'placeholder', 'alt', 'aria-description'];
    for (const el of document.body.querySelectorAll('*')) {
        for (const name of attributes) {
            const value = el.getAttribute(name);
            if (value && inLanguage(el)) found.push({text: value, where: `${where(el)} @${name}`});
        }
        if (el.matches('input[type=submit], input[type=button]') && inLanguage(el)) {
            found.push({text: el.value, where: `${where(el)} @value`});
        }
    }
    return found;
}"""


class Leaks:
    """English found on the pages of one journey."""

    def __init__(self, language: str, how: str):
        self.language = language
        self.how = how
        self.lines: list[str] = []
        self.pages = 0

    def scan(self, page, name: str) -> None:
        page.wait_for_load_state("load")
        expect(page.locator("html")).to_have_attribute("lang", self.language)
        self.pages += 1
        seen = set()
        for item in page.evaluate(TEXT_IN_LANGUAGE, self.language):
            words = sorted({word.lower() for word in ENGLISH.findall(item["text"])})
            if words and item["text"] not in seen:
                seen.add(item["text"])
                path = page.url.split("//", 1)[1].split("/", 1)[1]
                self.lines.append(
                    f"{name} (/{path}) [{item['where']}] {item['text']!r} ({', '.join(words)})"
                )

    def assert_none(self) -> None:
        ARTIFACTS.parent.mkdir(parents=True, exist_ok=True)
        report = ARTIFACTS.parent / f"english-left-{self.language}-{self.how}.txt"
        report.write_text("\n".join(self.lines) + "\n", encoding="utf-8")
        assert not self.lines, (
            f"{len(self.lines)} English text(s) on {self.pages} pages in {self.language!r} "
            f"(chosen by {self.how}):\n" + "\n".join(self.lines)
        )


LANGUAGE_NAMES = {"es": "Español", "fr": "Français"}
LEARNERS = {"es": accounts.SPANISH, "fr": accounts.FRENCH}


@pytest.mark.parametrize("language", ["es", "fr"])
def test_learner_pages_in_the_language_chosen_in_the_footer(server, new_page, language):
    leaks = Leaks(language, "footer")
    page = new_page(LEARNERS[language])
    page.goto("/dashboard")
    page.get_by_role("contentinfo").get_by_role("button", name=LANGUAGE_NAMES[language]).click()
    leaks.scan(page, "dashboard")
    schedule = f"{COURSE_URL}/cohorts/{server.cohort_slug}/schedule"
    pages = {
        "catalogue": "/",
        "course": COURSE_URL,
        "guidebook": f"{COURSE_URL}/guidebook",
        "lesson": f"{COURSE_URL}/lessons/what-care-work-is",
        "lecture": f"{COURSE_URL}/lectures/first-steps",
        "quiz": f"{COURSE_URL}/quizzes/first-steps",
        "schedule": schedule,
        "profile": "/account",
        "password": "/account/password",
        "calendar feed": "/account/calendar",
        "certificate name": "/account/certificate-name",
        "delete account": "/account/delete",
        "certificate lookup": "/verify",
        "not found": "/courses/no-such-course",
    }
    for name, path in pages.items():
        page.goto(path)
        leaks.scan(page, name)

    # What the learner's actions show: a lesson marked done, a quiz attempt and its
    # feedback, the calendar feed made, a form sent with mistakes.
    page.goto(f"{COURSE_URL}/lessons/who-does-care-work")
    page.locator("form[action$='/done'] button").click()
    leaks.scan(page, "lesson marked done (message)")
    page.goto(f"{COURSE_URL}/quizzes/first-steps")
    page.locator("form[action$='/attempts'] button").click()
    leaks.scan(page, "quiz attempt")
    page.locator("form.quiz-form button").click()
    leaks.scan(page, "quiz attempt sent empty (errors)")
    answer_by_position(page)
    leaks.scan(page, "quiz result with feedback")
    page.goto("/account/calendar")
    page.locator("main form button[value=create]").click()
    leaks.scan(page, "calendar feed made")
    page.goto("/account/certificate-name")
    page.locator("main form button[type=submit]").click()
    leaks.scan(page, "certificate name sent unticked (errors)")
    leaks.assert_none()


def answer_by_position(page) -> None:
    """Answer each question with its first choice (the labels are course text: English)."""
    for question in page.locator("fieldset.question").all():
        question.locator("input").first.check()
    page.locator("form.quiz-form button").click()


@pytest.mark.parametrize(
    ("language", "header"), [("es", "es-ES,es;q=0.9"), ("fr", "fr-FR,fr;q=0.9,en;q=0.5")]
)
def test_pages_in_the_browsers_language(server, new_page, language, header):
    leaks = Leaks(language, "accept-language")
    page = new_page(locale=header.split(",")[0], extra_http_headers={"Accept-Language": header})
    pages = {
        "catalogue": "/",
        "course": COURSE_URL,
        "guidebook": f"{COURSE_URL}/guidebook",
        "schedule": f"{COURSE_URL}/cohorts/{server.cohort_slug}/schedule",
        "lesson (not enrolled)": f"{COURSE_URL}/lessons/what-care-work-is",
        "log in": "/login",
        "forgotten password": "/forgot-password",
        "certificate lookup": "/verify",
        "unknown certificate": "/verify/0000-0000-0000-0000-0000-0000-0000",
        "not found": "/no-such-page",
    }
    for name, path in pages.items():
        page.goto(path)
        leaks.scan(page, name)
    page.goto("/login")
    page.locator("main form button[type=submit]").click()
    leaks.scan(page, "log in sent empty (errors)")

    # Registering in that language makes it the account's language; then applying.
    page.goto("/register")
    leaks.scan(page, "register")
    page.locator("main form button[type=submit]").click()
    leaks.scan(page, "register sent empty (errors)")
    page.locator("#name").fill(f"Visitor {language}")
    page.locator("#email").fill(f"visitor.{language}@cities.example")
    page.locator("#password").fill(accounts.PASSWORD)
    for field in ("organisation", "position", "city"):
        page.locator(f"#{field}").fill("Lyon" if language == "fr" else "Sevilla")
    page.locator("#country").select_option("FR" if language == "fr" else "ES")
    expect(page.locator("#preferred_language")).to_have_value(language)
    page.locator("main form button[type=submit]").click()
    leaks.scan(page, "registered (check your e-mail)")
    # The address confirmed from the mail (in the account's language), then logging in.
    email = f"visitor.{language}@cities.example"
    mail = server.wait_for_mail(email, "")
    page.goto(
        re.search(
            r"https?://[^/\s]+(/confirm-email/\S+)",
            mail.get_body(preferencelist=("plain",)).get_content(),
        ).group(1)
    )
    leaks.scan(page, "address confirmed (log in)")
    page.locator("#email").fill(email)
    page.locator("#password").fill(accounts.PASSWORD)
    page.locator("main form button[type=submit]").click()
    leaks.scan(page, "dashboard (new account)")
    page.goto(f"{COURSE_URL}/cohorts/{server.cohort_slug}/apply")
    leaks.scan(page, "apply")
    send = page.locator("main form button[type=submit]:not([name=draft])")
    send.click()
    leaks.scan(page, "apply sent empty (errors)")
    page.locator("#motivation").fill("Nuestra ciudad abre centros de día.")
    page.locator("main form button[name=draft]").click()
    leaks.scan(page, "apply (draft saved)")
    page.locator("#motivation").fill("Nuestra ciudad abre centros de día y yo los coordino. " * 2)
    page.locator("#confirms_public_official").check()
    send.click()
    leaks.scan(page, "dashboard (applied)")
    leaks.assert_none()
