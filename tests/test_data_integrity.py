"""The JSON-LD credential and its Data Integrity proof (eddsa-rdfc-2022), and the status list in
the same form.

The proofs are checked here apart from the app's signer: RDF canonicalisation with pyld over
the tests' own copies of the contexts (tests/data/open_badges/contexts), SHA-256 and Ed25519
with hashlib and cryptography, base58btc decoded by hand, and the key taken from the served
did:web document, as a wallet resolves it. Every credential is also held to the OB 3.0 schema
(tests/open_badges.py).
"""

import base64
import gzip
import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from openbadgeslib.ob3.ldp import OB3LdpVerifier
from openbadgeslib.ob3.verifier import OB3VerificationError, OB3Verifier
from pyld import jsonld
from sqlalchemy import update

from app.certificates import keys as key_store
from app.certificates import operations
from app.certificates.credential import sign_certificate, verify
from app.certificates.models import Certificate
from app.certificates.status_list import LIST_SIZE
from app.core.types import utcnow
from app.extensions import db
from tests.factories import certified_learner
from tests.open_badges import schema_errors

PUBLIC_URL = "https://courses.example.org"
DID = "did:web:courses.example.org"
CONTEXTS = Path(__file__).parent / "data" / "open_badges" / "contexts"
CONTEXT_FILES = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": "ob-v3p0-extensions.json",
}
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@pytest.fixture
def app_config():
    return {"PUBLIC_URL": PUBLIC_URL}


@pytest.fixture
def issue_to(spring, admin):
    """Issue a certificate to a new learner who completed the course."""

    def issue(email: str, name: str = "نور الحداد") -> Certificate:
        return certified_learner(spring, admin, email, name)

    return issue


# The independent check


def load_context(url: str, options=None) -> dict:
    if url not in CONTEXT_FILES:  # a test must never reach the network
        raise AssertionError(f"the credential names a context the tests do not hold: {url}")
    document = json.loads((CONTEXTS / CONTEXT_FILES[url]).read_text(encoding="utf-8"))
    return {"contextUrl": None, "documentUrl": url, "document": document}


