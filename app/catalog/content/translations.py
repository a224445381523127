"""Translations of a course's text: which file translates which, what of an original a
translation must follow, the original's revision, and the checks of a translation.

Every item a learner reads has its translation in a file beside it, named like it with the
language before the extension: `quiz.es.yaml` beside `quiz.yaml`, `module.fr.md` beside
`module.md`, `02-the-5r-framework.es.md` beside the lesson (docs/course-format.md). A
translation holds only text, with the ids of the original's pieces, and records in
`translated_from` the revision of the original it was made from: a short hash of the
original's translatable text, so a change of a pass mark or a date leaves translations current
and a changed sentence makes them out of date. Everything here is pure: it reads file texts
given to it (from a folder, or from the exporter for a course in the database).
"""

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from app.catalog.content.schema import NUMBERED
from app.catalog.content.yamlio import load_lined_yaml, split_front_matter

TEXT = "text"
TEXTS = "texts"  # a list of texts, as many as the original's


@dataclass(frozen=True)
class Items:
    """A list of mappings matched to the original's by `key` (or by position without one)."""

    key: str | None
    fields: dict[str, Any]


# What each kind of file holds that is translated (everything else is the original's own).
YAML_KINDS: dict[str, dict[str, Any]] = {
    "course": {
        "title": TEXT,
        "summary": TEXT,
        "certificate": {"title": TEXT, "wording": TEXT},
        "cohorts": Items(
            "slug",
            {"title": TEXT, "live_sessions": Items("slug", {"title": TEXT, "description": TEXT})},
        ),
    },
    "quiz": {
        "title": TEXT,
        "questions": Items("id", {"prompt": TEXT, "choices": TEXTS, "explanation": TEXT}),
    },
    "assignment": {
        "title": TEXT,
        "prompt": TEXT,
        "sections": Items("id", {"title": TEXT, "guidance": TEXT}),
        "rubric": Items(
            "id",
            {
                "title": TEXT,
                "description": TEXT,
                "levels": Items(None, {"title": TEXT, "description": TEXT}),
            },
        ),
        "themes": Items("id", {"title": TEXT}),
    },
}
MARKDOWN_KINDS: dict[str, dict[str, Any]] = {
    "lesson": {"title": TEXT, "objectives": TEXTS},
    "module": {"title": TEXT},
    "lecture": {"title": TEXT},
    "guidebook": {},
}
# Keys a translation may leave out: the page shows the original's, marked with its language.
OPTIONAL = {("lesson", "objectives")}
MADE_FROM = "translated_from"

LANGUAGE = r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?"
NAMED_FILE = re.compile(
    rf"^(course|guidebook|module|lecture|quiz|assignment)\.({LANGUAGE})\.(md|yaml)$"
)
LESSON_FILE = re.compile(rf"^(\d{{2}}-[^.]+)\.({LANGUAGE})\.md$")
EXTENSION = {
    "course": "yaml", "guidebook": "md", "module": "md", "lecture": "md", "quiz": "yaml",
    "assignment": "yaml",
}  # fmt: skip
ROOT_KINDS = ("course", "guidebook")


def kind_of(original: str) -> str | None:
    """The kind of a course file that can be translated ('quiz', 'lesson'...), else None."""
    folder, _, name = original.rpartition("/")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        return None
    if stem in EXTENSION and EXTENSION[stem] == extension:
        return stem if (stem in ROOT_KINDS) == (folder == "") else None
    if folder and extension == "md" and NUMBERED.match(stem) and "." not in stem:
        return "lesson"
    return None


def translation_path(original: str, language: str) -> str:
    stem, _, extension = original.rpartition(".")
    return f"{stem}.{language}.{extension}"


def original_of(path: str) -> tuple[str, str] | None:
    """('01-x/quiz.yaml', 'es') for '01-x/quiz.es.yaml'; None for a file that is no
    translation's name."""
    folder, _, name = path.rpartition("/")
    prefix = f"{folder}/" if folder else ""
    named = NAMED_FILE.match(name)
    if named:
        stem, language, extension = named.groups()
        if EXTENSION[stem] != extension or (stem in ROOT_KINDS) != (folder == ""):
            return None
        return f"{prefix}{stem}.{extension}", language
    lesson = LESSON_FILE.match(name)
    if lesson and folder:
        return f"{prefix}{lesson.group(1)}.md", lesson.group(2)
    return None


# --- the translatable text of an original, and its revision --------------------------------


def _markdown_parts(text: str) -> tuple[dict, str]:
    parts = split_front_matter(text)
    if parts is None:
        return {}, text
    header, body = parts
    data = yaml.safe_load(header) if header.strip() else {}
    return (data if isinstance(data, dict) else {}), body


