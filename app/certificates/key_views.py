"""What verifiers fetch: the issuer's keys (JWKS, did:web DID document) and the revocation
status lists."""

import json

from flask import Response, abort, request

from app.certificates import bp
from app.certificates.addresses import issuer_did
from app.certificates.keys import active_key, recorded_keys
from app.certificates.status_list import last_list_number, published_list
from app.extensions import db

# Short enough that a rotated key is seen within the hour; credentials name their key, so an
# old copy still checks everything signed before the rotation.
CACHE_CONTROL = "public, max-age=3600"


def _published_jwks() -> list[dict[str, str]]:
    """Every key that has signed and the active one (made and recorded now if there is none)."""
    active_key()
    db.session.commit()
    return [
        {**row.public_jwk, "kid": row.kid, "use": "sig", "alg": "EdDSA"} for row in recorded_keys()
    ]


def _public_json(document: dict, mimetype: str) -> Response:
    response = Response(json.dumps(document, indent=2) + "\n", mimetype=mimetype)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers fetch it from their pages
    return response


@bp.get("/.well-known/jwks.json")
def jwks():
    """The public keys credentials are signed with, retired ones included (RFC 7517 JWK Set).

    Each key's `kid` is the DID URL that a credential's JWT header names (did:web:…#<its
    thumbprint>), so standard lookups by the header's kid find it: PyJWT's
    `PyJWKClient.get_signing_key_from_jwt`, jose's `createRemoteJWKSet`.
    """
    did = issuer_did()
    keys = [{**key, "kid": f"{did}#{key['kid']}"} for key in _published_jwks()]
    return _public_json({"keys": keys}, "application/jwk-set+json")


@bp.get("/.well-known/did.json")
def did_document():
    """The issuer's did:web DID document: the same keys, as its assertion methods."""
    did = issuer_did()
    methods = [
        {
            "id": f"{did}#{key['kid']}",
            "type": "JsonWebKey2020",
            "controller": did,
            "publicKeyJwk": {name: key[name] for name in ("kty", "crv", "x")},
        }
        for key in _published_jwks()
    ]
    document = {
        "@context": [
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/suites/jws-2020/v1",
        ],
        "id": did,
        "verificationMethod": methods,
        # Retired keys too: credentials they signed must still verify.
        "assertionMethod": [method["id"] for method in methods],
    }
    return _public_json(document, "application/did+json")


# Short: a revocation reaches verifiers that honour it within five minutes; the ETag lets them
# ask again for nothing when the list has not changed.
STATUS_LIST_CACHE = "public, max-age=300"
JWT_TYPE = "application/vc+jwt"
# The types a JSON-LD reader may ask for, first the VC 2.0 one (§ 6.3); the answer is labelled
# with the one asked for, so a client that parses by type reads it as JSON.
JSON_LD_TYPES = ("application/vc", "application/ld+json", "application/json")


@bp.get("/status/<int:number>")
def status_list(number: int):
    """A revocation status list (W3C Bitstring Status List v1.0): the bit of each certificate it
    holds is 1 once the certificate is revoked or replaced. A VC-JWT, unless the client asks
    for JSON (Accept), when it is JSON-LD with a Data Integrity proof."""
    if not 1 <= number <= last_list_number():
        abort(404)
    media_type = request.accept_mimetypes.best_match([JWT_TYPE, *JSON_LD_TYPES], JWT_TYPE)
    published = published_list(number, "jwt" if media_type == JWT_TYPE else "ld")
    db.session.commit()  # the signing key, if it was made or first recorded just now
    if published.etag in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(published.body, mimetype=media_type)
        response.last_modified = published.changed_at
    response.set_etag(published.etag)
    response.headers["Cache-Control"] = STATUS_LIST_CACHE
    response.headers["Vary"] = "Accept"  # the two forms must not be cached as one
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
