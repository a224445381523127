"""Revocation anyone can check: the Bitstring Status List each credential names.

The list is decoded here by hand (base64url, GZIP, the bit order of W3C Bitstring Status List
v1.0 §3.2: index 0 is the first byte's highest bit) and its signature checked with PyJWT
against the served JWKS, apart from the app's own reader.
"""

import base64
import gzip
import json
import os
from datetime import timedelta

import jwt
import pytest
from sqlalchemy import select

from app.certificates import operations
from app.certificates.credential import iso
from app.certificates.models import Certificate, StatusEntry
from app.certificates.status_list import LIST_SIZE, allocate_entry
from app.core.types import utcnow
from app.extensions import db
from tests.factories import certified_learner

PUBLIC_URL = "https://courses.example.org"
LIST_URL = f"{PUBLIC_URL}/status/1"


@pytest.fixture
def app_config():
    return {"PUBLIC_URL": PUBLIC_URL}


@pytest.fixture
def issue_to(spring, admin):
    """Issue a certificate to a new learner who completed the course."""

    def issue(email: str) -> Certificate:
        return certified_learner(spring, admin, email, email.split("@")[0])

    return issue


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signed_payload(token: str) -> dict:
    return json.loads(b64decode(token.split(".")[1]))


def fetch_list(client) -> tuple[dict, bytes, object]:
    """The served list: its payload (signature checked against the served JWKS), its bits."""
    response = client.get("/status/1")
    assert response.status_code == 200
    token = response.get_data(as_text=True)
    keys = client.get("/.well-known/jwks.json").get_json()["keys"]
    header = json.loads(b64decode(token.split(".")[0]))
    (jwk,) = [key for key in keys if key["kid"] == header["kid"]]
    payload = jwt.decode(
        token,
        jwt.PyJWK(jwk).key,
        algorithms=["EdDSA"],
        options={"verify_nbf": False, "verify_iat": False},
    )
    encoded = payload["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")  # multibase base64url, no padding
    assert "=" not in encoded
    bits = gzip.decompress(b64decode(encoded[1:]))
    return payload, bits, response