def _pick(spec: Mapping[str, Any], data: Any) -> Any:
    """The part of `data` that `spec` says is translated, in the original's order."""
    if not isinstance(data, Mapping):
        return {}
    picked: dict[str, Any] = {}
    for key, kind in spec.items():
        if key not in data or data[key] is None:
            continue
        value = data[key]
        if kind == TEXT:
            picked[key] = str(value)
        elif kind == TEXTS:
            picked[key] = [str(item) for item in value] if isinstance(value, list) else []
        elif isinstance(kind, Items):
            items = value if isinstance(value, list) else []
            picked[key] = [
                ({kind.key: str(item.get(kind.key))} if kind.key else {}) | _pick(kind.fields, item)
                for item in items
                if isinstance(item, Mapping)
            ]
        else:
            picked[key] = _pick(kind, value)
    return picked


def original_text(kind: str, text: str) -> dict[str, Any]:
    """What of an original file a translation translates, as a tree of texts."""
    if kind in YAML_KINDS:
        return _pick(YAML_KINDS[kind], yaml.safe_load(text))
    header, body = _markdown_parts(text)
    return _pick(MARKDOWN_KINDS[kind], header) | {"body": body}


def revision_of(tree: Mapping[str, Any]) -> str:
    """A short hash of an original's translatable text: what `translated_from` records."""
    canonical = json.dumps(tree, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def file_revision(original: str, text: str) -> str | None:
    kind = kind_of(original)
    return revision_of(original_text(kind, text)) if kind else None


# --- a translation, read and checked against its original ----------------------------------


@dataclass
class ReadTranslation:
    """A translation file, read: its text tree (same shape as the original's) or problems."""

    language: str
    kind: str
    made_from: str | None
    texts: dict[str, Any]
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, message)


def _line(data: Any, key: str | int) -> int:
    line_of = getattr(data, "line_of", None)
    return line_of(key) if line_of else 1


