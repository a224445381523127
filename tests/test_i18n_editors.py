"""The quiz editor, the progress report and the schedule editor in Spanish and French: their
own words translated, the course's text left as written and marked with the course's language
(lang="en" for the example course), the CSV export left as machines read it."""

from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from app.catalog.models import LiveSession
from app.core.audit import AuditEvent
from app.extensions import db
from tests.test_pages import visible_text
from tests.test_reports import (
    CSV_HEADER,
    CSV_ROWS,
    cohort_world,  # noqa: F401 (a fixture: five learners of the spring cohort, known figures)
    csv_rows,
    csv_url,
    progress_url,
    tables,
)


class Elements(HTMLParser):
    """Every start tag of a page with its attributes, and the text inside each element by id."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: dict[str, list[str]] = {}
        self._open: list[str | None] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag not in ("input", "br", "meta", "link", "img", "option"):
            self._open.append(attributes.get("id"))
            if attributes.get("id"):
                self.texts[attributes["id"]] = []

    def handle_endtag(self, tag):
        if tag not in ("input", "br", "meta", "link", "img", "option") and self._open:
            self._open.pop()

    def handle_data(self, data):
        for element_id in self._open:
            if element_id:
                self.texts[element_id].append(data)

    def by_id(self, element_id: str) -> dict[str, str | None]:
        found = [attrs for _, attrs in self.tags if attrs.get("id") == element_id]
        assert len(found) == 1, f"{len(found)} elements with id {element_id!r}"
        return found[0]

    def text_of(self, element_id: str) -> str:
        return " ".join("".join(self.texts[element_id]).split())


def main_of(response) -> str:
    """The page's <main>: what the page itself says (not the shared header and footer)."""
    html = response.get_data(as_text=True)
    return html[html.index("<main") : html.index("</main>")]


# --- The quiz editor ----------------------------------------------------------------------------

QUIZ_WORDS = {
    "es": {
        "html": '<html lang="es" dir="ltr">',
        "title": "<title>Editar el cuestionario: First steps: check your understanding",
        "subtitle": 'Cuestionario del módulo 1, <span lang="en">First steps</span>',
        "words": ["Configuración", "Guardar la configuración", "Preguntas", "Añadir una pregunta",
                  "Nota mínima para aprobar (%)", "Después de cada intento",
                  "Publicado: los participantes del módulo lo responden", "Una respuesta correcta",
                  "Verdadero o falso", "Identificador", "versión 1"],
        "right": "respuesta correcta",
        "edit": 'Editar<span class="visually-hidden"> la pregunta 1</span>',
        "move_down": 'Bajar<span class="visually-hidden"> la pregunta 1</span>',
        "moved": "La pregunta 'unpaid-hours' se ha movido hacia abajo.",
    },
    "fr": {
        "html": '<html lang="fr" dir="ltr">',
        "title": "<title>Modifier le quiz : First steps: check your understanding",
        "subtitle": 'Quiz du module 1, <span lang="en">First steps</span>',
        "words": ["Paramètres", "Enregistrer les paramètres", "Questions", "Ajouter une question",
                  "Note de passage (%)", "Après chaque tentative",
                  "Publié : les participants du module le passent", "Une seule bonne réponse",
                  "Vrai ou faux", "Identifiant", "version 1"],
        "right": "bonne réponse",
        "edit": 'Modifier<span class="visually-hidden"> la question 1</span>',
        "move_down": 'Descendre<span class="visually-hidden"> la question 1</span>',
        "moved": "La question « unpaid-hours » est déplacée vers le bas.",
    },
}  # fmt: skip

QUIZ_ENGLISH = [
    "Settings", "Save the settings", "Add a question", "Pass mark", "After every attempt",
    "One right answer", "True or false", "right answer", "Move down", "Remove",
    "Learners' scores", "A removed question", "Editing a question",
]  # fmt: skip


