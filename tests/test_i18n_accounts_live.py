"""Accounts, live sessions and e-mails in Spanish and French (issue #9).

Pages follow the reader's language (profile, then footer cookie, then Accept-Language);
e-mails and calendar feeds follow the recipient's profile, whoever's request sends them.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from icalendar import Calendar

from app.catalog.models import EnrolmentMode
from app.core.permissions import Role
from app.extensions import db
from app.learning.models import Application
from app.live.times import countdown, time_until
from tests.conftest import Browser
from tests.factories import enrolled_learner
from tests.html import one
from tests.test_applications import apply
from tests.test_pages import visible_text

SPANISH = {"Accept-Language": "es-CO,es;q=0.9"}
FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}


def html_lang(page: str) -> str:
    return page.split('<html lang="', 1)[1].split('"', 1)[0]


def main_text(page: str) -> str:
    """The visible text of the page's <main>, where this group's text is."""
    return visible_text(page.split("<main", 1)[1].split("</main>", 1)[0])


# Log in and register ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "language", "expected", "english"),
    [
        (
            SPANISH,
            "es",
            [
                "<title>Iniciar sesión · Caring Cities</title>",
                '<label for="email">Correo electrónico</label>',
                '<label for="password">Contraseña</label>',
                "Mantener la sesión iniciada en este dispositivo durante 30 días",
                '<button type="submit">Iniciar sesión</button>',
                "¿Olvidó su contraseña?",
                '¿Es nuevo aquí? <a href="/register">Regístrese</a>: es gratuito.',
            ],
            ["Forgot your password?", "Keep me logged in", "New here?", ">Password<"],
        ),
        (
            FRENCH,
            "fr",
            [
                "<title>Se connecter · Caring Cities</title>",
                '<label for="email">Adresse e-mail</label>',
                '<label for="password">Mot de passe</label>',
                "Rester connecté sur cet appareil pendant 30 jours",
                '<button type="submit">Se connecter</button>',
                "Mot de passe oublié ?",
                'Nouveau ici ? <a href="/register">Inscrivez-vous</a> : c\'est gratuit.',
            ],
            ["Forgot your password?", "Keep me logged in", "New here?", ">Password<"],
        ),
    ],
)
def test_the_login_page_in_spanish_and_french(client, headers, language, expected, english):
    page = client.get("/login", headers=headers).get_data(as_text=True)
    assert html_lang(page) == language
    for text in expected:
        assert text in page
    for text in english:
        assert text not in page


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            SPANISH,
            [
                "Registrarse",
                "Su cuenta",
                "Su trabajo",
                "Idioma y hora",
                "Nombre completo",
                "Tal como debe aparecer en su certificado.",
                "Al menos 12 caracteres.",
                "Idioma preferido",
                "Crear mi cuenta",
                "¿Ya está registrado? Inicie sesión .",
            ],
        ),
        (
            FRENCH,
            [
                "S'inscrire",
                "Votre compte",
                "Votre travail",
                "Langue et heure",
                "Nom complet",
                "Tel qu'il doit figurer sur votre certificat.",
                "Au moins 12 caractères.",
                "Langue préférée",
                "Créer mon compte",
                "Déjà inscrit ? Connectez-vous .",
            ],
        ),
    ],
)
def test_the_registration_page_in_spanish_and_french(client, headers, expected):
    response = client.get("/register", headers=headers)
    text = main_text(response.get_data(as_text=True))
    for sentence in expected:
        assert sentence in text
    for english in ("Your account", "Your work", "Full name", "Create my account", "Already"):
        assert english not in text
    # The newcomer's account starts in the language they are reading.
    language = headers["Accept-Language"][:2]
    assert f'<option lang="{language}" selected value="{language}">' in response.get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("headers", "required", "too_short", "label"),
    [
        (SPANISH, "Este campo es obligatorio.", "Use al menos 12 caracteres.", "Contraseña"),
        (FRENCH, "Ce champ est obligatoire.", "Utilisez au moins 12 caractères.", "Mot de passe"),
    ],
)
def test_a_refused_registration_says_why_in_the_reader_s_language_beside_each_field(
    app, headers, required, too_short, label
):
    browser = Browser(app.test_client())
    token = browser.token("/register")
    response = browser.client.post(
        "/register",
        data={"csrf_token": token, "name": "", "email": "ana@city.example", "password": "short"},
        headers=headers,
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    # The sentence is tied to its field: shown under it, named by its aria-describedby.
    assert f'<p class="field-error" id="password-error">{too_short}</p>' in page
    password_input = one(page, "input#password")
    assert password_input["aria-invalid"] == "true"
    assert "password-error" in password_input["aria-describedby"].split()
    assert f'<p class="field-error" id="name-error">{required}</p>' in page
    # The summary at the top links to the field, with its translated label and sentence.
    summary_link = one(page, 'a[href="#password"]').get_text()
    assert summary_link.startswith(label) and summary_link.endswith(too_short)
    assert "Use at least 12 characters." not in page
    assert "This field is required." not in page


def test_a_wrong_password_is_refused_in_french(app, make_user):
    make_user(email="lea@city.example")
    browser = Browser(app.test_client())
    token = browser.token("/login")
    response = browser.client.post(
        "/login",
        data={"csrf_token": token, "email": "lea@city.example", "password": "not the password"},
        headers=FRENCH,
    )
    assert response.status_code == 401
    text = main_text(response.get_data(as_text=True))
    assert "L'adresse e-mail ou le mot de passe est incorrect." in text
    assert "The e-mail address or the password is wrong." not in text


# The live-session schedule ----------------------------------------------------------------------


def test_the_schedule_in_french_with_french_dates(before_example_cohort, app, make_user, spring):
    learner = enrolled_learner(
        spring,
        email="claire@lyon.example",
        name="Claire",
        time_zone="Europe/Paris",
        preferred_language="fr",
    )
    browser = Browser(app.test_client())
    browser.login(learner.email)
    # The profile's language wins over what the browser asks for.
    response = browser.client.get(
        f"/courses/example-course/cohorts/{spring.slug}/schedule",
        headers={"Accept-Language": "en"},
    )
    page = response.get_data(as_text=True)
    assert html_lang(page) == "fr"
    text = main_text(page)
    assert "Sessions en direct de Spring 2027" in text
    assert (
        "Les heures sont affichées dans votre fuseau horaire, celui de Paris "
        "(heure d’Europe centrale)" in text
    )
    # Madrid and Paris keep the same clock: the time is shown once, in French (whose CLDR
    # names no abbreviation for Central European Time: the offset, in its own UTC form).
    assert "lundi 15 mars 2027, 09:00–11:00 UTC+1" in text
    # Bogotá's evening is the next night in Paris: both days, named in French.
    assert (
        "jeudi 1 avril 2027, 01:30–03:00 UTC+2 (mercredi 31 mars, 18:30–20:00 UTC-5 à Bogotá)"
    ) in text
    assert re.search(
        r"120 minutes\. Ne compte pas pour le certificat\. Commence dans \d+ jours", text
    )
    assert "Prochaine session en direct" in text
    for english in ("Monday", "March", "Starts in", "Live sessions of", "Coming sessions"):
        assert english not in text
    # Course text keeps its own language inside the French interface.
    assert '<h1>Sessions en direct de <span lang="en">Spring 2027</span></h1>' in page
    assert '<span lang="en">Session 1: Care in the neighbourhood</span>' in page


def test_a_visitor_s_schedule_follows_accept_language(client, spring):
    page = client.get(
        f"/courses/example-course/cohorts/{spring.slug}/schedule", headers=SPANISH
    ).get_data(as_text=True)
    text = main_text(page)
    assert "lunes, 15 de marzo de 2027, 09:00–11:00 CET (hora de Madrid)" in text
    assert "Inicie sesión para verlas en su propia zona horaria." in text
    assert "Próximas sesiones" in text and "Sesiones pasadas" in text


@pytest.mark.parametrize(
    ("language", "left", "expected_until", "expected_countdown"),
    [
        (
            "es",
            timedelta(days=2, hours=3),
            "dentro de 2 días y 3 horas",
            "Empieza dentro de 2 días y 3 horas",
        ),
        ("es", timedelta(hours=1), "dentro de 1 hora", "Empieza dentro de 1 hora"),
        (
            "fr",
            timedelta(hours=5, minutes=1),
            "dans 5 heures et 1 minute",
            "Commence dans 5 heures et 1 minute",
        ),
        ("fr", timedelta(days=1), "dans 1 jour", "Commence dans 1 jour"),
        ("fr", timedelta(0), "en cours", "En cours"),
    ],
)
def test_how_long_until_a_session_in_spanish_and_french(
    app, language, left, expected_until, expected_countdown
):
    start = datetime(2027, 7, 8, 7, 0, tzinfo=UTC)
    end = start + timedelta(hours=2)
    with app.test_request_context(), force_locale(language):
        assert time_until(start, end, start - left) == expected_until
        assert countdown(start, end, start - left) == expected_countdown


def test_the_personal_calendar_feed_speaks_its_owner_s_language(app, make_user, spring):
    learner = enrolled_learner(spring, email="marta@bogota.example", preferred_language="es")
    browser = Browser(app.test_client())
    browser.login(learner.email)
    browser.post_form("/account/calendar", {"action": "create"})
    page = browser.client.get("/account/calendar").get_data(as_text=True)
    feed_url = one(page, "#feed-url")["value"]
    # A calendar application fetches it without cookies, asking for English.
    response = app.test_client().get(feed_url, headers={"Accept-Language": "en"})
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["X-WR-CALNAME"]) == "Caring Cities: sesiones en directo"
    descriptions = [str(event["DESCRIPTION"]) for event in calendar.walk("VEVENT")]
    assert descriptions and all("Calendario y detalles: http" in d for d in descriptions)
    assert any("Unirse (desde 15 minutos antes del inicio): http" in d for d in descriptions)
    assert not any("Schedule and details" in d for d in descriptions)
    # Machine fields stay as they are.
    assert {str(event["STATUS"]) for event in calendar.walk("VEVENT")} == {"CONFIRMED"}


# E-mails in the recipient's language ------------------------------------------------------------


def test_an_approval_is_mailed_in_the_learner_s_language_whatever_the_admin_reads(
    app, make_user, make_cohort, imported_example, outbox
):
    cohort = make_cohort(
        imported_example, "autumn", mode=EnrolmentMode.APPROVAL, title="Autumn cohort"
    )
    ana = make_user(email="ana@city.example", name="Ana Pérez", preferred_language="es")
    learner = Browser(app.test_client())
    learner.login(ana.email)
    assert apply(learner, imported_example, cohort).status_code == 302
    (received,) = outbox()
    assert received["Subject"] == "Hemos recibido su solicitud para Autumn cohort"
    assert "Hola, Ana Pérez:" in received.get_body(preferencelist=("plain",)).get_content()

    make_user(Role.ADMIN, email="admin@city.example", preferred_language="en")
    admin = Browser(app.test_client())
    admin.login("admin@city.example")
    application = db.session.query(Application).one()
    response = admin.post_form(
        "/admin/applications/decide",
        {
            "application_id": str(application.id),
            "decision": "approve",
            "message": "Welcome! The first live session is on the course page.",
        },
        page="/admin/applications",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 302
    # The admin goes on reading English...
    queue = admin.client.get(response.headers["Location"], headers={"Accept-Language": "en"})
    assert "1 application approved and enrolled." in visible_text(queue.get_data(as_text=True))
    # ...while the learner is written to in Spanish, the course team's message as written.
    approved = outbox()[-1]
    assert approved["To"] == "ana@city.example"
    assert approved["Subject"] == "Su inscripción en Autumn cohort está confirmada"
    body = approved.get_body(preferencelist=("plain",)).get_content()
    assert "Hola, Ana Pérez:" in body
    assert "Le damos la bienvenida a Autumn cohort de Example course: ya está inscrito." in body
    assert "Un mensaje del equipo del curso:\nWelcome! The first live session" in body
    assert "Empiece a leer aquí: http://localhost/courses/example-course" in body
    for english in ("Hello", "you are enrolled", "A message from the course team", "Start reading"):
        assert english not in body


def test_a_reset_link_is_mailed_in_the_account_s_language(app, make_user, outbox):
    make_user(email="claire@lyon.example", name="Claire", preferred_language="fr")
    browser = Browser(app.test_client())
    token = browser.token("/forgot-password")
    response = browser.client.post(
        "/forgot-password",
        data={"csrf_token": token, "email": "claire@lyon.example"},
        headers={"Accept-Language": "es"},
    )
    # The page answers in the language of the request...
    assert "Revise su correo" in response.get_data(as_text=True)
    # ...the e-mail in the language of the account.
    (message,) = outbox()
    assert message["Subject"] == "Choisissez un nouveau mot de passe pour Caring Cities"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert body.startswith("Bonjour Claire,\n")
    assert "ouvrez ce lien dans l'heure :\n\nhttp://localhost/reset-password/" in body
