"""Every use of fpdf2's private API, and of uharfbuzz (which fpdf2 shapes text with), in one
place.

The certificate (pdf.py) draws through fpdf2's public API only; what it needs beyond that
lives here, each piece with the upstream issue or behaviour it works around. fpdf2 is pinned
to a minor version (pyproject.toml), and tests/test_fpdf_compat.py fails when one of these
behaviours or the internals used change, so an upgrade shows what here can go or must change.
"""

from __future__ import annotations

import copy
import io
import unicodedata
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uharfbuzz as hb
from fontTools import ttLib
from fpdf import FPDF
from fpdf.enums import PDFResourceType, TextDirection
from fpdf.fonts import HarfBuzzFont, SubsetMap, TTFFont
from fpdf.structure_tree import StructElem
from fpdf.syntax import PDFString

# .notdef and the three glyphs after it, which fpdf2's subsetting keeps in every subset
# (fontTools' recommended_glyphs).
RECOMMENDED_GLYPHS = 4


class TextElement(StructElem):
    """A structure element of text (/H1, /P…) with the language it is written in and, when
    given, its text in logical order (/ActualText) for what reads the structure tree."""

    __slots__ = ("actual_text", "lang")

    def __init__(
        self,
        role: str,
        parent: Any,
        mcid: int,
        page: int,
        lang: str | None,
        actual_text: str | None,
    ) -> None:
        super().__init__(struct_type=f"/{role}", parent=parent, kids=[mcid], page_number=page)
        self.lang = None if lang is None else PDFString(lang)
        self.actual_text = None if actual_text is None else PDFString(actual_text)


# The bidirectional classes that can make a character or what follows it right-to-left.
RIGHT_TO_LEFT_CLASSES = frozenset(
    ("R", "AL", "AN", "RLE", "RLO", "LRE", "LRO", "PDF", "RLI", "LRI", "FSI", "PDI")
)


def _may_be_rtl(text: str) -> bool:
    """Whether the bidirectional algorithm could give any of the text a level but 0."""
    return not text.isascii() and any(
        unicodedata.bidirectional(char) in RIGHT_TO_LEFT_CLASSES for char in text
    )


def _utf16_hex(text: str) -> str:
    """A PDF text string for a content stream: UTF-16BE with its byte order mark, in hex."""
    return "<" + ("\ufeff" + text).encode("utf-16-be").hex().upper() + ">"


