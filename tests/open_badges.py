"""Open Badges 3.0's official JSON Schema, held to every credential the tests sign.

conftest.py calls `hold_every_credential_to_the_schema()` once: from then on, whenever any test
(or the app under test) sets a certificate's VC-JWT or JSON-LD credential, the credential is
validated against 1EdTech's AchievementCredential schema (tests/data/open_badges, Draft
2019-09), and a credential that fails it fails the test where it was signed.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

import jwt
from jsonschema import Draft201909Validator
from sqlalchemy import event

from app.certificates.models import Certificate

SCHEMA = (
    Path(__file__).parent / "data" / "open_badges" / "ob_v3p0_achievementcredential_schema.json"
)


@cache
def _validator() -> Draft201909Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


def schema_errors(credential: Any) -> list[str]:
    """Each way the credential breaks the schema, as "<path>: <message>"; [] when it follows it."""
    return sorted(
        f"{'.'.join(str(part) for part in error.absolute_path) or '(root)'}: {error.message}"
        for error in _validator().iter_errors(credential)
    )


def assert_follows_the_schema(credential: Any, form: str) -> None:
    errors = schema_errors(credential)
    assert not errors, f"the {form} breaks the OB 3.0 schema:\n" + "\n".join(errors)


def _check_token(_target: Certificate, value: str | None, *_args: Any) -> None:
    if value:
        payload = jwt.decode(value, options={"verify_signature": False})
        assert_follows_the_schema(payload, "VC-JWT payload")


def _check_document(_target: Certificate, value: str | None, *_args: Any) -> None:
    if value:
        assert_follows_the_schema(json.loads(value), "JSON-LD credential")


def hold_every_credential_to_the_schema() -> None:
    event.listen(Certificate.credential_jwt, "set", _check_token)
    event.listen(Certificate.credential_ld, "set", _check_document)
