"""Translations of every course text (course.es.yaml, module.es.md, lecture.es.md,
quiz.es.yaml, guidebook.es.md beside their originals): checked against the original, reported
missing or out of date by `flask course validate`, imported, exported byte for byte, and shown
to readers in their language only while they follow their original."""

import filecmp
import re
import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from app.catalog.content.reader import read_course
from app.catalog.content.translations import stamp
from app.catalog.models import Cohort, TextTranslation
from app.catalog.operations import import_course
from app.core.permissions import Role
from app.extensions import db
from tests.conftest import EXAMPLE_COURSE, Browser
from tests.factories import certified_learner, enrolled_learner
from tests.test_content_import import assert_same_tree, run_import
from tests.test_content_validate import replace_in, validate
from tests.test_pages import visible_text

FIRST = "01-first-steps"

COURSE_ES = {
    "title": "Curso de ejemplo",
    "summary": "Un curso pequeño que muestra cada parte del formato.",
    "certificate": {
        "title": "Certificado de finalización",
        "wording": "ha completado el curso de ejemplo.",
    },
    "cohorts": [
        {
            "slug": "2027-spring",
            "title": "Primavera de 2027",
            "live_sessions": [
                {
                    "slug": "orientation",
                    "title": "Orientación",
                    "description": "Cómo funciona el curso.",
                },
                {"slug": "session-1", "title": "Sesión 1: Los cuidados en el barrio"},
            ],
        }
    ],
}


def quiz_es(folder: Path) -> dict:
    """quiz.yaml's text in Spanish: its questions' ids, and 'ES ' before each text."""
    original = yaml.safe_load((folder / FIRST / "quiz.yaml").read_text(encoding="utf-8"))
    questions = []
    for question in original["questions"]:
        item = {"id": question["id"], "prompt": f"ES {question['prompt']}"}
        if question.get("choices"):
            item["choices"] = [f"ES {choice}" for choice in question["choices"]]
        item["explanation"] = f"ES {question['explanation']}"
        questions.append(item)
    return {"title": "Primeros pasos: compruebe lo que ha entendido", "questions": questions}


