"""The issuer's Ed25519 keys: the one that signs now, and every public key that ever signed.

The active private key is the PEM in CERTIFICATE_SIGNING_KEY when that is set (the way to run
several machines: they must all sign with the same key), otherwise the newest `<kid>.pem` in
CERTIFICATE_KEY_FOLDER, made on first use. Every key is recorded in `signing_keys` the first time
it is used, and stays there after rotation, so credentials it signed can still be checked.
Nothing is cached in the process: after a rotation every process signs with the new key.
"""

import base64
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app
from sqlalchemy import select

from app.certificates.models import SigningKey
from app.core import audit
from app.core.models import add_unless_duplicate
from app.core.types import utcnow
from app.extensions import db

PRIVATE_SUFFIX = ".pem"
PUBLIC_SUFFIX = ".pub.pem"
LOCK_NAME = ".lock"


class SigningKeyError(RuntimeError):
    """A key that cannot be used, or a key operation that is refused: the message says why."""


@dataclass(frozen=True)
class ActiveKey:
    """The private key that signs credentials now, with its id and where it came from."""

    kid: str
    private_key: Ed25519PrivateKey
    source: str  # "CERTIFICATE_SIGNING_KEY" or the file's path

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def public_jwk(self) -> dict[str, str]:
        return public_jwk(self.public_key)


# JWKs and thumbprints


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    """The public key as a JWK (RFC 8037): {"kty": "OKP", "crv": "Ed25519", "x": …}."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw)}


def thumbprint(jwk: dict[str, Any]) -> str:
    """The RFC 7638 thumbprint: SHA-256 of the required members, sorted, without spaces."""
    canonical = json.dumps(
        {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]},
        separators=(",", ":"),
        sort_keys=True,
    )
    return _b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def public_key_from_jwk(jwk: Any) -> Ed25519PublicKey:
    """The Ed25519 public key a JWK describes; ValueError for anything else."""
    if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise ValueError("not an Ed25519 public key (kty OKP, crv Ed25519)")
    if "d" in jwk:
        raise ValueError("the key includes its private part (d): never publish it")
    x = jwk.get("x")
    try:
        raw = _b64url_decode(x) if isinstance(x, str) else b""
    except ValueError as error:
        raise ValueError("its x is not base64url") from error
    if len(raw) != 32:
        raise ValueError("its x is not a 32-byte Ed25519 key")
    return Ed25519PublicKey.from_public_bytes(raw)


def kid_of(public_key: Ed25519PublicKey) -> str:
    return thumbprint(public_jwk(public_key))


def keys_from_document(document: Any) -> dict[str, Ed25519PublicKey]:
    """The Ed25519 keys in a saved JWKS ({"keys": […]}) or DID document, by kid.

    A key is filed under its RFC 7638 thumbprint, which is how this server names its keys, and
    under the kid written beside it when that differs. Keys of other kinds are skipped.
    ValueError when the document holds no usable key at all.
    """
    if not isinstance(document, dict):
        raise ValueError("it is not a JSON object")
    if isinstance(document.get("keys"), list):
        entries = [(entry, _short_kid(entry.get("kid"))) for entry in document["keys"]]
    elif isinstance(document.get("verificationMethod"), list):
        entries = [
            (method.get("publicKeyJwk"), _short_kid(method.get("id")))
            for method in document["verificationMethod"]
            if isinstance(method, dict)
        ]
    else:
        raise ValueError('it has neither "keys" (a JWKS) nor "verificationMethod" (a DID document)')
    found: dict[str, Ed25519PublicKey] = {}
    for jwk, named in entries:
        try:
            key = public_key_from_jwk(jwk)
        except ValueError:
            continue
        found[kid_of(key)] = key
        if named:
            found[named] = key
    if not found:
        raise ValueError("it holds no Ed25519 public key")
    return found


def _short_kid(value: Any) -> str | None:
    """The key id in a JWK's kid or a verification method id (did:web:…#<kid>)."""
    if not isinstance(value, str) or not value:
        return None
    return value.rsplit("#", 1)[-1]


