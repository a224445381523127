"""The web fonts for Hangul and Arabic (issue #25): valid WOFF2 files that have every character
their @font-face rule claims, served as font/woff2 with a year's cache, and named in the
stylesheet after the computer's own fonts. tests/browser/test_fonts.py checks what a browser
fetches; scripts/subset_fonts.py makes the files."""

import hashlib
import re

import pytest
from fontTools.ttLib import TTFont

from app.core.i18n import LANGUAGES
from tests.conftest import REPO

FONTS = REPO / "app" / "static" / "fonts"
STYLESHEET = REPO / "app" / "static" / "css" / "site.css"
LONG_CACHE = "public, max-age=31536000, immutable"
KOREAN_NAME = "김민지"
ARABIC_NAME = "ليلى حداد"
FACE = re.compile(r"@font-face\s*\{(.*?)\}", re.S)


def parse_range(text: str) -> set[int]:
    codes = set()
    for part in text.split(","):
        first, _, last = part.strip().removeprefix("U+").partition("-")
        codes.update(range(int(first, 16), int(last or first, 16) + 1))
    return codes


def faces() -> list[dict]:
    """Each @font-face rule of the stylesheet: family, file, version, code points, display."""
    found = []
    for body in FACE.findall(STYLESHEET.read_text(encoding="utf-8")):
        source = re.search(r'url\("\.\./fonts/([^"?]+)\?v=([0-9a-f]+)"\) format\("woff2"\)', body)
        found.append(
            {
                "family": re.search(r'font-family:\s*"([^"]+)"', body)[1],
                "file": source[1],
                "version": source[2],
                "codes": parse_range(re.search(r"unicode-range:\s*([^;]+);", body)[1]),
                "display": re.search(r"font-display:\s*(\w+)", body)[1],
            }
        )
    return found


FACES = faces()
FILES = sorted(FONTS.glob("*.woff2"))


def of_family(family: str) -> list[dict]:
    return [face for face in FACES if face["family"] == family]


def test_every_font_file_has_a_rule_and_every_rule_a_file():
    assert sorted(face["file"] for face in FACES) == [path.name for path in FILES]
    assert {face["family"] for face in FACES} == {"CC Hangul", "CC Arabic", "CC Language Names"}
    assert all(face["display"] == "swap" for face in FACES)
    assert (FONTS / "OFL.txt").read_text(encoding="utf-8").count("SIL OPEN FONT LICENSE") == 1


@pytest.mark.parametrize("face", FACES, ids=[face["file"] for face in FACES])
def test_each_file_is_woff2_with_every_character_its_rule_claims(face):
    path = FONTS / face["file"]
    font = TTFont(path)
    assert font.flavor == "woff2"
    assert path.read_bytes()[:4] == b"wOF2"
    missing = face["codes"] - set(font.getBestCmap())
    assert not missing, [f"U+{code:04X}" for code in sorted(missing)]
    # Renamed (the Reserved Font Names of the sources are not used), notices kept.
    names = font["name"]
    assert names.getDebugName(1) == face["family"]
    assert "Open Font License" in names.getDebugName(13)
    assert names.getDebugName(0)  # the copyright notice
    # The address carries the file's content hash, so the file is cached for a year.
    assert face["version"] == hashlib.sha256(path.read_bytes()).hexdigest()[:8]


def test_the_hangul_slices_are_disjoint_and_hold_the_common_syllables():
    slices = of_family("CC Hangul")
    claimed = [code for face in slices for code in face["codes"]]
    assert len(claimed) == len(set(claimed))  # a character is in one slice only
    common = {  # KS X 1001's 2,350 syllables: EUC-KR rows 0xB0 to 0xC8
        ord(bytes([row, cell]).decode("euc-kr"))
        for row in range(0xB0, 0xC9)
        for cell in range(0xA1, 0xFF)
    }
    assert len(common) == 2350
    assert common <= set(claimed)
    assert set(range(0x3131, 0x318F)) <= set(claimed)  # compatibility Jamo (ㄱ, ㅋ)
    # A name's syllables are in the first slice, fetched alone.
    first = next(face for face in slices if face["file"] == "hangul-1.woff2")
    assert {ord(c) for c in KOREAN_NAME + "박지우한국어"} <= first["codes"]


def test_the_arabic_font_has_the_arabic_blocks():
    (arabic,) = of_family("CC Arabic")
    for block in [(0x0600, 0x06FF), (0x0750, 0x077F), (0xFE70, 0xFEFC)]:
        assert set(range(block[0], block[1] + 1)) & arabic["codes"]
    assert {ord(c) for c in ARABIC_NAME if c != " "} <= arabic["codes"]
    # Latin text never calls for it: no Latin letter, digit or space is in its range.
    assert not arabic["codes"] & set(range(0x0000, 0x0250))


def test_the_footer_language_names_have_a_font_of_their_own():
    """Every page's footer names each language in its own script: those letters only."""
    names = {code for face in of_family("CC Language Names") for code in face["codes"]}
    outside_latin = {ord(c) for name in LANGUAGES.values() for c in name if ord(c) >= 0x0250}
    assert outside_latin == names  # scripts/subset_fonts.py again after a language is added
    assert (
        sum((FONTS / face["file"]).stat().st_size for face in of_family("CC Language Names"))
        < 6 * 1024
    )


def test_the_files_are_small():
    size = {path.name: path.stat().st_size for path in FILES}
    hangul = [name for name in size if name.startswith("hangul-")]
    assert all(size[name] < 50 * 1024 for name in hangul), size
    assert sum(size[name] for name in hangul) < 300 * 1024, size
    assert size["arabic.woff2"] < 60 * 1024


def test_the_families_come_after_the_computers_own_fonts():
    css = STYLESHEET.read_text(encoding="utf-8")
    stack = re.search(r":root\s*\{[^}]*?font-family:\s*([^;]+);", css)[1]
    system = re.search(r"--system-fonts:\s*([^;]+);", css)[1]
    assert stack.split(",")[0].strip() == "var(--system-fonts)"
    assert '"Noto Sans CJK KR"' in system and '"Noto Sans Arabic"' in system
    assert [f.strip() for f in stack.split(",")][-3:] == [
        '"CC Hangul"',
        '"CC Arabic"',
        "sans-serif",
    ]


def test_a_font_is_served_as_woff2_cached_for_a_year(client):
    face = FACES[0]
    response = client.get(
        f"/static/fonts/{face['file']}?v={face['version']}",
        headers={"Accept-Encoding": "br, gzip"},
    )
    assert response.status_code == 200
    assert response.mimetype == "font/woff2"
    assert response.headers["Cache-Control"] == LONG_CACHE
    assert "Content-Encoding" not in response.headers  # WOFF2 is compressed already
    assert response.data == (FONTS / face["file"]).read_bytes()
    # The policy lets the site's own fonts in (font-src falls back to default-src).
    policy = response.headers["Content-Security-Policy"]
    assert "font-src" not in policy or "font-src 'self'" in policy
    assert "default-src 'self'" in policy
