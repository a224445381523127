"""Every table of the app on a phone (320, 360 and 390 px), a tablet and a desktop.

No word wraps inside itself (each word of each cell's text lies on one line: its
Range.getClientRects() share one line), no table sticks out of the page or of its cell unless it
sits in a region that scrolls (overflow-x auto, focusable, named), and axe finds nothing at 360
and 1280 px. The tables' two kinds are in app/templates/macros/tables.html.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser import accounts
from tests.browser.pages import ARTIFACTS, axe_violations, describe_violations, safe_name

COURSE = "/courses/example-course"
PLANS = "city-plans"
WIDTHS = (320, 360, 390, 768, 1280)
AXE_WIDTHS = (360, 1280)

# What is wrong with the tables of the page as it is now: a list of sentences.
TABLE_PROBLEMS = """() => {
    const problems = [];
    const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (typeof el.className === 'string' && el.className.trim()
            ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    const tables = [...document.querySelectorAll('main table')];
    const onOneLine = (rects) => rects.every((a) => rects.every(
        (b) => a.top < b.bottom - 1 && b.top < a.bottom - 1));
    for (const [number, table] of tables.entries()) {
        const label = `table ${number + 1} (${(table.caption?.innerText || name(table))
            .trim().slice(0, 60)})`;
        // Words: a text node's runs of non-space characters, each on one line. A line may
        // end after a hyphen or a dash, as in print ("09:00–" / "11:00"): a word's parts.
        const walker = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const range = document.createRange();
            const dash = '\\\\-\u2010\u2013\u2014';
            const parts = new RegExp(`[^\\\\s${dash}]+[${dash}]*|[${dash}]+`, 'g');
            for (const match of node.nodeValue.matchAll(parts)) {
                range.setStart(node, match.index);
                range.setEnd(node, match.index + match[0].length);
                const rects = [...range.getClientRects()].filter((r) => r.width > 0);
                // Unless the word is longer than a whole line of its cell (an e-mail address
                // of 40 letters on a 320 px phone): then it breaks rather than stick out.
                const cell = node.parentElement.closest('th, td, caption') || table;
                const style = getComputedStyle(cell);
                const line = cell.clientWidth - parseFloat(style.paddingLeft)
                    - parseFloat(style.paddingRight);
                const width = rects.reduce((sum, r) => sum + r.width, 0);
                if (rects.length > 1 && !onOneLine(rects) && width <= line) {
                    problems.push(`${label}: the word "${match[0]}" is broken over ` +
                        `${rects.length} lines`);
                }
            }
        }
        // Cells whose content sticks out of them.
        const hidden = (el) => {
            for (; el && el !== table; el = el.parentElement) {
                if (getComputedStyle(el).clipPath !== 'none') return true;
            }
            return false;
        };
        for (const cell of table.querySelectorAll('th, td')) {
            if (!hidden(cell) && cell.scrollWidth > cell.clientWidth + 1
                    && getComputedStyle(cell).overflowX === 'visible') {
                problems.push(`${label}: a cell's content (${cell.scrollWidth} px) sticks out ` +
                    `of it (${cell.clientWidth} px): "${cell.innerText.trim().slice(0, 40)}"`);
            }
        }
        // The table fits each box around it, up to one that scrolls sideways.
        for (let box = table.parentElement; box; box = box.parentElement) {
            const overflow = getComputedStyle(box).overflowX;
            const scrolls = overflow === 'auto' || overflow === 'scroll';
            if (scrolls) {
                if (box.scrollWidth > box.clientWidth + 1) {
                    const labelled = box.getAttribute('role') === 'region'
                        && box.tabIndex === 0 && (box.getAttribute('aria-labelledby') || '')
                            .split(/\\s+/).every((id) => id && document.getElementById(id));
                    if (!labelled) problems.push(`${label} scrolls in ${name(box)}, which is ` +
                        'not a focusable region named by aria-labelledby');
                }
                break;
            }
            if (box.scrollWidth > box.clientWidth + 1) {
                problems.push(`${label} is ${table.offsetWidth} px wide and makes ${name(box)} ` +
                    `(${box.clientWidth} px) overflow, which does not scroll`);
                break;
            }
        }
    }
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth) {
        problems.push(`the page scrolls sideways (${doc.scrollWidth} px in ${doc.clientWidth})`);
    }
    return {count: tables.length, problems};
}"""


def check_tables(
    page, where: str, *, widths=WIDTHS, axe_widths=AXE_WIDTHS, full_page=True
) -> list[str]:
    """The problems of the page's tables at each width (and axe's at `axe_widths`)."""
    found = []
    viewport = page.viewport_size
    try:
        for width in widths:
            page.set_viewport_size({"width": width, "height": 800})
            result = page.evaluate(TABLE_PROBLEMS)
            assert result["count"], f"{where}: no table at all"
            found += [f"{where} at {width} px: {problem}" for problem in result["problems"]]
            if width in axe_widths:
                violations = axe_violations(page)
                if violations:
                    found.append(f"{where} at {width} px, axe:\n{describe_violations(violations)}")
            if width in (320, 1280):
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                name = safe_name(f"tables-{width}-{where}")
                page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=full_page)
    finally:
        page.set_viewport_size(viewport)
    return found


def visit(page, path: str, problems: list[str], name: str | None = None) -> None:
    response = page.goto(path)
    assert response.ok, f"{path}: {response.status}"
    problems += check_tables(page, name or path)


def take_the_quiz(page) -> None:
    """The tables' learner's attempt at the quiz, once: the quiz's table of attempts, the
    dashboard's scores and the item analysis."""
    page.goto(f"{COURSE}/quizzes/first-steps")
    if page.locator("main table").count() == 0:
        page.locator("form[action$='/attempts'] button").click()
        for question in page.locator("fieldset.question").all():
            question.locator("input").first.check()
        page.locator("form.quiz-form button").click()
        expect(page.locator("main")).to_contain_text("%")


