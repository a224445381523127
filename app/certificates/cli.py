"""`flask certificates`: the signing keys, their rotation, checking a credential offline, and
making the stored PDFs."""

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.accounts.models import User
from app.certificates.credential import describe, verify
from app.certificates.keys import (
    SigningKeyError,
    current_key,
    keys_from_document,
    published_keys,
    recorded_keys,
    rotate_key,
)
from app.certificates.models import Certificate, canonical_serial
from app.certificates.pdf_store import make_pdf
from app.certificates.status_list import bit_is_set, read_saved_list
from app.core.types import utcnow
from app.extensions import db

certificates_cli = AppGroup(
    "certificates", help="Certificates: signing keys, verification and stored PDFs."
)

# A credential file is a few kilobytes; anything far larger is not one.
MAX_FILE_BYTES = 1_000_000
FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


@certificates_cli.command("keys")
def keys_command() -> None:
    """List the signing keys: id, when first used, when retired, and which one signs now."""
    try:
        active = current_key(create=False)
    except SigningKeyError as error:
        raise click.ClickException(str(error)) from error
    rows = recorded_keys()
    if active is None:
        click.echo("No signing key yet: one is made the first time a credential is signed.")
    else:
        click.echo(f"Active key {active.kid} (from {active.source})")
    if active is not None and active.kid not in {row.kid for row in rows}:
        click.echo(f"{active.kid}\tnot used yet\t\tactive")
    for row in rows:
        retired = f"retired {_when(row.retired_at)}" if row.retired_at else ""
        state = "active" if active is not None and row.kid == active.kid else ""
        click.echo(f"{row.kid}\tcreated {_when(row.created_at)}\t{retired}\t{state}".rstrip())


@certificates_cli.command("rotate-key")
def rotate_key_command() -> None:
    """Make a new signing key; the old one stops signing but stays published."""
    try:
        rotation = rotate_key()
    except SigningKeyError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"New signing key: {rotation.kid}")
    if rotation.previous_kid:
        click.echo(
            f"Retired {rotation.previous_kid}: its private key is deleted, its public key stays "
            "published so the credentials it signed still verify."
        )
        for path in rotation.kept:
            click.echo(f"  kept the public key: {path}")