# The key folder


def _folder() -> Path:
    return Path(current_app.config["CERTIFICATE_KEY_FOLDER"])


@contextmanager
def _locked_folder(exclusive: bool) -> Iterator[Path]:
    """The key folder (made 0700 if missing), locked against another process changing it.

    Readers share the lock; making the first key and rotating take it alone, so two processes
    starting at once make one key between them, and no one reads a key file half written.
    """
    folder = _folder()
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.chmod(0o700)  # mkdir's mode is narrowed by the umask, never widened
    descriptor = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield folder
    finally:
        os.close(descriptor)  # closing releases the lock


def _private_key_files(folder: Path) -> list[Path]:
    """The private key files, newest first."""
    files = [
        path
        for path in folder.glob(f"*{PRIVATE_SUFFIX}")
        if not path.name.endswith(PUBLIC_SUFFIX) and path.is_file()
    ]
    return sorted(files, key=lambda path: (path.stat().st_mtime_ns, path.name), reverse=True)


def _read_private_file(path: Path) -> ActiveKey:
    try:
        private_key = _load_private_pem(path.read_bytes())
    except (OSError, ValueError) as error:
        raise SigningKeyError(f"{path} is not a usable Ed25519 private key: {error}") from error
    return ActiveKey(kid_of(private_key.public_key()), private_key, str(path))


def _write_new_key(folder: Path) -> ActiveKey:
    """Make a key and write it as <kid>.pem (mode 0600, never over another file) and .pub.pem."""
    private_key = Ed25519PrivateKey.generate()
    kid = kid_of(private_key.public_key())
    path = folder / f"{kid}{PRIVATE_SUFFIX}"
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
        file.flush()
        os.fsync(file.fileno())
    _write_public_file(folder, private_key.public_key())
    return ActiveKey(kid, private_key, str(path))


