"""The certificate PDF: one A4 landscape page, names in every script it promises, the QR link."""

import io
import itertools
import logging
import re
import subprocess
import sys
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import segno
from fpdf import FPDF
from pypdf import PdfReader
from pypdf.generic import ContentStream

from app.certificates import pdf as certificate_pdf
from app.certificates.fpdf_compat import CompatFPDF
from app.certificates.models import Certificate, display_serial, new_serial
from app.certificates.pdf import UnprintableText, missing_characters, render_certificate_pdf

pytestmark = pytest.mark.slow  # PDFs laid out and read back

ISSUERS = [
    "Seoul Metropolitan Government Human Resources Development Center (SHRDC), "
    "Metropolis International Training Institute",
    "United Cities and Local Governments (UCLG)",
]
SIGNATORIES = [
    {"name": "Nguyễn Thị Minh Khai", "role": "Director, Metropolis International Training"},
    {"name": "Jan Kowalski", "role": "Mayor of Łódź"},
]
MM = 72 / 25.4  # points in a millimetre
FIXED_SERIAL = "7KQ2M9XD7KQ2M9XD7KQ2M9XD7KQ2"


def make_certificate(**changes: object) -> Certificate:
    """A transient issued certificate, with Latin names and city names in several alphabets."""
    serial = new_serial()
    fields: dict[str, object] = {
        "serial": serial,
        "holder_name": "Görsev Argın",
        "title": "Certificate of completion",
        "wording": "has completed the online training programme on Caring Cities, "
        "on care-centred urban policy for public officials.",
        "course_title": "Caring Cities: Care-Centred Urban Policy",
        "cohort_title": "Cohort 2023 – São Paulo, Bogotá, İstanbul",
        "hours": 12,
        "completed_on": date(2023, 7, 21),
        "issued_at": datetime(2023, 7, 22, 9, 30, tzinfo=UTC),
        "valid_until": None,
        "issuers": list(ISSUERS),
        "signatories": list(SIGNATORIES),
    }
    fields.update(changes)
    return Certificate(**fields)


def verify_url_for(certificate: Certificate) -> str:
    return f"https://courses.example.org/verify/{certificate.display_serial}"


def render_bytes(certificate: Certificate) -> bytes:
    return render_certificate_pdf(certificate, verify_url_for(certificate))


def render(certificate: Certificate) -> PdfReader:
    return PdfReader(io.BytesIO(render_bytes(certificate)))


def page_text(reader: PdfReader) -> str:
    """The page's text, NFC, with every run of whitespace (line breaks too) one space."""
    text = reader.pages[0].extract_text()
    return " ".join(unicodedata.normalize("NFC", text).split())


def embedded_fonts(reader: PdfReader) -> dict[str, str]:
    """The page's font names without the subset prefix, to their ToUnicode CMap."""
    fonts = reader.pages[0]["/Resources"]["/Font"]
    result = {}
    for font in fonts.values():
        font = font.get_object()
        name = str(font["/BaseFont"]).split("+")[-1]
        result[name] = font["/ToUnicode"].get_object().get_data().decode("ascii")
    return result


def glyphs_for(cmap: str, char: str) -> set[str]:
    """The glyph codes that a ToUnicode CMap maps to one character."""
    pairs = re.findall(r"<([0-9A-F]{4})> <([0-9A-F]{4})>", cmap)
    return {glyph for glyph, code in pairs if code == f"{ord(char):04X}"}


def assert_clean(text: str) -> None:
    """No control characters, replacement characters or question marks standing in for glyphs."""
    assert not [c for c in text if unicodedata.category(c) == "Cc"], text
    assert "\ufffd" not in text
    assert "?" not in text


def test_one_a4_landscape_page():
    reader = render(make_certificate())

    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert box.width == pytest.approx(842, abs=1)
    assert box.height == pytest.approx(595, abs=1)


