"""Revocation anyone can check: W3C Bitstring Status List v1.0.

Each certificate signed gets a place (a bit) in a list of LIST_SIZE bits, chosen at random
among the free ones (`StatusEntry`), and its credential names it in `credentialStatus`. The
list is published at /status/<n> as a credential of its own, `BitstringStatusListCredential`,
signed by the same key in the two forms the certificates have: a VC-JWT, or JSON-LD with a Data
Integrity proof for verifiers that ask for JSON (as the Learner Credential Wallet's does). The
bit is 1 when the certificate is revoked or replaced.
The list is made from the certificates' rows when it is asked for, so a revocation or a
reissue changes it in the same transaction, and two nodes serve the same list. Its `validFrom`
is the moment of the last change it shows, so the same state always gives the same bytes (an
Ed25519 signature is deterministic) and the same ETag. docs/credentials.md has the format.
"""

import base64
import gzip
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from sqlalchemy import func, select

from app.certificates.addresses import issuer_did
from app.certificates.data_integrity import ProofError, add_proof, check_proof
from app.certificates.keys import active_key
from app.certificates.models import Certificate, CertificateStatus, StatusEntry
from app.core.models import add_unless_duplicate
from app.core.urls import public_url
from app.extensions import db

# The specification's minimum (131,072 bits, 16 KB): fewer would let an observer tell whose
# bit changed. A list takes new places until half of it is used, then the next list starts,
# so a random free place is found at once.
LIST_SIZE = 131_072
FILL_LIMIT = LIST_SIZE // 2
PURPOSE = "revocation"
CONTEXT = ["https://www.w3.org/ns/credentials/v2"]
ENCODING_PREFIX = "u"  # multibase: base64url without padding
NEVER_CHANGED = datetime(2026, 1, 1, tzinfo=UTC)  # validFrom of a list nothing has touched


def list_url(number: int) -> str:
    return public_url(f"/status/{number}")


def allocate_entry(certificate: Certificate) -> StatusEntry:
    """Give a certificate being signed its place in the current list (once: a reissue is a new
    certificate with a place of its own)."""
    if certificate.status_entry is not None:
        return certificate.status_entry
    number = last_list_number()
    used = set(
        db.session.scalars(select(StatusEntry.list_index).where(StatusEntry.list_number == number))
    )
    if len(used) >= FILL_LIMIT:
        number, used = number + 1, set()
    # Another node may take the same place at the same moment: the unique pair refuses the
    # second, which draws again.
    for _attempt in range(10):
        index = secrets.randbelow(LIST_SIZE)
        if index in used:
            continue
        entry = StatusEntry(certificate_id=certificate.id, list_number=number, list_index=index)
        if add_unless_duplicate(entry):
            db.session.refresh(certificate, ["status_entry"])
            return entry
        used.add(index)
    raise RuntimeError(f"no free place found in status list {number}")


def credential_status(entry: StatusEntry) -> dict[str, str]:
    """The `credentialStatus` of a credential whose certificate has this place."""
    url = list_url(entry.list_number)
    return {
        "id": f"{url}#{entry.list_index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": str(entry.list_index),
        "statusListCredential": url,
    }


# The bits


