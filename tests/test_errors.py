"""Error pages in the site's look, JSON for JSON clients, never a traceback."""

import pytest
from flask import abort, request
from flask_wtf import FlaskForm

from app import create_app


@pytest.fixture
def error_app(database, tmp_path):
    """The app with a few routes that fail on purpose."""
    app = create_app(
        {"TESTING": False, "SECRET_KEY": "x", "MAX_CONTENT_LENGTH": 1024, **database.config()},
        instance_path=str(tmp_path),
    )

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals /srv/app.py line 12")

    @app.get("/forbidden")
    def forbidden():
        abort(403)

    @app.get("/slow-down")
    def slow_down():
        abort(429)

    @app.post("/upload")
    def upload():
        return str(len(request.form.get("data", "")))

    @app.route("/form", methods=["GET", "POST"])
    def form():
        return "valid" if FlaskForm().validate_on_submit() else "form"

    return app


@pytest.mark.parametrize(
    ("method", "path", "status", "sentence"),
    [
        ("get", "/no-such-page", 404, "There is no page at this address."),
        ("post", "/", 405, "This page cannot be used that way."),
        ("get", "/forbidden", 403, "You do not have permission to see this page."),
        ("get", "/slow-down", 429, "Too many attempts in a short time."),
        ("get", "/boom", 500, "Something went wrong on our side."),
    ],
)
def test_error_pages_are_in_the_site_look(error_app, method, path, status, sentence):
    response = getattr(error_app.test_client(), method)(path)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert sentence in page
    assert 'class="site-header"' in page and "Skip to content" in page
    assert "Traceback" not in page and "secret internals" not in page


def test_error_as_json_for_json_clients(error_app):
    response = error_app.test_client().get("/boom", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response.get_json() == {
        "error": {
            "status": 500,
            "title": "Internal Server Error",
            "message": "Something went wrong on our side. It has been logged. "
            "Please try again in a moment.",
        }
    }
    response = error_app.test_client().get("/nope", headers={"Accept": "application/json"})
    assert response.get_json()["error"]["status"] == 404


def test_too_large_a_request_gets_413(error_app):
    response = error_app.test_client().post("/upload", data={"data": "x" * 5000})
    assert response.status_code == 413
    assert "What you sent is too large." in response.get_data(as_text=True)


def test_a_form_without_csrf_token_gets_400(database, tmp_path):
    app = create_app(
        {"SECRET_KEY": "x", "WTF_CSRF_ENABLED": True, **database.config()},
        instance_path=str(tmp_path),
    )

    @app.route("/form", methods=["GET", "POST"])
    def form():
        return "valid" if FlaskForm().validate_on_submit() else "shown"

    response = app.test_client().post("/form", data={"name": "x"})
    assert response.status_code == 400
    assert "The form had expired or was sent from another site." in response.get_data(as_text=True)
