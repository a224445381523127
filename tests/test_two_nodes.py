"""Two gunicorn nodes on one database agree, as the nodes behind one proxy must.

Both nodes are gunicorn with the project's gunicorn.conf.py and two worker processes each
(tests/server_process.py), on the run's kind of database: a PostgreSQL schema of their own
with TEST_DATABASE_URL, else one SQLite file. They share the SECRET_KEY and the certificate
signing key, as a deployment's nodes do, and keep rate limits in Redis under a key prefix of
their own; each has an instance folder of its own, as separate machines do, but the uploads
folder is shared (docs/deploy.md). A visitor is a cookie jar sent to either node, as a proxy
would: what one node did must be what the other sees, whichever of its processes answers.
"""

import html
import io
import os
import re
import urllib.parse
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

from tests.browser import accounts
from tests.conftest import _drop_postgres_schema, _postgres_schema
from tests.learning_helpers import form_choices
from tests.server_process import Visitor, seed_database, start_gunicorn_node

pytestmark = pytest.mark.slow  # two gunicorn processes

REDIS_URL = "redis://127.0.0.1:6379"
FAILURES_ALLOWED = 3


def _redis_client():
    try:
        import redis
    except ImportError:
        return None
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        return None
    return client


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    """Node A and node B, serving the same data; and whether rate limits are in Redis."""
    folder = tmp_path_factory.mktemp("two-nodes")
    server_url = os.environ.get("TEST_DATABASE_URL")
    schema = None
    engine_options = {}  # the app adds its pool settings (pool_pre_ping...) on PostgreSQL
    if server_url:
        schema = f"test_nodes_{uuid.uuid4().hex[:10]}"
        database = _postgres_schema(server_url, schema)
        database_url = database.url
        engine_options = database.engine_options  # the schema's search path
    else:
        database_url = f"sqlite:///{folder / 'shared.sqlite'}"
    signing_key = (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode("ascii")
    )
    redis_client = _redis_client()
    prefix = f"test-two-nodes-{uuid.uuid4().hex[:10]}"
    config = {
        "SECRET_KEY": f"two-nodes-{uuid.uuid4().hex}",
        "CERTIFICATE_SIGNING_KEY": signing_key,
        "RATELIMIT_STORAGE_URI": REDIS_URL if redis_client else "memory://",
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_FAILURES_PER_ACCOUNT": f"{FAILURES_ALLOWED} per 15 minutes",
        "LOGIN_ATTEMPTS_PER_ADDRESS": "1000 per minute",
        "VERIFICATIONS_PER_ADDRESS": "1000 per minute",
        # Uploaded lesson images are files: on shared storage, as docs/deploy.md says.
        "UPLOAD_FOLDER": str(folder / "shared-uploads"),
    }

    def settings(name: str) -> dict:
        return {
            "database_url": database_url,
            "engine_options": engine_options,
            "instance_path": str(folder / name / "instance"),
            "config": config,
        }

    try:
        seeded = seed_database(folder, settings("seed"))
        with (
            start_gunicorn_node(folder, "a", settings("a")) as a,
            start_gunicorn_node(folder, "b", settings("b")) as b,
        ):
            a.started = b.started = seeded
            # What a deployment's import reads: the seeded course's files, and the database.
            a.importer = settings("importer")
            a.course_files = Path(settings("seed")["instance_path"]) / "course"
            yield a, b, redis_client is not None
            for node in (a, b):
                assert "Traceback" not in node.log_text(), node.log_text()[-4000:]
    finally:
        if redis_client is not None:
            for key in redis_client.scan_iter(f"{prefix}*"):
                redis_client.delete(key)
            redis_client.close()
        if schema:
            _drop_postgres_schema(server_url, schema)


def test_a_login_on_one_node_is_a_login_on_the_other(nodes):
    a, b, _redis = nodes
    visitor = Visitor()
    assert visitor.get(b, "/dashboard").status == 302  # nobody yet

    assert visitor.login(a, accounts.READER).status == 302
    dashboard = visitor.get(b, "/dashboard")
    assert dashboard.status == 200
    assert "Your dashboard" in dashboard.text
    profile = visitor.get(b, "/account")
    assert profile.status == 200
    assert f'value="{accounts.READER.name}"' in html.unescape(profile.text)


