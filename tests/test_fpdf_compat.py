"""What app/certificates/fpdf_compat.py works around upstream, and the private API it uses.

Each test here fails when the installed fpdf2 changes what the compat code relies on: either a
bug it works around is fixed (then the workaround can go) or an internal it reaches into moved
(then the workaround must change). Plain fpdf2 documents are used, never the compat classes,
except to check that a shared font measures text exactly as fpdf2's own does.
"""

import inspect
import io
import re

import uharfbuzz as hb
from fpdf import FPDF
from fpdf.enums import PDFResourceType, TextDirection
from fpdf.fonts import HarfBuzzFont, SubsetMap, TTFFont
from pypdf import PdfReader

from app.certificates import pdf as certificate_pdf
from app.certificates.fpdf_compat import CompatFPDF, SharedFont

FONTS = certificate_pdf.FONTS
SERIF_REGULAR, SERIF_BOLD = certificate_pdf.FONT_FILES[certificate_pdf.SERIF]
ARABIC_REGULAR, ARABIC_BOLD = certificate_pdf.FONT_FILES[certificate_pdf.ARABIC]


def parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def plain_pdf(*fonts: tuple[str, str, str]) -> FPDF:
    """fpdf2's own FPDF with fonts added its own way: (family, style, file name)."""
    pdf = FPDF()
    for family, style, name in fonts:
        pdf.add_font(family, style, FONTS / name)
    return pdf


# The private API the compat module uses ---------------------------------------------------------


def test_the_fpdf_internals_the_compat_module_uses_are_there_with_their_signatures():
    # CompatFPDF._render_styled_text_line overrides this and then resets the flag below.
    assert callable(FPDF._render_styled_text_line)
    pdf = plain_pdf(("serif", "", SERIF_REGULAR))
    assert pdf.current_font_is_set_on_page is False
    # CompatFPDF.output reads the fonts each page uses from the resource catalog.
    assert parameters(pdf._resource_catalog.get_resources_per_page) == [
        "page_number",
        "resource_type",
    ]
    assert hasattr(PDFResourceType, "FONT")
    # SharedFont builds a TTFFont for a throwaway document and copies it for each document.
    constructor = ["self", "fpdf", "font_file_path", "fontkey", "style"]
    assert parameters(TTFFont.__init__)[:5] == constructor
    assert parameters(SubsetMap.__init__) == ["self", "font"]
    # SharedFont gives each copy a HarfBuzzFont (a uharfbuzz Font) of the face it read once.
    assert issubclass(HarfBuzzFont, hb.Font)
    assert isinstance(HarfBuzzFont(hb.Face(hb.Blob.from_file_path(FONTS / SERIF_REGULAR))), hb.Font)
    shaping = ["self", "text", "font_size_pt", "text_shaping_params"]
    assert parameters(TTFFont.shaped_text_width) == shaping
    assert parameters(TTFFont.perform_harfbuzz_shaping) == shaping
    font = pdf.fonts["serif"]
    for name in ("i", "desc", "missing_glyphs", "biggest_size_pt", "subset", "ttfont", "scale"):
        assert hasattr(font, name), name
    assert "_hbfont" in TTFFont.__slots__
    assert isinstance(font.cmap, dict)
    assert callable(font.subset.get_all_glyph_names)
    font.close()
    # CompatFPDF._preload_bidirectional_text answers for text with nothing right-to-left in
    # it, setting the shaping directions fpdf2 sets, through _preload_font_styles.
    assert parameters(FPDF._preload_bidirectional_text) == ["self", "text", "markdown"]
    assert "_initial_emphasis" in parameters(FPDF._preload_font_styles)
    pdf.set_text_shaping(True)
    assert {"direction", "paragraph_direction", "fragment_direction"} <= set(pdf.text_shaping)


# The behaviours it works around -----------------------------------------------------------------


def fallback_first_then_latin(pdf: FPDF) -> list[str]:
    """An Arabic line, then a Latin one in the same font and size: the lines of text read back."""
    pdf.set_fallback_fonts(["naskh"])
    pdf.set_text_shaping(True)
    pdf.add_page()
    pdf.set_font("serif", "B", 20)
    for text in ["ليلى حداد", "Görsev Argın"]:
        pdf.multi_cell(100, 10, text, new_x="LMARGIN", new_y="NEXT")
    return PdfReader(io.BytesIO(bytes(pdf.output()))).pages[0].extract_text().splitlines()


def test_fpdf2_issue_1772_a_line_after_a_fallback_font_start_still_loses_its_font():
    # https://github.com/py-pdf/fpdf2/issues/1772: the Latin line is drawn with no font set, so
    # no text reads back for it. When this fails, fpdf2 has the fix (pull request #1775):
    # remove CompatFPDF._render_styled_text_line.
    fonts = (("serif", "B", SERIF_BOLD), ("naskh", "B", ARABIC_BOLD))
    plain = fallback_first_then_latin(plain_pdf(*fonts))
    assert "Görsev Argın" not in plain
    # ...and the workaround gives the Latin line back.
    fixed = CompatFPDF()
    for family, style, name in fonts:
        fixed.add_font(family, style, FONTS / name)
    assert fallback_first_then_latin(fixed)[1] == "Görsev Argın"


