"""Keyboard use, visible focus, form errors tied to their fields, and the site at 320 px and
at 200 % zoom. (axe runs on every page the journeys visit: see pages.py.)"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import accounts
from tests.browser.pages import ARTIFACTS, horizontal_overflow

COURSE_URL = "/courses/example-course"
LESSON_URL = f"{COURSE_URL}/lessons/what-care-work-is"

# What gets the focus, and how its focus is drawn: `describe(el)` in the page.
DESCRIBE_FOCUS = """
    const luminance = (color) => {
        const [r, g, b] = color.match(/[\\d.]+/g).slice(0, 3).map((v) => {
            const c = Number(v) / 255;
            return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const opaque = (color) => !/rgba\\(.*,\\s*0\\)$/.test(color) && color !== 'transparent';
    const describe = (el) => {
        const style = getComputedStyle(el);
        const box = el.getBoundingClientRect();
        // The outline is drawn outside the element, over its parent's background.
        let ground = el.parentElement, background = 'rgb(255, 255, 255)';
        while (ground) {
            const color = getComputedStyle(ground).backgroundColor;
            if (opaque(color)) { background = color; break; }
            ground = ground.parentElement;
        }
        const [dark, light] = [luminance(style.outlineColor), luminance(background)].sort();
        return {
            description: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} ` +
                `"${(el.innerText || el.value || el.name || '').trim().slice(0, 50)}"`,
            text: (el.innerText || '').trim(),
            outline: style.outlineStyle !== 'none' ? parseFloat(style.outlineWidth) : 0,
            contrast: (light + 0.05) / (dark + 0.05),
            // On the page (the browser scrolls to it): not hidden, not moved off the page.
            shown: box.width > 0 && box.height > 0 && box.left + scrollX >= 0
                && box.top + scrollY >= 0 && box.right + scrollX <= document.body.scrollWidth,
        };
    };
"""
FOCUSED = f"""() => {{
    {DESCRIBE_FOCUS}
    const el = document.activeElement;
    return !el || el === document.body ? null : describe(el);
}}"""
# Describe each element as it gets the focus.
RECORD_FOCUS = f"""() => {{
    {DESCRIBE_FOCUS}
    window.focusStops = [];
    document.addEventListener('focusin', (event) => {{
        window.focusStops.push(describe(event.target));
    }});
}}"""

# The elements Tab stops at, in order (no page uses a positive tabindex), and one radio
# button per group.
TABBABLE = """() => {
    const seen = new Set();
    return [...document.querySelectorAll(
        'a[href], button, input, select, textarea, summary, [tabindex]'
    )].filter((el) => {
        if (el.disabled || el.tabIndex < 0 || el.type === 'hidden') return false;
        if (!el.checkVisibility({visibilityProperty: true})) return false;
        if (el.type === 'radio') {
            if (seen.has(el.name)) return false;
            seen.add(el.name);
        }
        return true;
    }).length;
}"""


def tab(page) -> dict | None:
    page.keyboard.press("Tab")
    return page.evaluate(FOCUSED)


@pytest.mark.parametrize("account", [None, accounts.READER], ids=["logged-out", "learner"])
def test_first_tab_reaches_the_skip_link_which_moves_focus_to_main(new_page, account):
    page = new_page(account)
    page.goto(LESSON_URL)
    focused = tab(page)
    assert focused["text"] == "Skip to content"
    assert focused["shown"], "the skip link must appear when it has the focus"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    # The next Tab goes on from the start of the content, not from the top of the page.
    following = tab(page)
    main_links = page.get_by_role("main").locator("a[href], button").first
    assert following["text"] == main_links.inner_text().strip()


FOCUS_PAGES = [
    (None, "/"),
    (None, "/register"),
    (accounts.READER, "/dashboard"),
    (accounts.READER, LESSON_URL),
    (accounts.ADMIN, "/admin/applications"),
    (accounts.INSTRUCTOR, "/author/example-course"),
]


@pytest.mark.parametrize(
    ("account", "path"),
    FOCUS_PAGES,
    ids=[f"{a.key if a else 'anyone'}:{p}" for a, p in FOCUS_PAGES],
)
def test_tab_goes_round_every_control_with_a_visible_focus(new_page, account, path):
    """Each Tab stop shows a 2 px outline or more, in 3:1 contrast with what is around it
    (WCAG 2.4.7, 2.4.13, 1.4.11), and Tab goes through every control and back to the first:
    nothing traps the focus (WCAG 2.1.2)."""
    page = new_page(account)
    page.goto(path)
    count = page.evaluate(TABBABLE)
    page.evaluate(RECORD_FOCUS)
    for _press in range(count + 2):
        page.keyboard.press("Tab")
    stops = page.evaluate("() => window.focusStops")
    texts = [stop["text"] for stop in stops]
    assert texts[0] == "Skip to content"
    assert "Skip to content" in texts[1:], f"Tab never came back to the start: {texts}"
    stops = stops[: texts.index("Skip to content", 1)]
    assert len(stops) == count, [stop["description"] for stop in stops]
    for stop in stops:
        assert stop["shown"], f"{stop['description']} has the focus but cannot be seen"
        assert stop["outline"] >= 2, f"{stop['description']} shows no focus outline"
        assert stop["contrast"] >= 3, f"{stop['description']}: focus outline contrast {stop}"
    # And back with Shift+Tab, from the start to the end of the page.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUSED)["description"] in {
        stops[-1]["description"],
        stops[-2]["description"],
    }


def type_into_focused(page, text: str) -> None:
    page.keyboard.type(text)
    page.keyboard.press("Tab")


def test_register_and_apply_with_the_keyboard_alone(server, new_page, check):
    page = new_page()
    page.goto("/register")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Enter")  # to the content
    for _press in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "name":
            break
    type_into_focused(page, "Kofi Mensah")
    type_into_focused(page, "kofi.mensah@accra.example")
    type_into_focused(page, accounts.PASSWORD)
    type_into_focused(page, "Accra Metropolitan Assembly")
    type_into_focused(page, "Social welfare officer")
    type_into_focused(page, "Accra")
    type_into_focused(page, "Ghana")  # a closed select jumps to what is typed
    page.keyboard.press("Tab")  # the language stays English
    page.keyboard.type("Accra")  # the zone by its city, as the picker names it
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.innerText") == "Create my account"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    assert page.get_by_label("Country").count() == 0  # left the form
    # The link in the mail confirms the address; then logging in, with the keyboard too.
    mail = server.wait_for_mail("kofi.mensah@accra.example", "Confirm your e-mail address")
    page.goto(
        re.search(
            r"https?://[^/\s]+(/confirm-email/\S+)",
            mail.get_body(preferencelist=("plain",)).get_content(),
        ).group(1)
    )
    page.get_by_label("E-mail address").focus()
    type_into_focused(page, "kofi.mensah@accra.example")
    page.keyboard.type(accounts.PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your dashboard")
    page.goto("/account")
    expect(page.get_by_label("Country")).to_have_value("GH")
    expect(page.get_by_label("Time zone")).to_have_value("Africa/Accra")

    # The application: a text area, a checkbox ticked with Space, the button with Enter.
    page.goto(f"{COURSE_URL}/cohorts/{server.cohort_slug}/apply")
    page.get_by_label("Why do you want to take this course?").focus()
    type_into_focused(page, "Accra runs day-care centres in every district; I plan them. " * 2)
    page.keyboard.press("Space")
    expect(page.get_by_role("checkbox")).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Your application to")


def error_of(page, label: str, **options):
    """A field's error as assistive technology finds it: aria-invalid, and the text of the
    elements its aria-describedby names."""
    field = page.get_by_label(label, **options)
    expect(field).to_have_attribute("aria-invalid", "true")
    ids = (field.get_attribute("aria-describedby") or "").split()
    assert ids, f"{label}: no aria-describedby"
    return " ".join(page.locator(f"[id='{name}']").inner_text() for name in ids)


def test_form_errors_are_tied_to_their_fields(server, new_page, check):
    page = new_page()
    page.goto("/register")
    page.get_by_label("E-mail address").fill("not an address")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create my account").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Please correct these")
    assert "This field is required." in error_of(page, "Full name")
    assert "Enter an e-mail address such as name@city.gov." in error_of(page, "E-mail address")
    password_error = error_of(page, "Password")
    assert "At least 12 characters" in password_error  # the hint stays described too
    assert error_of(page, "Organisation").endswith("This field is required.")
    # Each line of the summary leads to its field.
    summary.get_by_role("link", name=re.compile("^Full name")).click()
    assert page.evaluate("() => document.activeElement.id") == "name"
    check(page, "errors-register", screenshot=True)

    # A quiz sent with a question left unanswered.
    quiz = new_page(accounts.READER)
    quiz.goto(f"{COURSE_URL}/quizzes/first-steps")
    quiz.get_by_role("button", name=re.compile("^(Start|Continue)")).or_(
        quiz.get_by_role("link", name=re.compile("^Continue attempt"))
    ).first.click()
    quiz.get_by_role(
        "group", name=re.compile("Unpaid care work has no economic value")
    ).get_by_label("True", exact=True).check()
    quiz.get_by_role("button", name="Send my answers").click()
    expect(quiz.get_by_role("alert")).to_contain_text("Your answers were not graded yet")
    unanswered = quiz.get_by_role("group", name=re.compile("Which of these are indirect care"))
    described = unanswered.get_attribute("aria-describedby")
    assert described
    expect(quiz.locator(f"[id='{described}']")).to_be_visible()
    expect(unanswered).to_have_accessible_description(re.compile(r"\w"))
    check(quiz, "errors-quiz", screenshot=True)


# The main pages of each role; "+" marks those no journey visits, which axe checks here.
ZOOM_PAGES = {
    None: ["/", COURSE_URL, f"+{COURSE_URL}/guidebook", "+/login", "/register", "+/verify"],
    accounts.READER: [
        "/dashboard",
        COURSE_URL,
        LESSON_URL,
        f"{COURSE_URL}/lectures/first-steps",
        f"{COURSE_URL}/quizzes/first-steps",
        f"{COURSE_URL}/cohorts/{{cohort}}/schedule",
        "+/account",
        "+/account/password",
        "/account/calendar",
        "/account/certificate-name",
    ],
    accounts.ADMIN: [
        "/admin/",
        "/admin/applications",
        "+/admin/users",
        "/admin/certificates",
        "+/admin/audit",
        "/author/example-course",
        "+/author/example-course/cohorts/{cohort}/progress",
        "+/author/example-course/cohorts/{cohort}/sessions",
        "+/author/example-course/summary",
        f"{COURSE_URL}/cohorts/{{cohort}}/certificates",
        "/live/2/attendance",
    ],
}


@pytest.mark.parametrize(
    "account",
    list(ZOOM_PAGES),
    ids=[account.key if account else "anyone" for account in ZOOM_PAGES],
)
def test_pages_at_200_percent_zoom(server, new_page, check, account):
    """A 1280x800 window zoomed to 200 %: 640x400 CSS px at two device pixels each. Every
    page fits without scrolling sideways (and at 320 px); pages no journey visits pass axe."""
    page = new_page(account, viewport={"width": 640, "height": 400}, device_scale_factor=2)
    who = account.key if account else "anyone"
    for number, entry in enumerate(ZOOM_PAGES[account]):
        path = entry.removeprefix("+").format(cohort=server.cohort_slug)
        response = page.goto(path)
        assert response.ok, f"{path}: {response.status}"
        assert horizontal_overflow(page) is None, f"{path}: {horizontal_overflow(page)}"
        check(
            page,
            f"zoom-{who}-{path}",
            screenshot=number == 0,
            widths=[320],
            axe=entry.startswith("+"),
        )


def test_narrow_screenshots(new_page):
    """How the learner's main pages look at 320 px (kept for review with the others)."""
    page = new_page(accounts.READER, viewport={"width": 320, "height": 640})
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for path in ("/dashboard", LESSON_URL):
        page.goto(path)
        assert horizontal_overflow(page) is None
        name = path.strip("/").split("/")[-1]
        page.screenshot(path=ARTIFACTS / f"narrow-320-{name}.png", full_page=True)
