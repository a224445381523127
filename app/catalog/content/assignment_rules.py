"""The rules of assignment.yaml, for the course files and the browser's assignment editor.

`read_assignment` checks a mapping read with line numbers (yamlio.load_lined_yaml) and names
each problem with the top-level key it concerns and its line: the reader words them as
`file:line: message`, and the editor puts them beside the field (or box) that holds that key.
The prompt's Markdown is rendered by the caller, which knows where links lead.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.catalog.content.checks import Checker
from app.catalog.content.schema import (
    ASSIGNMENT_DATES_KEYS,
    ASSIGNMENT_DEFAULTS,
    ASSIGNMENT_KEYS,
    CRITERION_KEYS,
    GALLERY_CHOICES,
    LEVEL_KEYS,
    REVIEW_KEYS,
    SECTION_KEYS,
    THEME_KEYS,
)
from app.catalog.content.source import AssignmentDatesSource, AssignmentSource
from app.catalog.content.yamlio import LinedList, LinedMap

MIN_WORDS, MAX_WORDS = 20, 3000  # a section's word limit
MAX_SECTIONS = MAX_CRITERIA = 20
MAX_LEVELS = 10
MAX_POINTS = 1000  # a level's points
MAX_REVIEWS = 10  # per submission and per learner
MAX_FILES = 10
MAX_THEMES = 50
PROMPT_LIMIT = 20000  # characters of the prompt's Markdown


@dataclass(frozen=True)
class AssignmentProblem:
    """A problem of an assignment: the top-level key it concerns ('' for the whole), its line."""

    key: str
    line: int
    message: str


class _KeyedChecker(Checker):
    """A Checker whose `relative` argument is the top-level key a problem belongs to."""

    def __init__(self) -> None:
        super().__init__(Path("."))
        self.found: list[AssignmentProblem] = []

    def add(self, relative: str, line: int, message: str) -> None:
        self.found.append(AssignmentProblem(relative, line, message))


def prompt_line_offset(data: LinedMap) -> int:
    """Lines of the file before the prompt's first line (a block scalar starts below its key)."""
    prompt = data.get("prompt")
    line = data.line_of("prompt")
    return line if isinstance(prompt, str) and "\n" in prompt else line - 1


def read_assignment(
    data: Any, cohorts: Sequence[str] | None
) -> tuple[AssignmentSource | None, list[AssignmentProblem]]:
    """Check an assignment read from YAML: the assignment, or None and every problem found.

    `cohorts` are the slugs of course.yaml's cohorts (None when they are not known, because
    course.yaml itself has problems: the dates are then checked without them).
    """
    check = _KeyedChecker()
    if not check.keys("", data, ASSIGNMENT_KEYS, ""):
        return None, check.found
    title = check.text("title", data, "title", "")
    status = check.choice("status", data, "status", "", ("published", "draft"))
    status = status or ASSIGNMENT_DEFAULTS["status"]
    prompt = check.text("prompt", data, "prompt", "", limit=PROMPT_LIMIT)
    sections = _sections(check, data)
    rubric = _rubric(check, data)
    pass_mark = check.integer("pass_mark", data, "pass_mark", "", 0, 100)
    reviews = _reviews(check, data)
    late_work = check.boolean("late_work", data, "late_work", "")
    gallery = check.choice("gallery", data, "gallery", "", GALLERY_CHOICES)
    files = check.integer("files", data, "files", "", 0, MAX_FILES)
    themes = _themes(check, data)
    dates = _dates(check, data, cohorts, status)
    if check.found:
        return None, check.found
    return AssignmentSource(
        title=title,
        prompt_md=prompt,
        sections=sections,
        rubric=rubric,
        pass_mark=pass_mark,
        status=status,
        reviews_per_submission=reviews.get("per_submission", ASSIGNMENT_DEFAULTS["per_submission"]),
        reviews_per_learner=reviews.get("per_learner", ASSIGNMENT_DEFAULTS["per_learner"]),
        anonymous_reviews=reviews.get("anonymous", ASSIGNMENT_DEFAULTS["anonymous"]),
        late_work=ASSIGNMENT_DEFAULTS["late_work"] if late_work is None else late_work,
        gallery=gallery or ASSIGNMENT_DEFAULTS["gallery"],
        max_files=ASSIGNMENT_DEFAULTS["files"] if files is None else files,
        themes=themes,
        dates=dates,
    ), []


