"""Certificates end to end: eligibility, issuing, the holder's name, downloads, verification."""

import io
import json
import re
import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import func, select

from app.certificates import operations
from app.certificates.models import (
    SERIAL_ALPHABET,
    Certificate,
    CertificatePdf,
    CertificateStatus,
    canonical_serial,
    display_serial,
    new_serial,
)
from app.certificates.queries import eligible_enrollments
from app.core.audit import AuditEvent
from app.core.permissions import Role
from app.core.types import utcnow
from app.extensions import db
from app.learning.models import Enrollment
from tests.conftest import without_tokens
from tests.factories import enrolled_learner
from tests.html import named_links
from tests.test_pages import visible_text

PUBLIC_URL = "https://courses.example.org"


@pytest.fixture
def app_config():
    return {"PUBLIC_URL": PUBLIC_URL}


@pytest.fixture
def cohort(spring):
    """The example's own cohort, whose dates the certificates print."""
    return spring


def learner_in(make_user, cohort, email, *, completed=True, name=None, confirmed=True):
    """An enrolled learner, completed or not, with their certificate name confirmed or not."""
    user = enrolled_learner(cohort, email=email, name=name or email.split("@")[0])
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == user.id))
    if completed:
        enrollment.completed_at = utcnow() - timedelta(days=1)
    if confirmed:
        user.certificate_name = user.name
        user.certificate_name_confirmed_at = utcnow()
    db.session.commit()
    return user, enrollment


def certificates_of(user) -> list[Certificate]:
    return list(
        db.session.scalars(
            select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.id)
        )
    )


def issue(enrollment, actor, **kwargs) -> Certificate | None:
    certificate = operations.issue_certificate(enrollment, actor=actor, now=utcnow(), **kwargs)
    db.session.commit()
    return certificate


def stored_pdf(certificate) -> CertificatePdf | None:
    return db.session.scalar(
        select(CertificatePdf).where(CertificatePdf.certificate_id == certificate.id)
    )


def cohort_url(course, cohort, tail=""):
    return f"/courses/{course.slug}/cohorts/{cohort.slug}/certificates{tail}"


# Serials


def test_a_serial_has_140_random_bits_in_a_form_that_can_be_read_aloud():
    serials = {new_serial() for _ in range(2000)}
    assert len(serials) == 2000
    for serial in list(serials)[:50]:
        assert len(serial) == 28 and set(serial) <= set(SERIAL_ALPHABET)
        assert not set(serial) & set("ILOU")
    assert len(SERIAL_ALPHABET) ** 28 >= 2**140
    shown = display_serial("0123456789ABCDEFGHJKMNPQRSTV")
    assert shown == "0123-4567-89AB-CDEF-GHJK-MNPQ-RSTV"


def test_a_serial_is_found_however_it_is_typed():
    serial = "0123456789ABCDEFGHJKMNPQRSTV"
    assert canonical_serial("0123-4567-89ab-cdef-ghjk-mnpq-rstv") == serial
    assert canonical_serial(" 0123 4567 89AB CDEF GHJK MNPQ RSTV ") == serial
    # I and L are read as 1, O as 0: the symbols Crockford's alphabet leaves out.
    assert canonical_serial("O123456789ABCDEFGHJKMNPQRSTV") == serial
    assert canonical_serial("0I23456789ABCDEFGHJKMNPQRSTV") == "01" + serial[2:]
    for malformed in ["", "0123", serial + "W", serial[:-1] + "U", serial[:-1] + "!", "../etc"]:
        assert canonical_serial(malformed) is None


# Eligibility and issuing


def test_eligibility_comes_from_completion(app, course, cohort, make_user, admin):
    done, done_enrollment = learner_in(make_user, cohort, "done@city.example")
    _not_done, _ = learner_in(make_user, cohort, "notyet@city.example", completed=False)
    revoked, revoked_enrollment = learner_in(make_user, cohort, "revoked@city.example")
    certificate = issue(revoked_enrollment, admin)
    operations.revoke_certificate(certificate, actor=admin, reason="Error", now=utcnow())
    db.session.commit()
    assert [e.user.email for e in eligible_enrollments(cohort)] == ["done@city.example"]
    issue(done_enrollment, admin)
    assert eligible_enrollments(cohort) == []
    # A revoked certificate is not "none": bulk issuing never replaces it behind anyone's back.
    assert issue(revoked_enrollment, admin) is None
    assert len(certificates_of(revoked)) == 1
    assert len(certificates_of(done)) == 1


