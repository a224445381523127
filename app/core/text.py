"""The rule for text a person types into a short field: names, places, reasons.

Such text is shown to others (admin lists, certificates, attendance), so it must show what it
is: no line breaks in a name, nothing invisible, nothing that reorders the text around it
(a right-to-left override turns "Ana (learner)" into something else on screen).
"""

import unicodedata

from flask_babel import gettext as _

# Line breaks and tabs: refused on one line, allowed where the field takes paragraphs.
LINE_BREAKS = frozenset("\n\r\t")
# Unicode's control, format (which holds every bidi override, isolate and mark, zero-width
# space, word joiner, byte-order mark, soft hyphen...), private-use, surrogate, line and
# paragraph separator and unassigned categories: none of them draws a letter.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Zl", "Zp", "Cn"})
# Letters and marks that draw nothing: Hangul fillers, the combining grapheme joiner, the
# Braille blank, Khmer's inherent vowels, the Mongolian vowel separator. They make two names
# that look the same differ, or a name that looks empty.
INVISIBLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180e\u2800\u3164\uffa0")
ZWNJ, ZWJ = "\u200c", "\u200d"
# The scripts whose spelling needs the zero-width (non-)joiner: Persian, Urdu and Kurdish
# write "می‌خواهم" with a ZWNJ, Indic scripts choose a conjunct's form with ZWJ/ZWNJ after a
# virama. In Latin, Greek or Cyrillic a joiner changes nothing on screen, so it would only
# make "admin" and "ad\u200cmin" two different names that look alike: refused there.
JOINING_SCRIPTS = (
    "ARABIC", "SYRIAC", "NKO", "MANDAIC", "MONGOLIAN", "DEVANAGARI", "BENGALI", "GURMUKHI",
    "GUJARATI", "ORIYA", "TAMIL", "TELUGU", "KANNADA", "MALAYALAM", "SINHALA", "KHMER",
    "MYANMAR", "TIBETAN",
)  # fmt: skip


class UnsafeText(ValueError):
    """Text with a character that must not be in it; `character` is the first one."""

    def __init__(self, character: str):
        super().__init__(character)
        self.character = character

    @property
    def is_line_break(self) -> bool:
        return self.character in LINE_BREAKS or unicodedata.category(self.character) in {
            "Zl",
            "Zp",
        }

    @property
    def description(self) -> str:
        """U+202E RIGHT-TO-LEFT OVERRIDE: the character, as a person can look it up."""
        code = f"U+{ord(self.character):04X}"
        name = unicodedata.name(self.character, "")
        return f"{code} {name}" if name else code


def _in_joining_script(char: str) -> bool:
    return unicodedata.category(char)[0] in "LM" and unicodedata.name(char, "").startswith(
        JOINING_SCRIPTS
    )


def _allowed_joiner(text: str, index: int) -> bool:
    """A ZWNJ/ZWJ is part of the spelling only between two letters of a joining script."""
    return (
        0 < index < len(text) - 1
        and _in_joining_script(text[index - 1])
        and _in_joining_script(text[index + 1])
    )


def _allowed_variation(text: str, index: int) -> bool:
    """Ideographic variation selectors choose a kanji's form in Japanese names; no other."""
    return (
        0x0E0100 <= ord(text[index]) <= 0x0E01EF
        and index > 0
        and unicodedata.name(text[index - 1], "").startswith("CJK")
    )


def unsafe_character(text: str, *, multiline: bool = False) -> str | None:
    """The first character that must not be in a person's short text, or None."""
    for index, char in enumerate(text):
        if multiline and char in LINE_BREAKS:
            continue
        if char in (ZWNJ, ZWJ):
            if _allowed_joiner(text, index):
                continue
            return char
        if 0xFE00 <= ord(char) <= 0xFE0F or 0x0E0100 <= ord(char) <= 0x0E01EF:
            if _allowed_variation(text, index):
                continue
            return char
        if char in INVISIBLE or unicodedata.category(char) in REFUSED_CATEGORIES:
            return char
    return None


def clean_short_text(text: str, *, multiline: bool = False) -> str:
    """The text composed (NFC) and trimmed, runs of spaces made one on one line.

    Raises UnsafeText for a line break (on one line), a control, or an invisible or
    direction-changing character.
    """
    text = unicodedata.normalize("NFC", text or "")
    char = unsafe_character(text, multiline=multiline)
    if char is not None:
        raise UnsafeText(char)
    if multiline:
        return text.strip()
    return " ".join(text.split())


def unsafe_text_message(problem: UnsafeText) -> str:
    """What to tell a person whose text holds a character it must not."""
    if problem.is_line_break:
        return _("This field cannot contain line breaks: write it on one line.")
    return _(
        "This field cannot contain invisible characters or characters that change the "
        "direction of the text: remove %(character)s.",
        character=problem.description,
    )
