"""The signed Open Badges 3.0 credential, the issuer's keys and `flask certificates verify`.

Signatures are checked here with cryptography's Ed25519 directly on `header.payload`, against
the keys the server publishes, not with the app's own helper (which uses PyJWT).
"""

import base64
import hashlib
import json
import os
import stat
import threading
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import jwt
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select, update

from app.certificates import keys as key_store
from app.certificates.credential import (
    document_text,
    first_difference,
    sign_certificate,
    verify,
)
from app.certificates.models import Certificate, CertificateStatus, SigningKey, new_serial
from app.certificates.operations import reissue_certificate, revoke_certificate
from app.core.audit import AuditEvent
from app.core.permissions import Role
from app.core.types import utcnow
from app.extensions import db
from tests.conftest import separate_app
from tests.server_process import local_server

PUBLIC_URL = "https://courses.example.org"
DID = "did:web:courses.example.org"
HOLDER = "Görsev Argın"


def _pem(private_key: Ed25519PrivateKey) -> str:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


@pytest.fixture
def configured_key() -> Ed25519PrivateKey:
    """A key a test puts in CERTIFICATE_SIGNING_KEY (asking for it is what sets it)."""
    return Ed25519PrivateKey.generate()


@pytest.fixture
def app_config(request):
    config = {"PUBLIC_URL": PUBLIC_URL}
    if "configured_key" in request.fixturenames:
        config["CERTIFICATE_SIGNING_KEY"] = _pem(request.getfixturevalue("configured_key"))
    return config


@pytest.fixture
def key_folder(app) -> Path:
    return Path(app.config["CERTIFICATE_KEY_FOLDER"])


@pytest.fixture
def make_certificate(make_user, imported_example, make_cohort):
    """Issue and sign a certificate the way the issuing code does: fields first, then sign."""
    cohort = make_cohort(imported_example, title="Spring 2027")
    numbers = iter(range(1, 1000))

    def make(
        holder_name: str = HOLDER,
        *,
        issued_at: datetime | None = None,
        valid_until: datetime | None = None,
    ) -> Certificate:
        user = make_user(email=f"holder{next(numbers)}@city.example", name=holder_name)
        issued_at = issued_at or utcnow() - timedelta(days=1)
        certificate = Certificate(
            serial=new_serial(),
            status=CertificateStatus.ISSUED,
            user_id=user.id,
            course_id=imported_example.id,
            cohort_id=cohort.id,
            holder_name=holder_name,
            title="Certificate of completion",
            wording="has completed the example course.",
            course_title=imported_example.title,
            cohort_title=cohort.title,
            hours=2,
            issuers=["Example Network of Cities", "City of Bogotá"],
            signatories=[],
            completed_on=date(2027, 5, 14),
            issued_at=issued_at,
            valid_until=valid_until,
        )
        db.session.add(certificate)
        sign_certificate(certificate, now=issued_at)
        db.session.commit()
        return certificate

    return make


# An independent check: base64url, RFC 7638 and Ed25519 by hand, no PyJWT, no app helper.


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def check_signature(token: str, jwk: dict) -> tuple[dict, dict]:
    """Verify a compact JWS with the JWK's raw Ed25519 key; the decoded header and payload."""
    header, payload, signature = token.split(".")
    public_key = Ed25519PublicKey.from_public_bytes(b64decode(jwk["x"]))
    public_key.verify(b64decode(signature), f"{header}.{payload}".encode("ascii"))
    return json.loads(b64decode(header)), json.loads(b64decode(payload))


def served_jwks(client) -> dict[str, dict]:
    """The served keys by their thumbprint (the part of each DID URL kid after `#`)."""
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return {entry["kid"].rsplit("#", 1)[-1]: entry for entry in response.get_json()["keys"]}


def with_payload(token: str, payload: dict) -> str:
    """The token with another payload and its old signature: what a forger can do."""
    header, _payload, signature = token.split(".")
    encoded = b64encode(json.dumps(payload, ensure_ascii=False).encode("utf-8"))
    return f"{header}.{encoded}.{signature}"


def payload_of(token: str) -> dict:
    return json.loads(b64decode(token.split(".")[1]))


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# The credential and its signature