def test_latin_names_with_diacritics_and_every_field_are_in_the_text(caplog):
    certificate = make_certificate(valid_until=datetime(2026, 7, 22, tzinfo=UTC))
    with caplog.at_level(logging.WARNING):
        reader = render(certificate)
    text = page_text(reader)

    assert_clean(text)
    for expected in [
        "Certificate of completion",
        "This certifies that",
        "Görsev Argın",
        "has completed the online training programme on Caring Cities, on care-centred urban "
        "policy for public officials.",
        "Caring Cities: Care-Centred Urban Policy",
        "Cohort 2023 – São Paulo, Bogotá, İstanbul · 12 hours",
        "Completed on 21 July 2023",
        "Issued on 22 July 2023",
        "Valid until 22 July 2026",
        *ISSUERS,
        "Nguyễn Thị Minh Khai",
        "Director, Metropolis International Training",
        "Mayor of Łódź",
    ]:
        assert expected in text
    # fpdf2 logs the glyphs a font lacked; nothing may have fallen back to a blank.
    assert not [r for r in caplog.records if "missing" in r.getMessage()]
    # Room to spare: the name is drawn at its full size, the largest on the page.
    sizes = {line: size for line, _, _, size in text_lines(reader.pages[0])}
    assert sizes["Görsev Argın"] == 36
    assert max(sizes.values()) == 36
    # One font family for Latin: no fallback font was needed, nor loaded.
    assert set(embedded_fonts(reader)) == {"NotoSerif", "NotoSerifBold"}


def test_without_validity_or_signatories_or_issuers():
    text = page_text(render(make_certificate(signatories=[], issuers=[], hours=1)))

    assert "Valid until" not in text
    assert "Issued by" not in text
    assert "· 1 hour" in text
    assert "Issued on 22 July 2023" in text


def test_an_arabic_name_is_shaped_right_to_left_in_an_arabic_font():
    name = "ليلى حداد"
    signatories = [{"name": name, "role": "مديرة التدريب"}, *SIGNATORIES]
    reader = render(make_certificate(holder_name=name, signatories=signatories))
    text = page_text(reader)
    fonts = embedded_fonts(reader)

    # What pypdf extracts: fpdf2 writes the shaped glyphs left to right as they appear on the
    # page, and its ToUnicode CMap maps each contextual glyph (initial lām, medial lām…) back
    # to the letter it was shaped from, so the letters are the plain U+06xx ones, not
    # presentation forms. pypdf turns a right-to-left run back into logical order; the
    # paragraph is set in the Arabic font, spaces included, so the whole name is one run and
    # its words come back in reading order (set in the serif, each word was a run of its own,
    # read back in page order: "حداد ليلى"). NFKC would fold presentation forms into letters
    # should another pypdf give them. Missing glyphs would map to nothing (or U+FFFD), and a
    # glyph from another font would not map to these letters at all.
    text = unicodedata.normalize("NFKC", text)
    assert name in text
    assert "مديرة التدريب" in text
    assert_clean(text)
    # The Latin text after Arabic comes out whole: fpdf2 2.8 loses the font of a line drawn
    # in the same font and size right after one that begins with a fallback font's glyph,
    # as the next signatory's name is after the Arabic one.
    assert "has completed the online training programme on Caring Cities" in text
    assert "Cohort 2023 – São Paulo, Bogotá, İstanbul · 12 hours" in text
    assert "Nguyễn Thị Minh Khai Director, Metropolis International Training" in text

    # Shaped, not just present: the two lāms of ليلى are different glyphs (initial and
    # medial forms); drawn letter by letter they would be one and the same isolated glyph.
    # (The name is bold; the Arabic role is in the regular font.)
    assert "NotoNaskhArabic" in fonts
    assert len(glyphs_for(fonts["NotoNaskhArabicBold"], "ل")) == 2
    # And the Latin font has no Arabic glyph mapped, so these really came from Noto Naskh.
    assert not glyphs_for(fonts["NotoSerif"], "ل")
    assert not glyphs_for(fonts["NotoSerifBold"], "ل")


