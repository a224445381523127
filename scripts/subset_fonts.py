"""Web fonts for Hangul and Arabic: small WOFF2 subsets of Noto, and their @font-face rules.

    .venv/bin/python scripts/subset_fonts.py [--cjk FILE] [--arabic FILE]

Reads Noto Sans CJK KR (Debian's fonts-noto-cjk) and Noto Sans Arabic (fonts-noto-core), both
under the SIL Open Font License 1.1, and writes:

- app/static/fonts/hangul-1.woff2 … hangul-5.woff2: the 2,350 KS X 1001 syllables (the common
  ones) in five slices, most frequent first; hangul-1 also has the compatibility Jamo
  (ㄱ ㅏ ㅋㅋ). hangul-jamo.woff2: the modern conjoining Jamo (decomposed text, rare);
- app/static/fonts/arabic.woff2: the Arabic block, Arabic Supplement and the presentation forms;
- app/static/fonts/names-hangul.woff2, names-arabic.woff2: only the letters of the language
  names the footer shows on every page (한국어, العربية), so that a Latin page on a computer
  without Korean or Arabic fonts fetches a few hundred bytes, not a slice;
- the block between the two `web-fonts` markers at the top of app/static/css/site.css: one
  @font-face per file, with its unicode-range and the file's content hash (`?v=`, as
  `url_for('static')` gives it) so the font is cached for a year.

Frequency: the syllables of common Korean family and given names come first (names are what
most pages show in Korean), then those the Korean interface catalogue and the Korean CLDR data
(Babel) use, by how often; the rest of KS X 1001 follows in code point order. Re-run after the
Korean catalogue has changed much: a syllable it gains is still in some slice, just a later one.
The output is the same for the same inputs (no timestamps), so an unchanged run changes nothing.
"""

import argparse
import hashlib
import io
import re
import sys
from collections import Counter
from pathlib import Path

from babel import localedata
from babel.messages.pofile import read_po
from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.i18n import LANGUAGES  # noqa: E402  (the footer's language names)

FONTS = ROOT / "app" / "static" / "fonts"
STYLESHEET = ROOT / "app" / "static" / "css" / "site.css"
KOREAN_CATALOGUE = ROOT / "app" / "translations" / "ko" / "LC_MESSAGES" / "messages.po"
NOTO_CJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
NOTO_CJK_FACE = "Noto Sans CJK KR"
NOTO_ARABIC = "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf"

BEGIN = "/* web-fonts: begin."
END = "/* web-fonts: end */"

HANGUL_SLICES = (400, 600)  # the first two slices' syllables, by frequency; the rest in three
HANGUL_REST_SLICES = 3
COMPATIBILITY_JAMO = range(0x3131, 0x318F)
CONJOINING_JAMO = [*range(0x1100, 0x1113), *range(0x1161, 0x1176), *range(0x11A8, 0x11C3)]
ARABIC = [
    *range(0x0600, 0x0700),  # Arabic
    *range(0x0750, 0x0780),  # Arabic Supplement
    *range(0xFB50, 0xFE00),  # Arabic Presentation Forms-A
    *range(0xFE70, 0xFF00),  # Arabic Presentation Forms-B
]
# Kept in the Arabic font for shaping (joiners, direction marks), not in its unicode-range:
# a Latin page may carry a direction mark, and must not fetch the font for it.
ARABIC_SHAPING = [0x200C, 0x200D, 0x200E, 0x200F]

# Syllables of common Korean family names and given names: what a page shows most in Korean.
NAME_SYLLABLES = (
    "김이박최정강조윤장임한오서신권황안송전홍유고문양손배백허노남심하곽성차주우구민류나진"
    "지엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용예경봉"
    "사부갈궁독영수재동호상혁훈희미숙자순철승태규아다린빈혜화애종광건범찬결율온별솔람름봄"
    "슬겸시해후빛누리보새벽효균식환학일웅근섭완중열욱택익관창형엽록운란향분녀례실덕복래준"
    "서우연하윤지민채은"
)
# Vertical writing's features and tables: the site writes horizontally.
VERTICAL_FEATURES = {"vert", "vrt2", "valt", "vhal", "vkrn", "vpal", "vchw"}


