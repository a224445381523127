"""The learner's pages in Spanish and French: the interface is translated, the course text
keeps its own language (lang="en" around it), and dates are written the language's way."""

from datetime import date

import pytest

from app.core.timezones import format_date, local_time
from app.core.types import utcnow
from tests.factories import enrolled_learner, retakeable_quiz
from tests.html import csrf_token
from tests.learning_helpers import answers, quiz_url
from tests.test_applications import MOTIVATION
from tests.test_pages import visible_text

# What each page says in each language (the English beside it is the original).
SAYS = {
    "es": {
        "cohorts": "Cohortes y sesiones en directo",  # Cohorts and live sessions
        "guidebook": "Lea la guía del curso",  # Read the course guidebook
        "runs": "Del lunes, 15 de marzo de 2027 al viernes, 30 de abril de 2027",
        # The deadline on the cohort's clock, with its place, for a visitor ("Open until %(when)s").
        "closes": "lunes, 1 de marzo de 2027, 23:59 CET (hora de Madrid)",
        "module": "2 lecciones, 2 minutos de lectura; una clase en vídeo (5 min); un cuestionario.",
        "apply": "Solicitar una plaza en",  # Apply to
        "reading": "1 minuto de lectura",
        "mark_done": "Marcar como completada y continuar",  # Mark as done and continue
        "objectives": "En esta lección usted va a",  # In this lesson you will
        "next": "Siguiente: lección",  # Next: lesson
        "problem": "Pregunta 1: Elija",  # Question 1: Choose...
        "graded": "Sus respuestas están calificadas: 0 de 3 correctas, 0 %. "
        "La nota mínima para aprobar es 70 %.",
        "not_passed": "0 %: no aprobado",
        "passed": "100 %: aprobado",
        "right": "✓ Correcta",
        "your_answer": "su respuesta",
        "dashboard": "Su panel",  # Your dashboard
        "enrolled_on": "Inscripción: {date}.",
        "next_step": "Siguiente: Lección:",  # Next: Lesson:
        "requirement": "Lea cada lección y márquela como completada: 1 de 3 (aún sin hacer)",
        "quiz_results": "Resultados de los cuestionarios",
        "applied": "Su solicitud para",  # Your application to ... is sent.
        "pending": "Pendiente de revisión",  # Waiting for review
        "not_found": "Página no encontrada",
        "advice_404": "No hay ninguna página en esta dirección.",
    },
    "fr": {
        "cohorts": "Cohortes et sessions en direct",
        "guidebook": "Lisez le guide du cours",
        "runs": "Du lundi 15 mars 2027 au vendredi 30 avril 2027",
        "closes": "lundi 1 mars 2027, 23:59 UTC+1 (heure de Madrid)",
        "module": "2 leçons, 2 minutes de lecture ; une conférence vidéo (5 min) ; un quiz.",
        "apply": "Postuler à",
        "reading": "1 minute de lecture",
        "mark_done": "Marquer comme terminée et continuer",
        "objectives": "Dans cette leçon, vous allez",
        "next": "Suivant : leçon",
        "problem": "Question 1 : Choisissez",
        "graded": "Vos réponses sont notées : 0 sur 3 justes, 0 %. La note de passage est de 70 %.",
        "not_passed": "0 % : non réussi",
        "passed": "100 % : réussi",
        "right": "✓ Juste",
        "your_answer": "votre réponse",
        "dashboard": "Votre tableau de bord",
        "enrolled_on": "Inscription le {date}.",
        "next_step": "Étape suivante : Leçon :",
        "requirement": "Lisez chaque leçon et marquez-la comme terminée : 1 sur 3 "
        "(pas encore fait)",
        "quiz_results": "Résultats des quiz",
        "applied": "Votre candidature à",
        "pending": "En attente d'examen",
        "not_found": "Page introuvable",
        "advice_404": "Il n'y a pas de page à cette adresse.",
    },
}
LANGUAGES = list(SAYS)


@pytest.fixture
def quiz(course):
    """The example quiz without its waiting time, so that a test can take it twice (its limit
    of attempts is kept: the pages that speak of it are translated too)."""
    return retakeable_quiz(course, unlimited=False)


