"""The checker of the course format: each problem named with its file and line."""

import difflib
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from app.catalog.content.schema import SLUG
from app.catalog.content.source import CourseSource, ModuleSource, Problem
from app.catalog.content.yamlio import LinedList, LinedMap
from app.core.timezones import ZonedTimeError, parse_zoned_time
from app.core.urls import is_https_url

COLON_HINT = (
    "YAML read this text as 'key: value' because it contains ': '; put the whole text in quotes"
)


class Checker:
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

    def _checked(
        self,
        relative: str,
        mapping: LinedMap,
        key: str,
        fine: Callable[[Any], bool],
        problem: Callable[[Any], str],
    ):
        """The key's value if it is absent or fine, else None and the problem it has."""
        value = mapping.get(key)
        if value is not None and not fine(value):
            self.add(relative, mapping.line_of(key), problem(value))
            return None
        return value

    def integer(self, relative: str, mapping: LinedMap, key: str, where: str, low: int, high: int):
        return self._checked(
            relative,
            mapping,
            key,
            lambda v: not isinstance(v, bool) and isinstance(v, int) and low <= v <= high,
            lambda v: f"{where}{key}: must be a whole number from {low} to {high}, not {v!r}",
        )

    def boolean(self, relative: str, mapping: LinedMap, key: str, where: str):
        return self._checked(
            relative,
            mapping,
            key,
            lambda v: isinstance(v, bool),
            lambda v: f"{where}{key}: must be true or false",
        )

    def choice(self, relative: str, mapping: LinedMap, key: str, where: str, options):
        return self._checked(
            relative,
            mapping,
            key,
            lambda v: v in options,
            lambda v: f"{where}{key}: must be one of {', '.join(options)}, not {v!r}",
        )

    def slug(self, relative: str, mapping: LinedMap, key: str, where: str):
        return self._checked(
            relative,
            mapping,
            key,
            lambda v: isinstance(v, str) and SLUG.match(v) is not None,
            lambda v: (
                f"{where}{key}: {v!r} is not a slug (lower-case letters, digits and "
                "single hyphens, such as 'care-work')"
            ),
        )

    def https_url(self, relative: str, mapping: LinedMap, key: str, where: str):
        return self._checked(
            relative,
            mapping,
            key,
            is_https_url,
            lambda v: f"{where}{key}: {v!r} must be an https:// address (at most 500 characters)",
        )

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
        return self._checked(
            relative,
            mapping,
            key,
            lambda v: type(v) is date,
            lambda v: f"{where}{key}: must be a date, YYYY-MM-DD",
        )


def check_titles(check: Checker, modules: Sequence[ModuleSource | None]) -> None:
    """Every lesson of the course has a title of its own."""
    seen: dict[str, str] = {}
    for module in modules:
        if module is None:
            continue
        for lesson in module.lessons:
            if lesson.title in seen:
                check.add(
                    f"{module.position:02d}-{module.slug}/{lesson.position:02d}-{lesson.slug}.md",
                    2,
                    f"title '{lesson.title}' is also the title of lesson '{seen[lesson.title]}'",
                )
            seen[lesson.title] = lesson.slug


def check_completion_is_reachable(check: Checker, course: CourseSource) -> None:
    """Every cohort has as many live sessions that count as completion asks for."""
    live = course.completion.get("live_sessions") or {}
    minimum = live.get("minimum", 0)
    for cohort in course.cohorts:
        counting = sum(1 for s in cohort.live_sessions if s.counts_for_completion)
        if counting < minimum:
            check.add(
                "course.yaml",
                1,
                f"cohort '{cohort.slug}' has {counting} live sessions that count for "
                f"completion, but completion.live_sessions.minimum asks for {minimum}",
            )
