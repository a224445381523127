"""What the certificates package keeps about a person: the name to print and the certificates
(their part of the personal-data download and of erasure: app/core/events.py)."""

from typing import Any

from sqlalchemy import delete, select

from app.certificates.models import Certificate, CertificatePdf
from app.certificates.queries import certificates_of
from app.core.types import iso_or_none
from app.extensions import db


def personal_data(user) -> dict[str, Any]:
    return {
        "certificate_name": user.certificate_name,
        "certificates": [
            {
                "serial": certificate.display_serial or None,
                "status": certificate.status.value,
                "name_printed": certificate.holder_name,
                "course": certificate.course_title,
                "cohort": certificate.cohort_title,
                "issued_at": iso_or_none(certificate.issued_at),
                "revoked_at": iso_or_none(certificate.revoked_at),
                "revocation_reason": certificate.revocation_reason,
            }
            for certificate in certificates_of(user)
        ],
    }


def erase_person(user) -> list[str]:
    """Issued certificates stay, with the name they print (their public page is relied on),
    but their stored PDFs go (an admin's download makes one without keeping it); approved ones
    still waiting for the name go: not public yet, so nobody relies on them."""
    owned = select(Certificate.id).where(Certificate.user_id == user.id)
    db.session.execute(delete(CertificatePdf).where(CertificatePdf.certificate_id.in_(owned)))
    names = []
    found = db.session.scalars(select(Certificate).where(Certificate.user_id == user.id))
    for certificate in found:
        if certificate.is_issued:
            names.append(certificate.holder_name)
        else:
            db.session.delete(certificate)
    return names
