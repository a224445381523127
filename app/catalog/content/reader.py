"""Read a course folder into a CourseSource, naming every problem with its file and line."""

import difflib
import hashlib
import posixpath
import re
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import yaml

from app.catalog.content.source import (
    CohortSource,
    CourseSource,
    LectureSource,
    LessonSource,
    LiveSessionSource,
    MediaSource,
    ModuleSource,
    Problem,
    QuestionSource,
    QuizSource,
    TranslationSource,
)
from app.catalog.content.yamlio import LinedList, LinedMap, load_lined_yaml, yaml_error_line
from app.catalog.paths import lesson_path, media_path
from app.core.markdown import render_markdown, section_headings
from app.core.timezones import ZonedTimeError, is_time_zone, parse_zoned_time
from app.core.urls import is_https_url

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NUMBERED = re.compile(r"^(\d{2})-(.+)$")
# A lesson's translation, beside it: '02-the-5r-framework.es.md' (file stem, language).
TRANSLATED = re.compile(r"^(\d{2}-[^.]+)\.([^.]+)\.md$")
EXTERNAL_SCHEMES = {"http", "https", "mailto"}
MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
ROOT_FILES = {"course.yaml", "guidebook.md", "README.md", "media"}
MODULE_FILES = {"module.md", "lecture.md", "quiz.yaml"}

# Keys of each mapping in the order the exporter writes them, with whether each is required.
COURSE_KEYS = {
    "slug": True, "title": True, "summary": True, "status": False, "languages": True,
    "completion": True, "certificate": True, "cohorts": False,
}  # fmt: skip
COMPLETION_KEYS = {"lessons": True, "quizzes": True, "live_sessions": False}
LIVE_RULE_KEYS = {"minimum": True, "recordings_count": False}
CERTIFICATE_KEYS = {
    "title": True, "hours": True, "wording": True, "issuers": True, "signatories": False,
    "automatic": False, "staff_can_issue": False, "valid_years": False,
}  # fmt: skip
SIGNATORY_KEYS = {"name": True, "role": True}
COHORT_KEYS = {
    "slug": True, "title": True, "time_zone": True, "enrolment": True,
    "applications_open": True, "applications_close": True, "starts_on": True, "ends_on": True,
    "live_sessions": False,
}  # fmt: skip
SESSION_KEYS = {
    "slug": True, "title": True, "starts": True, "minutes": True,
    "counts_for_completion": False, "description": False, "join_url": False,
    "recording_url": False,
}  # fmt: skip
MODULE_KEYS = {"title": True, "status": False, "publish_at": False}
LECTURE_KEYS = {"title": True, "minutes": True, "video_url": False}
LESSON_KEYS = {
    "title": True, "minutes": True, "objectives": True, "status": False, "publish_at": False,
}  # fmt: skip
# A translation has its own title and (optionally) objectives; the rest is the original's.
TRANSLATION_KEYS = {"title": True, "objectives": False}
FROM_THE_ORIGINAL = {
    key: "a translation takes it from the original lesson; remove it here"
    for key in LESSON_KEYS
    if key not in TRANSLATION_KEYS
}
QUIZ_KEYS = {
    "title": True, "status": False, "pass_mark": True, "attempts": False, "wait_minutes": False,
    "shuffle": False, "feedback": False, "questions": True,
}  # fmt: skip
FEEDBACK_CHOICES = ("every_attempt", "once_passed")
QUESTION_KEYS = {
    "id": True, "type": True, "prompt": True, "choices": False, "correct": True,
    "explanation": True,
}  # fmt: skip
QUESTION_KINDS = ("single", "multiple", "true_false")
COLON_HINT = (
    "YAML read this text as 'key: value' because it contains ': '; put the whole text in quotes"
)


