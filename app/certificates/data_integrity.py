"""The credential as JSON-LD with an embedded Data Integrity proof (cryptosuite eddsa-rdfc-2022).

W3C VC Data Integrity EdDSA Cryptosuites v1.0, § 3.2: the credential and the proof's options are
each canonicalised (RDFC-1.0, pyld's URDNA2015) and hashed with SHA-256; the Ed25519 signature
over hash(options) + hash(credential) is the proof's `proofValue`, multibase base58btc. The
JSON-LD contexts the credential names are bundled in `contexts/` and never fetched: a context
that is not bundled is refused. See docs/credentials.md.
"""

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_PURPOSE = "assertionMethod"
CONTEXT_FOLDER = Path(__file__).parent / "contexts"
# Each context a credential may name, and the bundled copy that stands for it.
BUNDLED_CONTEXTS = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": "ob-v3p0-extensions.json",
}
BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class ProofError(ValueError):
    """A document whose proof cannot be checked or made; the message says why, for people."""


@cache
def _bundled(url: str) -> dict[str, Any]:
    return json.loads((CONTEXT_FOLDER / BUNDLED_CONTEXTS[url]).read_text("utf-8"))


def _load_document(url: str, options: Any = None) -> dict[str, Any]:
    """pyld's document loader: the bundled contexts only, never the network."""
    if url not in BUNDLED_CONTEXTS:
        raise jsonld.JsonLdError(
            f"the JSON-LD context {url} is not one this server knows",
            "jsonld.LoadDocumentError",
            code="loading document failed",
        )
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": _bundled(url),
    }


def canonical_form(document: dict[str, Any]) -> str:
    """The document's RDF dataset, canonicalised (RDFC-1.0) as N-Quads."""
    try:
        return jsonld.normalize(
            document,
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": _load_document,
            },
        )
    except jsonld.JsonLdError as error:
        raise ProofError(f"its JSON-LD cannot be read ({_first_cause(error)})") from error


def _first_cause(error: BaseException) -> str:
    """The message of the innermost error pyld wraps."""
    while isinstance(error.__cause__, jsonld.JsonLdError):
        error = error.__cause__
    return str(error.args[0]) if error.args else type(error).__name__


def _hash_data(document: dict[str, Any], proof_options: dict[str, Any]) -> bytes:
    options = {"@context": document["@context"], **proof_options}
    return (
        hashlib.sha256(canonical_form(options).encode("utf-8")).digest()
        + hashlib.sha256(canonical_form(document).encode("utf-8")).digest()
    )


def base58btc(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits = ""
    while number:
        number, remainder = divmod(number, 58)
        digits = BASE58_ALPHABET[remainder] + digits
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + digits


def base58btc_decode(text: str) -> bytes:
    number = 0
    for character in text:
        position = BASE58_ALPHABET.find(character)
        if position < 0:
            raise ValueError(f"{character!r} is not a base58btc digit")
        number = number * 58 + position
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def add_proof(
    credential: dict[str, Any],
    private_key: Ed25519PrivateKey,
    *,
    verification_method: str,
    created: str,
) -> dict[str, Any]:
    """The credential with its proof (an array of one, as OB 3.0's schema asks)."""
    if "proof" in credential:
        raise ProofError("the credential already has a proof")
    options = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": PROOF_PURPOSE,
    }
    signature = private_key.sign(_hash_data(credential, options))
    return {**credential, "proof": [{**options, "proofValue": "z" + base58btc(signature)}]}


def data_integrity_proof(document: dict[str, Any]) -> dict[str, Any] | None:
    """The document's eddsa-rdfc-2022 proof, or None when it has none."""
    proofs = document.get("proof")
    for proof in proofs if isinstance(proofs, list) else [proofs]:
        if isinstance(proof, dict) and proof.get("type") == PROOF_TYPE:
            return proof
    return None


def check_proof(document: dict[str, Any], public_key: Ed25519PublicKey) -> dict[str, Any]:
    """The credential without its proof, once the proof holds; ProofError says why it does not.

    The caller has found `public_key` from the proof's verificationMethod.
    """
    proof = data_integrity_proof(document)
    if proof is None:
        raise ProofError("it has no Data Integrity proof")
    if proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(f"its proof uses {proof.get('cryptosuite')!r}, not {CRYPTOSUITE}")
    if proof.get("proofPurpose") != PROOF_PURPOSE:
        raise ProofError(
            f"its proof's purpose is {proof.get('proofPurpose')!r}, not {PROOF_PURPOSE}"
        )
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        raise ProofError("its proofValue is not multibase base58btc")
    try:
        signature = base58btc_decode(value[1:])
    except ValueError as error:
        raise ProofError(f"its proofValue cannot be decoded ({error})") from error
    credential = {name: value for name, value in document.items() if name != "proof"}
    if not isinstance(credential.get("@context"), list):
        raise ProofError("it names no JSON-LD contexts")
    options = {name: value for name, value in proof.items() if name != "proofValue"}
    try:
        public_key.verify(signature, _hash_data(credential, options))
    except InvalidSignature as error:
        raise InvalidProof from error
    return credential


class InvalidProof(ProofError):
    """The proof is well formed but its signature does not match the document."""

    def __init__(self) -> None:
        super().__init__("the signature does not match the document")