def _write_public_file(folder: Path, public_key: Ed25519PublicKey) -> Path:
    path = folder / f"{kid_of(public_key)}{PUBLIC_SUFFIX}"
    if not path.exists():
        path.write_bytes(
            public_key.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    return path


def _load_private_pem(data: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (TypeError, UnsupportedAlgorithm) as error:  # encrypted, or an unknown kind
        raise ValueError(str(error)) from error
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("it is a private key, but not an Ed25519 one")
    return key


# The active key


def configured_key() -> ActiveKey | None:
    """The key in CERTIFICATE_SIGNING_KEY, or None when the setting is empty."""
    pem = current_app.config.get("CERTIFICATE_SIGNING_KEY")
    if not pem:
        return None
    if "\n" not in pem.strip() and "\\n" in pem:
        pem = pem.replace("\\n", "\n")  # a PEM squeezed onto one line of an environment file
    try:
        private_key = _load_private_pem(pem.strip().encode("utf-8"))
    except ValueError as error:
        raise SigningKeyError(
            "CERTIFICATE_SIGNING_KEY is not an unencrypted Ed25519 private key in PEM form "
            f"(make one with: openssl genpkey -algorithm ed25519): {error}"
        ) from error
    return ActiveKey(kid_of(private_key.public_key()), private_key, "CERTIFICATE_SIGNING_KEY")


def current_key(create: bool = True) -> ActiveKey | None:
    """The key that signs now, from the setting or the folder; made when missing and `create`.

    Not recorded in the database: see `active_key` for the key that is about to be used.
    """
    configured = configured_key()
    if configured is not None:
        return configured
    if not create and not _folder().exists():
        return None
    with _locked_folder(exclusive=False) as folder:
        files = _private_key_files(folder)
        if files:
            return _read_private_file(files[0])
    if not create:
        return None
    with _locked_folder(exclusive=True) as folder:
        files = _private_key_files(folder)  # another process may have made it meanwhile
        return _read_private_file(files[0]) if files else _write_new_key(folder)


def active_key() -> ActiveKey:
    """The key that signs now, recorded in `signing_keys` (not committed) so it is published."""
    key = current_key(create=True)
    if key is None:  # pragma: no cover  (create=True always gives one)
        raise SigningKeyError("no signing key")
    record_key(key.kid, key.public_jwk)
    return key


def record_key(kid: str, jwk: dict[str, str], now: datetime | None = None) -> SigningKey:
    """Add a key's row unless it is there. A newly recorded key retires the others.

    Two processes may record the same key at once: the unique kid makes the second insert a
    no-op. The key in use before is marked retired, as `rotate-key` does, so that changing
    CERTIFICATE_SIGNING_KEY reads the same in `flask certificates keys`.
    """
    row = db.session.scalar(select(SigningKey).where(SigningKey.kid == kid))
    if row is not None:
        return row
    now = now or utcnow()
    row = SigningKey(kid=kid, public_jwk=dict(jwk), created_at=now)
    if add_unless_duplicate(row):
        for other in db.session.scalars(
            select(SigningKey).where(SigningKey.kid != kid, SigningKey.retired_at.is_(None))
        ):
            other.retired_at = now
        return row
    return db.session.scalars(select(SigningKey).where(SigningKey.kid == kid)).one()


def recorded_keys() -> list[SigningKey]:
    """Every key that has signed, oldest first."""
    statement = select(SigningKey).order_by(SigningKey.created_at, SigningKey.id)
    return list(db.session.scalars(statement))


def published_keys() -> dict[str, Ed25519PublicKey]:
    """Every key credentials may carry, by kid: all recorded ones (retired too) and the active.

    This is what checks a credential, however long ago it was signed. Records the active key
    if it is new (the caller commits).
    """
    active = active_key()
    keys = {row.kid: public_key_from_jwk(row.public_jwk) for row in recorded_keys()}
    keys[active.kid] = active.public_key
    return keys


# Rotation


@dataclass(frozen=True)
class Rotation:
    previous_kid: str | None
    kid: str
    removed: list[str]  # the private key files deleted (normally one)
    kept: list[str]  # their public halves, left in the folder


def rotate_key(now: datetime | None = None) -> Rotation:
    """Make a new key in the folder, retire the previous one and delete its private half.

    Refused (SigningKeyError) when the key comes from CERTIFICATE_SIGNING_KEY. Records the change in
    the audit log and commits: the previous private key file is removed only once the database
    knows its public half, so every credential it signed can still be checked.
    """
    if current_app.config.get("CERTIFICATE_SIGNING_KEY"):
        raise SigningKeyError(
            "The signing key comes from the CERTIFICATE_SIGNING_KEY setting, so this command "
            "cannot replace it. To rotate, put a new Ed25519 private key (PEM) in that setting "
            "and restart: the new key is recorded the first time it signs, and the old one stays "
            "published, so the credentials it signed still verify."
        )
    now = now or utcnow()
    with _locked_folder(exclusive=True) as folder:
        previous_files = _private_key_files(folder)
        previous = [_read_private_file(path) for path in previous_files]
        new = _write_new_key(folder)
        try:
            for old in previous:
                record_key(old.kid, old.public_jwk, now=now)
            record_key(new.kid, new.public_jwk, now=now)  # which retires the others
            previous_kid = previous[0].kid if previous else None
            audit.record(
                "signing_key.rotated",
                details={
                    "previous_kid": previous_kid,
                    "kid": new.kid,
                    "retired": [old.kid for old in previous],
                },
            )
            db.session.commit()
        except Exception:
            db.session.rollback()
            # Nothing was signed with the new key: take it away and the old one stays active.
            Path(new.source).unlink()
            (folder / f"{new.kid}{PUBLIC_SUFFIX}").unlink(missing_ok=True)
            raise
        kept = [str(_write_public_file(folder, old.public_key)) for old in previous]
        for path in previous_files:
            path.unlink()
    return Rotation(
        previous_kid=previous_kid,
        kid=new.kid,
        removed=[str(path) for path in previous_files],
        kept=kept,
    )
