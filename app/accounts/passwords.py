"""The password rules: long enough, not too long to hash, and not a common password.

The common-password list is Django's (BSD licence): 20,000 passwords compiled by Royce
Williams from public breach corpora, lowercased. See docs/accounts.md.
"""

import gzip
import re
from functools import cache
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import ngettext

MIN_LENGTH = 12
MAX_LENGTH = 128
COMMON_PASSWORDS = Path(__file__).parent / "common-passwords.txt.gz"
# "password2024!" is "password" with a predictable ending.
PREDICTABLE_ENDING = re.compile(r"[\d\W_]+$")


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why this password is refused, as a sentence for the form, or None when it is fine."""
    if len(password) < MIN_LENGTH:
        return ngettext(
            "Use at least %(num)d character.", "Use at least %(num)d characters.", MIN_LENGTH
        )
    if len(password) > MAX_LENGTH:
        return ngettext(
            "Use at most %(num)d character.", "Use at most %(num)d characters.", MAX_LENGTH
        )
    lowered = password.lower()
    stem = PREDICTABLE_ENDING.sub("", lowered)
    common = common_passwords()
    if lowered in common or (len(stem) >= 4 and stem in common):
        return _(
            "This password is on a list of common passwords. Choose one that is harder to guess."
        )
    if len(set(lowered)) < 4:
        return _(
            "This password uses too few different characters. Choose one that is harder to guess."
        )
    personal = {email.lower(), email.lower().partition("@")[0], name.lower().replace(" ", "")}
    if lowered in {value for value in personal if value} or (
        stem and stem in {value for value in personal if len(value) >= 4}
    ):
        return _("Your password must not be your name or e-mail address.")
    return None