def _read_text(path: Path, param_hint: str) -> str | None:
    """The file's text; None when it is not text at all. BadParameter when it cannot be read."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        message = f"cannot read {path}: {error.strerror}"
        raise click.BadParameter(message, param_hint=param_hint) from error
    if len(data) > MAX_FILE_BYTES:
        raise click.BadParameter(
            f"{path} is over {MAX_FILE_BYTES // 1000} kB: it is not a credential file",
            param_hint=param_hint,
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


@certificates_cli.command("verify")
@click.argument("file", type=FILE)
@click.option(
    "--jwks",
    "jwks_file",
    type=FILE,
    help="Check against a saved copy of /.well-known/jwks.json (or did.json) instead of this "
    "server's keys.",
)
@click.option(
    "--status-list",
    "status_list_file",
    type=FILE,
    help="Check revocation against a saved copy of the status list the credential names "
    "(/status/<n>) instead of this server's database.",
)
def verify_command(file: Path, jwks_file: Path | None, status_list_file: Path | None) -> None:
    """Check a credential FILE (the .json download, the .jwt or a bare VC-JWT) offline.

    When the signature holds, the certificate's current status on this server is read too:
    "Valid: …" and "Current status: valid" (exit 0) only when it is in force; otherwise
    "Not valid: <reason>" (exit 1: a bad signature, or revoked, replaced, expired or unknown
    here), or exit 3 when the database cannot be read for the status. With --status-list, the
    status comes from that saved copy instead, and the answer says how old it is.
    """
    if jwks_file is not None:
        jwks_text = _read_text(jwks_file, "--jwks")
        try:
            keys = keys_from_document(json.loads(jwks_text or ""))
        except ValueError as error:
            raise click.BadParameter(
                f"{jwks_file} is not a usable JWKS: {error}", param_hint="--jwks"
            ) from error
    else:
        try:
            keys = published_keys()
            db.session.commit()  # a key made or first recorded just now stays published
        except SigningKeyError as error:
            raise click.ClickException(str(error)) from error
        except SQLAlchemyError as error:
            db.session.rollback()
            raise click.ClickException(
                f"this server's keys could not be read from the database ({_why(error)}): "
                "check against a saved copy of its keys with --jwks"
            ) from error
    text = _read_text(file, "FILE")
    if text is None:
        click.echo(
            "Not valid: This is not a readable credential: the file is not text "
            "(the credential is the certificate's .json file, not its PDF)."
        )
        raise SystemExit(1)
    now = utcnow()
    verdict = verify(text, keys, now)
    if not verdict.ok:
        click.echo(verdict.summary())
        raise SystemExit(1)
    signed = describe(verdict.credential, verdict.kid or "")
    if status_list_file is not None:
        _check_saved_list(verdict.credential, signed, status_list_file, keys, now)
        return
    try:
        in_force, status = current_status(str(verdict.credential.get("id", "")), now)
    except SQLAlchemyError as error:
        db.session.rollback()
        click.echo(f"Signature valid: {signed}")
        click.echo(
            "The signature is valid; the certificate's current status could not be read: "
            f"{_why(error)}"
        )
        raise SystemExit(3) from None
    if not in_force:
        click.echo(f"Signature valid: {signed}")
        click.echo(f"Not valid: {status}")
        raise SystemExit(1)
    click.echo(f"Valid: {signed}")
    click.echo(f"Current status: {status}")


def _check_saved_list(credential: dict, signed: str, path: Path, keys: dict, now) -> None:
    """The credential's bit in a saved status list: exit 0 when it is not set, 1 when it is,
    3 when the copy cannot tell (no status in the credential, or another list)."""
    try:
        saved = read_saved_list(_read_text(path, "--status-list") or "", keys)
    except ValueError as error:
        raise click.BadParameter(
            f"{path} is not a usable status list: {error}", param_hint="--status-list"
        ) from error
    entry = credential.get("credentialStatus")
    if not isinstance(entry, dict) or not entry.get("statusListCredential"):
        click.echo(f"Signature valid: {signed}")
        click.echo(
            "The credential names no status list (it was issued before they existed): check "
            "its public page for revocation."
        )
        raise SystemExit(3)
    if entry["statusListCredential"] != saved.url:
        click.echo(f"Signature valid: {signed}")
        click.echo(
            f"The credential's status is in {entry['statusListCredential']}, "
            f"not in the saved list ({saved.url})."
        )
        raise SystemExit(3)
    saved_on = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    age = f"saved {_when(saved_on)}, {(now - saved_on).days} days ago"
    copy = f"the saved copy of {saved.url} ({age}; changes up to {_when(saved.changed_at)})"
    index = int(entry.get("statusListIndex", -1))
    if bit_is_set(saved.bits, index):
        click.echo(f"Signature valid: {signed}")
        click.echo(f"Not valid: revoked or replaced, says {copy}, index {index}")
        raise SystemExit(1)
    click.echo(f"Valid: {signed}")
    click.echo(f"Current status: not revoked in {copy}; a later revocation is not in it")


def _why(error: SQLAlchemyError) -> str:
    """The database's own first line about the error, without SQLAlchemy's wrapping."""
    return (str(error.orig or error).strip().splitlines() or ["unknown error"])[0]


def current_status(credential_id: str, now) -> tuple[bool, str]:
    """Whether the certificate a credential names is in force here, and a sentence saying so.

    The credential's id is its verification address, which ends with the serial.
    """
    serial = canonical_serial(credential_id.rsplit("/verify/", 1)[-1]) if credential_id else None
    if serial is None:
        return False, f"unknown to this server: the credential names no serial ({credential_id})"
    certificate = db.session.scalar(select(Certificate).where(Certificate.serial == serial))
    if certificate is None:
        return False, "unknown to this server: it has no certificate with this serial"
    serial = certificate.display_serial
    state = certificate.public_status(now)
    if state == "valid":
        return True, f"valid (certificate {serial})"
    if state == "expired":
        return False, f"expired on {_when(certificate.valid_until)} (certificate {serial})"
    parts = []  # revoked, replaced, or revoked and then replaced
    if certificate.is_revoked:
        parts.append(f"revoked on {_when(certificate.revoked_at)}: {certificate.revocation_reason}")
    if certificate.replaced_by is not None:
        parts.append(
            f"replaced by certificate {certificate.replaced_by.display_serial}: "
            f"{certificate.replacement_reason}"
        )
    return False, "; ".join(parts) + f" (certificate {serial})"


@certificates_cli.command("make-pdfs")
def make_pdfs_command() -> None:
    """Make the PDF of every issued certificate that has none stored or a stale one (after an
    upgrade, a change of layout or wording, or of PUBLIC_URL); the current ones are kept."""
    ids = db.session.scalars(
        select(Certificate.id)
        .join(User, User.id == Certificate.user_id)
        .where(Certificate.serial.is_not(None), User.deleted_at.is_(None))
        .order_by(Certificate.id)
    ).all()
    db.session.rollback()
    outcomes = Counter(make_pdf(certificate_id) for certificate_id in ids)
    click.echo(
        f"{len(ids)} issued certificates: {outcomes['made']} PDFs made, "
        f"{outcomes['current']} current already, {outcomes['failed']} failed"
    )
    if outcomes["failed"]:
        raise click.ClickException(
            "some PDFs could not be made (the log says why): their downloads try again"
        )
