"""The site without JavaScript (a slow phone, a locked-down office browser): everything a
learner does is a link or a form. (axe cannot run in such a page; the same pages are
checked with JavaScript by the journeys.)"""

import re

from playwright.sync_api import expect

from tests.browser import accounts
from tests.browser.test_journeys import answer, expect_message


def test_a_learner_reads_takes_a_quiz_and_uses_the_menu_without_javascript(
    new_page, login_states, check
):
    page = new_page(accounts.NO_SCRIPT, java_script_enabled=False)
    page.goto("/dashboard")
    menu = page.get_by_role("navigation", name="Main")

    # The menu.
    menu.get_by_role("link", name="Courses").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Courses")
    menu.get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    menu.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your dashboard")

    # A lesson, then the next one by its link, then marking it done (a form).
    page.get_by_role("link", name="Lesson: What care work is").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What care work is")
    check(page, "no-script-lesson", axe=False)
    steps = page.get_by_role("navigation", name="Previous and next")
    steps.get_by_role("link", name=re.compile("^Next: lesson")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who does care work")
    page.get_by_role("button", name=re.compile("^Mark as done")).click()
    expect_message(page, "“Who does care work” is marked as done.")

    # The quiz: start, answer, send, read the result.
    page.get_by_role("navigation", name="Previous and next").get_by_role(
        "link", name=re.compile("^Next: quiz")
    ).click()
    page.get_by_role("button", name="Start the quiz").click()
    answer(page, right=True)
    expect(page.get_by_role("heading", name="100 %: passed")).to_be_visible()
    check(page, "no-script-quiz-result", screenshot=True, axe=False)

    # Logging out is a form in the menu too.
    menu.get_by_role("button", name="Log out").click()
    login_states.forget(accounts.NO_SCRIPT)
    expect_message(page, "You are logged out")
    expect(menu.get_by_role("link", name="Log in")).to_be_visible()
