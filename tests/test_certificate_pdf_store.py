"""Certificate PDFs off the request: made by the worker when a certificate is signed, stored with
the fingerprint of what they show, served while current, made on the download when missing or
stale, deleted with the holder's data (app/certificates/pdf_store.py)."""

import logging
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update

from app.accounts.operations import delete_account
from app.catalog.models import Cohort
from app.certificates import operations
from app.certificates.models import Certificate, CertificatePdf
from app.certificates.pdf_store import certificates_without_pdf, sweep_certificate_pdfs
from app.core.types import utcnow
from app.extensions import db
from app.learning.models import Enrollment
from tests.factories import enrolled_learner

pytestmark = pytest.mark.slow  # PDFs made and read back

PUBLIC_URL = "https://courses.example.org"


@pytest.fixture
def app_config():
    return {"PUBLIC_URL": PUBLIC_URL}


def pdf_text(data: bytes) -> str:
    """The PDF's text as poppler reads it, every run of whitespace one space."""
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


def learner(cohort, email: str, name: str):
    """A learner who completed the cohort and confirmed the name to print."""
    user = enrolled_learner(cohort, email=email, name=name)
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == user.id))
    enrollment.completed_at = utcnow() - timedelta(days=1)
    user.certificate_name = name
    user.certificate_name_confirmed_at = utcnow()
    db.session.commit()
    return user, enrollment


def certified(cohort, admin, email: str, name: str) -> tuple:
    user, enrollment = learner(cohort, email, name)
    certificate = operations.issue_certificate(enrollment, actor=admin, now=utcnow())
    db.session.commit()
    return user, certificate


def stored(certificate_id: int) -> CertificatePdf | None:
    db.session.expire_all()
    return db.session.scalar(
        select(CertificatePdf).where(CertificatePdf.certificate_id == certificate_id)
    )


def pdf_url(certificate: Certificate) -> str:
    return f"/certificates/{certificate.display_serial}.pdf"


def test_issuing_stores_the_pdf_through_the_job_once_the_issue_commits(spring, admin):
    _user, enrollment = learner(spring, "ana@bogota.example", "Ana María Pérez")
    certificate = operations.issue_certificate(enrollment, actor=admin, now=utcnow())
    db.session.flush()
    # Not made in the issuing transaction: the worker makes it once that commits.
    assert db.session.scalar(select(func.count()).select_from(CertificatePdf)) == 0
    db.session.commit()
    row = stored(certificate.id)
    assert row is not None and len(row.fingerprint) == 64
    text = pdf_text(row.pdf)
    assert "Ana María Pérez" in text and certificate.display_serial in text


def test_an_issue_rolled_back_makes_no_pdf(spring, admin):
    _user, enrollment = learner(spring, "ana@bogota.example", "Ana María Pérez")
    operations.issue_certificate(enrollment, actor=admin, now=utcnow())
    db.session.rollback()
    db.session.commit()  # a later commit does not queue what was rolled back
    assert db.session.scalar(select(func.count()).select_from(CertificatePdf)) == 0


def test_a_name_correction_makes_a_new_pdf_and_the_download_shows_the_new_name(
    spring, admin, browser
):
    user, old = certified(spring, admin, "g@istanbul.example", "Gorsev Argin")
    old_pdf = stored(old.id).pdf
    browser.login(user.email)
    response = browser.post_form(
        "/account/certificate-name", {"name": "Görsev Argın", "checked": "y"}
    )
    assert response.status_code == 302
    new = db.session.scalar(select(Certificate).where(Certificate.replaced_by_id.is_(None)))
    assert new.id != old.id and new.holder_name == "Görsev Argın"
    made = stored(new.id)
    assert made is not None and "Görsev Argın" in pdf_text(made.pdf)

    download = browser.client.get(pdf_url(new))
    assert download.status_code == 200
    assert download.data == made.pdf
    text = pdf_text(download.data)
    assert "Görsev Argın" in text and "Gorsev Argin" not in text
    # The replaced certificate keeps the PDF it had (admins can still download it).
    assert stored(old.id).pdf == old_pdf


def test_the_download_serves_the_stored_pdf_in_three_queries_with_its_headers(
    spring, admin, browser, count_queries
):
    user, certificate = certified(spring, admin, "kim@seoul.example", "Kim Ji-woo")
    row = stored(certificate.id)
    url, serial = pdf_url(certificate), certificate.display_serial
    browser.login(user.email)
    with count_queries() as counter:
        response = browser.client.get(url)
    assert response.status_code == 200 and response.data == row.pdf
    # The holder; the certificate with its course and cohort; its PDF, if current.
    assert counter.count == 3, counter.statements
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="certificate-{serial}.pdf"'
    )
    assert response.headers["ETag"] == f'"{row.fingerprint}"'