class CompatFPDF(FPDF):
    """fpdf2's FPDF, with a fix for text that starts with a fallback font's character,
    documents that embed only the shared fonts they draw with, and tagged text."""

    @contextmanager
    def tagged_text(
        self, role: str, *, lang: str | None = None, actual_text: str | None = None
    ) -> Iterator[None]:
        """What is drawn inside is one element of the document's structure, in drawing order:
        `role` (H1, P…), in `lang` when given (else the document's), and, when `actual_text` is
        given, read as that text: the words of right-to-left script in logical order, which
        the drawn glyphs are not.

        The ActualText is given twice: on the structure element (screen readers, Acrobat) and
        on a /Span around the drawing (text extraction that reads marked content, as Poppler's
        does). Upstream: fpdf2 tags only images, links and outline sections
        (FPDF._marked_sequence is private and makes /Figure elements only), and its
        StructElem has no /Lang or /ActualText.
        Private: FPDF.struct_builder, FPDF.pages[n].struct_parents, FPDF._out,
        FPDF._set_min_pdf_version.
        """
        builder = self.struct_builder
        mcid = builder.next_mcid_for_page(self.page)
        parents = builder.spid_per_page_number.setdefault(
            self.page, len(builder.spid_per_page_number)
        )
        element = TextElement(role, builder.doc_struct_elem, mcid, self.page, lang, actual_text)
        builder.doc_struct_elem.k.append(element)
        builder.struct_tree_root.parent_tree.nums[parents].append(element)
        self.pages[self.page].struct_parents = parents
        self._set_min_pdf_version("1.5")
        self._out(f"/{role} <</MCID {mcid}>> BDC")
        if actual_text is not None:
            self._out(f"/Span <</ActualText {_utf16_hex(actual_text)}>> BDC")
        yield
        if actual_text is not None:
            self._out("EMC")
        self._out("EMC")

    @contextmanager
    def artifact(self) -> Iterator[None]:
        """What is drawn inside is decoration, not content (rules, the frame, the QR code's
        modules): a tagged document marks it so screen readers pass over it.
        Private: FPDF._out."""
        self._out("/Artifact BMC")
        yield
        self._out("EMC")

    def _preload_bidirectional_text(self, text: str, markdown: bool) -> Sequence[Any]:
        """Text with nothing right-to-left in it is one left-to-right run: say so without
        running the Unicode bidirectional algorithm over it.

        In a paragraph whose characters are all left-to-right or neutral (no R, AL or AN
        letters or digits, no embedding, override or isolate controls), every character
        resolves to level 0, so the algorithm returns the whole text as one LTR fragment:
        this returns the very same fragments. Upstream: with text shaping on, fpdf2 runs the
        algorithm, a Python object per character, on every text it measures or draws; the
        certificate's Latin and Korean texts spent a fifth of their time there.
        Private: FPDF._preload_bidirectional_text, FPDF._preload_font_styles and its
        _initial_emphasis, the text_shaping keys paragraph_direction and fragment_direction.
        """
        if not self.text_shaping or self.text_shaping["direction"] or _may_be_rtl(text):
            return super()._preload_bidirectional_text(text, markdown)
        self.text_shaping["paragraph_direction"] = TextDirection.LTR
        if not text:
            return ()
        self.text_shaping["fragment_direction"] = TextDirection.LTR
        emphasis = ("B" in self.font_style, "I" in self.font_style)
        emphasis += (self.strikethrough, self.underline)
        return tuple(self._preload_font_styles(text, markdown, _initial_emphasis=emphasis))

    def _render_styled_text_line(self, *args: Any, **kwargs: Any) -> Any:
        """Forget, after each line, that the page's font is set.

        Upstream: https://github.com/py-pdf/fpdf2/issues/1772 (fixed by pull request #1775,
        not in a release up to 2.8.9). fpdf2 marks the current font as set on the page when a
        line begins with a fallback font's glyph (an Arabic or Hangul name), but then wraps that
        line in q … Q, which undoes the font; the next line in the main font was drawn with no
        font at all. Re-selecting it costs a few bytes.
        Private: FPDF._render_styled_text_line, FPDF.current_font_is_set_on_page.
        """
        result = super()._render_styled_text_line(*args, **kwargs)
        self.current_font_is_set_on_page = False
        return result

    def output(self, *args: Any, **kwargs: Any) -> Any:
        """The document, with the shared fonts it draws with, each subset on its own copy.

        Upstream: fpdf2 embeds every font of FPDF.fonts, used on a page or not
        (https://github.com/py-pdf/fpdf2/issues/1382, closed, still so in 2.8.9). A fallback
        family comes in both weights, but a Korean name, say, is drawn in bold only: fpdf2
        would subset and embed the regular font too, unused, for nothing.
        Private: FPDF._resource_catalog (the fonts each page uses).
        """
        used = {
            int(font_id)
            for page in range(1, self.pages_count + 1)
            for font_id in self._resource_catalog.get_resources_per_page(page, PDFResourceType.FONT)
        }
        for key, font in list(self.fonts.items()):
            if isinstance(font, SharedFont):
                if font.i in used:
                    font.detach()
                else:
                    del self.fonts[key]
        return super().output(*args, **kwargs)


