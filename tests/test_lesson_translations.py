"""Translations of lessons (`NN-slug.es.md` beside `NN-slug.md`): checked, imported, exported,
and shown to readers whose interface is in another of the course's languages."""

import filecmp
import hashlib
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.catalog.content.exporter import export_course, translation_file
from app.catalog.content.reader import read_course
from app.catalog.models import Lesson, LessonTranslation, Status
from app.catalog.operations import import_course
from app.core.permissions import Role
from app.core.types import utcnow
from app.extensions import db
from app.learning.models import LessonProgress
from app.learning.operations import mark_lesson_done
from tests.conftest import EXAMPLE_COURSE, REPO, Browser
from tests.factories import enrolled_learner
from tests.test_content_import import assert_same_tree, run_import
from tests.test_content_validate import replace_in, validate
from tests.test_pages import visible_text

TRANSLATED_COURSE = Path(__file__).parent / "data" / "translated_course"
BASICS = "01-basics"
FIRST = "/courses/translated-course/lessons/what-care-is"  # translated into Spanish
SECOND = "/courses/translated-course/lessons/care-at-home"  # into French, without objectives


@pytest.fixture
def course_copy(tmp_path) -> Path:
    target = tmp_path / "course"
    shutil.copytree(TRANSLATED_COURSE, target)
    return target


def lesson(slug: str) -> Lesson:
    return db.session.scalar(select(Lesson).where(Lesson.slug == slug))


def translations() -> dict[str, LessonTranslation]:
    """Every stored translation, by '<lesson slug>.<language>'."""
    rows = db.session.scalars(select(LessonTranslation).join(LessonTranslation.lesson))
    return {f"{row.lesson.slug}.{row.language}": row for row in rows}


# Checking --------------------------------------------------------------------------------------


def test_a_course_with_translations_is_valid_and_counts_them(runner, course_copy):
    code, output = validate(runner, course_copy)
    assert code == 0, output
    assert output.strip().splitlines() == [
        f"{course_copy}: valid: 1 modules, 2 lessons, 0 quizzes, 0 cohorts, 0 live sessions, "
        "2 translations",
        # Each language: what is translated and follows its original, and what is missing.
        "es: 1 of 4 files translated and current, 0 out of date, 3 missing",
        f"  missing: {BASICS}/02-care-at-home.es.md",
        f"  missing: {BASICS}/module.es.md",
        "  missing: course.es.yaml",
        "fr: 1 of 4 files translated and current, 0 out of date, 3 missing",
        f"  missing: {BASICS}/01-what-care-is.fr.md",
        f"  missing: {BASICS}/module.fr.md",
        "  missing: course.fr.yaml",
    ]


def rename(folder: Path, old: str, new: str) -> None:
    (folder / BASICS / old).rename(folder / BASICS / new)


def problems(runner, folder: Path) -> list[str]:
    code, output = validate(runner, folder)
    assert code == 1, output
    prefix = f"{folder}/"
    return [line.removeprefix(prefix) for line in output.splitlines() if line.startswith(prefix)]


def test_a_language_the_course_does_not_list_is_named(runner, course_copy):
    rename(course_copy, "02-care-at-home.fr.md", "02-care-at-home.de.md")
    assert problems(runner, course_copy) == [
        f"{BASICS}/02-care-at-home.de.md:1: unknown language 'de': a translation is in one of "
        "the other languages listed in course.yaml's languages (es, fr)"
    ]


def test_a_translation_into_the_course_language_is_refused(runner, course_copy):
    rename(course_copy, "02-care-at-home.fr.md", "02-care-at-home.en.md")
    assert problems(runner, course_copy) == [
        f"{BASICS}/02-care-at-home.en.md:1: 'en' is the language the course is written in: a "
        "translation is in one of the other languages listed in course.yaml's languages (es, fr)"
    ]


def test_a_course_in_one_language_has_no_translations(runner, course_copy):
    replace_in(course_copy / "course.yaml", "languages: [en, es, fr]", "languages: [en]")
    found = problems(runner, course_copy)
    assert (
        f"{BASICS}/01-what-care-is.es.md:1: unknown language 'es': a translation is in one "
        "of the other languages listed in course.yaml's languages, and it lists only 'en'"
    ) in found
    assert len(found) == 2