def test_a_line_after_one_that_starts_in_a_fallback_font_keeps_its_font():
    # fpdf2 2.8's bug (py-pdf/fpdf2#1772) that CompatFPDF works around, in its plainest
    # form: an Arabic line, then a Latin one in the same font and size. The certificate's
    # layout happens to change the font size between paragraphs, which hides the bug, so it
    # is checked here directly.
    pdf = CompatFPDF()
    certificate_pdf._add_fonts(pdf, [certificate_pdf.SERIF, certificate_pdf.ARABIC])
    pdf.set_fallback_fonts([certificate_pdf.ARABIC])
    pdf.set_text_shaping(True)
    pdf.add_page()
    pdf.set_font(certificate_pdf.SERIF, "B", 20)
    for text in ["ليلى حداد", "Görsev Argın"]:
        pdf.multi_cell(100, 10, text, new_x="LMARGIN", new_y="NEXT")
    text = PdfReader(io.BytesIO(bytes(pdf.output()))).pages[0].extract_text()

    assert text.splitlines()[1] == "Görsev Argın"


def test_a_korean_name_comes_from_the_hangul_font():
    reader = render(make_certificate(holder_name="김서연"))
    text = page_text(reader)
    fonts = embedded_fonts(reader)

    assert "김서연" in text
    assert_clean(text)
    assert "CCHangulSerifBold" in fonts
    assert glyphs_for(fonts["CCHangulSerifBold"], "김")
    assert "has completed the online training programme on Caring Cities" in text


def test_the_fonts_draw_every_hangul_syllable_and_the_arabic_block():
    for regular, bold in certificate_pdf.FONT_FILES.values():
        pdf = FPDF()
        pdf.add_font("regular", "", certificate_pdf.FONTS / regular)
        pdf.add_font("bold", "", certificate_pdf.FONTS / bold)
        regular_cmap, bold_cmap = set(pdf.fonts["regular"].cmap), set(pdf.fonts["bold"].cmap)
        for font in pdf.fonts.values():
            font.close()  # fpdf2 keeps the files open until it writes the document
        assert regular_cmap == bold_cmap, regular

    assert missing_characters("".join(chr(c) for c in range(0xAC00, 0xD7A4))) == ""
    arabic_letters = [chr(c) for c in range(0x0621, 0x064B)]  # hamza to yeh
    assert missing_characters("".join(arabic_letters)) == ""
    assert missing_characters("Görsev Argın São Paulo Bogotá İstanbul Łódź Nguyễn ليلى") == ""


def test_text_no_font_can_draw_is_refused_not_left_out():
    assert missing_characters("王小明 Görsev") == "王小明"

    with pytest.raises(UnprintableText) as raised:
        render(make_certificate(holder_name="王小明"))
    assert raised.value.characters == "王小明"


def test_the_qr_code_links_to_the_verification_page_and_the_url_and_serial_are_printed():
    certificate = make_certificate()
    url = verify_url_for(certificate)
    reader = render(certificate)
    page = reader.pages[0]

    links = [a.get_object() for a in page["/Annots"] if a.get_object()["/Subtype"] == "/Link"]
    assert [link["/A"]["/URI"] for link in links] == [url]
    # The URL is broken after a slash to fit its corner: whole once line breaks are removed.
    assert url in "".join(page.extract_text().split())
    assert certificate.display_serial in page_text(reader)
    assert certificate.display_serial == display_serial(certificate.serial)

    # The link covers the QR code: a square of 26 mm in the bottom right-hand corner.
    left, bottom, right, top = (float(v) for v in links[0]["/Rect"])
    assert right - left == pytest.approx(26 * MM, abs=1)
    assert top - bottom == pytest.approx(26 * MM, abs=1)
    assert left > page.mediabox.width / 2
    assert bottom < page.mediabox.height / 4


