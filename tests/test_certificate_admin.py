"""The admins' certificates console: the list, one certificate, revoke, reissue, the ZIP."""

import csv
import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.catalog.models import Course
from app.certificates.models import Certificate, CertificatePdf, CertificateStatus
from app.certificates.operations import issue_certificate, revoke_certificate
from app.certificates.pdf import written_date
from app.core.audit import AuditEvent
from app.core.permissions import Role
from app.core.templating import long_date
from app.core.types import utcnow
from app.extensions import db
from app.learning.operations import enrol
from tests.conftest import Browser
from tests.html import attribute, find, form_fields, links, named_links, one, texts
from tests.test_pages import visible_text

PUBLIC_URL = "https://courses.example.org"


@pytest.fixture
def app_config():
    return {"PUBLIC_URL": PUBLIC_URL}


@pytest.fixture
def cohort(spring):
    """The example's own cohort, whose dates the certificates print."""
    return spring


def certify(make_user, cohort, email, *, name, actor=None, confirmed=True, minutes=0):
    """An enrolled learner who completed, with the certificate issued `minutes` from now."""
    user = make_user(email=email, name=name)
    enrollment = enrol(user, cohort)
    enrollment.completed_at = utcnow() - timedelta(days=2)
    if confirmed:
        user.certificate_name = name
        user.certificate_name_confirmed_at = utcnow()
    certificate = issue_certificate(
        enrollment, actor=actor, now=utcnow() + timedelta(minutes=minutes)
    )
    db.session.commit()
    return certificate


def text_of(response) -> str:
    return visible_text(response.get_data(as_text=True))