class _Checker:
    """Collects problems for one course folder; each check returns the value or None."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []

    def add(self, relative: str, line: int, message: str) -> None:
        self.problems.append(Problem(self.root / relative, line, message))

    def keys(
        self,
        relative: str,
        mapping: Any,
        spec: dict[str, bool],
        where: str,
        explained: Mapping[str, str] | None = None,
    ) -> bool:
        """Check a mapping's keys against a spec: unknown keys and missing required ones.

        `explained` says why some keys that are not in the spec do not belong here.
        """
        label = f"{where}: " if where else ""
        if not isinstance(mapping, LinedMap):
            line = getattr(mapping, "line", 1)
            self.add(relative, line, f"{label}expected a mapping of keys and values")
            return False
        for key in mapping:
            if key not in spec and explained and key in explained:
                self.add(relative, mapping.line_of(key), f"{label}{key}: {explained[key]}")
            elif key not in spec:
                hint = difflib.get_close_matches(str(key), list(spec), n=1)
                suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
                allowed = ", ".join(spec)
                self.add(
                    relative,
                    mapping.line_of(key),
                    f"{label}unknown key '{key}'{suggestion}; allowed keys: {allowed}",
                )
        for key, required in spec.items():
            if required and key not in mapping:
                self.add(relative, mapping.line, f"{label}missing required key '{key}'")
        return True

    def text(self, relative: str, mapping: LinedMap, key: str, where: str, limit: int = 200):
        value = mapping.get(key)
        if value is None:
            return None
        if isinstance(value, LinedMap):
            self.add(relative, mapping.line_of(key), f"{where}{key}: {COLON_HINT}")
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(relative, mapping.line_of(key), f"{where}{key}: must be non-empty text")
            return None
        if len(value) > limit:
            self.add(
                relative,
                mapping.line_of(key),
                f"{where}{key}: is {len(value)} characters long; at most {limit} are allowed",
            )
            return None
        return value

    def integer(self, relative: str, mapping: LinedMap, key: str, where: str, low: int, high: int):
        value = mapping.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.add(
                relative,
                mapping.line_of(key),
                f"{where}{key}: must be a whole number from {low} to {high}, not {value!r}",
            )
            return None
        return value

    def boolean(self, relative: str, mapping: LinedMap, key: str, where: str):
        value = mapping.get(key)
        if value is not None and not isinstance(value, bool):
            self.add(relative, mapping.line_of(key), f"{where}{key}: must be true or false")
            return None
        return value

    def choice(self, relative: str, mapping: LinedMap, key: str, where: str, options):
        value = mapping.get(key)
        if value is not None and value not in options:
            self.add(
                relative,
                mapping.line_of(key),
                f"{where}{key}: must be one of {', '.join(options)}, not {value!r}",
            )
            return None
        return value

    def slug(self, relative: str, mapping: LinedMap, key: str, where: str):
        value = mapping.get(key)
        if value is not None and (not isinstance(value, str) or not SLUG.match(value)):
            self.add(
                relative,
                mapping.line_of(key),
                f"{where}{key}: {value!r} is not a slug (lower-case letters, digits and "
                "single hyphens, such as 'care-work')",
            )
            return None
        return value

    def https_url(self, relative: str, mapping: LinedMap, key: str, where: str):
        value = mapping.get(key)
        if value is None:
            return None
        if not is_https_url(value):
            self.add(
                relative,
                mapping.line_of(key),
                f"{where}{key}: {value!r} must be an https:// address (at most 500 characters)",
            )
            return None
        return value

    def text_list(self, relative: str, mapping: LinedMap, key: str, where: str, limit: int = 300):
        value = mapping.get(key)
        if value is None:
            return None
        if not isinstance(value, LinedList) or not value:
            self.add(relative, mapping.line_of(key), f"{where}{key}: must be a non-empty list")
            return None
        for index, item in enumerate(value):
            if isinstance(item, LinedMap):
                self.add(relative, value.line_of(index), f"{where}{key}[{index}]: {COLON_HINT}")
                return None
            if not isinstance(item, str) or not item.strip() or len(item) > limit:
                self.add(
                    relative,
                    value.line_of(index),
                    f"{where}{key}[{index}]: must be text of 1 to {limit} characters",
                )
                return None
        return list(value)

    def zoned_time(self, relative: str, mapping: LinedMap, key: str, where: str):
        value = mapping.get(key)
        if value is None:
            return None
        try:
            return parse_zoned_time(value if isinstance(value, str) else str(value))
        except ZonedTimeError as error:
            self.add(relative, mapping.line_of(key), f"{where}{key}: {error}")
            return None

    def day(self, relative: str, mapping: LinedMap, key: str, where: str):
        value = mapping.get(key)
        if value is not None and type(value) is not date:
            self.add(relative, mapping.line_of(key), f"{where}{key}: must be a date, YYYY-MM-DD")
            return None
        return value


def _lines_before(text: str, body: str) -> int:
    """How many lines of a file come before its Markdown body (the front matter)."""
    return text.count("\n") - body.count("\n")


def _split_front_matter(text: str) -> tuple[str, str] | None:
    """Split '---\\n<yaml>---\\n<body>' into its YAML and its body, kept byte for byte."""
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---\n", 3)
    if end == -1:
        if text.endswith("\n---"):
            return text[4 : len(text) - 3], ""
        return None
    return text[4 : end + 1], text[end + 5 :]


class CourseReader:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.check = _Checker(self.root)
        self.course_slug = self.root.name
        self.lesson_files: dict[str, str] = {}  # course path (see course_path) -> lesson slug
        # course path of a lesson -> [(language, path of its translation inside the course)]
        self.translation_files: dict[str, list[tuple[str, str]]] = {}
        self.languages: list[str] | None = None  # from course.yaml, once read
        self.media_files: dict[str, str] = {}  # course path -> name inside media/

    def read(self) -> tuple[CourseSource | None, list[Problem]]:
        if not (self.root / "course.yaml").is_file():
            self.check.add("course.yaml", 1, "course.yaml is missing: every course needs one")
            return None, self.check.problems
        course = self._read_course_yaml()
        media = self._read_media()
        module_dirs = self._scan_root()
        self._collect_lesson_files(module_dirs)
        modules = [self._read_module(position, slug, path) for position, slug, path in module_dirs]
        guidebook_md = guidebook_html = None
        if (self.root / "guidebook.md").is_file():
            guidebook_md = self._read_text("guidebook.md")
            if guidebook_md is not None:
                guidebook_html = self._render("guidebook.md", guidebook_md)
        self._check_titles(modules)
        if course is None or self.check.problems:
            return None, self.check.problems
        course.modules = modules
        course.media = media
        course.guidebook_md = guidebook_md
        course.guidebook_html = guidebook_html
        self._check_completion_is_reachable(course)
        if self.check.problems:
            return None, self.check.problems
        return course, []

    # files and folders --------------------------------------------------------------------

    def _read_text(self, relative: str) -> str | None:
        try:
            return (self.root / relative).read_bytes().decode("utf-8")
        except UnicodeDecodeError as error:
            self.check.add(relative, 1, f"not UTF-8 text: {error.reason}")
            return None

    def _read_yaml(self, relative: str, text: str | None = None, line_offset: int = 0):
        if text is None:
            text = self._read_text(relative)
            if text is None:
                return None
        try:
            data = load_lined_yaml(text)
        except yaml.YAMLError as error:
            message = str(getattr(error, "problem", None) or error).strip()
            self.check.add(
                relative, yaml_error_line(error) + line_offset, f"invalid YAML: {message}"
            )
            return None
        if line_offset:
            _shift_lines(data, line_offset)
        return data

    def _scan_root(self) -> list[tuple[int, str, Path]]:
        modules: dict[str, str] = {}
        positions: dict[int, str] = {}
        found = []
        for entry in sorted(self.root.iterdir()):
            if entry.name.startswith(".") or entry.name in ROOT_FILES:
                continue
            match = NUMBERED.match(entry.name)
            if not entry.is_dir() or not match or not SLUG.match(match.group(2)):
                self.check.add(
                    entry.name,
                    1,
                    "unexpected file or folder: module folders are named NN-slug "
                    "(such as 01-care-work); other files belong in media/",
                )
                continue
            position, slug = int(match.group(1)), match.group(2)
            if slug in modules:
                self.check.add(
                    entry.name, 1, f"module slug '{slug}' is also used by {modules[slug]}"
                )
                continue
            if position in positions:
                self.check.add(
                    entry.name, 1, f"position {position:02d} is also used by {positions[position]}"
                )
            modules[slug] = entry.name
            positions[position] = entry.name
            found.append((position, slug, entry))
        return found

    def _read_media(self) -> list[MediaSource]:
        folder = self.root / "media"
        found = []
        if not folder.is_dir():
            return found
        for entry in sorted(folder.iterdir()):
            relative = f"media/{entry.name}"
            kind = MEDIA_TYPES.get(entry.suffix.lower())
            if not entry.is_file() or kind is None:
                self.check.add(relative, 1, "media/ holds only PNG, JPEG, GIF and WebP images")
                continue
            data = entry.read_bytes()
            if not _looks_like(data, kind):
                self.check.add(relative, 1, f"the file's content is not a {kind} image")
                continue
            self.media_files[course_path(relative)] = entry.name
            found.append(MediaSource(entry.name, kind, data, hashlib.sha256(data).hexdigest()))
        return found

    def _collect_lesson_files(self, module_dirs: list[tuple[int, str, Path]]) -> None:
        seen: dict[str, str] = {}
        translations: list[tuple[str, str, str]] = []
        for _position, _slug, folder in module_dirs:
            for entry in sorted(folder.iterdir()):
                relative = f"{folder.name}/{entry.name}"
                if entry.name.startswith(".") or entry.name in MODULE_FILES:
                    continue
                translated = TRANSLATED.match(entry.name)
                if translated and entry.is_file():
                    stem, language = translated.groups()
                    translations.append((relative, f"{folder.name}/{stem}.md", language))
                    continue
                match = NUMBERED.match(entry.name)
                slug = match.group(2)[:-3] if match and entry.name.endswith(".md") else ""
                if not entry.is_file() or not SLUG.match(slug):
                    self.check.add(
                        relative,
                        1,
                        "unexpected file: a module folder holds module.md, lecture.md, quiz.yaml "
                        "and lessons named NN-slug.md",
                    )
                    continue
                if slug in seen:
                    self.check.add(
                        relative, 1, f"lesson slug '{slug}' is also used by {seen[slug]}"
                    )
                    continue
                seen[slug] = relative
                self.lesson_files[course_path(relative)] = slug
        for relative, original, language in translations:
            self._collect_translation(relative, original, language)

    def _collect_translation(self, relative: str, original: str, language: str) -> None:
        """Check that a translation has its lesson beside it and a language of the course."""
        fine = True
        if course_path(original) not in self.lesson_files:
            self.check.add(
                relative,
                1,
                f"a translation without its lesson: there is no {original} "
                "(a translation sits beside its lesson, named like it with the language "
                "before .md, such as 02-the-5r-framework.es.md)",
            )
            fine = False
        languages = self.languages
        if languages is not None and language not in languages[1:]:
            others = ", ".join(languages[1:])
            if language == languages[0]:
                reason = f"'{language}' is the language the course is written in"
            else:
                reason = f"unknown language '{language}'"
            self.check.add(
                relative,
                1,
                f"{reason}: a translation is in one of the other languages listed in "
                + (
                    f"course.yaml's languages ({others})"
                    if others
                    else f"course.yaml's languages, and it lists only '{languages[0]}'"
                ),
            )
            fine = False
        if fine:
            files = self.translation_files.setdefault(course_path(original), [])
            files.append((language, relative))

    # course.yaml ---------------------------------------------------------------------------

    def _read_course_yaml(self) -> CourseSource | None:
        name = "course.yaml"
        data = self._read_yaml(name)
        if data is None or not self.check.keys(name, data, COURSE_KEYS, ""):
            return None
        before = len(self.check.problems)
        c = self.check
        slug = c.slug(name, data, "slug", "")
        if slug:
            self.course_slug = slug
        title = c.text(name, data, "title", "")
        summary = c.text(name, data, "summary", "", limit=1000)
        status = c.choice(name, data, "status", "", ("published", "draft")) or "published"
        languages = c.text_list(name, data, "languages", "", limit=10)
        self.languages = languages
        completion = self._read_completion(data.get("completion"))
        certificate = self._read_certificate(data.get("certificate"))
        cohorts = self._read_cohorts(data.get("cohorts"))
        if len(self.check.problems) > before:
            return None
        return CourseSource(
            slug=slug,
            title=title,
            summary=summary,
            status=status,
            languages=languages,
            completion=completion,
            certificate=certificate,
            cohorts=cohorts,
            root=self.root,
        )

    def _read_completion(self, data) -> dict[str, Any] | None:
        name, where = "course.yaml", "completion."
        if data is None or not self.check.keys(name, data, COMPLETION_KEYS, "completion"):
            return None
        self.check.choice(name, data, "lessons", where, ("all", "none"))
        self.check.choice(name, data, "quizzes", where, ("all", "none"))
        rule = dict(data)
        live = data.get("live_sessions")
        if live is not None and self.check.keys(
            name, live, LIVE_RULE_KEYS, "completion.live_sessions"
        ):
            self.check.integer(name, live, "minimum", "completion.live_sessions.", 0, 50)
            self.check.boolean(name, live, "recordings_count", "completion.live_sessions.")
            rule["live_sessions"] = dict(live)
        return rule

    def _read_certificate(self, data) -> dict[str, Any] | None:
        name, where = "course.yaml", "certificate."
        if data is None or not self.check.keys(name, data, CERTIFICATE_KEYS, "certificate"):
            return None
        c = self.check
        c.text(name, data, "title", where)
        c.integer(name, data, "hours", where, 1, 1000)
        c.text(name, data, "wording", where, limit=1000)
        c.text_list(name, data, "issuers", where)
        c.boolean(name, data, "automatic", where)
        c.boolean(name, data, "staff_can_issue", where)
        c.integer(name, data, "valid_years", where, 1, 100)
        certificate = dict(data)
        signatories = data.get("signatories")
        if signatories is not None:
            if not isinstance(signatories, LinedList):
                c.add(name, data.line_of("signatories"), "certificate.signatories: must be a list")
                return certificate
            certificate["signatories"] = []
            for index, person in enumerate(signatories):
                label = f"certificate.signatories[{index}]"
                if c.keys(name, person, SIGNATORY_KEYS, label):
                    c.text(name, person, "name", label + ".")
                    c.text(name, person, "role", label + ".")
                    certificate["signatories"].append(dict(person))
        return certificate

    def _read_cohorts(self, data) -> list[CohortSource]:
        name = "course.yaml"
        if data is None:
            return []
        if not isinstance(data, LinedList):
            self.check.add(name, getattr(data, "line", 1), "cohorts: must be a list of cohorts")
            return []
        cohorts, slugs = [], set()
        for index, item in enumerate(data):
            where = f"cohorts[{index}]"
            if not self.check.keys(name, item, COHORT_KEYS, where):
                continue
            cohort = self._read_cohort(item, where + ".")
            if cohort is None:
                continue
            if cohort.slug in slugs:
                self.check.add(
                    name, item.line_of("slug"), f"{where}.slug: '{cohort.slug}' is used twice"
                )
            slugs.add(cohort.slug)
            cohorts.append(cohort)
        return cohorts

    def _read_cohort(self, item: LinedMap, where: str) -> CohortSource | None:
        name, c = "course.yaml", self.check
        before = len(c.problems)
        slug = c.slug(name, item, "slug", where)
        title = c.text(name, item, "title", where)
        zone = item.get("time_zone")
        if zone is not None and not is_time_zone(zone):
            c.add(
                name,
                item.line_of("time_zone"),
                f"{where}time_zone: {zone!r} is not an IANA time zone",
            )
        enrolment = c.choice(name, item, "enrolment", where, ("approval", "open"))
        opens = c.zoned_time(name, item, "applications_open", where)
        closes = c.zoned_time(name, item, "applications_close", where)
        starts_on = c.day(name, item, "starts_on", where)
        ends_on = c.day(name, item, "ends_on", where)
        if opens and closes and closes[0] <= opens[0]:
            c.add(
                name,
                item.line_of("applications_close"),
                f"{where}applications_close: must be after applications_open",
            )
        if starts_on and ends_on and ends_on < starts_on:
            c.add(name, item.line_of("ends_on"), f"{where}ends_on: must not be before starts_on")
        sessions = self._read_sessions(item.get("live_sessions"), where)
        if len(c.problems) > before:
            return None
        return CohortSource(
            slug=slug,
            title=title,
            time_zone=zone,
            enrolment=enrolment,
            applications_open_at=opens[0],
            applications_open_zone=opens[1],
            applications_close_at=closes[0],
            applications_close_zone=closes[1],
            starts_on=starts_on,
            ends_on=ends_on,
            live_sessions=sessions,
            lines=_key_lines(item),
        )

    def _read_sessions(self, data, where: str) -> list[LiveSessionSource]:
        name, c = "course.yaml", self.check
        if data is None:
            return []
        if not isinstance(data, LinedList):
            c.add(name, getattr(data, "line", 1), f"{where}live_sessions: must be a list")
            return []
        sessions, slugs = [], set()
        for index, item in enumerate(data):
            label = f"{where}live_sessions[{index}]"
            if not c.keys(name, item, SESSION_KEYS, label):
                continue
            label += "."
            slug = c.slug(name, item, "slug", label)
            if slug in slugs:
                c.add(
                    name,
                    item.line_of("slug"),
                    f"{label}slug: '{slug}' is used twice in this cohort",
                )
            slugs.add(slug)
            title = c.text(name, item, "title", label)
            starts = c.zoned_time(name, item, "starts", label)
            minutes = c.integer(name, item, "minutes", label, 1, 24 * 60)
            counts = c.boolean(name, item, "counts_for_completion", label)
            description = c.text(name, item, "description", label, limit=2000)
            join_url = c.https_url(name, item, "join_url", label)
            recording_url = c.https_url(name, item, "recording_url", label)
            if slug and title and starts and minutes:
                sessions.append(
                    LiveSessionSource(
                        slug=slug,
                        title=title,
                        starts_at=starts[0],
                        time_zone=starts[1],
                        minutes=minutes,
                        counts_for_completion=True if counts is None else counts,
                        description=description,
                        join_url=join_url,
                        recording_url=recording_url,
                        lines=_key_lines(item),
                    )
                )
        return sessions

    # modules, lessons, lectures, quizzes ---------------------------------------------------

    def _read_front_matter(
        self, relative: str, spec: dict[str, bool], explained: Mapping[str, str] | None = None
    ):
        text = self._read_text(relative)
        if text is None:
            return None, None, None
        parts = _split_front_matter(text)
        if parts is None:
            self.check.add(
                relative,
                1,
                "missing front matter: the file must start with a line '---', "
                "the YAML header, and another line '---'",
            )
            return None, None, None
        header, body = parts
        data = self._read_yaml(relative, header, line_offset=1)
        if data is None or not self.check.keys(relative, data, spec, "", explained):
            return None, None, None
        return data, body, text

    def _read_module(self, position: int, slug: str, folder: Path) -> ModuleSource | None:
        relative = f"{folder.name}/module.md"
        if not (folder / "module.md").is_file():
            self.check.add(relative, 1, "module.md is missing: every module folder needs one")
            return None
        data, body, text = self._read_front_matter(relative, MODULE_KEYS)
        if data is None:
            return None
        module = ModuleSource(
            slug=slug,
            position=position,
            title=self.check.text(relative, data, "title", ""),
            intro_md=body,
            intro_html=self._render(relative, body, _lines_before(text, body)),
            status=self._status(relative, data),
            publish_at=self._publish_at(relative, data),
        )
        if (folder / "lecture.md").is_file():
            module.lecture = self._read_lecture(f"{folder.name}/lecture.md")
        for entry in sorted(folder.iterdir()):
            if course_path(f"{folder.name}/{entry.name}") in self.lesson_files:
                lesson = self._read_lesson(f"{folder.name}/{entry.name}", entry)
                if lesson:
                    module.lessons.append(lesson)
        if (folder / "quiz.yaml").is_file():
            module.quiz = self._read_quiz(f"{folder.name}/quiz.yaml")
        return module

    def _status(self, relative: str, data: LinedMap) -> str:
        return (
            self.check.choice(relative, data, "status", "", ("published", "draft")) or "published"
        )

    def _publish_at(self, relative: str, data: LinedMap):
        """When a published module or lesson appears to learners ('YYYY-MM-DD HH:MM Zone')."""
        found = self.check.zoned_time(relative, data, "publish_at", "")
        return found[0] if found else None

    def _read_lecture(self, relative: str) -> LectureSource | None:
        data, body, text = self._read_front_matter(relative, LECTURE_KEYS)
        if data is None:
            return None
        return LectureSource(
            title=self.check.text(relative, data, "title", ""),
            minutes=self.check.integer(relative, data, "minutes", "", 1, 600),
            video_url=self.check.https_url(relative, data, "video_url", ""),
            transcript_md=body,
            transcript_html=self._render(relative, body, _lines_before(text, body)),
        )

    def _read_lesson(self, relative: str, path: Path) -> LessonSource | None:
        data, body, text = self._read_front_matter(relative, LESSON_KEYS)
        if data is None:
            return None
        match = NUMBERED.match(path.name)
        body_html = self._render(relative, body, _lines_before(text, body))
        translations = [
            self._read_translation(language, translated)
            for language, translated in sorted(
                self.translation_files.get(course_path(relative), [])
            )
        ]
        return LessonSource(
            slug=self.lesson_files[course_path(relative)],
            position=int(match.group(1)),
            title=self.check.text(relative, data, "title", ""),
            minutes=self.check.integer(relative, data, "minutes", "", 1, 180),
            objectives=self.check.text_list(relative, data, "objectives", ""),
            status=self._status(relative, data),
            publish_at=self._publish_at(relative, data),
            body_md=body,
            body_html=body_html,
            content_hash=hashlib.sha256(text.encode()).hexdigest(),
            headings=section_headings(body_html),
            translations=[translation for translation in translations if translation],
        )

    def _read_translation(self, language: str, relative: str) -> TranslationSource | None:
        """A lesson's translation: its title, objectives (optional) and text."""
        data, body, text = self._read_front_matter(relative, TRANSLATION_KEYS, FROM_THE_ORIGINAL)
        if data is None:
            return None
        title = self.check.text(relative, data, "title", "")
        objectives = self.check.text_list(relative, data, "objectives", "")
        body_html = self._render(relative, body, _lines_before(text, body))
        if title is None:
            return None
        return TranslationSource(
            language=language,
            title=title,
            objectives=objectives or [],
            body_md=body,
            body_html=body_html,
            content_hash=hashlib.sha256(text.encode()).hexdigest(),
            headings=section_headings(body_html),
        )

    def _read_quiz(self, relative: str) -> QuizSource | None:
        data = self._read_yaml(relative)
        if data is None or not self.check.keys(relative, data, QUIZ_KEYS, ""):
            return None
        c = self.check
        title = c.text(relative, data, "title", "")
        pass_mark = c.integer(relative, data, "pass_mark", "", 0, 100)
        attempts = c.integer(relative, data, "attempts", "", 1, 100)
        wait_minutes = c.integer(relative, data, "wait_minutes", "", 0, 10080)
        shuffle = c.boolean(relative, data, "shuffle", "")
        feedback = c.choice(relative, data, "feedback", "", FEEDBACK_CHOICES)
        status = self._status(relative, data)
        questions = data.get("questions")
        # A draft quiz may have no questions yet; a published one needs some.
        if not isinstance(questions, LinedList) or not (questions or status == "draft"):
            c.add(relative, data.line_of("questions"), "questions: must be a non-empty list")
            return None
        read, slugs = [], set()
        for index, item in enumerate(questions):
            question = self._read_question(relative, item, f"questions[{index}]")
            if question is None:
                continue
            if question.slug in slugs:
                c.add(relative, item.line_of("id"), f"question '{question.slug}': id is used twice")
            slugs.add(question.slug)
            read.append(question)
        return QuizSource(
            title=title,
            pass_mark=pass_mark,
            questions=read,
            attempts=attempts,
            wait_minutes=wait_minutes or 0,
            shuffle=bool(shuffle),
            feedback=feedback or "every_attempt",
            status=status,
        )

    def _read_question(self, relative: str, item, where: str) -> QuestionSource | None:
        c = self.check
        if not c.keys(relative, item, QUESTION_KEYS, where):
            return None
        slug = c.slug(relative, item, "id", where + ".")
        label = f"question '{slug}'" if slug else where
        kind = c.choice(relative, item, "type", label + ": ", QUESTION_KINDS)
        prompt = c.text(relative, item, "prompt", label + ": ", limit=2000)
        explanation = c.text(relative, item, "explanation", label + ": ", limit=2000)
        correct = item.get("correct")
        correct_line = item.line_of("correct")
        if kind == "true_false":
            if "choices" in item:
                c.add(
                    relative,
                    item.line_of("choices"),
                    f"{label}: a true_false question has no choices",
                )
            if not isinstance(correct, bool):
                c.add(relative, correct_line, f"{label}: correct must be true or false")
                return None
            choices, answer = ["True", "False"], [1 if correct else 2]
        elif kind in ("single", "multiple"):
            choices = c.text_list(relative, item, "choices", label + ": ", limit=500)
            if choices is None:
                if "choices" not in item:
                    c.add(relative, item.line, f"{label}: a {kind} question needs choices")
                return None
            if len(choices) < 2:
                c.add(relative, item.line_of("choices"), f"{label}: needs at least two choices")
                return None
            answer = _correct_numbers(correct, kind)
            if answer is None:
                expected = "a choice number" if kind == "single" else "a list of choice numbers"
                c.add(
                    relative,
                    correct_line,
                    f"{label}: correct must be {expected}, such as "
                    + ("2" if kind == "single" else "[1, 3]"),
                )
                return None
            if not answer:
                c.add(relative, correct_line, f"{label}: has no correct choice")
                return None
            for number in answer:
                if not 1 <= number <= len(choices):
                    c.add(
                        relative,
                        correct_line,
                        f"{label}: correct choice {number} is out of range "
                        f"(there are {len(choices)} choices)",
                    )
                    return None
            if len(set(answer)) != len(answer):
                c.add(relative, correct_line, f"{label}: a correct choice is listed twice")
                return None
        else:
            return None
        if not (slug and prompt and explanation):
            return None
        return QuestionSource(slug, kind, prompt, list(choices), answer, explanation)

    # text and links ------------------------------------------------------------------------

    def _render(self, relative: str, markdown_text: str, offset: int = 0) -> str:
        """Render Markdown, checking every link and image and turning file links into URLs."""
        folder = course_path(PurePosixPath(relative).parent)
        lines = markdown_text.splitlines()

        def line_of(target: str) -> int:
            for number, line in enumerate(lines, start=1):
                if target in line:
                    return number + offset
            return 1 + offset

        def resolve(tag: str, target: str) -> str | None:
            problem, url = resolve_course_link(
                folder, tag, target, self.lesson_files, self.media_files, self.course_slug
            )
            if problem:
                self.check.add(relative, line_of(target), problem)
            return url

        for number, line in enumerate(lines, start=1):
            if re.search(r"!\[\s*\]\(", line):
                self.check.add(
                    relative, number + offset, "an image needs a description: ![what it shows](...)"
                )
        return render_markdown(markdown_text, resolve)

    # whole-course checks --------------------------------------------------------------------

    def _check_titles(self, modules: list[ModuleSource | None]) -> None:
        seen: dict[str, str] = {}
        for module in modules:
            if module is None:
                continue
            for lesson in module.lessons:
                if lesson.title in seen:
                    self.check.add(
                        f"{module.position:02d}-{module.slug}/{lesson.position:02d}-{lesson.slug}.md",
                        2,
                        f"title '{lesson.title}' is also the title of lesson "
                        f"'{seen[lesson.title]}'",
                    )
                seen[lesson.title] = lesson.slug

    def _check_completion_is_reachable(self, course: CourseSource) -> None:
        live = course.completion.get("live_sessions") or {}
        minimum = live.get("minimum", 0)
        for cohort in course.cohorts:
            counting = sum(1 for s in cohort.live_sessions if s.counts_for_completion)
            if counting < minimum:
                self.check.add(
                    "course.yaml",
                    1,
                    f"cohort '{cohort.slug}' has {counting} live sessions that count for "
                    f"completion, but completion.live_sessions.minimum asks for {minimum}",
                )


