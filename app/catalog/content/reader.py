"""Read a course folder into a CourseSource, naming every problem with its file and line.

The format's names and keys are in schema.py, the checks of single values in checks.py, and
the links of its Markdown in links.py.
"""

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from app.catalog.content.assignment_rules import prompt_line_offset, read_assignment
from app.catalog.content.checks import Checker, check_completion_is_reachable, check_titles
from app.catalog.content.links import course_path, render_course_markdown
from app.catalog.content.quiz_rules import QuestionProblem, QuestionRule, question_problems
from app.catalog.content.schema import (
    CERTIFICATE_KEYS,
    COHORT_KEYS,
    COMPLETION_KEYS,
    COURSE_KEYS,
    FEEDBACK_CHOICES,
    FROM_THE_ORIGINAL,
    LECTURE_KEYS,
    LESSON_KEYS,
    LIVE_RULE_KEYS,
    MEDIA_TYPES,
    MODULE_FILES,
    MODULE_KEYS,
    NUMBERED,
    QUESTION_KEYS,
    QUESTION_KINDS,
    QUIZ_KEYS,
    ROOT_FILES,
    SESSION_KEYS,
    SIGNATORY_KEYS,
    SLUG,
    TRANSLATED,
    TRANSLATION_KEYS,
)
from app.catalog.content.source import (
    AssignmentSource,
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
    TextTranslationSource,
    TranslationSource,
)
from app.catalog.content.translations import (
    original_of,
    read_translation,
)
from app.catalog.content.yamlio import (
    LinedList,
    LinedMap,
    key_lines,
    load_lined_yaml,
    shift_lines,
    split_front_matter,
    yaml_error_line,
)
from app.core.markdown import section_headings
from app.core.timezones import is_time_zone


def _lines_before(text: str, body: str) -> int:
    """How many lines of a file come before its Markdown body (the front matter)."""
    return text.count("\n") - body.count("\n")


class CourseReader:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.check = Checker(self.root)
        self.course_slug = self.root.name
        self.lesson_files: dict[str, str] = {}  # course path (see course_path) -> lesson slug
        # course path of a lesson -> [(language, path of its translation inside the course)]
        self.translation_files: dict[str, list[tuple[str, str]]] = {}
        self.languages: list[str] | None = None  # from course.yaml, once read
        self.cohort_slugs: list[str] | None = None  # course.yaml's cohorts, once read
        self.media_files: dict[str, str] = {}  # course path -> name inside media/
        # course, guidebook, module, lecture, quiz and assignment translations: (path, original)
        self.text_translation_files: list[tuple[str, str, str]] = []

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
        text_translations = [
            found
            for path, original, language in self.text_translation_files
            if (found := self._read_text_translation(path, original, language))
        ]
        check_titles(self.check, modules)
        if course is None or self.check.problems:
            return None, self.check.problems
        course.modules = modules
        course.media = media
        course.guidebook_md = guidebook_md
        course.guidebook_html = guidebook_html
        course.text_translations = text_translations
        check_completion_is_reachable(self.check, course)
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
            shift_lines(data, line_offset)
        return data

    def _scan_root(self) -> list[tuple[int, str, Path]]:
        modules: dict[str, str] = {}
        positions: dict[int, str] = {}
        found = []
        for entry in sorted(self.root.iterdir()):
            if entry.name.startswith(".") or entry.name in ROOT_FILES:
                continue
            translated = original_of(entry.name)
            if translated and entry.is_file():
                self._note_text_translation(entry.name, *translated)
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
                named = original_of(relative)
                if named and entry.is_file() and not TRANSLATED.match(entry.name):
                    self._note_text_translation(relative, *named)
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
                        "unexpected file: a module folder holds module.md, lecture.md, quiz.yaml, "
                        "assignment.yaml and lessons named NN-slug.md",
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

    def _language_of_translation(self, relative: str, language: str) -> bool:
        """Whether a translation's language is one of the course's other languages (said)."""
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
            return False
        return True

    def _note_text_translation(self, relative: str, original: str, language: str) -> None:
        """Keep a translation of a course, module, lecture, quiz, assignment or guidebook file,
        to read once its original has been read."""
        if not (self.root / original).is_file():
            self.check.add(
                relative,
                1,
                f"a translation without its original: there is no {original} (a translation "
                "sits beside its original, named like it with the language before the "
                "extension, such as quiz.es.yaml)",
            )
            return
        if self.languages is None or self._language_of_translation(relative, language):
            self.text_translation_files.append((relative, original, language))

    def _read_text_translation(
        self, relative: str, original: str, language: str
    ) -> TextTranslationSource | None:
        text, original_text = self._read_text(relative), self._read_text(original)
        if text is None or original_text is None:
            return None
        try:
            read = read_translation(relative, text, original_text)
        except yaml.YAMLError:
            return None  # the original's own problem, reported where it is read
        for line, message in read.problems:
            self.check.add(relative, line, message)
        if read.problems:
            return None
        texts = dict(read.texts)
        if "body" in texts:
            offset = (
                0
                if read.kind == "guidebook" and not text.startswith("---\n")
                else (_lines_before(text, texts["body"]))
            )
            texts["body_html"] = self._render(relative, texts["body"], offset)
        if read.kind == "assignment" and "prompt" in texts:
            texts["prompt_html"] = self._render(relative, texts["prompt"])
        return TextTranslationSource(
            path=relative,
            original=original,
            language=language,
            kind=read.kind,
            made_from=read.made_from,
            texts=texts,
            file_text=text,
        )

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
        if not self._language_of_translation(relative, language):
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
        self.cohort_slugs = _cohort_slugs(data.get("cohorts"))
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
        self.check.choice(name, data, "assignments", where, ("passed",))
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
            lines=key_lines(item),
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
                        lines=key_lines(item),
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
        parts = split_front_matter(text)
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
        if (folder / "assignment.yaml").is_file():
            module.assignment = self._read_assignment(f"{folder.name}/assignment.yaml")
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
            made_from=self.check.text(relative, data, "translated_from", ""),
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

    def _read_assignment(self, relative: str) -> AssignmentSource | None:
        """A module's assignment.yaml (rules in assignment_rules.py), its prompt rendered."""
        data = self._read_yaml(relative)
        if data is None:
            return None
        assignment, problems = read_assignment(data, self.cohort_slugs)
        for problem in problems:
            self.check.add(relative, problem.line, problem.message)
        if assignment is None:
            return None
        assignment.prompt_html = self._render(
            relative, assignment.prompt_md, prompt_line_offset(data)
        )
        return assignment

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
        if kind is None:
            return None
        if kind == "true_false":
            given = None if "choices" not in item else (item["choices"] or [])
            answer = [1 if correct else 2] if isinstance(correct, bool) else None
        else:
            given = c.text_list(relative, item, "choices", label + ": ", limit=500)
            if given is None:
                if "choices" not in item:
                    c.add(relative, item.line, f"{label}: a {kind} question needs choices")
                return None
            answer = _correct_numbers(correct, kind)
        problems = question_problems(kind, given, answer)
        for problem in problems:
            line = item.line_of("choices") if problem.rule.topic == "choices" else correct_line
            c.add(relative, line, f"{label}: {_in_words(problem, kind, len(given or ()))}")
        # A true_false question with choices is read all the same, so its id is checked too.
        if any(problem.rule != QuestionRule.TRUE_FALSE_WITH_CHOICES for problem in problems):
            return None
        if answer is None:
            c.add(relative, correct_line, f"{label}: {_correct_expected(kind)}")
            return None
        if len(set(answer)) != len(answer):
            c.add(relative, correct_line, f"{label}: a correct choice is listed twice")
            return None
        choices = ["True", "False"] if kind == "true_false" else given
        if not (slug and prompt and explanation):
            return None
        return QuestionSource(slug, kind, prompt, list(choices), answer, explanation)

    # text and links ------------------------------------------------------------------------

    def _render(self, relative: str, markdown_text: str, offset: int = 0) -> str:
        """Render Markdown, checking every link and image and turning file links into URLs."""
        html, problems = render_course_markdown(
            markdown_text,
            course_path(PurePosixPath(relative).parent),
            lesson_files=self.lesson_files,
            media_files=self.media_files,
            course_slug=self.course_slug,
        )
        for line, problem in problems:
            self.check.add(relative, line + offset, problem)
        return html