def test_the_signature_verifies_against_the_served_jwks(client, make_certificate):
    certificate = make_certificate()
    served = served_jwks(client)
    assert certificate.key_id in served
    jwk = served[certificate.key_id]
    header_kid = json.loads(b64decode(certificate.credential_jwt.split(".")[0]))["kid"]
    assert header_kid == f"{DID}#{certificate.key_id}"
    assert jwk == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": jwk["x"],
        "kid": header_kid,  # the JWT header's kid, as it is: standard lookups find the key
        "use": "sig",
        "alg": "EdDSA",
    }
    # The kid is the RFC 7638 thumbprint of the served key.
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": jwk["x"]}, separators=(",", ":"))
    assert certificate.key_id == b64encode(hashlib.sha256(canonical.encode()).digest())

    header, payload = check_signature(certificate.credential_jwt, jwk)

    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": f"{DID}#{certificate.key_id}"}
    verify_url = f"{PUBLIC_URL}/verify/{certificate.display_serial}"
    issued = certificate.issued_at.replace(microsecond=0)
    assert payload["iss"] == DID
    assert payload["jti"] == verify_url
    assert payload["sub"] == payload["credentialSubject"]["id"] == f"{verify_url}#holder"
    assert payload["nbf"] == int(issued.timestamp())
    assert payload["iat"] == int(issued.timestamp())
    assert "exp" not in payload
    assert "validUntil" not in payload
    assert "vc" not in payload  # OB 3.0 §8.2.4: the payload is the credential itself
    assert payload["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        # defines 1EdTechJsonSchemaValidator2019, the credentialSchema's type
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    ]
    assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert payload["credentialSchema"] == [
        {
            "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
            "ob_v3p0_achievementcredential_schema.json",
            "type": "1EdTechJsonSchemaValidator2019",
        }
    ]
    assert payload["id"] == verify_url
    assert payload["name"] == "Certificate of completion: Example course"
    profile = {
        "id": DID,
        "type": ["Profile"],
        "name": "Example Network of Cities, City of Bogotá",
        "url": PUBLIC_URL,
    }
    assert payload["issuer"] == profile
    assert payload["validFrom"] == issued.strftime("%Y-%m-%dT%H:%M:%SZ")
    subject = payload["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"] == [
        {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": HOLDER}
    ]
    assert subject["activityEndDate"] == "2027-05-14T00:00:00Z"
    assert subject["term"] == "Spring 2027"
    achievement = subject["achievement"]
    assert achievement["id"] == f"{PUBLIC_URL}/courses/example-course"
    assert achievement["type"] == ["Achievement"]
    assert achievement["achievementType"] == "Certificate"
    assert achievement["name"] == "Example course"
    assert achievement["description"] == (
        "The holder has completed the example course. 2 hours of study."
    )
    assert "Example course" in achievement["criteria"]["narrative"]
    assert achievement["creator"] == profile


def test_pyjwt_finds_the_key_by_the_token_s_kid_in_the_served_jwks(app, make_certificate):
    """What a verifier does with the standard tools: fetch the JWKS over HTTP and pick the key
    the token's header names (PyJWT's PyJWKClient, as jose's createRemoteJWKSet does)."""
    certificate = make_certificate()
    server, url = local_server(app)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        client = jwt.PyJWKClient(f"{url}/.well-known/jwks.json", cache_keys=False)
        key = client.get_signing_key_from_jwt(certificate.credential_jwt)
    finally:
        server.shutdown()
        serving.join()
    assert key.key_id == f"{DID}#{certificate.key_id}"
    payload = jwt.decode(
        certificate.credential_jwt,
        key.key,
        algorithms=["EdDSA"],
        options={"verify_aud": False},
        leeway=timedelta(days=1),  # nbf is the issuing moment; the clock may stand before it
    )
    assert payload["credentialSubject"]["achievement"]["name"] == certificate.course_title
    # A token signed by another key under the same kid fails the signature, not the lookup.
    other = Ed25519PrivateKey.generate()
    forged = jwt.encode(payload, other, algorithm="EdDSA", headers={"kid": key.key_id})
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, key.key, algorithms=["EdDSA"], options={"verify_aud": False})


def test_the_jwks_is_public_cacheable_and_readable_from_other_sites(client, make_certificate):
    make_certificate()
    response = client.get("/.well-known/jwks.json")
    assert response.mimetype == "application/jwk-set+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert "Set-Cookie" not in response.headers