def test_a_translation_without_its_lesson_is_an_error(runner, course_copy):
    rename(course_copy, "02-care-at-home.fr.md", "03-care-at-home.fr.md")
    assert problems(runner, course_copy) == [
        f"{BASICS}/03-care-at-home.fr.md:1: a translation without its lesson: there is no "
        f"{BASICS}/03-care-at-home.md (a translation sits beside its lesson, named like it with "
        "the language before .md, such as 02-the-5r-framework.es.md)"
    ]


def test_a_translation_needs_a_title_and_takes_the_rest_from_the_original(runner, course_copy):
    replace_in(
        course_copy / BASICS / "01-what-care-is.es.md",
        "title: Qué es el trabajo de cuidados\n",
        "minutes: 3\n",
    )
    assert problems(runner, course_copy) == [
        f"{BASICS}/01-what-care-is.es.md:2: minutes: a translation takes it from the original "
        "lesson; remove it here",
        f"{BASICS}/01-what-care-is.es.md:2: missing required key 'title'",
    ]


def test_links_and_images_of_a_translation_are_checked_like_a_lesson(runner, course_copy):
    replace_in(
        course_copy / BASICS / "01-what-care-is.es.md",
        "](02-care-at-home.md#at-home)",
        "](03-nowhere.md)",
    )
    replace_in(
        course_copy / BASICS / "02-care-at-home.fr.md",
        "Faire la cuisine",
        "![](../media/none.png)\n\nFaire la cuisine",
    )
    assert sorted(problems(runner, course_copy)) == [
        f"{BASICS}/01-what-care-is.es.md:13: link '03-nowhere.md' does not lead to a lesson of "
        "this course",
        f"{BASICS}/02-care-at-home.fr.md:8: an image needs a description: ![what it shows](...)",
        f"{BASICS}/02-care-at-home.fr.md:8: image '../media/none.png' is not a file in the "
        "course's media/ folder",
    ]


# Importing -------------------------------------------------------------------------------------


def test_import_stores_each_translation_rendered_and_sanitised(runner):
    result = run_import(runner, TRANSLATED_COURSE)
    assert result.exit_code == 0, result.output
    assert "added translation what-care-is.es" in result.output
    assert "added translation care-at-home.fr" in result.output
    stored = translations()
    assert sorted(stored) == ["care-at-home.fr", "what-care-is.es"]
    spanish = stored["what-care-is.es"]
    assert spanish.lesson.id == lesson("what-care-is").id
    assert spanish.title == "Qué es el trabajo de cuidados"
    assert spanish.objectives == [
        "Decir qué es el trabajo de cuidados.",
        "Nombrar a quienes hacen la mayor parte.",
    ]
    assert spanish.body_md.startswith("\nEl trabajo de cuidados mantiene")
    # Links lead to the lesson on the site; raw HTML never reaches the page.
    assert (
        '<a href="/courses/translated-course/lessons/care-at-home#at-home" '
        'rel="noopener noreferrer">lección siguiente</a>'
    ) in spanish.body_html
    assert "<script" not in spanish.body_html and "alert" not in spanish.body_html
    assert [h["title"] for h in spanish.headings] == [
        "Cuidados remunerados y no remunerados",
        "Fuentes",
    ]
    french = stored["care-at-home.fr"]
    assert french.title == "Le soin à la maison"
    assert french.objectives == []  # none in the file: the page shows the original's
    source = (TRANSLATED_COURSE / BASICS / "02-care-at-home.fr.md").read_bytes()
    assert french.content_hash == hashlib.sha256(source).hexdigest()


def test_reimporting_unchanged_translations_changes_nothing(runner):
    run_import(runner, TRANSLATED_COURSE)
    before = {key: (row.id, row.updated_at) for key, row in translations().items()}
    result = run_import(runner, TRANSLATED_COURSE)
    assert result.exit_code == 0
    assert result.output.splitlines()[-1].strip() == "nothing changed"
    assert {key: (row.id, row.updated_at) for key, row in translations().items()} == before


