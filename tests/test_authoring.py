"""Instructors editing in the browser: modules and lessons, preview, publication, revisions,
edit conflicts, images, and the export back to the course files."""

import io
import os
from datetime import timedelta

import pytest
from markupsafe import escape
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.catalog.authored import LessonRevision, UploadedImage
from app.catalog.content.exporter import export_course
from app.catalog.content.reader import read_course
from app.catalog.models import Course, Lesson, Module, Status
from app.catalog.operations import import_course
from app.catalog.outlines import outline_changed
from app.core.audit import AuditEvent
from app.core.permissions import Role
from app.core.types import utcnow
from app.extensions import db
from tests.conftest import Browser
from tests.factories import enrolled_learner
from tests.test_pages import visible_text

LESSON = "what-care-work-is"
AUTHOR = "/author/example-course"
LEARN = "/courses/example-course"


@pytest.fixture
def staff(course, spring, teacher, teacher_browser, logged_in):
    """The example course, an instructor who teaches it (logged in) and an enrolled learner
    of the course file's own cohort (so that exports stay valid), logged in too."""
    reader = logged_in(enrolled_learner(spring))
    return {"course": course, "teacher": teacher, "browser": teacher_browser, "reader": reader}


def lesson(slug: str = LESSON) -> Lesson:
    db.session.expire_all()
    return db.session.scalar(select(Lesson).where(Lesson.slug == slug))


def edit_form(found: Lesson, **changes) -> dict:
    """The edit form as the page fills it, with some fields changed."""
    data = {
        "title": found.title,
        "minutes": str(found.minutes),
        "objectives": "\n".join(found.objectives),
        "body_md": found.body_md,
        "status": found.status.value,
        "publish_at": "",
        "base_revision": str(found.revision),
        "action": "save",
    }
    return data | changes


def edit_url(slug: str = LESSON) -> str:
    return f"{AUTHOR}/lessons/{slug}"


def revisions(lesson_id: int) -> list[LessonRevision]:
    return list(
        db.session.scalars(
            select(LessonRevision)
            .where(LessonRevision.lesson_id == lesson_id)
            .order_by(LessonRevision.number)
        )
    )


def png_bytes(size=(40, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, "PNG")
    return buffer.getvalue()


# editing, preview and revisions ------------------------------------------------------------


def test_the_editor_previews_without_saving_then_saves_a_revision(staff):
    browser, before = staff["browser"], lesson()
    assert before.revision == 1  # the import made revision 1
    page = browser.client.get(edit_url())
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="base_revision" type="hidden" value="1"' in html
    assert str(escape(before.body_md.splitlines()[1])) in html  # the text, in its textarea

    text = before.body_md + "\n## Care in budgets\n\nBudgets can **count** care.\n"
    preview = browser.post_form(edit_url(), edit_form(before, body_md=text, action="preview"))
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "Preview (not saved)" in html
    assert '<h2 id="care-in-budgets">Care in budgets</h2>' in html
    assert "<strong>count</strong>" in html
    assert lesson().revision == 1 and "Care in budgets" not in lesson().body_md

    saved = browser.post_form(edit_url(), edit_form(before, body_md=text))
    assert saved.status_code == 302
    after = lesson()
    assert after.revision == 2
    assert '<h2 id="care-in-budgets">Care in budgets</h2>' in after.body_html
    assert {"id": "care-in-budgets", "title": "Care in budgets"} in after.headings
    stored = revisions(after.id)
    assert [(r.number, r.note) for r in stored] == [(1, "imported"), (2, "saved")]
    assert stored[1].author_id == staff["teacher"].id and stored[1].body_md == text
    assert "Saved as revision 2." in browser.client.get(edit_url()).get_data(as_text=True)
    learner_page = staff["reader"].client.get(f"{LEARN}/lessons/{LESSON}")
    assert "Care in budgets" in visible_text(learner_page.get_data(as_text=True))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "lesson.updated"))
    assert event.details["revision"] == 2 and event.details["changed"] == ["body_md"]


