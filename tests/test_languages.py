"""Choosing the interface's language: profile, footer, browser; and dates in that language."""

from datetime import date

from app.accounts.models import User
from app.core.audit import AuditEvent
from app.core.timezones import format_date, format_day
from app.extensions import db
from tests.html import csrf_token


def footer_language(page: str) -> str:
    return page.split('<html lang="', 1)[1].split('"', 1)[0]


def switch(client, language: str, next_path: str = "/", page: str = "/"):
    token = csrf_token(client.get(page))
    return client.post(
        "/language", data={"csrf_token": token, "language": language, "next": next_path}
    )


def test_english_by_default(client):
    page = client.get("/").get_data(as_text=True)
    assert footer_language(page) == "en"
    assert "Check a certificate" in page


def test_the_browser_language_is_followed(client):
    page = client.get("/", headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})
    text = page.get_data(as_text=True)
    assert footer_language(text) == "fr"
    assert "Vérifier un certificat" in text
    assert "Accept-Language" in page.headers["Vary"]
    spanish = client.get("/", headers={"Accept-Language": "es-CO"}).get_data(as_text=True)
    assert footer_language(spanish) == "es"
    korean = client.get("/", headers={"Accept-Language": "ko-KR,ko"}).get_data(as_text=True)
    assert footer_language(korean) == "ko"
    other = client.get("/", headers={"Accept-Language": "de-DE,de"}).get_data(as_text=True)
    assert footer_language(other) == "en"


def test_the_footer_switches_and_is_remembered(client):
    response = switch(client, "es", next_path="/verify?x=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/verify?x=1"
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    # The choice in the footer outweighs the browser's.
    assert footer_language(page) == "es"
    assert "Verificar un certificado" in page
    # The current language is shown, not offered as a button.
    assert '<strong lang="es" aria-current="true">Español</strong>' in page
    assert 'name="language" value="fr" lang="fr">Français</button>' in page


def test_switching_refuses_an_unknown_language_and_foreign_redirects(client):
    refused = switch(client, "xx")
    assert refused.status_code == 400
    assert (
        "Choose one of English, Español, Français, Português, العربية, 한국어."
        in refused.get_data(as_text=True)
    )
    assert "language=" not in refused.headers.get("Set-Cookie", "")
    outside = switch(client, "fr", next_path="//evil.example/")
    assert outside.headers["Location"] == "/"


def test_switching_needs_the_form_token(client):
    response = client.post("/language", data={"language": "fr", "next": "/"})
    assert response.status_code == 400
    assert footer_language(client.get("/").get_data(as_text=True)) == "en"


def test_a_profile_language_wins_and_the_footer_changes_it(client, browser, make_user):
    user = make_user(preferred_language="fr")
    browser.login(user.email)
    page = client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert footer_language(page) == "fr"
    switch(client, "es")
    assert db.session.get(User, user.id).preferred_language == "es"
    event = db.session.query(AuditEvent).filter_by(action="account.profile_updated").one()
    assert event.details == {"fields": ["preferred_language"]}
    assert footer_language(client.get("/").get_data(as_text=True)) == "es"


def test_registration_starts_from_the_language_being_read(client):
    page = client.get("/register", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<option lang="fr" selected value="fr">Français</option>' in page


def test_dates_follow_the_language(app):
    day = date(2027, 7, 8)
    assert format_date(day, "en") == "Thursday 8 July 2027"
    assert format_date(day, "es") == "jueves, 8 de julio de 2027"
    assert format_date(day, "fr") == "jeudi 8 juillet 2027"
    assert format_day(day, "fr") == "8 juillet 2027"
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        assert format_day(day) == "8 de julio de 2027"
    # Outside a request (the command line, PDFs), English.
    assert format_day(day) == "8 July 2027"


def test_the_login_prompt_is_in_the_visitors_language(client):
    response = client.get("/dashboard", headers={"Accept-Language": "fr"})
    page = client.get(response.headers["Location"], headers={"Accept-Language": "fr"})
    assert "Connectez-vous pour voir cette page." in page.get_data(as_text=True)
