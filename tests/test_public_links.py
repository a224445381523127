"""Links that leave the site come from PUBLIC_URL, whatever Host a request names; TRUSTED_HOSTS."""

import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from icalendar import Calendar

from app import create_app
from app.catalog.models import EnrolmentMode
from app.config import environment_config
from app.extensions import db
from tests.conftest import PASSWORD, TEST_CONFIG, separate_app
from tests.factories import enrolled_learner
from tests.test_applications import MOTIVATION, apply_url
from tests.test_pages import visible_text

PUBLIC_URL = "https://courses.example.org"
EVIL = "evil.example"
HOST_REFUSED = "This site does not answer at the address your browser asked for."


@pytest.fixture
def app_config():
    # These tests post forms from a client whose Host is the attacker's; the CSRF token is
    # not what they are about.
    return {"PUBLIC_URL": PUBLIC_URL, "WTF_CSRF_ENABLED": False}


class ClientAt:
    """A test client whose every request names `host`, with these headers."""

    def __init__(self, app, host: str, headers: dict[str, str]):
        self.client = app.test_client()
        self.base_url = f"http://{host}"
        self.headers = headers

    def get(self, path: str, headers: dict | None = None):
        headers = {**self.headers, **(headers or {})}
        return self.client.get(path, base_url=self.base_url, headers=headers)

    def post(self, path: str, data: dict):
        return self.client.post(path, base_url=self.base_url, headers=self.headers, data=data)


def client_at(app, host: str, headers: dict[str, str] | None = None) -> ClientAt:
    return ClientAt(app, host, headers or {})


def mails_in(instance_path: str) -> list:
    folder = Path(instance_path) / "outbox"
    return [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]


def links_in(message) -> list[str]:
    return re.findall(r"https?://\S+", message.get_body(preferencelist=("plain",)).get_content())


def ask_for_reset(client, email: str):
    return client.post("/forgot-password", data={"email": email})


def test_the_reset_link_comes_from_public_url_not_the_host_header(app, make_user, outbox):
    make_user(email="ana@city.example")
    response = ask_for_reset(client_at(app, EVIL), "ana@city.example")
    assert response.status_code == 200
    [message] = outbox()
    [link] = links_in(message)
    assert link.startswith(f"{PUBLIC_URL}/reset-password/")
    assert EVIL not in message.get_body(preferencelist=("plain",)).get_content()


def test_the_reset_link_ignores_a_forwarded_host_from_a_trusted_proxy(
    app, database, make_user, tmp_path
):
    make_user(email="ana@city.example")
    config = {**database.config(), "PUBLIC_URL": PUBLIC_URL, "WTF_CSRF_ENABLED": False}
    instance = str(tmp_path / "proxied")
    with separate_app({**config, "TRUSTED_PROXIES": 1}, instance) as proxied:
        client = client_at(
            proxied,
            "127.0.0.1:8000",
            {
                "X-Forwarded-Host": EVIL,
                "X-Forwarded-Proto": "http",
                "X-Forwarded-For": "203.0.113.7",
            },
        )
        assert ask_for_reset(client, "ana@city.example").status_code == 200
    [message] = mails_in(instance)
    [link] = links_in(message)
    assert link.startswith(f"{PUBLIC_URL}/reset-password/")


def test_under_https_another_host_is_refused_and_nothing_is_mailed(
    app, database, make_user, tmp_path
):
    make_user(email="ana@city.example")
    config = {**database.config(), "PUBLIC_URL": PUBLIC_URL, "WTF_CSRF_ENABLED": False}
    instance = str(tmp_path / "https")
    with separate_app({**config, "HTTPS": True}, instance) as served:
        assert served.config["TRUSTED_HOSTS"] == ["courses.example.org"]
        refused = ask_for_reset(client_at(served, EVIL), "ana@city.example")
        forwarded = ask_for_reset(
            client_at(served, "courses.example.org", {"X-Forwarded-Host": EVIL}),
            "ana@city.example",
        )
        page = client_at(served, f"{EVIL}:443").get("/dashboard")
        home = client_at(served, "courses.example.org").get("/")
    assert refused.status_code == page.status_code == 400
    text = visible_text(refused.get_data(as_text=True))
    assert HOST_REFUSED in text and "Caring Cities" in text  # the site's own error page
    # With TRUSTED_PROXIES at 0 the forwarded host is not believed: the real one is trusted.
    assert forwarded.status_code == 200
    assert home.status_code == 200
    [message] = mails_in(instance)  # only the request to the site's own name sent one
    assert links_in(message)[0].startswith(f"{PUBLIC_URL}/reset-password/")