def test_the_did_document_lists_the_key_the_jwt_header_names(client, make_certificate):
    certificate = make_certificate()
    header_kid = json.loads(b64decode(certificate.credential_jwt.split(".")[0]))["kid"]

    response = client.get("/.well-known/did.json")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    document = response.get_json()
    assert document["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/suites/jws-2020/v1",
    ]
    assert document["id"] == DID
    # Resolve the header's kid the way a DID resolver does: the method with that id.
    [method] = [m for m in document["verificationMethod"] if m["id"] == header_kid]
    assert method["type"] == "JsonWebKey2020"
    assert method["controller"] == DID
    assert method["publicKeyJwk"] == {
        name: served_jwks(client)[certificate.key_id][name] for name in ("kty", "crv", "x")
    }
    assert header_kid in document["assertionMethod"]
    check_signature(certificate.credential_jwt, method["publicKeyJwk"])


@pytest.mark.parametrize("holder", ["김민준", "نور الهدى بن علي", HOLDER])
def test_names_in_any_script_are_signed_and_shown_as_written(client, make_certificate, holder):
    certificate = make_certificate(holder)
    _header, payload = check_signature(
        certificate.credential_jwt, served_jwks(client)[certificate.key_id]
    )
    assert payload["credentialSubject"]["identifier"][0]["identityHash"] == holder
    text = document_text(certificate, now=utcnow())
    assert holder in text  # not \\u-escaped in the file people read
    verdict = verify(text, key_store.published_keys(), utcnow())
    assert verdict.ok, verdict.reason
    assert verdict.summary().startswith(f"Valid: {holder} — Example course")


def test_the_document_is_the_signed_credential_with_a_data_integrity_proof(make_certificate):
    certificate = make_certificate()
    document = json.loads(document_text(certificate, now=utcnow()))
    [proof] = document.pop("proof")
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["verificationMethod"] == f"{DID}#{certificate.key_id}"
    signed = payload_of(certificate.credential_jwt)
    # The same credential in both forms: only the JWT's claims are the token's own.
    assert document == {
        k: v for k, v in signed.items() if k not in {"iss", "jti", "sub", "nbf", "iat"}
    }

    verdict = verify(document_text(certificate, now=utcnow()), key_store.published_keys(), utcnow())
    assert verdict == verify(certificate.credential_jwt, key_store.published_keys(), utcnow())
    assert verdict.ok
    assert verdict.problem is None
    assert verdict.credential == document
    assert verdict.kid == certificate.key_id


def jwt_document(certificate: Certificate) -> dict:
    """The readable file this server gave out before the Data Integrity form: the credential
    with its VC-JWT as the proof (JwtProof2020). `verify` still reads such files."""
    credential = {
        k: v
        for k, v in payload_of(certificate.credential_jwt).items()
        if k not in {"iss", "jti", "sub", "nbf", "iat", "exp"}
    }
    return {**credential, "proof": {"type": "JwtProof2020", "jwt": certificate.credential_jwt}}


def test_a_file_given_out_before_the_data_integrity_form_still_verifies(make_certificate):
    certificate = make_certificate()
    verdict = verify(json.dumps(jwt_document(certificate)), key_store.published_keys(), utcnow())
    assert verdict == verify(certificate.credential_jwt, key_store.published_keys(), utcnow())
    assert verdict.ok


def test_valid_until_becomes_exp_and_an_expired_credential_is_refused(make_certificate):
    issued = utcnow() - timedelta(days=400)
    until = utcnow() - timedelta(days=35)
    certificate = make_certificate(issued_at=issued, valid_until=until)
    payload = payload_of(certificate.credential_jwt)
    assert payload["exp"] == int(until.replace(microsecond=0).timestamp())
    assert payload["validUntil"] == until.strftime("%Y-%m-%dT%H:%M:%SZ")

    verdict = verify(document_text(certificate, now=utcnow()), key_store.published_keys(), utcnow())
    assert (verdict.ok, verdict.problem) == (False, "expired")
    assert until.strftime("%Y-%m-%d") in verdict.reason
    assert verdict.credential["validUntil"] == payload["validUntil"]
    # The same credential was valid in its time.
    assert verify(
        document_text(certificate, now=utcnow()), key_store.published_keys(), until - timedelta(1)
    ).ok


def test_a_credential_is_not_valid_before_its_valid_from(make_certificate):
    issued = utcnow() + timedelta(days=2)
    certificate = make_certificate(issued_at=issued)
    verdict = verify(certificate.credential_jwt, key_store.published_keys(), utcnow())
    assert (verdict.ok, verdict.problem) == (False, "not_yet_valid")
    assert verify(certificate.credential_jwt, key_store.published_keys(), issued).ok