@pytest.fixture
def reader_progress(app, make_user, make_cohort):
    """Import the copy, enrol a learner who marks both lessons as done; returns a reader."""

    def make(folder: Path):
        source, found = read_course(folder)
        assert found == []
        course, _ = import_course(source)
        db.session.commit()
        learner = enrolled_learner(make_cohort(course, "reading"))
        for slug in ("what-care-is", "care-at-home"):
            mark_lesson_done(learner, lesson(slug), now=utcnow())
        db.session.commit()
        return learner

    return make


def progress_rows() -> list[tuple[int, int]]:
    return sorted(db.session.execute(select(LessonProgress.user_id, LessonProgress.lesson_id)))


def content_changes(result) -> list[str]:
    """What an import reported, leaving out the test's own cohort (no file names it)."""
    lines = [line.strip() for line in result.output.splitlines()[1:]]
    return [line for line in lines if line != "archived cohort reading"]


def test_a_changed_translation_is_updated_in_place(runner, course_copy, reader_progress):
    reader_progress(course_copy)
    progress = progress_rows()
    before = translations()["what-care-is.es"]
    original_id, lesson_revision = before.id, before.lesson.revision
    replace_in(
        course_copy / BASICS / "01-what-care-is.es.md",
        "mantiene a las personas vivas y sanas",
        "sostiene la vida y el bienestar de las personas",
    )
    result = run_import(runner, course_copy)
    assert result.exit_code == 0, result.output
    assert content_changes(result) == ["updated translation what-care-is.es"]
    after = translations()["what-care-is.es"]
    assert after.id == original_id
    assert "sostiene la vida" in after.body_html and "sostiene la vida" in after.body_md
    # The lesson itself is untouched: no new revision, and nobody's progress changes.
    assert after.lesson.revision == lesson_revision
    assert progress_rows() == progress and len(progress) == 2


def test_a_translation_whose_file_is_gone_is_deleted(runner, course_copy, reader_progress):
    reader_progress(course_copy)
    progress = progress_rows()
    (course_copy / BASICS / "02-care-at-home.fr.md").unlink()
    result = run_import(runner, course_copy)
    assert result.exit_code == 0, result.output
    assert content_changes(result) == ["archived translation care-at-home.fr (removed)"]
    assert sorted(translations()) == ["what-care-is.es"]
    assert lesson("care-at-home").status == Status.PUBLISHED
    assert progress_rows() == progress
    # Put back, it is added again.
    result = run_import(runner, TRANSLATED_COURSE)
    assert "added translation care-at-home.fr" in result.output
    assert sorted(translations()) == ["care-at-home.fr", "what-care-is.es"]


def test_a_removed_lesson_is_archived_and_its_translations_deleted(
    runner, course_copy, reader_progress
):
    reader_progress(course_copy)
    progress = progress_rows()
    (course_copy / BASICS / "02-care-at-home.md").unlink()
    (course_copy / BASICS / "02-care-at-home.fr.md").unlink()
    replace_in(
        course_copy / BASICS / "01-what-care-is.md",
        " The [next lesson](02-care-at-home.md#at-home) looks at the home.",
        "",
    )
    replace_in(
        course_copy / BASICS / "01-what-care-is.es.md",
        " La [lección siguiente](02-care-at-home.md#at-home) trata del hogar.",
        "",
    )
    result = run_import(runner, course_copy)
    assert result.exit_code == 0, result.output
    assert "archived lesson care-at-home" in result.output
    assert "archived translation care-at-home.fr (removed)" in result.output
    assert lesson("care-at-home").status == Status.ARCHIVED
    assert sorted(translations()) == ["what-care-is.es"]
    assert progress_rows() == progress


def test_a_new_translation_is_added(runner, course_copy):
    run_import(runner, course_copy)
    (course_copy / BASICS / "02-care-at-home.es.md").write_text(
        "---\ntitle: Los cuidados en el hogar\n---\n\n## En el hogar\n\nCocinar y limpiar.\n",
        encoding="utf-8",
    )
    result = run_import(runner, course_copy)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].strip() == "added translation care-at-home.es"
    assert translations()["care-at-home.es"].title == "Los cuidados en el hogar"