def _items(check: _KeyedChecker, data: LinedMap, key: str, limit: int, *, empty: bool = False):
    """The list under `key`, or None (and a problem) when it is not a list of 1 to `limit`."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, LinedList) or not (value or empty):
        check.add(key, data.line_of(key), f"{key}: must be a non-empty list")
        return None
    if len(value) > limit:
        check.add(key, data.line_of(key), f"{key}: has {len(value)} items; at most {limit}")
        return None
    return value


def _unique_id(check, key: str, item: LinedMap, where: str, seen: dict[str, str]) -> str | None:
    """The item's `id`, a slug not used before in the same list."""
    slug = check.slug(key, item, "id", where)
    if slug is None:
        return None
    if slug in seen:
        check.add(key, item.line_of("id"), f"{where}id: '{slug}' is also the id of {seen[slug]}")
        return None
    seen[slug] = where.rstrip(".")
    return slug


def _sections(check: _KeyedChecker, data: LinedMap) -> list[dict[str, Any]]:
    items = _items(check, data, "sections", MAX_SECTIONS)
    sections: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for index, item in enumerate(items or ()):
        where = f"sections[{index}]"
        if not check.keys("sections", item, SECTION_KEYS, where):
            continue
        where += "."
        section = {
            "id": _unique_id(check, "sections", item, where, seen),
            "title": check.text("sections", item, "title", where),
            "guidance": check.text("sections", item, "guidance", where, limit=2000),
            "words": check.integer("sections", item, "words", where, MIN_WORDS, MAX_WORDS),
        }
        sections.append(section)
    return sections


def _rubric(check: _KeyedChecker, data: LinedMap) -> list[dict[str, Any]]:
    items = _items(check, data, "rubric", MAX_CRITERIA)
    rubric: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for index, item in enumerate(items or ()):
        where = f"rubric[{index}]"
        if not check.keys("rubric", item, CRITERION_KEYS, where):
            continue
        where += "."
        criterion = {
            "id": _unique_id(check, "rubric", item, where, seen),
            "title": check.text("rubric", item, "title", where),
            "description": check.text("rubric", item, "description", where, limit=2000),
            "levels": _levels(check, item, where),
        }
        rubric.append(criterion)
    return rubric


def _levels(check: _KeyedChecker, criterion: LinedMap, where: str) -> list[dict[str, Any]]:
    levels = criterion.get("levels")
    if levels is None:
        return []
    line = criterion.line_of("levels")
    if not isinstance(levels, LinedList) or not 2 <= len(levels) <= MAX_LEVELS:
        check.add(
            "rubric",
            line,
            f"{where}levels: must be a list of 2 to {MAX_LEVELS} levels, from lowest to highest",
        )
        return []
    read: list[dict[str, Any]] = []
    previous: int | None = None
    for index, item in enumerate(levels):
        label = f"{where}levels[{index}]"
        if not check.keys("rubric", item, LEVEL_KEYS, label):
            previous = None
            continue
        label += "."
        points = check.integer("rubric", item, "points", label, 0, MAX_POINTS)
        if points is not None and previous is not None and points <= previous:
            check.add(
                "rubric",
                item.line_of("points"),
                f"{label}points: must be more than the level before ({previous}): "
                "levels go from lowest to highest",
            )
        previous = points
        read.append(
            {
                "title": check.text("rubric", item, "title", label),
                "points": points,
                "description": check.text("rubric", item, "description", label, limit=2000),
            }
        )
    return read