def test_learner_tables(server, new_page):
    problems: list[str] = []
    anyone = new_page()
    visit(anyone, COURSE, problems, "course home (schedule)")
    visit(anyone, f"{COURSE}/guidebook", problems, "guidebook (schedule)")

    page = new_page(accounts.TABLES)
    take_the_quiz(page)
    visit(page, f"{COURSE}/quizzes/first-steps", problems, "quiz (attempts)")
    visit(page, "/dashboard", problems, "dashboard (quiz results)")
    visit(page, f"{COURSE}/lessons/what-care-work-is", problems, "lesson (Markdown table)")

    applicant = new_page(accounts.APPLICANT)
    visit(applicant, "/dashboard", problems, "dashboard (applications)")
    assert not problems, "\n".join(problems)


CSV_HEADER = "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\r\n"


def participant_report() -> str:
    day = datetime.now(UTC) - timedelta(days=1)
    join = day.strftime("%m/%d/%Y 02:00:00 PM")
    leave = day.strftime("%m/%d/%Y 04:00:00 PM")
    return (
        CSV_HEADER
        + f"{accounts.TABLES.name},{accounts.TABLES.email},{join},{leave},120,No\r\n"
        + f"Guest from Montevideo,intendencia.montevideo@imm.example,{join},{leave},95,Yes\r\n"
    )