# Tampering


def test_a_name_changed_inside_the_signed_token_breaks_the_signature(client, make_certificate):
    certificate = make_certificate()
    payload = payload_of(certificate.credential_jwt)
    payload["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    forged = with_payload(certificate.credential_jwt, payload)
    with pytest.raises(InvalidSignature):
        check_signature(forged, served_jwks(client)[certificate.key_id])

    verdict = verify(forged, key_store.published_keys(), utcnow())
    assert (verdict.ok, verdict.problem, verdict.credential) == (False, "bad_signature", None)
    assert verdict.reason.startswith("The signature does not match")
    # The same forgery inside a document: the proof inside is what is checked.
    document = jwt_document(certificate)
    document["proof"]["jwt"] = forged
    document["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    assert verify(json.dumps(document), key_store.published_keys(), utcnow()).problem == (
        "bad_signature"
    )


def test_a_changed_field_breaks_the_data_integrity_proof(make_certificate):
    certificate = make_certificate()
    for change in (
        lambda d: d["credentialSubject"]["identifier"][0].update(identityHash="Someone Else"),
        lambda d: d["credentialSubject"]["achievement"].update(creditsAvailable=30),
        lambda d: d.update(validFrom="2020-01-01T00:00:00Z"),
        lambda d: d["proof"][0].update(created="2020-01-01T00:00:00Z"),
    ):
        document = json.loads(document_text(certificate, now=utcnow()))
        change(document)
        verdict = verify(json.dumps(document), key_store.published_keys(), utcnow())
        assert (verdict.ok, verdict.problem, verdict.credential) == (False, "bad_signature", None)


def test_a_changed_readable_field_of_a_jwt_document_is_named(make_certificate):
    certificate = make_certificate()
    document = jwt_document(certificate)
    document["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    verdict = verify(json.dumps(document), key_store.published_keys(), utcnow())
    assert (verdict.ok, verdict.problem) == (False, "altered")
    assert "credentialSubject.identifier[0].identityHash" in verdict.reason
    # What was signed is still told, so a page can show the truth beside the lie.
    assert verdict.credential["credentialSubject"]["identifier"][0]["identityHash"] == HOLDER

    added = jwt_document(certificate)
    added["credentialSubject"]["achievement"]["creditsAvailable"] = 30
    verdict = verify(json.dumps(added), key_store.published_keys(), utcnow())
    assert verdict.problem == "altered"
    assert "credentialSubject.achievement.creditsAvailable" in verdict.reason


def test_a_key_that_is_not_published_is_unknown(make_certificate):
    certificate = make_certificate()
    stranger = Ed25519PrivateKey.generate().public_key()
    verdict = verify(certificate.credential_jwt, {key_store.kid_of(stranger): stranger}, utcnow())
    assert (verdict.ok, verdict.problem, verdict.credential) == (False, "unknown_key", None)
    assert certificate.key_id in verdict.reason


def test_a_forger_who_names_the_issuers_key_fails_the_signature(make_certificate):
    certificate = make_certificate()
    header, payload, _signature = certificate.credential_jwt.split(".")
    forged_signature = Ed25519PrivateKey.generate().sign(f"{header}.{payload}".encode())
    forged = f"{header}.{payload}.{b64encode(forged_signature)}"
    assert verify(forged, key_store.published_keys(), utcnow()).problem == "bad_signature"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "garbage",
        "%PDF-1.7 not a credential",
        "{}",
        "[1, 2]",
        '{"proof": {"type": "JwtProof2020", "jwt": "not a token"}}',
        '{"proof": {"type": "JwtProof2020", "jwt": "a.b.c"}}',
        "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.",
        "e30.e30.AAAA",
    ],
)
def test_garbage_is_malformed(app, text):
    verdict = verify(text, {}, utcnow())
    assert (verdict.ok, verdict.problem, verdict.credential) == (False, "malformed", None)
    assert verdict.reason


def test_a_document_with_a_member_twice_is_malformed(make_certificate):
    certificate = make_certificate()
    text = document_text(certificate, now=utcnow()).replace(
        '"name": "Certificate', '"name": "Diploma", "name": "Certificate', 1
    )
    verdict = verify(text, key_store.published_keys(), utcnow())
    assert verdict.problem == "malformed"
    assert "twice" in verdict.reason


