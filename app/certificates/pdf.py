"""The certificate of completion as a one-page A4 landscape PDF, drawn with fpdf2.

The layout uses fpdf2's public API; what reaches into its internals is in fpdf_compat.py.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import segno
from flask_babel import gettext as _
from flask_babel import ngettext
from fpdf import FPDF
from fpdf.bidi import auto_detect_base_direction
from fpdf.drawing import PaintedPath
from fpdf.enums import Align, MethodReturnValue, PathPaintRule, TextDirection, XPos, YPos

from app.certificates.fpdf_compat import CompatFPDF, SharedFont, add_shared_fonts
from app.certificates.models import Certificate
from app.core.i18n import LANGUAGES, writing_in
from app.core.timezones import format_day, zone_city

FONTS = Path(__file__).parent / "fonts"

# fpdf2 family names, and the files behind them (see fonts/README.md).
SERIF = "serif"
ARABIC = "naskh"
HANGUL = "hangul"
FONT_FILES = {
    SERIF: ("NotoSerif-Regular.ttf", "NotoSerif-Bold.ttf"),
    ARABIC: ("NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf"),
    HANGUL: ("CCHangulSerif-Regular.ttf", "CCHangulSerif-Bold.ttf"),
}
# Which characters need each fallback font. Only the fonts a certificate needs are loaded:
# the two Hangul fonts alone take a tenth of a second to read.
ARABIC_RANGES = (
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x08A0, 0x08FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
)
# Hangul: jamo, CJK punctuation, compatibility jamo, syllables, fullwidth forms.
HANGUL_RANGES = (
    (0x1100, 0x11FF),
    (0x3000, 0x303F),
    (0x3130, 0x318F),
    (0xAC00, 0xD7A3),
    (0xFF01, 0xFF60),
)

# Page geometry in millimetres: A4 landscape.
PAGE_W, PAGE_H = 297.0, 210.0
LEFT, RIGHT = 24.0, PAGE_W - 24.0
TOP, BOTTOM = 22.0, PAGE_H - 18.0
QR_SIZE = 26.0  # with its quiet zone
QUIET_ZONE = 4  # modules of white around the QR code, as its standard asks
# The QR code's mask pattern, fixed: every mask is valid and every reader reads it. Choosing
# the best of the eight by the standard's penalty scores took 3 ms of each PDF; this is the
# one chosen most often for verification addresses (version 5, medium correction).
QR_MASK = 6
VERIFY_TEXT_W = 64.0  # the verification text beside the QR code
MEASURE = 220.0  # the widest a paragraph of the body runs, for comfortable reading
# The signatures: a line to sign on, the name and the role under it, left of the QR corner.
SIGNATURE_LINE_Y = BOTTOM - 20.0
SIGNATURES_RIGHT = RIGHT - QR_SIZE - 4.0 - VERIFY_TEXT_W - 6.0
SIGNATURE_GUTTER = 6.0
BALANCED_WITHIN = 3.0  # millimetres: a balanced paragraph's width is this close to the narrowest
PT = 25.4 / 72  # one point in millimetres

# Part of every PDF's fingerprint: raise it when a change to the drawing should make every
# stored PDF again (the download makes each again when it is next asked for).
LAYOUT_VERSION = 1

# At most this many line counts are remembered (see _count_lines).
MAX_LINE_COUNTS = 20_000
_line_counts: dict[tuple[Hashable, ...], int] = {}

INK = (33, 37, 41)
NAVY = (31, 58, 90)
GOLD = (166, 134, 70)
MUTED = (88, 96, 105)


@dataclass
class Block:
    """A paragraph of the certificate, centred, with the sizes it may shrink to."""

    text: str
    style: str = ""
    size: float = 11.0
    # (lines allowed, smallest size in points) tried in turn: one line down to a certain size
    # reads better than two large lines, and a third line is the last resort.
    tiers: Sequence[tuple[int, float]] = ((1, 8.0),)
    color: tuple[int, int, int] = INK
    space_before: float = 0.0  # millimetres
    leading: float = 1.25  # line height as a multiple of the size
    # Narrow the lines of a wrapped paragraph to even lengths, so no word is left alone.
    balance: bool = False
    role: str = "P"  # its structure element in the tagged PDF
    # Set by fitting:
    fitted_size: float = 0.0
    fitted_text: str = ""
    fitted_width: float = 0.0
    fitted_space: float = 0.0
    lines: int = 0

    def __post_init__(self) -> None:
        """Collapse runs of whitespace: the layout decides where lines break, not the text."""
        self.text = " ".join(self.text.split())

    def line_height(self) -> float:
        """The height of one line at the fitted size, in millimetres."""
        return self.fitted_size * self.leading * PT

    def height(self) -> float:
        """The height the block takes, with the space above it, in millimetres."""
        return self.fitted_space + self.lines * self.line_height()


@cache
def _shared_font(family: str, style: str) -> SharedFont:
    """The family's regular ("") or bold ("B") font, read once per process."""
    regular, bold = FONT_FILES[family]
    return SharedFont(FONTS / (bold if style else regular), family, style)


