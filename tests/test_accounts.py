"""Accounts: registration, passwords, login and logout, sessions, the profile and deletion."""

import json
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.operations import create_user
from app.accounts.passwords import password_problem
from app.core.audit import AuditEvent
from app.extensions import db
from app.learning.models import Application
from tests.conftest import PASSWORD, Browser, without_tokens
from tests.test_pages import visible_text

REGISTRATION = {
    "name": "Görsev Argın",
    "email": "Gorsev@Izmir.Example",
    "password": "tea garden ferry wind",
    "organisation": "İzmir Metropolitan Municipality",
    "position": "Head of social services",
    "city": "İzmir",
    "country": "TR",
    "preferred_language": "en",
    "time_zone": "Europe/Istanbul",
}


def cookie_names(response) -> set[str]:
    return {header.split("=", 1)[0] for header in response.headers.getlist("Set-Cookie")}


def users_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


CONFIRMATION_LINK = re.compile(r"https?://[^/\s]+(/confirm-email/\S+)")


def confirmation_link(message) -> str:
    match = CONFIRMATION_LINK.search(message.get_body(preferencelist=("plain",)).get_content())
    assert match, message.get_body(preferencelist=("plain",)).get_content()
    return match.group(1)


def register_and_confirm(app, browser: Browser, registration: dict) -> None:
    """Register, open the link in the confirmation mail, log in: a newcomer ready to apply."""
    assert browser.post_form("/register", registration).status_code == 200
    email = registration["email"].lower()
    outbox = Path(app.instance_path) / "outbox"
    (message,) = [
        message
        for message in (
            message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(outbox.glob("*.eml"))
        )
        if message["To"] == email
        and "/confirm-email/" in message.get_body(preferencelist=("plain",)).get_content()
    ]
    assert browser.client.get(confirmation_link(message)).status_code == 302
    assert browser.login(email, registration["password"]).status_code == 302


def test_registration_stores_the_profile_and_mails_a_confirmation_link(app, browser, outbox):
    response = browser.post_form("/register", REGISTRATION)
    assert response.status_code == 200
    assert "We have sent a message to gorsev@izmir.example" in visible_text(
        response.get_data(as_text=True)
    )
    user = db.session.scalar(select(User))
    assert user.email == "gorsev@izmir.example"  # addresses are stored lowercased
    assert (user.name, user.organisation, user.position, user.city) == (
        "Görsev Argın",
        "İzmir Metropolitan Municipality",
        "Head of social services",
        "İzmir",
    )
    assert (user.country, user.preferred_language, user.time_zone) == (
        "TR",
        "en",
        "Europe/Istanbul",
    )
    assert user.role.value == "learner"
    assert user.password_hash.startswith("scrypt:")
    assert "tea garden" not in user.password_hash
    assert user.email_confirmed_at is None
    assert browser.client.get("/dashboard").status_code == 302  # not logged in by registering

    (message,) = outbox()
    assert message["To"] == "gorsev@izmir.example"
    assert message["Subject"] == "Confirm your e-mail address for Caring Cities"
    assert (
        message.get_body(preferencelist=("plain",)).get_content().startswith("Hello Görsev Argın,")
    )
    confirmed = browser.client.get(confirmation_link(message), follow_redirects=True)
    assert "Your e-mail address is confirmed." in confirmed.get_data(as_text=True)
    db.session.refresh(user)
    assert user.email_confirmed_at is not None
    events = list(
        db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == user.id))
    )
    assert events.count("account.email_confirmed") == 1
    # The link again: still fine, and nothing recorded twice.
    assert browser.client.get(confirmation_link(message)).status_code == 302
    assert browser.login("gorsev@izmir.example", REGISTRATION["password"]).status_code == 302


