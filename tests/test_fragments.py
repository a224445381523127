"""Shared fragments (app/core/fragments.py): the parts of a page that are the same for every
reader are rendered once per version and language; each reader's own marks are slots; a change
to the course, by the browser editor, an import or the clock, shows on the next request; and
the learner pages' queries stay counted."""

import os
import uuid
from datetime import timedelta

import pytest
import time_machine
from markupsafe import Markup
from sqlalchemy import select

from app.catalog.models import Lesson
from app.catalog.outlines import outline_changed
from app.certificates.operations import revoke_certificate
from app.core.fragments import FragmentStore, fill_slots, fragment_store
from app.core.types import utcnow
from app.extensions import db
from tests.conftest import csrf_token
from tests.factories import certified_learner, enrolled_learner, import_example
from tests.learning_helpers import answers, quiz_url
from tests.test_authoring import edit_form, edit_url, lesson
from tests.test_pages import visible_text

LESSON_URL = "/courses/example-course/lessons/what-care-work-is"
SECOND_LESSON_URL = "/courses/example-course/lessons/who-does-care-work"
HOME_URL = "/courses/example-course"
DONE_MARK = "1 minute of reading · ✓ done"


def rendered_kinds(app) -> list[str]:
    """The kinds of the fragments this app's process keeps ('lesson-text', ...)."""
    return [key.split(":")[1] for key in fragment_store(app).kept]


@pytest.fixture
def readers(spring, logged_in):
    """Two learners of Spring 2027, logged in; the first has marked the first lesson done."""
    first = logged_in(enrolled_learner(spring, email="first@city.example"))
    second = logged_in(enrolled_learner(spring, email="second@city.example"))
    assert first.post_form(LESSON_URL + "/done", {}, page=LESSON_URL).status_code == 302
    return first, second


def test_a_lesson_is_rendered_once_for_its_readers_who_each_see_their_own_mark(app, readers):
    first, second = readers
    store = fragment_store(app)
    store.clear()
    before = store.rendered
    first_page = visible_text(first.client.get(LESSON_URL).text)
    second_page = visible_text(second.client.get(LESSON_URL).text)
    assert (
        "Care work keeps people alive" in first_page
        and "Care work keeps people alive" in second_page
    )  # the lesson's text
    assert DONE_MARK in first_page
    assert DONE_MARK not in second_page and "1 minute of reading" in second_page
    assert "Mark as done" in second_page and "Mark as done" not in first_page
    # The text, the step links, the header and the footer: rendered for the first reader only.
    assert rendered_kinds(app).count("lesson-text") == 1
    rendered_once = store.rendered - before
    third = visible_text(second.client.get(LESSON_URL).text)
    assert store.rendered - before == rendered_once
    assert third == second_page


def test_each_language_has_its_own_fragment(app, readers):
    first, _second = readers
    english = visible_text(first.client.get(LESSON_URL).text)
    chosen = first.post_form("/language", {"language": "es", "next": LESSON_URL}, page=LESSON_URL)
    assert chosen.status_code == 302
    spanish = visible_text(first.client.get(LESSON_URL).text)
    assert "1 minute of reading" in english
    assert "1 minuto de lectura" in spanish and "✓ completada" in spanish
    assert "minute of reading" not in spanish


def test_a_slot_is_escaped_unless_it_is_markup():
    html = "<p><!--slot:name--> and <!--slot:mark--><!--slot:missing--></p>"
    filled = fill_slots(html, {"name": "<script>x</script>", "mark": Markup("<b>✓</b>")})
    assert filled == "<p>&lt;script&gt;x&lt;/script&gt; and <b>✓</b></p>"


def test_an_edit_in_the_browser_editor_shows_on_the_next_request(app, readers, teacher_browser):
    _first, second = readers
    assert "Budgets can count care" not in second.client.get(LESSON_URL).text  # kept now
    before = lesson()
    text = before.body_md + "\nBudgets can count care.\n"
    saved = teacher_browser.post_form(edit_url(), edit_form(before, body_md=text))
    assert saved.status_code == 302
    assert "Budgets can count care" in visible_text(second.client.get(LESSON_URL).text)


def test_an_import_shows_on_the_next_request(app, readers, example_copy):
    _first, second = readers
    assert "Cities can count care" not in second.client.get(SECOND_LESSON_URL).text
    assert "Who does care work" in second.client.get(HOME_URL).text
    path = example_copy / "01-first-steps" / "02-who-does-care-work.md"
    text = path.read_text("utf-8").replace("title: Who does care work", "title: Who cares")
    path.write_text(text + "\nCities can count care.\n", "utf-8")
    import_example(example_copy)
    page = visible_text(second.client.get(SECOND_LESSON_URL).text)
    assert "Cities can count care" in page and "Who cares" in page
    home = visible_text(second.client.get(HOME_URL).text)
    assert "Who cares" in home and "Who does care work" not in home