def course_path(relative: str | PurePosixPath) -> str:
    """A file's path inside the course folder, normalised: '/01-care/02-lesson.md'."""
    return posixpath.normpath(posixpath.join("/", str(relative)))


def resolve_course_link(
    folder: str,
    tag: str,
    target: str,
    lesson_files: Mapping[str, str],
    media_files: Mapping[str, str],
    course_slug: str,
) -> tuple[str | None, str | None]:
    """Check one link or image target written in a file of `folder` (a course path).

    Returns a problem (or None) and the URL to use (None: leave the target as written).
    Lessons and images are found by their course paths (see course_path).
    """
    parts = urlsplit(target)
    if parts.scheme:
        if parts.scheme.lower() in EXTERNAL_SCHEMES and tag == "a":
            return None, None
        return f"link '{target}': only https://, http:// and mailto: links are allowed" + (
            "; images must be files in media/" if tag == "img" else ""
        ), None
    if parts.netloc:
        return f"link '{target}': write external links in full, starting with https://", None
    if not parts.path or parts.path.startswith("/"):
        return None, None  # an anchor on the same page, or a path on this site
    path = course_path(posixpath.join(folder, parts.path))
    anchor = f"#{parts.fragment}" if parts.fragment else ""
    if tag == "img":
        name = media_files.get(path)
        if name is None:
            return f"image '{target}' is not a file in the course's media/ folder", None
        return None, media_path(course_slug, name)
    slug = lesson_files.get(path)
    if slug is None:
        return f"link '{target}' does not lead to a lesson of this course", None
    return None, lesson_path(course_slug, slug) + anchor


