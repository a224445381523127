"""The public addresses a certificate states: its verification page and its issuer's DID."""

from urllib.parse import quote, urlencode, urlsplit

from app.certificates.models import display_serial
from app.core.urls import public_url


def verify_url(serial: str) -> str:
    """The verification page printed on the PDF, in its QR code and in the credential."""
    return public_url(f"/verify/{display_serial(serial)}")


def issuer_did() -> str:
    """The issuer's did:web, from PUBLIC_URL: did:web:courses.example.org (a port is %3A)."""
    parts = urlsplit(public_url())
    name = quote(parts.netloc, safe="")
    path = [quote(segment, safe="") for segment in parts.path.split("/") if segment]
    return ":".join(["did", "web", name, *path])


def linkedin_url(certificate) -> str:
    """LinkedIn's "add a licence or certification" form, filled in with the certificate."""
    fields = {
        "startTask": "CERTIFICATION_NAME",
        "name": f"{certificate.title}: {certificate.course_title}",
        "organizationName": ", ".join(certificate.issuers),
        "issueYear": certificate.issued_at.year,
        "issueMonth": certificate.issued_at.month,
        "certUrl": verify_url(certificate.serial),
        "certId": certificate.display_serial,
    }
    if certificate.valid_until is not None:
        fields["expirationYear"] = certificate.valid_until.year
        fields["expirationMonth"] = certificate.valid_until.month
    return "https://www.linkedin.com/profile/add?" + urlencode(fields)
