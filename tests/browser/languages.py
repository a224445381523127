"""What the tests of the learner's pages in every interface language share
(test_language_journeys.py, test_accessibility_languages.py): the server with the real
Caring Cities course (server_caring_cities.py), and the check that a page has no text in
another language outside the elements marked with their own `lang`.

The check walks the text nodes of <body> (and the names a page gives assistive technology:
aria-label, title, alt, placeholder, a button's value) and leaves out:
- script, style, noscript, template;
- what is marked with a language other than the page's (course text nobody translated is
  `lang="en"`, the footer's language names carry their own);
- what people wrote about themselves: names, e-mails, cities, organisations are isolated
  in <bdi> (macros/people.html, `person_name`) or marked `data-person`.
In what is left, on a page that is not English, it flags common English interface words
(`ENGLISH_WORDS`); on an Arabic or Korean page, in the interface's own text (what inherits
<html lang>), every word in Latin script but the names of the programme and its partners,
file formats, e-mails, addresses and time-zone abbreviations (`LATIN_ALLOWED`); course text
translated into the page's language (marked with it) may keep names in their own script.
On an English page (the control) it flags words of the other scripts and common Spanish,
French and Portuguese function words.
"""

import contextlib
import json
import os
import re
import shutil
from pathlib import Path

from tests.browser import accounts
from tests.browser.conftest import Server
from tests.browser.pages import ARTIFACTS
from tests.server_process import serving

NOTES_SHOTS = Path("/work/notes/shots")

ENGLISH_WORDS = [
    "the", "and", "your", "of", "to", "for", "with", "save", "submit", "next", "previous",
    "lesson", "lessons", "quiz", "session", "sessions", "course", "courses", "true", "false",
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "hours", "minutes", "you", "this", "please", "log", "dashboard",
    "open", "until", "closed", "in", "is", "are", "at", "from", "by", "not", "my", "all",
    "back", "start", "send", "every", "or", "will", "has", "have", "here", "see", "date",
    "time", "zone", "attempt", "answers", "right", "wrong", "passed", "when", "which", "what",
    "who", "yet", "done",
]  # fmt: skip
# Words that are also the language's own: French "session", "on", "date"; Spanish "has";
# Portuguese "time" (a team).
OWN_WORDS = {
    "fr": {"session", "sessions", "minutes", "course", "courses", "quiz", "on", "or", "date",
           "zone"},
    "es": {"has"},
    "pt": {"time"},
}  # fmt: skip
# Proper names that are the same in the language (CLDR's Portuguese name of Port of Spain).
PROPER_NAMES = re.compile(r"\bPort of Spain\b")
# The English page's control: function words of the other Latin-script interface languages.
# (Not "del", "los", "las", "de": proper names such as Manzanas del Cuidado have them.)
OTHER_WORDS = [
    "una", "para", "con", "usted", "sesión", "lección", "les", "des", "une", "pour", "avec",
    "vous", "votre", "leçon", "você", "sua", "seu", "não", "aula",
]  # fmt: skip
# Latin-script words an Arabic or Korean page may show outside lang marks.
LATIN_ALLOWED = [
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",  # an e-mail address
    r"https?://\S+",  # an address
    r"\b(?:GMT|UTC)(?:\s?[+\-−]\s?\d{1,2}(?::\d\d)?)?",  # an offset
    r"\b(?:CET|CEST|EET|EEST|WET|WEST|KST|JST|AST|COT|BRT|WAT|CAT|EAT|IST|PST|PDT|EST|EDT)\b",
    r"\bCaring Cities\b", r"\bMetropolis\b", r"\bUCLG-ASPAC\b", r"\bUCLG\b",
    r"\bOpen Badges\b", r"\bPDF\b", r"\bCSV\b", r"\bZoom\b", r"\.?\bics\b", r"\bICS\b",
]  # fmt: skip

# The text of the page in its own language, as {text, where} items.
TEXT_IN_PAGE_LANGUAGE = """() => {
    const lang = document.documentElement.lang.split('-')[0];
    const found = [];
    const inLanguage = (el) => {
        const holder = el.closest('[lang]');
        return holder && holder.getAttribute('lang').split('-')[0] === lang;
    };
    const personal = (el) => el.closest('bdi, [data-person]');
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
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.nodeValue.replace(/\\s+/g, ' ').trim();
        const el = node.parentElement;
        if (!text || !el || el.closest('script, style, noscript, template')) continue;
        if (!inLanguage(el) || personal(el)) continue;
        const shown = el.closest('select') || el.checkVisibility({visibilityProperty: true});
        // Course text translated into the page's language is marked with it (the page's own
        // text inherits <html lang>): its proper names are the author's to keep.
        const course = el.closest('[lang]') !== document.documentElement;
        if (shown) found.push({text, where: where(el), course});
    }
    const attributes = ['aria-label', 'title', 'placeholder', 'alt', 'aria-description'];
    for (const el of document.body.querySelectorAll('*')) {
        if (!inLanguage(el) || personal(el)) continue;
        for (const name of attributes) {
            const value = el.getAttribute(name);
            if (value && value.trim()) found.push({text: value, where: `${where(el)} @${name}`});
        }
        if (el.matches('input[type=submit], input[type=button]')) {
            found.push({text: el.value, where: `${where(el)} @value`});
        }
    }
    return found;
}"""

WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
LATIN = re.compile(r"[A-Za-zÀ-ɏ]")


def foreign_words(text: str, language: str, course: bool = False) -> list[str]:
    """The words of `text` (text of a page in `language`) that are in another one. In course
    text (`course`) the names of places, programmes and laws may keep their own script: only
    English interface words count there."""
    if language == "en":
        other = set(OTHER_WORDS)
        return [
            word
            for word in WORD.findall(text)
            if word in other or re.search(r"[\u0600-\u06ff\uac00-\ud7af\u1100-\u11ff]", word)
        ]
    english = set(ENGLISH_WORDS) - OWN_WORDS.get(language, set())
    text = PROPER_NAMES.sub(" ", text)
    found = [word for word in WORD.findall(text) if word.lower() in english]
    if language in {"ar", "ko"} and not course:
        rest = text
        for allowed in LATIN_ALLOWED:
            rest = re.sub(allowed, " ", rest)
        found += [word for word in WORD.findall(rest) if LATIN.search(word)]
    return sorted(set(found))


class Findings:
    """What the language check found on the pages of one journey."""

    def __init__(self, language: str, name: str):
        self.language = language
        self.name = name
        self.lines: list[str] = []
        self.pages: list[str] = []

    def scan(self, page, name: str) -> None:
        page.wait_for_load_state("load")
        html = page.evaluate("() => [document.documentElement.lang, document.documentElement.dir]")
        self.pages.append(name)
        if html[0] != self.language:
            self.lines.append(f"{name} ({page.url}): <html lang={html[0]!r}>, not {self.language}")
        path = "/" + page.url.split("//", 1)[1].split("/", 1)[1]
        seen = set()
        for item in page.evaluate(TEXT_IN_PAGE_LANGUAGE):
            words = foreign_words(item["text"], self.language, item.get("course", False))
            if words and (item["text"], item["where"]) not in seen:
                seen.add((item["text"], item["where"]))
                self.lines.append(
                    f"{name} ({path}) [{item['where']}] {item['text'][:200]!r}: {', '.join(words)}"
                )

    def problem(self, text: str) -> None:
        self.lines.append(text)

    def assert_none(self) -> None:
        ARTIFACTS.parent.mkdir(parents=True, exist_ok=True)
        report = ARTIFACTS.parent / f"{self.name}-{self.language}.txt"
        report.write_text("\n".join(self.lines) + "\n", encoding="utf-8")
        assert not self.lines, (
            f"{len(self.lines)} problem(s) on {len(self.pages)} pages in {self.language!r}:\n"
            + "\n".join(self.lines)
        )


@contextlib.contextmanager
def caring_cities_server(folder: Path):
    """Run server_caring_cities.py on a temporary SQLite file until the block ends."""
    settings = {
        "database_url": f"sqlite:///{folder / 'site.sqlite'}",
        "engine_options": {},
        "instance_path": str(folder / "instance"),
    }
    settings_file = folder / "settings.json"
    settings_file.write_text(json.dumps(settings), encoding="utf-8")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS.parent / f"server-caring-cities-{folder.name}.log"
    with serving("tests.browser.server_caring_cities", settings_file, log) as (_process, started):
        server = Server(
            started["url"],
            Path(settings["instance_path"]),
            started["cohort_slug"],
            started["cohort_title"],
        )
        server.course_slug = started["course_slug"]
        yield server


def log_in(page, account: accounts.Account) -> None:
    """Log in through the form (found by its fields, whatever the page's language)."""
    page.goto("/login")
    page.locator("main form #email").fill(account.email)
    page.locator("main form #password").fill(accounts.PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard")


def save_shot(page, name: str) -> None:
    """A full-page screenshot in test-artifacts/screenshots/ and, when it exists,
    /work/notes/shots/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"{name}.png"
    page.screenshot(path=shot, full_page=True)
    if NOTES_SHOTS.parent.is_dir() and not os.environ.get("CI"):
        NOTES_SHOTS.mkdir(exist_ok=True)
        shutil.copy(shot, NOTES_SHOTS / shot.name)