def test_the_qr_code_is_drawn_as_rectangles_that_encode_the_url():
    certificate = make_certificate()
    url = verify_url_for(certificate)
    page = render(certificate).pages[0]
    content = page.get_contents().get_data().decode("latin-1")

    # fpdf2 writes the code's path as "x y w h re", in millimetres; the page's other
    # rectangles (the frame, the code's white ground) are drawn in points, upward (h < 0).
    runs = [
        tuple(float(v) for v in match)
        for match in re.findall(r"(\d+\.?\d*) (\d+\.?\d*) (\d+\.?\d*) (\d+\.?\d*) re", content)
    ]
    module = min(h for _, _, _, h in runs)
    left = min(x for x, _, _, _ in runs)
    top = min(y for _, y, _, _ in runs)
    drawn = set()
    for x, y, w, _ in runs:
        row, column = round((y - top) / module), round((x - left) / module)
        drawn |= {(row, column + i) for i in range(round(w / module))}

    expected = segno.make_qr(url, error="m", mask=certificate_pdf.QR_MASK)
    dark = {(r, c) for r, row in enumerate(expected.matrix) for c, v in enumerate(row) if v}
    assert drawn == dark
    # The quiet zone: four modules of the 26 mm square on each side.
    assert module * (expected.symbol_size(border=4)[0]) == pytest.approx(26, abs=0.01)
    assert not page["/Resources"].get("/XObject")  # vector, no image


def test_metadata_and_the_same_certificate_gives_the_same_bytes():
    certificate = make_certificate()
    url = verify_url_for(certificate)
    first = render_certificate_pdf(certificate, url)
    second = render_certificate_pdf(certificate, url)

    assert first == second
    metadata = PdfReader(io.BytesIO(first)).metadata
    assert metadata.title == "Certificate of completion: Görsev Argın"
    assert metadata.author == "; ".join(ISSUERS)
    assert "Caring Cities: Care-Centred Urban Policy" in metadata.subject
    assert metadata["/CreationDate"] == "D:20230722093000Z"