def test_an_issued_certificate_states_what_course_yaml_and_the_learner_said(
    course, cohort, make_user, admin
):
    _user, enrollment = learner_in(make_user, cohort, "ana@city.example", name="Görsev Argın")
    certificate = issue(enrollment, admin)
    assert certificate.status == CertificateStatus.ISSUED
    assert certificate.holder_name == "Görsev Argın"
    assert certificate.course_title == course.title
    assert certificate.cohort_title == "Spring 2027"
    assert certificate.hours == 2
    assert certificate.issuers == ["Example Network of Cities"]
    assert certificate.signatories == [
        {"name": "Ada Example", "role": "Head of Training, Example Network of Cities"}
    ]
    assert certificate.issued_by_id == admin.id
    assert certificate.credential_jwt and certificate.key_id
    assert certificate.valid_until is None
    # Later edits to course.yaml don't change what was issued.
    course.certificate = {**course.certificate, "hours": 40}
    db.session.commit()
    db.session.refresh(certificate)
    assert certificate.hours == 2
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.issued"))
    assert event.actor_id == admin.id and event.details["serial"] == certificate.serial


def test_issuing_to_someone_who_has_not_completed_needs_a_reason(cohort, make_user, admin):
    user, enrollment = learner_in(make_user, cohort, "x@city.example", completed=False)
    with pytest.raises(operations.CertificateError, match="has not completed"):
        operations.issue_certificate(enrollment, actor=admin, now=utcnow())
    db.session.rollback()
    assert certificates_of(user) == []
    certificate = issue(enrollment, admin, reason="Attended the in-person workshop instead.")
    assert certificate.exception_reason == "Attended the in-person workshop instead."
    assert certificate.status == CertificateStatus.ISSUED


def test_a_valid_years_setting_gives_an_end_date(course, cohort, make_user, admin):
    course.certificate = {**course.certificate, "valid_years": 3}
    db.session.commit()
    _user, enrollment = learner_in(make_user, cohort, "v@city.example")
    certificate = issue(enrollment, admin)
    assert certificate.valid_until.year == certificate.issued_at.year + 3


def test_the_issuing_page_lists_learners_and_issues_to_everyone_eligible_once(
    course, cohort, make_user, admin, browser
):
    learner_in(make_user, cohort, "a@city.example", name="Ana Pérez")
    learner_in(make_user, cohort, "b@city.example", name="Bora Kim", confirmed=False)
    learner_in(make_user, cohort, "c@city.example", name="Chidi Okoro", completed=False)
    browser.login(admin.email)
    page = browser.client.get(cohort_url(course, cohort))
    text = visible_text(page.text)
    assert page.status_code == 200
    assert "3 learners enrolled: 0 with a certificate, 2 completed and waiting for one" in text
    assert "Issue certificates to all 2 eligible learners" in text
    assert "Issue by exception to Chidi Okoro" in text
    response = browser.post_form(cohort_url(course, cohort, "/issue"), {"everyone": "1"})
    assert response.status_code == 302
    after = browser.client.get(response.headers["Location"]).text
    assert (
        "1 certificate issued; 1 approved, to be issued once the learner confirms the name "
        "to print." in visible_text(after)
    )
    assert db.session.scalar(select(func.count(Certificate.id))) == 2
    statuses = sorted(c.status for c in db.session.scalars(select(Certificate)))
    assert statuses == [CertificateStatus.AWAITING_NAME, CertificateStatus.ISSUED]
    # Clicking again (or a second admin) issues nothing more.
    again = browser.post_form(cohort_url(course, cohort, "/issue"), {"everyone": "1"})
    assert "nothing was issued" in visible_text(browser.client.get(again.headers["Location"]).text)
    assert db.session.scalar(select(func.count(Certificate.id))) == 2
    bulk = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "certificates.issued_to_cohort")
    ).all()
    assert [event.details["count"] for event in bulk] == [2]


