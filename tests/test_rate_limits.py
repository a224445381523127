"""Rate limits on login, registration and password reset."""

import os
import uuid

import pytest

from app.extensions import db
from tests.conftest import PASSWORD, Browser, separate_app
from tests.html import csrf_token
from tests.test_accounts import REGISTRATION

pytestmark = pytest.mark.slow  # hundreds of requests against each limit


def failed_login(browser: Browser, email: str, **kwargs):
    return browser.login(email, "not the right password", **kwargs)


def test_ten_failed_logins_lock_the_account_for_fifteen_minutes(app, browser, make_user):
    make_user(email="ana@city.example")
    make_user(email="ben@city.example")
    for attempt in range(10):
        # Case variants of the address count against the same account.
        email = "ana@city.example" if attempt % 2 else "ANA@City.Example"
        assert failed_login(browser, email).status_code == 401
    locked = browser.login("ana@city.example", PASSWORD)  # even the right password now
    assert locked.status_code == 429
    page = locked.get_data(as_text=True)
    assert "Too many failed logins for this account. Wait 15 minutes" in page
    assert "Retry-After" in locked.headers
    assert browser.client.get("/dashboard").status_code == 302
    # Another account on the same network is not locked out.
    assert browser.login("ben@city.example", PASSWORD).status_code == 302


def test_a_stranger_cannot_lock_the_owner_out_of_a_browser_they_logged_in_from(app, make_user):
    make_user(email="ana@city.example")
    owner = Browser(app.test_client())
    response = owner.login("ana@city.example")
    assert response.status_code == 302
    (cookie,) = [
        header for header in response.headers.getlist("Set-Cookie") if "trusted_device=" in header
    ]
    assert "HttpOnly" in cookie and "Path=/login" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # plain HTTP here; see the HTTPS test below
    owner.logout()

    stranger = Browser(app.test_client())
    for _ in range(10):
        assert failed_login(stranger, "ana@city.example").status_code == 401
    assert stranger.login("ana@city.example").status_code == 429
    fresh = Browser(app.test_client())  # a browser the account was never used in
    refused = fresh.login("ana@city.example")
    assert refused.status_code == 429
    assert "Too many failed logins for this account" in refused.get_data(as_text=True)
    # The owner's own browser still gets in, with the right password only.
    assert failed_login(owner, "ana@city.example").status_code == 401
    assert owner.login("ana@city.example").status_code == 302
    assert owner.client.get("/dashboard").status_code == 200


def test_failures_in_a_trusted_browser_lock_only_that_browser(app, make_user):
    make_user(email="ana@city.example")
    kept = Browser(app.test_client())
    kept.login("ana@city.example")
    kept.logout()
    for _ in range(10):
        assert failed_login(kept, "ana@city.example").status_code == 401
    assert kept.login("ana@city.example").status_code == 429
    # Those failures were not counted against the account for other browsers.
    assert Browser(app.test_client()).login("ana@city.example").status_code == 302


def test_a_device_cookie_counts_only_for_its_own_account(app, make_user):
    make_user(email="ana@city.example")
    make_user(email="mallory@city.example")
    mallory = Browser(app.test_client())
    mallory.login("mallory@city.example")
    mallory.logout()
    for _ in range(10):
        assert failed_login(mallory, "ana@city.example").status_code == 401
    assert Browser(app.test_client()).login("ana@city.example").status_code == 429


def test_a_new_password_takes_the_trust_back(app, make_user):
    user = make_user(email="ana@city.example")
    old_browser = Browser(app.test_client())
    old_browser.login("ana@city.example")
    old_browser.logout()
    user.set_password("lantern harbour quiet moss", app.config["PASSWORD_HASH_METHOD"])
    db.session.commit()
    for _ in range(10):
        failed_login(Browser(app.test_client()), "ana@city.example")
    assert old_browser.login("ana@city.example", "lantern harbour quiet moss").status_code == 429


def test_the_device_cookie_is_secure_over_https(app, make_user):
    app.config["SESSION_COOKIE_SECURE"] = True
    make_user(email="ana@city.example")
    response = Browser(app.test_client()).login("ana@city.example")
    (cookie,) = [
        header for header in response.headers.getlist("Set-Cookie") if "trusted_device=" in header
    ]
    assert "Secure" in cookie


def test_a_city_hall_behind_one_address_logs_in_while_guessing_is_stopped(app, make_user):
    """The defaults: every official of a city hall behind one NAT address gets in before a live
    session, while that address may fail only 30 times in 15 minutes."""
    officials = [make_user(email=f"official{number}@city.example") for number in range(100)]
    for official in officials:
        assert Browser(app.test_client()).login(official.email).status_code == 302
    guesser = Browser(app.test_client())
    for number in range(30):
        assert failed_login(guesser, f"official{number}@city.example").status_code == 401
    refused = failed_login(guesser, "official99@city.example")
    assert refused.status_code == 429
    assert "Too many failed logins from your network" in refused.get_data(as_text=True)
    # Now every login from that address waits, the right password too.
    assert Browser(app.test_client()).login(officials[-1].email).status_code == 429