def ks_x_1001_syllables() -> list[int]:
    """The 2,350 Hangul syllables of KS X 1001 (EUC-KR rows 0xB0–0xC8), in code point order."""
    found = []
    for row in range(0xB0, 0xC9):
        for cell in range(0xA1, 0xFF):
            found.append(ord(bytes([row, cell]).decode("euc-kr")))
    return sorted(found)


def is_syllable(character: str) -> bool:
    return 0xAC00 <= ord(character) <= 0xD7A3


def korean_counts() -> Counter:
    """How often each syllable occurs in the Korean interface catalogue and CLDR's Korean."""
    counts: Counter = Counter()

    def walk(value) -> None:
        if isinstance(value, str):
            counts.update(c for c in value if is_syllable(c))
        elif hasattr(value, "items"):
            for key, item in value.items():
                walk(key)
                walk(item)
        elif isinstance(value, list | tuple | set | frozenset):
            for item in value:
                walk(item)

    walk(dict(localedata.load("ko")))
    if KOREAN_CATALOGUE.exists():
        with KOREAN_CATALOGUE.open("rb") as file:
            for message in read_po(file):
                walk([text for text in message.string or () if text])
    return counts


def hangul_slices() -> list[list[int]]:
    """The syllables of each slice: names and the most frequent first."""
    common = ks_x_1001_syllables()
    counts = korean_counts()
    names = dict.fromkeys(ord(c) for c in NAME_SYLLABLES)  # unique, in order
    by_frequency = sorted((ord(c) for c in counts), key=lambda code: (-counts[chr(code)], code))
    ordered = list(dict.fromkeys([*names, *by_frequency]))
    slices, start = [], 0
    for size in HANGUL_SLICES:
        slices.append(ordered[start : start + size])
        start += size
    taken = {code for part in slices for code in part}
    rest = [code for code in common if code not in taken]
    size = -(-len(rest) // HANGUL_REST_SLICES)
    slices += [rest[i : i + size] for i in range(0, len(rest), size)]
    slices[0] = [*COMPATIBILITY_JAMO, *slices[0]]
    return slices


def unicode_range(codes) -> str:
    """`U+AC00-AC03,U+AC10`: the code points, runs joined."""
    codes = sorted(set(codes))
    runs = []
    for code in codes:
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return ",".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in runs)


def open_source(path: str, face: str | None = None) -> TTFont:
    """A font file, or the named face of a collection; its timestamps kept as they are."""
    if path.endswith((".ttc", ".otc")):
        for number, font in enumerate(TTCollection(path).fonts):
            if font["name"].getDebugName(1) == face:
                return TTFont(path, fontNumber=number, recalcTimestamp=False)
        raise SystemExit(f"{path} has no face named {face!r}")
    return TTFont(path, recalcTimestamp=False)


def make_subset(source: str, face: str | None, codes, family: str, what: str):
    """A WOFF2 file with the glyphs of `codes` (and what shaping them needs), renamed; and
    which of `codes` it has (its unicode-range claims no character it lacks)."""
    font = open_source(source, face)
    original = font["name"].getDebugName(4) or font["name"].getDebugName(1)
    version = (font["name"].getDebugName(5) or "").split(";")[0]
    options = subset.Options()
    options.flavor = "woff2"
    options.hinting = False  # the hints weigh more than they help on today's screens
    options.desubroutinize = True  # WOFF2's Brotli compresses plain outlines better
    options.layout_features = [f for f in options.layout_features if f not in VERTICAL_FEATURES]
    options.drop_tables += ["vhea", "vmtx", "VORG", "BASE"]
    options.name_IDs = [0, 5, 7, 8, 9, 11, 12, 13, 14]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codes)
    subsetter.subset(font)
    postscript = re.sub(r"[^A-Za-z0-9]", "", family) + "-Regular"
    name = font["name"]
    for name_id, value in {
        1: family,
        2: "Regular",
        3: f"{version};{postscript}",
        4: f"{family} Regular",
        6: postscript,
        10: f"A subset of {original} {version} for Caring Cities: {what}.",
    }.items():
        name.setName(value, name_id, 3, 1, 0x409)
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [postscript]
        top = cff.topDictIndex[0]
        top.FullName, top.FamilyName = f"{family} Regular", family
    font.flavor = "woff2"
    output = io.BytesIO()
    font.save(output)
    return output.getvalue(), sorted(set(codes) & set(font.getBestCmap()))