def test_a_scheduled_lesson_comes_out_in_the_modules_when_its_time_comes(app, readers):
    _first, second = readers
    found = db.session.scalar(select(Lesson).where(Lesson.slug == "who-does-care-work"))
    found.publish_at = utcnow() + timedelta(days=2)
    outline_changed([found.course_id])
    db.session.commit()
    assert "Who does care work" not in visible_text(second.client.get(HOME_URL).text)
    with time_machine.travel(utcnow() + timedelta(days=3), tick=False):
        assert "Who does care work" in visible_text(second.client.get(HOME_URL).text)
        assert second.client.get(SECOND_LESSON_URL).status_code == 200


def test_the_verification_page_follows_a_revocation(app, spring, admin, client):
    certificate = certified_learner(spring, admin, "holder@city.example", "Ana Holder")
    url = f"/verify/{certificate.serial}"
    assert "Valid." in visible_text(client.get(url).text)
    revoke_certificate(certificate, actor=admin, reason="Issued by mistake", now=utcnow())
    db.session.commit()
    page = visible_text(client.get(url).text)
    assert "Revoked on" in page and "Issued by mistake" in page and "Valid." not in page


# --- Redis: what one node renders, the others read ------------------------------------------

REDIS_URL = os.environ.get("TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="set TEST_REDIS_URL (.ci/run does) to test Redis")
def test_a_fragment_rendered_by_one_node_is_read_by_another_through_redis(app):
    key = f"test-fragments-{uuid.uuid4().hex}:lesson-text:en:1:v1"
    node_a, node_b = FragmentStore(REDIS_URL), FragmentStore(REDIS_URL)
    try:
        assert node_a.get_or_render(key, lambda: "<p>Care</p>") == "<p>Care</p>"
        assert node_b.get_or_render(key, lambda: "<p>rendered again</p>") == "<p>Care</p>"
        assert (node_a.rendered, node_b.rendered) == (1, 0)
    finally:
        node_a.redis.delete("fragment:" + key)


def test_an_unreachable_redis_renders_the_fragment_instead():
    store = FragmentStore("redis://127.0.0.1:1/0")  # nothing listens on port 1
    assert store.get_or_render("x:y", lambda: "<p>rendered</p>") == "<p>rendered</p>"
    assert store.rendered == 1


# --- what each learner page asks the database -----------------------------------------------


def test_the_learner_pages_send_a_fixed_number_of_queries(
    app, readers, count_queries, spring, admin
):
    first, _second = readers
    certificate = certified_learner(spring, admin, "holder@city.example", "Ana Holder")
    pages = {
        # the outline's version, the reader, their state at this lesson
        LESSON_URL: 3,
        # the outline's version, the reader; enrolments, lessons done (with sessions attended),
        # quiz attempts, assignments; announcements, applications
        HOME_URL: 8,
        # the reader, enrolments, outline versions; lessons, attempts, assignments; applications,
        # certificates, announcements
        "/dashboard": 9,
        # the certificate (with what replaced it and its status entry), what it replaces; the
        # reader (is it theirs?)
        f"/verify/{certificate.serial}": 3,
    }
    counted = {}
    for url in pages:
        assert first.client.get(url).status_code == 200  # the first request loads the outline
        with count_queries() as queries:
            assert first.client.get(url).status_code == 200
        counted[url] = queries.count
    assert counted == pages


def test_a_quiz_submission_sends_a_fixed_number_of_queries(
    app, readers, count_queries, course, quiz_module
):
    first, _second = readers
    url = quiz_url(course, quiz_module)
    started = first.post_form(f"{url}/attempts", {}, page=url)
    assert started.status_code == 302
    attempt_path = started.headers["Location"]
    page = first.client.get(attempt_path).get_data(as_text=True)
    form = {"csrf_token": csrf_token(page), **answers(page, right=True)}
    with count_queries() as queries:
        submitted = first.client.post(attempt_path, data=form)
    assert submitted.status_code == 302
    assert "passed" in visible_text(first.client.get(attempt_path).text)
    # The reader, the outline's version, reading access; the attempt, its answers' questions;
    # activity noted; the attempt graded once, its answers, the best score; the completion
    # rules' facts (lessons and sessions, attempts, assignments) and enrolments.
    assert queries.count == 14, "\n".join(queries.statements)
