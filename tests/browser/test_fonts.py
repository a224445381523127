"""The web fonts for Hangul and Arabic (issue #25), in Chromium on a computer without Korean or
Arabic fonts: a Latin page fetches no slice of them and stays light; a page with a Korean or
an Arabic name fetches what it needs, and the name is drawn with it.

Such a computer is made with fontconfig: this Chromium sees one font, Noto Serif (Latin, Greek,
Cyrillic; the certificates' copy), so any Hangul or Arabic letter it draws comes from the
site. A Chromium with the machine's own fonts (the `chromium` fixture) would draw them with
Noto Sans CJK KR or Noto Sans Arabic where installed, and fetch nothing: the stylesheet lists
the computer's fonts first. tests/test_fonts.py checks the files and their rules.
"""

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser import accounts
from tests.browser.conftest import CHROMIUM, DESKTOP, log_in
from tests.conftest import REPO

BUDGET = 60 * 1024  # bytes transferred: the page, its stylesheet, script and fonts
KOREAN_NAME = "김민지"
ARABIC = accounts.BY_KEY["planner-amman"]  # نور الحداد
LATIN = accounts.READER
FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>{fonts}</dir>
  <cachedir>{cache}</cachedir>
</fontconfig>
"""

# The site's web font faces as the page sees them: family, file, whether loaded.
FACES = """() => [...document.fonts].map((face) => ({
    family: face.family.replace(/^["']|["']$/g, ''), status: face.status,
}))"""


@pytest.fixture(scope="module")
def latin_only_chromium(chromium, tmp_path_factory):
    """Chromium on a computer whose only font is Noto Serif."""
    folder = tmp_path_factory.mktemp("latin-only-fonts")
    fonts = folder / "fonts"
    fonts.mkdir()
    serif = REPO / "app" / "certificates" / "fonts" / "NotoSerif-Regular.ttf"
    (fonts / serif.name).write_bytes(serif.read_bytes())
    config = folder / "fonts.conf"
    config.write_text(FONTCONFIG.format(fonts=fonts, cache=folder / "cache"), encoding="utf-8")
    browser = chromium.browser_type.launch(
        executable_path=CHROMIUM, headless=True, env={"FONTCONFIG_FILE": str(config)}
    )
    yield browser
    browser.close()


class Traffic:
    """What the pages of a context fetched: font files, and bytes on the wire."""

    def __init__(self, context):
        self.finished = []
        context.on("requestfinished", lambda request: self.finished.append(request))

    def fonts(self) -> list[str]:
        return [r.url.split("/static/fonts/")[1].split("?")[0] for r in self.fonts_requested()]

    def fonts_requested(self):
        return [r for r in self.finished if "/static/fonts/" in r.url]

    def transferred(self) -> int:
        sizes = [r.sizes() for r in self.finished]
        return sum(s["responseHeadersSize"] + s["responseBodySize"] for s in sizes)


@pytest.fixture
def latin_only_page(latin_only_chromium, server, login_states):
    """A page, logged in as `account`, in the Latin-only Chromium; with what it fetched."""
    opened = []

    def make(account: accounts.Account | None = None):
        options = {"storage_state": login_states(account)} if account else {}
        context = latin_only_chromium.new_context(base_url=server.url, viewport=DESKTOP, **options)
        context.set_default_timeout(10_000)
        opened.append(context)
        return context.new_page(), Traffic(context)

    yield make
    for context in opened:
        context.close()


def settle(page) -> list[dict]:
    """Wait until the page's fonts are loaded; its web font faces then."""
    page.wait_for_load_state("load")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    return page.evaluate(FACES)


def loaded_families(page) -> set[str]:
    return {face["family"] for face in settle(page) if face["status"] == "loaded"}


def test_a_latin_page_fetches_no_hangul_or_arabic_font_and_stays_light(latin_only_page):
    page, traffic = latin_only_page(LATIN)
    page.goto("/dashboard")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your dashboard")
    assert loaded_families(page) <= {"CC Language Names"}
    # Only the footer's two language names in their own scripts (한국어, العربية): 4 KB.
    assert sorted(traffic.fonts()) == ["names-arabic.woff2", "names-hangul.woff2"]
    assert sum(r.sizes()["responseBodySize"] for r in traffic.fonts_requested()) < 6 * 1024
    assert page.evaluate("() => document.fonts.check('16px \"CC Language Names\"', '한국어')")
    print(f"\nDashboard, Latin, no Korean or Arabic font: {traffic.transferred()} bytes")
    assert traffic.transferred() < BUDGET, traffic.transferred()
    for response in (r.response() for r in traffic.fonts_requested()):
        assert response.header_value("content-type") == "font/woff2"
        assert response.header_value("cache-control") == "public, max-age=31536000, immutable"

    # A lesson page, the heaviest kind (tests/test_light_pages.py): no slice either.
    page.goto("/courses/example-course/lessons/who-does-care-work")
    settle(page)
    assert not [name for name in traffic.fonts() if not name.startswith("names-")]


def register(page, server, name: str, email: str) -> accounts.Account:
    """A new learner, registered through the form with the machine's fonts, address confirmed."""
    page.goto("/register")
    page.get_by_label("Full name").fill(name)
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(accounts.PASSWORD)
    page.get_by_label("Organisation").fill("Seoul Metropolitan Government")
    page.get_by_label("Position").fill("Care policy officer")
    page.get_by_label("City").fill("Seoul")
    page.get_by_label("Country").select_option(label="South Korea")
    page.get_by_label("Time zone").select_option("Asia/Seoul")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    mail = server.wait_for_mail(email, "Confirm your e-mail address")
    body = mail.get_body(preferencelist=("plain",)).get_content()
    page.goto(re.search(r"https?://[^/\s]+(/confirm-email/\S+)", body).group(1))
    return accounts.Account("korean-" + email, email, name, city="Seoul", country="KR")


def test_a_korean_name_fetches_a_hangul_slice_and_is_drawn_with_it(
    server, new_page, latin_only_page
):
    email = f"minji.kim.{uuid.uuid4().hex[:6]}@seoul.example"
    account = register(new_page(), server, KOREAN_NAME, email)
    page, traffic = latin_only_page()
    log_in(page, account)
    page.goto("/account")
    expect(page.get_by_label("Full name")).to_have_value(KOREAN_NAME)
    assert "CC Hangul" in loaded_families(page)
    # The name's syllables are all in the first slice, the most frequent: fetched alone.
    assert "hangul-1.woff2" in traffic.fonts()
    assert not {"hangul-3.woff2", "hangul-4.woff2", "hangul-5.woff2"} & set(traffic.fonts())
    assert "arabic.woff2" not in traffic.fonts()
    assert page.evaluate(f"() => document.fonts.check('16px \"CC Hangul\"', '{KOREAN_NAME}')")
    print(f"\nProfile of {KOREAN_NAME}: {traffic.fonts()}, {traffic.transferred()} bytes")


def test_an_arabic_name_fetches_the_arabic_font_and_is_drawn_with_it(latin_only_page):
    page, traffic = latin_only_page(ARABIC)
    page.goto("/account")
    expect(page.get_by_label("Full name")).to_have_value(ARABIC.name)
    assert "CC Arabic" in loaded_families(page)
    assert "arabic.woff2" in traffic.fonts()
    assert not [name for name in traffic.fonts() if name.startswith("hangul-")]
    assert page.evaluate(f"() => document.fonts.check('16px \"CC Arabic\"', '{ARABIC.name}')")
    print(f"\nProfile of {ARABIC.name}: {traffic.fonts()}, {traffic.transferred()} bytes")
    assert traffic.transferred() < BUDGET + 40 * 1024  # the Arabic font is 39 KB


def test_the_korean_interface_is_drawn_with_the_first_slices(latin_only_page):
    """The Korean interface's own text is in the first two slices (by frequency)."""
    page, traffic = latin_only_page()  # a visitor: the footer's choice is a cookie
    page.goto("/")
    page.get_by_role("button", name="한국어").click()
    settle(page)
    assert "CC Hangul" in loaded_families(page)
    print(f"\nHome page in Korean: {traffic.fonts()}, {traffic.transferred()} bytes")
    slices = {name for name in traffic.fonts() if name.startswith("hangul-")}
    # A later slice here: the catalogue has new syllables; run scripts/subset_fonts.py.
    assert slices <= {"hangul-1.woff2", "hangul-2.woff2"}, slices