def test_two_admins_issuing_to_everyone_at_once_give_each_learner_one_certificate(
    app, course, cohort, make_user, admin, browser
):
    for number in range(6):
        learner_in(make_user, cohort, f"l{number}@city.example")
    other_admin = make_user(Role.ADMIN, email="admin2@city.example")
    browsers = []
    for person in (admin, other_admin, admin, other_admin):
        tab = type(browser)(app.test_client())
        tab.login(person.email)
        browsers.append((tab, tab.token(cohort_url(course, cohort))))
    statuses, start = [], threading.Barrier(len(browsers))
    url = cohort_url(course, cohort, "/issue")

    def click(tab, token):
        start.wait()
        response = tab.client.post(url, data={"csrf_token": token, "everyone": "1"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=click, args=pair) for pair in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * len(browsers)
    per_enrollment = db.session.execute(
        select(Certificate.enrollment_id, func.count(Certificate.id)).group_by(
            Certificate.enrollment_id
        )
    ).all()
    assert len(per_enrollment) == 6
    assert {count for _id, count in per_enrollment} == {1}
    serials = db.session.scalars(select(Certificate.serial)).all()
    assert len(set(serials)) == 6


def test_issuing_one_learner_and_by_exception_through_the_pages(
    course, cohort, make_user, admin, browser
):
    _done, done_enrollment = learner_in(make_user, cohort, "done@city.example", name="Done")
    late, late_enrollment = learner_in(
        make_user, cohort, "late@city.example", name="Late Learner", completed=False
    )
    browser.login(admin.email)
    response = browser.post_form(
        cohort_url(course, cohort, "/issue"), {"enrollment_id": str(done_enrollment.id)}
    )
    assert response.status_code == 302
    # Not completed: the plain issue button is refused with a sentence, nothing stored.
    refused = browser.post_form(
        cohort_url(course, cohort, "/issue"), {"enrollment_id": str(late_enrollment.id)}
    )
    assert refused.status_code == 409
    assert "Late Learner has not completed the course" in visible_text(refused.text)
    assert certificates_of(late) == []
    url = cohort_url(course, cohort, f"/exception/{late_enrollment.id}")
    blank = browser.post_form(url, {"reason": "   "})
    assert blank.status_code == 400
    assert "This field is required." in visible_text(blank.text)
    assert certificates_of(late) == []
    done = browser.post_form(url, {"reason": "Joined the Istanbul Solutions Lab in person."})
    assert done.status_code == 302
    [certificate] = certificates_of(late)
    assert certificate.exception_reason == "Joined the Istanbul Solutions Lab in person."
    twice = browser.post_form(url, {"reason": "Again"})
    assert twice.status_code == 409
    assert len(certificates_of(late)) == 1


def test_who_may_issue_follows_the_course_setting(course, cohort, make_user, browser):
    teacher = make_user(Role.INSTRUCTOR, email="teacher@city.example", courses=[course])
    _user, enrollment = learner_in(make_user, cohort, "l@city.example")
    browser.login(teacher.email)
    assert browser.client.get(cohort_url(course, cohort)).status_code == 403
    course.certificate = {**course.certificate, "staff_can_issue": True}
    db.session.commit()
    assert browser.client.get(cohort_url(course, cohort)).status_code == 200
    response = browser.post_form(
        cohort_url(course, cohort, "/issue"), {"enrollment_id": str(enrollment.id)}
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Certificate.issued_by_id)) == teacher.id
    # The course outline links to the page only for those who may use it.
    outline = browser.client.get(f"/author/{course.slug}").text
    assert cohort_url(course, cohort) in outline


def test_an_automatic_course_issues_at_completion_once_the_name_is_confirmed(
    course, cohort, make_user, browser
):
    course.certificate = {**course.certificate, "automatic": True}
    course.completion_rules = {"lessons": "all", "quizzes": "none"}
    db.session.commit()
    user = enrolled_learner(cohort, email="auto@city.example", name="Nguyễn Thị Lan")
    browser.login(user.email)
    lessons = [
        lesson for module in course.visible_modules() for lesson in module.published_lessons()
    ]
    for lesson in lessons:
        browser.post_form(
            f"/courses/{course.slug}/lessons/{lesson.slug}/done",
            {},
            page=f"/courses/{course.slug}/lessons/{lesson.slug}",
        )
    [certificate] = certificates_of(user)
    assert certificate.status == CertificateStatus.AWAITING_NAME
    assert certificate.issued_by_id is None and certificate.serial is None
    dashboard = visible_text(browser.client.get("/dashboard").text)
    assert "Your certificate is ready to be issued" in dashboard
    form = browser.client.get("/account/certificate-name").text
    assert 'value="Nguyễn Thị Lan"' in form
    response = browser.post_form(
        "/account/certificate-name", {"name": "Nguyễn Thị Lan", "checked": "y"}
    )
    assert response.status_code == 302
    db.session.refresh(certificate)
    assert certificate.status == CertificateStatus.ISSUED
    assert certificate.holder_name == "Nguyễn Thị Lan"
    dashboard = browser.client.get("/dashboard").text
    assert f"/certificates/{certificate.display_serial}.pdf" in dashboard