def canonical(document: dict) -> bytes:
    nquads = jsonld.normalize(
        document,
        {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": load_context},
    )
    return nquads.encode("utf-8")


def from_base58(text: str) -> bytes:
    number = 0
    for character in text:
        number = number * 58 + BASE58.index(character)
    leading = len(text) - len(text.lstrip("1"))
    return b"\0" * leading + number.to_bytes((number.bit_length() + 7) // 8, "big")


def resolve_key(client, verification_method: str) -> Ed25519PublicKey:
    """The key a verification method names, from the served did:web document."""
    did = verification_method.split("#")[0]
    assert did == DID  # did:web:courses.example.org resolves to /.well-known/did.json
    document = client.get("/.well-known/did.json").get_json()
    assert verification_method in document["assertionMethod"]
    [method] = [m for m in document["verificationMethod"] if m["id"] == verification_method]
    x = method["publicKeyJwk"]["x"]
    return Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(x + "=" * (-len(x) % 4)))


def check_proof(client, document: dict) -> dict:
    """VC Data Integrity EdDSA Cryptosuites v1.0, § 3.2.2 (verify) and § 3.2.4-6, by hand.

    Raises InvalidSignature when the proof does not hold; returns the proof."""
    [proof] = document["proof"]
    assert (proof["type"], proof["cryptosuite"]) == ("DataIntegrityProof", "eddsa-rdfc-2022")
    assert proof["proofPurpose"] == "assertionMethod"
    unsecured = {name: value for name, value in document.items() if name != "proof"}
    options = {name: value for name, value in proof.items() if name != "proofValue"}
    options["@context"] = unsecured["@context"]
    hash_data = (
        hashlib.sha256(canonical(options)).digest() + hashlib.sha256(canonical(unsecured)).digest()
    )
    assert proof["proofValue"].startswith("z")  # multibase base58btc
    signature = from_base58(proof["proofValue"][1:])
    assert len(signature) == 64
    resolve_key(client, proof["verificationMethod"]).verify(signature, hash_data)
    return proof


def payload_of(token: str) -> dict:
    segment = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


# The credential


def test_the_downloaded_credential_verifies_with_an_independent_check(client, issue_to):
    certificate = issue_to("noor@city.example")
    document = json.loads(certificate.credential_ld)
    proof = check_proof(client, document)
    assert proof["verificationMethod"] == f"{DID}#{certificate.key_id}"
    assert proof["created"] == certificate.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    # The same credential the VC-JWT carries, signed by the same key.
    signed = payload_of(certificate.credential_jwt)
    assert {k: v for k, v in document.items() if k != "proof"} == {
        k: v for k, v in signed.items() if k not in {"iss", "jti", "sub", "nbf", "iat", "exp"}
    }
    assert document["credentialSubject"]["identifier"][0]["identityHash"] == "نور الحداد"
    assert "نور الحداد" in certificate.credential_ld  # in its own script, not \\u-escaped
    # Every term means something: no IRI in the canonical form is relative.
    quads = canonical({k: v for k, v in document.items() if k != "proof"}).decode()
    assert "example.org/base" not in quads and "<1EdTech" not in quads
    assert "purl.imsglobal.org/spec/vccs/v1p0/context.json#1EdTechJsonSchemaValidator2019" in quads


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["credentialSubject"]["identifier"][0].update(identityHash="Someone Else"),
        lambda d: d["credentialSubject"]["achievement"].update(name="Another course"),
        lambda d: d.update(validFrom="2020-01-01T00:00:00Z"),
        lambda d: d["proof"][0].update(created="2020-01-01T00:00:00Z"),
        lambda d: d["credentialStatus"].update(statusListIndex="7"),
    ],
    ids=["name", "course", "date", "proof-created", "status-index"],
)
def test_any_change_breaks_the_proof(client, issue_to, change):
    certificate = issue_to("noor@city.example")
    document = json.loads(certificate.credential_ld)
    change(document)
    with pytest.raises(InvalidSignature):
        check_proof(client, document)
    verdict = verify(json.dumps(document), key_store.published_keys(), utcnow())
    assert (verdict.ok, verdict.problem) == (False, "bad_signature")


def test_the_app_s_verifier_accepts_the_document_and_names_what_is_wrong(client, issue_to):
    certificate = issue_to("noor@city.example")
    keys = key_store.published_keys()
    verdict = verify(certificate.credential_ld, keys, utcnow())
    assert verdict.ok, verdict.reason
    assert verdict.kid == certificate.key_id
    assert verdict.summary().startswith("Valid: نور الحداد — ")

    document = json.loads(certificate.credential_ld)
    other = dict(document, issuer={**document["issuer"], "id": "did:web:elsewhere.example"})
    assert "does not belong to its issuer" in verify(json.dumps(other), keys, utcnow()).reason

    stranger = Ed25519PublicKey.from_public_bytes(bytes(32))
    verdict = verify(certificate.credential_ld, {"someone-else": stranger}, utcnow())
    assert verdict.problem == "unknown_key"

    unknown_context = dict(document)
    unknown_context["@context"] = [*document["@context"], "https://evil.example/context.json"]
    verdict = verify(json.dumps(unknown_context), keys, utcnow())
    assert verdict.problem == "malformed"
    assert "https://evil.example/context.json is not one this server knows" in verdict.reason

    for value in ("not-multibase", "z0OIl"):  # no z; digits base58 does not have
        broken = json.loads(certificate.credential_ld)
        broken["proof"][0]["proofValue"] = value
        verdict = verify(json.dumps(broken), keys, utcnow())
        assert verdict.problem == "malformed", value