def test_another_algorithm_is_refused(make_certificate):
    certificate = make_certificate()
    _header, payload, signature = certificate.credential_jwt.split(".")
    header = b64encode(json.dumps({"alg": "none", "kid": certificate.key_id}).encode())
    verdict = verify(f"{header}.{payload}.{signature}", key_store.published_keys(), utcnow())
    assert verdict.problem == "malformed"


def test_first_difference_names_the_path():
    signed = {"a": {"b": [1, {"c": "x"}]}, "d": True}
    assert first_difference(signed, signed) is None
    assert first_difference(signed, {"a": {"b": [1, {"c": "y"}]}, "d": True}) == "a.b[1].c"
    assert first_difference(signed, {"a": {"b": [1]}, "d": True}) == "a.b[1]"
    assert first_difference(signed, {"a": {"b": [1, {"c": "x"}]}, "d": 1}) == "d"
    assert first_difference(signed, {**signed, "e": 0}) == "e"


# The command line


def test_verify_command_says_valid(runner, tmp_path, make_certificate):
    certificate = make_certificate()
    path = write(tmp_path, "certificate.json", document_text(certificate, now=utcnow()))
    result = runner.invoke(args=["certificates", "verify", str(path)])
    assert result.exit_code == 0, result.output
    issued = certificate.issued_at.strftime("%Y-%m-%d")
    assert result.output == (
        f"Valid: {HOLDER} — Example course, issued {issued} by Example Network of Cities, "
        f"City of Bogotá, key {certificate.key_id}\n"
        f"Current status: valid (certificate {certificate.display_serial})\n"
    )
    bare = write(tmp_path, "certificate.jwt", certificate.credential_jwt + "\n")
    assert runner.invoke(args=["certificates", "verify", str(bare)]).exit_code == 0


