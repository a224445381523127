"""The translation editor (/author/<course>/translations): every original a learner reads and
its translation's state per language; the original and its translation side by side, saved by
the translation files' own rules (problems by line: 422, text kept), the original's revision
recorded when the translation follows it, a save over a newer version refused (409, text
kept), deleted after a confirmation; and what the browser saves exports byte for byte."""

import re

import pytest
import yaml
from markupsafe import escape
from sqlalchemy import select

from app.authoring.queries import course_by_slug
from app.authoring.translation_operations import TRANSLATABLE, text_files
from app.catalog.content.exporter import export_course
from app.catalog.content.reader import read_course
from app.catalog.content.translations import file_revision, stamp
from app.catalog.models import Course, LessonTranslation, Quiz, TextTranslation
from app.catalog.operations import import_course
from app.catalog.outlines import outline_changed
from app.core.audit import AuditEvent
from app.core.permissions import Role
from app.extensions import db
from tests.conftest import Browser
from tests.factories import cohort_of, enrolled_learner, import_example, make_user
from tests.test_course_translations import (  # noqa: F401 (course_copy: a fixture)
    FIRST,
    course_copy,
    mark,
    translations_of,
)
from tests.test_pages import visible_text

LIST = "/author/example-course/translations"
QUIZ = f"{LIST}/es/{FIRST}/quiz.yaml"
LESSON = f"{LIST}/es/{FIRST}/01-what-care-work-is.md"
QUIZ_PAGE = "/courses/example-course/quizzes/first-steps"


@pytest.fixture
def course(app, runner, course_copy):  # noqa: F811
    """The example course (en, es) with current Spanish translations of course.yaml, the
    first module, its lecture and its quiz (tests/test_course_translations.py)."""
    mark(runner, *translations_of(course_copy))
    return import_example(course_copy)


@pytest.fixture
def spanish_learner(app, course):
    """A learner of the course's cohort who reads in Spanish, logged in."""
    user = enrolled_learner(
        cohort_of(course, "2027-spring"), email="es@city.example", preferred_language="es"
    )
    browser = Browser(app.test_client())
    assert browser.login(user.email).status_code == 302
    return browser


def row(path: str) -> TextTranslation | None:
    db.session.expire_all()
    return db.session.scalar(select(TextTranslation).where(TextTranslation.path == path))


def base_of(html: str) -> str:
    return re.search(r'name="base" type="hidden" value="([^"]*)"', html).group(1)


def textarea(html: str) -> str:
    """The translation's text as the editor's box holds it."""
    found = re.search(r'<textarea[^>]*name="text"[^>]*>\r?\n?(.*?)</textarea>', html, re.S)
    return found.group(1)


def save(browser: Browser, url: str, text: str, *, follows: bool = True, base: str | None = None):
    page = browser.client.get(url)
    data = {"text": text, "base": base if base is not None else base_of(page.text)}
    if follows:
        data["follows_original"] = "y"
    return browser.post_form(url, data, page=url)


def rows_of(html: str) -> dict[str, str]:
    """The list's rows: translation file -> state."""
    return dict(
        re.findall(
            r'<code[^>]*>([^<]+)</code></td>\s*<td data-label="State">'
            r'<span class="tag tag-[a-z-]+">([^<]+)<',
            html,
        )
    )


def change_quiz_title(course: Course, title: str) -> None:
    quiz = db.session.scalar(select(Quiz).where(Quiz.title.like("First steps%")))
    quiz.title = title
    outline_changed([course.id])
    db.session.commit()


# The list -------------------------------------------------------------------------------------


def test_staff_see_every_original_and_the_state_of_its_translation(course, teacher_browser):
    page = teacher_browser.client.get(LIST)
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "4 current 0 out of date 7 missing" in text
    states = rows_of(page.text)
    expected = {
        "course.es.yaml": "current",
        "guidebook.es.md": "missing",
        f"{FIRST}/module.es.md": "current",
        f"{FIRST}/lecture.es.md": "current",
        f"{FIRST}/01-what-care-work-is.es.md": "missing",
        f"{FIRST}/02-who-does-care-work.es.md": "missing",
        f"{FIRST}/quiz.es.yaml": "current",
        f"{FIRST}/assignment.es.yaml": "missing",
        "02-going-further/module.es.md": "missing",
        "02-going-further/01-care-services.es.md": "missing",
        "02-going-further/02-coming-soon.es.md": "missing",
    }
    assert list(states.items()) == list(expected.items())  # in the course's order
    assert f'href="{QUIZ}">Edit<span class="visually-hidden">' in page.text
    assert f'href="{LESSON}">Translate<span class="visually-hidden">' in page.text
    outline = teacher_browser.client.get("/author/example-course").text
    assert f'href="{LIST}">Translations</a>' in outline

    change_quiz_title(course, "First steps: what you understood")
    page = teacher_browser.client.get(LIST)
    assert "3 current 1 out of date 7 missing" in visible_text(page.text)
    assert rows_of(page.text)[f"{FIRST}/quiz.es.yaml"] == "out of date"