def test_registration_answers_the_same_for_a_new_and_a_taken_address(app, make_user, outbox):
    owner = make_user(email="ana@city.example", name="Ana Pérez")
    taken = Browser(app.test_client()).post_form(
        "/register", {**REGISTRATION, "email": "ANA@City.Example"}
    )
    new = Browser(app.test_client()).post_form(
        "/register", {**REGISTRATION, "email": "ANA@Town.Example"}
    )
    assert taken.status_code == new.status_code == 200
    # Neither logs anyone in: the same cookies (the form's session) come back from both.
    assert cookie_names(taken) == cookie_names(new) == {"session"}
    # Only the address typed differs (and each browser's own CSRF token, in the footer's form).
    assert without_tokens(taken).replace("ana@city.example", "ana@town.example") == (
        without_tokens(new)
    )
    assert users_count() == 2
    db.session.refresh(owner)
    assert (owner.name, owner.organisation) == ("Ana Pérez", "City of Bogotá")
    assert owner.check_password(PASSWORD)
    mails = {message["To"]: message for message in outbox()}
    assert mails["ana@town.example"]["Subject"] == "Confirm your e-mail address for Caring Cities"
    attempt = mails["ana@city.example"]
    assert attempt["Subject"] == "Someone tried to register with your address at Caring Cities"
    body = attempt.get_body(preferencelist=("plain",)).get_content()
    assert "Hello Ana Pérez," in body
    assert "/login" in body and "/forgot-password" in body
    assert "/confirm-email/" not in body


def test_registration_does_the_same_work_for_a_new_and_a_taken_address(
    app, make_user, outbox, monkeypatch
):
    """One password hash in each branch, and no mail before the response has been sent."""
    from werkzeug.security import generate_password_hash
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    make_user(email="ana@city.example")
    app.config["WTF_CSRF_ENABLED"] = False
    hashes = []

    def counting(password, method="scrypt", salt_length=16):
        hashes.append(method)
        return generate_password_hash(password, method=method, salt_length=salt_length)

    monkeypatch.setattr("app.accounts.models.generate_password_hash", counting)
    monkeypatch.setattr("app.accounts.operations.generate_password_hash", counting)
    for number, email in enumerate(["ana@city.example", "newcomer@city.example"], start=1):
        hashes.clear()
        environ = EnvironBuilder(
            path="/register", method="POST", data={**REGISTRATION, "email": email}
        ).get_environ()
        body, status, _headers = run_wsgi_app(app, environ, buffered=False)
        assert status.startswith("200")
        assert len(hashes) == 1
        assert len(outbox()) == number - 1  # the response is ready, its mail not sent yet
        b"".join(body)
        body.close()  # what a server does once the response has gone
        assert len(outbox()) == number
        assert outbox()[-1]["To"] == email


def test_mail_leaves_even_when_the_server_never_closes_the_response(app, outbox):
    """werkzeug's development server skips close() when the browser hangs up after a redirect:
    the mail leaves once the last chunk is taken, or when the response is dropped unread."""
    import gc

    from werkzeug.test import EnvironBuilder

    app.config["WTF_CSRF_ENABLED"] = False
    for number, email in enumerate(["read@city.example", "dropped@city.example"], start=1):
        environ = EnvironBuilder(
            path="/register", method="POST", data={**REGISTRATION, "email": email}
        ).get_environ()
        response = app.wsgi_app(environ, lambda status, headers, exc_info=None: None)
        assert len(outbox()) == number - 1
        if email.startswith("read"):
            assert b"".join(response)  # every chunk sent, and no close()
        else:
            del response  # the connection dropped before a byte was sent
            gc.collect()
        assert [message["To"] for message in outbox()][-1] == email
        assert len(outbox()) == number


def test_an_unconfirmed_account_logs_in_but_cannot_apply(app, browser, imported_example, outbox):
    cohort = imported_example.cohorts[0]
    cohort.applications_open_at = cohort.applications_open_at.replace(year=2000)
    cohort.applications_close_at = cohort.applications_close_at.replace(year=2100)
    db.session.commit()
    apply_url = f"/courses/{imported_example.slug}/cohorts/{cohort.slug}/apply"
    browser.post_form("/register", REGISTRATION)
    assert browser.login("gorsev@izmir.example", REGISTRATION["password"]).status_code == 302
    page = visible_text(browser.client.get(apply_url).get_data(as_text=True))
    assert "Confirm your e-mail address before you apply" in page
    assert "Send the link again" in page
    refused = browser.post_form(
        apply_url,
        {"motivation": "Care work in our city is invisible; " * 3, "confirms_public_official": "y"},
    )
    assert refused.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Application)) == 0

    again = browser.post_form("/account/confirm-email", {"next": apply_url}, page=apply_url)
    assert again.status_code == 302 and again.headers["Location"] == apply_url
    assert "We have sent a new link" in browser.client.get(apply_url).get_data(as_text=True)
    _first, second = outbox()
    assert browser.client.get(confirmation_link(second)).status_code == 302
    applied = browser.post_form(
        apply_url,
        {"motivation": "Care work in our city is invisible; " * 3, "confirms_public_official": "y"},
    )
    assert applied.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Application)) == 1