def test_verify_command_reports_a_revoked_certificate(
    runner, tmp_path, make_certificate, make_user
):
    certificate = make_certificate()
    path = write(tmp_path, "certificate.json", document_text(certificate, now=utcnow()))
    revoked_at = utcnow()
    revoke_certificate(
        certificate, actor=make_user(role=Role.ADMIN), reason="Issued in error", now=revoked_at
    )
    db.session.commit()
    result = runner.invoke(args=["certificates", "verify", str(path)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Signature valid: {HOLDER} — Example course")
    assert "Valid:" not in result.output
    assert (
        f"Not valid: revoked on {revoked_at:%Y-%m-%d %H:%M} UTC: Issued in error "
        f"(certificate {certificate.display_serial})\n" in result.output
    )


def test_verify_command_reports_a_replaced_certificate(
    runner, tmp_path, make_certificate, make_user
):
    certificate = make_certificate()
    path = write(tmp_path, "certificate.json", document_text(certificate, now=utcnow()))
    new = reissue_certificate(
        certificate,
        actor=make_user(role=Role.ADMIN),
        reason="Name corrected",
        now=utcnow(),
        holder_name="Görsev Argın Yılmaz",
    )
    db.session.commit()
    result = runner.invoke(args=["certificates", "verify", str(path)])
    assert result.exit_code == 1
    assert (
        f"Not valid: replaced by certificate {new.display_serial}: Name corrected "
        f"(certificate {certificate.display_serial})\n" in result.output
    )
    replacement = write(tmp_path, "new.json", document_text(new, now=utcnow()))
    result = runner.invoke(args=["certificates", "verify", str(replacement)])
    assert result.exit_code == 0, result.output
    assert f"Current status: valid (certificate {new.display_serial})" in result.output


def test_verify_command_reports_a_certificate_this_server_does_not_hold(
    runner, tmp_path, make_certificate
):
    certificate = make_certificate()
    path = write(tmp_path, "certificate.json", document_text(certificate, now=utcnow()))
    # Its serial is no longer recorded here (a copy of another server's database, say).
    db.session.execute(
        update(Certificate).where(Certificate.id == certificate.id).values(serial=new_serial())
    )
    db.session.commit()
    result = runner.invoke(args=["certificates", "verify", str(path)])
    assert result.exit_code == 1
    assert (
        "Not valid: unknown to this server: it has no certificate with this serial" in result.output
    )


@pytest.mark.parametrize(
    ("database_url", "why"),
    [
        ("sqlite:///{tmp}/empty.db", "no such table: certificates"),
        ("postgresql+psycopg://postgres@127.0.0.1:1/none", "connection"),
    ],
)
def test_verify_command_says_when_the_status_cannot_be_read(
    client, tmp_path, make_certificate, database_url, why
):
    certificate = make_certificate()
    jwks = write(tmp_path, "jwks.json", client.get("/.well-known/jwks.json").get_data(as_text=True))
    path = write(tmp_path, "certificate.json", document_text(certificate, now=utcnow()))
    config = {
        "SQLALCHEMY_DATABASE_URI": database_url.format(tmp=tmp_path),
        "PUBLIC_URL": PUBLIC_URL,
    }
    with separate_app(config, str(tmp_path / "other")) as other, other.app_context():
        runner = other.test_cli_runner()
        result = runner.invoke(args=["certificates", "verify", str(path), "--jwks", str(jwks)])
        assert result.exit_code == 3, result.output
        assert result.output.startswith(f"Signature valid: {HOLDER} — Example course")
        assert (
            "The signature is valid; the certificate's current status could not be read: "
            in result.output
        )
        assert why in result.output.splitlines()[-1]
        # Without a saved copy of the keys there is nothing to check against: said plainly.
        result = runner.invoke(args=["certificates", "verify", str(path)])
        assert result.exit_code == 1
        assert "this server's keys could not be read from the database" in result.output
        assert "Traceback" not in result.output


def test_verify_command_names_the_altered_field(runner, tmp_path, make_certificate):
    document = jwt_document(make_certificate())
    document["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    path = write(tmp_path, "altered.json", json.dumps(document))
    result = runner.invoke(args=["certificates", "verify", str(path)])
    assert result.exit_code == 1
    assert result.output.startswith("Not valid: The readable part of the file was changed")
    assert "credentialSubject.identifier[0].identityHash" in result.output


def test_verify_command_refuses_a_forged_signature(runner, tmp_path, make_certificate):
    certificate = make_certificate()
    payload = payload_of(certificate.credential_jwt)
    payload["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    path = write(tmp_path, "forged.jwt", with_payload(certificate.credential_jwt, payload))
    result = runner.invoke(args=["certificates", "verify", str(path)])
    assert result.exit_code == 1
    assert result.output == (
        "Not valid: The signature does not match: the credential was changed after it was "
        "signed, or signed by another key.\n"
    )


def test_verify_command_refuses_an_expired_credential(runner, tmp_path, make_certificate):
    certificate = make_certificate(
        issued_at=utcnow() - timedelta(days=400), valid_until=utcnow() - timedelta(days=1)
    )
    path = write(tmp_path, "old.json", document_text(certificate, now=utcnow()))
    result = runner.invoke(args=["certificates", "verify", str(path)])
    assert result.exit_code == 1
    assert result.output.startswith("Not valid: The credential expired on ")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("garbage", "Not valid: This is not a readable credential"),
        (b"%PDF-1.7\n\xff\xfe\x00binary", "not text (the credential is the certificate's .json"),
    ],
)
def test_verify_command_on_something_else(runner, tmp_path, app, content, expected):
    path = write(tmp_path, "other", content)
    result = runner.invoke(args=["certificates", "verify", str(path)])
    assert result.exit_code == 1
    assert expected in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_verify_command_on_a_missing_or_unreadable_file(runner, tmp_path, app):
    result = runner.invoke(args=["certificates", "verify", str(tmp_path / "nowhere.json")])
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert "Traceback" not in result.output

    folder = runner.invoke(args=["certificates", "verify", str(tmp_path)])
    assert folder.exit_code == 2
    assert "is a directory" in folder.output

    if os.geteuid() != 0:  # root reads anything
        locked = write(tmp_path, "locked.json", "{}")
        locked.chmod(0)
        result = runner.invoke(args=["certificates", "verify", str(locked)])
        assert result.exit_code == 2
        assert "Traceback" not in result.output


def test_verify_command_with_a_saved_jwks_works_offline(
    runner, client, tmp_path, make_certificate, monkeypatch
):
    certificate = make_certificate()
    jwks = write(tmp_path, "jwks.json", client.get("/.well-known/jwks.json").get_data(as_text=True))
    did = write(tmp_path, "did.json", client.get("/.well-known/did.json").get_data(as_text=True))
    path = write(tmp_path, "certificate.json", document_text(certificate, now=utcnow()))

    def no_database():
        raise AssertionError("--jwks must not read this server's keys")

    # A copy saved before the JWKS named keys by their DID URL: the bare thumbprint.
    old_form = json.loads(jwks.read_text(encoding="utf-8"))
    for entry in old_form["keys"]:
        entry["kid"] = entry["kid"].rsplit("#", 1)[-1]
    bare = write(tmp_path, "old-jwks.json", json.dumps(old_form))

    monkeypatch.setattr("app.certificates.cli.published_keys", no_database)
    for saved in (jwks, did, bare):
        result = runner.invoke(args=["certificates", "verify", str(path), "--jwks", str(saved)])
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"Valid: {HOLDER} — Example course")

    other_issuer = {
        "keys": [key_store.public_jwk(Ed25519PrivateKey.generate().public_key())],
    }
    other = write(tmp_path, "other-jwks.json", json.dumps(other_issuer))
    result = runner.invoke(args=["certificates", "verify", str(path), "--jwks", str(other)])
    assert result.exit_code == 1
    assert "has not published" in result.output

    broken = write(tmp_path, "broken-jwks.json", "<html>Not found</html>")
    result = runner.invoke(args=["certificates", "verify", str(path), "--jwks", str(broken)])
    assert result.exit_code == 2
    assert "not a usable JWKS" in result.output


# Keys in the folder, and rotation


def test_the_first_key_is_made_in_a_private_folder(app, key_folder):
    assert not key_folder.exists()
    key = key_store.active_key()
    db.session.commit()
    assert stat.S_IMODE(key_folder.stat().st_mode) == 0o700
    private = key_folder / f"{key.kid}.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert (key_folder / f"{key.kid}.pub.pem").exists()
    assert key_store.active_key().kid == key.kid  # read back, not made again
    [row] = db.session.scalars(select(SigningKey)).all()
    assert (row.kid, row.retired_at) == (key.kid, None)
    assert row.public_jwk == key_store.public_jwk(key.public_key)


def test_processes_starting_at_once_make_one_key(app, key_folder):
    kids, errors = [], []
    start = threading.Barrier(8)

    def first_use():
        try:
            with app.app_context():
                start.wait()
                kids.append(key_store.current_key().kid)
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(kids)) == 1
    assert [path.name for path in key_folder.glob("*.pem") if ".pub" not in path.name] == [
        f"{kids[0]}.pem"
    ]