def test_export_writes_translations_back_byte_for_byte(runner, tmp_path):
    run_import(runner, TRANSLATED_COURSE)
    target = tmp_path / "exported"
    result = runner.invoke(args=["course", "export", "translated-course", str(target)])
    assert result.exit_code == 0, result.output
    assert "6 files" in result.output
    assert (target / BASICS / "02-care-at-home.fr.md").is_file()
    assert_same_tree(filecmp.dircmp(TRANSLATED_COURSE, target))


def test_the_example_course_has_no_translation_rows(runner):
    run_import(runner, EXAMPLE_COURSE)
    assert db.session.scalar(select(func.count()).select_from(LessonTranslation)) == 0


# The lesson page -------------------------------------------------------------------------------


@pytest.fixture
def translated(app):
    source, found = read_course(TRANSLATED_COURSE)
    assert found == []
    course, _ = import_course(source)
    db.session.commit()
    return course


@pytest.fixture
def reader(app, translated, make_user, make_cohort):
    """A client logged in as an enrolled learner whose profile asks for that language."""
    cohort = make_cohort(translated, "reading")

    def log_in(language: str):
        user = enrolled_learner(
            cohort, email=f"{language}@city.example", preferred_language=language
        )
        browser = Browser(app.test_client())
        browser.login(user.email)
        return browser.client

    return log_in


def test_a_spanish_reader_gets_the_spanish_translation(reader):
    client = reader("es")
    page = client.get(FIRST).text
    assert "<title>Qué es el trabajo de cuidados" in page
    assert '<h1 lang="es">Qué es el trabajo de cuidados</h1>' in page
    assert '<ul lang="es"><li>Decir qué es el trabajo de cuidados.</li>' in page
    assert '<div class="prose" lang="es"><p>El trabajo de cuidados mantiene' in page
    assert "Care work keeps people alive" not in page
    assert "Say what care work is." not in page
    # The way to the original, in the reader's language.
    assert f'<a href="{FIRST}?text=original">Lea el original en inglés</a>' in page
    assert "Está leyendo una traducción." in visible_text(page)


def test_the_original_can_be_read_and_left_again(reader):
    client = reader("es")
    page = client.get(f"{FIRST}?text=original").text
    assert '<h1 lang="en">What care is</h1>' in page
    assert '<div class="prose" lang="en"><p>Care work keeps people alive and well.</p>' in page
    assert '<ul lang="en"><li>Say what care work is.</li>' in page
    assert "Está leyendo el original en inglés." in visible_text(page)
    assert f'<a href="{FIRST}">Lea la lección en español</a>' in page
    assert "El trabajo de cuidados mantiene" not in page


def test_a_french_reader_without_a_translation_is_told_and_gets_the_original(reader):
    client = reader("fr")
    page = client.get(FIRST).text
    assert '<h1 lang="en">What care is</h1>' in page
    assert '<div class="prose" lang="en"><p>Care work keeps people alive and well.</p>' in page
    assert (
        "Cette leçon n'est pas encore traduite en français ; la voici en anglais."
        in visible_text(page)
    )
    assert "?text=original" not in page
    assert "Qué es el trabajo" not in page


def test_a_translation_without_objectives_shows_the_originals_in_their_language(reader):
    client = reader("fr")
    page = client.get(SECOND).text
    assert '<h1 lang="fr">Le soin à la maison</h1>' in page
    assert '<div class="prose" lang="fr"><h2 id="à-la-maison">À la maison</h2>' in page
    assert '<ul lang="en"><li>Describe the care done at home.</li></ul>' in page
    assert "Vous lisez une traduction." in visible_text(page)


def test_a_reader_in_the_course_language_sees_nothing_new(reader):
    client = reader("en")
    page = client.get(FIRST).text
    assert '<h1 lang="en">What care is</h1>' in page
    assert '<div class="prose" lang="en"><p>Care work keeps people alive and well.</p>' in page
    assert 'class="notice lesson-language"' not in page
    assert "?text=original" not in page
    assert "You are reading" not in page and "not yet translated" not in page
    assert "Qué es" not in page and "Le soin" not in page