def _in_words(problem: QuestionProblem, kind: str, choices: int) -> str:
    """A broken rule of quiz questions, as the reader says it of quiz.yaml."""
    match problem.rule:
        case QuestionRule.TRUE_FALSE_WITH_CHOICES:
            return "a true_false question has no choices"
        case QuestionRule.TRUE_FALSE_WITHOUT_ANSWER:
            return "correct must be true or false"
        case QuestionRule.TOO_FEW_CHOICES:
            return "needs at least two choices"
        case QuestionRule.NO_RIGHT_CHOICE:
            return "has no correct choice"
        case QuestionRule.RIGHT_OUT_OF_RANGE:
            return f"correct choice {problem.number} is out of range (there are {choices} choices)"
        case QuestionRule.SEVERAL_RIGHT:
            return _correct_expected(kind)


def _correct_expected(kind: str) -> str:
    if kind == "single":
        return "correct must be a choice number, such as 2"
    return "correct must be a list of choice numbers, such as [1, 3]"


def _correct_numbers(value, kind: str) -> list[int] | None:
    def is_number(item) -> bool:
        return isinstance(item, int) and not isinstance(item, bool)

    if kind == "single":
        return [value] if is_number(value) else None
    if isinstance(value, list) and all(is_number(item) for item in value):
        return list(value)
    return None


def _cohort_slugs(cohorts: Any) -> list[str]:
    """The slugs course.yaml gives its cohorts, even those with problems of their own."""
    if not isinstance(cohorts, LinedList):
        return []
    return [
        item["slug"]
        for item in cohorts
        if isinstance(item, LinedMap) and isinstance(item.get("slug"), str)
    ]


def _looks_like(data: bytes, content_type: str) -> bool:
    signatures: dict[str, Callable[[bytes], bool]] = {
        "image/png": lambda d: d.startswith(b"\x89PNG\r\n\x1a\n"),
        "image/jpeg": lambda d: d.startswith(b"\xff\xd8\xff"),
        "image/gif": lambda d: d[:6] in (b"GIF87a", b"GIF89a"),
        "image/webp": lambda d: d[:4] == b"RIFF" and d[8:12] == b"WEBP",
    }
    return signatures[content_type](data)


def read_course(root: Path | str) -> tuple[CourseSource | None, list[Problem]]:
    """Read and check a course folder: the course, or None and every problem found."""
    return CourseReader(Path(root)).read()
