"""What every request pays, and no more: no user read where nobody is logged in, one where
someone is (the session version still checked), the rate limiter's storage only on limited
views, the security headers and CSRF unchanged, and a worker warmed before its first request.
"""

from collections import Counter

import pytest
from limits.storage import MemoryStorage

from app import warm_up
from app.core.i18n import LANGUAGES
from app.core.security import CONTENT_SECURITY_POLICY
from app.core.subscriptions import MailTopic, unsubscribe_token
from app.extensions import babel, db, limiter
from tests.conftest import Browser


class CountingMemoryStorage(MemoryStorage):
    """The in-memory rate-limit storage, counting every call the limiter makes on it."""

    STORAGE_SCHEME = ["counting"]
    calls: Counter = Counter()

    def incr(self, *args, **kwargs):
        self.calls["incr"] += 1
        return super().incr(*args, **kwargs)

    def get(self, *args, **kwargs):
        self.calls["get"] += 1
        return super().get(*args, **kwargs)

    def get_expiry(self, *args, **kwargs):
        self.calls["get_expiry"] += 1
        return super().get_expiry(*args, **kwargs)

    def get_moving_window(self, *args, **kwargs):
        self.calls["get_moving_window"] += 1
        return super().get_moving_window(*args, **kwargs)

    def acquire_entry(self, *args, **kwargs):
        self.calls["acquire_entry"] += 1
        return super().acquire_entry(*args, **kwargs)

    def check(self):
        self.calls["check"] += 1
        return super().check()


@pytest.fixture
def app_config() -> dict:
    return {"RATELIMIT_STORAGE_URI": "counting://"}


def _users_reads(statements: list[str]) -> int:
    return sum(1 for statement in statements if "FROM users" in statement)


def test_healthz_sends_one_statement_and_reads_no_user(app, client, count_queries, make_user):
    with count_queries() as anonymous:
        assert client.get("/healthz").status_code == 200
    assert anonymous.count == 1
    # A logged-in browser asking too (a monitor's session, a person's tab): still no user read.
    make_user(email="ana@city.example")
    browser = Browser(app.test_client())
    assert browser.login("ana@city.example").status_code == 302
    with count_queries() as logged_in:
        response = browser.client.get("/healthz")
    assert response.status_code == 200
    assert logged_in.count == 1 and _users_reads(logged_in.statements) == 0
    # It brings a login, unchecked: kept out of caches all the same, as a person's page is.
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Cache-Control" not in client.get("/healthz").headers


def test_a_public_page_reads_no_user(client, count_queries, imported_example):
    client.get(f"/courses/{imported_example.slug}")  # the outline, loaded once per process
    with count_queries() as queries:
        response = client.get(f"/courses/{imported_example.slug}")
    assert response.status_code == 200
    assert _users_reads(queries.statements) == 0
    assert "Cache-Control" not in response.headers


def test_a_logged_in_page_reads_the_user_once_and_a_revoked_session_is_refused(
    app, count_queries, make_user
):
    user = make_user(email="ana@city.example")
    browser = Browser(app.test_client())
    assert browser.login("ana@city.example").status_code == 302
    kept = Browser(app.test_client())  # the same session cookie, in another browser
    kept.client.set_cookie("session", browser.client.get_cookie("session").value)
    with count_queries() as queries:
        response = browser.client.get("/account")
    assert response.status_code == 200
    assert "ana@city.example" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert _users_reads(queries.statements) == 1
    # Every session ends (a password changed elsewhere): the very next request is anonymous.
    user.end_all_sessions()
    db.session.commit()
    assert kept.client.get("/account").status_code == 302
    assert browser.client.get("/dashboard").status_code == 302


def test_the_rate_limiter_is_not_asked_about_unlimited_views(app, client, make_user):
    assert limiter._check_request_limit not in app.before_request_funcs[None]
    assert isinstance(limiter.storage, CountingMemoryStorage)
    make_user(email="ana@city.example")
    CountingMemoryStorage.calls.clear()
    for path in ("/healthz", "/", "/verify", "/login", "/no-such-page"):
        client.get(path)
    browser = Browser(app.test_client())
    assert browser.login("ana@city.example").status_code == 302
    CountingMemoryStorage.calls.clear()  # the login is limited: its counts are not the point
    browser.client.get("/dashboard")
    browser.client.get("/account")
    assert sum(CountingMemoryStorage.calls.values()) == 0
    # A limited view does count, on the same storage: a failed login and the lookup form.
    response = Browser(app.test_client()).login("ana@city.example", "not the password")
    assert response.status_code == 401
    assert CountingMemoryStorage.calls["incr"] + CountingMemoryStorage.calls["acquire_entry"] > 0
    counted = sum(CountingMemoryStorage.calls.values())
    limited = client.get("/verify")
    assert sum(CountingMemoryStorage.calls.values()) > counted
    assert "X-RateLimit-Limit" in limited.headers


@pytest.mark.parametrize(
    "kind",
    ["page", "json", "static", "not found", "redirect", "csrf refused", "personal page"],
)
def test_security_headers_on_every_kind_of_response(app, client, make_user, kind):
    make_user(email="ana@city.example")
    browser = Browser(app.test_client())
    browser.login("ana@city.example")
    response = {
        "page": lambda: client.get("/"),
        "json": lambda: client.get("/healthz"),
        "static": lambda: client.get("/static/css/site.css"),
        "not found": lambda: client.get("/no-such-page"),
        "redirect": lambda: client.get("/dashboard"),
        "csrf refused": lambda: browser.client.post("/logout"),
        "personal page": lambda: browser.client.get("/dashboard"),
    }[kind]()
    response.close()
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert len(response.headers.getlist("Content-Security-Policy")) == 1


def test_a_view_keeps_its_own_referrer_policy(client, make_user):
    """The unsubscribe page (its token is in the address) says no-referrer, and only that."""
    user = make_user(email="ana@city.example")
    response = client.get(f"/mail/unsubscribe/{unsubscribe_token(user.id, MailTopic.PROGRESS)}")
    assert response.status_code == 200
    assert response.headers.getlist("Referrer-Policy") == ["no-referrer"]


def test_csrf_is_still_enforced(app, make_user):
    make_user(email="ana@city.example")
    browser = Browser(app.test_client())
    browser.login("ana@city.example")
    refused = browser.client.post("/logout")
    assert refused.status_code == 400
    assert browser.client.get("/dashboard").status_code == 200  # still logged in
    assert browser.logout().status_code == 302
    assert browser.client.get("/dashboard").status_code == 302


def test_warm_up_loads_every_catalogue_and_template(app):
    babel.domain_instance.cache.clear()
    app.jinja_env.cache.clear()
    warm_up(app)
    cached = {language for language, _domain in babel.domain_instance.cache}
    assert cached == set(LANGUAGES)
    compiled = {name for _loader, name in app.jinja_env.cache}
    assert {"base.html", "learning/lesson.html", "certificates/verify.html"} <= compiled
    assert compiled == set(app.jinja_env.list_templates())