def test_a_course_in_one_language_has_nothing_to_translate(course, teacher_browser):
    course.languages = ["en"]
    outline_changed([course.id])
    db.session.commit()
    page = teacher_browser.client.get(LIST)
    assert page.status_code == 200
    assert (
        "This course is written in one language only; list more languages in course.yaml to "
        "translate it." in page.text
    )
    assert teacher_browser.client.get(QUIZ).status_code == 404


def test_the_list_takes_a_fixed_number_of_queries(course, teacher_browser, count_queries):
    with count_queries() as few:
        assert teacher_browser.client.get(LIST).status_code == 200
    save(teacher_browser, LESSON, "---\ntitle: Qué es el trabajo de cuidados\n---\n\nTexto.\n")
    save(teacher_browser, f"{LIST}/es/guidebook.md", "La guía.\n")
    with count_queries() as more:
        assert teacher_browser.client.get(LIST).status_code == 200
    assert more.count == few.count


@pytest.mark.parametrize("role", ["anonymous", "learner", "instructor_of_other_course"])
def test_only_the_course_staff_translate(app, course, role):
    browser = Browser(app.test_client())
    if role == "learner":
        user = enrolled_learner(cohort_of(course, "2027-spring"))
    elif role == "instructor_of_other_course":
        other = Course(slug="other", title="Other", summary="Another course.")
        db.session.add(other)
        db.session.commit()
        user = make_user(Role.INSTRUCTOR, email="other@city.example", courses=[other])
    if role != "anonymous":
        browser.login(user.email)
    for url in (LIST, QUIZ, f"{LIST}/es/delete/{FIRST}/quiz.yaml"):
        response = browser.client.get(url)
        if role == "anonymous":
            assert response.status_code == 302
            assert response.headers["Location"].startswith("/login?next=")
        else:
            assert response.status_code == 403, url
    before = row(f"{FIRST}/quiz.es.yaml").file_text
    if role != "anonymous":
        response = browser.post_form(QUIZ, {"text": "title: x\n", "base": "new"}, page="/dashboard")
        assert response.status_code == 403
    assert row(f"{FIRST}/quiz.es.yaml").file_text == before


@pytest.mark.parametrize(
    "path",
    [
        "fr/01-first-steps/quiz.yaml",  # not a language of the course
        "en/01-first-steps/quiz.yaml",  # its own language
        "es/01-first-steps/nothing.md",
        "es/01-first-steps/quiz.es.yaml",  # a translation is no original
        "es/media/care-map.png",
        "es/09-nowhere/module.md",
    ],
)
def test_an_unknown_original_or_language_is_not_found(course, teacher_browser, path):
    assert teacher_browser.client.get(f"{LIST}/{path}").status_code == 404


# Editing ------------------------------------------------------------------------------------


def test_the_editor_shows_the_original_beside_its_translation(course, teacher_browser):
    page = teacher_browser.client.get(QUIZ)
    assert page.status_code == 200
    html = page.text
    original = re.search(r'<pre class="source"[^>]*aria-labelledby="original-heading"[^>]*>', html)
    assert 'lang="en"' in original.group(0)
    assert "pass_mark: 70" in html  # the original as it is, settings and all
    assert 'lang="es"' in re.search(r"<textarea[^>]*>", html).group(0)
    assert textarea(html) == str(escape(row(f"{FIRST}/quiz.es.yaml").file_text))
    assert 'checked id="follows_original"' in html
    assert "Delete this translation" in html

    new = teacher_browser.client.get(LESSON).text
    assert base_of(new) == "new"
    assert "There is no translation yet" in new
    skeleton = textarea(new)
    assert skeleton.startswith("---\ntitle: What care work is\nobjectives:\n- Say what care")
    assert "minutes:" not in skeleton  # only what a translation translates
    assert "Delete this translation" not in new


def test_a_quiz_translation_with_a_wrong_number_of_choices_is_refused_by_line(
    course, teacher_browser
):
    before = row(f"{FIRST}/quiz.es.yaml").file_text
    data = yaml.safe_load(before)
    data["questions"][0]["choices"] = ["ES solo una"]
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    response = save(teacher_browser, QUIZ, text)
    assert response.status_code == 422
    html = response.text
    assert (
        "line 5: questions[0].choices: the original has 3, this has 1 (same number, same order)"
        in visible_text(html)
    )
    assert textarea(html) == str(escape(text))  # the text kept
    assert row(f"{FIRST}/quiz.es.yaml").file_text == before