def test_a_json_ld_credential_is_valid_only_in_its_period(client, issue_to):
    certificate = issue_to("noor@city.example")
    until = utcnow() + timedelta(days=30)
    certificate.valid_until = until
    sign_certificate(certificate, now=certificate.issued_at)
    db.session.commit()
    document = json.loads(certificate.credential_ld)
    assert document["validUntil"] == until.strftime("%Y-%m-%dT%H:%M:%SZ")
    check_proof(client, document)
    keys = key_store.published_keys()
    assert verify(certificate.credential_ld, keys, utcnow()).ok
    verdict = verify(certificate.credential_ld, keys, until + timedelta(seconds=1))
    assert (verdict.problem, verdict.kid) == ("expired", certificate.key_id)
    assert until.strftime("%Y-%m-%d") in verdict.reason
    verdict = verify(certificate.credential_ld, keys, certificate.issued_at - timedelta(days=1))
    assert verdict.problem == "not_yet_valid"


def test_a_certificate_signed_before_the_json_ld_form_gets_it_on_download(
    client, browser, issue_to
):
    certificate = issue_to("noor@city.example", name="Ana Pérez")
    db.session.execute(
        update(Certificate).where(Certificate.id == certificate.id).values(credential_ld=None)
    )
    db.session.commit()
    browser.login("noor@city.example")
    url = f"/certificates/{certificate.display_serial}/credential.json"
    response = browser.client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/vc"
    document = json.loads(response.data)
    check_proof(client, document)
    db.session.expire_all()
    kept = db.session.get(Certificate, certificate.id).credential_ld
    assert kept == response.get_data(as_text=True)  # signed once, then kept
    assert browser.client.get(url).data == response.data


def test_the_schema_check_of_every_signed_credential_can_fail(client, issue_to):
    """tests/open_badges.py watches every certificate: a credential that breaks the schema
    fails the test that signs it."""
    certificate = issue_to("noor@city.example")
    document = json.loads(certificate.credential_ld)
    assert schema_errors(document) == []
    assert schema_errors(payload_of(certificate.credential_jwt)) == []
    del document["issuer"]
    document["proof"] = document["proof"][0]  # OB 3.0: proof is an array
    errors = schema_errors(document)
    assert any("'issuer' is a required property" in error for error in errors)
    assert any(error.startswith("proof:") for error in errors)
    with pytest.raises(AssertionError, match=r"breaks the OB 3\.0 schema"):
        certificate.credential_ld = json.dumps(document)
    db.session.rollback()


# The status list in the same form


def fetch_json_list(client, accept: str = "application/ld+json, application/json"):
    response = client.get("/status/1", headers={"Accept": accept})
    assert response.status_code == 200
    document = response.get_json(force=True)
    check_proof(client, document)
    encoded = document["credentialSubject"]["encodedList"]
    data = encoded[1:]  # multibase "u": base64url without padding
    bits = gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
    return document, bits, response


