"""The certificate as a signed Open Badges 3.0 credential: build, sign (VC-JWT, EdDSA), verify.

Each certificate is signed twice, by the same key, over the same credential: as a VC-JWT (a
compact JWS whose payload is the OpenBadgeCredential itself with the JWT claims beside its
members, OB 3.0 §8.2.4: no "vc" wrapper) and as JSON-LD with an embedded Data Integrity proof
(eddsa-rdfc-2022, data_integrity.py), the `.json` file a holder downloads. `verify` checks
either. See docs/credentials.md.
"""

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.catalog.models import Course
from app.certificates.addresses import issuer_did, verify_url
from app.certificates.data_integrity import (
    InvalidProof,
    ProofError,
    add_proof,
    check_proof,
    data_integrity_proof,
)
from app.certificates.keys import ActiveKey, active_key
from app.certificates.models import Certificate
from app.certificates.status_list import credential_status
from app.core.urls import public_url
from app.extensions import db

# The third context defines the credentialSchema's type (1EdTechJsonSchemaValidator2019), which
# the other two leave undefined: without it the JSON-LD form would hold a relative IRI.
EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    EXTENSIONS_CONTEXT,
]
TYPE = ["VerifiableCredential", "OpenBadgeCredential"]
# The schema the credential follows, named as OB 3.0's own examples name it (§ 8.1): a
# verifier may validate against it.
CREDENTIAL_SCHEMA = {
    "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
    "type": "1EdTechJsonSchemaValidator2019",
}
ALGORITHM = "EdDSA"
# The registered claims that sit beside the credential's members in the payload.
JWT_CLAIMS = ("iss", "jti", "sub", "nbf", "iat", "exp")
COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")


# Building and signing