def test_a_broken_link_in_a_translated_lesson_is_refused_with_its_line(course, teacher_browser):
    text = "---\ntitle: Qué es\n---\n\nLea [otra](03-nowhere.md).\n"
    response = save(teacher_browser, LESSON, text)
    assert response.status_code == 422
    assert "line 5: link '03-nowhere.md'" in visible_text(response.text)
    assert db.session.scalar(select(LessonTranslation)) is None


def test_a_good_quiz_translation_is_stored_current_and_read_by_a_spanish_learner(
    course, teacher_browser, teacher, spanish_learner
):
    path = f"{FIRST}/quiz.es.yaml"
    text = row(path).file_text.replace(
        "Primeros pasos: compruebe lo que ha entendido", "Primeros pasos: lo que ha entendido"
    )
    response = save(teacher_browser, QUIZ, text)
    assert response.status_code == 302
    assert response.headers["Location"] == QUIZ
    stored = row(path)
    assert stored.texts["title"] == "Primeros pasos: lo que ha entendido"
    assert stored.file_text == text
    assert stored.made_from == file_revision(f"{FIRST}/quiz.yaml", original_quiz(course))
    page = teacher_browser.client.get(QUIZ).text
    assert "Translation saved. Learners who read in Español now read it." in page
    assert '<span class="tag tag-current">current</span>' in page
    quiz = spanish_learner.client.get(QUIZ_PAGE).text
    assert "<h1>Primeros pasos: lo que ha entendido</h1>" in quiz
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "translation.saved")
    ).one()
    assert event.actor_id == teacher.id
    assert event.details | {} == {
        "course": "example-course", "path": path, "language": "es", "current": True,
    }  # fmt: skip


def original_quiz(course: Course) -> str:
    db.session.expire_all()
    return text_files(course_by_slug(course.slug, *TRANSLATABLE))[f"{FIRST}/quiz.yaml"]


def test_an_unticked_save_keeps_the_translation_out_of_date_until_it_follows(
    course, teacher_browser, spanish_learner
):
    path = f"{FIRST}/quiz.es.yaml"
    old = row(path).made_from
    change_quiz_title(course, "First steps: what you understood")
    now = file_revision(f"{FIRST}/quiz.yaml", original_quiz(course))
    page = teacher_browser.client.get(QUIZ).text
    assert (
        f"The original has changed since this translation was made (revision {old}, now "
        f"{now}): compare and update, then save." in page
    )
    text = row(path).file_text.replace("compruebe lo que ha entendido", "lo que ha entendido")
    response = save(teacher_browser, QUIZ, text, follows=False)
    assert response.status_code == 302
    assert row(path).made_from == old
    assert row(path).texts["title"] == "Primeros pasos: lo que ha entendido"
    quiz = spanish_learner.client.get(QUIZ_PAGE).text
    assert '<h1><span lang="en">First steps: what you understood</span></h1>' in quiz
    assert "It is still out of date" in teacher_browser.client.get(QUIZ).text

    response = save(teacher_browser, QUIZ, row(path).file_text)
    assert response.status_code == 302
    assert row(path).made_from == now
    assert row(path).file_text.endswith(f"translated_from: {now}\n")
    assert (
        "<h1>Primeros pasos: lo que ha entendido</h1>" in spanish_learner.client.get(QUIZ_PAGE).text
    )


def test_a_save_over_a_newer_version_is_refused_and_the_text_kept(
    course, teacher_browser, admin_browser
):
    path = f"{FIRST}/quiz.es.yaml"
    opened = base_of(teacher_browser.client.get(QUIZ).text)
    theirs = row(path).file_text.replace("ES Cooking", "ES Cocinar")
    assert save(admin_browser, QUIZ, theirs).status_code == 302
    mine = (
        row(path)
        .file_text.replace("ES Cocinar", "ES Hacer la comida")
        .replace("ES Fetching water", "ES Ir a por agua")
    )
    response = save(teacher_browser, QUIZ, mine, base=opened)
    assert response.status_code == 409
    html = response.text
    assert "This translation was saved, by someone else or by an import" in html
    assert textarea(html) == str(escape(mine))
    assert "ES Cocinar" in html and 'class="diff"' in html
    assert row(path).file_text == theirs
    # The form now builds on the saved version: saving again goes through.
    again = teacher_browser.post_form(
        QUIZ, {"text": mine, "base": base_of(html), "follows_original": "y"}, page=QUIZ
    )
    assert again.status_code == 302
    assert "ES Ir a por agua" in row(path).file_text


