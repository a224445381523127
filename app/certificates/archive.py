"""Certificates in one ZIP file: each one's PDF and signed credential, and a CSV index."""

import zipfile
from collections.abc import Iterator, Sequence
from datetime import datetime
from tempfile import SpooledTemporaryFile
from typing import Any

from app.certificates.credential import document_text
from app.certificates.models import Certificate
from app.certificates.pdf import UnprintableText
from app.certificates.pdf_store import current_pdf, stored_pdfs
from app.core import audit
from app.core.listing import csv_lines

ARCHIVE_TYPE = "application/zip"
INDEX_NAME = "certificates.csv"
INDEX_HEADER = [
    "serial", "status", "holder_name", "email", "course", "cohort",
    "completed_on", "issued_on", "revoked_on", "reason", "pdf",
]  # fmt: skip
# A bigger archive moves from memory to a temporary file on disk.
IN_MEMORY = 16 * 1024 * 1024
# Stored PDFs are read this many at a time: one query per batch, never all of them in memory.
PDF_BATCH = 100


def _day(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment is not None else ""


def index_row(certificate: Certificate, now: datetime, pdf: str) -> list[str]:
    """A certificate's line in the CSV index, as its cells (csv_lines guards formulas)."""
    return [
        certificate.display_serial,
        certificate.public_status(now),
        certificate.holder_name,
        certificate.user.email,
        certificate.course_title,
        certificate.cohort_title,
        certificate.completed_on.isoformat(),
        _day(certificate.issued_at),
        _day(certificate.revoked_at),
        # Why it no longer counts: revoked, or else replaced by a reissue.
        certificate.revocation_reason or certificate.replacement_reason or "",
        pdf,
    ]


def _with_pdfs(
    certificates: Sequence[Certificate], now: datetime
) -> Iterator[tuple[Certificate, bytes | None, str]]:
    """Each certificate with its PDF (stored and current, or made now and kept), or None and
    why not."""
    for start in range(0, len(certificates), PDF_BATCH):
        batch = certificates[start : start + PDF_BATCH]
        stored = stored_pdfs([certificate.id for certificate in batch])
        for certificate in batch:
            try:
                made = current_pdf(certificate, now=now, stored=stored)
            except UnprintableText as problem:
                # One name no bundled font draws must not cost the admin the whole ZIP.
                yield certificate, None, str(problem)
            else:
                yield certificate, made.data, ""
            stored.pop(certificate.id, None)


def _entry(name: str, compression: int, now: datetime) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(name, date_time=now.timetuple()[:6])
    entry.compress_type = compression
    entry.external_attr = 0o644 << 16  # readable files once unpacked
    return entry


def certificates_archive(
    certificates: Sequence[Certificate], *, actor, filters: dict[str, Any], now: datetime
) -> tuple[SpooledTemporaryFile, int]:
    """The certificates as a ZIP (file at its start, size in bytes); the download is audited.

    Every certificate must have a serial. PDFs made for the archive are flushed, to be kept
    when the caller commits. A certificate whose PDF cannot be made has its credential and its
    index line, which says why there is no PDF.
    """
    archive = SpooledTemporaryFile(max_size=IN_MEMORY)  # noqa: SIM115  (the response closes it)
    index_rows = []
    without_pdf = []
    with zipfile.ZipFile(archive, "w") as bundle:
        for certificate, pdf, problem in _with_pdfs(certificates, now):
            name = certificate.display_serial
            if pdf is not None:
                # PDFs are compressed already: storing them saves time and loses nothing.
                bundle.writestr(_entry(f"{name}.pdf", zipfile.ZIP_STORED, now), pdf)
            else:
                without_pdf.append(certificate.serial)
            bundle.writestr(
                _entry(f"{name}.json", zipfile.ZIP_DEFLATED, now),
                document_text(certificate, now=now),
            )
            pdf_cell = f"{name}.pdf" if pdf is not None else f"none: {problem}"
            index_rows.append(index_row(certificate, now, pdf_cell))
        index = "".join(csv_lines(INDEX_HEADER, index_rows))
        bundle.writestr(_entry(INDEX_NAME, zipfile.ZIP_DEFLATED, now), index)
    size = archive.tell()
    archive.seek(0)
    audit.record(
        "certificates.downloaded",
        actor=actor,
        details={
            "count": len(certificates),
            "filters": filters,
            **({"without_pdf": without_pdf} if without_pdf else {}),
        },
    )
    return archive, size