def test_successful_logins_do_not_count_as_failures(app, make_user):
    make_user(email="ana@city.example")
    for _ in range(12):
        browser = Browser(app.test_client())
        assert browser.login("ana@city.example").status_code == 302
        browser.logout()


def test_many_logins_from_one_address_are_limited(app, make_user):
    app.config["LOGIN_ATTEMPTS_PER_ADDRESS"] = "5 per 15 minutes"
    make_user(email="ana@city.example")
    for _ in range(5):
        assert Browser(app.test_client()).login("ana@city.example").status_code == 302
    response = Browser(app.test_client()).login("ana@city.example")
    assert response.status_code == 429
    assert "Too many login attempts from your network" in response.get_data(as_text=True)


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(app, browser):
    app.config["LOGIN_ATTEMPTS_PER_ADDRESS"] = "3 per 15 minutes"
    for number in range(3):
        failed_login(
            browser,
            f"p{number}@city.example",
            headers={"X-Forwarded-For": f"203.0.113.{number}"},
        )
    # A client cannot pretend to be someone else by sending the header itself.
    token = browser.token("/login")
    response = browser.client.post(
        "/login",
        data={"csrf_token": token, "email": "x@city.example", "password": "wrong wrong wrong"},
        headers={"X-Forwarded-For": "198.51.100.7"},
    )
    assert response.status_code == 429


def test_forwarded_for_is_used_behind_a_trusted_proxy(make_database, tmp_path):
    database = make_database()
    settings = {
        **database.config(),
        "TRUSTED_PROXIES": 1,
        "LOGIN_ATTEMPTS_PER_ADDRESS": "2 per 15 minutes",
    }
    with separate_app(settings, str(tmp_path)) as behind_proxy:
        with behind_proxy.app_context():
            db.create_all()
        client = behind_proxy.test_client()

        def attempt(forwarded_for: str) -> int:
            page = client.get("/login")
            return client.post(
                "/login",
                data={
                    "csrf_token": csrf_token(page),
                    "email": "x@city.example",
                    "password": "wrong wrong wrong",
                },
                headers={"X-Forwarded-For": forwarded_for},
            ).status_code

        assert [attempt("203.0.113.1") for _ in range(3)] == [401, 401, 429]
        # Another real client behind the same proxy has its own allowance.
        assert attempt("203.0.113.2") == 401


def test_registrations_from_one_address_are_limited(app, browser):
    app.config["REGISTRATIONS_PER_ADDRESS"] = "2 per hour"
    for number in range(2):
        other = Browser(app.test_client())
        response = other.post_form(
            "/register", {**REGISTRATION, "email": f"person{number}@city.example"}
        )
        assert response.status_code == 200
    response = browser.post_form("/register", {**REGISTRATION, "email": "third@city.example"})
    assert response.status_code == 429
    assert "Too many accounts were registered from your network" in response.get_data(as_text=True)


def test_reset_requests_per_account_are_limited(app, browser, make_user, outbox):
    make_user(email="ana@city.example")
    for _ in range(5):
        assert (
            browser.post_form("/forgot-password", {"email": "ana@city.example"}).status_code == 200
        )
    response = browser.post_form("/forgot-password", {"email": "ANA@city.example"})
    assert response.status_code == 429
    assert "Too many reset requests for this address" in response.get_data(as_text=True)
    assert len(outbox()) == 5


def test_the_limit_storage_is_one_setting(tmp_path, monkeypatch):
    from app import create_app
    from app.extensions import limiter

    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    app = create_app({"SECRET_KEY": "x"}, instance_path=str(tmp_path))
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    with app.app_context():
        assert type(limiter.storage).__name__ == "MemoryStorage"


REDIS_URL = os.environ.get("TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="set TEST_REDIS_URL (.ci/run does) to test Redis")
def test_failed_logins_are_counted_in_redis_when_configured(database, tmp_path, make_user):
    """With RATELIMIT_STORAGE_URI=redis://..., the counts live in Redis, where every process
    of the site reads the same numbers."""
    import redis

    prefix = f"test-{uuid.uuid4().hex}"
    settings = {
        **database.config(),
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
    }
    make_user(email="ana@city.example")
    server = redis.Redis.from_url(REDIS_URL)
    with separate_app(settings, str(tmp_path)) as site:
        browser = Browser(site.test_client())
        for _ in range(10):
            assert failed_login(browser, "Ana@City.example").status_code == 401
        keys = [key.decode() for key in server.scan_iter(f"LIMITS:LIMITER/{prefix}/*")]
        account_keys = [key for key in keys if "/account:ana@city.example/" in key]
        assert len(account_keys) == 1
        assert server.get(account_keys[0]) == b"10"
        assert browser.login("ana@city.example").status_code == 429
    for key in server.scan_iter(f"LIMITS:LIMITER/{prefix}/*"):
        server.delete(key)
    server.close()
