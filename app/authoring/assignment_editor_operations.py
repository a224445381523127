"""The assignment editor's checks and writes: what the form says, read by assignment.yaml's rules
and written by the import's own code (`catalog.operations.apply_assignment`).

A save names the revision it was made from; a save from an older revision than the stored one
is refused (`AssignmentConflict`), as lessons' are, and the check is made in the database.
"""

from collections.abc import Sequence
from typing import Any

import yaml
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app.catalog.content.assignment_rules import read_assignment
from app.catalog.content.exporter import assignment_file, assignment_source, assignment_yaml
from app.catalog.content.source import AssignmentSource
from app.catalog.content.yamlio import (
    LinedMap,
    dump_canonical_yaml,
    load_lined_yaml,
    yaml_error_line,
)
from app.catalog.models import Assignment, Module
from app.catalog.operations import apply_assignment, live_cohorts, new_assignment
from app.catalog.outlines import outline_changed
from app.core.audit import record
from app.extensions import db


class AssignmentConflict(Exception):
    """Someone (or an import) saved the assignment after the editor opened it."""

    def __init__(self, assignment: Assignment | None):
        super().__init__("the assignment changed since the editor opened it")
        self.assignment = assignment


def _lined(values: dict[str, Any], line: int = 0) -> LinedMap:
    mapping = LinedMap(values)
    mapping.line, mapping.key_lines = line, dict.fromkeys(values, line)
    return mapping


def read_edited_assignment(
    fields: dict[str, Any], boxes: dict[str, str], cohorts: Sequence[str]
) -> tuple[AssignmentSource | None, dict[str, list[str]]]:
    """Check what the editor's form says by the rules of assignment.yaml.

    `fields` are the form's simple values by their key in the file (title, status, prompt,
    pass_mark, reviews, late_work, gallery, files); `boxes` the YAML text of sections, rubric,
    themes and cohorts. Returns the assignment, or None and the problems by key: those of a
    box name their line in the box ("line 3: ...").
    """
    problems: dict[str, list[str]] = {}
    data = _lined({key: value for key, value in fields.items() if value is not None})
    if isinstance(fields.get("reviews"), dict):
        data["reviews"] = _lined(fields["reviews"])
    for key, text in boxes.items():
        if not text.strip():
            continue  # an empty box: the key is left out (and is missing if it is required)
        try:
            data[key] = load_lined_yaml(text)
        except yaml.YAMLError as error:
            message = str(getattr(error, "problem", None) or error).strip()
            problems.setdefault(key, []).append(
                f"line {yaml_error_line(error)}: invalid YAML: {message}"
            )
            data[key] = None
            continue
        if data[key] is None:  # only comments
            del data[key]
            continue
        data.key_lines[key] = getattr(data[key], "line", 1)
    assignment, found = read_assignment(data, list(cohorts))
    for problem in found:
        key = problem.key or _missing_key(problem.message)
        message = problem.message
        if key in boxes:
            message = f"line {problem.line}: {message}" if key in data else message
        problems.setdefault(key, []).append(message)
    if problems:
        return None, problems
    return assignment, {}


def _missing_key(message: str) -> str:
    """The key a 'missing required key' problem of the whole mapping names ('' if none)."""
    marker = "missing required key '"
    return message[len(marker) : -1] if message.startswith(marker) else ""


def box_texts(assignment: AssignmentSource) -> dict[str, str]:
    """The YAML boxes' texts for an assignment, as the exporter writes those keys."""
    data = assignment_yaml(assignment)
    return {
        key: dump_canonical_yaml(data[key]) if key in data else ""
        for key in ("sections", "rubric", "themes", "cohorts")
    }


def _changes(assignment: Assignment, source: AssignmentSource) -> bool:
    """Whether saving `source` changes the assignment's content (its file)."""
    return assignment_file(assignment_source(assignment)) != assignment_file(source)


def save_assignment(
    module: Module, source: AssignmentSource, *, base_revision: int, actor
) -> tuple[Assignment, list[str]]:
    """Save the editor's assignment made from `base_revision` (0: the module had none).

    Returns the assignment and the fields that changed (none: nothing was saved). Raises
    AssignmentConflict, having changed nothing, when the stored assignment has moved past
    that revision, even if another save got there a moment ago.
    """
    assignment = module.assignment
    if (assignment.revision if assignment else 0) != base_revision:
        raise AssignmentConflict(assignment)
    cohorts = live_cohorts(module.course)
    if assignment is None:
        try:
            with db.session.begin_nested():
                assignment = new_assignment(module)
                changed = apply_assignment(assignment, source, cohorts)
                db.session.flush()
        except IntegrityError:  # another editor created it a moment ago
            db.session.expire(module)
            raise AssignmentConflict(module.assignment) from None
        outline_changed([module.course_id])
        record(
            "assignment.added",
            actor=actor,
            target=assignment,
            details={"course": module.course.slug, "module": module.slug},
        )
        return assignment, changed
    if not _changes(assignment, source) and assignment.prompt_html == source.prompt_html:
        return assignment, []
    claimed = db.session.execute(
        update(Assignment)
        .where(Assignment.id == assignment.id, Assignment.revision == base_revision)
        .values(revision=base_revision)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.refresh(assignment)
        raise AssignmentConflict(assignment)
    changed = apply_assignment(assignment, source, cohorts)
    db.session.flush()
    outline_changed([module.course_id])
    record(
        "assignment.updated",
        actor=actor,
        target=assignment,
        details={"revision": assignment.revision, "changed": changed, "module": module.slug},
    )
    return assignment, changed