def _reviews(check: _KeyedChecker, data: LinedMap) -> dict[str, Any]:
    reviews = data.get("reviews")
    if reviews is None or not check.keys("reviews", reviews, REVIEW_KEYS, "reviews"):
        return {}
    where = "reviews."
    found = {
        "per_submission": check.integer(
            "reviews", reviews, "per_submission", where, 1, MAX_REVIEWS
        ),
        "per_learner": check.integer("reviews", reviews, "per_learner", where, 1, MAX_REVIEWS),
        "anonymous": check.boolean("reviews", reviews, "anonymous", where),
    }
    gets = found["per_submission"] or ASSIGNMENT_DEFAULTS["per_submission"]
    gives = found["per_learner"] or ASSIGNMENT_DEFAULTS["per_learner"]
    if gives < gets:
        # With as many reviewers as authors, fewer reviews given than asked leaves plans waiting.
        check.add(
            "reviews",
            reviews.line_of("per_learner" if "per_learner" in reviews else "per_submission"),
            f"reviews.per_learner: each learner gives {gives} reviews but each submission "
            f"gets {gets}: some plans would never get all their reviews; make per_learner "
            "at least per_submission",
        )
    return {key: value for key, value in found.items() if value is not None}


def _themes(check: _KeyedChecker, data: LinedMap) -> list[dict[str, Any]]:
    items = _items(check, data, "themes", MAX_THEMES, empty=True)
    themes: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for index, item in enumerate(items or ()):
        where = f"themes[{index}]"
        if check.keys("themes", item, THEME_KEYS, where):
            where += "."
            themes.append(
                {
                    "id": _unique_id(check, "themes", item, where, seen),
                    "title": check.text("themes", item, "title", where, limit=100),
                }
            )
    return themes


def _dates(
    check: _KeyedChecker, data: LinedMap, cohorts: Sequence[str] | None, status: str
) -> list[AssignmentDatesSource]:
    value = data.get("cohorts")
    line = data.line_of("cohorts")
    known = ", ".join(cohorts or ()) or "none"
    if value is None and "cohorts" in data:
        value = LinedMap()  # `cohorts:` with nothing under it
        value.line, value.key_lines = line, {}
    if value is None:
        if status == "published" and cohorts:
            check.add(
                "cohorts",
                data.line,
                "missing key 'cohorts': a published assignment needs the dates of every "
                f"cohort of course.yaml ({known})",
            )
        return []
    if not isinstance(value, LinedMap):
        check.add(
            "cohorts",
            line,
            "cohorts: must map each cohort's slug to its submission_due and reviews_due",
        )
        return []
    dates: list[AssignmentDatesSource] = []
    for slug, item in value.items():
        where = f"cohorts.{slug}"
        if cohorts is not None and slug not in cohorts:
            check.add(
                "cohorts",
                value.line_of(slug),
                f"{where}: there is no cohort '{slug}' in course.yaml (its cohorts: {known})",
            )
            continue
        if not check.keys("cohorts", item, ASSIGNMENT_DATES_KEYS, where):
            continue
        where += "."
        submission = check.zoned_time("cohorts", item, "submission_due", where)
        reviews = check.zoned_time("cohorts", item, "reviews_due", where)
        if submission and reviews and reviews[0] <= submission[0]:
            check.add(
                "cohorts",
                item.line_of("reviews_due"),
                f"{where}reviews_due: must be after submission_due (reviews are of the "
                "plans submitted by then)",
            )
            continue
        if submission and reviews:
            dates.append(AssignmentDatesSource(str(slug), *submission, *reviews))
    missing = [slug for slug in cohorts or () if slug not in value]
    if status == "published" and missing:
        check.add(
            "cohorts",
            line,
            "cohorts: a published assignment needs the dates of every cohort of course.yaml; "
            f"missing: {', '.join(missing)} (or make the assignment status: draft)",
        )
    return dates