def test_staff_tables(server, new_page, tmp_path):
    problems: list[str] = []
    take_the_quiz(new_page(accounts.TABLES))
    page = new_page(accounts.ADMIN)
    cohort = server.cohort_slug
    for path in ("/admin/applications", "/admin/audit", "/admin/certificates", "/admin/mail",
                 "/admin/users"):  # fmt: skip
        visit(page, path, problems)
    page.goto("/admin/certificates")
    page.get_by_role("row", name=re.compile(accounts.TABLES.name)).get_by_role("link").first.click()
    visit(page, page.url, problems, "a certificate (audit trail)")
    visit(page, f"{COURSE}/cohorts/{cohort}/certificates", problems, "cohort certificates")

    author = "/author/example-course"
    visit(page, author, problems, "course outline (lessons)")
    visit(page, f"{author}/lessons/what-care-work-is/history", problems, "lesson history")
    visit(page, f"{author}/cohorts/{cohort}/progress", problems, "progress report")
    visit(page, f"{author}/quizzes/first-steps/analysis", problems, "item analysis")
    visit(page, f"{author}/summary", problems, "summary report")
    visit(page, f"{author}/assignments/first-steps/cohorts/{cohort}", problems, "plans (work)")
    visit(page, "/live/2/attendance", problems, "attendance")

    # A participant report previewed (nothing is saved): its two tables.
    report = tmp_path / "participants.csv"
    report.write_text(participant_report(), encoding="utf-8")
    page.goto("/live/2/attendance/import")
    page.get_by_label("Participant report (CSV)").set_input_files(report)
    page.get_by_role("button", name="Preview the import").click()
    expect(page.get_by_role("heading", name="Preview: nothing is saved yet")).to_be_visible()
    problems += check_tables(page, "attendance import (preview)")

    # The plans course (no journey reads its lessons' history): an image, a second revision.
    plans = f"/author/{PLANS}"
    page.goto(f"{plans}/images")
    if page.locator("main table").count() == 0:
        image = server.instance_path / "course" / "media" / "care-map.png"
        page.locator("input[type=file]").set_input_files(image)
        page.locator("main form[enctype] button[type=submit]").click()
    visit(page, f"{plans}/images", problems, "images")
    history = f"{plans}/lessons/what-care-work-is/history"
    page.goto(history)
    if page.get_by_role("link", name=re.compile("^Changes")).count() == 0:
        page.goto(f"{plans}/lessons/what-care-work-is")
        text = page.get_by_label("Text (Markdown)")
        text.fill(
            text.input_value() + "\n\nSee https://www.ilo.org/global/topics/care-economy/"
            "lang--en/index.htm for the ILO's 5R framework of decent care work.\n"
        )
        page.get_by_role("button", name="Save a new revision").click()
        expect(page.get_by_role("status")).to_contain_text("revision 2")
    page.goto(history)
    page.get_by_role("link", name=re.compile("^Changes")).first.click()
    problems += check_tables(page, "lesson history (changes)")
    assert not problems, "\n".join(problems)


@pytest.fixture
def lesson_tables_page(server, new_page):
    """The real course's lessons that have tables, rendered as on a lesson page."""
    from pathlib import Path

    from app.core.markdown import render_markdown
    from tests.conftest import REPO

    lessons = [
        path
        for path in sorted(Path(REPO, "courses").rglob("*.md"))
        if not re.search(r"\.[a-z]{2}\.md$", path.name)  # the originals, not translations
        and re.search(r"^\|.*\|\s*$", path.read_text(encoding="utf-8"), re.MULTILINE)
    ]
    assert lessons, "no lesson of the course has a table"
    body = "".join(
        f'<div class="prose" lang="en">{render_markdown(path.read_text(encoding="utf-8"))}</div>'
        for path in lessons
    )
    page = new_page()
    page.goto("/")  # the site's address: the stylesheet loads from it
    page.set_content(
        '<!doctype html><html lang="en" dir="ltr"><head><title>Lessons</title>'
        f'<link rel="stylesheet" href="{server.url}/static/css/site.css"></head>'
        f'<body><main id="main" class="wrap"><h1>Lessons</h1>{body}</main></body></html>'
    )
    return page


def test_the_courses_lesson_tables(lesson_tables_page):
    problems = check_tables(lesson_tables_page, "the course's lesson tables", full_page=False)
    assert not problems, "\n".join(problems)
