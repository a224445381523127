"""/healthz and the security headers on every response."""

import pytest
from flask import session

from app import create_app
from app.core.security import CONTENT_SECURITY_POLICY


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize(
    "unreachable",
    [
        "sqlite:////nonexistent-folder/gone/db.sqlite",
        "postgresql+psycopg://postgres@127.0.0.1:1/test",
    ],
)
def test_healthz_is_503_when_the_database_is_gone(tmp_path, unreachable):
    app = create_app(
        {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": unreachable}, instance_path=str(tmp_path)
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unreachable"}


@pytest.mark.parametrize("path", ["/", "/no-such-page", "/healthz", "/static/css/site.css"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    response.close()
    csp = response.headers["Content-Security-Policy"]
    assert csp == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script_or_style(client, imported_example):
    for path in ["/", "/courses/example-course", "/courses/example-course/guidebook", "/nope"]:
        page = client.get(path).get_data(as_text=True)
        assert "<script" not in page
        assert "style=" not in page and "<style" not in page


@pytest.mark.parametrize(("secure", "expect_secure"), [(False, False), (True, True)])
def test_session_cookie_flags(database, tmp_path, secure, expect_secure):
    app = create_app(
        {"SECRET_KEY": "x", "SESSION_COOKIE_SECURE": secure, **database.config()},
        instance_path=str(tmp_path),
    )

    @app.get("/remember")
    def remember():
        session["seen"] = True
        return "ok"

    cookie = app.test_client().get("/remember").headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert ("Secure" in cookie) is expect_secure


def test_max_content_length_is_set(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 8 * 1024 * 1024
