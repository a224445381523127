"""Certificates of completion, and the public keys their credentials were signed with."""

import secrets
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.types import IDS_NEVER_REUSED, UTCDateTime, string_enum, utcnow
from app.extensions import db

# Crockford's base 32: no I, L, O or U, so a serial read aloud or copied by hand survives.
SERIAL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SERIAL_LENGTH = 28  # 28 symbols x 5 bits = 140 bits of randomness
SERIAL_GROUP = 4
# What people type for the symbols the alphabet leaves out.
SERIAL_LOOKALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})


def new_serial() -> str:
    """A fresh serial in its stored form: 28 symbols, no dashes."""
    return "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(SERIAL_LENGTH))


def canonical_serial(text: str) -> str | None:
    """The stored form of a serial as someone typed it, or None when it cannot be one."""
    symbols = "".join(text.upper().split()).replace("-", "").translate(SERIAL_LOOKALIKES)
    if len(symbols) != SERIAL_LENGTH or any(s not in SERIAL_ALPHABET for s in symbols):
        return None
    return symbols


def display_serial(serial: str) -> str:
    """A serial in groups of four, the form printed and read aloud: 7KQ2-M9XD-…"""
    return "-".join(serial[i : i + SERIAL_GROUP] for i in range(0, len(serial), SERIAL_GROUP))


class CertificateStatus(StrEnum):
    AWAITING_NAME = "awaiting_name"  # approved; issued once the learner confirms their name
    ISSUED = "issued"
    REVOKED = "revoked"
    REPLACED = "replaced"  # reissued: `replaced_by` is the certificate that counts now

    @property
    def label(self) -> str:
        """The status in the reader's language (a lazy string: str() it to store or join it)."""
        return STATUS_LABELS[self.value]


STATUS_LABELS = {
    "awaiting_name": _l("Waiting for the learner to confirm their name"),
    "issued": _l("Valid"),
    "revoked": _l("Revoked"),
    "replaced": _l("Replaced"),
}