def warm_up() -> None:
    """Make ready, once per process, what every certificate uses: call it (in an application
    context) when a worker starts, so that no learner's PDF waits for it. It reads every font
    (the Hangul ones take a tenth of a second), draws a throwaway page in each of them, which
    loads what fpdf2, fontTools, HarfBuzz and segno load on first use, and writes a date and
    the words around the texts in every language; it remembers no certificate's measurements.
    """
    _printable(tuple(FONT_FILES))
    pdf = _blank([ARABIC, HANGUL])
    pdf.add_page()
    for style in ("", "B"):
        for text in ("Warm-up 0123", "تجربة", "준비"):
            pdf.set_font(_family(text), style, 12)
            pdf.multi_cell(100, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _draw_qr(pdf, _qr_code("https://example.org/warm-up"), LEFT, TOP, QR_SIZE)
    pdf.output()
    for language in LANGUAGES:
        with writing_in(language):
            written_date(datetime(2000, 1, 1, tzinfo=UTC), "Europe/Madrid", language)
            zone_words("Europe/Madrid", language)
            _hours(1)


class UnprintableText(ValueError):
    """The certificate's text has characters that none of the bundled fonts can draw."""

    def __init__(self, characters: str) -> None:
        super().__init__(f"the certificate fonts cannot draw {characters!r}")
        self.characters = characters


def render_certificate_pdf(
    certificate: Certificate, verify_url: str, credential: str | None = None
) -> bytes:
    """The certificate as a one-page A4 landscape PDF; with `credential` (the signed credential
    file's text), that file attached, so the PDF alone carries what can be verified."""
    issued_at = certificate.issued_at
    if issued_at is None or not certificate.serial:
        raise ValueError("only an issued certificate has a PDF")
    text = "".join(_all_text(certificate, verify_url))
    fallbacks = [
        family
        for family, ranges in ((ARABIC, ARABIC_RANGES), (HANGUL, HANGUL_RANGES))
        if _uses(text, ranges)
    ]
    # With text shaping on, fpdf2 silently leaves out what no font has: a Chinese name
    # would leave a certificate with no name on it. Refuse rather than print that.
    missing = _missing(text, _printable((SERIF, *fallbacks)))
    if missing:
        raise UnprintableText(missing)
    # Text is measured in a document of its own: fpdf2 adds the glyphs of all it measures
    # to the fonts' subsets, so the certificate would embed the glyphs of every size and
    # every shortened text tried, and depend on which measurements were remembered.
    measure = _blank(fallbacks)
    measure.add_page()  # fpdf2 measures text on a page
    pdf = _new_pdf(certificate, fallbacks, issued_at)
    if credential is not None:
        _attach_credential(pdf, certificate, credential, issued_at)
    return _draw(pdf, measure, certificate, verify_url, issued_at)


def fingerprint(certificate: Certificate, verify_url: str, credential: str | None) -> str:
    """A digest of everything the certificate's PDF shows and holds: every text it prints in
    the words of its language (names, wording, dates on the cohort's clock, the verification
    address and serial), the attached credential and the layout. A stored PDF is served only
    while its certificate still has the fingerprint it was made for."""
    issued_at = certificate.issued_at
    if issued_at is None or not certificate.serial:
        raise ValueError("only an issued certificate has a PDF")
    with writing_in(certificate.language):
        corner = [
            _("Check this certificate at"),
            _("Serial %(serial)s", serial=certificate.display_serial),
        ]
    parts = [
        str(LAYOUT_VERSION),
        certificate.language,
        issued_at.astimezone(UTC).isoformat(),
        *(block.text for block in _body_blocks(certificate, issued_at)),
        *_all_text(certificate, verify_url),
        *corner,
        credential or "",
    ]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def _attach_credential(pdf: FPDF, certificate: Certificate, credential: str, issued_at) -> None:
    """The credential as a file attachment (not PDF/A-3: docs/certificates.md says why)."""
    pdf.embed_file(
        bytes=credential.encode("utf-8"),
        basename=f"certificate-{certificate.display_serial}.json",
        mime_type="application/json",
        desc="The signed Open Badges 3.0 credential of this certificate",
        creation_date=issued_at.astimezone(UTC),
        modification_date=issued_at.astimezone(UTC),
    )


def _draw(
    pdf: CompatFPDF, measure: FPDF, certificate: Certificate, verify_url: str, issued_at: datetime
) -> bytes:
    """Draw the page, measuring text in the measure document, and return the document."""
    pdf.add_page()
    _draw_frame(pdf)
    # Drawn in reading order, which is also the order text is copied or read aloud in.
    # The body ends above the signature lines, or above the QR code when nobody signs.
    has_signatories = bool(certificate.signatories)
    body_bottom = SIGNATURE_LINE_Y - 12.0 if has_signatories else BOTTOM - QR_SIZE - 4.0
    _draw_body(pdf, measure, _body_blocks(certificate, issued_at), TOP, body_bottom)
    if has_signatories:
        _draw_signatories(pdf, measure, certificate.signatories)
    with writing_in(certificate.language):
        _draw_verification(pdf, measure, verify_url, certificate.display_serial)
    return bytes(pdf.output())


def _blank(fallbacks: Sequence[str]) -> CompatFPDF:
    """An empty A4 landscape document with the serif and these fallback fonts."""
    pdf = CompatFPDF(orientation="L", unit="mm", format="A4")
    # Nothing may ever spill onto a second page: the layout shrinks text to fit instead.
    pdf.set_auto_page_break(False)
    pdf.set_margins(LEFT, TOP, PAGE_W - RIGHT)
    _add_fonts(pdf, (SERIF, *fallbacks))
    if fallbacks:
        # The serif falls back too: a right-to-left paragraph is set in the Arabic font
        # (_family), and its Latin letters and digits come from the serif.
        pdf.set_fallback_fonts([*fallbacks, SERIF] if ARABIC in fallbacks else fallbacks)
    # HarfBuzz joins Arabic letters and lays out right-to-left text; Latin gets kerning.
    pdf.set_text_shaping(True)
    return pdf


def _new_pdf(certificate: Certificate, fallbacks: Sequence[str], issued_at: datetime) -> CompatFPDF:
    """An empty document with the fonts the certificate's text needs and its metadata."""
    pdf = _blank(fallbacks)
    pdf.set_title(f"{certificate.title}: {certificate.holder_name}")
    pdf.set_author(list(certificate.issuers))
    pdf.set_subject(f"{certificate.course_title}, {certificate.cohort_title}")
    pdf.set_keywords(certificate.display_serial)
    pdf.set_creator("Caring Cities")
    pdf.set_lang("en")
    # The issue time, not the time of drawing, so the same certificate gives the same file.
    pdf.set_creation_date(issued_at.astimezone(UTC))
    return pdf


def _add_fonts(pdf: CompatFPDF, families: Iterable[str]) -> None:
    """Add the regular and bold fonts of each family (read from their files once)."""
    add_shared_fonts(
        pdf,
        {
            f"{family}{style}": _shared_font(family, style)
            for family in families
            for style in ("", "B")
        },
    )


def missing_characters(text: str) -> str:
    """The characters of the text that no certificate font can draw, each once.

    Check a name with it before issuing: render_certificate_pdf refuses such text.
    """
    return _missing(text, _printable(tuple(FONT_FILES)))


@cache
def _printable(families: tuple[str, ...]) -> frozenset[int]:
    """The code points that one of the families draws in both regular and bold (once)."""
    codes: set[int] = set()
    for family in families:
        codes |= _shared_font(family, "").code_points() & _shared_font(family, "B").code_points()
    return frozenset(codes)


def _missing(text: str, printable: frozenset[int]) -> str:
    """The characters of the text outside printable, each once, in order of appearance.

    Spaces and invisible format characters (joiners, direction marks) need no glyph.
    """
    return "".join(
        dict.fromkeys(
            char
            for char in text
            if ord(char) not in printable
            and not char.isspace()
            and unicodedata.category(char) != "Cf"
        )
    )


def _all_text(certificate: Certificate, verify_url: str) -> Iterable[str]:
    """Every string the certificate prints, to choose its fonts."""
    yield from (certificate.holder_name, certificate.title, certificate.wording)
    yield from (certificate.course_title, certificate.cohort_title, verify_url)
    yield from certificate.issuers
    for signatory in certificate.signatories:
        yield str(signatory.get("name", ""))
        yield str(signatory.get("role", ""))


def _uses(text: str, ranges: tuple[tuple[int, int], ...]) -> bool:
    """Whether the text has a character in one of the ranges."""
    return _character_class(ranges).search(text) is not None


@cache
def _character_class(ranges: tuple[tuple[int, int], ...]) -> re.Pattern[str]:
    """A pattern for one character in one of the ranges."""
    return re.compile(
        "[" + "".join(f"{re.escape(chr(low))}-{re.escape(chr(high))}" for low, high in ranges) + "]"
    )


def written_date(day: date | datetime, zone_name: str = "UTC", language: str = "en") -> str:
    """A date as prose: 21 July 2023 (aware datetimes are taken in `zone_name`)."""
    if isinstance(day, datetime):
        day = day.astimezone(ZoneInfo(zone_name)).date()
    return format_day(day, language)


def zone_words(zone_name: str, language: str = "en") -> str:
    """The zone a certificate's dates are on, in words: 'Madrid time', 'UTC'."""
    city = zone_city(zone_name, language)
    if city == "UTC":
        return city
    with writing_in(language):
        return _("%(city)s time", city=city)


def _hours(hours: int) -> str:
    """12 hours, 1 hour (in the language being written in)."""
    return ngettext("%(num)d hour", "%(num)d hours", hours)


def _body_blocks(certificate: Certificate, issued_at: datetime) -> list[Block]:
    """The paragraphs of the certificate, top to bottom, with the words around its texts in
    the language of those texts (the course's, or the holder's when translated)."""
    with writing_in(certificate.language):
        return _blocks_in_language(certificate, issued_at, certificate.language)


def _blocks_in_language(
    certificate: Certificate, issued_at: datetime, language: str
) -> list[Block]:
    # Every date on the cohort's clock (certificates.operations.completion_day), which says so.
    zone = certificate.cohort.time_zone if certificate.cohort is not None else "UTC"
    stated = f" ({zone_words(zone, language)})"
    dates = [
        _("Completed on %(date)s", date=written_date(certificate.completed_on, language=language))
        + stated,
        _("Issued on %(date)s", date=written_date(issued_at, zone, language)) + stated,
    ]
    if certificate.valid_until is not None:
        until = written_date(certificate.valid_until, zone, language)
        dates.append(_("Valid until %(date)s", date=until) + stated)
    blocks = [
        Block(certificate.title, "B", 30, ((1, 20), (2, 15)), NAVY, balance=True, role="H1"),
        Block(_("This certifies that"), "", 12.5, ((1, 10),), MUTED, space_before=11),
        Block(
            certificate.holder_name,
            "B",
            36,
            ((1, 22), (2, 17), (3, 12)),
            INK,
            space_before=3,
            leading=1.3,
            balance=True,
        ),
        Block(
            certificate.wording,
            "",
            13.5,
            ((2, 11.5), (3, 10), (4, 9)),
            INK,
            space_before=5,
            balance=True,
        ),
        Block(
            certificate.course_title,
            "B",
            19,
            ((1, 14), (2, 11)),
            NAVY,
            space_before=6,
            balance=True,
        ),
        Block(
            f"{certificate.cohort_title} · {_hours(certificate.hours)}",
            "",
            12,
            ((1, 10), (2, 8.5)),
            INK,
            space_before=2.5,
            balance=True,
        ),
        Block(" · ".join(dates), "", 11, ((1, 9), (2, 8.5)), MUTED, space_before=2),
    ]
    if certificate.issuers:
        blocks += [
            Block(_("Issued by"), "", 9.5, ((1, 8),), MUTED, space_before=8),
            Block(
                " · ".join(certificate.issuers),
                "",
                10.5,
                ((2, 9.5), (3, 8.5), (4, 7.5)),
                INK,
                space_before=0.5,
                balance=True,
            ),
        ]
    return [block for block in blocks if block.text]


def _draw_frame(pdf: CompatFPDF) -> None:
    """A double rule around the page."""
    with pdf.artifact():
        pdf.set_draw_color(*NAVY)
        pdf.set_line_width(0.8)
        pdf.rect(9, 9, PAGE_W - 18, PAGE_H - 18)
        pdf.set_line_width(0.25)
        pdf.rect(11.5, 11.5, PAGE_W - 23, PAGE_H - 23)


def _draw_body(
    pdf: CompatFPDF, measure: FPDF, blocks: list[Block], top: float, bottom: float
) -> None:
    """The paragraphs, shrunk until they fit between top and bottom, centred in that space."""
    available = bottom - top
    scale = 1.0
    while True:
        for block in blocks:
            _fit_block(measure, block, MEASURE, scale)
        blocks[0].fitted_space = 0.0  # the space above the first block is the centring's
        total = sum(block.height() for block in blocks)
        # The tiers' smallest sizes and line counts fit the page at scale 1 already (the
        # longest-inputs test checks it), so this only trims the spacing of crowded pages.
        if total <= available or scale <= 0.6:
            break
        scale -= 0.05
    y = top + max(0.0, (available - total) / 2)
    for index, block in enumerate(blocks):
        y += block.fitted_space
        _draw_block(pdf, block, (PAGE_W - block.fitted_width) / 2, y, Align.C)
        y += block.lines * block.line_height()
        if index == 0:
            # A short gold rule between the title and the rest.
            with pdf.artifact():
                pdf.set_draw_color(*GOLD)
                pdf.set_line_width(0.5)
                pdf.line(PAGE_W / 2 - 20, y + 3.5 * scale, PAGE_W / 2 + 20, y + 3.5 * scale)


def _fit_block(pdf: FPDF, block: Block, width: float, scale: float = 1.0) -> None:
    """Choose the block's size, lines and, when even the smallest size is too big, its text."""
    # fpdf2 measures a paragraph letter by letter as it breaks it, so trying every size is slow:
    # the width on one line gives the largest size that could fit, and the search starts there.
    pdf.set_font(_family(block.text), block.style, 10)
    width_per_point = pdf.get_string_width(block.text) / 10
    room = width - 2 * pdf.c_margin
    block.fitted_space = block.space_before * scale
    for max_lines, min_size in block.tiers:
        size = block.size * scale
        if width_per_point > 0:
            size = min(size, math.floor(2 * room * max_lines / width_per_point) / 2)
        while size >= min_size:
            lines = _count_lines(pdf, block.text, block.style, size, width)
            if lines <= max_lines:
                block.fitted_size, block.fitted_text, block.lines = size, block.text, lines
                block.fitted_width = _balanced_width(pdf, block, width, width_per_point)
                return
            size -= 0.5
    # Even the smallest size needs too many lines: cut the text short rather than overflow.
    max_lines, size = block.tiers[-1]
    low, high = 0, len(block.text)
    while low < high:
        middle = (low + high + 1) // 2
        lines = _count_lines(pdf, _shortened(block.text, middle), block.style, size, width)
        if lines <= max_lines:
            low = middle
        else:
            high = middle - 1
    block.fitted_size, block.fitted_text = size, _shortened(block.text, low)
    block.lines = _count_lines(pdf, block.fitted_text, block.style, size, width)
    block.fitted_width = width


def _balanced_width(pdf: FPDF, block: Block, width: float, width_per_point: float) -> float:
    """The narrowest width that keeps the block's number of lines, when it balances them."""
    if not block.balance or block.lines < 2:
        return width
    # No width narrower than the text's length shared equally between the lines can do, and
    # the balanced width is most often just above it: try upwards from there in growing steps,
    # then halve the last step (each try breaks the paragraph again, a millisecond or two).
    narrow = width_per_point * block.fitted_size / block.lines + 2 * pdf.c_margin
    wide = width
    step = BALANCED_WITHIN
    while narrow + step < wide:
        if _fits(pdf, block, narrow + step):
            wide = narrow + step
            break
        narrow += step
        step *= 2
    while wide - narrow > BALANCED_WITHIN:
        middle = (narrow + wide) / 2
        if _fits(pdf, block, middle):
            wide = middle
        else:
            narrow = middle
    return wide


def _fits(pdf: FPDF, block: Block, width: float) -> bool:
    """Whether the block keeps its number of lines in this width."""
    lines = _count_lines(pdf, block.fitted_text, block.style, block.fitted_size, width)
    return lines <= block.lines


def _shortened(text: str, length: int) -> str:
    """The text cut to length characters, with an ellipsis when cut."""
    return text if length >= len(text) else text[:length].rstrip() + "…"


def _count_lines(pdf: FPDF, text: str, style: str, size: float, width: float) -> int:
    """How many lines the text takes at this size in this width, remembered per process.

    Certificates of a course share most of their text, and fitting one measures each
    paragraph several times; the count depends only on the fonts and these arguments.
    """
    key = (tuple(pdf.fonts), text, style, size, width)
    lines = _line_counts.get(key)
    if lines is None:
        lines = _measure_lines(pdf, text, style, size, width)
        if len(_line_counts) >= MAX_LINE_COUNTS:
            _line_counts.clear()
        _line_counts[key] = lines
    return lines


def _measure_lines(pdf: FPDF, text: str, style: str, size: float, width: float) -> int:
    """How many lines fpdf2 breaks the text into at this size in this width."""
    pdf.set_font(_family(text), style, size)
    lines = pdf.multi_cell(
        width, size * PT, text, align=Align.C, dry_run=True, output=MethodReturnValue.LINES
    )
    return len(lines)


def _draw_block(pdf: CompatFPDF, block: Block, x: float, y: float, align: Align) -> None:
    """The block's text at its fitted size and width, its first line's top at y, tagged as
    one structure element in its script's language."""
    pdf.set_font(_family(block.fitted_text), block.style, block.fitted_size)
    pdf.set_text_color(*block.color)
    pdf.set_xy(x, y)
    text = block.fitted_text
    right_to_left = _uses(text, ARABIC_RANGES)
    with pdf.tagged_text(
        block.role, lang=script_language(text), actual_text=text if right_to_left else None
    ):
        # One line needs no breaking: a cell draws it as multi_cell would, without measuring
        # it again letter by letter.
        draw = pdf.cell if block.lines == 1 else pdf.multi_cell
        draw(
            block.fitted_width,
            block.line_height(),
            text,
            align=align,
            new_x=XPos.LEFT,
            new_y=YPos.NEXT,
        )


def _family(text: str) -> str:
    """The font a paragraph is set in: the Arabic one for right-to-left text, else the serif
    (other scripts come from the fallback fonts, character by character).

    A right-to-left paragraph set in the serif would take its spaces from the serif, cutting
    the Arabic into one run per word: words drawn apart are read back in page order (right
    to left on the page, so "الحداد نور"), and are shaped apart. In the Arabic font the whole
    paragraph is one run, which PDF readers give back in logical order."""
    # fpdf2's own rule for a paragraph's direction (its first strong letter, Unicode's P2-P3).
    return ARABIC if auto_detect_base_direction(text) == TextDirection.RTL else SERIF


def script_language(text: str) -> str | None:
    """The language to tag text with when its script tells (Arabic script: ar, Hangul: ko);
    None leaves the document's (English, the certificate's wording)."""
    if _uses(text, ARABIC_RANGES):
        return "ar"
    if _uses(text, HANGUL_RANGES):
        return "ko"
    return None


def _draw_signatories(
    pdf: CompatFPDF, measure: FPDF, signatories: Sequence[dict[str, Any]]
) -> None:
    """Each signatory in a column: a line above their name and role, no images."""
    count = len(signatories)
    area = SIGNATURES_RIGHT - LEFT
    width = min(62.0, (area - SIGNATURE_GUTTER * (count - 1)) / count)
    # The columns are centred under the body, in the space left of the verification corner.
    start = LEFT + (area - (width * count + SIGNATURE_GUTTER * (count - 1))) / 2
    for index, signatory in enumerate(signatories):
        x = start + index * (width + SIGNATURE_GUTTER)
        with pdf.artifact():
            pdf.set_draw_color(*INK)
            pdf.set_line_width(0.3)
            pdf.line(x + 2, SIGNATURE_LINE_Y, x + width - 2, SIGNATURE_LINE_Y)
        name = Block(str(signatory.get("name", "")), "B", 10.5, ((1, 8.5), (2, 7.5)))
        role = Block(
            str(signatory.get("role", "")), "", 9, ((2, 7.5), (3, 6.5)), MUTED, balance=True
        )
        y = SIGNATURE_LINE_Y + 1.5
        for block in (name, role):
            if not block.text:
                continue
            _fit_block(measure, block, width)
            _draw_block(pdf, block, x + (width - block.fitted_width) / 2, y, Align.C)
            y += block.lines * block.line_height()


def _draw_verification(pdf: CompatFPDF, measure: FPDF, verify_url: str, serial: str) -> None:
    """The bottom-right corner: the QR code, and beside it where and how to check."""
    qr = _qr_code(verify_url)
    qr_x, qr_y = RIGHT - QR_SIZE, BOTTOM - QR_SIZE
    with pdf.artifact():  # the address it holds is written beside it
        _draw_qr(pdf, qr, qr_x, qr_y, QR_SIZE)
    # The whole code is a link, for those reading the PDF on a screen.
    pdf.link(qr_x, qr_y, QR_SIZE, QR_SIZE, verify_url)

    text_x = qr_x - 3.0 - VERIFY_TEXT_W
    blocks = [
        Block(_("Check this certificate at"), "", 7.5, ((1, 6.5),), MUTED),
        *(
            Block(part, "", 7.5, ((1, 6), (2, 6)), INK)
            for part in _url_lines(measure, verify_url, 7.5, VERIFY_TEXT_W)
        ),
        Block(
            _("Serial %(serial)s", serial=serial), "", 7.5, ((1, 6), (2, 6)), INK, space_before=1.5
        ),
    ]
    for block in blocks:
        _fit_block(measure, block, VERIFY_TEXT_W)
    # Bottom-aligned with the QR code's dark modules, not its quiet zone.
    quiet = QR_SIZE * QUIET_ZONE / qr.symbol_size(border=QUIET_ZONE)[0]
    y = BOTTOM - quiet - sum(block.height() for block in blocks)
    for block in blocks:
        y += block.fitted_space
        _draw_block(pdf, block, text_x, y, Align.R)
        y += block.lines * block.line_height()


def _url_lines(pdf: FPDF, url: str, size: float, width: float) -> list[str]:
    """The URL in lines that fit the width, broken after slashes where it must break."""
    pdf.set_font(SERIF, "", size)
    # Leave room for the cell's inner margins on both sides.
    room = width - 2 * pdf.c_margin
    lines: list[str] = []
    for part in url.replace("/", "/\0").split("\0"):
        if lines and pdf.get_string_width(lines[-1] + part) <= room:
            lines[-1] += part
        elif part:
            lines.append(part)
    return lines


def _qr_code(url: str) -> segno.QRCode:
    """The URL's QR code, with medium error correction (it survives a worn print)."""
    return segno.make_qr(url, error="m", mask=QR_MASK)


def _draw_qr(pdf: FPDF, qr: segno.QRCode, x: float, y: float, size: float) -> None:
    """The QR code as filled rectangles, one per run of dark modules, with its quiet zone."""
    border = QUIET_ZONE
    modules = qr.symbol_size(border=border)[0]
    module = size / modules
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    # One path for the whole code, so viewers do not draw hairlines between the rectangles.
    path = PaintedPath()
    path.style.paint_rule = PathPaintRule.FILL_NONZERO
    path.style.fill_color = "#000000"
    path.style.stroke_color = None
    for row, values in enumerate(qr.matrix):
        column = 0
        while column < len(values):
            if not values[column]:
                column += 1
                continue
            start = column
            while column < len(values) and values[column]:
                column += 1
            path.rectangle(
                x + (border + start) * module,
                y + (border + row) * module,
                (column - start) * module,
                module,
            )
    # The path is the document's alone: fpdf2's defensive deep copy of it took as long as
    # the rest of the page's drawing.
    pdf.draw_path(path, copy=False)