def bit(bits: bytes, index: int) -> int:
    return (bits[index // 8] >> (7 - index % 8)) & 1


def test_a_json_client_gets_the_status_list_as_json_ld(client, issue_to, admin):
    kept, revoked, reissued = (issue_to(f"{n}@city.example") for n in ("k", "r", "s"))
    document, bits, response = fetch_json_list(client)
    assert response.mimetype == "application/ld+json"  # as asked, so it is read as JSON
    assert "Accept" in response.headers["Vary"].split(", ")  # caches keep the forms apart
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["issuer"] == DID
    assert not any(bits)
    as_jwt = client.get("/status/1")
    assert as_jwt.mimetype == "application/vc+jwt"  # the default, as before
    assert as_jwt.headers["ETag"] != response.headers["ETag"]
    etag = response.headers["ETag"]
    again = client.get("/status/1", headers={"Accept": "application/json", "If-None-Match": etag})
    assert again.status_code == 304

    operations.revoke_certificate(revoked, actor=admin, reason="Fraud", now=utcnow())
    new = operations.reissue_certificate(reissued, actor=admin, reason="Hours", now=utcnow())
    db.session.commit()
    document, bits, response = fetch_json_list(client, "application/vc")
    assert response.mimetype == "application/vc"
    assert bit(bits, revoked.status_entry.list_index) == 1
    assert bit(bits, reissued.status_entry.list_index) == 1
    assert bit(bits, kept.status_entry.list_index) == 0
    assert bit(bits, new.status_entry.list_index) == 0
    assert response.headers["ETag"] != etag
    # JSON-LD and JWT say the same.
    token_subject = payload_of(client.get("/status/1").get_data(as_text=True))["credentialSubject"]
    assert token_subject == document["credentialSubject"]


def test_verify_with_a_saved_json_ld_list(runner, client, tmp_path, issue_to, admin):
    certificate = issue_to("a@city.example")
    credential = tmp_path / "certificate.json"
    credential.write_text(certificate.credential_ld, encoding="utf-8")
    operations.revoke_certificate(certificate, actor=admin, reason="Fraud", now=utcnow())
    db.session.commit()
    saved = tmp_path / "status.json"
    saved.write_text(
        client.get("/status/1", headers={"Accept": "application/json"}).get_data(as_text=True),
        encoding="utf-8",
    )
    result = runner.invoke(
        args=["certificates", "verify", str(credential), "--status-list", str(saved)]
    )
    assert result.exit_code == 1, result.output
    assert "Not valid: revoked or replaced, says the saved copy" in result.output

    forged = json.loads(saved.read_text(encoding="utf-8"))
    cleared = gzip.compress(bytes(LIST_SIZE // 8))  # every bit 0: the revocation undone
    forged["credentialSubject"]["encodedList"] = "u" + base64.urlsafe_b64encode(cleared).rstrip(
        b"="
    ).decode("ascii")
    saved.write_text(json.dumps(forged), encoding="utf-8")
    refused = runner.invoke(
        args=["certificates", "verify", str(credential), "--status-list", str(saved)]
    )
    assert refused.exit_code == 2
    assert "its signature does not hold" in refused.output


# An outside verifier: openbadgeslib, as an employer's or another LMS's system would run it


def served_by(client):
    """openbadgeslib's downloader, answered by this app instead of the network: the did:web
    document and the status list are fetched at the addresses the credential names."""

    def download(url: str, *_args, **_kwargs) -> bytes:
        assert url.startswith(PUBLIC_URL + "/"), url
        response = client.get(url.removeprefix(PUBLIC_URL))
        assert response.status_code == 200, url
        return response.data

    return download


def test_openbadgeslib_accepts_both_forms_and_sees_a_revocation(client, issue_to, admin):
    download = served_by(client)
    kept, revoked = issue_to("kept@city.example"), issue_to("revoked@city.example", "Ana Pérez")
    operations.revoke_certificate(revoked, actor=admin, reason="Fraud", now=utcnow())
    db.session.commit()

    def as_jwt(certificate):
        verifier = OB3Verifier.for_issuer_did(DID, download=download)
        return verifier.verify(certificate.credential_jwt, check_status=True, download=download)

    def as_json_ld(certificate):
        verifier = OB3LdpVerifier.for_issuer_did(DID)
        return verifier.verify(certificate.credential_ld, check_status=True, download=download)

    for check in (as_jwt, as_json_ld):
        credential = check(kept)
        assert credential.issuer.id == DID
        assert credential.recipient_id == json.loads(kept.credential_ld)["credentialSubject"]["id"]
        with pytest.raises(OB3VerificationError, match="'revocation' is set at index"):
            check(revoked)

    tampered = json.loads(kept.credential_ld)
    tampered["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    with pytest.raises(OB3VerificationError, match="signature mismatch"):
        OB3LdpVerifier.for_issuer_did(DID).verify(tampered, download=download)