class Certificate(db.Model):
    """A learner's certificate for one enrolment, with what it states frozen at issue."""

    __tablename__ = "certificates"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    # Null until issued; stored without dashes (see `display_serial`).
    serial: Mapped[str | None] = mapped_column(String(SERIAL_LENGTH), unique=True)
    status: Mapped[CertificateStatus] = mapped_column(
        string_enum(CertificateStatus), default=CertificateStatus.AWAITING_NAME, index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    enrollment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrollments.id", ondelete="SET NULL"), index=True
    )
    # The enrolment this is the current certificate of; cleared when it is replaced. Unique, so
    # an enrolment never has two current certificates, however many admins click at once.
    current_for_enrollment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrollments.id", ondelete="SET NULL"), unique=True
    )

    # What the certificate states, copied from the course and the learner when it is issued.
    holder_name: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200))
    wording: Mapped[str] = mapped_column(Text, default="")
    course_title: Mapped[str] = mapped_column(String(200))
    cohort_title: Mapped[str] = mapped_column(String(200))
    # The language of those texts when it is not the course's: the holder's, when the course
    # has a current translation of its certificate into it (catalog/translated.py).
    text_language: Mapped[str | None] = mapped_column(String(20))
    hours: Mapped[int]
    issuers: Mapped[list[str]] = mapped_column(JSON, default=list)
    signatories: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    completed_on: Mapped[date] = mapped_column(Date)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Who decided to issue it: null when the course issues automatically at completion.
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set when issued to a learner who had not met the completion rules.
    exception_reason: Mapped[str | None] = mapped_column(Text)

    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    replacement_reason: Mapped[str | None] = mapped_column(Text)

    # The signed Open Badges credential (a VC-JWT) and the id of the key that signed it.
    credential_jwt: Mapped[str | None] = mapped_column(Text)
    # The same credential as JSON-LD with an embedded Data Integrity proof (eddsa-rdfc-2022),
    # as the file the holder downloads; None for certificates signed before that form existed
    # until it is first asked for (credential.document_text).
    credential_ld: Mapped[str | None] = mapped_column(Text)
    key_id: Mapped[str | None] = mapped_column(String(100))

    user = relationship("User", foreign_keys=[user_id])
    course = relationship("Course")
    cohort = relationship("Cohort")
    enrollment = relationship("Enrollment", foreign_keys=[enrollment_id])
    issued_by = relationship("User", foreign_keys=[issued_by_id])
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])
    replaced_by: Mapped["Certificate | None"] = relationship(
        remote_side=[id], foreign_keys=[replaced_by_id]
    )
    # Its place in a revocation status list (status_list.py): given when it is signed.
    status_entry: Mapped["StatusEntry | None"] = relationship(
        back_populates="certificate", uselist=False
    )

    @property
    def display_serial(self) -> str:
        return display_serial(self.serial) if self.serial else ""

    @property
    def language(self) -> str:
        """The language of the text it states (the holder's, or its course's), for `lang=` and
        for the words around it on the PDF; 'en' without one."""
        if self.text_language:
            return self.text_language
        return self.course.language if self.course is not None else "en"

    @property
    def is_issued(self) -> bool:
        """Issued at some point: it has a serial and a public page (even if revoked since)."""
        return self.serial is not None

    @property
    def is_in_force(self) -> bool:
        """Issued and neither revoked nor replaced (it may still have expired)."""
        return self.status == CertificateStatus.ISSUED

    @property
    def is_revoked(self) -> bool:
        return self.status == CertificateStatus.REVOKED

    def has_expired(self, now: datetime) -> bool:
        return self.valid_until is not None and self.valid_until <= now

    def public_status(self, now: datetime) -> str:
        """What the verification page says: valid, revoked, replaced or expired."""
        if self.status == CertificateStatus.REVOKED:
            return "revoked"
        if self.status == CertificateStatus.REPLACED:
            return "replaced"
        return "expired" if self.has_expired(now) else "valid"

    def can_download(self, user) -> bool:
        """The holder, while it is issued, and admins; to anyone else it does not exist."""
        if not user.is_authenticated or not self.is_issued:
            return False
        return user.is_admin or (user.id == self.user_id and self.is_in_force)

    def __repr__(self) -> str:
        return f"<Certificate {self.id} {self.serial or '-'} {self.status}>"


class CertificatePdf(db.Model):
    """A certificate's PDF as the worker (or, when it was behind, a download) made it, with the
    fingerprint of everything it shows (pdf.fingerprint): a download serves it only while the
    certificate's fingerprint is still that one (app/certificates/pdf_store.py)."""

    __tablename__ = "certificate_pdfs"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), unique=True
    )
    fingerprint: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<CertificatePdf {self.certificate_id} {self.fingerprint[:12]}>"


class StatusEntry(db.Model):
    """A certificate's bit in a Bitstring Status List (app/certificates/status_list.py).

    Allocated at random among the free places of a list when the certificate is signed, and
    kept for ever: a place is never given to another certificate (issued certificates are
    never deleted), so a bit never starts speaking for someone else.
    """

    __tablename__ = "certificate_status_entries"
    __table_args__ = (UniqueConstraint("list_number", "list_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), unique=True)
    list_number: Mapped[int]  # /status/<list_number>
    list_index: Mapped[int]  # the bit, from 0, counted from the first byte's highest bit

    certificate: Mapped[Certificate] = relationship(back_populates="status_entry")

    def __repr__(self) -> str:
        return f"<StatusEntry list {self.list_number} index {self.list_index}>"


class SigningKey(db.Model):
    """A public key that has signed credentials: published for as long as the server runs.

    The private half stays in instance/ or the configuration; this row keeps the public half
    so that credentials signed before a key rotation can still be checked.
    """

    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(100), unique=True)  # RFC 7638 thumbprint
    # The public key as a JWK: {"kty": "OKP", "crv": "Ed25519", "x": …}
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<SigningKey {self.kid}>"