def _timestamp(moment: datetime) -> datetime:
    """A UTC moment to the second: the precision that both validFrom and nbf can carry."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    return _timestamp(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text[-1] in ".!?" else text + "."


def _course_slug(certificate: Certificate) -> str:
    course = certificate.course
    if course is None:  # a pending row with only course_id set does not load its relationship
        course = db.session.get(Course, certificate.course_id)
    return course.slug


def build_credential(certificate: Certificate) -> dict[str, Any]:
    """The OpenBadgeCredential a certificate states (unsigned), from its frozen fields."""
    if not certificate.serial or certificate.issued_at is None:
        raise ValueError(f"{certificate!r} is not issued yet: it needs a serial and issued_at")
    did = issuer_did()
    profile = {
        "id": did,
        "type": ["Profile"],
        "name": ", ".join(certificate.issuers) or public_url(),
        "url": public_url(),
    }
    course_url = public_url(f"/courses/{_course_slug(certificate)}")
    hours = certificate.hours
    description = " ".join(
        part
        for part in (
            _sentence(f"The holder {certificate.wording}") if certificate.wording else "",
            f"{hours} hour{'s' if hours != 1 else ''} of study.",
        )
        if part
    )
    credential: dict[str, Any] = {
        "@context": list(CONTEXT),
        "id": verify_url(certificate.serial),
        "type": list(TYPE),
        "name": f"{certificate.title or 'Certificate of completion'}: {certificate.course_title}",
        "issuer": profile,
        "validFrom": iso(certificate.issued_at),
    }
    if certificate.valid_until is not None:
        credential["validUntil"] = iso(certificate.valid_until)
    credential["awardedDate"] = iso(certificate.issued_at)
    credential["credentialSubject"] = {
        # The holder has no identifier of their own to put here, and the JWT's `sub` must equal
        # this id: the certificate's public page, which names them, stands for them.
        "id": f"{verify_url(certificate.serial)}#holder",
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": False,
                "identityHash": certificate.holder_name,
            }
        ],
        "achievement": {
            "id": course_url,
            "type": ["Achievement"],
            "achievementType": "Certificate",
            "name": certificate.course_title,
            "description": description,
            "image": {
                "id": f"{course_url}/badge.png",
                "type": "Image",
                "caption": f"The badge of {certificate.course_title}",
            },
            "criteria": {
                "id": course_url,
                "narrative": (
                    f"Complete the course {certificate.course_title} as its completion rules "
                    f"set out (see {course_url})."
                ),
            },
            "creator": dict(profile),
        },
        "activityEndDate": _date_time(certificate.completed_on),
        "term": certificate.cohort_title,
    }
    if certificate.status_entry is not None:  # certificates signed before lists existed: none
        credential["credentialStatus"] = credential_status(certificate.status_entry)
    credential["credentialSchema"] = [dict(CREDENTIAL_SCHEMA)]
    return credential


def _date_time(day: date) -> str:
    # OB 3.0 types activityEndDate as a DateTime: the day the learner completed, at 00:00 UTC.
    return f"{day.isoformat()}T00:00:00Z"


def sign_certificate(certificate: Certificate, *, now: datetime) -> None:
    """Sign the certificate's credential with the active key, in both forms; sets
    credential_jwt, credential_ld and key_id.

    Records the key in signing_keys if it is new; the caller commits.
    """
    key = active_key()
    credential = build_credential(certificate)
    did = issuer_did()
    payload = {
        **credential,
        "iss": did,
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": int(_timestamp(certificate.issued_at).timestamp()),
        "iat": int(_timestamp(now).timestamp()),
    }
    if certificate.valid_until is not None:
        payload["exp"] = int(_timestamp(certificate.valid_until).timestamp())
    certificate.credential_jwt = jwt.encode(
        payload,
        key.private_key,
        algorithm=ALGORITHM,
        headers={"kid": f"{did}#{key.kid}", "typ": "JWT"},
    )
    certificate.credential_ld = _signed_document(credential, key, now)
    certificate.key_id = key.kid


def _signed_document(credential: dict[str, Any], key: ActiveKey, now: datetime) -> str:
    """The credential with its Data Integrity proof, as the indented JSON the holder saves."""
    document = add_proof(
        credential,
        key.private_key,
        verification_method=f"{issuer_did()}#{key.kid}",
        created=iso(now),
    )
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _credential_of(payload: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in payload.items() if name not in JWT_CLAIMS}


def _unverified_payload(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def document_text(certificate: Certificate, *, now: datetime) -> str:
    """The file the holder downloads: the credential as JSON-LD with its Data Integrity proof.

    A certificate signed before that form existed gets it now, signed by the active key over
    what its VC-JWT states (taken from the token, not rebuilt, so it says exactly what was
    signed even if the course or the server's address has changed since); the caller commits.
    """
    if not certificate.credential_jwt:
        raise ValueError(f"{certificate!r} has no signed credential")
    if certificate.credential_ld is None:
        credential = _credential_of(_unverified_payload(certificate.credential_jwt))
        if "credentialSchema" in credential and EXTENSIONS_CONTEXT not in credential["@context"]:
            credential["@context"] = [*credential["@context"], EXTENSIONS_CONTEXT]
        certificate.credential_ld = _signed_document(credential, active_key(), now)
    return certificate.credential_ld


# Verifying

PROBLEMS = ("malformed", "unknown_key", "bad_signature", "altered", "expired", "not_yet_valid")


@dataclass(frozen=True)
class Verdict:
    """What checking a credential found. `credential` is set only once the signature holds."""

    ok: bool
    problem: str | None  # one of PROBLEMS, None when ok
    reason: str  # a sentence for people
    credential: dict[str, Any] | None = None
    kid: str | None = None  # the key that signed it, once found among the published keys

    def summary(self) -> str:
        """One line: "Valid: <name> — <course>, issued <date> by <issuer>, key <kid>"."""
        if self.ok and self.credential is not None:
            return f"Valid: {describe(self.credential, self.kid or '')}"
        return f"Not valid: {self.reason}"


class _Malformed(Exception):
    pass


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _ in pairs]
    for name in names:
        if names.count(name) > 1:
            raise _Malformed(f'the member "{name}" appears twice, so it can be read two ways')
    return dict(pairs)


def _read(text: str) -> tuple[str | None, dict[str, Any] | None]:
    """The compact JWS in the text, and the readable document around it if there is one; no
    JWS (None) for a document with a Data Integrity proof."""
    text = text.strip().lstrip("\ufeff")
    if COMPACT_JWS.match(text):
        return text, None
    if not text.startswith("{"):
        raise _Malformed(
            "the file is neither a credential (JSON) nor a signed token: "
            "is it the certificate's .json file?"
        )
    try:
        document = json.loads(text, object_pairs_hook=_reject_duplicates)
    except ValueError as error:
        raise _Malformed(f"the file is not valid JSON ({error})") from error
    if not isinstance(document, dict):
        raise _Malformed("the file is not a JSON object")
    if data_integrity_proof(document) is not None:
        return None, document
    proofs = document.get("proof")
    proofs = proofs if isinstance(proofs, list) else [proofs]
    # A readable JSON file with the VC-JWT as its proof (JwtProof2020), as this server gave
    # out before the Data Integrity form.
    for proof in proofs:
        if isinstance(proof, dict) and isinstance(proof.get("jwt"), str):
            token = proof["jwt"].strip()
            if COMPACT_JWS.match(token):
                return token, document
            raise _Malformed("its proof is not a compact JWT")
    raise _Malformed(
        "the credential has no proof this server makes (a DataIntegrityProof or a VC-JWT)"
    )


def _decode_segment(segment: str) -> Any:
    raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    return json.loads(raw, object_pairs_hook=_reject_duplicates)


def first_difference(signed: Any, shown: Any, path: str = "") -> str | None:
    """The path of the first field where `shown` differs from `signed`, or None if equal."""
    if isinstance(signed, dict) and isinstance(shown, dict):
        for name in [*signed, *(name for name in shown if name not in signed)]:
            where = f"{path}.{name}" if path else name
            if name not in signed or name not in shown:
                return where
            found = first_difference(signed[name], shown[name], where)
            if found:
                return found
        return None
    if isinstance(signed, list) and isinstance(shown, list):
        for index in range(max(len(signed), len(shown))):
            where = f"{path}[{index}]"
            if index >= len(signed) or index >= len(shown):
                return where
            found = first_difference(signed[index], shown[index], where)
            if found:
                return found
        return None
    # True == 1 in Python, not in JSON
    same = type(signed) is type(shown) and signed == shown
    return None if same else (path or "(the whole document)")


def _claims_problem(payload: dict[str, Any]) -> str | None:
    """Why the token's claims disagree with the credential they carry (OB 3.0 §8.2.6.1)."""
    issuer = payload.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    subject = payload.get("credentialSubject")
    subject_id = subject.get("id") if isinstance(subject, dict) else None
    if payload.get("iss") != issuer_id:
        return "its iss claim is not the credential's issuer"
    if payload.get("jti") != payload.get("id"):
        return "its jti claim is not the credential's id"
    if "sub" in payload and payload.get("sub") != subject_id:
        return "its sub claim is not the credential's subject"
    for claim, member in (("nbf", "validFrom"), ("exp", "validUntil")):
        if claim not in payload and member not in payload:
            continue
        if not isinstance(payload.get(claim), int) or not isinstance(payload.get(member), str):
            return f"its {claim} claim and {member} do not both say when"
        if iso(datetime.fromtimestamp(payload[claim], UTC)) != payload[member]:
            return f"its {claim} claim is not the credential's {member}"
    if "nbf" not in payload:
        return "it has no nbf claim"
    return None


def _date(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _malformed(detail: str) -> Verdict:
    return Verdict(False, "malformed", f"This is not a readable credential: {detail}.")


def verify(text: str, keys: dict[str, Ed25519PublicKey], now: datetime) -> Verdict:
    """Check a credential file (the JSON-LD document or a bare VC-JWT) against published keys."""
    try:
        token, document = _read(text)
        if token is None:
            return _verify_data_integrity(document, keys, now)
        header = _decode_segment(token.split(".", 1)[0])
        payload = _decode_segment(token.split(".")[1])
    except _Malformed as error:
        return _malformed(str(error))
    except (ValueError, binascii.Error):
        return _malformed("its signed token cannot be decoded")
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return _malformed("its signed token does not hold JSON objects")
    if header.get("alg") != ALGORITHM:
        return _malformed(f"it is signed with {header.get('alg')!r}, not EdDSA (Ed25519)")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        return _malformed("its signature names no key (kid)")
    short_kid = kid.rsplit("#", 1)[-1]
    key = keys.get(short_kid)
    if key is None:
        return _unknown_key(short_kid)
    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            # The times are checked below against `now`, not the machine's clock.
            options={
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_iss": False,
                "verify_aud": False,
                "verify_sub": False,
                "verify_jti": False,
            },
        )
    except jwt.InvalidSignatureError:
        return _bad_signature()
    except jwt.InvalidTokenError as error:
        return _malformed(f"its signed token cannot be read ({error})")
    problem = _claims_problem(payload)
    if problem:
        return _malformed(f"the signature holds, but {problem}")
    credential = _credential_of(payload)
    if document is not None:
        shown = {name: value for name, value in document.items() if name != "proof"}
        field = first_difference(credential, shown)
        if field:
            return Verdict(
                False,
                "altered",
                f"The readable part of the file was changed after signing: {field} is not what "
                "was signed.",
                credential,
                short_kid,
            )
    return _in_period(credential, short_kid, payload["nbf"], payload.get("exp"), now)


def _unknown_key(short_kid: str) -> Verdict:
    return Verdict(
        False,
        "unknown_key",
        f"It was signed with a key this issuer has not published ({short_kid}): it was not "
        "issued here, or the list of keys you checked against is out of date.",
    )


def _bad_signature() -> Verdict:
    return Verdict(
        False,
        "bad_signature",
        "The signature does not match: the credential was changed after it was signed, "
        "or signed by another key.",
    )


def _seconds(value: Any) -> int | None:
    """A credential's xsd:dateTime as a POSIX time, or None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return int(moment.timestamp()) if moment.tzinfo is not None else None


def _verify_data_integrity(
    document: dict[str, Any], keys: dict[str, Ed25519PublicKey], now: datetime
) -> Verdict:
    proof = data_integrity_proof(document) or {}
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or "#" not in method:
        return _malformed("its proof names no key (verificationMethod)")
    controller, short_kid = method.rsplit("#", 1)
    issuer = document.get("issuer")
    if controller != (issuer.get("id") if isinstance(issuer, dict) else issuer):
        return _malformed("its proof's key does not belong to its issuer")
    key = keys.get(short_kid)
    if key is None:
        return _unknown_key(short_kid)
    try:
        credential = check_proof(document, key)
    except InvalidProof:
        return _bad_signature()
    except ProofError as error:
        return _malformed(str(error))
    valid_from = _seconds(credential.get("validFrom"))
    valid_until = _seconds(credential.get("validUntil"))
    if valid_from is None or ("validUntil" in credential and valid_until is None):
        return _malformed("the signature holds, but its validFrom or validUntil is not a date")
    return _in_period(credential, short_kid, valid_from, valid_until, now)


def _in_period(
    credential: dict[str, Any], kid: str, not_before: int, expires: int | None, now: datetime
) -> Verdict:
    """The verdict on a credential whose signature holds: is `now` in its validity period?"""
    moment = _timestamp(now).timestamp()
    if moment < not_before:
        return Verdict(
            False,
            "not_yet_valid",
            f"The credential is not valid before {_date(not_before)}.",
            credential,
            kid,
        )
    if expires is not None and moment >= expires:
        return Verdict(
            False, "expired", f"The credential expired on {_date(expires)}.", credential, kid
        )
    return Verdict(
        True,
        None,
        "The signature holds, what the file states is what was signed, and it is in its "
        "validity period.",
        credential,
        kid,
    )


def describe(credential: dict[str, Any], kid: str) -> str:
    """<name> — <course>, issued <date> by <issuer>, key <kid>."""
    subject = credential.get("credentialSubject") or {}
    names = [
        entry.get("identityHash", "")
        for entry in subject.get("identifier") or []
        if isinstance(entry, dict) and entry.get("identityType") == "name"
    ]
    course = (subject.get("achievement") or {}).get("name", "")
    issued = str(credential.get("validFrom", ""))[:10]
    issuer = (credential.get("issuer") or {}).get("name", "")
    name = names[0] if names else "(no name)"
    return f"{name} — {course}, issued {issued} by {issuer}, key {kid}"