def test_sending_the_link_again_is_limited(app, browser, make_user):
    app.config["CONFIRMATION_MAILS_PER_ACCOUNT"] = "2 per hour"
    browser.post_form("/register", REGISTRATION)
    browser.login("gorsev@izmir.example", REGISTRATION["password"])
    for _ in range(2):
        assert browser.post_form("/account/confirm-email", {}, page="/dashboard").status_code == 302
    refused = browser.post_form("/account/confirm-email", {}, page="/dashboard")
    assert refused.status_code == 429
    assert "We have sent several links already" in refused.get_data(as_text=True)


def test_confirmation_links_expire_and_cannot_be_forged(app, browser, outbox, monkeypatch):
    import time

    eight_days_ago = time.time() - 8 * 24 * 60 * 60
    with monkeypatch.context() as patch:
        patch.setattr("itsdangerous.timed.time.time", lambda: eight_days_ago)
        browser.post_form("/register", REGISTRATION)
    expired = browser.client.get(confirmation_link(outbox()[0]))
    assert expired.status_code == 400
    assert "This confirmation link has expired." in expired.get_data(as_text=True)
    forged = browser.client.get("/confirm-email/eyJ1c2VyIjoxfQ.AAAA.BBBB")
    assert forged.status_code == 400
    assert "This confirmation link is not valid." in forged.get_data(as_text=True)
    assert db.session.scalar(select(User)).email_confirmed_at is None


def test_a_password_reset_confirms_the_address(app, browser, outbox):
    browser.post_form("/register", REGISTRATION)
    Browser(app.test_client()).post_form("/forgot-password", {"email": "gorsev@izmir.example"})
    reset = re.search(
        r"(/reset-password/\S+)", outbox()[-1].get_body(preferencelist=("plain",)).get_content()
    ).group(1)
    new = "lantern harbour quiet moss"
    assert browser.post_form(reset, {"password": new, "confirm": new}).status_code == 302
    assert db.session.scalar(select(User)).email_confirmed_at is not None


def test_accounts_made_by_admins_and_the_command_line_are_confirmed(app, runner, make_user):
    assert make_user(email="ana@city.example").email_confirmed_at is not None
    result = runner.invoke(args=["user", "ensure-admin"])
    assert result.exit_code == 0, result.output
    assert all(user.email_confirmed_at for user in db.session.scalars(select(User)))


def test_registration_form_works_without_javascript(client):
    page = client.get("/register").get_data(as_text=True)
    # The time zone is an ordinary select that starts at a guess from the browser's languages
    # (none here: the interface's English, so London), never UTC; the script only preselects.
    assert '<option data-aliases="Europe/Belfast" selected value="Europe/London">' in page
    assert '<option value="Asia/Seoul">Seoul (Korean Time)</option>' in page
    assert 'for="time_zone"' in page and "data-browser-zone" in page
    # The script is progressive enhancement, loaded under its fingerprinted name.
    assert re.search(r'<script src="/static/js/timezone\.js\?v=[0-9a-f]{8}" defer>', page)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "   "}, "name", "This field is required."),
        ({"name": "x" * 201}, "name", "Use at most 200 characters."),
        ({"email": "not an address"}, "email", "Enter an e-mail address"),
        ({"email": ""}, "email", "This field is required."),
        ({"password": "short pass"}, "password", "Use at least 12 characters."),
        ({"password": "x1" * 65}, "password", "Use at most 128 characters."),
        ({"password": "password1234"}, "password", "list of common passwords"),
        ({"password": "gorsev@izmir.example"}, "password", "must not be your name or e-mail"),
        ({"country": "XX"}, "country", "Not a valid choice"),
        ({"country": ""}, "country", "Choose a country."),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Choose a time zone from the list."),
        ({"preferred_language": "tlh"}, "preferred_language", "Not a valid choice"),
        ({"organisation": "a\x07b"}, "organisation", "This field cannot contain"),
    ],
)
def test_registration_refuses_bad_input_and_stores_nothing(browser, changes, field, message):
    response = browser.post_form("/register", {**REGISTRATION, **changes})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    # The error is tied to its field, for screen readers.
    assert f'id="{field}-error"' in page
    assert 'aria-invalid="true"' in page
    assert users_count() == 0