# The holder's name


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "This field is required."),
        ("A", "Write your name as it should appear on the certificate."),
        ("x" * 201, "A name can have at most 200 characters."),
        ("Ana\u202ePérez", "remove U+202E RIGHT-TO-LEFT OVERRIDE."),
        ("王小明", "The certificate cannot print 王 小 明 yet"),
    ],
)
def test_a_bad_name_is_refused_and_nothing_changes(cohort, make_user, browser, typed, message):
    user, _ = learner_in(make_user, cohort, "n@city.example", confirmed=False)
    browser.login(user.email)
    response = browser.post_form("/account/certificate-name", {"name": typed, "checked": "y"})
    assert response.status_code == 400
    assert message in visible_text(response.text)
    db.session.refresh(user)
    assert user.certificate_name_confirmed_at is None


def test_the_name_needs_the_tick_and_is_stored_composed(cohort, make_user, browser):
    user, _ = learner_in(make_user, cohort, "n@city.example", confirmed=False)
    browser.login(user.email)
    unticked = browser.post_form("/account/certificate-name", {"name": "Ana Pérez"})
    assert unticked.status_code == 400
    assert "Tick the box to confirm that the spelling is right." in visible_text(unticked.text)
    decomposed = "Ana  Pe\u0301rez "  # e + combining acute, and a double space
    browser.post_form("/account/certificate-name", {"name": decomposed, "checked": "y"})
    db.session.refresh(user)
    assert user.certificate_name == "Ana Pérez"


def test_correcting_the_name_reissues_and_keeps_the_history(
    client, cohort, make_user, admin, browser
):
    user, enrollment = learner_in(make_user, cohort, "g@city.example", name="Gorsev Argin")
    old = issue(enrollment, admin)
    browser.login(user.email)
    page = visible_text(browser.client.get("/account/certificate-name").text)
    assert "your certificate is reissued with the new spelling and a new serial" in page
    response = browser.post_form(
        "/account/certificate-name", {"name": "Görsev Argın", "checked": "y"}
    )
    assert response.status_code == 302
    old_row, new = certificates_of(user)
    assert old_row.id == old.id and old_row.status == CertificateStatus.REPLACED
    assert old_row.holder_name == "Gorsev Argin"
    assert new.status == CertificateStatus.ISSUED and new.holder_name == "Görsev Argın"
    assert old_row.replaced_by_id == new.id and new.serial != old.serial
    assert new.current_for_enrollment_id == enrollment.id
    assert old_row.current_for_enrollment_id is None
    old_page = visible_text(client.get(f"/verify/{old.display_serial}").text)
    assert "Replaced." in old_page and new.display_serial in old_page
    new_page = visible_text(client.get(f"/verify/{new.display_serial}").text)
    assert "Valid." in new_page and "Görsev Argın" in new_page
    assert f"This certificate replaces {old.display_serial}" in new_page
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "certificate.name_corrected" in actions and "certificate.reissued" in actions


# Downloads