def render_alone(holder_name: str) -> bytes:
    """The certificate with this holder's name and FIXED_SERIAL, as a fresh process renders it."""
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "import app.models; "  # every mapper, as the app has them
        "from tests.test_certificate_pdf import FIXED_SERIAL, make_certificate, render_bytes; "
        "certificate = make_certificate(serial=FIXED_SERIAL, holder_name=sys.argv[2]); "
        "sys.stdout.buffer.write(render_bytes(certificate))"
    )
    root = Path(__file__).parent.parent
    return subprocess.run(
        [sys.executable, "-c", script, str(root), holder_name],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout


def test_documents_share_no_state_through_the_fonts_read_once_per_process():
    # The fonts are read once per process and text measurements are remembered; each
    # document must still subset only its own glyphs, whatever was drawn before it.
    names = ["Görsev Argın", "김서연"]
    alone = {name: render_alone(name) for name in names}
    # fontTools' subsetter changes glyphs in place: the glyphs read once must not change.
    glyf = certificate_pdf._shared_font(certificate_pdf.SERIF, "B").ttfont["glyf"]
    glyphs = {name: getattr(glyph, "data", None) for name, glyph in glyf.glyphs.items()}

    # Certificates with other names first: a Latin one uses the serif fonts, a Korean one
    # the Hangul fonts too, and all of them the same text but for the name.
    for other in ["Jan Kowalski", "박지민"]:
        render_bytes(make_certificate(serial=FIXED_SERIAL, holder_name=other))
    for name in names:
        certificate = make_certificate(serial=FIXED_SERIAL, holder_name=name)
        rendered = render_bytes(certificate)
        assert rendered == alone[name], name
        assert render_bytes(certificate) == rendered, name
    assert {name: getattr(glyph, "data", None) for name, glyph in glyf.glyphs.items()} == glyphs

    # The Latin certificate embeds no Hangul font, and the Korean one only the glyphs it
    # draws: the name's three syllables, not those of the names drawn before it.
    assert set(embedded_fonts(PdfReader(io.BytesIO(alone["Görsev Argın"])))) == {
        "NotoSerif",
        "NotoSerifBold",
    }
    # Nor the regular Hangul font the Korean certificate does not draw with.
    assert set(re.findall(rb"/BaseFont /MPDFAA\+(\w+)", alone["김서연"])) == {
        b"NotoSerif",
        b"NotoSerifBold",
        b"CCHangulSerifBold",
    }
    hangul = embedded_fonts(PdfReader(io.BytesIO(alone["김서연"])))["CCHangulSerifBold"]
    mappings = re.findall(r"<[0-9A-F]{4}> <([0-9A-F]{4})>", hangul.split("endcodespacerange")[1])
    assert {chr(int(code, 16)) for code in mappings} - {"\0", " "} == set("김서연")


def text_lines(page) -> list[tuple[str, float, float, float]]:
    """Each line of text drawn: its text, x and baseline y in points, and its size."""
    lines = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            lines.append((text.strip(), tm[4], tm[5], size))

    page.extract_text(visitor_text=visit)
    return lines


def test_the_longest_inputs_shrink_to_fit_one_page_without_overlapping():
    name = ("Maria da Conceição Fernández-Rodríguez Nguyễn " * 5)[:200].strip()
    issuers = [f"{issuer} and the Partners of the Caring Cities Programme" for issuer in ISSUERS]
    issuers += [f"{issuer}, Regional Office" for issuer in ISSUERS] + [ISSUERS[0]]
    signatories = [
        {"name": f"Signatory Number {i} With A Long Name", "role": ISSUERS[0]} for i in range(4)
    ]
    certificate = make_certificate(
        holder_name=name,
        issuers=issuers,
        signatories=signatories,
        wording="has completed the online training programme on Caring Cities, " * 6,
        course_title="Caring Cities: " + "Care-Centred Urban Policy and Practice " * 4,
        valid_until=datetime(2026, 7, 22, tzinfo=UTC),
    )
    assert len(name) == 200 and len(issuers) == 5
    reader = render(certificate)
    page = reader.pages[0]
    text = page_text(reader)

    assert len(reader.pages) == 1
    assert name in text
    assert all(issuer in text for issuer in issuers)
    assert certificate.display_serial in text

    lines = text_lines(page)
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    for line, x, y, size in lines:
        # Inside the inner frame, 11.5 mm from the edges.
        assert 11.5 * MM < x < width - 11.5 * MM, line
        assert 11.5 * MM < y < height - 11.5 * MM - size, line
        assert size >= 6, line  # shrunk, but still legible
    name_sizes = {size for line, _, _, size in lines if line in name}
    assert max(name_sizes) < 36

    # The body is drawn first, as one centred column: its lines, top to bottom, must not run
    # into each other, and all of it stays above the signature lines, name and all.
    first_signatory = next(i for i, line in enumerate(lines) if line[0].startswith("Signatory"))
    body = lines[:first_signatory]
    signature_line = height - certificate_pdf.SIGNATURE_LINE_Y * MM
    assert body[0][0] == "Certificate of completion"
    assert body[-1][0].endswith("Metropolis International Training Institute")  # issuers[-1]
    assert all(y > signature_line + size for _, _, y, size in body)
    for (_, _, upper, _), (line, _, lower, size) in itertools.pairwise(body):
        assert upper - lower >= size, line


def test_font_files_are_bundled_next_to_the_module():
    fonts = Path(certificate_pdf.__file__).parent / "fonts"
    assert fonts == certificate_pdf.FONTS
    files = [fonts / name for pair in certificate_pdf.FONT_FILES.values() for name in pair]
    assert all(file.is_file() for file in files)
    assert sum(file.stat().st_size for file in fonts.iterdir()) < 5_000_000
    assert (fonts / "OFL-Noto.txt").is_file() and (fonts / "OFL-Nanum.txt").is_file()


# The tagged structure


def structure(reader: PdfReader) -> list[dict]:
    """The document's structure elements, in order: role, language, ActualText, MCIDs."""
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"].value is True
    [document] = root["/StructTreeRoot"]["/K"]
    document = document.get_object()
    assert document["/S"] == "/Document"
    elements = []
    for kid in document["/K"]:
        element = kid.get_object()
        kids = element["/K"]
        elements.append(
            {
                "role": element["/S"],
                "lang": element.get("/Lang"),
                "actual_text": element.get("/ActualText"),
                "mcids": [kids] if isinstance(kids, int) else list(kids),
            }
        )
    return elements


def marked_content(reader: PdfReader) -> tuple[list[int], list[str]]:
    """The MCIDs of the page's marked content in order, and the text operators drawn outside
    any tagged content or artifact (which a tagged PDF must not have)."""
    page = reader.pages[0]
    operations = ContentStream(page.get_contents(), reader).operations
    stack: list[str] = []
    mcids, untagged = [], []
    for operands, operator in operations:
        if operator == b"BDC":
            stack.append(operands[0])
            if "/MCID" in operands[1]:
                mcids.append(operands[1]["/MCID"])
        elif operator == b"BMC":
            stack.append(operands[0])
        elif operator == b"EMC":
            stack.pop()
        elif operator in (b"Tj", b"TJ") and not stack:
            untagged.append(str(operands[0]))
    assert stack == []
    return mcids, untagged


def test_the_pdf_is_tagged_in_reading_order_with_a_language_per_run():
    name = "نور الحداد"
    certificate = make_certificate(
        holder_name=name,
        signatories=[{"name": "김서연", "role": "مديرة التدريب"}, *SIGNATORIES],
    )
    reader = render(certificate)
    elements = structure(reader)
    mcids, untagged = marked_content(reader)

    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert untagged == []  # every word drawn is in the structure (or an artifact)
    # Each element's content is on the page, in the structure's order (the reading order).
    assert [mcid for element in elements for mcid in element["mcids"]] == mcids
    assert elements[0]["role"] == "/H1"
    assert {element["role"] for element in elements[1:]} == {"/P"}
    by_text = {}
    for element, drawn in zip(elements, _drawn_texts(certificate), strict=True):
        by_text[drawn] = element
    # Right-to-left text says its words in logical order, and its language, however the
    # glyphs lie on the page; a Korean name is tagged Korean; the English wording is the
    # document's language.
    assert by_text[name]["actual_text"] == name
    assert by_text[name]["lang"] == "ar"
    assert by_text["مديرة التدريب"]["actual_text"] == "مديرة التدريب"
    assert by_text["김서연"]["lang"] == "ko"
    assert by_text["김서연"]["actual_text"] is None
    assert by_text["This certifies that"]["lang"] is None
    assert by_text["This certifies that"]["actual_text"] is None
    # The ActualText is on the drawn content too, for extraction that reads marked content.
    content = reader.pages[0].get_contents().get_data()
    assert b"/ActualText <FEFF" + name.encode("utf-16-be").hex().upper().encode() in content


def _drawn_texts(certificate: Certificate) -> list[str]:
    """The texts of the page's paragraphs in drawing order, as pdf.py lays them out."""
    blocks = certificate_pdf._body_blocks(certificate, certificate.issued_at)
    texts = [block.text for block in blocks]
    for signatory in certificate.signatories:
        texts += [text for text in (signatory["name"], signatory["role"]) if text]
    url = verify_url_for(certificate)
    measure = certificate_pdf._blank([certificate_pdf.ARABIC, certificate_pdf.HANGUL])
    measure.add_page()
    lines = certificate_pdf._url_lines(measure, url, 7.5, certificate_pdf.VERIFY_TEXT_W)
    return [*texts, "Check this certificate at", *lines, f"Serial {certificate.display_serial}"]