def test_markup_in_a_name_is_shown_as_text(app, browser):
    browser.post_form("/register", {**REGISTRATION, "name": "<script>alert(1)</script> Ana"})
    browser.login("gorsev@izmir.example", REGISTRATION["password"])
    page = browser.client.get("/account").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Ana" in page


def test_password_rules():
    assert password_problem("a" * 11) == "Use at least 12 characters."
    assert password_problem("tea garden ferry wind") is None
    assert password_problem(("ferry lantern " * 10)[:128]) is None  # 128 characters are allowed
    assert password_problem(("ferry lantern " * 10)[:129]) == "Use at most 128 characters."
    assert "common" in password_problem("qwertyuiop123")
    assert "common" in password_problem("Sunshine2024!!")  # a common word with a predictable end
    assert "different characters" in password_problem("abababababab")


def test_long_passwords_are_not_truncated(app):
    long_password = "ferry lantern " * 9  # 126 characters
    user = create_user("long@city.example", long_password, name="Long Password")
    assert user.check_password(long_password)
    assert not user.check_password(long_password[:-1] + "X")
    assert not user.check_password(long_password[:72])


def test_production_hashing_is_memory_hard_scrypt(tmp_path):
    from app import create_app

    production = create_app({"SECRET_KEY": "x"}, instance_path=str(tmp_path))
    assert production.config["PASSWORD_HASH_METHOD"] == "scrypt"
    user = User()
    user.set_password("tea garden ferry wind", production.config["PASSWORD_HASH_METHOD"])
    # werkzeug's scrypt default: N=2^15, r=8 (32 MiB of memory per hash).
    assert user.password_hash.startswith("scrypt:32768:8:1$")


def test_login_and_logout(app, browser, make_user):
    user = make_user(email="ana@city.example", name="Ana Pérez")
    response = browser.login("ANA@city.example")  # the address is matched without case
    assert response.status_code == 302
    page = browser.client.get("/dashboard").get_data(as_text=True)
    assert "Log out" in page
    db.session.refresh(user)
    assert user.last_login_at is not None

    response = browser.logout()
    assert response.status_code == 302
    page = browser.client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "You are logged out" in page
    assert browser.client.get("/dashboard").status_code == 302


def test_wrong_password_gets_401_and_one_message_for_both_mistakes(app, browser, make_user):
    make_user(email="ana@city.example")
    wrong_password = browser.login("ana@city.example", "not the password at all")
    unknown_address = browser.login("nobody@city.example", PASSWORD)
    assert wrong_password.status_code == unknown_address.status_code == 401
    for response in (wrong_password, unknown_address):
        assert "The e-mail address or the password is wrong." in response.get_data(as_text=True)
    assert browser.client.get("/dashboard").status_code == 302


def test_deactivated_account_cannot_log_in(app, browser, make_user):
    user = make_user(email="ana@city.example")
    user.is_active = False
    db.session.commit()
    assert browser.login("ana@city.example").status_code == 401


def test_login_starts_a_fresh_session(app, browser, make_user):
    make_user(email="ana@city.example")
    with browser.client.session_transaction() as session:
        session["planted"] = "by someone else"
    browser.login("ana@city.example")
    with browser.client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].endswith(":1")