def test_fpdf2_still_embeds_a_font_that_no_page_uses():
    # https://github.com/py-pdf/fpdf2/issues/1382 (closed): in 2.8.9 every font of FPDF.fonts is
    # written, used or not. When this fails, CompatFPDF.output need not drop unused fonts.
    pdf = plain_pdf(("serif", "", SERIF_REGULAR), ("serif", "B", SERIF_BOLD))
    pdf.compress = False
    pdf.add_page()
    pdf.set_font("serif", "", 12)
    pdf.cell(text="Hello")
    data = bytes(pdf.output())
    assert PdfReader(io.BytesIO(data)).pages[0]["/Resources"]["/Font"].keys() == {"/F1"}
    assert set(re.findall(rb"/BaseFont /MPDFAA\+(\w+)", data)) == {b"NotoSerif", b"NotoSerifBold"}


def test_fpdf2_reads_a_font_file_again_for_every_document():
    # What SharedFont saves: add_font parses the file into a new fontTools font each time.
    first = plain_pdf(("serif", "", SERIF_REGULAR)).fonts["serif"]
    second = plain_pdf(("serif", "", SERIF_REGULAR)).fonts["serif"]
    assert first.ttfont is not second.ttfont
    assert first.cmap is not second.cmap
    first.close()
    second.close()


def test_fpdf2_subsets_a_font_in_place_and_drops_its_layout_tables_as_it_writes_it():
    # Why SharedFont.detach gives each document a fontTools font of its own, and why
    # _without_layout_tables may drop GDEF, GPOS and GSUB before subsetting.
    pdf = plain_pdf(("serif", "", SERIF_REGULAR))
    font = pdf.fonts["serif"]
    glyphs = len(font.ttfont.getGlyphOrder())
    assert {"GDEF", "GPOS", "GSUB"} <= set(font.ttfont.keys())
    pdf.add_page()
    pdf.set_font("serif", "", 12)
    pdf.cell(text="Hello")
    pdf.output()
    assert len(font.ttfont.getGlyphOrder()) < glyphs
    assert not {"GDEF", "GPOS", "GSUB"} & set(font.ttfont.keys())


def test_a_shared_font_measures_shaped_text_exactly_as_fpdf2_does():
    # SharedFont.shaped_text_width is TTFFont.shaped_text_width with a memory: the widths must
    # be the very same numbers, or line breaks (and so the certificates) would change.
    pdf = plain_pdf(("serif", "", SERIF_REGULAR), ("naskh", "", ARABIC_REGULAR))
    pdf.set_text_shaping(True)
    params = dict(pdf.text_shaping)
    shared = {
        "serif": SharedFont(FONTS / SERIF_REGULAR, "serif", "").for_document(CompatFPDF()),
        "naskh": SharedFont(FONTS / ARABIC_REGULAR, "naskh", "").for_document(CompatFPDF()),
    }
    cases = [
        ("serif", "Völlig AVAToWa · Nguyễn Thị Minh Khai", params),
        ("serif", "office ffi fl", {**params, "features": {"liga": False}}),
        ("naskh", "ليلى حداد", {**params, "fragment_direction": TextDirection.RTL}),
    ]
    for family, text, case_params in cases:
        for size in (7.5, 12, 36):
            expected = pdf.fonts[family].shaped_text_width(text, size, case_params)
            assert shared[family].shaped_text_width(text, size, case_params) == expected
            # Remembered, and still the same.
            assert shared[family].shaped_text_width(text, size, case_params) == expected
    for font in pdf.fonts.values():
        font.close()


def fragments(pdf: FPDF, text: str) -> tuple:
    """What fpdf2 makes of a text to draw: each fragment's characters, font and direction."""
    found = pdf._preload_bidirectional_text(text, markdown=False)
    shaping = (pdf.text_shaping["paragraph_direction"], pdf.text_shaping["fragment_direction"])
    return tuple((f.characters, f.font.fontkey, f.fragment_direction) for f in found), shaping


def test_text_with_nothing_right_to_left_gives_the_bidi_algorithms_fragments_without_it():
    # CompatFPDF skips the bidirectional algorithm for such text: the fragments (and the
    # directions left in text_shaping) must be exactly those the algorithm gives.
    def document(kind):
        pdf = kind()
        pdf.add_font("serif", "", FONTS / SERIF_REGULAR)
        pdf.add_font("naskh", "", FONTS / ARABIC_REGULAR)
        pdf.set_fallback_fonts(["naskh"])
        pdf.set_text_shaping(True)
        pdf.add_page()
        pdf.set_font("serif", "", 12)
        return pdf

    plain, compat = document(FPDF), document(CompatFPDF)
    texts = [
        "Görsev Argın, 12 hours · 21 July 2027 (Madrid time)",
        "https://courses.example.org/verify/7KQ2-M9XD",
        "Serial 7KQ2-M9XD",
        "",
        "12.5 % – 3,000",
        "نور الهدى الحداد",
        "Issued by مدينة عمّان and UCLG",
        "\u2067isolated\u2069 text",
    ]
    for text in texts:
        assert fragments(compat, text) == fragments(plain, text), text
    for font in [*plain.fonts.values(), *compat.fonts.values()]:
        font.close()
