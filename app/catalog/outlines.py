"""Course outlines shared between requests: loaded once per version, then only read.

Every learner page shows a course's outline (modules, lessons, quizzes, cohorts and sessions):
about fifty rows that change only when someone edits the course. Each process keeps the
outlines it has loaded, as immutable data (catalog/outline.py), keyed by
`Course.outline_version`: a random value that every operation changing those rows replaces,
in its own transaction, by calling `outline_changed`. A request reads the version (one indexed
row) and uses the kept outline while the version is the same, so every node serves the
committed outline without telling the others anything.

Writes load their own rows with `catalog.queries.published_course_outline`. Under TESTING, a
commit that changed outline rows in a request without `outline_changed` fails (see
`guard_outline_writes`), so a new write path that forgets the call is caught by its tests.
"""

import threading
from collections import OrderedDict
from collections.abc import Iterable
from functools import cache
from itertools import chain

from flask import current_app, has_request_context
from sqlalchemy import Select, bindparam, event, inspect, select, update
from sqlalchemy.orm import Session

from app.catalog.models import (
    Cohort,
    Course,
    Lesson,
    LiveSession,
    Module,
    Quiz,
    Status,
    new_outline_version,
)
from app.catalog.outline import CourseOutline, outline_of
from app.catalog.queries import OUTLINE
from app.extensions import db

KEPT_OUTLINES = 32  # per process; a server usually has one or two courses
BUMPED = "outline_changed_course_ids"  # key of Session.info: the courses given a new version


class OutlineStore:
    """The outlines one app's process has loaded: course id -> (version, outline)."""

    def __init__(self, size: int = KEPT_OUTLINES):
        self.size = size
        self.lock = threading.Lock()
        self.kept: OrderedDict[int, tuple[str, CourseOutline]] = OrderedDict()

    def get(self, course_id: int, version: str) -> CourseOutline | None:
        with self.lock:
            found = self.kept.get(course_id)
            if found is None or found[0] != version:
                return None
            self.kept.move_to_end(course_id)
            return found[1]

    def put(self, course: CourseOutline, version: str) -> None:
        with self.lock:
            self.kept[course.id] = (version, course)
            self.kept.move_to_end(course.id)
            while len(self.kept) > self.size:
                self.kept.popitem(last=False)


def _store() -> OutlineStore:
    return current_app.extensions.setdefault("course_outlines", OutlineStore())


@cache
def _version_query() -> Select:
    """Built once: building a statement costs about as much as running this one."""
    return select(Course.id, Course.outline_version).where(
        Course.slug == bindparam("slug"), Course.status == Status.PUBLISHED
    )


def shared_outline(slug: str) -> CourseOutline | None:
    """A published course's outline, shared between requests."""
    found = db.session.execute(_version_query(), {"slug": slug}).one_or_none()
    if found is None:
        return None
    return _outlines({found.id: found.outline_version})[found.id]


def shared_outlines(course_ids: list[int]) -> dict[int, CourseOutline]:
    """The outlines of courses (even unpublished ones), by id, shared between requests."""
    if not course_ids:
        return {}
    versions = db.session.execute(
        select(Course.id, Course.outline_version).where(Course.id.in_(course_ids))
    ).all()
    return _outlines(dict(versions))


def _outlines(versions: dict[int, str]) -> dict[int, CourseOutline]:
    store = _store()
    found = {course_id: store.get(course_id, version) for course_id, version in versions.items()}
    missing = [course_id for course_id, course in found.items() if course is None]
    if missing:
        for course in _load(missing):
            # Kept under the version read before loading: the rows loaded are that version
            # or newer, and a newer version's readers will load their own.
            store.put(course, versions[course.id])
            found[course.id] = course
    return {course_id: course for course_id, course in found.items() if course is not None}


def _load(course_ids: list[int]) -> list[CourseOutline]:
    """Load outlines in a session of their own, so the request's session keeps no row of them."""
    with db.session.session_factory() as loading:
        courses = loading.scalars(select(Course).where(Course.id.in_(course_ids)).options(*OUTLINE))
        return [outline_of(course) for course in courses]


# --- new versions, given by the operations that change an outline ---------------------------


def outline_changed(course_ids: Iterable[int]) -> None:
    """Give these courses a new outline version in the current transaction: every process
    loads their outline again once it commits (and keeps the old one if it rolls back).
    Every operation that adds, changes or removes a course's modules, lessons, quizzes,
    cohorts or live sessions (or the course's own row) calls it."""
    ids = set(course_ids)
    if not ids:
        return
    table = Course.__table__
    db.session.execute(
        update(table).where(table.c.id.in_(ids)).values(outline_version=new_outline_version())
    )
    db.session.info.setdefault(BUMPED, set()).update(ids)


# --- under TESTING: a write path that forgets outline_changed fails its tests ---------------

WRITTEN = "outline_written_course_ids"  # None in the set: a course a join away (quiz, session)


def guard_outline_writes() -> None:
    """Make a commit fail when a request changed outline rows without `outline_changed`.

    Only for tests (installed when TESTING): it watches every flush. Writes made outside a
    request (test fixtures, the CLI) are not watched; tests/test_outlines.py checks the import.
    """
    if not event.contains(Session, "after_flush", _note_written):
        event.listen(Session, "after_flush", _note_written)
        event.listen(Session, "do_orm_execute", _note_bulk_written)
        event.listen(Session, "before_commit", _check_changed)
        event.listen(Session, "after_transaction_end", _forget)


def _note_written(session: Session, _flush_context) -> None:
    if not has_request_context():
        return
    written = session.info.setdefault(WRITTEN, set())
    new_courses = {course.id for course in session.new if isinstance(course, Course)}
    changed = (
        instance
        for instance in chain(session.new, session.dirty, session.deleted)
        if instance in session.new
        or instance in session.deleted
        or session.is_modified(instance, include_collections=False)
    )
    for instance in changed:
        if isinstance(instance, Course):
            if instance in session.dirty and not _only_version_changed(session, instance):
                written.add(instance.id)
        elif isinstance(instance, Module | Lesson | Cohort):
            if instance.course_id not in new_courses:
                written.add(instance.course_id)
        elif isinstance(instance, Quiz | LiveSession):
            written.add(None)


def _only_version_changed(session: Session, course: Course) -> bool:
    state = inspect(course)
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
    return changed <= {"outline_version", "updated_at"}


def _note_bulk_written(state):
    mapper = state.bind_mapper
    outline_classes = (Course, Module, Lesson, Quiz, Cohort, LiveSession)
    if not (
        has_request_context()
        and (state.is_update or state.is_delete)
        and mapper is not None
        and mapper.class_ in outline_classes
    ):
        return None
    result = state.invoke_statement()
    if result.rowcount:  # a conditional update that changed nothing needs no new version
        state.session.info.setdefault(WRITTEN, set()).add(None)
    return result


def _check_changed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the transaction goes on, and may still call it
    session.flush()
    written = session.info.get(WRITTEN) or set()
    bumped = session.info.get(BUMPED) or set()
    missing = written - bumped - {None}
    if missing or (None in written and not bumped):
        raise AssertionError(
            "a request changed the outline of course(s) "
            f"{sorted(missing) or 'unknown'} without catalog.outlines.outline_changed"
        )


def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(WRITTEN, None)
        session.info.pop(BUMPED, None)