def _follow(
    spec: Mapping[str, Any],
    original: Mapping[str, Any],
    data: Any,
    where: str,
    problems: list,
    kind: str,
    extra: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Check `data` against the original's tree; return the translated tree."""
    if not isinstance(data, Mapping):
        problems.append((_line(data, 0), f"{where or 'the file'}: must be a mapping of keys"))
        return {}
    allowed = set(spec) | extra
    for key in data:
        if key not in allowed:
            problems.append(
                (
                    _line(data, key),
                    f"{where}{key}: not a key of a translation here "
                    f"(it has {', '.join(sorted(spec)) or 'no keys but translated_from'}; "
                    "everything else is the original's)",
                )
            )
    translated: dict[str, Any] = {}
    for key, kind_of_key in spec.items():
        if key not in original:
            if key in data:
                problems.append(
                    (_line(data, key), f"{where}{key}: the original has none; remove it here")
                )
            continue
        if key not in data:
            if (kind, key) not in OPTIONAL:
                problems.append(
                    (_line(data, 0), f"{where}{key}: missing; translate the original's")
                )
            continue
        value, theirs = data[key], original[key]
        label = f"{where}{key}"
        if kind_of_key == TEXT:
            if not isinstance(value, str) or not value.strip():
                problems.append((_line(data, key), f"{label}: must be text"))
                continue
            translated[key] = value
        elif kind_of_key == TEXTS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append((_line(data, key), f"{label}: must be a list of texts"))
            elif len(value) != len(theirs):
                problems.append(
                    (
                        _line(data, key),
                        f"{label}: the original has {len(theirs)}, this has {len(value)} "
                        "(same number, same order)",
                    )
                )
            else:
                translated[key] = list(value)
        elif isinstance(kind_of_key, Items):
            translated[key] = _follow_items(
                kind_of_key, theirs, value, label, problems, kind, data, key
            )
        else:
            translated[key] = _follow(kind_of_key, theirs, value, f"{label}.", problems, kind)
    return translated


def _follow_items(
    items: Items, theirs: list, value: Any, label: str, problems: list, kind: str, data, key
) -> list:
    if not isinstance(value, list):
        problems.append((_line(data, key), f"{label}: must be a list"))
        return []
    if len(value) != len(theirs):
        problems.append(
            (
                _line(data, key),
                f"{label}: the original has {len(theirs)}, this has {len(value)} "
                "(same number, same order)",
            )
        )
        return []
    result = []
    for index, (mine, original) in enumerate(zip(value, theirs, strict=True)):
        where = f"{label}[{index}]."
        if items.key:
            expected = original.get(items.key)
            found = mine.get(items.key) if isinstance(mine, Mapping) else None
            if str(found) != expected:
                problems.append(
                    (
                        _line(value, index),
                        f"{where}{items.key}: '{found}' where the original has '{expected}' "
                        "(same pieces, same order)",
                    )
                )
                continue
        keys = frozenset({items.key}) if items.key else frozenset()
        piece = _follow(items.fields, original, mine, where, problems, kind, keys)
        result.append(({items.key: str(original[items.key])} if items.key else {}) | piece)
    return result


def read_translation(path: str, text: str, original: str) -> ReadTranslation:
    """Read the translation at `path` (its file text) against its original's file text."""
    found = original_of(path)
    if found is None:
        raise ValueError(f"{path} is not named as a translation")
    original_path, language = found
    kind = kind_of(original_path)
    if kind is None:
        raise ValueError(f"{original_path} cannot be translated")
    theirs = original_text(kind, original)
    problems: list[tuple[int, str]] = []
    offset = 0
    try:
        if kind in YAML_KINDS:
            data = load_lined_yaml(text)
            body = None
            spec = YAML_KINDS[kind]
        else:
            parts = split_front_matter(text)
            if parts is None and kind != "guidebook":
                return ReadTranslation(
                    language, kind, None, {},
                    [(1, "missing front matter: the file must start with a line '---', the "
                         "YAML header with the translated title, and another line '---'")],
                )  # fmt: skip
            header, body = parts if parts else ("", text)
            data = load_lined_yaml(header) if header.strip() else {}
            offset = 1
            spec = MARKDOWN_KINDS[kind]
    except yaml.YAMLError as error:
        message = str(getattr(error, "problem", None) or error).strip()
        return ReadTranslation(language, kind, None, {}, [(1, f"invalid YAML: {message}")])
    if data is None:
        data = {}
    made_from = data.get(MADE_FROM) if isinstance(data, Mapping) else None
    if made_from is not None and not isinstance(made_from, str):
        problems.append((_line(data, MADE_FROM) + offset, f"{MADE_FROM}: must be text"))
        made_from = None
    texts = _follow(spec, theirs, data, "", problems, kind, frozenset({MADE_FROM}))
    problems = [(line + offset, message) for line, message in problems]
    if body is not None:
        if not body.strip():
            problems.append((1 + offset, "the translated text is missing after the front matter"))
        texts["body"] = body
    return ReadTranslation(language, kind, made_from, texts, problems)


# --- which translations are missing or out of date -----------------------------------------


@dataclass
class LanguageReport:
    """For one language: the originals without a translation, and translations made from an
    older revision (translation path, the revision it records, the original's now)."""

    language: str
    missing: list[str] = field(default_factory=list)
    out_of_date: list[tuple[str, str | None, str]] = field(default_factory=list)
    current: int = 0


def translation_report(files: Mapping[str, str], languages: list[str]) -> list[LanguageReport]:
    """Per language other than the course's own (the first): what is missing, what is out of
    date. `files`: every file's text by its path inside the course folder."""
    originals = {path: kind for path in files if (kind := kind_of(path))}
    reports = []
    for language in languages[1:]:
        report = LanguageReport(language)
        for path in sorted(originals):
            translated = translation_path(path, language)
            if translated not in files:
                report.missing.append(path)
                continue
            now = file_revision(path, files[path]) or ""
            made_from = _made_from(translated, files[translated])
            if made_from == now:
                report.current += 1
            else:
                report.out_of_date.append((translated, made_from, now))
        reports.append(report)
    return reports


def text_files(root: Path | str) -> dict[str, str]:
    """The text of a course folder's Markdown and YAML files, by their path inside it."""
    root = Path(root)
    return {
        entry.relative_to(root).as_posix(): entry.read_text(encoding="utf-8")
        for entry in sorted(root.rglob("*"))
        if entry.is_file() and entry.suffix in (".md", ".yaml") and "media" not in entry.parts
    }


def report_lines(files: Mapping[str, str], languages: list[str]) -> list[str]:
    """`flask course validate`'s account of each language's translations."""
    lines = []
    for report in translation_report(files, languages):
        total = report.current + len(report.out_of_date) + len(report.missing)
        lines.append(
            f"{report.language}: {report.current} of {total} files translated and current, "
            f"{len(report.out_of_date)} out of date, {len(report.missing)} missing"
        )
        for path, made_from, now in report.out_of_date:
            lines.append(
                f"  out of date: {path} (translated_from: {made_from or 'not recorded'}; "
                f"the original is now at {now})"
            )
        lines.extend(f"  missing: {translation_path(path, report.language)}"
                     for path in report.missing)  # fmt: skip
    return lines


def _made_from(path: str, text: str) -> str | None:
    if path.endswith(".yaml"):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError:
            return None
    else:
        try:
            data, _body = _markdown_parts(text)
        except yaml.YAMLError:
            return None
    value = data.get(MADE_FROM) if isinstance(data, Mapping) else None
    return value if isinstance(value, str) else None


def stamp(path: str, text: str, revision: str) -> str:
    """The translation's text recording that it was made from `revision` (the last key of its
    YAML or front matter), everything else kept byte for byte."""
    # Written as YAML writes it: a revision of digits only is quoted, so it stays text.
    line = yaml.safe_dump({MADE_FROM: revision}, allow_unicode=True)
    made_line = re.compile(rf"^{MADE_FROM}:.*\n?", re.MULTILINE)
    if path.endswith(".yaml"):
        if made_line.search(text):
            return made_line.sub(line, text, count=1)
        return text + ("" if text.endswith("\n") or not text else "\n") + line
    parts = split_front_matter(text)
    if parts is None:
        return f"---\n{line}---\n{text}"
    header, body = parts
    header = made_line.sub("", header)
    return f"---\n{header}{line}---\n{body}"