class SharedFont(TTFFont):
    """A font file read once per process; each document draws with a copy of its own.

    The copies share what never changes (the tables, the cmap, the widths, the HarfBuzz face);
    what a document changes is its own: the glyphs it uses (its subset), the font's number in
    it, its descriptor, and the fontTools font that fpdf2 cuts down in place to the document's
    glyphs as it writes it.

    Upstream: fpdf2's add_font reads and indexes the whole file for every document, which took
    a fifth of the time of a certificate, and fpdf2 has no way to share a font between
    documents. No fpdf2 issue asking for one was found (the performance reports #742 and #907
    are about the same cost). Private: TTFFont's constructor and fields (i, desc, subset,
    missing_glyphs, biggest_size_pt, _hbfont, ttfont, scale, cmap), SubsetMap, HarfBuzzFont,
    perform_harfbuzz_shaping, and uharfbuzz's Face and Blob.
    """

    # A cap on the shaped widths remembered, so odd texts cannot grow it for ever.
    MAX_SHAPED = 20_000

    def __init__(self, path: Path, family: str, style: str) -> None:
        super().__init__(FPDF(), path, f"{family}{style}", style)  # a document to read it for
        self.ttfont.getGlyphOrder()  # drawing looks glyph names up: read them now
        # Every table a document reads while drawing is loaded: the file can be closed.
        self.ttfont.close()
        self.face = hb.Face(hb.Blob.from_file_path(path))
        self.subsettable = _without_layout_tables(path)
        # For each cmap subtable: glyph name -> the characters it draws (detach).
        self.codes_of = [_codes_by_glyph(subtable) for subtable in self.ttfont["cmap"].tables]
        # Text -> the advance of each of its glyphs, in thousandths of the font size.
        self.shaped: dict[Hashable, tuple[int, ...]] = {}

    def for_document(self, pdf: FPDF) -> SharedFont:
        """A copy to add to the document, with none of another document's state."""
        font = copy.copy(self)
        font.i = len(pdf.fonts) + 1
        font.desc = copy.copy(self.desc)
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font.subset = SubsetMap(font)
        # HarfBuzz's font takes the size of each text shaped: one per document, for threads.
        font._hbfont = HarfBuzzFont(self.face)
        return font

    def detach(self) -> None:
        """Give the copy a fontTools font of its own, for fpdf2 to subset in place on output,
        holding only the glyphs the document draws (with .notdef, the three after it and the
        components of composite glyphs).

        fontTools' subsetter works through every glyph of the font it is given, in the cmap,
        the widths, the glyph names and the outlines: for the Hangul fonts' 14,000 glyphs that
        took most of the time of a certificate's output. The copy is made from the tables read
        once (the outlines it keeps copied, as the subsetter changes those in place), so it
        writes the very same subset as the whole font would.

        Upstream: fpdf2's output subsets `font.ttfont` in place (fpdf/output.py, _add_fonts),
        so a font shared between documents would lose its glyphs to the first one written.
        """
        shared = self.ttfont
        order = shared.getGlyphOrder()
        kept = _with_components(
            shared["glyf"], {*self.subset.get_all_glyph_names(), *order[:RECOMMENDED_GLYPHS]}
        )
        names = sorted(kept, key=shared.getGlyphID)
        # Without recalcBBoxes the subset glyphs are copied, not decoded and encoded again;
        # the font's bounding box and maxima stay the whole font's, which contain the subset's.
        own = ttLib.TTFont(
            io.BytesIO(self.subsettable), recalcBBoxes=False, recalcTimestamp=False, lazy=True
        )
        own.setGlyphOrder(names)
        cmap = own["cmap"] = copy.copy(shared["cmap"])
        cmap.tables = [
            _cmap_of(subtable, self.codes_of[index], names)
            for index, subtable in enumerate(shared["cmap"].tables)
        ]
        hmtx = own["hmtx"] = copy.copy(shared["hmtx"])
        hmtx.metrics = {name: shared["hmtx"].metrics[name] for name in names}
        own["post"] = copy.copy(shared["post"])
        glyf = own["glyf"] = ttLib.newTable("glyf")
        glyf.glyphOrder = names
        glyf.glyphs = {name: _own_glyph(shared["glyf"], name) for name in names}
        self.ttfont = own

    def shaped_text_width(
        self, text: str, font_size_pt: float, text_shaping_params: dict[str, Any] | None
    ) -> tuple[int, float]:
        """fpdf2's width of shaped text, shaping each text once per process.

        Line breaking measures the same words again and again, at every size tried. HarfBuzz
        gives advances in font units whatever the size (these fonts have no tracking table),
        so they are kept and scaled, summed in fpdf2's order for the very same result.

        Upstream: this is TTFFont.shaped_text_width of fpdf2 2.8.9 with a memory; fpdf2 shapes
        the text again at every call, and its line breaking calls it for every word tried.
        """
        params = text_shaping_params or {}
        # What perform_harfbuzz_shaping reads of the parameters.
        key = (
            text,
            params.get("fragment_direction"),
            params.get("script"),
            params.get("language"),
            tuple(params.get("features", {}).items()),
        )
        advances = self.shaped.get(key)
        if advances is None:
            _, positions = self.perform_harfbuzz_shaping(text, font_size_pt, text_shaping_params)
            if positions is None:
                return (0, 0)
            advances = tuple(round(self.scale * pos.x_advance + 0.001) for pos in positions)
            if len(self.shaped) >= self.MAX_SHAPED:
                self.shaped.clear()
            self.shaped[key] = advances
        width: float = 0
        for advance in advances:
            width += advance * font_size_pt * 0.001
        return (len(advances), width)

    def code_points(self) -> set[int]:
        """The characters the font has a glyph for."""
        return set(self.cmap)