def test_recording_a_key_twice_keeps_one_row(app):
    key = key_store.current_key()
    first = key_store.record_key(key.kid, key.public_jwk)
    db.session.commit()
    assert key_store.record_key(key.kid, key.public_jwk).id == first.id
    db.session.commit()
    assert len(db.session.scalars(select(SigningKey)).all()) == 1


def test_the_published_pages_make_the_key_when_there_is_none(client, app):
    assert db.session.scalars(select(SigningKey)).all() == []
    first = served_jwks(client)
    assert len(first) == 1
    assert served_jwks(client) == first
    [kid] = first
    assert db.session.scalars(select(SigningKey.kid)).all() == [kid]
    document = client.get("/.well-known/did.json").get_json()
    assert document["assertionMethod"] == [f"{DID}#{kid}"]


def test_rotation_keeps_old_credentials_valid(
    runner, client, tmp_path, key_folder, make_certificate
):
    before = make_certificate("Ana Pérez")
    result = runner.invoke(args=["certificates", "rotate-key"])
    assert result.exit_code == 0, result.output
    after = make_certificate("Lee Ji-eun")

    assert after.key_id != before.key_id
    assert f"New signing key: {after.key_id}" in result.output
    assert f"Retired {before.key_id}" in result.output
    # The old private key is gone; its public half stays; the new key is private to the owner.
    names = sorted(path.name for path in key_folder.iterdir() if path.name != ".lock")
    assert names == sorted(
        [f"{before.key_id}.pub.pem", f"{after.key_id}.pem", f"{after.key_id}.pub.pem"]
    )
    assert stat.S_IMODE((key_folder / f"{after.key_id}.pem").stat().st_mode) == 0o600

    served = served_jwks(client)
    assert set(served) == {before.key_id, after.key_id}
    for certificate in (before, after):
        check_signature(certificate.credential_jwt, served[certificate.key_id])
        path = write(
            tmp_path, f"{certificate.key_id}.json", document_text(certificate, now=utcnow())
        )
        verified = runner.invoke(args=["certificates", "verify", str(path)])
        assert verified.exit_code == 0, verified.output
        assert f"key {certificate.key_id}" in verified.output
    did_document = client.get("/.well-known/did.json").get_json()
    assert set(did_document["assertionMethod"]) == {
        f"{DID}#{before.key_id}",
        f"{DID}#{after.key_id}",
    }

    rows = {row.kid: row for row in db.session.scalars(select(SigningKey))}
    assert rows[before.key_id].retired_at is not None
    assert rows[after.key_id].retired_at is None
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "signing_key.rotated")
    ).all()
    assert event.actor_id is None
    assert event.details["previous_kid"] == before.key_id
    assert event.details["kid"] == after.key_id

    listing = runner.invoke(args=["certificates", "keys"]).output
    [old_line] = [line for line in listing.splitlines() if line.startswith(before.key_id)]
    [new_line] = [line for line in listing.splitlines() if line.startswith(after.key_id)]
    assert "retired" in old_line
    assert not old_line.endswith("active")
    assert new_line.endswith("active")