def audit_events(action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def detail_url(certificate) -> str:
    return f"/admin/certificates/{certificate.id}"


# The list


def test_the_list_shows_every_certificate_newest_first(
    app, admin_browser, make_user, cohort, admin
):
    first = certify(make_user, cohort, "kim@seoul.example", name="Kim Ji-woo", actor=admin)
    second = certify(make_user, cohort, "ana@bogota.example", name="Ana María Pérez", minutes=1)
    waiting = certify(
        make_user, cohort, "sami@amman.example", name="Sami", confirmed=False, minutes=2
    )
    response = admin_browser.client.get("/admin/certificates")
    assert response.status_code == 200
    page = text_of(response)
    assert "3 certificates, newest first" in page
    # Newest first: the one waiting for a name, then Ana, then Kim.
    assert page.index("sami@amman.example") < page.index("ana@bogota.example")
    assert page.index("ana@bogota.example") < page.index("kim@seoul.example")
    assert first.display_serial in page and second.display_serial in page
    assert "Ana María Pérez" in page and "Example course" in page and "Spring 2027" in page
    assert "Valid" in page
    assert "No serial yet" in page and "Waiting for the learner's name" in page
    targets = links(response)
    for certificate in (first, second, waiting):
        assert f"/admin/certificates/{certificate.id}" in targets
    assert long_date(first.issued_at, "America/Bogota") in page
    assert "/admin/certificates.zip" in targets
    assert "Download these as a ZIP" in page


def test_search_by_name_e_mail_or_serial_typed_any_way(app, admin_browser, make_user, cohort):
    kim = certify(make_user, cohort, "kim@seoul.example", name="Kim Ji-woo")
    ana = certify(make_user, cohort, "ana@bogota.example", name="Ana María Pérez")

    def found(search: str) -> set[str]:
        page = text_of(admin_browser.client.get("/admin/certificates", query_string={"q": search}))
        return {email for email in ("kim@seoul.example", "ana@bogota.example") if email in page}

    assert found("kim ji") == {"kim@seoul.example"}
    assert found("ANA MAR") == {"ana@bogota.example"}
    assert found("bogota.example") == {"ana@bogota.example"}
    assert found(ana.serial.lower()) == {"ana@bogota.example"}
    assert found(kim.display_serial.lower()) == {"kim@seoul.example"}
    assert found(" ".join(kim.display_serial.split("-"))) == {"kim@seoul.example"}
    assert found("") == {"kim@seoul.example", "ana@bogota.example"}
    nothing = text_of(admin_browser.client.get("/admin/certificates?q=nobody"))
    assert "No certificate matches this search." in nothing
    assert "Download these as a ZIP" not in nothing
    # The search box keeps what was typed.
    searched = admin_browser.client.get("/admin/certificates?q=kim+ji")
    assert attribute(searched, 'input[name="q"]', "value") == ["kim ji"]


def test_the_list_is_empty_before_any_certificate(app, admin_browser):
    page = text_of(admin_browser.client.get("/admin/certificates"))
    assert "No certificate has been issued yet." in page
    assert "Download these as a ZIP" not in page


def test_filters_by_status_course_and_cohort(
    app, admin_browser, make_user, make_cohort, cohort, admin, imported_example
):
    kept = certify(make_user, cohort, "kim@seoul.example", name="Kim Ji-woo")
    revoked = certify(make_user, cohort, "ana@bogota.example", name="Ana María Pérez")
    revoke_certificate(revoked, actor=admin, reason="Issued in error", now=utcnow())
    autumn = make_cohort(imported_example, "autumn", title="Autumn 2027")
    in_autumn = certify(make_user, autumn, "awa@dakar.example", name="Awa Diop")
    other = Course(slug="other", title="Other course", summary="Another course.")
    db.session.add(other)
    db.session.commit()
    elsewhere = certify(
        make_user,
        make_cohort(other, "first", title="First cohort"),
        "ali@lahore.example",
        name="Ali Raza",
    )
    db.session.commit()

    def shown(**args) -> set[int]:
        response = admin_browser.client.get("/admin/certificates", query_string=args)
        return {
            int(target.rsplit("/", 1)[1])
            for target in links(response)
            if re.fullmatch(r"/admin/certificates/\d+", target)
        }

    assert shown() == {kept.id, revoked.id, in_autumn.id, elsewhere.id}
    assert shown(status="revoked") == {revoked.id}
    assert shown(status="issued") == {kept.id, in_autumn.id, elsewhere.id}
    assert shown(course=other.id) == {elsewhere.id}
    assert shown(course=imported_example.id) == {kept.id, revoked.id, in_autumn.id}
    assert shown(cohort=autumn.id) == {in_autumn.id}
    assert shown(cohort=cohort.id, status="issued") == {kept.id}
    # Nonsense is ignored rather than refused.
    assert shown(status="lost", course="x", cohort="-1") == shown()

    response = admin_browser.client.get(
        "/admin/certificates", query_string={"cohort": autumn.id, "status": "issued"}
    )
    page = text_of(response)
    assert "1 certificate matches the search, newest first" in page
    # The filters are kept in the form, in the ZIP link, and point to the cohort's own page.
    chosen = 'select[name="{}"] option[selected]'.format
    assert texts(response, chosen("cohort")) == ["Autumn 2027"]
    assert attribute(response, chosen("cohort"), "value") == [str(autumn.id)]
    assert texts(response, chosen("status")) == ["Valid"]
    assert attribute(response, chosen("status"), "value") == ["issued"]
    assert f"/admin/certificates.zip?status=issued&cohort={autumn.id}" in links(response)
    cohort_page = f"/courses/{imported_example.slug}/cohorts/autumn/certificates"
    assert ("its certificates page", cohort_page) in named_links(response)


def test_pagination_keeps_the_filters(app, admin_browser, make_user, cohort):
    app.config["CERTIFICATES_PER_PAGE"] = 2
    made = [
        certify(make_user, cohort, f"p{n}@city.example", name=f"Person {n}", minutes=n)
        for n in range(3)
    ]
    first = admin_browser.client.get("/admin/certificates?status=issued")
    page = text_of(first)
    assert "Page 1 of 2 (3 in all)" in page
    assert "p2@city.example" in page and "p1@city.example" in page
    assert "p0@city.example" not in page
    assert 'href="/admin/certificates?page=2&amp;status=issued"' in first.get_data(as_text=True)
    second = text_of(admin_browser.client.get("/admin/certificates?page=2&status=issued"))
    assert "Page 2 of 2" in second and made[0].display_serial in second
    assert "p2@city.example" not in second
    # A page past the end, or not a number, is a page, not an error.
    assert admin_browser.client.get("/admin/certificates?page=9").status_code == 200
    assert admin_browser.client.get("/admin/certificates?page=x").status_code == 200


def test_the_list_takes_the_same_queries_for_3_or_30_rows(
    app, admin_browser, make_user, make_cohort, cohort, imported_example, count_queries
):
    autumn = make_cohort(imported_example, "autumn")

    def queries_for_list() -> int:
        with count_queries() as counter:
            response = admin_browser.client.get("/admin/certificates")
        assert response.status_code == 200
        return counter.count

    for n in range(3):
        certify(make_user, cohort if n % 2 else autumn, f"a{n}@city.example", name=f"A {n}")
    few = queries_for_list()
    for n in range(3, 30):
        certify(make_user, cohort if n % 2 else autumn, f"a{n}@city.example", name=f"A {n}")
    many = queries_for_list()
    assert "30 certificates" in text_of(admin_browser.client.get("/admin/certificates"))
    assert few == many
    # The admin and their memberships, the page and its count, the courses and cohorts to filter.
    assert many <= 7


# One certificate


def test_the_detail_page_says_everything_about_a_certificate(
    app, admin_browser, make_user, cohort, admin, count_queries
):
    certificate = certify(make_user, cohort, "kim@seoul.example", name="Kim Ji-woo", actor=admin)
    with count_queries() as counter:
        response = admin_browser.client.get(detail_url(certificate))
    assert response.status_code == 200
    # The admin; the certificate with its people, course and cohort; what it replaced; its
    # audit events with their actors; and each batch of people's course memberships.
    assert counter.count <= 9
    page = text_of(response)
    serial = certificate.display_serial
    assert "Certificate of Kim Ji-woo" in page and f"Serial {serial}" in page
    assert "Valid." in page
    assert f"{PUBLIC_URL}/verify/{serial}" in page
    assert "Name printed Kim Ji-woo" in page
    # The holder's name links to their account, each of name and address isolated (bdi).
    [name] = find(response, f'a[href="/admin/users/{certificate.user_id}"] > bdi[dir="auto"]')
    address = name.parent.find_next_sibling("bdi")
    assert (name.get_text(), name.parent.get_text()) == ("Kim Ji-woo", "Kim Ji-woo")
    assert (name.parent.next_sibling, address.get_text()) == (", ", "kim@seoul.example")
    assert address["dir"] == "auto"
    assert "Course Example course" in page and "Cohort Spring 2027" in page
    assert "Hours of study 2" in page
    # The certificate's dates as its PDF prints them: on the cohort's clock, which they name
    # (the admin reads in Bogotá, the cohort runs in Madrid).
    madrid = "Europe/Madrid"
    assert f"Completed on {written_date(certificate.completed_on)} (Madrid time)" in page
    assert f"Issued on {written_date(certificate.issued_at, madrid)} (Madrid time)" in page
    assert "Issued by Ada Admin" in page
    assert f"/certificates/{serial}.pdf" in links(response)
    assert f"/certificates/{serial}/credential.json" in links(response)
    # Both forms, each field with an id of its own and its label; the name to print filled in.
    actions = attribute(response, "form", "action")
    assert f"/admin/certificates/{certificate.id}/revoke" in actions
    assert f"/admin/certificates/{certificate.id}/reissue" in actions
    for field in ("revoke-reason", "reissue-reason"):
        assert one(response, f"#{field}") and one(response, f'label[for="{field}"]')
    assert one(response, "input#reissue-holder_name")["value"] == "Kim Ji-woo"
    # Its audit trail.
    assert "certificate.issued" in page
    assert f"serial: {certificate.serial}" in page
    assert "exception_reason: None" not in page  # what was not set is not listed


def test_a_certificate_issued_automatically_says_so(app, admin_browser, make_user, cohort):
    certificate = certify(make_user, cohort, "kim@seoul.example", name="Kim Ji-woo")
    page = text_of(admin_browser.client.get(detail_url(certificate)))
    assert "Issued by Automatically, when the learner completed the course" in page


def test_a_certificate_waiting_for_the_name_is_explained(app, admin_browser, make_user, cohort):
    waiting = certify(make_user, cohort, "sami@amman.example", name="Sami", confirmed=False)
    assert waiting.serial is None
    response = admin_browser.client.get(detail_url(waiting))
    assert response.status_code == 200
    page = text_of(response)
    assert "Certificate of Sami" in page
    assert "Waiting for the learner to confirm their name." in page
    assert "as soon as Sami confirms how their name is to be printed" in page
    html = response.get_data(as_text=True)
    assert "/revoke" not in html and "/reissue" not in html and ".pdf" not in html
    assert "certificate.approved" in page


def test_an_unknown_certificate_is_404(app, admin_browser):
    assert admin_browser.client.get("/admin/certificates/999999").status_code == 404
    for action in ("revoke", "reissue"):
        response = admin_browser.post_form(
            f"/admin/certificates/999999/{action}",
            {"reason": "x", "holder_name": "Someone"},
            page="/admin/certificates",
        )
        assert response.status_code == 404


# Revoking


def test_revoking_shows_on_the_public_page_and_in_the_audit_log(
    app, admin_browser, make_user, cohort, admin
):
    certificate = certify(make_user, cohort, "kim@seoul.example", name="Kim Ji-woo")
    serial = certificate.display_serial
    response = admin_browser.post_form(
        f"{detail_url(certificate)}/revoke",
        {"reason": "Completion was recorded by mistake."},
        page=detail_url(certificate),
    )
    assert response.status_code == 303
    assert response.headers["Location"] == detail_url(certificate)
    page = text_of(admin_browser.client.get(detail_url(certificate)))
    assert f"Certificate {serial} revoked. Its public page says so now." in page
    assert "Reason for revoking Completion was recorded by mistake." in page
    assert "Revoked by Ada Admin" in page
    assert "Revoke this certificate" not in page  # nothing left to revoke
    assert "Reissue with a new serial" in page  # a revoked one can still be reissued

    db.session.refresh(certificate)
    assert certificate.status == CertificateStatus.REVOKED
    assert certificate.revoked_by_id == admin.id
    assert certificate.revocation_reason == "Completion was recorded by mistake."

    public = text_of(Browser(app.test_client()).client.get(f"/verify/{serial}"))
    # The public page names the zone of its dates (the cohort's) to every visitor.
    day = written_date(certificate.revoked_at, "Europe/Madrid")
    assert f"Revoked on {day} (Madrid time)." in public
    assert "Reason: Completion was recorded by mistake." in public
    [event] = audit_events("certificate.revoked")
    assert event.actor_id == admin.id
    assert (event.object_type, event.object_id) == ("certificates", str(certificate.id))
    assert event.details["reason"] == "Completion was recorded by mistake."
    assert "certificate.revoked" in page  # on the certificate's own trail too


def test_revoking_twice_is_a_conflict_that_changes_nothing(
    app, admin_browser, make_user, cohort, admin
):
    certificate = certify(make_user, cohort, "kim@seoul.example", name="Kim Ji-woo")
    url = f"{detail_url(certificate)}/revoke"
    first = admin_browser.post_form(url, {"reason": "First"}, page=detail_url(certificate))
    assert first.status_code == 303
    db.session.refresh(certificate)
    revoked_at = certificate.revoked_at
    # A second admin's page, loaded before the first revocation, sends its own.
    again = admin_browser.post_form(url, {"reason": "Second"}, page="/admin/certificates")
    assert again.status_code == 409
    assert "This certificate is revoked: only a valid one can be revoked." in text_of(again)
    db.session.refresh(certificate)
    assert (certificate.revoked_at, certificate.revocation_reason) == (revoked_at, "First")
    assert len(audit_events("certificate.revoked")) == 1


def test_revoking_needs_a_reason(app, admin_browser, make_user, cohort):
    certificate = certify(make_user, cohort, "kim@seoul.example", name="Kim Ji-woo")
    for reason in ("", "   "):
        response = admin_browser.post_form(
            f"{detail_url(certificate)}/revoke", {"reason": reason}, page=detail_url(certificate)
        )
        assert response.status_code == 400
        page = text_of(response)
        assert "Please correct this" in page
        assert "Reason for revoking: This field is required." in page
        assert 'aria-invalid="true"' in response.get_data(as_text=True)
    db.session.refresh(certificate)
    assert certificate.status == CertificateStatus.ISSUED
    assert certificate.revoked_at is None
    assert audit_events("certificate.revoked") == []


# Reissuing


def test_reissuing_with_a_corrected_name(app, admin_browser, make_user, cohort, admin):
    old = certify(make_user, cohort, "gorsev@istanbul.example", name="Gorsev Argin")
    old_serial = old.display_serial
    response = admin_browser.post_form(
        f"{detail_url(old)}/reissue",
        {"reason": "Name misspelt", "holder_name": "  Görsev   Argın "},
        page=detail_url(old),
    )
    assert response.status_code == 303
    new = db.session.scalar(select(Certificate).where(Certificate.id != old.id))
    assert response.headers["Location"] == detail_url(new)
    assert new.holder_name == "Görsev Argın"
    assert new.serial != old.serial and new.status == CertificateStatus.ISSUED
    db.session.refresh(old)
    assert old.status == CertificateStatus.REPLACED and old.replaced_by_id == new.id

    page = text_of(admin_browser.client.get(detail_url(new)))
    assert f"Reissued as {new.display_serial}; the old serial now says it was replaced." in page
    assert f"It replaced {old_serial} : Name misspelt" in page
    assert "Issued by Ada Admin" in page
    old_page = admin_browser.client.get(detail_url(old)).get_data(as_text=True)
    assert f"/admin/certificates/{new.id}" in links(old_page)
    assert "Reissue with a new serial" not in old_page  # replaced: reissue the new one
    assert f"Replaced by {new.display_serial} , issued on" in visible_text(old_page)

    visitor = Browser(app.test_client()).client
    valid = text_of(visitor.get(f"/verify/{new.display_serial}"))
    assert "Valid." in valid and "Görsev Argın" in valid
    replaced = visitor.get(f"/verify/{old_serial}").get_data(as_text=True)
    assert "Replaced." in visible_text(replaced)
    assert f"{PUBLIC_URL}/verify/{new.display_serial}" in links(replaced)
    [event] = audit_events("certificate.reissued")
    assert event.actor_id == admin.id
    assert event.details["replaces"] == old.serial and event.details["reason"] == "Name misspelt"


def test_reissuing_refuses_what_it_cannot_do(app, admin_browser, make_user, cohort):
    old = certify(make_user, cohort, "kim@seoul.example", name="Kim Ji-woo")
    url = f"{detail_url(old)}/reissue"

    def reissue(data):
        return admin_browser.post_form(url, data, page=detail_url(old))

    missing = reissue({"reason": "", "holder_name": ""})
    assert missing.status_code == 400
    assert "Reason for reissuing: This field is required." in text_of(missing)
    assert "Name to print: This field is required." in text_of(missing)
    too_short = reissue({"reason": "Typo", "holder_name": "K"})
    assert too_short.status_code == 400
    assert "Write your name as it should appear on the certificate." in text_of(too_short)
    # What was typed comes back in the form, and not in the revoke form's field.
    assert form_fields(too_short, "form:has(textarea#reissue-reason)")["reason"] == "Typo"
    assert form_fields(too_short, "form:has(textarea#revoke-reason)")["reason"] == ""
    assert db.session.scalar(select(func.count(Certificate.id))) == 1

    assert reissue({"reason": "Typo", "holder_name": "Kim Ji-u"}).status_code == 303
    twice = reissue({"reason": "Typo again", "holder_name": "Kim Jiu"})
    assert twice.status_code == 409
    assert "This certificate was already replaced" in text_of(twice)
    assert db.session.scalar(select(func.count(Certificate.id))) == 2
    assert len(audit_events("certificate.reissued")) == 1


def test_a_certificate_waiting_for_a_name_cannot_be_revoked_or_reissued(
    app, admin_browser, make_user, cohort
):
    waiting = certify(make_user, cohort, "sami@amman.example", name="Sami", confirmed=False)
    revoked = admin_browser.post_form(
        f"{detail_url(waiting)}/revoke", {"reason": "No"}, page="/admin/certificates"
    )
    reissued = admin_browser.post_form(
        f"{detail_url(waiting)}/reissue",
        {"reason": "No", "holder_name": "Sami S"},
        page="/admin/certificates",
    )
    assert (revoked.status_code, reissued.status_code) == (409, 409)
    db.session.refresh(waiting)
    assert waiting.status == CertificateStatus.AWAITING_NAME
    assert db.session.scalar(select(func.count(Certificate.id))) == 1


# The ZIP


def read_zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=certificates-")
    assert response.content_length == len(response.data)
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_the_zip_holds_each_pdf_and_credential_and_an_index(
    app, admin_browser, make_user, cohort, admin
):
    valid = certify(make_user, cohort, "kim@seoul.example", name="Kim Ji-woo", actor=admin)
    revoked = certify(make_user, cohort, "ana@bogota.example", name="=HYPERLINK(1)", minutes=1)
    revoke_certificate(revoked, actor=admin, reason="-Issued in error", now=utcnow())
    certify(make_user, cohort, "sami@amman.example", name="Sami", confirmed=False, minutes=2)
    db.session.commit()

    bundle = read_zip(admin_browser.client.get("/admin/certificates.zip"))
    names = sorted(bundle.namelist())
    serials = sorted([valid.display_serial, revoked.display_serial])
    assert names == sorted(
        ["certificates.csv"] + [f"{s}.pdf" for s in serials] + [f"{s}.json" for s in serials]
    )
    for serial in serials:
        info = bundle.getinfo(f"{serial}.pdf")
        assert info.compress_type == zipfile.ZIP_STORED
        assert bundle.read(f"{serial}.pdf").startswith(b"%PDF")
        assert bundle.getinfo(f"{serial}.json").compress_type == zipfile.ZIP_DEFLATED
        document = json.loads(bundle.read(f"{serial}.json").decode())
        assert document["id"] == f"{PUBLIC_URL}/verify/{serial}"
    assert "Kim Ji-woo" in bundle.read(f"{valid.display_serial}.json").decode()

    index = bundle.read("certificates.csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(index)))
    assert rows[0] == [
        "serial", "status", "holder_name", "email", "course", "cohort",
        "completed_on", "issued_on", "revoked_on", "reason", "pdf",
    ]  # fmt: skip
    by_serial = {row[0]: row for row in rows[1:]}
    assert set(by_serial) == set(serials)
    db.session.refresh(revoked)
    assert by_serial[valid.display_serial] == [
        valid.display_serial, "valid", "Kim Ji-woo", "kim@seoul.example", "Example course",
        "Spring 2027", valid.completed_on.isoformat(), valid.issued_at.date().isoformat(), "", "",
        f"{valid.display_serial}.pdf",
    ]  # fmt: skip
    # Cells a spreadsheet would run as formulas are quoted.
    assert by_serial[revoked.display_serial][1:4] == [
        "revoked",
        "'=HYPERLINK(1)",
        "ana@bogota.example",
    ]
    assert by_serial[revoked.display_serial][8:] == [
        revoked.revoked_at.date().isoformat(),
        "'-Issued in error",
        f"{revoked.display_serial}.pdf",
    ]

    # The PDFs in the ZIP are stored, and the download is in the audit log.
    stored = db.session.scalars(select(CertificatePdf.pdf)).all()
    assert len(stored) == 2 and all(pdf.startswith(b"%PDF") for pdf in stored)
    [event] = audit_events("certificates.downloaded")
    assert event.actor_id == admin.id
    assert event.details == {"count": 2, "filters": {}}


def test_the_zip_follows_the_filters(app, admin_browser, make_user, cohort, admin):
    certify(make_user, cohort, "kim@seoul.example", name="Kim Ji-woo")
    revoked = certify(make_user, cohort, "ana@bogota.example", name="Ana María Pérez")
    revoke_certificate(revoked, actor=admin, reason="Issued in error", now=utcnow())
    db.session.commit()
    bundle = read_zip(
        admin_browser.client.get(f"/admin/certificates.zip?status=revoked&cohort={cohort.id}")
    )
    assert sorted(bundle.namelist()) == sorted(
        [f"{revoked.display_serial}.pdf", f"{revoked.display_serial}.json", "certificates.csv"]
    )
    [event] = audit_events("certificates.downloaded")
    assert event.details == {"count": 1, "filters": {"status": "revoked", "cohort": str(cohort.id)}}


def test_a_name_no_font_draws_leaves_out_that_pdf_not_the_zip(
    app, admin_browser, make_user, cohort
):
    printable = certify(make_user, cohort, "kim@seoul.example", name="김지우")
    unprintable = certify(make_user, cohort, "wang@city.example", name="王小明")
    bundle = read_zip(admin_browser.client.get("/admin/certificates.zip"))
    assert sorted(bundle.namelist()) == sorted(
        [
            f"{printable.display_serial}.pdf",
            f"{printable.display_serial}.json",
            f"{unprintable.display_serial}.json",
            "certificates.csv",
        ]
    )
    rows = list(csv.reader(io.StringIO(bundle.read("certificates.csv").decode("utf-8-sig"))))
    pdf_cells = {row[0]: row[-1] for row in rows[1:]}
    assert pdf_cells[printable.display_serial] == f"{printable.display_serial}.pdf"
    assert pdf_cells[unprintable.display_serial].startswith("none: the certificate fonts cannot")
    [event] = audit_events("certificates.downloaded")
    assert event.details["count"] == 2
    assert event.details["without_pdf"] == [unprintable.serial]


def test_a_zip_with_nothing_in_it_sends_back_to_the_list(app, admin_browser, make_user, cohort):
    certify(make_user, cohort, "sami@amman.example", name="Sami", confirmed=False)
    response = admin_browser.client.get("/admin/certificates.zip?q=sami")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/certificates?q=sami"
    page = text_of(admin_browser.client.get(response.headers["Location"]))
    assert "No certificate with a serial matches these filters" in page
    assert audit_events("certificates.downloaded") == []


def test_a_zip_too_big_asks_to_narrow_the_filters(app, admin_browser, make_user, cohort):
    app.config["CERTIFICATE_ZIP_LIMIT"] = 2
    for n in range(3):
        certify(make_user, cohort, f"p{n}@city.example", name=f"Person {n}")
    response = admin_browser.client.get("/admin/certificates.zip")
    assert response.status_code == 400
    page = text_of(response)
    assert "3 certificates match these filters, and one ZIP holds at most 2." in page
    assert "narrow the filters" in page
    assert audit_events("certificates.downloaded") == []
    assert read_zip(admin_browser.client.get("/admin/certificates.zip?q=p1@city")).namelist()


# Who may


@pytest.mark.parametrize("role", ["instructor", "learner", "anonymous"])
def test_only_admins_use_the_console(app, client, make_user, cohort, imported_example, role):
    certificate = certify(make_user, cohort, "kim@seoul.example", name="Kim Ji-woo")
    browser = Browser(client)
    if role == "instructor":
        make_user(Role.INSTRUCTOR, email="teacher@city.example", courses=[imported_example])
        browser.login("teacher@city.example")
    elif role == "learner":
        browser.login("kim@seoul.example")  # the holder: still not an admin
    expected = 403 if role != "anonymous" else "login"

    def outcome(response):
        location = response.headers.get("Location", "")
        if response.status_code == 302 and location.startswith("/login?next="):
            return "login"
        return response.status_code

    token_page = "/login" if role == "anonymous" else "/dashboard"
    for url in ("/admin/certificates", "/admin/certificates.zip", detail_url(certificate)):
        assert outcome(client.get(url)) == expected, url
    for action, data in (
        ("revoke", {"reason": "Because"}),
        ("reissue", {"reason": "Because", "holder_name": "Someone Else"}),
    ):
        response = browser.post_form(f"{detail_url(certificate)}/{action}", data, page=token_page)
        assert outcome(response) == expected, action
    db.session.refresh(certificate)
    assert certificate.status == CertificateStatus.ISSUED
    assert db.session.scalar(select(func.count(Certificate.id))) == 1
    assert audit_events("certificates.downloaded") == []
    assert "/admin/certificates" not in links(client.get("/admin/"))


def test_admins_find_the_console_from_the_administration_page(app, admin_browser):
    administration = admin_browser.client.get("/admin/")
    assert links(administration).count("/admin/certificates") == 2  # the tab and the card
    listing = admin_browser.client.get("/admin/certificates")
    assert find(listing, 'a[href="/admin/certificates"][aria-current="page"]')