def test_a_missing_pdf_is_made_on_download_and_stored(spring, admin, browser):
    user, certificate = certified(spring, admin, "kim@seoul.example", "Kim Ji-woo")
    db.session.execute(delete(CertificatePdf))  # the worker is behind, or an old database
    db.session.commit()
    browser.login(user.email)
    response = browser.client.get(pdf_url(certificate))
    assert response.status_code == 200
    assert "Kim Ji-woo" in pdf_text(response.data)
    assert stored(certificate.id).pdf == response.data
    # The next download is the stored file.
    assert browser.client.get(pdf_url(certificate)).data == response.data


def test_a_stale_pdf_is_never_served(spring, admin, browser):
    user, certificate = certified(spring, admin, "kim@seoul.example", "Kim Ji-woo")
    assert "(Madrid time)" in pdf_text(stored(certificate.id).pdf)
    # The course's import moves the cohort to Seoul's clock, on which the dates are printed;
    # and whatever else the stored row holds, it was made for the old content.
    db.session.execute(update(Cohort).where(Cohort.id == spring.id).values(time_zone="Asia/Seoul"))
    db.session.execute(update(CertificatePdf).values(pdf=b"%PDF-1.7 stale"))
    db.session.commit()
    browser.login(user.email)
    response = browser.client.get(pdf_url(certificate))
    assert response.status_code == 200 and response.data != b"%PDF-1.7 stale"
    text = pdf_text(response.data)
    assert "(Seoul time)" in text and "(Madrid time)" not in text
    # Made again and stored in place of the stale one, with the new fingerprint.
    row = stored(certificate.id)
    assert row.pdf == response.data
    assert response.headers["ETag"] == f'"{row.fingerprint}"'


def test_erasing_the_holder_deletes_the_stored_pdf_and_keeps_none_after(
    spring, admin, admin_browser
):
    user, certificate = certified(spring, admin, "leaver@dakar.example", "Awa Diop")
    _other, kept = certified(spring, admin, "stays@dakar.example", "Fatou Sow")
    delete_account(user)
    db.session.commit()
    assert stored(certificate.id) is None
    assert stored(kept.id) is not None
    # An admin can still download it (the issued certificate stays), but it is not kept,
    # and the sweep does not make it again.
    response = admin_browser.client.get(pdf_url(certificate))
    assert response.status_code == 200 and "Awa Diop" in pdf_text(response.data)
    assert stored(certificate.id) is None
    assert certificate.id not in certificates_without_pdf()


def test_the_sweep_and_the_command_make_what_is_missing_and_say_what_failed(
    spring, admin, runner, caplog
):
    _one, first = certified(spring, admin, "one@lahore.example", "Ayesha Khan")
    _two, second = certified(spring, admin, "two@amman.example", "نور الهدى الحداد")
    db.session.execute(delete(CertificatePdf).where(CertificatePdf.certificate_id == first.id))
    db.session.commit()
    assert certificates_without_pdf() == [first.id]
    sweep_certificate_pdfs()  # queues the missing one; the test queue runs it at once
    assert "Ayesha Khan" in pdf_text(stored(first.id).pdf)

    # A stale one and a missing one, and one no font can print (stored before the check).
    db.session.execute(delete(CertificatePdf).where(CertificatePdf.certificate_id == first.id))
    db.session.execute(update(CertificatePdf).values(fingerprint="0" * 64))
    _three, third = certified(spring, admin, "three@city.example", "Wang Xiaoming")
    db.session.execute(
        update(Certificate).where(Certificate.id == third.id).values(holder_name="王小明")
    )
    db.session.execute(delete(CertificatePdf).where(CertificatePdf.certificate_id == third.id))
    db.session.commit()
    with caplog.at_level(logging.WARNING):
        result = runner.invoke(args=["certificates", "make-pdfs"])
    assert result.exit_code == 1
    assert "3 issued certificates: 2 PDFs made, 0 current already, 1 failed" in result.output
    assert f"certificate {third.id} has no PDF" in caplog.text
    assert stored(third.id) is None
    assert "Ayesha Khan" in pdf_text(stored(first.id).pdf)
    assert stored(second.id).fingerprint != "0" * 64
    again = runner.invoke(args=["certificates", "make-pdfs"])
    assert "2 current already" in again.output