def reader(make_user, cohort, browser, language):
    """An enrolled learner who reads in `language` (a profile's language outweighs the
    browser's, so the profile says it too), logged in."""
    user = enrolled_learner(cohort, preferred_language=language)
    browser.login(user.email)
    return user


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_course_page_follows_the_browser_language(
    before_example_cohort, client, course, language
):
    says = SAYS[language]
    response = client.get(f"/courses/{course.slug}", headers={"Accept-Language": language})
    html = response.get_data(as_text=True)
    text = visible_text(html)
    assert f'<html lang="{language}" dir="ltr">' in html
    for key in ("cohorts", "guidebook", "runs", "closes", "module", "apply"):
        assert says[key] in text, key
    assert "Cohorts and live sessions" not in text and "What you will learn" not in text
    # The course's own text is English, and says so.
    assert '<h1><span lang="en">Example course</span></h1>' in html
    assert '<h3 id="cohort-2027-spring"><span lang="en">Spring 2027</span></h3>' in html
    assert '<h3><span lang="en">First steps</span></h3>' in html
    assert f'{says["apply"]} <span lang="en">Spring 2027</span>' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_lesson_page(client, browser, course, cohort, make_user, language):
    says = SAYS[language]
    reader(make_user, cohort, browser, language)
    lesson = course.modules[0].lessons[0]
    html = client.get(f"/courses/{course.slug}/lessons/{lesson.slug}").get_data(as_text=True)
    text = visible_text(html)
    for key in ("reading", "mark_done", "objectives", "next"):
        assert says[key] in text, key
    assert "Mark as done" not in text and "minutes of reading" not in text
    assert f'<h1 lang="en">{lesson.title}</h1>' in html
    assert f'<span lang="en">{course.modules[0].title}</span>' in html
    assert '<div class="prose" lang="en">' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_quiz_with_its_feedback(client, browser, course, cohort, quiz, make_user, language):
    says = SAYS[language]
    reader(make_user, cohort, browser, language)
    url = quiz_url(course, quiz.module)
    started = browser.post_form(f"{url}/attempts", {}, page=url)
    attempt = started.headers["Location"]
    form = client.get(attempt).get_data(as_text=True)
    question = quiz.questions[0]
    assert f'<span lang="en">{question.prompt}</span></legend>' in form

    # Nothing answered: each question says what is missing, in the reader's language.
    refused = browser.post_form(attempt, {}, page=attempt)
    assert refused.status_code == 400
    assert says["problem"] in visible_text(refused.get_data(as_text=True))

    # All wrong: the grade, in a flash message and on the page.
    graded = browser.post_form(attempt, answers(form, right=False), page=attempt)
    result = client.get(graded.headers["Location"]).get_data(as_text=True)
    text = visible_text(result)
    assert says["graded"] in text
    assert says["not_passed"] in text
    assert "not passed" not in text and "answers right" not in text

    # All right, at the second attempt: the review shows the answers and explanations.
    second = browser.post_form(f"{url}/attempts", {}, page=url).headers["Location"]
    form = client.get(second).get_data(as_text=True)
    graded = browser.post_form(second, answers(form), page=second)
    result = client.get(graded.headers["Location"]).get_data(as_text=True)
    text = visible_text(result)
    for key in ("passed", "right", "your_answer"):
        assert says[key] in text, key
    assert "Your answers, and the right ones" not in text
    explanation = question.explanation.split("\n")[0]
    assert f'<p class="explanation"><span lang="en">{explanation}' in result


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_dashboard(client, browser, course, cohort, make_user, language):
    says = SAYS[language]
    user = reader(make_user, cohort, browser, language)
    lesson = course.modules[0].lessons[0]
    lesson_url = f"/courses/{course.slug}/lessons/{lesson.slug}"
    browser.post_form(f"{lesson_url}/done", {}, page=lesson_url)
    html = client.get("/dashboard").get_data(as_text=True)
    text = visible_text(html)
    # The enrolment's date, in the learner's zone, written the language's way.
    enrolled_on = local_time(utcnow(), user.time_zone).date()
    assert says["enrolled_on"].format(date=format_date(enrolled_on, language)) in text
    for key in ("dashboard", "requirement", "quiz_results", "next_step"):
        assert says[key] in text, key
    assert "Your dashboard" not in text and "Quiz results" not in text
    second = course.modules[0].lessons[1]
    assert f'<span lang="en">{second.title}</span></a></p>' in html
    assert '<a href="/courses/example-course"><span lang="en">Example course</span></a>' in html
    assert '<span class="subtitle"><span lang="en">Autumn cohort</span></span>' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_applying_flashes_in_the_language_with_the_cohort_in_its_own(
    client, browser, course, cohort, make_user, language
):
    says = SAYS[language]
    user = make_user(preferred_language=language)
    browser.login(user.email)
    url = f"/courses/{course.slug}/cohorts/{cohort.slug}/apply"
    sent = browser.post_form(url, {"motivation": MOTIVATION, "confirms_public_official": "y"})
    assert sent.status_code == 302
    html = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert f'{says["applied"]} <span lang="en">Autumn cohort</span>' in html
    assert says["pending"] in visible_text(html)


@pytest.mark.parametrize("language", LANGUAGES)
def test_error_pages(client, language):
    says = SAYS[language]
    response = client.get("/no-such-page", headers={"Accept-Language": language})
    text = visible_text(response.get_data(as_text=True))
    assert response.status_code == 404
    assert says["not_found"] in text and says["advice_404"] in text
    assert "Not Found" not in text and "There is no page" not in text


def test_form_messages_follow_the_language(client, browser, course, cohort, make_user):
    user = make_user(preferred_language="es")
    browser.login(user.email)
    url = f"/courses/{course.slug}/cohorts/{cohort.slug}/apply"
    token = csrf_token(client.get(url))
    refused = client.post(url, data={"csrf_token": token, "motivation": "Too short."})
    text = visible_text(refused.get_data(as_text=True))
    assert refused.status_code == 400
    assert "Corrija lo siguiente, por favor" in text
    assert "¿Por qué quiere hacer este curso?: Escriba entre 50 y 3000 caracteres." in text
    assert "marque esta casilla para confirmar" in text


def test_dates_in_each_language():
    """The dates these pages print: the same day, three ways (the examples above rely on it)."""
    day = date(2027, 3, 15)
    assert format_date(day, "en") == "Monday 15 March 2027"
    assert format_date(day, "es") == "lunes, 15 de marzo de 2027"
    assert format_date(day, "fr") == "lundi 15 mars 2027"