def test_logging_out_on_one_node_ends_the_sessions_the_other_serves(nodes):
    a, b, _redis = nodes
    phone, laptop = Visitor(), Visitor()
    assert phone.login(a, accounts.NO_SCRIPT).status == 302
    assert laptop.login(b, accounts.NO_SCRIPT).status == 302
    assert laptop.get(a, "/dashboard").status == 200

    token = phone.get(b, "/dashboard").token()
    assert phone.post(b, "/logout", {}, token).status == 302
    # "Logged out on this device and on every other": the other node knows it too.
    for node in (a, b):
        assert laptop.get(node, "/dashboard").status == 302
        assert phone.get(node, "/dashboard").status == 302


def test_a_form_token_from_one_node_is_accepted_by_the_other(nodes):
    a, b, _redis = nodes
    visitor = Visitor()
    assert visitor.login(a, accounts.SPANISH).status == 302
    token = visitor.get(a, "/account").token()
    # Logging out is a plain CSRF-protected form: node B takes node A's token.
    assert visitor.post(b, "/logout", {}, token).status == 302
    assert visitor.get(a, "/dashboard").status == 302

    stranger = Visitor()
    refused = stranger.post(b, "/login", {"email": accounts.SPANISH.email}, "not-a-token")
    assert refused.status == 400
    assert "The form had expired" in refused.text


def test_a_quiz_attempt_made_on_one_node_is_graded_once_for_both(nodes):
    a, b, _redis = nodes
    visitor = Visitor()
    assert visitor.login(a, accounts.READER).status == 302
    course = "/courses/example-course"
    quiz = f"{course}/quizzes/first-steps"

    started = visitor.post(a, f"{quiz}/attempts", {}, visitor.get(a, quiz).token())
    assert started.status == 302, started.text
    attempt = urllib.parse.urlsplit(started.headers["Location"]).path
    form = visitor.get(b, attempt)  # the open attempt, on the other node
    assert form.status == 200
    answers = {name: [str(offered[0])] for name, offered in form_choices(form.text).items()}
    assert answers

    submitted = visitor.post(a, attempt, answers, visitor.get(a, attempt).token())
    assert submitted.status == 302, submitted.text
    graded = visitor.get(b, attempt)  # the result, and its flash, through node B
    assert graded.status == 200
    flashed = re.search(r"(\d+) of (\d+) right, (\d+) %", graded.text)
    assert flashed, graded.text
    score = flashed.group(3)
    assert re.search(rf"{score} %: (not )?passed", graded.text)

    # Node B knows the attempt is graded: the same answers again are refused, not regraded.
    again = visitor.post(b, attempt, answers, form.token())
    assert again.status == 409
    assert "was already submitted, so these answers were not graded again" in again.text
    assert re.search(rf"{score} %: (not )?passed", visitor.get(a, attempt).text)


def test_a_revocation_on_one_node_is_public_on_the_other(nodes):
    a, b, _redis = nodes
    serial = a.started["certificate_serial"]
    certificate = f"/admin/certificates/{a.started['certificate_id']}"
    assert "<strong>Valid.</strong>" in Visitor().get(b, f"/verify/{serial}").text

    admin = Visitor()
    assert admin.login(a, accounts.ADMIN).status == 302
    token = admin.get(a, certificate).token()
    revoked = admin.post(a, f"{certificate}/revoke", {"reason": "Issued in error"}, token)
    assert revoked.status == 303, revoked.text

    public = Visitor().get(b, f"/verify/{serial}")
    assert public.status == 200
    assert "<strong>Revoked on" in public.text and "It is no longer valid." in public.text
    assert "Issued in error" in public.text
    assert "Revoke this certificate" not in admin.get(b, certificate).text


def test_failed_logins_are_counted_across_nodes(nodes):
    a, b, redis = nodes
    if not redis:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: rate limits stay per process")
    visitor = Visitor()
    for node in (a, b, a)[:FAILURES_ALLOWED]:
        assert visitor.login(node, accounts.APPLICANT, password="wrong password").status == 401
    for node in (b, a):
        refused = visitor.login(node, accounts.APPLICANT, password="wrong password")
        assert refused.status == 429
        assert "Too many failed logins for this account" in refused.text