def bit(bits: bytes, index: int) -> int:
    return (bits[index // 8] >> (7 - index % 8)) & 1


def test_each_credential_names_its_own_place_in_the_list(issue_to):
    first, second = issue_to("a@city.example"), issue_to("b@city.example")
    statuses = [signed_payload(c.credential_jwt)["credentialStatus"] for c in (first, second)]
    for certificate, status in zip((first, second), statuses, strict=True):
        entry = certificate.status_entry
        assert status == {
            "id": f"{LIST_URL}#{entry.list_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(entry.list_index),
            "statusListCredential": LIST_URL,
        }
        assert 0 <= entry.list_index < LIST_SIZE
    assert statuses[0]["statusListIndex"] != statuses[1]["statusListIndex"]
    # A place is given once: asking again for a signed certificate gives the same one.
    assert allocate_entry(first).list_index == first.status_entry.list_index
    assert db.session.scalar(select(db.func.count(StatusEntry.id))) == 2


def test_the_list_is_a_signed_public_credential_of_the_spec_s_minimum_size(client, issue_to):
    certificate = issue_to("a@city.example")
    payload, bits, response = fetch_list(client)
    assert response.mimetype == "application/vc+jwt"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert "Set-Cookie" not in response.headers
    assert payload["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert payload["id"] == LIST_URL
    assert payload["issuer"] == "did:web:courses.example.org"
    assert payload["credentialSubject"]["type"] == "BitstringStatusList"
    assert payload["credentialSubject"]["statusPurpose"] == "revocation"
    assert len(bits) * 8 == LIST_SIZE == 131_072
    assert bit(bits, certificate.status_entry.list_index) == 0
    assert not any(bits)
    assert client.get("/status/2").status_code == 404
    assert client.get("/status/0").status_code == 404


def test_a_revocation_and_a_reissue_set_the_bits_at_once(client, issue_to, admin):
    kept, revoked, reissued = (issue_to(f"{n}@city.example") for n in ("k", "r", "s"))
    _payload, _bits, before = fetch_list(client)
    etag = before.headers["ETag"]
    assert client.get("/status/1", headers={"If-None-Match": etag}).status_code == 304

    operations.revoke_certificate(revoked, actor=admin, reason="Fraud", now=utcnow())
    new = operations.reissue_certificate(
        reissued, actor=admin, reason="The hours were wrong.", now=utcnow()
    )
    db.session.commit()

    payload, bits, after = fetch_list(client)
    assert bit(bits, revoked.status_entry.list_index) == 1
    assert bit(bits, reissued.status_entry.list_index) == 1  # replaced: no longer stands
    assert bit(bits, kept.status_entry.list_index) == 0
    assert bit(bits, new.status_entry.list_index) == 0
    assert sum(bin(byte).count("1") for byte in bits) == 2
    assert after.headers["ETag"] != etag
    assert client.get("/status/1", headers={"If-None-Match": etag}).status_code == 200
    # The same state gives the same signed list (and so the same ETag) on every request.
    assert client.get("/status/1").headers["ETag"] == after.headers["ETag"]
    # Its date is that of the last change it shows: the reissue, after the revocation.
    assert payload["validFrom"] == iso(max(revoked.revoked_at, new.issued_at))


def test_verify_with_a_saved_list_says_how_old_it_is(runner, client, tmp_path, issue_to, admin):
    certificate = issue_to("a@city.example")
    credential = tmp_path / "certificate.jwt"
    credential.write_text(certificate.credential_jwt, encoding="utf-8")
    jwks = tmp_path / "jwks.json"
    jwks.write_text(client.get("/.well-known/jwks.json").get_data(as_text=True), "utf-8")
    before = tmp_path / "status-before.jwt"
    before.write_text(client.get("/status/1").get_data(as_text=True), encoding="utf-8")
    three_days_ago = (utcnow() - timedelta(days=3)).timestamp()
    os.utime(before, (three_days_ago, three_days_ago))

    operations.revoke_certificate(certificate, actor=admin, reason="Fraud", now=utcnow())
    db.session.commit()
    after = tmp_path / "status-after.jwt"
    after.write_text(client.get("/status/1").get_data(as_text=True), encoding="utf-8")

    def verify(saved):
        arguments = [str(credential), "--jwks", str(jwks), "--status-list", str(saved)]
        return runner.invoke(args=["certificates", "verify", *arguments])

    old = verify(before)
    assert old.exit_code == 0, old.output
    assert old.output.startswith("Valid: ")
    assert f"not revoked in the saved copy of {LIST_URL}" in old.output
    assert "3 days ago" in old.output
    assert "a later revocation is not in it" in old.output

    new = verify(after)
    assert new.exit_code == 1, new.output
    assert "Not valid: revoked or replaced, says the saved copy" in new.output
    assert f"index {certificate.status_entry.list_index}" in new.output

    # A list changed after signing, or not a list at all, is refused.
    forged = tmp_path / "forged.jwt"
    header, payload, signature = after.read_text(encoding="utf-8").split(".")
    claims = json.loads(b64decode(payload))
    cleared = gzip.compress(bytes(LIST_SIZE // 8))  # every bit 0: the revocation undone
    claims["credentialSubject"]["encodedList"] = "u" + base64.urlsafe_b64encode(cleared).rstrip(
        b"="
    ).decode("ascii")
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged.write_text(f"{header}.{body}.{signature}", encoding="utf-8")
    refused = verify(forged)
    assert refused.exit_code == 2
    assert "is not a usable status list: its signature does not hold" in refused.output
    assert verify(jwks).exit_code == 2


def test_the_online_check_reads_this_server_s_status_as_before(runner, client, tmp_path, issue_to):
    certificate = issue_to("a@city.example")
    credential = tmp_path / "certificate.jwt"
    credential.write_text(certificate.credential_jwt, encoding="utf-8")
    result = runner.invoke(args=["certificates", "verify", str(credential)])
    assert result.exit_code == 0, result.output
    assert f"Current status: valid (certificate {certificate.display_serial})" in result.output


def test_the_verification_api_names_the_list_and_the_place(client, issue_to):
    certificate = issue_to("a@city.example")
    record = client.get(f"/verify/{certificate.display_serial}.json").get_json()
    assert record["credential"]["status_list"] == LIST_URL
    assert record["credential"]["did_document"] == f"{PUBLIC_URL}/.well-known/did.json"
    assert record["credential"]["keys"] == f"{PUBLIC_URL}/.well-known/jwks.json"
    assert record["credential"]["status_list_index"] == certificate.status_entry.list_index


# The badge image, and the badge with the credential baked in


def png_text_chunks(data: bytes) -> dict[str, str]:
    """The iTXt chunks of a PNG, read by hand (PNG specification § 11.3.4.5)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    found, position = {}, 8
    while position < len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"iTXt":
            keyword, rest = body.split(b"\0", 1)
            compressed, _method, rest = rest[0], rest[1], rest[2:]
            _language, _translated, text = rest.split(b"\0", 2)
            assert compressed == 0
            found[keyword.decode("latin-1")] = text.decode("utf-8")
        position += 12 + length
    return found


def test_the_achievement_has_a_public_badge_image(client, issue_to, course):
    certificate = issue_to("a@city.example")
    image = signed_payload(certificate.credential_jwt)["credentialSubject"]["achievement"]["image"]
    assert image == {
        "id": f"{PUBLIC_URL}/courses/{course.slug}/badge.png",
        "type": "Image",
        "caption": f"The badge of {course.title}",
    }
    response = client.get(f"/courses/{course.slug}/badge.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data.startswith(b"\x89PNG")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    assert png_text_chunks(response.data) == {}  # nobody's credential in the public picture
    assert client.get("/courses/no-such-course/badge.png").status_code == 404


def test_the_holder_downloads_the_badge_with_the_credential_baked_in(
    app, issue_to, make_user, browser
):
    certificate = issue_to("holder@city.example")
    url = f"/certificates/{certificate.display_serial}/badge.png"
    assert browser.login("holder@city.example").status_code == 302
    baked = browser.client.get(url)
    assert baked.status_code == 200
    assert baked.mimetype == "image/png"
    assert baked.headers["Content-Disposition"] == (
        f'attachment; filename="badge-{certificate.display_serial}.png"'
    )
    assert baked.headers["Cache-Control"] == "private, no-store"
    assert png_text_chunks(baked.data) == {"openbadgecredential": certificate.credential_jwt}
    browser.logout()
    other = make_user(email="other@city.example")
    assert browser.login(other.email).status_code == 302
    assert browser.client.get(url).status_code == 404