def encode_bits(set_indexes: set[int] | frozenset[int]) -> str:
    """The list as `encodedList`: multibase base64url of the GZIP-compressed bits, index 0 the
    first byte's highest bit."""
    bits = bytearray(LIST_SIZE // 8)
    for index in set_indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return ENCODING_PREFIX + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def decode_bits(encoded: str) -> bytes:
    """The bits of an `encodedList` (ValueError when it is not one)."""
    if not encoded.startswith(ENCODING_PREFIX):
        raise ValueError("the list is not multibase base64url (it must start with 'u')")
    data = encoded[len(ENCODING_PREFIX) :]
    try:
        packed = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
        bits = gzip.decompress(packed)
    except (ValueError, OSError) as error:
        raise ValueError(f"the list does not decode ({error})") from error
    if len(bits) * 8 < LIST_SIZE:
        raise ValueError(f"the list holds {len(bits) * 8} bits, fewer than {LIST_SIZE}")
    return bits


def bit_is_set(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise ValueError(f"index {index} is outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


# The list as published


@dataclass(frozen=True)
class PublishedList:
    body: str  # the signed BitstringStatusListCredential, in the form asked for
    changed_at: datetime  # its validFrom: the last revocation or issue it shows

    @property
    def etag(self) -> str:
        return hashlib.sha256(self.body.encode("utf-8")).hexdigest()[:32]


def last_list_number() -> int:
    """The newest list's number: lists are 1 to it (list 1 exists, empty, before any place)."""
    return db.session.scalar(select(func.max(StatusEntry.list_number))) or 1


def published_list(number: int, form: str = "jwt") -> PublishedList:
    """List `number`, signed with the active key: "jwt" (a compact JWS) or "ld" (JSON-LD with
    a Data Integrity proof)."""
    rows = db.session.execute(
        select(
            StatusEntry.list_index,
            Certificate.status,
            Certificate.issued_at,
            Certificate.revoked_at,
        )
        .join(Certificate, Certificate.id == StatusEntry.certificate_id)
        .where(StatusEntry.list_number == number)
    ).all()
    # Only signed certificates have a place: any status but ISSUED is revoked or replaced.
    revoked = {row.list_index for row in rows if row.status != CertificateStatus.ISSUED}
    moments = [moment for row in rows for moment in (row.issued_at, row.revoked_at) if moment]
    changed_at = max(moments, default=NEVER_CHANGED).astimezone(UTC).replace(microsecond=0)
    credential = _list_credential(number, encode_bits(revoked), changed_at)
    sign = _signed_document if form == "ld" else _signed_token
    return PublishedList(sign(credential, changed_at), changed_at)


def _list_credential(number: int, encoded: str, changed_at: datetime) -> dict[str, Any]:
    url = list_url(number)
    return {
        "@context": list(CONTEXT),
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did(),
        "validFrom": changed_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encoded,
        },
    }


def _signed_token(credential: dict[str, Any], changed_at: datetime) -> str:
    key = active_key()
    did = issuer_did()
    moment = int(changed_at.timestamp())
    payload = {
        **credential,
        "iss": did,
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": moment,
        "iat": moment,
    }
    return jwt.encode(
        payload, key.private_key, algorithm="EdDSA", headers={"kid": f"{did}#{key.kid}"}
    )


def _signed_document(credential: dict[str, Any], changed_at: datetime) -> str:
    key = active_key()
    document = add_proof(
        credential,
        key.private_key,
        verification_method=f"{issuer_did()}#{key.kid}",
        created=credential["validFrom"],  # the same state, the same bytes
    )
    return json.dumps(document, indent=2) + "\n"


# Reading a saved copy (flask certificates verify --status-list)


@dataclass(frozen=True)
class SavedList:
    url: str  # the list's id: the address it was published at
    changed_at: datetime  # its validFrom: changes after it are not in the copy
    bits: bytes


def read_saved_list(text: str, keys: dict[str, Any]) -> SavedList:
    """A saved status list (either form), its signature checked against the issuer's keys.

    ValueError, with a sentence, when it is not a status list this issuer signed."""
    token = text.strip()
    if token.startswith("{"):
        return _list_contents(_checked_document(token, keys))
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as error:
        raise ValueError(f"it is not a signed status list ({error})") from error
    kid = str(header.get("kid") or "").rsplit("#", 1)[-1]
    key = keys.get(kid)
    if key is None:
        raise ValueError(f"it is signed with a key this issuer has not published ({kid or '-'})")
    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=["EdDSA"],
            options={"verify_nbf": False, "verify_iat": False, "verify_aud": False},
        )
    except jwt.InvalidTokenError as error:
        raise ValueError(f"its signature does not hold ({error})") from error
    return _list_contents(payload)


def _checked_document(text: str, keys: dict[str, Any]) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except ValueError as error:
        raise ValueError(f"it is not JSON ({error})") from error
    proofs = document.get("proof") if isinstance(document, dict) else None
    proof = proofs[0] if isinstance(proofs, list) and proofs else proofs
    method = proof.get("verificationMethod") if isinstance(proof, dict) else None
    kid = str(method or "").rsplit("#", 1)[-1]
    key = keys.get(kid)
    if key is None:
        raise ValueError(f"it is signed with a key this issuer has not published ({kid or '-'})")
    try:
        return check_proof(document, key)
    except ProofError as error:
        raise ValueError(f"its signature does not hold ({error})") from error


def _list_contents(payload: dict[str, Any]) -> SavedList:
    subject = payload.get("credentialSubject") or {}
    if "BitstringStatusListCredential" not in (payload.get("type") or []) or not isinstance(
        subject, dict
    ):
        raise ValueError("it is not a BitstringStatusListCredential")
    if subject.get("statusPurpose") != PURPOSE:
        raise ValueError(f"its purpose is {subject.get('statusPurpose')!r}, not revocation")
    try:
        changed_at = datetime.fromisoformat(str(payload.get("validFrom")).replace("Z", "+00:00"))
    except ValueError as error:
        raise ValueError("its validFrom is not a date") from error
    bits = decode_bits(str(subject.get("encodedList")))
    return SavedList(str(payload.get("id")), changed_at, bits)