def _correct_numbers(value, kind: str) -> list[int] | None:
    def is_number(item) -> bool:
        return isinstance(item, int) and not isinstance(item, bool)

    if kind == "single":
        return [value] if is_number(value) else None
    if isinstance(value, list) and all(is_number(item) for item in value):
        return list(value)
    return None


def _looks_like(data: bytes, content_type: str) -> bool:
    signatures: dict[str, Callable[[bytes], bool]] = {
        "image/png": lambda d: d.startswith(b"\x89PNG\r\n\x1a\n"),
        "image/jpeg": lambda d: d.startswith(b"\xff\xd8\xff"),
        "image/gif": lambda d: d[:6] in (b"GIF87a", b"GIF89a"),
        "image/webp": lambda d: d[:4] == b"RIFF" and d[8:12] == b"WEBP",
    }
    return signatures[content_type](data)


def _key_lines(item: LinedMap) -> dict[str, int]:
    """The line of a mapping ('') and of each of its keys."""
    return {"": item.line, **item.key_lines}


def _shift_lines(data, offset: int) -> None:
    """Move every recorded line by offset (front matter starts on the file's second line)."""
    if isinstance(data, LinedMap):
        data.line += offset
        data.key_lines = {key: line + offset for key, line in data.key_lines.items()}
        for value in data.values():
            _shift_lines(value, offset)
    elif isinstance(data, LinedList):
        data.line += offset
        data.item_lines = [line + offset for line in data.item_lines]
        for value in data:
            _shift_lines(value, offset)


def read_course(root: Path | str) -> tuple[CourseSource | None, list[Problem]]:
    """Read and check a course folder: the course, or None and every problem found."""
    return CourseReader(Path(root)).read()
