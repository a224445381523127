"""The interface's catalogues: every string the code and templates use is translated."""

import io
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.conftest import REPO

APP = REPO / "app"
TRANSLATIONS = APP / "translations"
LANGUAGES = ["es", "fr", "pt", "ar", "ko"]


@pytest.fixture(scope="module")
def extracted() -> Catalog:
    """What `make messages` would extract, read straight from the code."""
    with open(REPO / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    catalog = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
        str(APP), method_map, options_map
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def read_catalogue(language: str) -> Catalog:
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=language)


def where(message) -> str:
    return ", ".join(f"{path}:{line}" for path, line in message.locations[:3])


def test_the_code_has_text_to_translate(extracted):
    ids = {message.id if isinstance(message.id, str) else message.id[0] for message in extracted}
    # A few strings from different corners: if extraction broke, the test below proves nothing.
    assert "Check a certificate" in ids
    assert len(ids) > 5


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated_and_none_is_fuzzy(extracted, language):
    catalogue = read_catalogue(language)
    problems = []
    for message in extracted:
        if not message.id:
            continue
        found = catalogue.get(message.id, message.context)
        if found is None:
            problems.append(f"missing: {message.id!r} ({where(message)})")
        elif found.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not all(found.string) if isinstance(found.string, tuple) else not found.string:
            problems.append(f"untranslated: {message.id!r} ({where(message)})")
    assert not problems, (
        f"{len(problems)} problems in {language}; run `make messages`, then translate:\n"
        + "\n".join(problems[:40])
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_their_placeholders(language):
    catalogue = read_catalogue(language)
    errors = [
        f"{message.id!r}: {'; '.join(str(error) for error in found)}"
        for message, found in catalogue.check()
    ]
    assert not errors, "\n".join(errors[:40])


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_add_no_markup_of_their_own(language):
    """Lazy strings reach templates unescaped, so a translation must not bring <, &, or "."""
    added = []
    for message in read_catalogue(language):
        if not message.id:
            continue  # the catalogue's header
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            for character in '<>&"':
                if character in (text or "") and not any(character in id_ for id_ in ids):
                    added.append(f"{message.id!r}: {character} in {text!r}")
    assert not added, "\n".join(added)


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_is_up_to_date(language):
    """The .mo file the app reads is compiled from the .po as it is now (`make translations`)."""
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    compiled = io.BytesIO()
    write_mo(compiled, read_catalogue(language))
    mo = Path(folder / "messages.mo")
    assert mo.exists(), "run `make translations`"
    assert mo.read_bytes() == compiled.getvalue(), "run `make translations`"
