"""Certificate PDFs off the request: the worker makes a certificate's PDF when it is signed
(issued, issued once the name is confirmed, reissued, reissued with a corrected name) and
stores it with the fingerprint of everything it shows; the download serves the stored file
while the certificate still has that fingerprint, and makes it (and stores it) when the worker
has not yet or the certificate's printed content changed since (docs/certificates.md).

A job that fails is logged and tried again by the hourly sweep; whatever happens to the
queue, the download makes what it does not find, so a holder never waits on a lost job.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.certificates.addresses import verify_url
from app.certificates.credential import document_text
from app.certificates.models import Certificate, CertificatePdf, CertificateStatus
from app.certificates.pdf import UnprintableText, fingerprint, render_certificate_pdf
from app.core.jobs import enqueue, job
from app.core.mail import batched
from app.core.models import insert_ignoring_duplicates
from app.core.types import utcnow
from app.extensions import db

# Certificates one job makes the PDFs of (about 25 ms each).
PDF_BATCH = 20
# The session's certificates signed in its transaction, whose PDFs to queue once it commits.
PENDING = "certificate_pdfs_to_make"


@dataclass(frozen=True)
class CurrentPdf:
    """A certificate's PDF and the fingerprint it was made for (the download's ETag)."""

    data: bytes
    fingerprint: str


def current_pdf(
    certificate: Certificate, *, now: datetime, stored: dict[int, tuple[str, bytes]] | None = None
) -> CurrentPdf:
    """The certificate's PDF: the stored one while it shows what the certificate states, else
    made now and stored (flushed; the caller commits). UnprintableText when a text of it is in
    a script no bundled font draws: nothing is stored then. `stored`: the stored PDFs of a
    batch of certificates (stored_pdfs), read already.

    An erased holder's PDF is made for the admin who asks but not kept (erasure deleted it).
    """
    credential = document_text(certificate, now=now)
    address = verify_url(certificate.serial)
    wanted = fingerprint(certificate, address, credential)
    if stored is None:
        data = db.session.scalar(
            select(CertificatePdf.pdf).where(
                CertificatePdf.certificate_id == certificate.id,
                CertificatePdf.fingerprint == wanted,
            )
        )
    else:
        made_for, data = stored.get(certificate.id, ("", None))
        data = data if made_for == wanted else None
    if data is not None:
        return CurrentPdf(bytes(data), wanted)
    data = render_certificate_pdf(certificate, address, credential)
    if certificate.user.deleted_at is None:
        _store(certificate.id, wanted, data, now)
    return CurrentPdf(data, wanted)


def stored_pdfs(certificate_ids: list[int]) -> dict[int, tuple[str, bytes]]:
    """The stored PDFs of these certificates, current or not, with their fingerprints."""
    rows = db.session.execute(
        select(CertificatePdf.certificate_id, CertificatePdf.fingerprint, CertificatePdf.pdf).where(
            CertificatePdf.certificate_id.in_(certificate_ids)
        )
    )
    return {certificate_id: (made_for, data) for certificate_id, made_for, data in rows}


def _store(certificate_id: int, made_for: str, data: bytes, now: datetime) -> None:
    """Keep the PDF in place of the certificate's older one; two makers at once both succeed
    (the same certificate gives the same bytes)."""
    values = {"fingerprint": made_for, "pdf": data, "made_at": now}
    db.session.execute(
        insert_ignoring_duplicates(CertificatePdf)
        .values(certificate_id=certificate_id, **values)
        .on_conflict_do_update(index_elements=["certificate_id"], set_=values)
    )


def make_after_commit(certificate: Certificate) -> None:
    """Have the worker make the certificate's PDF once the current transaction commits (not
    at all if it rolls back)."""
    pending = db.session.info.setdefault(PENDING, [])
    pending.append((current_app._get_current_object(), certificate.id))


@event.listens_for(Session, "after_commit")
def _queue_pending(session: Session) -> None:
    pending = session.info.pop(PENDING, [])
    by_app: dict = {}
    for app, certificate_id in pending:
        by_app.setdefault(app, []).append(certificate_id)
    for app, certificate_ids in by_app.items():
        with app.app_context():
            try:
                queue_pdfs(certificate_ids)
            except Exception:
                # The certificates are signed: the sweep or the first download makes the PDFs.
                app.logger.exception("could not queue the PDFs of certificates %s", certificate_ids)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(PENDING, None)


def queue_pdfs(certificate_ids: Iterable[int]) -> None:
    """Queue jobs that make these certificates' PDFs, a batch each."""
    for batch in batched(certificate_ids, PDF_BATCH):
        enqueue("make_certificate_pdfs", *batch)


@job("make_certificate_pdfs")
def make_certificate_pdfs(*certificate_ids: int) -> None:
    """Make and store the PDF of each issued certificate that has no current one. Safe to run
    twice: a certificate whose PDF is current costs one query."""
    for certificate_id in certificate_ids:
        make_pdf(certificate_id)


def make_pdf(certificate_id: int) -> str:
    """Make one certificate's PDF unless it is current, and commit: "made", "current",
    "skipped" (no such issued certificate) or "failed" (logged; the download tries again)."""
    try:
        certificate = db.session.get(Certificate, certificate_id)
        if certificate is None or not certificate.is_issued:
            return "skipped"
        before = db.session.scalar(
            select(CertificatePdf.fingerprint).where(
                CertificatePdf.certificate_id == certificate_id
            )
        )
        made = current_pdf(certificate, now=utcnow())
        db.session.commit()
    except UnprintableText as problem:
        db.session.rollback()
        current_app.logger.warning("certificate %s has no PDF: %s", certificate_id, problem)
        return "failed"
    except Exception:
        db.session.rollback()
        current_app.logger.exception("could not make the PDF of certificate %s", certificate_id)
        return "failed"
    return "current" if made.fingerprint == before else "made"


@job("sweep_certificate_pdfs", every_hour=True)
def sweep_certificate_pdfs() -> None:
    """Queue the PDFs that valid certificates still lack: a lost job, or one that failed."""
    queue_pdfs(certificates_without_pdf())
    db.session.rollback()


def certificates_without_pdf() -> list[int]:
    """The ids of the valid certificates that have no stored PDF at all, their holder's
    account not erased (a stale PDF is made again by its next download, or by
    `flask certificates make-pdfs`)."""
    return list(
        db.session.scalars(
            select(Certificate.id)
            .join(User, User.id == Certificate.user_id)
            .outerjoin(CertificatePdf, CertificatePdf.certificate_id == Certificate.id)
            .where(
                Certificate.status == CertificateStatus.ISSUED,
                CertificatePdf.certificate_id.is_(None),
                User.deleted_at.is_(None),
            )
            .order_by(Certificate.id)
        )
    )