def test_the_holder_downloads_the_pdf_and_credential_and_nobody_else_does(
    app, cohort, make_user, admin, browser
):
    holder, enrollment = learner_in(make_user, cohort, "holder@city.example", name="김서연")
    other, _ = learner_in(make_user, cohort, "other@city.example")
    certificate = issue(enrollment, admin)
    pdf_url = f"/certificates/{certificate.display_serial}.pdf"
    credential_url = f"/certificates/{certificate.display_serial}/credential.json"

    browser.login(holder.email)
    pdf = browser.client.get(pdf_url)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"].startswith("attachment")
    db.session.expire_all()
    assert stored_pdf(certificate).pdf == pdf.data  # made once, kept
    assert browser.client.get(pdf_url.lower()).data == pdf.data
    # The PDF carries the credential itself, the same file as its download.
    attached = PdfReader(io.BytesIO(pdf.data)).attachments
    name = f"certificate-{certificate.display_serial}.json"
    assert list(attached) == [name]
    assert attached[name] == [browser.client.get(credential_url).data]
    as_json = browser.client.get(credential_url)
    assert as_json.mimetype == "application/vc"
    assert as_json.headers["Cache-Control"] == "private, no-store"
    assert as_json.get_data(as_text=True) == certificate.credential_ld
    document = json.loads(as_json.data)
    assert document["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    assert document["credentialSubject"]["identifier"][0]["identityHash"] == "김서연"
    jwt_url = f"/certificates/{certificate.display_serial}/credential.jwt"
    as_jwt = browser.client.get(jwt_url)
    assert as_jwt.mimetype == "application/vc+jwt"
    assert as_jwt.headers["Content-Disposition"] == (
        f'attachment; filename="certificate-{certificate.display_serial}.jwt"'
    )
    assert as_jwt.headers["Cache-Control"] == "private, no-store"
    assert as_jwt.get_data(as_text=True) == certificate.credential_jwt  # the compact JWS alone

    browser.logout()
    browser.login(other.email)
    assert browser.client.get(pdf_url).status_code == 404
    assert browser.client.get(credential_url).status_code == 404
    assert browser.client.get(jwt_url).status_code == 404
    browser.logout()
    assert browser.client.get(pdf_url).status_code == 302  # to the login page
    assert browser.client.get(jwt_url).status_code == 302
    browser.login(admin.email)
    assert browser.client.get(pdf_url).status_code == 200
    # Revoked: the holder can no longer download it.
    operations.revoke_certificate(certificate, actor=admin, reason="Fraud", now=utcnow())
    db.session.commit()
    browser.logout()
    browser.login(holder.email)
    assert browser.client.get(pdf_url).status_code == 404


def test_the_dashboard_offers_downloads_a_share_link_and_linkedin(
    cohort, make_user, admin, browser
):
    holder, enrollment = learner_in(make_user, cohort, "holder@city.example", name="Ana Pérez")
    certificate = issue(enrollment, admin)
    browser.login(holder.email)
    page = browser.client.get("/dashboard").text
    text = visible_text(page)
    assert "Your certificate" in text and certificate.display_serial in text
    assert f'href="/certificates/{certificate.display_serial}.pdf"' in page
    assert named_links(page, ".certificate-card .hint")[-2:] == [
        (
            "the same credential as a .jwt file",
            f"/certificates/{certificate.display_serial}/credential.jwt",
        ),
        (
            "the badge image with the credential in it",
            f"/certificates/{certificate.display_serial}/badge.png",
        ),
    ]
    share = f"{PUBLIC_URL}/verify/{certificate.display_serial}"
    assert f'value="{share}"' in page
    linkedin = re.search(r'href="(https://www\.linkedin\.com/profile/add\?[^"]+)"', page)
    fields = parse_qs(urlsplit(linkedin.group(1).replace("&amp;", "&")).query)
    assert fields["startTask"] == ["CERTIFICATION_NAME"]
    assert fields["name"] == ["Certificate of completion: " + certificate.course_title]
    assert fields["organizationName"] == ["Example Network of Cities"]
    assert fields["certUrl"] == [share]
    assert fields["certId"] == [certificate.display_serial]
    assert fields["issueYear"] == [str(certificate.issued_at.year)]


def test_the_personal_data_download_lists_the_certificates(cohort, make_user, admin, browser):
    holder, enrollment = learner_in(make_user, cohort, "d@city.example", name="Ana Pérez")
    certificate = issue(enrollment, admin)
    browser.login(holder.email)
    data = json.loads(browser.client.get("/account/data.json").data)
    assert data["certificate_name"] == "Ana Pérez"
    assert data["certificates"] == [
        {
            "serial": certificate.display_serial,
            "status": "issued",
            "name_printed": "Ana Pérez",
            "course": certificate.course_title,
            "cohort": "Spring 2027",
            "issued_at": certificate.issued_at.isoformat(),
            "revoked_at": None,
            "revocation_reason": None,
        }
    ]


def test_a_completed_learner_without_a_certificate_is_told_what_happens(cohort, make_user, browser):
    holder, _ = learner_in(make_user, cohort, "h@city.example", confirmed=False)
    browser.login(holder.email)
    text = visible_text(browser.client.get("/dashboard").text)
    assert "The course team issues certificates after checking completions" in text
    assert "confirm how your name should be printed" in text


def test_a_name_the_fonts_cannot_print_gets_a_sentence_not_a_broken_pdf(
    cohort, make_user, admin, browser
):
    holder, enrollment = learner_in(make_user, cohort, "wang@city.example", name="Wang Xiaoming")
    certificate = issue(enrollment, admin)
    made_at_issue = stored_pdf(certificate).fingerprint
    # Stored before the check existed, say: the download explains instead of failing.
    certificate.holder_name = "王小明"
    db.session.commit()
    browser.login(holder.email)
    response = browser.client.get(f"/certificates/{certificate.display_serial}.pdf")
    assert response.status_code == 409
    assert "The certificate's fonts cannot print 王 小 明" in visible_text(response.text)
    db.session.expire_all()
    assert stored_pdf(certificate).fingerprint == made_at_issue


# Public verification


def test_the_verification_page_shows_a_valid_certificate(client, cohort, make_user, admin):
    _user, enrollment = learner_in(make_user, cohort, "v@city.example", name="Ayşe Yılmaz")
    certificate = issue(enrollment, admin)
    page = client.get(f"/verify/{certificate.display_serial}")
    text = visible_text(page.text)
    assert page.status_code == 200
    for expected in [
        "Valid.",
        "Ayşe Yılmaz",
        certificate.course_title,
        "Spring 2027",
        "Hours of study 2",
        "Example Network of Cities",
        "Ada Example, Head of Training, Example Network of Cities",
        certificate.display_serial,
    ]:
        assert expected in text
    as_json = client.get(f"/verify/{certificate.display_serial}.json")
    record = as_json.get_json()
    assert record["status"] == "valid"
    assert record["holder_name"] == "Ayşe Yılmaz"
    assert record["hours"] == 2
    assert record["issued_on"] == certificate.issued_at.date().isoformat()
    assert record["completed_on"] == certificate.completed_on.isoformat()
    assert record["issuers"] == ["Example Network of Cities"]
    assert record["verification_url"] == f"{PUBLIC_URL}/verify/{certificate.display_serial}"
    # Typed by hand: lower case, no dashes.
    assert client.get(f"/verify/{certificate.serial.lower()}").status_code == 200
    lookup = client.get(f"/verify?serial={certificate.serial.lower()}")
    assert lookup.status_code == 302
    assert lookup.headers["Location"] == f"/verify/{certificate.serial.lower()}"
    assert "Check a certificate" in visible_text(client.get("/verify").text)


def test_revoked_status_is_shown_at_once(client, cohort, make_user, admin):
    _user, enrollment = learner_in(make_user, cohort, "r@city.example")
    certificate = issue(enrollment, admin)
    assert "Valid." in visible_text(client.get(f"/verify/{certificate.display_serial}").text)
    operations.revoke_certificate(
        certificate, actor=admin, reason="Issued to the wrong person.", now=utcnow()
    )
    db.session.commit()
    text = visible_text(client.get(f"/verify/{certificate.display_serial}").text)
    assert "Valid." not in text
    assert "Revoked on" in text and "Issued to the wrong person." in text
    record = client.get(f"/verify/{certificate.display_serial}.json").get_json()
    assert record["status"] == "revoked"
    assert record["revocation_reason"] == "Issued to the wrong person."
    assert record["revoked_on"] == utcnow().date().isoformat()
    with pytest.raises(operations.CertificateError, match="only a valid one can be revoked"):
        operations.revoke_certificate(certificate, actor=admin, reason="Again", now=utcnow())


def test_an_expired_certificate_says_so(client, course, cohort, make_user, admin):
    course.certificate = {**course.certificate, "valid_years": 1}
    db.session.commit()
    _user, enrollment = learner_in(make_user, cohort, "e@city.example")
    certificate = operations.issue_certificate(
        enrollment, actor=admin, now=utcnow() - timedelta(days=800)
    )
    db.session.commit()
    record = client.get(f"/verify/{certificate.display_serial}.json").get_json()
    assert record["status"] == "expired"
    assert "Expired on" in visible_text(client.get(f"/verify/{certificate.display_serial}").text)


def test_guessing_serials_gets_nothing(client, cohort, make_user, admin):
    _user, enrollment = learner_in(make_user, cohort, "g@city.example", name="Secret Holder")
    issue(enrollment, admin)
    random_serial = display_serial(new_serial())
    malformed = "NOT-A-SERIAL-AT-ALL"
    answers = {}
    for typed in (random_serial, malformed):
        page = client.get(f"/verify/{typed}")
        as_json = client.get(f"/verify/{typed}.json")
        # Compared without the CSRF tokens, signed with the second they were made.
        shown = without_tokens(page).replace(typed, "<serial>")
        answers[typed] = (page.status_code, shown, as_json)
        assert "Secret Holder" not in page.text
    assert answers[random_serial][0] == answers[malformed][0] == 404
    # The same page, word for word, whatever the shape of the guess.
    assert answers[random_serial][1] == answers[malformed][1]
    assert "No certificate has the serial" in visible_text(answers[malformed][1])
    assert answers[random_serial][2].get_json()["status"] == "not_found"
    assert answers[malformed][2].get_json()["status"] == "not_found"
    # A certificate waiting for the learner's name has no serial: nothing to find.
    _waiting, waiting_enrollment = learner_in(make_user, cohort, "w@city.example", confirmed=False)
    issue(waiting_enrollment, admin)
    assert client.get("/verify/None").status_code == 404


def test_the_verification_page_is_rate_limited(app, client):
    app.config["VERIFICATIONS_PER_ADDRESS"] = "3 per minute"
    statuses = [client.get(f"/verify/{display_serial(new_serial())}").status_code for _ in range(5)]
    assert statuses == [404, 404, 404, 429, 429]
    assert client.get(f"/verify?serial={new_serial()}").status_code == 429  # the same allowance
    # The API has an allowance of its own: a person's checks do not stop an HR system's.
    assert client.get(f"/verify/{display_serial(new_serial())}.json").status_code == 404


def test_the_verification_api_answers_every_site_with_a_versioned_record(
    client, cohort, make_user, admin
):
    _user, enrollment = learner_in(make_user, cohort, "api@city.example")
    certificate = issue(enrollment, admin)
    found = client.get(f"/verify/{certificate.display_serial}.json")
    missing = client.get(f"/verify/{display_serial(new_serial())}.json")
    assert (found.status_code, missing.status_code) == (200, 404)
    for answer in (found, missing):
        assert answer.mimetype == "application/json"
        assert answer.headers["Access-Control-Allow-Origin"] == "*"
        assert answer.get_json()["api_version"] == 1
    assert found.get_json()["status"] == "valid"
    assert missing.get_json()["status"] == "not_found"


def test_the_verification_api_lets_an_hr_system_check_hundreds_an_hour(app, client):
    start = utcnow()
    serials = iter([display_serial(new_serial()) for _ in range(400)])
    # 300 checks in an hour, 50 a minute: none is refused.
    with time_machine.travel(start, tick=False) as clock:
        for _batch in range(6):
            statuses = {client.get(f"/verify/{next(serials)}.json").status_code for _ in range(50)}
            assert statuses == {404}
            clock.shift(timedelta(minutes=10))
        # A burst beyond 60 in a minute is refused, in JSON that a page of another site reads.
        burst = [client.get(f"/verify/{next(serials)}.json") for _ in range(61)]
    assert [answer.status_code for answer in burst[:60]] == [404] * 60
    limited = burst[60]
    assert limited.status_code == 429
    assert limited.headers["Access-Control-Allow-Origin"] == "*"
    assert "Retry-After" in limited.headers
    assert "Retry-After" in limited.headers["Access-Control-Expose-Headers"]
    assert limited.get_json()["error"]["status"] == 429
    assert "Too many certificate checks" in limited.get_json()["error"]["message"]


# Mail to the holder


def certificate_mails(outbox) -> list:
    """The messages sent so far about certificates, oldest first."""
    return [message for message in outbox() if "certif" in message["Subject"].lower()]


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_the_holder_is_told_in_their_language_when_it_is_issued(outbox, cohort, make_user, admin):
    user, enrollment = learner_in(make_user, cohort, "ana@bogota.example", name="Ana Pérez")
    user.preferred_language = "es"
    db.session.commit()
    certificate = issue(enrollment, admin)
    (mail,) = certificate_mails(outbox)
    assert mail["To"] == "ana@bogota.example"
    assert mail["Subject"] == f"Su certificado de {certificate.course_title}"
    body = body_of(mail)
    assert "Hola, Ana Pérez:" in body
    assert certificate.display_serial in body
    assert f"{PUBLIC_URL}/dashboard" in body
    assert f"{PUBLIC_URL}/verify/{certificate.display_serial}" in body


def test_a_learner_who_has_not_confirmed_the_name_is_asked_to_then_told(
    outbox, cohort, make_user, admin
):
    user, enrollment = learner_in(make_user, cohort, "kim@seoul.example", confirmed=False)
    certificate = issue(enrollment, admin)
    (waiting,) = certificate_mails(outbox)
    assert waiting["Subject"] == (
        f"Confirm your name for your certificate for {certificate.course_title}"
    )
    assert f"{PUBLIC_URL}/account/certificate-name" in body_of(waiting)
    assert certificate.serial is None  # nothing to check yet
    assert "/verify/" not in body_of(waiting)

    operations.confirm_certificate_name(user, "Kim Ji-woo", now=utcnow())
    db.session.commit()
    _waiting, issued = certificate_mails(outbox)
    assert issued["Subject"] == f"Your certificate for {certificate.course_title}"
    assert "in the name of Kim Ji-woo" in body_of(issued)
    assert f"{PUBLIC_URL}/verify/{certificate.display_serial}" in body_of(issued)


def test_the_holder_is_told_of_a_revocation_with_its_reason(outbox, cohort, make_user, admin):
    _user, enrollment = learner_in(make_user, cohort, "r2@city.example")
    certificate = issue(enrollment, admin)
    with pytest.raises(operations.CertificateError):  # no reason: nothing done, nothing sent
        operations.revoke_certificate(certificate, actor=admin, reason=" ", now=utcnow())
    db.session.rollback()
    assert len(certificate_mails(outbox)) == 1
    operations.revoke_certificate(
        certificate, actor=admin, reason="Issued to the wrong person.", now=utcnow()
    )
    db.session.commit()
    revoked = certificate_mails(outbox)[-1]
    assert revoked["Subject"] == f"Your certificate for {certificate.course_title} was revoked"
    body = body_of(revoked)
    assert "serial " + certificate.display_serial in body
    assert "Issued to the wrong person." in body
    assert f"{PUBLIC_URL}/verify/{certificate.display_serial}" in body


def test_the_holder_is_told_of_a_reissue_and_of_their_own_correction(
    outbox, cohort, make_user, admin
):
    user, enrollment = learner_in(make_user, cohort, "c@city.example", name="Lea Martin")
    user.preferred_language = "fr"
    db.session.commit()
    first = issue(enrollment, admin)
    second = operations.reissue_certificate(
        first, actor=admin, reason="The hours were wrong.", now=utcnow()
    )
    db.session.commit()
    reissued = certificate_mails(outbox)[-1]
    assert reissued["Subject"] == f"Votre certificat de {first.course_title} a été réémis"
    body = body_of(reissued)
    assert first.display_serial in body and second.display_serial in body
    assert "The hours were wrong." in body

    operations.confirm_certificate_name(user, "Léa Martin", now=utcnow())
    db.session.commit()
    corrected = certificate_mails(outbox)[-1]
    third = db.session.scalar(
        select(Certificate).where(Certificate.current_for_enrollment_id == enrollment.id)
    )
    assert corrected["Subject"] == (
        f"Votre certificat de {first.course_title} porte désormais le nom corrigé"
    )
    body = body_of(corrected)
    assert "Léa Martin" in body
    assert third.display_serial in body and second.display_serial in body
    assert f"{PUBLIC_URL}/verify/{third.display_serial}" in body
    assert len(certificate_mails(outbox)) == 3
