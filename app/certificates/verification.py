"""What the public verification page and its JSON say about a certificate."""

import hashlib
import json
from datetime import datetime
from typing import Any

from app.certificates.addresses import verify_url
from app.certificates.models import Certificate
from app.certificates.status_list import list_url
from app.core.urls import public_url


def _day(moment: datetime | None) -> str | None:
    return moment.date().isoformat() if moment is not None else None


# The version of /verify/<serial>.json's answers (docs/credentials.md). A change that could
# break a reader (a field removed, renamed or given another meaning) makes a new version;
# new fields do not.
API_VERSION = 1


def public_record(certificate: Certificate, *, now: datetime) -> dict[str, Any]:
    """Everything anyone may know about an issued certificate, as JSON-ready data.

    Other systems read it (/verify/<serial>.json), so it stays the same whatever the reader's
    language: codes ("valid", "revoked"), ISO dates and the certificate's own frozen text. The
    page shows it in the reader's language (certificates/verify.html).
    """
    replaced_by = certificate.replaced_by
    entry = certificate.status_entry
    return {
        "api_version": API_VERSION,
        "serial": certificate.display_serial,
        "status": certificate.public_status(now),
        "verification_url": verify_url(certificate.serial),
        "holder_name": certificate.holder_name,
        "title": certificate.title,
        "course": certificate.course_title,
        "cohort": certificate.cohort_title,
        "hours": certificate.hours,
        "completed_on": certificate.completed_on.isoformat(),
        "issued_on": _day(certificate.issued_at),
        "valid_until": _day(certificate.valid_until),
        "issuers": list(certificate.issuers),
        "signatories": [dict(person) for person in certificate.signatories],
        "revoked_on": _day(certificate.revoked_at),
        "revocation_reason": certificate.revocation_reason,
        "replaced_by": (
            {"serial": replaced_by.display_serial, "url": verify_url(replaced_by.serial)}
            if replaced_by is not None
            else None
        ),
        "credential": {
            "format": (
                "Open Badges 3.0, signed with Ed25519 in two forms: VC-JWT (EdDSA) and JSON-LD "
                "with a Data Integrity proof (eddsa-rdfc-2022)"
            ),
            "key_id": certificate.key_id,
            "keys": public_url("/.well-known/jwks.json"),
            "did_document": public_url("/.well-known/did.json"),
            # Where its revocation bit is published (None: signed before status lists).
            "status_list": list_url(entry.list_number) if entry else None,
            "status_list_index": entry.list_index if entry else None,
        },
    }


def page_version(
    certificate: Certificate, record: dict[str, Any], replaces: Certificate | None
) -> str:
    """A name for everything the verification page shows of a certificate (its record, the
    moments it turns into days on the cohort's clock, what it replaces): the page's facts
    are rendered once per name and language, and any change gives a new name."""
    replaced_by = certificate.replaced_by
    shown = [
        record,
        certificate.language,
        certificate.cohort.time_zone,
        certificate.issued_at,
        certificate.revoked_at,
        certificate.valid_until,
        replaced_by.issued_at if replaced_by is not None else None,
        replaces.serial if replaces is not None else None,
    ]
    text = json.dumps(shown, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]
