"""Browser tests: one real server and one Chromium for the whole run (see docs/testing.md).

The server is `tests/browser/server.py` in a process of its own, on a temporary SQLite file or,
with TEST_DATABASE_URL, on a PostgreSQL schema of its own that is dropped at the end. Pages are
driven by Playwright (sync API) in Debian's Chromium; no browser is ever downloaded.
"""

import contextlib
import json
import os
import time
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.browser import accounts
from tests.browser.pages import ARTIFACTS, Checker, safe_name, watch
from tests.conftest import _drop_postgres_schema, _postgres_schema
from tests.server_process import serving

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = os.environ.get("BROWSER_EXECUTABLE", "/usr/bin/chromium")
HEADED = os.environ.get("BROWSER_HEADED", "") not in {"", "0"}
SLOW_MO = int(os.environ.get("BROWSER_SLOW_MO", "0") or 0)
DESKTOP = {"width": 1280, "height": 800}


class Server:
    """The running server: its address and its instance folder (mail lands in outbox/)."""

    def __init__(self, url: str, instance_path: Path, cohort_slug: str, cohort_title: str):
        self.url = url
        self.instance_path = instance_path
        self.cohort_slug = cohort_slug  # the example course's one cohort
        self.cohort_title = cohort_title

    def outbox(self) -> list[EmailMessage]:
        """The messages the site has sent so far, oldest first."""
        folder = self.instance_path / "outbox"
        return [
            message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(folder.glob("*.eml"))
        ]

    def mail_to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.outbox() if message["To"] == address]

    def wait_for_mail(self, address: str, subject: str, timeout: float = 10) -> EmailMessage:
        """The newest message to `address` whose subject starts with `subject`, waiting for it:
        mail leaves once the response has been sent, a moment after the page shows."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.mail_to(address) if m["Subject"].startswith(subject)]
            if found:
                return found[-1]
            if time.monotonic() > deadline:
                seen = [(m["To"], m["Subject"]) for m in self.outbox()]
                raise AssertionError(f"no mail {subject!r} to {address} after {timeout} s: {seen}")
            time.sleep(0.05)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """Start the app in a process of its own, seeded with the course and the test accounts."""
    folder = tmp_path_factory.mktemp("browser-server")
    server_url = os.environ.get("TEST_DATABASE_URL")
    schema = None
    if server_url:
        schema = f"test_browser_{uuid.uuid4().hex[:10]}"
        database = _postgres_schema(server_url, schema)
        settings = {"database_url": database.url, "engine_options": database.engine_options}
    else:
        settings = {"database_url": f"sqlite:///{folder / 'site.sqlite'}", "engine_options": {}}
    settings["instance_path"] = str(folder / "instance")
    settings_file = folder / "settings.json"
    settings_file.write_text(json.dumps(settings), encoding="utf-8")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS.parent / f"server-{'postgresql' if schema else 'sqlite'}.log"
    try:
        with serving("tests.browser.server", settings_file, log) as (_process, started):
            yield Server(
                started["url"],
                Path(settings["instance_path"]),
                started["cohort_slug"],
                started["cohort_title"],
            )
    finally:
        if schema:
            _drop_postgres_schema(server_url, schema)


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, driven by Playwright; headed with BROWSER_HEADED=1."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=not HEADED, slow_mo=SLOW_MO
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def login_states(server, chromium, tmp_path_factory):
    """Log each account in once; contexts then start from its saved cookies."""
    folder = tmp_path_factory.mktemp("logins")
    states: dict[str, Path] = {}

    def state(account: accounts.Account) -> Path:
        if account.key not in states:
            context = chromium.new_context(base_url=server.url)
            page = context.new_page()
            log_in(page, account)
            path = folder / f"{account.key}.json"
            context.storage_state(path=path)
            context.close()
            states[account.key] = path
        return states[account.key]

    # Logging out ends every session of the account: a test that does forgets its state.
    state.forget = lambda account: states.pop(account.key, None)
    return state


def log_in(page, account: accounts.Account, *, password: str = accounts.PASSWORD) -> None:
    """Log in through the form, as a person does, and land on the dashboard."""
    page.goto("/login")
    page.get_by_label("E-mail address").fill(account.email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/dashboard")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so fixtures can tell whether it failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def new_context(request, server, chromium, login_states):
    """Open a browser context (logged in as `account` when given); closed after the test.

    When the test fails, each of its pages is saved to test-artifacts/failures/."""
    opened = []

    def make(account: accounts.Account | None = None, **options):
        options.setdefault("viewport", DESKTOP)
        if account is not None:
            options["storage_state"] = login_states(account)
        context = chromium.new_context(base_url=server.url, **options)
        context.set_default_timeout(10_000)
        watch(context)
        opened.append(context)
        return context

    yield make
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        folder = ARTIFACTS.parent / "failures"
        folder.mkdir(parents=True, exist_ok=True)
        for number, page in enumerate(p for context in opened for p in context.pages):
            name = f"{safe_name(request.node.name)}-{number}.png"
            # A page that cannot be drawn any more is left out; the others are still saved.
            with contextlib.suppress(playwright_api.Error):
                page.screenshot(path=folder / name, full_page=True)
    for context in opened:
        context.close()


@pytest.fixture
def new_page(new_context):
    """A page in a context of its own (logged in as `account` when given)."""

    def make(account: accounts.Account | None = None, **options):
        return new_context(account, **options).new_page()

    return make


@pytest.fixture
def check(request):
    """check(page, name): axe, reflow at 320 px and at 200 %, console errors; see pages.py."""
    return Checker(request.node.name)
