"""Course outlines shared between requests: loaded once per version, then only read.

Every learner page shows a course's outline (modules, lessons, quizzes, cohorts and sessions):
about fifty rows that change only when someone edits the course. Each process keeps the
outlines it has loaded, keyed by `Course.outline_version`, a random value that every change to
those rows replaces in the same transaction. A request reads the version (one indexed row) and
uses the kept outline while the version is the same, so every node serves the committed
outline without telling the others anything.

The kept objects are detached from any database session and shared by every request of the
process: pages may read them, never change them or attach them to a session (that raises).
Writes load their own outline with `catalog.queries.published_course_outline`.
"""

import threading
from collections import OrderedDict
from functools import cache
from itertools import chain

from flask import current_app
from sqlalchemy import Select, bindparam, event, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

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
from app.catalog.queries import OUTLINE
from app.extensions import db

OUTLINE_CLASSES = (Course, Module, Lesson, Quiz, Cohort, LiveSession)
KEPT_OUTLINES = 32  # per process; a server usually has one or two courses
SHARED_MARK = "_shared_outline"
CHANGED = "changed_outline_course_ids"  # key of Session.info; None in the set means "all"


class SharedOutlineAttached(RuntimeError):
    """A shared outline's object was added to a session: a write must load its own outline."""


class OutlineStore:
    """The outlines one app's process has loaded: course id -> (version, detached course)."""

    def __init__(self, size: int = KEPT_OUTLINES):
        self.size = size
        self.lock = threading.Lock()
        self.kept: OrderedDict[int, tuple[str, Course]] = OrderedDict()

    def get(self, course_id: int, version: str) -> Course | None:
        with self.lock:
            found = self.kept.get(course_id)
            if found is None or found[0] != version:
                return None
            self.kept.move_to_end(course_id)
            return found[1]

    def put(self, course: Course, version: str) -> None:
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


def shared_outline(slug: str) -> Course | None:
    """A published course with its outline loaded, shared between requests: read it only."""
    found = db.session.execute(_version_query(), {"slug": slug}).one_or_none()
    if found is None:
        return None
    return _outlines({found.id: found.outline_version})[found.id]


def shared_outlines(course_ids: list[int]) -> dict[int, Course]:
    """Courses (even unpublished ones) with their outlines, by id, shared: read them only."""
    if not course_ids:
        return {}
    versions = db.session.execute(
        select(Course.id, Course.outline_version).where(Course.id.in_(course_ids))
    ).all()
    return _outlines(dict(versions))


def _outlines(versions: dict[int, str]) -> dict[int, Course]:
    store = _store()
    found = {course_id: store.get(course_id, version) for course_id, version in versions.items()}
    missing = [course_id for course_id, course in found.items() if course is None]
    if missing:
        for course in _load_detached(missing):
            # Kept under the version read before loading: the rows loaded are that version
            # or newer, and a newer version's readers will load their own.
            store.put(course, versions[course.id])
            found[course.id] = course
    return {course_id: course for course_id, course in found.items() if course is not None}


def _load_detached(course_ids: list[int]) -> list[Course]:
    """Load outlines in a session of their own, so the request's session shares no object."""
    with db.session.session_factory() as loading:
        courses = list(
            loading.scalars(select(Course).where(Course.id.in_(course_ids)).options(*OUTLINE))
        )
        for course in courses:
            _link_and_mark(course)
    return courses  # closing the session detached them, loaded


def _link_and_mark(course: Course) -> None:
    """Set each object's link to its parent (nothing is left to load once detached) and mark
    every object as shared."""

    def adopt(child, link: str, parent) -> None:
        set_committed_value(child, link, parent)
        object.__setattr__(child, SHARED_MARK, True)

    object.__setattr__(course, SHARED_MARK, True)
    for module in course.modules:
        adopt(module, "course", course)
        for lesson in module.lessons:
            adopt(lesson, "module", module)
        if module.quiz is not None:
            adopt(module.quiz, "module", module)
    for cohort in course.cohorts:
        adopt(cohort, "course", course)
        for session in cohort.live_sessions:
            adopt(session, "cohort", cohort)


# --- new versions, in the transaction that changes an outline -----------------------------


@event.listens_for(Session, "after_attach")
def _refuse_shared_objects(session: Session, instance) -> None:
    if getattr(instance, SHARED_MARK, False):
        raise SharedOutlineAttached(
            f"{instance!r} belongs to a shared course outline and must not be written: "
            "load the outline with catalog.queries.published_course_outline to change it"
        )


@event.listens_for(Session, "after_flush")
def _note_flushed_changes(session: Session, _flush_context) -> None:
    changed = session.info.setdefault(CHANGED, set())
    for instance in chain(session.new, session.dirty, session.deleted):
        if isinstance(instance, Course):
            changed.add(instance.id)
        elif isinstance(instance, Module | Lesson | Cohort):
            changed.add(instance.course_id)
        elif isinstance(instance, Quiz | LiveSession):
            changed.add(None)  # their course is a join away: every course gets a new version


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state) -> None:
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper and mapper.class_ in OUTLINE_CLASSES:
        state.session.info.setdefault(CHANGED, set()).add(None)


@event.listens_for(Session, "before_commit")
def _give_new_versions(session: Session) -> None:
    """At the end of the transaction, so that the courses' rows stay locked only briefly."""
    session.flush()
    changed = session.info.pop(CHANGED, None)
    if not changed:
        return
    statement = update(Course.__table__).values(outline_version=new_outline_version())
    if None not in changed:
        statement = statement.where(Course.__table__.c.id.in_(changed))
    session.connection().execute(statement)


@event.listens_for(Session, "after_transaction_end")
def _forget_rolled_back_changes(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(CHANGED, None)
