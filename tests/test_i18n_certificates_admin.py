"""Certificates and the admin console in Spanish and French: what the reader sees is translated,
while the certificate's own text stays in the course's language and is marked with it."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.catalog.models import EnrolmentMode
from app.certificates import operations
from app.certificates.models import display_serial, new_serial
from app.core.permissions import Role
from app.core.types import utcnow
from app.extensions import db
from app.learning.models import Enrollment
from app.learning.operations import submit_application
from tests.conftest import Browser
from tests.factories import enrolled_learner
from tests.test_pages import visible_text

PUBLIC_URL = "https://courses.example.org"
# Fixed moments, so that the dates the pages write are known: Monday 5 July 2027, noon UTC.
ISSUED = datetime(2027, 7, 5, 12, 0, tzinfo=UTC)
REVOKED = datetime(2027, 9, 14, 12, 0, tzinfo=UTC)  # a Tuesday


@pytest.fixture
def app_config():
    return {"PUBLIC_URL": PUBLIC_URL}


@pytest.fixture
def cohort(spring):
    """The example's own cohort, whose dates the certificates print."""
    return spring


def issued_certificate(make_user, cohort, admin, email, name):
    user = enrolled_learner(cohort, email=email, name=name)
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == user.id))
    enrollment.completed_at = ISSUED - timedelta(days=1)
    user.certificate_name = name
    user.certificate_name_confirmed_at = ISSUED
    certificate = operations.issue_certificate(enrollment, actor=admin, now=ISSUED)
    db.session.commit()
    return certificate


def page_in(client, url: str, language: str):
    return client.get(url, headers={"Accept-Language": language})


def main_html(response) -> str:
    return re.search(r"<main.*?</main>", response.get_data(as_text=True), re.S).group(0)


# The public verification page


VALID = {
    "es": {
        "verdict": "Válido. Este certificado lo emitió este programa y no ha sido revocado.",
        "facts": [
            "Otorgado a Görsev Argın",
            "Curso Example course",
            "Horas de estudio 2",
            "Completado el 4 de julio de 2027 (hora de Madrid)",
            "Emitido el 5 de julio de 2027 (hora de Madrid)",
            "Emitido por Example Network of Cities",
            "Firmado por Ada Example, Head of Training, Example Network of Cities",
            "Número de serie",
            "Cómo verificarlo sin esta página",
        ],
    },
    "fr": {
        "verdict": "Valide. Ce certificat a été délivré par ce programme et n'a pas été révoqué.",
        "facts": [
            "Décerné à Görsev Argın",
            "Cours Example course",
            "Heures d'étude 2",
            "Terminé le 4 juillet 2027 (heure de Madrid)",
            "Délivré le 5 juillet 2027 (heure de Madrid)",
            "Délivré par Example Network of Cities",
            "Signé par Ada Example, Head of Training, Example Network of Cities",
            "Numéro de série",
            "Le vérifier sans cette page",
        ],
    },
}


@pytest.mark.parametrize("language", ["es", "fr"])
def test_the_verification_page_of_a_valid_certificate_speaks_the_visitors_language(
    client, make_user, cohort, admin, language
):
    certificate = issued_certificate(make_user, cohort, admin, "g@city.example", "Görsev Argın")
    response = page_in(client, f"/verify/{certificate.display_serial}", language)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = visible_text(main_html(response))
    assert f'<html lang="{language}" dir="ltr">' in html
    assert VALID[language]["verdict"] in text
    for fact in VALID[language]["facts"]:
        assert fact in text
    for english in ("Valid.", "Awarded to", "Hours of study", "Issued on", "Checking it"):
        assert english not in text
    # The certificate's own text is the course's, in English, and says so.
    assert '<h1 lang="en">Certificate of completion: Example course</h1>' in html
    assert '<dd lang="en">Example course</dd>' in html
    assert '<dd lang="en">Example Network of Cities</dd>' in html
    assert '<dd lang="en">Ada Example, Head of Training, Example Network of Cities</dd>' in html
    # The holder's name is not course text: no lang, its own direction.
    assert '<strong class="holder-name"><bdi dir="auto">Görsev Argın</bdi></strong>' in html


REVOKED_TEXT = {
    "es": (
        "Revocado el 14 de septiembre de 2027 (hora de Madrid). Ya no es válido.",
        "Motivo: Issued to the wrong person.",
    ),
    "fr": (
        "Révoqué le 14 septembre 2027 (heure de Madrid). Il n'est plus valide.",
        "Motif : Issued to the wrong person.",
    ),
}


@pytest.mark.parametrize("language", ["es", "fr"])
def test_the_verification_page_of_a_revoked_certificate_gives_date_and_reason_translated(
    client, make_user, cohort, admin, language
):
    certificate = issued_certificate(make_user, cohort, admin, "r@city.example", "Ana Pérez")
    operations.revoke_certificate(
        certificate, actor=admin, reason="Issued to the wrong person.", now=REVOKED
    )
    db.session.commit()
    response = page_in(client, f"/verify/{certificate.display_serial}", language)
    text = visible_text(main_html(response))
    verdict, reason = REVOKED_TEXT[language]
    assert verdict in text
    # The reason is the admin's own words, shown as written.
    assert reason in text
    assert "Revoked on" not in text and "Reason:" not in text
    assert "Válido." not in text and "Valide." not in text
    assert '<h1 lang="en">Certificate of completion: Example course</h1>' in response.text
    # What other systems read stays the same in every language.
    record = page_in(client, f"/verify/{certificate.display_serial}.json", language).get_json()
    assert record["status"] == "revoked"
    assert record["revoked_on"] == "2027-09-14"
    assert record["credential"]["format"].startswith("Open Badges 3.0")