def test_deleting_a_translation_asks_first(course, teacher_browser, spanish_learner):
    path = f"{FIRST}/quiz.es.yaml"
    url = f"{LIST}/es/delete/{FIRST}/quiz.yaml"
    page = teacher_browser.client.get(url)
    assert page.status_code == 200
    assert "Delete the translation 01-first-steps/quiz.es.yaml?" in page.text
    assert teacher_browser.post_form(url, {}, page=url).status_code == 400
    assert row(path) is not None
    response = teacher_browser.post_form(url, {"confirm": "yes"}, page=url)
    assert response.status_code == 302
    assert response.headers["Location"] == f"{LIST}#language-es"
    assert row(path) is None
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "translation.deleted")
    ).one()
    assert event.details["path"] == path and event.details["course"] == "example-course"
    assert rows_of(teacher_browser.client.get(LIST).text)[path] == "missing"
    assert teacher_browser.client.get(url).status_code == 404
    quiz = spanish_learner.client.get(QUIZ_PAGE).text
    assert '<h1><span lang="en">First steps: check your understanding</span></h1>' in quiz


def test_a_lesson_translated_in_the_browser_is_read_in_spanish(
    course, teacher_browser, spanish_learner
):
    text = (
        "---\ntitle: Qué es el trabajo de cuidados\n---\n\n"
        "El trabajo de cuidados mantiene a las personas con vida.\n\n"
        "## Cuidados directos e indirectos\n\nLea [quién cuida](02-who-does-care-work.md).\n"
    )
    response = save(teacher_browser, LESSON, text)
    assert response.status_code == 302
    stored = db.session.scalar(select(LessonTranslation))
    assert stored.title == "Qué es el trabajo de cuidados"
    assert stored.objectives == []  # left out: learners read the original's
    assert stored.headings[0]["title"] == "Cuidados directos e indirectos"
    assert 'href="/courses/example-course/lessons/who-does-care-work"' in stored.body_html
    lesson = spanish_learner.client.get("/courses/example-course/lessons/what-care-work-is").text
    assert "El trabajo de cuidados mantiene a las personas con vida." in lesson
    assert (
        rows_of(teacher_browser.client.get(LIST).text)[f"{FIRST}/01-what-care-work-is.es.md"]
        == "current"
    )


def test_a_right_to_left_language_is_written_right_to_left(course, teacher_browser):
    course.languages = ["en", "es", "ar"]
    outline_changed([course.id])
    db.session.commit()
    page = teacher_browser.client.get(f"{LIST}/ar/{FIRST}/quiz.yaml").text
    box = re.search(r"<textarea[^>]*>", page).group(0)
    assert 'lang="ar"' in box and 'dir="rtl"' in box


# Round trip ---------------------------------------------------------------------------------


def test_what_the_browser_saves_exports_byte_for_byte_and_imports_unchanged(
    course, teacher_browser, tmp_path
):
    quiz = row(f"{FIRST}/quiz.es.yaml").file_text
    quiz = "# Revisado por Ana.\n" + quiz.replace(
        "title: 'Primeros pasos: compruebe lo que ha entendido'",
        'title: "Primeros pasos: lo que ha entendido"',
    )
    guidebook = "# Guía del curso\n\nCómo se hace este curso.\n"
    lesson = (
        "---\ntitle: 'Qué es el trabajo de cuidados'\nobjectives: ['Decir qué es.', "
        "'Distinguir los cuidados directos de los indirectos.']\n---\n\nTexto.\n"
    )
    for url, text in (
        (QUIZ, quiz),
        (f"{LIST}/es/guidebook.md", guidebook),
        (LESSON, lesson),
    ):
        assert save(teacher_browser, url, text).status_code == 302
    shown = {
        url: textarea(teacher_browser.client.get(url).text)
        for url in (QUIZ, f"{LIST}/es/guidebook.md", LESSON)
    }

    db.session.expire_all()
    target = tmp_path / "exported"
    export_course(db.session.scalar(select(Course)), target)
    files = {
        name: (target / name).read_text(encoding="utf-8")
        for name in (
            f"{FIRST}/quiz.es.yaml",
            "guidebook.es.md",
            f"{FIRST}/01-what-care-work-is.es.md",
        )
    }
    revision = row(f"{FIRST}/quiz.es.yaml").made_from
    assert files[f"{FIRST}/quiz.es.yaml"] == stamp("quiz.es.yaml", quiz, revision)
    assert files["guidebook.es.md"].endswith("---\n" + guidebook)
    assert files["guidebook.es.md"].startswith("---\ntranslated_from: ")
    # A lesson's translation is kept as its parts, so its front matter comes back in the
    # exporter's form: the editor shows that form too.
    assert files[f"{FIRST}/01-what-care-work-is.es.md"].startswith(
        "---\ntitle: Qué es el trabajo de cuidados\nobjectives:\n- Decir qué es.\n"
    )
    assert "translated_from: " in files[f"{FIRST}/01-what-care-work-is.es.md"]
    assert [str(escape(text)) for text in files.values()] == list(shown.values())

    source, problems = read_course(target)
    assert problems == []
    _course, report = import_course(source)
    assert not [line for line in report.lines() if "translation" in line]