def test_saving_the_same_text_makes_no_revision(staff):
    """Browsers send text areas with CRLF line ends: the same text, all the same."""
    browser, before = staff["browser"], lesson()
    form = edit_form(before)
    form = form | {key: form[key].replace("\n", "\r\n") for key in ("body_md", "objectives")}
    response = browser.post_form(edit_url(), form, follow_redirects=True)
    assert "Nothing changed, so no revision was made." in response.get_data(as_text=True)
    assert lesson().revision == 1 and len(revisions(before.id)) == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "Give the lesson a title."),
        ({"minutes": "0"}, "Give a number of minutes from 1 to 180."),
        ({"minutes": "many"}, "Not a valid integer value."),
        ({"objectives": "  \n "}, "Give at least one objective"),
        # A lazy (translated) message is written as it is: flask_babel's LazyString has __html__.
        ({"body_md": ""}, "Write the lesson's text."),
        ({"title": "Who does care work"}, "Another lesson of this course has this title."),
        ({"body_md": "See [this](03-missing.md)."},
         "line 1: link &#39;03-missing.md&#39; does not lead to a lesson of this course"),
        ({"body_md": "![](../media/care-map.png)"},
         "line 1: an image needs a description"),
        ({"body_md": "![A map](../media/nothing.png)"},
         "image &#39;../media/nothing.png&#39; is not a file in the course&#39;s media/ folder"),
        ({"body_md": "[run](javascript:alert(1))"}, "only https://, http:// and mailto:"),
        ({"status": "archived"}, "Not a valid choice"),
        ({"publish_at": "tomorrow"}, "Not a valid datetime value"),
        ({"base_revision": ""}, "did not say which revision it was opened at"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_its_message_and_nothing_saved(staff, changes, message):
    before = lesson()
    body_before = before.body_md
    response = staff["browser"].post_form(edit_url(), edit_form(before, **changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    after = lesson()
    assert after.revision == 1 and after.body_md == body_before
    assert len(revisions(after.id)) == 1


def test_markdown_is_sanitised_when_saved_in_the_browser(staff):
    before = lesson()
    text = before.body_md + '\n<script>alert("x")</script>\n<img src=x onerror="alert(1)">\n'
    assert (
        staff["browser"].post_form(edit_url(), edit_form(before, body_md=text)).status_code == 302
    )
    html = lesson().body_html
    assert "<script" not in html and "onerror" not in html and 'alert("x")' not in html


def test_the_second_of_two_editors_gets_a_conflict_and_nothing_is_overwritten(
    app, staff, make_user
):
    other = make_user(
        Role.INSTRUCTOR, email="other.teacher@city.example", courses=[staff["course"]]
    )
    second = Browser(app.test_client())
    assert second.login(other.email).status_code == 302
    first = staff["browser"]
    opened = edit_form(lesson())  # both open the editor at revision 1
    theirs = opened["body_md"] + "\nThe first editor's paragraph.\n"
    mine = opened["body_md"] + "\nThe second editor's paragraph.\n"
    assert second.post_form(edit_url(), opened | {"body_md": theirs}).status_code == 302

    refused = first.post_form(edit_url(), opened | {"body_md": mine})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    text = visible_text(page)
    assert f"{other.name} saved this lesson (revision 2) after you opened it" in text
    assert "your changes were not saved" in text
    assert "The first editor&#39;s paragraph." in page  # the saved version, shown
    assert "The second editor&#39;s paragraph." in page  # and this editor's text, kept
    assert 'name="base_revision" type="hidden" value="2"' in page
    assert lesson().body_md == theirs and lesson().revision == 2

    # Having seen both, the editor saves on top of revision 2 on purpose.
    merged = theirs + "The second editor's paragraph.\n"
    again = first.post_form(edit_url(), opened | {"body_md": merged, "base_revision": "2"})
    assert again.status_code == 302
    assert lesson().body_md == merged and lesson().revision == 3


def test_history_shows_the_difference_and_restoring_makes_a_new_revision(staff):
    browser, original = staff["browser"], lesson()
    first_text = original.body_md
    second = first_text.replace("Care work", "Unpaid care work", 1) + "\nA new line.\n"
    assert browser.post_form(edit_url(), edit_form(original, body_md=second)).status_code == 302
    third = second + "Another line.\n"
    assert browser.post_form(edit_url(), edit_form(lesson(), body_md=third)).status_code == 302

    history = browser.client.get(f"{edit_url()}/history?from=1&to=3")
    assert history.status_code == 200
    page = history.get_data(as_text=True)
    assert "Revision 1 → revision 3" in page
    added = '<ins><span class="visually-hidden">Added: </span><span aria-hidden="true">+ </span>'
    # The line is lesson text, in the course's language.
    assert f'{added}<span lang="en">A new line.</span></ins>' in page
    assert f'{added}<span lang="en">Another line.</span></ins>' in page
    assert page.count("Restore<span") == 2  # not for the current revision

    restored = browser.post_form(
        f"{edit_url()}/history/1/restore", {}, page=f"{edit_url()}/history"
    )
    assert restored.status_code == 302
    after = lesson()
    assert after.revision == 4 and after.body_md == first_text
    assert [r.note for r in revisions(after.id)] == [
        "imported", "saved", "saved", "restored revision 1",
    ]  # fmt: skip
    assert "Revision 1 restored as revision 4." in browser.client.get(
        f"{edit_url()}/history"
    ).get_data(as_text=True)
    assert browser.client.get(f"{edit_url()}/history?from=9&to=1").status_code == 302
    missing = browser.post_form(f"{edit_url()}/history/9/restore", {}, page=f"{edit_url()}/history")
    assert missing.status_code == 404


# publication --------------------------------------------------------------------------------


def new_lesson_form(**changes) -> dict:
    return {
        "slug": "care-budgets",
        "title": "Care in budgets",
        "minutes": "6",
        "objectives": "Find care in a city budget.\nName two budget lines.",
        "body_md": "Budgets show what a city cares about.\n",
        "status": "draft",
        "publish_at": "",
        "base_revision": "0",
        "action": "save",
    } | changes


def test_learners_see_neither_drafts_nor_scheduled_lessons_until_their_time(staff):
    browser, reader = staff["browser"], staff["reader"]
    url = f"{AUTHOR}/modules/first-steps/lessons/new"
    assert browser.post_form(url, new_lesson_form()).status_code == 302
    added = lesson("care-budgets")
    assert (added.status, added.position, added.revision) == (Status.DRAFT, 3, 1)
    learner_url = f"{LEARN}/lessons/care-budgets"
    assert reader.client.get(learner_url).status_code == 404
    assert "Care in budgets" not in reader.client.get(f"{LEARN}").get_data(as_text=True)
    preview = browser.client.get(f"{AUTHOR}/lessons/care-budgets/preview")
    assert preview.status_code == 200
    assert "This lesson is a draft: learners don't see it." in preview.get_data(as_text=True)
    assert "Budgets show what a city cares about." in preview.get_data(as_text=True)
    assert reader.client.get(f"{AUTHOR}/lessons/care-budgets/preview").status_code == 403

    # Published from tomorrow (typed in the instructor's zone, America/Bogota): still hidden.
    tomorrow = (utcnow() + timedelta(days=1)).astimezone().strftime("%Y-%m-%dT%H:%M")
    form = edit_form(added, status="published", publish_at=tomorrow)
    assert browser.post_form(edit_url("care-budgets"), form).status_code == 302
    assert lesson("care-budgets").publication(utcnow()) == "scheduled"
    assert reader.client.get(learner_url).status_code == 404
    outline = browser.client.get(f"{AUTHOR}").get_data(as_text=True)
    assert "scheduled for" in outline

    # The time comes.
    scheduled = lesson("care-budgets")
    scheduled.publish_at = utcnow() - timedelta(minutes=1)
    outline_changed([scheduled.course_id])
    db.session.commit()
    shown = reader.client.get(learner_url)
    assert shown.status_code == 200
    assert "Budgets show what a city cares about." in shown.get_data(as_text=True)


def test_a_draft_module_hides_its_lessons(staff):
    browser, reader = staff["browser"], staff["reader"]
    form = {"title": "Going further", "intro_md": "More.", "status": "draft", "publish_at": ""}
    assert browser.post_form(f"{AUTHOR}/modules/going-further", form).status_code == 302
    assert reader.client.get(f"{LEARN}/lessons/care-services").status_code == 404
    assert "Going further" not in reader.client.get(f"{LEARN}").get_data(as_text=True)


def test_a_publication_time_is_read_in_the_editors_zone(staff):
    """08:00 typed by an instructor in Bogotá (UTC-5) is 13:00 UTC."""
    before = lesson()
    form = edit_form(before, publish_at="2031-03-01T08:00")
    assert staff["browser"].post_form(edit_url(), form).status_code == 302
    assert lesson().publish_at.isoformat() == "2031-03-01T13:00:00+00:00"
    page = staff["browser"].client.get(edit_url()).get_data(as_text=True)
    assert 'value="2031-03-01T08:00"' in page


# modules and order --------------------------------------------------------------------------


def test_modules_are_added_edited_and_moved(staff):
    browser = staff["browser"]
    form = {"slug": "budgets", "title": "Care budgets", "intro_md": "Money *for* care.",
            "status": "published", "publish_at": ""}  # fmt: skip
    assert browser.post_form(f"{AUTHOR}/modules/new", form).status_code == 302
    module = db.session.scalar(select(Module).where(Module.slug == "budgets"))
    assert (module.position, module.intro_html) == (3, "<p>Money <em>for</em> care.</p>")
    duplicate = browser.post_form(f"{AUTHOR}/modules/new", form | {"title": "Again"})
    assert duplicate.status_code == 400
    assert "Another module of this course has this short name." in duplicate.get_data(as_text=True)
    bad = browser.post_form(f"{AUTHOR}/modules/new", form | {"slug": "Care Budgets"})
    assert bad.status_code == 400
    assert "Use lowercase letters, digits and hyphens" in bad.get_data(as_text=True)

    moved = browser.post_form(
        f"{AUTHOR}/modules/budgets/move", {"direction": "up"}, page=f"{AUTHOR}"
    )
    assert moved.status_code == 302
    db.session.expire_all()
    order = db.session.scalars(
        select(Module.slug).where(Module.status != Status.ARCHIVED).order_by(Module.position)
    ).all()
    assert order == ["first-steps", "budgets", "going-further"]
    # The link from module 1 into the moved module follows it to its new folder number.
    assert "../03-going-further/01-care-services.md" in lesson("who-does-care-work").body_md
    top = browser.post_form(
        f"{AUTHOR}/modules/first-steps/move",
        {"direction": "up"},
        page=f"{AUTHOR}",
        follow_redirects=True,
    )
    assert "is already at the top" in top.get_data(as_text=True)


def test_moving_a_lesson_renumbers_the_links_to_it(staff, tmp_path):
    browser = staff["browser"]
    response = browser.post_form(
        f"{AUTHOR}/lessons/who-does-care-work/move",
        {"direction": "up"},
        page=f"{AUTHOR}",
    )
    assert response.status_code == 302
    assert (lesson("who-does-care-work").position, lesson(LESSON).position) == (1, 2)
    assert "[who does care work](01-who-does-care-work.md#in-the-city)" in lesson(LESSON).body_md
    assert [r.note for r in revisions(lesson(LESSON).id)] == ["imported", "links renumbered"]
    export_course(staff["course"], tmp_path / "out")
    source, problems = read_course(tmp_path / "out")
    assert problems == []
    assert [item.slug for item in source.modules[0].lessons] == [
        "who-does-care-work", LESSON,
    ]  # fmt: skip
    bad = browser.post_form(
        f"{AUTHOR}/lessons/who-does-care-work/move",
        {"direction": "sideways"},
        page=f"{AUTHOR}",
    )
    assert bad.status_code == 400


# images -------------------------------------------------------------------------------------


def upload(browser, data: bytes, filename: str):
    """POST the upload form, its body encoded here: the test client's own encoding of large
    files leaves a temporary file open."""
    url = f"{AUTHOR}/images"
    boundary, body = encode_multipart(
        MultiDict(
            {"csrf_token": browser.token(url), "image": FileStorage(io.BytesIO(data), filename)}
        )
    )
    return browser.client.post(
        url, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def stored_files(app) -> list[str]:
    folder = app.config["UPLOAD_FOLDER"]
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def test_an_image_is_checked_stored_under_a_new_name_and_served_safely(app, staff):
    data = png_bytes()
    response = upload(staff["browser"], data, "../../etc/passwd.png")
    assert response.status_code == 302
    image = db.session.scalar(select(UploadedImage))
    assert image.name.startswith("img-") and image.name.endswith(".png")
    assert (image.original_name, image.width, image.height) == ("passwd.png", 40, 20)
    assert stored_files(app) == [image.name]
    with open(os.path.join(app.config["UPLOAD_FOLDER"], image.name), "rb") as file:
        assert file.read() == data
    served = staff["reader"].client.get(f"{LEARN}/media/{image.name}")
    assert served.status_code == 200 and served.data == data
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    page = staff["browser"].client.get(f"{AUTHOR}/images").get_data(as_text=True)
    assert f"![Describe what it shows](../media/{image.name})" in page

    # The Markdown the page offers works in a lesson, and in its export (see the round trip).
    before = lesson()
    text = before.body_md + f"\n![A chart of care hours](../media/{image.name})\n"
    assert (
        staff["browser"].post_form(edit_url(), edit_form(before, body_md=text)).status_code == 302
    )
    assert f'src="{LEARN}/media/{image.name}"' in lesson().body_html


@pytest.mark.parametrize(
    ("data", "filename", "status", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "photo.png", 400,
         "This file is not a PNG, JPEG, WebP or GIF image (whatever its name says)."),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
         "drawing.svg", 400, "SVG images are not accepted, because they can carry scripts."),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "logo.png", 400,
         "SVG images are not accepted"),
        (png_bytes()[:60], "cut.png", 400, "This file is not a PNG, JPEG, WebP or GIF image"),
        (b"", "empty.png", 400, "Choose an image to upload."),
        (png_bytes() + b"\0" * (5 * 1024 * 1024), "huge.png", 413,
         "the largest accepted is 5.0 MB"),
    ],
)  # fmt: skip
def test_bad_uploads_are_refused_and_nothing_is_stored(app, staff, data, filename, status, message):
    response = upload(staff["browser"], data, filename)
    assert response.status_code == status
    assert message in visible_text(response.get_data(as_text=True)).replace("’", "'")
    assert db.session.scalar(select(func.count(UploadedImage.id))) == 0
    assert stored_files(app) == []


def test_a_request_over_the_site_limit_gets_the_413_page(app, staff):
    response = upload(staff["browser"], b"\0" * (9 * 1024 * 1024), "big.png")
    assert response.status_code == 413
    assert "What you sent is too large." in response.get_data(as_text=True)
    assert stored_files(app) == []


# the round trip with the files --------------------------------------------------------------


def test_what_is_edited_in_the_browser_exports_and_imports_back_unchanged(staff, tmp_path, runner):
    browser = staff["browser"]
    assert upload(browser, png_bytes(), "chart.png").status_code == 302
    name = db.session.scalar(select(UploadedImage.name))
    before = lesson()
    text = before.body_md + f"\n![A chart of care hours](../media/{name})\n"
    form = edit_form(before, body_md=text, title="What care work is, and why it counts",
                     publish_at="2031-03-01T08:00")  # fmt: skip
    assert browser.post_form(edit_url(), form).status_code == 302
    module = {"slug": "budgets", "title": "Care budgets", "intro_md": "Money for care.",
              "status": "draft", "publish_at": ""}  # fmt: skip
    assert browser.post_form(f"{AUTHOR}/modules/new", module).status_code == 302
    new = new_lesson_form(body_md="Back to [the start](../01-first-steps/01-what-care-work-is.md).")
    assert browser.post_form(f"{AUTHOR}/modules/budgets/lessons/new", new).status_code == 302

    folder = tmp_path / "example"
    result = runner.invoke(args=["course", "export", "example-course", str(folder)])
    assert result.exit_code == 0, result.output
    exported = (folder / "01-first-steps" / "01-what-care-work-is.md").read_text()
    assert "title: What care work is, and why it counts" in exported
    assert "publish_at: 2031-03-01 13:00 UTC" in exported
    assert (folder / "media" / name).read_bytes() == png_bytes()
    assert (
        (folder / "03-budgets" / "module.md")
        .read_text()
        .startswith("---\ntitle: Care budgets\nstatus: draft\n---\n")
    )
    source, problems = read_course(folder)
    assert problems == []

    db.session.expire_all()
    _course, report = import_course(source)
    db.session.commit()
    # The files say exactly what the database holds: only the image becomes a course file.
    assert report.lines() == [f"added media {name}"]
    again = lesson()
    assert again.revision == 2 and again.publish_at.isoformat() == "2031-03-01T13:00:00+00:00"
    assert f'src="{LEARN}/media/{name}"' in again.body_html


# who may ------------------------------------------------------------------------------------


AUTHORING_PAGES = [
    f"{AUTHOR}",
    f"{AUTHOR}/modules/new",
    f"{AUTHOR}/modules/first-steps",
    f"{AUTHOR}/modules/first-steps/lessons/new",
    f"{AUTHOR}/lessons/{LESSON}",
    f"{AUTHOR}/lessons/{LESSON}/preview",
    f"{AUTHOR}/lessons/{LESSON}/history",
    f"{AUTHOR}/images",
]


def test_staff_of_another_course_and_learners_get_403_everywhere(app, staff, make_user):
    other = Course(slug="other", title="Other", summary="Other course.")
    db.session.add(other)
    db.session.commit()
    outsider = make_user(Role.INSTRUCTOR, email="elsewhere@city.example", courses=[other])
    browser = Browser(app.test_client())
    assert browser.login(outsider.email).status_code == 302
    for url in AUTHORING_PAGES:
        assert browser.client.get(url).status_code == 403, url
        assert staff["reader"].client.get(url).status_code == 403, url
    before = lesson()
    refused = browser.post_form(edit_url(), edit_form(before, body_md="Vandalised."), page="/")
    assert refused.status_code == 403
    assert lesson().body_md != "Vandalised." and lesson().revision == 1
    assert staff["browser"].client.get("/author/nothing-here").status_code == 404
    assert staff["browser"].client.get(f"{AUTHOR}/lessons/nothing-here").status_code == 404