@pytest.mark.parametrize("language", ["es", "fr"])
def test_the_quiz_editor_speaks_the_editors_language_and_marks_course_text(
    instructor_reading, course, quiz_module, language
):
    expected = QUIZ_WORDS[language]
    browser = instructor_reading(language)
    url = f"/author/{course.slug}/modules/{quiz_module.slug}/quiz"
    response = browser.client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    main = main_of(response)
    text = visible_text(main)
    assert expected["html"] in html
    assert expected["title"] in html
    for words in expected["words"]:
        assert words in text, words
    for english in QUIZ_ENGLISH:
        assert english not in text, english
    assert expected["subtitle"] in main
    assert expected["edit"] in main
    assert expected["move_down"] in main

    # The quiz's title, its questions and their choices stay as written, marked as English.
    assert '<h1><span lang="en">First steps: check your understanding</span>' in main
    assert (
        '<p class="prompt" lang="en"><strong>How many hours a day do women spend on unpaid '
        "work, on average?</strong></p>"
    ) in main
    assert (
        f'<li><span lang="en">4.1 hours</span> <span class="tag tag-right">{expected["right"]}'
        "</span></li>"
    ) in main
    elements = Elements(main)
    assert elements.by_id("title")["lang"] == "en"  # the title box holds course text
    assert elements.by_id("title")["value"] == "First steps: check your understanding"

    # The question editor: labels in the editor's language, the question's text marked.
    question = quiz_module.quiz.active_questions()[0]
    page = main_of(browser.client.get(f"{url}/questions/{question.id}"))
    editor = Elements(page)
    assert editor.by_id("prompt")["lang"] == "en"
    assert editor.by_id("choice_1")["lang"] == "en"
    assert editor.by_id("choice_1")["value"] == "1.7 hours"
    label = {"es": "Opción 1", "fr": "Choix 1"}[language]
    assert f'<label for="choice_1">{label}</label>' in page
    button = {"es": "Guardar la pregunta", "fr": "Enregistrer la question"}[language]
    assert f'<button type="submit">{button}</button>' in page

    # A confirmation is a sentence of the editor's language too.
    response = browser.post_form(
        f"{url}/questions/{question.id}/move", {"direction": "down"}, page=url
    )
    assert response.status_code == 302
    assert expected["moved"] in visible_text(main_of(browser.client.get(url)))
    moved = db.session.get(type(question), question.id)
    assert moved.position == 2


# --- The progress report ------------------------------------------------------------------------

PROGRESS_WORDS = {
    "es": {
        "h1": '<h1>Progreso de <span lang="en">Spring 2027</span></h1>',
        "breadcrumb": 'Resumen de <span lang="en">Example course</span>',
        "caption": '<caption id="progress-caption">'
        "5 participantes, por nombre, de la A a la Z</caption>",
        "words": ["Nombre, correo electrónico u organización", "Todos los países", "Filtrar",
                  "Descargar como CSV", "Todavía no completado"],
        "header": ["Participante", "Organización", "País", "Lecciones completadas",
                   "Cuestionario: First steps: check your understanding",
                   "Asistencia a sesiones en directo", "Completado"],
        "quiz_header": 'Cuestionario: <span lang="en">First steps: check your understanding'
                       "</span>",
        "sort_hint": '<span class="visually-hidden"> (ordenar de la Z a la A)</span>',
        "row_a": ["Görsev Yılmaz | gorsev@city.example", "İstanbul Büyükşehir Belediyesi",
                  "Turquía", "100 % | 3 de 3", "100 %", "2",
                  "Completado el 3 de mayo de 2026 (hora de Madrid)"],
        "row_d": "Sin intentar",
        "quiz_sorted": '<caption id="progress-caption">1 participante que coincide con '
        'los filtros, por mejor '
                       'puntuación en <span lang="en">First steps: check your understanding'
                       "</span>, de mayor a menor</caption>",
    },
    "fr": {
        "h1": '<h1>Progression de <span lang="en">Spring 2027</span></h1>',
        "breadcrumb": 'Synthèse de <span lang="en">Example course</span>',
        "caption": '<caption id="progress-caption">5 participants, par nom, de A à Z</caption>',
        "words": ["Nom, adresse e-mail ou organisation", "Tous les pays", "Filtrer",
                  "Télécharger en CSV", "Pas encore terminé"],
        "header": ["Participant", "Organisation", "Pays", "Leçons terminées",
                   "Quiz : First steps: check your understanding", "Sessions en direct suivies",
                   "Terminé"],
        "quiz_header": 'Quiz : <span lang="en">First steps: check your understanding</span>',
        "sort_hint": '<span class="visually-hidden"> (trier de Z à A)</span>',
        "row_a": ["Görsev Yılmaz | gorsev@city.example", "İstanbul Büyükşehir Belediyesi",
                  "Turquie", "100 % | 3 sur 3", "100 %", "2",
                  "Terminé le 3 mai 2026 (heure de Madrid)"],
        "row_d": "Non tenté",
        "quiz_sorted": '<caption id="progress-caption">1 participant correspondant aux filtres, '
        'par meilleur score à '
                       '<span lang="en">First steps: check your understanding</span>, par ordre '
                       "décroissant</caption>",
    },
}  # fmt: skip

