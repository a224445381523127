"""`flask certificates`: the signing keys, their rotation, and checking a credential offline."""

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from app.certificates.credential import verify
from app.certificates.keys import (
    SigningKeyError,
    current_key,
    keys_from_document,
    published_keys,
    recorded_keys,
    rotate_key,
)
from app.core.types import utcnow
from app.extensions import db

certificates_cli = AppGroup("certificates", help="Certificates: signing keys and verification.")

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
def verify_command(file: Path, jwks_file: Path | None) -> None:
    """Check a credential FILE (the .json download or a bare VC-JWT) offline.

    Exits 0 and prints "Valid: …" when it holds, 1 and "Not valid: <reason>" when not.
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
    text = _read_text(file, "FILE")
    if text is None:
        click.echo(
            "Not valid: This is not a readable credential: the file is not text "
            "(the credential is the certificate's .json file, not its PDF)."
        )
        raise SystemExit(1)
    verdict = verify(text, keys, utcnow())
    click.echo(verdict.summary())
    if not verdict.ok:
        raise SystemExit(1)