def test_rotating_before_any_key_just_makes_one(runner, key_folder, app):
    result = runner.invoke(args=["certificates", "rotate-key"])
    assert result.exit_code == 0, result.output
    [row] = db.session.scalars(select(SigningKey)).all()
    assert row.retired_at is None
    assert (key_folder / f"{row.kid}.pem").exists()


def test_keys_command_before_any_key(runner, key_folder, app):
    result = runner.invoke(args=["certificates", "keys"])
    assert result.exit_code == 0
    assert "No signing key yet" in result.output
    assert not key_folder.exists()  # listing makes nothing


# A key from the configuration


def test_a_configured_key_signs_and_nothing_is_written(
    runner, client, key_folder, make_certificate, configured_key
):
    certificate = make_certificate()
    assert certificate.key_id == key_store.kid_of(configured_key.public_key())
    served = served_jwks(client)
    assert list(served) == [certificate.key_id]
    check_signature(certificate.credential_jwt, served[certificate.key_id])
    assert not key_folder.exists()

    result = runner.invoke(args=["certificates", "rotate-key"])
    assert result.exit_code == 1
    assert "CERTIFICATE_SIGNING_KEY" in result.output
    assert "put a new Ed25519 private key (PEM) in that setting" in result.output
    assert not key_folder.exists()
    assert db.session.scalars(select(AuditEvent.action)).all().count("signing_key.rotated") == 0
    keys = runner.invoke(args=["certificates", "keys"]).output
    assert "from CERTIFICATE_SIGNING_KEY" in keys


def test_changing_the_configured_key_keeps_the_old_one_published(
    database, client, tmp_path, make_certificate, configured_key
):
    before = make_certificate()
    replacement = Ed25519PrivateKey.generate()
    config = {
        **database.config(),
        "PUBLIC_URL": PUBLIC_URL,
        # As an environment file may hold it: one line with \n escapes.
        "CERTIFICATE_SIGNING_KEY": _pem(replacement).replace("\n", "\\n"),
    }
    with separate_app(config, str(tmp_path / "restarted")) as restarted:
        new_jwks = served_jwks(restarted.test_client())
    new_kid = key_store.kid_of(replacement.public_key())
    assert set(new_jwks) == {before.key_id, new_kid}
    check_signature(before.credential_jwt, new_jwks[before.key_id])
    rows = {row.kid: row for row in db.session.scalars(select(SigningKey))}
    assert rows[before.key_id].retired_at is not None
    assert rows[new_kid].retired_at is None


def test_a_configured_key_that_is_not_ed25519_is_refused_clearly(app):
    app.config["CERTIFICATE_SIGNING_KEY"] = (
        "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----"
    )
    with pytest.raises(key_store.SigningKeyError, match="not an unencrypted Ed25519 private key"):
        key_store.active_key()


def test_the_rfc_8037_thumbprint_example():
    # RFC 8037 appendix A.3: the thumbprint of the example Ed25519 public key.
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert key_store.thumbprint(jwk) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_issued_at_in_another_zone_is_written_in_utc(make_certificate):
    moment = datetime(2027, 5, 20, 18, 30, 15, 999, tzinfo=UTC)
    certificate = make_certificate(issued_at=moment.astimezone(timezone(timedelta(hours=-5))))
    payload = payload_of(certificate.credential_jwt)
    assert payload["validFrom"] == "2027-05-20T18:30:15Z"
    assert payload["nbf"] == int(moment.replace(microsecond=0).timestamp())