PROGRESS_ENGLISH = [
    "Progress of", "Summary of", "Every learner enrolled", "Name, e-mail or organisation",
    "All countries", "Filter", "Download as CSV", "learners", "sorted by", "Lessons done",
    "Live sessions attended", "Completed on", "Not yet", "Not attempted", "(sort",
]  # fmt: skip


@pytest.mark.usefixtures("cohort_world")
@pytest.mark.parametrize("language", ["es", "fr"])
def test_the_progress_report_speaks_the_editors_language_and_its_csv_does_not(
    instructor_reading, course, spring, quiz_module, language
):
    expected = PROGRESS_WORDS[language]
    browser = instructor_reading(language)
    response = browser.client.get(progress_url(course, spring))
    main = main_of(response)
    text = visible_text(main)
    assert expected["h1"] in main
    assert expected["breadcrumb"] in main
    assert expected["caption"] in main
    assert expected["quiz_header"] in main
    assert expected["sort_hint"] in main  # the sorted column's link says what it does
    for words in expected["words"]:
        assert words in text, words
    for english in PROGRESS_ENGLISH:
        assert english not in text, english
    table = tables(response).tables[0]
    for shown, header in zip(table[0], expected["header"], strict=True):
        assert shown.startswith(header), (shown, header)
    rows = {row[0].split(" | ")[0]: row for row in table[1:]}
    assert rows["Görsev Yılmaz"] == expected["row_a"]
    assert rows['=HYPERLINK("http://evil.example","x")'][4] == expected["row_d"]

    # Sorted by the quiz's best score, filtered by country: the caption names the quiz as
    # course text, in a sentence of the editor's language.
    sorted_page = main_of(
        browser.client.get(
            progress_url(course, spring, sort=f"quiz-{quiz_module.quiz.id}", country="TR")
        )
    )
    assert expected["quiz_sorted"] in sorted_page

    # The CSV is read by machines: its header and cells stay as they are in any language.
    rows = csv_rows(browser.client.get(csv_url(course, spring)))
    assert rows[0] == CSV_HEADER
    assert rows[1:] == [CSV_ROWS[key] for key in "edcab"]


# --- A refused session time ---------------------------------------------------------------------


def test_a_skipped_session_time_is_refused_in_french_beside_its_field(
    instructor_reading, course, spring
):
    browser = instructor_reading("fr")
    url = f"/author/{course.slug}/cohorts/{spring.slug}/sessions/new"
    before = db.session.scalar(select(func.count()).select_from(LiveSession))
    form = {
        "slug": "session-2",
        "title": "Session 2: Care at work",
        "day": "2027-03-28",
        "clock": "02:30",
        "time_zone": "Europe/Madrid",
        "duration_minutes": "120",
        "counts_for_completion": "y",
    }
    response = browser.post_form(url, form)
    assert response.status_code == 400
    sentence = (
        "02:30 n'existe pas le dimanche 28 mars 2027 à Madrid : les "
        "horloges avancent d'une heure cette nuit-là, cette heure est donc sautée. Choisissez "
        "une autre heure (02:30, comptée comme avant le changement, correspondrait à 03:30 UTC+2)."
    )
    main = main_of(response)
    elements = Elements(main)
    # The sentence is the start time's error: the field points at it and is marked invalid.
    clock = elements.by_id("clock")
    assert "clock-error" in clock["aria-describedby"].split()
    assert clock["aria-invalid"] == "true"
    assert elements.text_of("clock-error") == sentence
    # The error summary links to the field with the same sentence, in French.
    summary = [
        attrs for tag, attrs in elements.tags if tag == "a" and attrs.get("href") == "#clock"
    ]
    assert len(summary) == 1
    assert sentence in visible_text(main)
    assert "There is no" not in main and "Choose another time" not in main
    # What was typed stays in the form; nothing is saved or logged.
    assert elements.by_id("title")["value"] == "Session 2: Care at work"
    assert db.session.scalar(select(func.count()).select_from(LiveSession)) == before
    assert not db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "live_session.added")
    )

    # A time the clocks show twice is saved, and the confirmation says which one it is.
    response = browser.post_form(url, {**form, "day": "2027-10-31"})
    assert response.status_code == 302
    confirmation = visible_text(main_of(browser.client.get(response.headers["Location"])))
    assert (
        "02:30 le dimanche 31 octobre 2027 existe deux fois à Madrid, car "
        "les horloges reculent cette nuit-là ; la session commence à la première, 02:30 UTC+2."
    ) in confirmation
    assert db.session.scalar(select(func.count()).select_from(LiveSession)) == before + 1
