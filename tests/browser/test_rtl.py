"""The interface in Arabic, right to left: <html lang="ar" dir="rtl"> and a layout that really
mirrors (what sits on the left in English sits on the right in Arabic), with axe and no
sideways scrolling at 360 and 1280 px. Screenshots of the course home, a lesson and the
dashboard in Arabic go to /work/notes/shots/rtl_*.png (and test-artifacts/screenshots/)."""

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import accounts
from tests.browser.pages import ARTIFACTS, axe_violations, describe_violations, horizontal_overflow

COURSE = "/courses/example-course"
PAGES = {
    "course": COURSE,
    "lesson": f"{COURSE}/lessons/what-care-work-is",
    "dashboard": "/dashboard",
}
NOTES_SHOTS = Path("/work/notes/shots")

# Where the page's landmarks sit: left and right edges of a few elements, and the viewport.
EDGES = """() => {
    // The extent of an element's text (a heading's block spans the whole line); none for
    // an element in another language, which keeps its own direction (course text).
    const edges = (selector, anyLanguage = false) => {
        const el = document.querySelector(selector);
        if (!el) return null;
        if (!anyLanguage && el.lang && el.lang !== document.documentElement.lang) return null;
        const range = document.createRange();
        range.selectNodeContents(el);
        const box = range.getBoundingClientRect();
        return {left: box.left, right: box.right};
    };
    return {
        width: document.documentElement.clientWidth,
        siteName: edges('.site-name'),
        firstNavLink: edges('.site-header nav li:first-child a'),
        breadcrumbFirst: edges('main .breadcrumb > :first-child', true),
        breadcrumbLast: edges('main .breadcrumb > :last-child', true),
        breadcrumb: edges('main .breadcrumb'),
        previous: edges('.step-nav .previous a', true),
        next: edges('.step-nav .next a', true),
        heading: edges('main h1'),
        languageLabel: edges('.language-choice .language-label'),
    };
}"""


def edges(page, path: str) -> dict:
    page.goto(path)
    return page.evaluate(EDGES)


def near_left(box: dict, width: int) -> bool:
    return box["left"] < width / 2 and box["left"] < width - box["right"]


def near_right(box: dict, width: int) -> bool:
    return box["right"] > width / 2 and width - box["right"] < box["left"]


@pytest.mark.parametrize("width", [360, 1280])
def test_arabic_pages_are_right_to_left_and_mirrored(new_page, width):
    viewport = {"width": width, "height": 800}
    arabic = new_page(accounts.ARABIC_READER, viewport=viewport)
    english = new_page(accounts.READER, viewport=viewport)
    problems = []
    for name, path in PAGES.items():
        there = edges(arabic, path)
        expect(arabic.locator("html")).to_have_attribute("lang", "ar")
        expect(arabic.locator("html")).to_have_attribute("dir", "rtl")
        here = edges(english, path)
        expect(english.locator("html")).to_have_attribute("dir", "ltr")
        size = there["width"]
        # What starts a line in English (on the left) starts it in Arabic (on the right).
        for part in ("siteName", "breadcrumb", "heading", "languageLabel"):
            if here[part] is None or there[part] is None:  # not on the page, or course text
                continue
            if not near_left(here[part], size):
                problems.append(f"{name} at {width} px: {part} is not on the left in English")
            if not near_right(there[part], size):
                problems.append(f"{name} at {width} px: {part} is not on the right in Arabic")
        if here["next"] is not None:  # the lesson: "next" goes the reading way
            assert there["next"] is not None
            if not (here["next"]["right"] > here["previous"]["right"] if here["previous"] else
                    near_right(here["next"], size)):  # fmt: skip
                problems.append(f"{name} at {width} px: 'next' is not on the right in English")
            if (
                there["previous"] is not None
                and not there["next"]["left"] < there["previous"]["left"]
            ):
                problems.append(f"{name} at {width} px: 'next' is not left of 'previous' in Arabic")
            if there["previous"] is None and not near_left(there["next"], size):
                problems.append(f"{name} at {width} px: 'next' is not on the left in Arabic")
        # The site's name, then the menu; the course, then the module: from the left in
        # English, from the right in Arabic (a line that wraps starts at the same edge).
        for first, last in (("siteName", "firstNavLink"), ("breadcrumbFirst", "breadcrumbLast")):
            if here[last] is None or there[last] is None:
                continue
            if not here[first]["left"] <= here[last]["left"]:
                problems.append(f"{name} at {width} px: {first} is not before {last} in English")
            if not there[first]["right"] >= there[last]["right"]:
                problems.append(f"{name} at {width} px: {first} is not before {last} in Arabic")
        overflow = horizontal_overflow(arabic)
        if overflow:
            problems.append(f"{name} at {width} px scrolls sideways in Arabic: {overflow}")
        violations = axe_violations(arabic)
        if violations:
            problems.append(f"{name} at {width} px, axe:\n{describe_violations(violations)}")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / f"rtl_{name}_{width}.png"
        arabic.screenshot(path=shot, full_page=True)
        if NOTES_SHOTS.parent.is_dir():
            NOTES_SHOTS.mkdir(exist_ok=True)
            shutil.copy(shot, NOTES_SHOTS / shot.name)
    assert not problems, "\n".join(problems)


def test_the_language_switch_turns_the_page_round(new_page):
    """Anyone: the footer's العربية makes the page right to left; English turns it back."""
    page = new_page()
    page.goto(COURSE)
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    page.get_by_role("contentinfo").get_by_role("button", name="العربية").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    page.get_by_role("contentinfo").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
