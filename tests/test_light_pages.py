"""Light pages (issue #9): what a lesson page weighs on the wire, pages that work without
JavaScript, static files with their content's hash in the address and long cache headers,
and compression."""

import gzip
import hashlib
import os
from datetime import timedelta
from html.parser import HTMLParser

import brotli
import pytest
from flask import Flask, url_for
from sqlalchemy import select

from app.catalog.content.reader import read_course
from app.catalog.operations import import_course
from app.certificates.operations import issue_certificate
from app.core.assets import register_assets
from app.core.permissions import Role
from app.core.types import utcnow
from app.extensions import db
from app.learning.models import Enrollment
from tests.conftest import REPO, separate_app, without_tokens
from tests.factories import enrolled_learner
from tests.html import attribute, find, links
from tests.learning_helpers import answers, quiz_url

BUDGET = 60 * 1024  # bytes: HTML, CSS and JS of one lesson page, compressed, headers included
GZIP = {"Accept-Encoding": "gzip"}
STATIC = REPO / "app" / "static"
LONG_CACHE = "public, max-age=31536000, immutable"


class PageParts(HTMLParser):
    """What a page asks the browser to fetch and run."""

    def __init__(self, page: str):
        super().__init__()
        self.stylesheets: list[str] = []
        self.scripts: list[dict] = []  # attributes of each <script>, "inline" if it has a body
        self.handlers: list[str] = []  # onclick=... and the like, javascript: links
        self.forms: list[dict] = []
        self._in_script = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.handlers.append(f"<{tag} {name}={value!r}>")
        if tag == "link" and "stylesheet" in (attributes.get("rel") or "").split():
            self.stylesheets.append(attributes["href"])
        elif tag == "script":
            self.scripts.append(attributes)
            self._in_script = True
        elif tag == "form":
            self.forms.append(attributes)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.scripts[-1]["inline"] = data


def transferred(response) -> int:
    """Bytes on the wire for a response: its status line, headers and (compressed) body."""
    head = f"HTTP/1.1 {response.status}\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in response.headers.items()
    )
    return len(head.encode()) + 2 + len(response.data)