def face_rule(family: str, filename: str, data: bytes, codes) -> str:
    version = hashlib.sha256(data).hexdigest()[:8]  # app/core/assets.py's content hash
    return (
        f'@font-face {{ font-family: "{family}"; font-display: swap; '
        f'src: url("../fonts/{filename}?v={version}") format("woff2");\n'
        f"  unicode-range: {unicode_range(codes)}; }}"
    )


def language_name_characters(script) -> list[int]:
    return sorted({ord(c) for name in LANGUAGES.values() for c in name if script(ord(c))})


def build(cjk: str, arabic: str) -> list[tuple[str, str, bytes, list[int]]]:
    """Every file: its family, file name, bytes and the code points its rule claims."""
    files = []
    for number, codes in enumerate(hangul_slices(), start=1):
        what = f"Hangul slice {number} of {len(HANGUL_SLICES) + HANGUL_REST_SLICES}"
        data, has = make_subset(cjk, NOTO_CJK_FACE, codes, "CC Hangul", what)
        files.append(("CC Hangul", f"hangul-{number}.woff2", data, has))
    data, has = make_subset(cjk, NOTO_CJK_FACE, CONJOINING_JAMO, "CC Hangul", "conjoining Jamo")
    files.append(("CC Hangul", "hangul-jamo.woff2", data, has))
    data, has = make_subset(arabic, None, [*ARABIC, *ARABIC_SHAPING], "CC Arabic", "Arabic")
    files.append(("CC Arabic", "arabic.woff2", data, [c for c in has if c not in ARABIC_SHAPING]))
    names = "CC Language Names"
    hangul = language_name_characters(lambda c: 0xAC00 <= c <= 0xD7A3)
    data, has = make_subset(cjk, NOTO_CJK_FACE, hangul, names, "language names")
    files.append((names, "names-hangul.woff2", data, has))
    arabic_names = language_name_characters(lambda c: 0x0600 <= c <= 0x06FF)
    data, has = make_subset(arabic, None, arabic_names, names, "language names")
    files.append((names, "names-arabic.woff2", data, has))
    return files


def stylesheet_block(files) -> str:
    rules = "\n".join(face_rule(family, name, data, codes) for family, name, data, codes in files)
    return (
        f'{BEGIN} Written by scripts/subset_fonts.py (docs/languages.md, "Scripts and fonts").\n'
        "   Subsets of Noto (SIL Open Font License, fonts/OFL.txt) for Hangul and Arabic. A\n"
        "   browser fetches a face only for a page with characters in its unicode-range that no\n"
        "   font before it in the font-family list has: a computer with Korean and Arabic fonts,\n"
        "   or a Latin page, fetches none (only the footer's language names, 4 KB). */\n"
        f"{rules}\n"
        '.language-choice [lang] { font-family: var(--system-fonts), "CC Language Names", '
        "sans-serif; }\n"
        f"{END}\n"
    )


def write_stylesheet(block: str) -> None:
    css = STYLESHEET.read_text(encoding="utf-8")
    start, end = css.find(BEGIN), css.find(END)
    before, after = ("", css) if start == -1 else (css[:start], css[end + len(END) :].lstrip())
    css = before + block + after
    STYLESHEET.write_text(css, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cjk", default=NOTO_CJK, help=f"Noto Sans CJK (default {NOTO_CJK})")
    parser.add_argument("--arabic", default=NOTO_ARABIC, help="Noto Sans Arabic, regular")
    arguments = parser.parse_args()
    files = build(arguments.cjk, arguments.arabic)
    FONTS.mkdir(parents=True, exist_ok=True)
    for stale in FONTS.glob("*.woff2"):
        stale.unlink()
    for family, name, data, codes in files:
        (FONTS / name).write_bytes(data)
        print(f"{name:22} {family:18} {len(codes):5} code points {len(data):7,} bytes")
    print(f"{'total':22} {sum(len(data) for _, _, data, _ in files):33,} bytes")
    write_stylesheet(stylesheet_block(files))
    print(f"wrote the @font-face block of {STYLESHEET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
