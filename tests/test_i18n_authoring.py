"""The course editor in Spanish and French: its own words translated, the course's text left as
written and marked with the course's language (lang="en" for the example course)."""

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from app.catalog.authored import LessonRevision
from app.extensions import db
from tests.test_authoring import AUTHOR, LESSON, edit_form, edit_url, lesson, png_bytes, upload
from tests.test_pages import visible_text


class Elements(HTMLParser):
    """Every start tag of a page with its attributes, and the ids in order."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def by_id(self, element_id: str) -> tuple[str, dict[str, str | None]]:
        found = [(tag, attrs) for tag, attrs in self.tags if attrs.get("id") == element_id]
        assert len(found) == 1, f"{len(found)} elements with id {element_id!r}"
        return found[0]

    def attribute_values(self, name: str) -> list[str | None]:
        return [attrs[name] for _, attrs in self.tags if name in attrs]


def page_of(response) -> str:
    assert response.status_code in (200, 400, 409), response.status_code
    return response.get_data(as_text=True)


# the outline ----------------------------------------------------------------------------------

OUTLINE_WORDS = {
    "es": {
        "html": '<html lang="es" dir="ltr">',
        "words": ["Editar cursos", "Estructura", "Imágenes", "Informes", "Añadir un módulo",
                  "Lección", "Estado", "Revisión", "Acciones", "Cohortes", "borrador",
                  "publicado"],
        "move_up": "Subir la lección “What care work is”",
        "edit_module": 'Editar el módulo<span class="visually-hidden"> “<span lang="en">'
                       "First steps</span>”</span>",
    },
    "fr": {
        "html": '<html lang="fr" dir="ltr">',
        "words": ["Modifier les cours", "Plan", "Images", "Rapports", "Ajouter un module",
                  "Leçon", "État", "Révision", "Actions", "Cohortes", "brouillon", "publié"],
        "move_up": "Monter la leçon « What care work is »",
        "edit_module": 'Modifier le module<span class="visually-hidden"> « <span lang="en">'
                       "First steps</span> »</span>",
    },
}  # fmt: skip


@pytest.mark.parametrize("language", ["es", "fr"])
def test_the_outline_speaks_the_editors_language_and_marks_course_text(
    instructor_reading, language
):
    expected = OUTLINE_WORDS[language]
    html = page_of(instructor_reading(language).client.get(AUTHOR))
    text = visible_text(html)
    assert expected["html"] in html
    for words in expected["words"]:
        assert words in text, words
    for english in ["Add a module", "Edit the module", "No lessons yet", "Lessons of", "Preview"]:
        assert english not in text, english
    # Lesson, module and course titles stay as written, marked as English text.
    row = (
        f'<th scope="row"><a href="{AUTHOR}/lessons/{LESSON}" lang="en">What care work is</a></th>'
    )
    assert row in html
    assert '<h1 lang="en">Example course</h1>' in html
    assert expected["edit_module"] in html
    # The move buttons' names are whole sentences in the editor's language.
    assert expected["move_up"] in Elements(html).attribute_values("aria-label")


# the lesson editor ----------------------------------------------------------------------------

EDITOR_WORDS = {
    "es": ["Título", "Minutos de lectura", "Objetivos", "Texto (Markdown)", "Estado",
           "Publicar el (opcional)", "Vista previa", "Guardar una nueva revisión",
           "Volver a la estructura del curso", "Historial", "Verla como participante",
           "Las horas están en su zona horaria, la de Bogotá (hora de Colombia)."],
    "fr": ["Titre", "Minutes de lecture", "Objectifs", "Texte (Markdown)", "État",
           "Publier le (facultatif)", "Aperçu", "Enregistrer une nouvelle révision",
           "Retour au plan du cours", "Historique", "La voir comme un participant",
           "Les heures sont dans votre fuseau horaire, celui de Bogotá (heure de Colombie)."],
}  # fmt: skip


@pytest.mark.parametrize("language", ["es", "fr"])
def test_the_lesson_editor_is_translated_and_its_text_fields_are_in_the_course_language(
    instructor_reading, language
):
    html = page_of(instructor_reading(language).client.get(edit_url()))
    text = visible_text(html)
    for words in EDITOR_WORDS[language]:
        assert words in text, words
    for english in ["Minutes of reading", "Save a new revision", "Back to the outline",
                    "Times are in your time zone", "See it as a learner"]:  # fmt: skip
        assert english not in text, english
    elements = Elements(html)
    # The lesson's own text is typed in the course's language (spelling, screen readers).
    for field in ("title", "objectives", "body_md"):
        assert elements.by_id(field)[1].get("lang") == "en", field
    assert elements.by_id("minutes")[1].get("lang") is None
    heading = "Editar “" if language == "es" else "Modifier « "
    assert f'{heading}<span lang="en">What care work is</span>' in html


# previews -------------------------------------------------------------------------------------


def test_the_preview_page_in_french_says_when_learners_see_the_lesson(instructor_reading):
    browser = instructor_reading("fr")
    html = page_of(browser.client.get(f"{edit_url()}/preview"))
    text = visible_text(html)
    assert "Aperçu : What care work is · " in text  # the page's title
    assert "Aperçu. Les participants voient cette leçon. La modifier" in text
    assert '<span lang="en">First steps</span>' in html

    # Scheduled: the date is written in French, in the editor's zone (America/Bogota).
    found = lesson()
    found.publish_at = datetime(2030, 7, 8, 14, 0, tzinfo=UTC)  # 09:00 in Bogotá
    db.session.commit()
    text = visible_text(page_of(browser.client.get(f"{edit_url()}/preview")))
    assert "Les participants verront cette leçon à partir du lundi 8 juillet 2030 à 09:00." in text
    outline = visible_text(page_of(browser.client.get(AUTHOR)))
    assert "programmé pour le lundi 8 juillet 2030 à 09:00" in outline
    assert "scheduled" not in outline


def test_the_editors_preview_in_french_renders_the_text_in_the_course_language(instructor_reading):
    browser = instructor_reading("fr")
    before = lesson()
    text = "## Care in budgets\n\nBudgets can **count** care.\n"
    response = browser.post_form(edit_url(), edit_form(before, body_md=text, action="preview"))
    assert response.status_code == 200
    html = page_of(response)
    assert "Aperçu (non enregistré)" in visible_text(html)
    assert '<div class="prose" lang="en"><h2 id="care-in-budgets">Care in budgets</h2>' in html
    assert lesson().revision == before.revision  # a preview saves nothing


# a refused save -------------------------------------------------------------------------------


def test_a_refused_save_in_spanish_says_why_beside_the_field_and_saves_nothing(instructor_reading):
    browser = instructor_reading("es")
    before = lesson()
    body, revision = before.body_md, before.revision
    count = db.session.scalar(select(func.count(LessonRevision.id)))

    response = browser.post_form(edit_url(), edit_form(before, title="", body_md="Nuevo texto.\n"))
    assert response.status_code == 400
    html = page_of(response)
    elements = Elements(html)
    message = "Dé un título a la lección."
    # In the summary, linked to the field, and beside the field, tied to it for screen readers.
    assert re.search(rf'<a href="#title">Título ?: {re.escape(message)}</a>', html)
    assert f'<p class="field-error" id="title-error">{message}</p>' in html
    title = elements.by_id("title")[1]
    assert "title-error" in title["aria-describedby"].split()
    assert title["aria-invalid"] == "true"
    assert "Give the lesson a title." not in html

    after = lesson()
    assert (after.revision, after.body_md) == (revision, body)
    assert db.session.scalar(select(func.count(LessonRevision.id))) == count


def test_a_too_large_image_is_refused_in_french_units(instructor_reading):
    response = upload(
        instructor_reading("fr"), png_bytes() + b"\0" * (5 * 1024 * 1024), "grande.png"
    )
    assert response.status_code == 413
    text = visible_text(response.get_data(as_text=True))
    assert "L'image fait 5,0 Mo ; la taille maximale acceptée est de 5,0 Mo." in text
    assert "MB" not in text