def decoded(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    if encoding == "gzip":
        return gzip.decompress(response.data)
    if encoding == "br":
        return brotli.decompress(response.data)
    assert encoding is None, encoding
    return response.data


def static_url(app, filename: str) -> str:
    with app.test_request_context():
        return url_for("static", filename=filename)


def lesson_url(course, lesson) -> str:
    return f"/courses/{course.slug}/lessons/{lesson.slug}"


@pytest.fixture
def real_course(app):
    """The Caring Cities course from courses/caring_cities, imported as `flask course import`."""
    source, problems = read_course(REPO / "courses" / "caring_cities")
    assert problems == []
    course, _report = import_course(source)
    db.session.commit()
    return course


@pytest.fixture
def cohort(real_course, make_cohort):
    return make_cohort(real_course, "light")


@pytest.fixture
def reader(cohort, make_user, browser):
    """A learner enrolled in the real course, logged in."""
    learner = enrolled_learner(cohort)
    browser.login(learner.email)
    return browser


def lessons_of(course):
    return [lesson for module in course.visible_modules() for lesson in module.published_lessons()]


# What a page weighs


def page_weight(client, path: str) -> dict:
    """The page and every stylesheet and script it links, fetched as a browser does (gzip)."""
    page = client.get(path, headers=GZIP)
    assert page.status_code == 200
    assert page.headers["Content-Encoding"] == "gzip"
    parts = PageParts(decoded(page).decode())
    assets = [*parts.stylesheets, *(s["src"] for s in parts.scripts if "src" in s)]
    assert parts.stylesheets, "the page links no stylesheet"
    fetched = []
    for url in assets:
        response = client.get(url, headers=GZIP)
        assert response.status_code == 200, url
        fetched.append(response)
    everything = [page, *fetched]
    return {
        "path": path,
        "assets": assets,
        "transferred": sum(transferred(r) for r in everything),
        "bodies": sum(len(r.data) for r in everything),
        "uncompressed": sum(len(decoded(r)) for r in everything),
    }


def test_the_heaviest_lesson_page_weighs_under_60_kb_with_its_css_and_js(real_course, reader):
    weights = [
        page_weight(reader.client, lesson_url(real_course, lesson))
        for lesson in lessons_of(real_course)
    ]
    assert len(weights) > 15  # the real course's lessons, not the small example's
    heaviest = max(weights, key=lambda w: w["transferred"])
    print(
        f"\nHeaviest lesson page {heaviest['path']} with {', '.join(heaviest['assets'])}: "
        f"{heaviest['transferred']} bytes transferred with gzip, headers included "
        f"({heaviest['bodies']} of bodies; {heaviest['uncompressed']} uncompressed)"
    )
    assert heaviest["transferred"] < BUDGET
    # The stylesheet counted is the site's real one, not an empty placeholder.
    assert heaviest["uncompressed"] > (STATIC / "css" / "site.css").stat().st_size


def test_the_quiz_attempt_page_fits_the_same_budget(real_course, reader):
    module = real_course.published_quizzes()[-1].module
    started = reader.post_form(
        f"{quiz_url(real_course, module)}/attempts", {}, page=quiz_url(real_course, module)
    )
    weight = page_weight(reader.client, started.headers["Location"])
    print(f"\nQuiz attempt page: {weight['transferred']} bytes transferred with gzip")
    assert weight["transferred"] < BUDGET


# Reading, quizzes and navigation without JavaScript


def assert_needs_no_script(page: str) -> PageParts:
    parts = PageParts(page)
    assert parts.handlers == []
    for script in parts.scripts:
        # Only files from our own static folder, loaded without blocking the page.
        assert "inline" not in script and script.get("src", "").startswith("/static/"), script
        assert "defer" in script or "async" in script, script
    return parts


def test_a_lesson_is_read_marked_done_and_left_with_plain_links_and_forms(real_course, reader):
    lessons = lessons_of(real_course)
    first, second = lessons[0], lessons[1]
    page = reader.client.get(lesson_url(real_course, first)).get_data(as_text=True)
    parts = assert_needs_no_script(page)
    assert parts.scripts == []
    assert first.body_html in page  # the text is in the HTML, not fetched by a script
    assert lesson_url(real_course, second) in links(page)  # the way on is a link
    done_url = f"{lesson_url(real_course, first)}/done"
    assert {"method": "post", "action": done_url} in parts.forms
    response = reader.post_form(done_url, {}, page=lesson_url(real_course, first))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(lesson_url(real_course, second))
    again = reader.client.get(lesson_url(real_course, first)).get_data(as_text=True)
    assert "You marked this lesson as done." in again


def test_a_quiz_is_taken_with_plain_forms(real_course, reader):
    module = real_course.published_quizzes()[0].module
    page = reader.client.get(quiz_url(real_course, module)).get_data(as_text=True)
    start_url = f"{quiz_url(real_course, module)}/attempts"
    assert {"method": "post", "action": start_url} in assert_needs_no_script(page).forms
    started = reader.post_form(start_url, {}, page=quiz_url(real_course, module))
    attempt_url = started.headers["Location"]
    attempt_page = reader.client.get(attempt_url).get_data(as_text=True)
    forms = assert_needs_no_script(attempt_page).forms
    # No action: the answers go back to the attempt's own address, as browsers do.
    assert {"method": "post", "class": "quiz-form", "novalidate": None} in forms
    assert find(attempt_page, '.quiz-form input[type="radio"]')
    assert find(attempt_page, '.quiz-form [type="submit"]')
    sent = reader.post_form(attempt_url, answers(attempt_page, right=True), page=attempt_url)
    assert sent.status_code == 302 and sent.headers["Location"] == attempt_url
    result = reader.client.get(attempt_url).get_data(as_text=True)
    assert_needs_no_script(result)
    assert "100 %" in result


@pytest.mark.parametrize(
    "path",
    ["/", "/courses/caring-cities", "/courses/caring-cities/guidebook", "/dashboard", "/account"],
)
def test_other_pages_a_learner_sees_need_no_script(real_course, reader, path):
    response = reader.client.get(path)
    assert response.status_code == 200
    assert_needs_no_script(response.get_data(as_text=True))


def test_the_one_script_only_preselects_a_time_zone_the_form_already_offers(app, client):
    page = client.get("/register").get_data(as_text=True)
    parts = assert_needs_no_script(page)
    assert [s["src"] for s in parts.scripts] == [static_url(app, "js/timezone.js")]
    # Without JavaScript, a guess from the language (English, no region: London), never UTC.
    assert attribute(page, 'select[name="time_zone"] option[selected]', "value") == [
        "Europe/London"
    ]


# Fingerprinted static files


def fingerprint(relative: str) -> str:
    return hashlib.sha256((STATIC / relative).read_bytes()).hexdigest()[:8]


def test_pages_link_static_files_by_a_hash_of_their_content(app, client):
    page = client.get("/").get_data(as_text=True)
    assert PageParts(page).stylesheets == [f"/static/css/site.css?v={fingerprint('css/site.css')}"]
    assert static_url(app, "js/timezone.js") == (
        f"/static/js/timezone.js?v={fingerprint('js/timezone.js')}"
    )


def test_a_fingerprinted_file_is_cached_for_a_year_and_not_per_visitor(app, reader):
    url = static_url(app, "css/site.css")
    response = reader.client.get(url)  # logged in: the session has been looked at
    assert response.status_code == 200
    assert response.data == (STATIC / "css" / "site.css").read_bytes()
    assert response.headers["Cache-Control"] == LONG_CACHE
    assert response.headers["Content-Type"] == "text/css; charset=utf-8"
    assert response.headers["Vary"] == "Accept-Encoding"  # not Cookie
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_plain_name_still_works_with_a_short_cache(client):
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert response.data == (STATIC / "css" / "site.css").read_bytes()
    assert response.headers["Cache-Control"] == "public, max-age=300"


def test_an_outdated_fingerprint_gets_the_current_file_that_no_cache_keeps(client):
    # A page from a node with other files, during a rolling deploy: better styled than broken.
    stale = "0" * 8 if fingerprint("css/site.css") != "0" * 8 else "1" * 8
    response = client.get(f"/static/css/site.css?v={stale}")
    assert response.status_code == 200
    assert response.data == (STATIC / "css" / "site.css").read_bytes()
    assert response.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize(
    "path",
    [
        "/static/css/nothing.css",
        "/static/css/nothing.0123abcd.css",
        "/static/../app/__init__.py",
        "/static/css/../../__init__.py",
        "/static/css/",
    ],
)
def test_missing_and_outside_files_are_not_found(client, path):
    assert client.get(path).status_code == 404


def test_a_conditional_request_gets_304_for_each_encoding(app, client):
    url = static_url(app, "css/site.css")
    for headers in ({}, GZIP, {"Accept-Encoding": "br, gzip"}):
        first = client.get(url, headers=headers)
        again = client.get(url, headers={**headers, "If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""
        assert again.headers["Cache-Control"] == LONG_CACHE
    # The gzip copy's ETag is not the plain file's: a cache cannot mix them up.
    zipped_tag = client.get(url, headers=GZIP).headers["ETag"]
    plain = client.get(url, headers={"If-None-Match": zipped_tag})
    assert plain.status_code == 200 and plain.data == (STATIC / "css" / "site.css").read_bytes()


def test_two_processes_name_the_files_alike(app, database, tmp_path):
    with separate_app(database.config(), str(tmp_path / "other")) as other:
        assert static_url(other, "css/site.css") == static_url(app, "css/site.css")


def test_a_changed_file_gets_a_new_address_and_the_old_one_turns_stale(tmp_path):
    site = Flask("changed", static_folder=str(tmp_path), static_url_path="/static")
    register_assets(site)
    client = site.test_client()
    script = tmp_path / "app.js"
    script.write_text("console.log(1);\n" * 100)
    before = static_url(site, "app.js")
    assert client.get(before).headers["Cache-Control"] == LONG_CACHE
    script.write_text("console.log(2);\n" * 100)  # the same size, a later time
    os.utime(script, ns=(script.stat().st_atime_ns, script.stat().st_mtime_ns + 10**9))
    after = static_url(site, "app.js")
    assert after != before
    assert client.get(before).headers["Cache-Control"] == "no-cache"
    response = client.get(after)
    assert response.headers["Cache-Control"] == LONG_CACHE
    assert response.data == script.read_bytes()


# Compression


def test_a_gzip_page_decompresses_to_the_page_sent_plain(real_course, reader):
    path = lesson_url(real_course, lessons_of(real_course)[0])
    plain = reader.client.get(path)
    zipped = reader.client.get(path, headers=GZIP)
    squeezed = reader.client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers  # the test client asks for no encoding
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert squeezed.headers["Content-Encoding"] == "br"
    for response in (plain, zipped, squeezed):
        assert "Accept-Encoding" in response.headers["Vary"]
    assert len(zipped.data) < len(plain.data) / 2
    assert without_tokens(decoded(zipped)) == without_tokens(plain.data)
    assert without_tokens(decoded(squeezed)) == without_tokens(plain.data)


def test_static_text_is_sent_compressed_and_decompresses_to_the_file(app, client):
    original = (STATIC / "css" / "site.css").read_bytes()
    url = static_url(app, "css/site.css")
    for accepted, expected in (("gzip", "gzip"), ("br;q=1, gzip;q=0.5", "br"), ("identity", None)):
        response = client.get(url, headers={"Accept-Encoding": accepted})
        assert response.headers.get("Content-Encoding") == expected
        assert decoded(response) == original
        assert response.headers["Content-Length"] == str(len(response.data))


def test_calendars_are_compressed_and_tiny_answers_are_not(real_course, client):
    jwks = client.get("/.well-known/jwks.json", headers=GZIP)
    assert len(jwks.data) < 500  # below COMPRESS_MIN_SIZE: gzip's header would outweigh it
    assert "Content-Encoding" not in jwks.headers
    cohort = next(c for c in real_course.cohorts if c.live_sessions)
    calendar = client.get(
        f"/courses/{real_course.slug}/cohorts/{cohort.slug}/schedule.ics", headers=GZIP
    )
    assert calendar.status_code == 200
    assert calendar.headers["Content-Encoding"] == "gzip"
    assert decoded(calendar).startswith(b"BEGIN:VCALENDAR")


def test_a_page_opened_from_another_site_is_sent_uncompressed(real_course, reader):
    # BREACH: sizes of compressed pages that hold the CSRF token must not be observable for
    # requests another site makes the browser send.
    path = lesson_url(real_course, lessons_of(real_course)[0])
    response = reader.client.get(path, headers={**GZIP, "Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    same_site = reader.client.get(path, headers={**GZIP, "Sec-Fetch-Site": "same-origin"})
    assert same_site.headers["Content-Encoding"] == "gzip"


def test_a_certificate_pdf_is_not_compressed_again_but_its_credential_is(
    cohort, make_user, browser
):
    admin = make_user(Role.ADMIN, email="admin@city.example")
    learner = enrolled_learner(cohort, email="holder@city.example")
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == learner.id))
    enrollment.completed_at = utcnow() - timedelta(days=1)
    learner.certificate_name = learner.name
    learner.certificate_name_confirmed_at = utcnow()
    certificate = issue_certificate(enrollment, actor=admin, now=utcnow())
    db.session.commit()
    browser.login(learner.email)
    pdf = browser.client.get(f"/certificates/{certificate.display_serial}.pdf", headers=GZIP)
    assert pdf.status_code == 200
    assert "Content-Encoding" not in pdf.headers
    assert pdf.data.startswith(b"%PDF")
    credential = browser.client.get(
        f"/certificates/{certificate.display_serial}/credential.json", headers=GZIP
    )
    assert credential.headers["Content-Encoding"] == "gzip"
    assert b'"credentialSubject"' in decoded(credential)


def test_a_streamed_csv_export_goes_out_as_it_is_written(real_course, cohort, make_user, browser):
    # Compressing it would hold rows back; the issue leaves streamed responses alone.
    learner = enrolled_learner(cohort)
    teacher = make_user(Role.INSTRUCTOR, email="teacher@city.example", courses=[real_course])
    browser.login(teacher.email)
    export = browser.client.get(
        f"/author/{real_course.slug}/cohorts/{cohort.slug}/progress.csv",
        headers={"Accept-Encoding": "gzip, deflate, br, zstd"},
    )
    assert export.status_code == 200
    assert export.headers["Content-Type"].startswith("text/csv")
    assert "Content-Encoding" not in export.headers
    assert learner.name in export.data.decode("utf-8-sig")