def add_shared_fonts(pdf: FPDF, fonts: Mapping[str, SharedFont]) -> None:
    """Add fonts read once to a document, under their fpdf2 keys (family and style, "serifB").

    fpdf2 has no public way to add a font it has not read itself: this writes FPDF.fonts.
    """
    for key, font in fonts.items():
        pdf.fonts[key] = font.for_document(pdf)


def _codes_by_glyph(subtable: Any) -> dict[str, list[int]]:
    """A cmap subtable turned round: each glyph name with the characters mapped to it."""
    codes: dict[str, list[int]] = {}
    for code, name in subtable.cmap.items():
        codes.setdefault(name, []).append(code)
    return codes


def _cmap_of(subtable: Any, codes_of: Mapping[str, list[int]], names: Iterable[str]) -> Any:
    """A copy of a cmap subtable with only the characters of these glyphs."""
    own = copy.copy(subtable)
    own.cmap = {code: name for name in names for code in codes_of.get(name, ())}
    return own


def _own_glyph(glyf: Any, name: str) -> Any:
    """A copy of a glyph for a font with other glyph numbers: a composite glyph is read in the
    whole font first, so that it names its components rather than numbering them."""
    glyph = copy.copy(glyf.glyphs[name])
    if glyph.isComposite():
        glyph.expand(glyf)
    return glyph


def _with_components(glyf: Any, names: Iterable[str]) -> set[str]:
    """The glyphs named and the glyphs their composite glyphs are built of, in a glyf table."""
    found: set[str] = set()
    todo = set(names)
    while todo:
        name = todo.pop()
        found.add(name)
        todo.update(set(glyf.glyphs[name].getComponentNames(glyf)) - found)
    return found


def _without_layout_tables(path: Path) -> bytes:
    """The font file without the tables fpdf2's subsetting drops anyway.

    The subsetter reads the big layout tables before it drops them; without them it is
    quicker, and it writes the very same subset. Upstream: fpdf2's output lists GDEF, GPOS
    and GSUB in the subsetter's drop_tables (the PDF does not shape text again).
    """
    font = ttLib.TTFont(path, recalcTimestamp=False, lazy=True)
    for tag in ("GDEF", "GPOS", "GSUB"):
        if tag in font:
            del font[tag]
    buffer = io.BytesIO()
    font.save(buffer)
    font.close()
    return buffer.getvalue()