@pytest.mark.parametrize(
    ("target", "landing"),
    [
        ("/account", "/account"),
        ("/courses/x?tab=2", "/courses/x?tab=2"),
        ("//evil.example", "/dashboard"),
        ("https://evil.example", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
        ("\\\\evil.example", "/dashboard"),
        ("http:/evil.example", "/dashboard"),
        ("/%0d%0aSet-Cookie:x", "/%0d%0aSet-Cookie:x"),
        ("javascript:alert(1)", "/dashboard"),
    ],
)
def test_next_only_leads_to_this_site(app, browser, make_user, target, landing):
    from urllib.parse import quote

    make_user(email="ana@city.example")
    response = browser.login("ana@city.example", next=quote(target, safe=""))
    assert response.status_code == 302
    assert response.headers["Location"] == landing


def test_login_required_pages_send_to_login_and_back(app, browser, make_user):
    make_user(email="ana@city.example")
    response = browser.client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Faccount"
    login = browser.login("ana@city.example", next="%2Faccount")
    assert login.headers["Location"] == "/account"


def _second_device(app, first: Browser) -> Browser:
    """Another browser holding a copy of the first one's cookies (an old, stolen or kept cookie)."""
    other = Browser(app.test_client())
    for cookie in first.client._cookies.values():
        other.client.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
    return other


def test_logout_ends_every_session_of_the_user(app, browser, make_user):
    make_user(email="ana@city.example")
    browser.login("ana@city.example")
    kept = _second_device(app, browser)
    assert kept.client.get("/dashboard").status_code == 200
    browser.logout()
    # The copied cookie is still signed and well formed, but it is anonymous now.
    assert kept.client.get("/dashboard").status_code == 302


def test_remember_me_cookie_is_revoked_by_logout_elsewhere(app, browser, make_user):
    make_user(email="ana@city.example")
    response = browser.login("ana@city.example", remember=True)
    assert any(
        header.startswith("remember_token=") for header in response.headers.getlist("Set-Cookie")
    )
    remembered = Browser(app.test_client())
    remembered.client.set_cookie(
        "remember_token", browser.client.get_cookie("remember_token").value
    )
    # With only the remember-me cookie (a new browser session), the user is recognised...
    assert remembered.client.get("/dashboard").status_code == 200
    # ...until they log out anywhere.
    other = Browser(app.test_client())
    other.login("ana@city.example")
    other.logout()
    fresh = Browser(app.test_client())
    fresh.client.set_cookie("remember_token", browser.client.get_cookie("remember_token").value)
    assert fresh.client.get("/dashboard").status_code == 302


def test_changing_the_password_ends_other_sessions_but_not_this_one(app, browser, make_user):
    user = make_user(email="ana@city.example")
    browser.login("ana@city.example")
    elsewhere = _second_device(app, browser)
    response = browser.post_form(
        "/account/password",
        {
            "current_password": PASSWORD,
            "password": "lantern harbour quiet moss",
            "confirm": "lantern harbour quiet moss",
        },
    )
    assert response.status_code == 302
    assert browser.client.get("/account").status_code == 200
    assert elsewhere.client.get("/account").status_code == 302
    db.session.refresh(user)
    assert user.check_password("lantern harbour quiet moss")
    assert not user.check_password(PASSWORD)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == user.id))
    assert "account.password_changed" in list(actions)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"current_password": "wrong one entirely", "password": "lantern harbour quiet moss"},
            "This is not your current password.",
        ),
        ({"current_password": PASSWORD, "password": "password1234"}, "common passwords"),
        (
            {
                "current_password": PASSWORD,
                "password": "lantern harbour quiet moss",
                "confirm": "lantern harbour quiet mos",
            },
            "The two passwords differ.",
        ),
    ],
)
def test_password_change_refusals_keep_the_old_password(app, browser, make_user, data, message):
    user = make_user(email="ana@city.example")
    browser.login("ana@city.example")
    response = browser.post_form("/account/password", {"confirm": data["password"], **data})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password(PASSWORD)
    assert user.session_version == 1


