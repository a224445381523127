"""Pages and downloads shown to a logged-in person are never kept by a cache; public ones are."""

import re

from app.core.assets import LONG_CACHE
from tests.conftest import Browser
from tests.html import attribute
from tests.test_access_matrix import world  # noqa: F401 (its accounts, course and certificate)

NO_STORE = "private, no-store"


def _log_in(app, email: str):
    browser = Browser(app.test_client())
    assert browser.login(email).status_code == 302
    return browser.client


def test_personal_pages_are_not_stored(app, world):  # noqa: F811
    learner = _log_in(app, world["accounts"]["enrolled_learner"].email)
    admin = _log_in(app, world["accounts"]["admin"].email)
    serial = world["values"]["serial"]
    responses = {
        "/dashboard": learner.get("/dashboard"),
        "/account": learner.get("/account"),
        "certificate PDF": learner.get(f"/certificates/{serial}.pdf"),
        "/admin/users": admin.get("/admin/users"),
        "/admin/audit": admin.get("/admin/audit"),
        "a 404 with the person's menu": learner.get("/no-such-page"),
    }
    for name, response in responses.items():
        assert response.status_code in (200, 404), name
        assert response.headers.get("Cache-Control") == NO_STORE, name


def test_public_answers_keep_their_caching(app, world, client):  # noqa: F811
    slug, media = world["values"]["slug"], world["values"]["name"]
    # Anonymous pages: no Cache-Control added.
    for path in ("/", f"/courses/{slug}", "/verify"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Cache-Control" not in response.headers, path
    # A fingerprinted stylesheet and a course image are the same for everyone, logged in or not.
    learner = _log_in(app, world["accounts"]["enrolled_learner"].email)
    home = learner.get("/").get_data(as_text=True)
    [stylesheet] = attribute(home, 'link[rel="stylesheet"][href^="/static/css/site.css"]', "href")
    assert re.fullmatch(r"/static/css/site\.css\?v=[0-9a-f]{8}", stylesheet)
    for visitor in (client, learner):
        assert visitor.get(stylesheet).headers["Cache-Control"] == LONG_CACHE
        image = visitor.get(f"/courses/{slug}/media/{media}")
        assert image.headers["Cache-Control"] == "public, max-age=3600"