def test_a_reader_in_a_language_the_course_does_not_offer_is_told_its_language(
    imported_example, make_user, make_cohort, browser
):
    # The example course is in English with Spanish planned; French is not among its languages.
    user = enrolled_learner(make_cohort(imported_example), preferred_language="fr")
    browser.login(user.email)
    page = browser.client.get("/courses/example-course/lessons/what-care-work-is").text
    assert "Cette leçon est écrite en anglais." in visible_text(page)
    assert '<h1 lang="en">What care work is</h1>' in page


def test_a_visitor_sees_the_translated_title_and_objectives_but_no_note(translated, client):
    page = client.get(FIRST, headers={"Accept-Language": "es"}).text
    assert '<h1 lang="es">Qué es el trabajo de cuidados</h1>' in page
    assert '<ul lang="es"><li>Decir qué es el trabajo de cuidados.</li>' in page
    assert 'class="prose"' not in page  # the text is for the learners of a cohort
    assert 'class="notice lesson-language"' not in page


def test_the_translation_costs_one_query_whatever_the_course_holds(reader, count_queries):
    counts = {}
    for language in ("en", "es", "fr"):
        client = reader(language)
        for url in (FIRST, SECOND):
            client.get(url)  # the first request of a session does more (login bookkeeping)
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            counts[language, url] = counter.count
    # Translated or not, a reader of another language costs the same: the one look-up.
    assert counts["es", FIRST] == counts["es", SECOND] == counts["en", FIRST] + 1
    assert counts["fr", FIRST] == counts["fr", SECOND] == counts["en", SECOND] + 1
    assert counts["en", FIRST] == counts["en", SECOND]


def test_the_real_course_has_its_first_lesson_in_spanish_french_and_arabic():
    source, found = read_course(REPO / "courses" / "caring_cities")
    assert found == []
    assert source.languages == ["en", "es", "fr", "ar"]
    first = source.modules[0].lessons[0]
    assert first.slug == "how-this-course-works"
    assert [t.language for t in first.translations] == ["ar", "es", "fr"]
    links = set(re.findall(r'href="(/courses/[^"]+)"', first.body_html))
    for translation in first.translations:
        # The same sections, the same lessons linked, the same "In your city" note.
        assert len(translation.headings) == len(first.headings), translation.language
        assert set(re.findall(r'href="(/courses/[^"]+)"', translation.body_html)) == links
        assert len(translation.objectives) == len(first.objectives)
        assert translation.body_html.count('class="admonition note"') == 1
    titles = {t.language: t.title for t in first.translations}
    assert titles["es"] == "Cómo funciona este curso"
    assert titles["fr"] == "Comment fonctionne ce cours"


def test_moving_a_lesson_in_the_browser_takes_its_translation_and_links_along(
    app, translated, make_user, tmp_path
):
    teacher = make_user(Role.INSTRUCTOR, email="teacher@city.example", courses=[translated])
    browser = Browser(app.test_client())
    browser.login(teacher.email)
    author = "/author/translated-course"
    moved = browser.post_form(
        f"{author}/lessons/care-at-home/move", {"direction": "up"}, page=author
    )
    assert moved.status_code == 302
    spanish = translations()["what-care-is.es"]
    assert "](01-care-at-home.md#at-home)" in spanish.body_md
    assert spanish.content_hash == hashlib.sha256(translation_file(spanish).encode()).hexdigest()
    target = tmp_path / "exported"
    export_course(translated, target)
    assert sorted(path.name for path in (target / BASICS).iterdir()) == [
        "01-care-at-home.fr.md", "01-care-at-home.md", "02-what-care-is.es.md",
        "02-what-care-is.md", "module.md",
    ]  # fmt: skip
    source, found = read_course(target)
    assert found == []
    moved_lesson = source.modules[0].lessons[0]
    assert (moved_lesson.slug, moved_lesson.translations[0].title) == (
        "care-at-home",
        "Le soin à la maison",
    )