def test_a_certificate_whose_course_is_in_spanish_marks_its_text_spanish(
    client, make_user, cohort, admin
):
    cohort.course.languages = ["es", "en"]
    db.session.commit()
    certificate = issued_certificate(make_user, cohort, admin, "l@city.example", "Lucía")
    html = page_in(client, f"/verify/{certificate.display_serial}", "fr").get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in html
    assert '<h1 lang="es">Certificate of completion: Example course</h1>' in html


# The lookup form


def test_the_lookup_form_in_french_and_a_serial_it_cannot_find(client, make_user, cohort, admin):
    issued_certificate(make_user, cohort, admin, "k@city.example", "Kim Ji-woo")
    form = visible_text(main_html(page_in(client, "/verify", "fr")))
    assert "Vérifier un certificat" in form
    assert "28 lettres et chiffres, par groupes de quatre" in form
    typed = "7KQ2 M9XD 0000"
    response = client.get(
        "/verify", query_string={"serial": typed}, headers={"Accept-Language": "fr"},
        follow_redirects=True,
    )  # fmt: skip
    assert response.status_code == 404
    text = visible_text(main_html(response))
    assert f"Aucun certificat ne porte le numéro de série {typed} ." in text
    assert "Comparez le numéro de série, caractère par caractère" in text
    assert "Vérifier un autre numéro de série" in text
    assert "No certificate has the serial" not in text


def test_too_many_checks_are_refused_in_french(app, client):
    app.config["VERIFICATIONS_PER_ADDRESS"] = "1 per minute"
    assert page_in(client, "/verify", "fr").status_code == 200
    refused = page_in(client, f"/verify/{display_serial(new_serial())}", "fr")
    assert refused.status_code == 429
    assert (
        "Trop de vérifications de certificats depuis votre réseau. Patientez une minute, "
        "puis réessayez." in visible_text(refused.get_data(as_text=True))
    )


# The admin console


def test_the_applications_queue_in_spanish(app, make_user, imported_example, make_cohort):
    course = imported_example
    autumn = make_cohort(course, "autumn", mode=EnrolmentMode.APPROVAL, title="Autumn cohort")
    for email, name, country in [
        ("amaru@x.example", "Amaru Quispe", "PE"),
        ("lena@x.example", "Lena Vogel", "DE"),
    ]:
        person = make_user(email=email, name=name, country=country)
        with app.test_request_context():  # the acknowledgement e-mail builds its links
            submit_application(
                person,
                autumn,
                motivation="I run the city's care services.",
                confirms_public_official=True,
                now=utcnow(),
            )
    db.session.commit()
    # The admin reads the site in Spanish (the profile's language wins over the browser's).
    make_user(Role.ADMIN, email="ines@city.example", name="Inés", preferred_language="es")
    browser = Browser(app.test_client())
    assert browser.login("ines@city.example").status_code == 302

    response = browser.client.get("/admin/applications", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = main_html(response)
    text = visible_text(html)
    for spanish in [
        "Solicitudes Solicitudes Usuarios Certificados Correo Registro de auditoría",
        "Cohorte Todas las cohortes",
        "Estado Cualquier estado",
        "País Todos los países Alemania Perú",
        "Filtrar Descargar como CSV",
        "2 solicitudes",
        "Solicitante Organización Cohorte Enviada Estado",
        "Decidir sobre las solicitudes marcadas",
        "Aplicar la decisión",
        "Amaru Quispe",
        "Lena Vogel",
    ]:
        assert spanish in text
    for english in ("Applications", "All cohorts", "Any status", "Filter", "Apply the decision"):
        assert english not in text
    assert 'class="visually-hidden">Elegir a <bdi dir="auto">Amaru Quispe</bdi></label>' in html
    # The cohort's title is course text: marked with the course's language.
    assert '<span lang="en">Autumn cohort</span></td>' in html

    filtered = visible_text(
        main_html(browser.client.get("/admin/applications", query_string={"country": "DE"}))
    )
    assert "1 solicitud que coincide con los filtros" in filtered
    assert "Amaru Quispe" not in filtered

    refused = browser.post_form(
        "/admin/applications/decide", {"decision": "approve"}, page="/admin/applications"
    )
    assert refused.status_code == 400
    assert "Marque al menos una solicitud." in visible_text(refused.get_data(as_text=True))


def test_an_admin_in_french_reads_a_certificates_history(app, make_user, cohort, admin):
    certificate = issued_certificate(make_user, cohort, admin, "o@city.example", "Old Spelling")
    new = operations.reissue_certificate(
        certificate, actor=admin, reason="Name misspelt.", now=ISSUED, holder_name="New Spelling"
    )
    db.session.commit()
    make_user(Role.ADMIN, email="chloe@city.example", name="Chloé", preferred_language="fr")
    browser = Browser(app.test_client())
    assert browser.login("chloe@city.example").status_code == 302
    response = browser.client.get(f"/admin/certificates/{certificate.id}")
    html = main_html(response)
    text = visible_text(html)
    assert (
        f"Remplacé par {new.display_serial} , délivré le 5 juillet 2027 (heure de Madrid)." in text
    )
    assert f"Il a été remplacé par {new.display_serial} : Name misspelt." in text
    assert "Motif de la réémission Name misspelt." in text
    assert 'lang="en">Certificate of completion: Example course, Spring 2027</p>' in html
    listing = visible_text(main_html(browser.client.get("/admin/certificates")))
    assert "2 certificats, du plus récent au plus ancien" in listing
    assert "Remplacé" in listing and "Valide" in listing