def test_profile_edit(app, browser, make_user):
    user = make_user(email="ana@city.example")
    browser.login("ana@city.example")
    page = browser.client.get("/account").get_data(as_text=True)
    assert 'value="City of Bogotá"' in page
    response = browser.post_form(
        "/account",
        {
            "name": "Ana María Pérez",
            "organisation": "Alcaldía de Bogotá",
            "position": "Secretary for Women",
            "city": "Bogotá",
            "country": "CO",
            "preferred_language": "es",
            "time_zone": "America/Bogota",
        },
    )
    assert response.status_code == 302
    assert "Your profile is saved." in browser.client.get("/account").get_data(as_text=True)
    db.session.refresh(user)
    assert (user.name, user.organisation, user.preferred_language) == (
        "Ana María Pérez",
        "Alcaldía de Bogotá",
        "es",
    )
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "account.profile_updated")
    )
    assert sorted(event.details["fields"]) == [
        "name",
        "organisation",
        "position",
        "preferred_language",
    ]


def test_profile_refuses_bad_input_and_keeps_the_old_values(app, browser, make_user):
    user = make_user(email="ana@city.example", name="Ana")
    browser.login("ana@city.example")
    response = browser.post_form(
        "/account", {"name": "", "organisation": "x" * 300, "country": "CO", "time_zone": "UTC"}
    )
    assert response.status_code == 400
    text = visible_text(response.get_data(as_text=True))
    assert "Full name: This field is required." in text
    assert "Organisation: Use at most 200 characters." in text
    db.session.refresh(user)
    assert (user.name, user.organisation) == ("Ana", "City of Bogotá")


def test_download_my_data(app, browser, make_user, imported_example):
    make_user(email="ana@city.example", name="Ana Pérez")
    browser.login("ana@city.example")
    cohort = imported_example.cohorts[0]
    cohort.applications_open_at = cohort.applications_open_at.replace(year=2000)
    cohort.applications_close_at = cohort.applications_close_at.replace(year=2100)
    db.session.commit()
    browser.post_form(
        f"/courses/{imported_example.slug}/cohorts/{cohort.slug}/apply",
        {"motivation": "Care work in our city is invisible; " * 3, "confirms_public_official": "y"},
    )
    response = browser.client.get("/account/data.json")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "ana@city.example"
    assert data["account"]["email_confirmed_at"] is not None
    assert data["profile"]["country_name"] == "Colombia"
    assert data["applications"][0]["motivation"].startswith("Care work in our city")
    assert data["enrolments"][0]["cohort"] == cohort.title
    assert {"account.created", "account.logged_in", "application.submitted"} <= {
        item["action"] for item in data["activity"]
    }
    # The mail written to them, the last being the welcome (the cohort takes all who apply).
    assert [(m["kind"], m["to"], m["state"]) for m in data["mail"]][-1] == (
        "application_approved",
        "ana@city.example",
        "sent",
    )


def test_delete_account_erases_personal_data(app, browser, make_user, imported_example):
    user = make_user(email="ana@city.example", name="Ana Pérez")
    browser.login("ana@city.example")
    elsewhere = _second_device(app, browser)
    page = browser.client.get("/account/delete").get_data(as_text=True)
    assert "certificates already issued to you stay valid" in page

    refused = browser.post_form("/account/delete", {"password": PASSWORD})
    assert refused.status_code == 400
    assert "Tick this box to confirm." in refused.get_data(as_text=True)
    wrong = browser.post_form("/account/delete", {"password": "not it at all", "confirm": "y"})
    assert "This is not your password." in wrong.get_data(as_text=True)
    db.session.refresh(user)
    assert user.deleted_at is None

    response = browser.post_form("/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.deleted_at is not None
    assert user.email == f"deleted-{user.id}@deleted.invalid"
    assert (user.name, user.organisation, user.city, user.password_hash) == (
        "Deleted account",
        "",
        "",
        "",
    )
    assert elsewhere.client.get("/dashboard").status_code == 302
    assert browser.login("ana@city.example").status_code == 401
    # The address is free to register again.
    again = Browser(app.test_client()).post_form(
        "/register", {**REGISTRATION, "email": "ana@city.example"}
    )
    assert again.status_code == 200
    assert db.session.scalar(select(User).where(User.email == "ana@city.example")) is not None