def test_an_image_uploaded_through_one_node_is_served_by_the_other(nodes):
    a, b, _redis = nodes
    instructor = Visitor()
    assert instructor.login(a, accounts.INSTRUCTOR).status == 302
    images = "/author/example-course/images"
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "teal").save(buffer, "PNG")
    data = buffer.getvalue()
    token = instructor.get(a, images).token()
    uploaded = instructor.post(a, images, {}, token, files={"image": ("map.png", data)})
    assert uploaded.status == 302, uploaded.text

    listed = instructor.get(b, images).text
    [name] = re.findall(r"\(\.\./media/(img-[0-9a-f]+\.png)\)", listed)
    reader = Visitor()
    assert reader.login(b, accounts.READER).status == 302
    served = reader.get(b, f"/courses/example-course/media/{name}")
    assert served.status == 200 and served.headers["Content-Type"] == "image/png"
    assert served.body == data


LESSONS = "/courses/example-course/lessons"


def _read_on_every_worker(visitor, node, path: str, times: int = 6) -> list[str]:
    """The page as each of the node's workers serves it (several reads reach both)."""
    pages = [visitor.get(node, path) for _ in range(times)]
    assert all(page.status == 200 for page in pages)
    return [html.unescape(page.text) for page in pages]


def test_an_import_shows_on_both_nodes_at_the_next_request(nodes):
    from app import create_app
    from app.catalog.content.reader import read_course
    from app.catalog.operations import import_course
    from app.extensions import db
    from tests.server_process import _config

    a, b, _redis = nodes
    reader = Visitor()
    assert reader.login(a, accounts.READER).status == 302
    path = f"{LESSONS}/who-does-care-work"
    for node in (a, b):  # each worker keeps the lesson's text as a fragment
        assert not any(
            "Cities can count care" in page for page in _read_on_every_worker(reader, node, path)
        )

    lesson_file = a.course_files / "01-first-steps" / "02-who-does-care-work.md"
    lesson_file.write_text(lesson_file.read_text("utf-8") + "\nCities can count care.\n", "utf-8")
    importer = create_app(_config(a.importer), instance_path=a.importer["instance_path"])
    with importer.app_context():
        source, problems = read_course(a.course_files)
        assert problems == []
        import_course(source)
        db.session.commit()
        db.engine.dispose()

    for node in (a, b):
        assert all(
            "Cities can count care" in page for page in _read_on_every_worker(reader, node, path)
        )


def test_an_edit_in_the_browser_shows_on_the_other_node_at_the_next_request(nodes):
    a, b, _redis = nodes
    reader = Visitor()
    assert reader.login(b, accounts.READER).status == 302
    path = f"{LESSONS}/what-care-work-is"
    for node in (a, b):
        assert not any(
            "Budgets can count care" in page for page in _read_on_every_worker(reader, node, path)
        )

    instructor = Visitor()
    assert instructor.login(a, accounts.INSTRUCTOR).status == 302
    editor = instructor.get(a, "/author/example-course/lessons/what-care-work-is")
    assert editor.status == 200
    form = _form_fields(editor.text)
    form["body_md"] += "\n\nBudgets can count care.\n"
    form["action"] = "save"
    saved = instructor.post(
        a, "/author/example-course/lessons/what-care-work-is", form, editor.token()
    )
    assert saved.status == 302, saved.text[-2000:]

    for node in (b, a):
        assert all(
            "Budgets can count care" in page for page in _read_on_every_worker(reader, node, path)
        )


def _form_fields(page: str) -> dict[str, str]:
    """The lesson editor's fields as the page fills them (inputs, textareas, the chosen option)."""
    fields = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page):
        fields[name] = html.unescape(value)
    for name, value in re.findall(
        r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S
    ):
        fields[name] = html.unescape(value).removeprefix("\n")
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        for option in re.findall(r"<option[^>]*>", options):
            if re.search(r"\sselected", option):
                fields[name] = re.search(r'value="([^"]*)"', option).group(1)
    fields.pop("csrf_token", None)
    return fields
