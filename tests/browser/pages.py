"""What every page the journeys visit must pass: axe, reflow, no script errors; screenshots."""

import os
import re
from pathlib import Path

from tests.conftest import REPO

ARTIFACTS = REPO / "test-artifacts" / "screenshots"
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# 320 CSS px wide (WCAG 1.4.10), and a 1280x800 window zoomed to 200 % (WCAG 1.4.4).
WIDTHS = {320: {"width": 320, "height": 640}, 640: {"width": 640, "height": 400}}

# BROWSER_CHECKS=report: write every problem to test-artifacts/problems.txt and go on, to see
# them all at once while fixing a page (the tests then pass: use it only for that).
REPORT_ONLY = os.environ.get("BROWSER_CHECKS") == "report"
PROBLEMS = ARTIFACTS.parent / "problems.txt"

PAGE_ERRORS: dict = {}  # page -> script errors and CSP violations seen in it


def watch(context) -> None:
    """Remember uncaught script errors and Content-Security-Policy violations of each page."""

    def on_console(message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            PAGE_ERRORS.setdefault(message.page, []).append(message.text)

    context.on("console", on_console)
    context.on(
        "weberror", lambda error: PAGE_ERRORS.setdefault(error.page, []).append(str(error.error))
    )


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page as it is now. page.evaluate is not subject to the site's CSP,
    so axe runs without bypass_csp and the policy stays on."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE + "\n;0")
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {
                runOnly: {type: 'tag', values: tags},
                resultTypes: ['violations'],  // details of the rest are not needed: faster
            });
            return results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map((n) => n.target.join(' ')),
                summaries: v.nodes.map((n) => n.failureSummary),
            }));
        }""",
        AXE_TAGS,
    )


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for target, summary in zip(violation["targets"], violation["summaries"], strict=True):
            lines.append(f"    {target}: {' '.join((summary or '').split())[:300]}")
    return "\n".join(lines)


def horizontal_overflow(page) -> dict | None:
    """The document's width when it is wider than the viewport (it scrolls sideways), and
    the widest elements that stick out; None when it fits."""
    return page.evaluate(
        """() => {
            const doc = document.documentElement;
            const width = doc.clientWidth;
            if (doc.scrollWidth <= width) return null;
            const culprits = [];
            for (const el of document.body.querySelectorAll('*')) {
                const box = el.getBoundingClientRect();
                if (box.right > width + 1) {
                    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                        (el.className && typeof el.className === 'string'
                            ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
                    const position = getComputedStyle(el).position;
                    culprits.push(`${name} (${position}, right edge ${Math.round(box.right)} px)`);
                }
            }
            return {scrollWidth: doc.scrollWidth, viewport: width, culprits: culprits.slice(-8)};
        }"""
    )


def safe_name(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class Checker:
    """check(page, name): the page passes axe (WCAG 2.2 A and AA rules), fits 320 CSS px and
    640x400 (a 1280x800 window at 200 %) without scrolling sideways (`widths`), and has no
    script error or CSP violation; `screenshot=True` first saves
    test-artifacts/screenshots/<name>.png (the full page, as it is)."""

    def __init__(self, test_name: str):
        self.test_name = test_name
        self.checked: list[str] = []

    def __call__(
        self, page, name: str, *, screenshot: bool = False, widths=(320, 640), axe: bool = True
    ):
        if not REPORT_ONLY:
            self.check(page, name, screenshot=screenshot, widths=widths, axe=axe)
            return
        try:
            self.check(page, name, screenshot=screenshot, widths=widths, axe=axe)
        except AssertionError as problem:
            with PROBLEMS.open("a", encoding="utf-8") as report:
                report.write(f"{self.test_name}: {problem}\n\n")

    def check(self, page, name: str, *, screenshot: bool, widths, axe: bool) -> None:
        page.wait_for_load_state("load")
        where = f"{name} ({page.url})"
        self.checked.append(where)
        if screenshot:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=ARTIFACTS / f"{safe_name(name)}.png", full_page=True)
        # axe waits on timers, which never fire in a page without JavaScript: `axe=False` there.
        violations = axe_violations(page) if axe else []
        assert not violations, (
            f"axe found {len(violations)} problem(s) on {where}:\n"
            + describe_violations(violations)
        )
        if widths:
            viewport = page.viewport_size
            try:
                for size in (WIDTHS[width] for width in widths):
                    page.set_viewport_size(size)
                    overflow = horizontal_overflow(page)
                    assert overflow is None, (
                        f"{where} scrolls sideways at {size['width']} CSS px: {overflow}"
                    )
            finally:
                page.set_viewport_size(viewport)
        errors = PAGE_ERRORS.pop(page, [])
        assert not errors, f"script errors or CSP violations on {where}: {errors}"