def write_yaml(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture
def course_copy(tmp_path) -> Path:
    """The example course (en, es) with Spanish translations of course.yaml, a module, its
    lecture and quiz, each recording the revision it was made from."""
    target = tmp_path / "example-course"
    shutil.copytree(EXAMPLE_COURSE, target)
    write_yaml(target / "course.es.yaml", COURSE_ES)
    write_yaml(target / FIRST / "quiz.es.yaml", quiz_es(target))
    (target / FIRST / "module.es.md").write_text(
        "---\ntitle: Primeros pasos\n---\n\nEl módulo en español.\n", encoding="utf-8"
    )
    (target / FIRST / "lecture.es.md").write_text(
        "---\ntitle: 'Clase: los cuidados'\n---\n\nLa transcripción en español.\n",
        encoding="utf-8",
    )
    return target


def mark(runner, *paths: Path) -> list[str]:
    result = runner.invoke(args=["course", "mark-translated", *map(str, paths)])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def translations_of(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*.es.*") if path.suffix in (".md", ".yaml"))


def report(output: str) -> list[str]:
    """validate's lines about Spanish."""
    lines = output.strip().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("es: "))
    return lines[start:]


# Validating -----------------------------------------------------------------------------------


def test_validate_lists_translations_out_of_date_until_marked(runner, course_copy):
    code, output = validate(runner, course_copy)
    assert code == 0, output
    lines = report(output)
    assert lines[0] == "es: 0 of 11 files translated and current, 4 out of date, 7 missing"
    assert (
        f"  out of date: {FIRST}/quiz.es.yaml (translated_from: not recorded; "
        in (
            lines[3][: len(f"  out of date: {FIRST}/quiz.es.yaml (translated_from: not recorded; ")]
        )
    )
    assert "  missing: guidebook.es.md" in lines
    assert f"  missing: {FIRST}/01-what-care-work-is.es.md" in lines

    stamped = mark(runner, *translations_of(course_copy))
    assert stamped[0].startswith(f"{course_copy / FIRST / 'lecture.es.md'}: translated_from: ")
    code, output = validate(runner, course_copy)
    assert report(output)[0] == "es: 4 of 11 files translated and current, 0 out of date, 7 missing"


def test_a_changed_sentence_makes_a_translation_out_of_date_and_a_setting_does_not(
    runner, course_copy
):
    mark(runner, *translations_of(course_copy))
    replace_in(course_copy / FIRST / "quiz.yaml", "pass_mark: 70", "pass_mark: 80")
    _code, output = validate(runner, course_copy)
    assert report(output)[0].startswith("es: 4 of 11 files translated and current, 0 out of date")

    replace_in(
        course_copy / FIRST / "quiz.yaml", "Which of these are indirect", "Which are indirect"
    )
    _code, output = validate(runner, course_copy)
    lines = report(output)
    assert lines[0].startswith("es: 3 of 11 files translated and current, 1 out of date")
    made_from = yaml.safe_load((course_copy / FIRST / "quiz.es.yaml").read_text())[
        "translated_from"
    ]
    assert lines[1].startswith(
        f"  out of date: {FIRST}/quiz.es.yaml (translated_from: {made_from}; the original is now "
    )


def test_a_translation_that_does_not_follow_its_original_is_refused_by_line(runner, course_copy):
    quiz = quiz_es(course_copy)
    quiz["questions"][0]["choices"] = ["ES solo una"]
    quiz["questions"][1]["id"] = "another-question"
    quiz["pass_mark"] = 50
    write_yaml(course_copy / FIRST / "quiz.es.yaml", quiz)
    write_yaml(course_copy / "course.fr.yaml", COURSE_ES)
    code, output = validate(runner, course_copy)
    assert code != 0
    quiz_file = f"{FIRST}/quiz.es.yaml"
    assert (
        f"{quiz_file}:5: questions[0].choices: the original has 3, this has 1 "
        "(same number, same order)" in output
    )
    assert (
        f"{quiz_file}:8: questions[1].id: 'another-question' where the original has "
        "'kinds-of-care'" in output
    )
    assert "pass_mark: not a key of a translation here" in output
    assert "course.fr.yaml:1: unknown language 'fr'" in output


# Importing and exporting ----------------------------------------------------------------------


def test_import_stores_translations_and_export_writes_them_back_byte_for_byte(
    runner, course_copy, tmp_path
):
    mark(runner, *translations_of(course_copy))
    result = run_import(runner, course_copy)
    assert result.exit_code == 0, result.output
    assert "added translation 01-first-steps/quiz.es.yaml" in result.output
    stored = {row.path: row for row in db.session.scalars(select(TextTranslation))}
    assert sorted(stored) == [
        f"{FIRST}/lecture.es.md",
        f"{FIRST}/module.es.md",
        f"{FIRST}/quiz.es.yaml",
        "course.es.yaml",
    ]
    assert stored[f"{FIRST}/module.es.md"].texts["body_html"] == "<p>El módulo en español.</p>"
    again = run_import(runner, course_copy)
    assert "translation" not in again.output.split("\n", 1)[1]  # unchanged: nothing to report

    target = tmp_path / "exported"
    result = runner.invoke(args=["course", "export", "example-course", str(target)])
    assert result.exit_code == 0, result.output
    assert_same_tree(filecmp.dircmp(course_copy, target))

    (course_copy / FIRST / "lecture.es.md").unlink()
    result = run_import(runner, course_copy)
    assert f"translation {FIRST}/lecture.es.md (removed)" in result.output
    assert (
        db.session.scalar(
            select(TextTranslation).where(TextTranslation.path == f"{FIRST}/lecture.es.md")
        )
        is None
    )


# Reading -------------------------------------------------------------------------------------


@pytest.fixture
def spanish_reader(app, runner, course_copy):
    """Log in an enrolled learner who reads in `language`, after importing the course."""
    mark(runner, *translations_of(course_copy))

    def log_in(language: str = "es", folder: Path = course_copy):
        source, problems = read_course(folder)
        assert problems == []
        import_course(source)
        db.session.commit()
        cohort = db.session.scalar(select(Cohort).where(Cohort.slug == "2027-spring"))
        user = enrolled_learner(
            cohort, email=f"{language}@city.example", preferred_language=language
        )
        browser = Browser(app.test_client())
        browser.login(user.email)
        return browser

    return log_in


def test_a_spanish_reader_reads_the_course_quiz_and_schedule_in_spanish(spanish_reader):
    browser = spanish_reader("es")
    client = browser.client
    home = client.get("/courses/example-course").text
    assert "<h1>Curso de ejemplo</h1>" in home
    assert "Primeros pasos" in visible_text(home)
    assert ">Example course<" not in home

    quiz = client.get("/courses/example-course/quizzes/first-steps").text
    assert "<h1>Primeros pasos: compruebe lo que ha entendido</h1>" in quiz
    started = browser.post_form(
        "/courses/example-course/quizzes/first-steps/attempts",
        {},
        page="/courses/example-course/quizzes/first-steps",
    )
    attempt = client.get(started.headers["Location"]).text
    text = visible_text(attempt)
    assert "ES How many hours a day do women spend on unpaid work, on average?" in text
    assert "ES 4.1 hours" in text
    assert "Verdadero" in text and "Falso" in text  # a true-or-false question's choices
    assert "How many hours a day" not in text.replace("ES How many hours a day", "")

    schedule = client.get("/courses/example-course/cohorts/2027-spring/schedule").text
    assert "Sesión 1: Los cuidados en el barrio" in schedule
    assert "Cómo funciona el curso." in schedule
    lecture = client.get("/courses/example-course/lectures/first-steps").text
    assert '<div lang="es"><p>La transcripción en español.</p></div>' in lecture


def test_a_translation_behind_its_original_gives_the_original_marked_with_its_language(
    spanish_reader, course_copy
):
    replace_in(
        course_copy / FIRST / "quiz.yaml",
        "title: 'First steps: check your understanding'",
        "title: 'First steps: what you understood'",
    )
    client = spanish_reader("es").client
    quiz = client.get("/courses/example-course/quizzes/first-steps").text
    assert '<h1><span lang="en">First steps: what you understood</span></h1>' in quiz
    # The rest of the course still follows its originals.
    assert "<h1>Curso de ejemplo</h1>" in client.get("/courses/example-course").text


def test_a_reader_in_the_course_language_sees_the_originals_unmarked(spanish_reader):
    client = spanish_reader("en").client
    home = client.get("/courses/example-course").text
    assert "<h1>Example course</h1>" in home
    assert "Curso de ejemplo" not in home


def test_a_certificate_states_its_words_in_the_holders_language_when_translated(
    spanish_reader, make_user
):
    spanish_reader("en")  # imports the course
    cohort = db.session.scalar(select(Cohort).where(Cohort.slug == "2027-spring"))
    admin = make_user(email="admin@city.example", role=Role.ADMIN)
    spanish = certified_learner(cohort, admin, "ana@city.example", "Ana", preferred_language="es")
    assert (spanish.title, spanish.course_title, spanish.cohort_title) == (
        "Certificado de finalización",
        "Curso de ejemplo",
        "Primavera de 2027",
    )
    assert spanish.wording == "ha completado el curso de ejemplo."
    assert spanish.language == "es"
    korean = certified_learner(cohort, admin, "min@city.example", "Min", preferred_language="ko")
    # Korean is not one of the course's languages: the course's own words.
    assert (korean.title, korean.language) == ("Certificate of completion", "en")


def test_the_caring_cities_course_translations_follow_their_originals(runner):
    """Every Spanish, French and Arabic translation of the real course records the revision of
    its original as it is now, so learners get them. Spanish and French are complete; Arabic is
    being translated (the orientation module and course.ar.yaml first): what it has is current,
    the rest is listed as missing, never out of date."""
    code, output = validate(runner, Path("courses/caring_cities"))
    assert code == 0, output
    lines = report(output)
    assert lines[:2] == [
        "es: 37 of 37 files translated and current, 0 out of date, 0 missing",
        "fr: 37 of 37 files translated and current, 0 out of date, 0 missing",
    ]
    arabic = re.fullmatch(
        r"ar: (\d+) of 37 files translated and current, 0 out of date, (\d+) missing", lines[2]
    )
    assert arabic, lines[2]
    current, missing = int(arabic[1]), int(arabic[2])
    assert current >= 5 and current + missing == 37
    assert lines[3:] == [line for line in lines[3:] if line.startswith("  missing: ")]
    assert len(lines[3:]) == missing
    for name in (
        "course.ar.yaml",
        "00-orientation/module.ar.md",
        "00-orientation/01-how-this-course-works.ar.md",
        "00-orientation/02-a-caring-city-in-one-page.ar.md",
        "00-orientation/03-earning-your-certificate.ar.md",
    ):
        assert f"  missing: {name}" not in lines


def test_a_revision_of_digits_only_is_recorded_as_text():
    """A revision that YAML would read as a number is quoted, so it still matches."""
    stamped = stamp("01-care/quiz.es.yaml", "title: Cuestionario\n", "123456789012")
    assert stamped == "title: Cuestionario\ntranslated_from: '123456789012'\n"
    assert yaml.safe_load(stamped)["translated_from"] == "123456789012"