def test_under_https_another_trusted_name_still_mails_public_url_links(
    app, database, make_user, tmp_path
):
    make_user(email="ana@city.example")
    config = {
        **database.config(),
        "PUBLIC_URL": PUBLIC_URL,
        "WTF_CSRF_ENABLED": False,
        "HTTPS": True,
        "TRUSTED_HOSTS": ["courses.example.org", "www.courses.example.org"],
    }
    instance = str(tmp_path / "alias")
    with separate_app(config, instance) as served:
        client = client_at(served, "www.courses.example.org")
        assert ask_for_reset(client, "ana@city.example").status_code == 200
    [message] = mails_in(instance)
    assert links_in(message)[0].startswith(f"{PUBLIC_URL}/reset-password/")


def test_application_mails_link_to_public_url(
    app, make_user, make_cohort, imported_example, outbox
):
    cohort = make_cohort(imported_example, "autumn", mode=EnrolmentMode.APPROVAL)
    make_user(email="ana@city.example")
    client = client_at(app, EVIL)
    assert (
        client.post("/login", data={"email": "ana@city.example", "password": PASSWORD}).status_code
        == 302
    )
    response = client.post(
        apply_url(imported_example, cohort),
        data={"motivation": MOTIVATION, "confirms_public_official": "y"},
    )
    assert response.status_code == 302
    [message] = outbox()
    assert links_in(message) == [f"{PUBLIC_URL}/dashboard"]


def test_calendar_join_links_and_uids_come_from_public_url(app, make_user, imported_example):
    spring = next(c for c in imported_example.cohorts if c.slug == "2027-spring")
    learner = enrolled_learner(spring)
    client = client_at(app, EVIL)
    client.post("/login", data={"email": learner.email, "password": PASSWORD})
    response = client.get(f"/courses/{imported_example.slug}/cohorts/{spring.slug}/schedule.ics")
    assert response.status_code == 200
    events = Calendar.from_ical(response.get_data()).walk("VEVENT")
    assert events
    for event in events:
        assert str(event["UID"]).endswith("@courses.example.org")
        assert str(event["URL"]).startswith(f"{PUBLIC_URL}/courses/")
    joins = [str(event["LOCATION"]) for event in events if "/join" in str(event["LOCATION"])]
    assert joins and all(link.startswith(f"{PUBLIC_URL}/live/") for link in joins)
    assert EVIL not in response.get_data(as_text=True)


# TRUSTED_HOSTS and what "production" means -------------------------------------------------


def test_trusted_hosts_is_read_from_the_environment_as_a_comma_separated_list():
    found = environment_config({"TRUSTED_HOSTS": "courses.example.org, .Example.net ,"})
    assert found["TRUSTED_HOSTS"] == ["courses.example.org", ".example.net"]


@pytest.mark.parametrize(
    "public_url", ["http://127.0.0.1:5000", "https://localhost", "http://courses.example.org"]
)
def test_https_refuses_to_start_without_a_real_https_public_url(tmp_path, database, public_url):
    config = {**TEST_CONFIG, **database.config(), "HTTPS": True, "PUBLIC_URL": public_url}
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):
        create_app(config, instance_path=str(tmp_path / "instance"))


def test_without_https_any_host_is_served_as_make_run_needs(app, client):
    # `make run` is reached at 127.0.0.1:5000 and localhost:5000 alike.
    assert app.config["TRUSTED_HOSTS"] is None
    for host in ("127.0.0.1:5000", "localhost:5000"):
        assert client_at(app, host).get("/healthz").status_code == 200


def test_an_explicit_trusted_hosts_list_is_enforced_without_https(database, tmp_path):
    config = {**database.config(), "TRUSTED_HOSTS": ["courses.example.org", ".city.example"]}
    with separate_app(config, str(tmp_path / "listed")) as listed:
        assert client_at(listed, "courses.example.org").get("/healthz").status_code == 200
        assert client_at(listed, "www.city.example").get("/healthz").status_code == 200
        refused = client_at(listed, EVIL).get("/healthz", headers={"Accept": "application/json"})
        with listed.app_context():
            db.session.remove()
    assert refused.status_code == 400
    assert refused.get_json()["error"]["message"].startswith(HOST_REFUSED)
