"""Course outlines shared between requests (app/catalog/outlines.py): read once per version,
replaced by every operation that changes the outline, in every process, and immutable."""

import dataclasses

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm.exc import UnmappedInstanceError

from app.catalog.content.reader import read_course
from app.catalog.models import Course, Lesson, LiveSession, SessionStatus
from app.catalog.operations import import_course
from app.catalog.outline import CourseOutline
from app.catalog.outlines import OutlineStore, outline_changed, shared_outline
from app.extensions import db
from tests import test_authoring
from tests.conftest import Browser, separate_app
from tests.test_authoring import LEARN, LESSON, edit_form, edit_url, lesson
from tests.test_live_sessions import page_text

OUTLINE_TABLES = ("modules", "lessons", "quizzes", "cohorts", "live_sessions")
LESSON_PAGE = f"{LEARN}/lessons/{LESSON}"
staff = test_authoring.staff  # an instructor, an enrolled learner, both logged in


def version(course_id: int) -> str:
    return db.session.scalar(select(Course.outline_version).where(Course.id == course_id))


def outline_reads(statements: list[str]) -> list[str]:
    """The statements that read the outline's tables (not a join through them)."""
    return [
        statement
        for statement in statements
        if any(f"FROM {table}" in " ".join(statement.split()) for table in OUTLINE_TABLES)
        and "lesson_progress" not in statement
        and "enrollments" not in statement
        and "attendances" not in statement
    ]


def test_a_page_reads_the_outline_once_then_only_its_version(staff, count_queries):
    reader = staff["reader"].client
    with count_queries() as first:
        assert reader.get(LESSON_PAGE).status_code == 200
    with count_queries() as second:
        page = reader.get(LESSON_PAGE)
    assert "What care work is" in page_text(page)
    assert len(outline_reads(first.statements)) >= 3
    assert outline_reads(second.statements) == []
    assert any("outline_version" in statement for statement in second.statements)
    assert second.count <= first.count - 3


def test_an_edit_in_the_editor_is_on_the_learner_s_next_page(staff):
    course, reader = staff["course"], staff["reader"].client
    assert "What care work is" in page_text(reader.get(LESSON_PAGE))
    before = version(course.id)
    saved = staff["browser"].post_form(edit_url(), edit_form(lesson(), title="Care work, named"))
    assert saved.status_code == 302
    assert version(course.id) != before
    page = page_text(reader.get(LESSON_PAGE))
    assert "Care work, named" in page
    assert "What care work is" not in page
    assert "Care work, named" in page_text(reader.get(LEARN))  # the course home's outline


def test_a_bulk_update_is_served_once_its_operation_gives_a_new_version(staff):
    course, reader = staff["course"], staff["reader"].client
    first = db.session.scalars(select(LiveSession).order_by(LiveSession.starts_at)).first()
    assert "(cancelled)" not in page_text(reader.get(LEARN))
    before = version(course.id)
    db.session.execute(
        update(LiveSession)
        .where(LiveSession.id == first.id)
        .values(status=SessionStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    outline_changed([course.id])
    db.session.commit()
    assert version(course.id) != before
    assert f"{first.title} (cancelled)" in page_text(reader.get(LEARN))


def test_a_rolled_back_change_keeps_the_version(staff):
    course = staff["course"]
    before = version(course.id)
    lesson().title = "Never saved"
    outline_changed([course.id])
    db.session.flush()
    db.session.rollback()
    assert version(course.id) == before
    db.session.commit()  # nothing left to give a version to
    assert version(course.id) == before


def test_only_the_changed_course_gets_a_new_version(staff):
    course = staff["course"]
    other = Course(slug="other", title="Other", summary="Another course.", languages=["en"])
    db.session.add(other)
    db.session.commit()
    versions = version(course.id), version(other.id)
    lesson().minutes += 1
    outline_changed([course.id])
    db.session.commit()
    assert version(course.id) != versions[0]
    assert version(other.id) == versions[1]


def test_a_request_that_changes_an_outline_without_a_new_version_fails(staff, app):
    """The guard installed under TESTING: a write path that forgets `outline_changed` fails
    the tests that take it, before anything is committed."""
    with app.test_request_context():
        lesson().title = "Forgotten"
        with pytest.raises(AssertionError, match="outline_changed"):
            db.session.commit()
        db.session.rollback()
        lesson().title = "Remembered"
        outline_changed([staff["course"].id])
        db.session.commit()
    assert lesson().title == "Remembered"


def test_an_import_that_changes_the_course_gives_a_new_version(staff, example_copy):
    course = staff["course"]
    source, problems = read_course(example_copy)
    assert problems == []
    import_course(source)
    db.session.commit()
    unchanged = version(course.id)
    import_course(source)  # the same files: nothing changes, the kept outline stays good
    db.session.commit()
    assert version(course.id) == unchanged
    path = example_copy / "01-first-steps" / "01-what-care-work-is.md"
    path.write_text(path.read_text().replace("title: What care work is", "title: Care, named"))
    source, problems = read_course(example_copy)
    assert problems == []
    import_course(source)
    db.session.commit()
    assert version(course.id) != unchanged
    assert "Care, named" in page_text(staff["reader"].client.get(LESSON_PAGE))


def test_another_process_serves_the_change_too(staff, tmp_path, database):
    """Two apps on one database stand for two nodes: each keeps its own outlines."""
    with separate_app(database.config(), str(tmp_path / "node-b")) as node_b:
        reader_b = Browser(node_b.test_client())
        assert reader_b.login("lea@city.example").status_code == 302  # staff's learner
        assert "What care work is" in page_text(reader_b.client.get(LESSON_PAGE))
        saved = staff["browser"].post_form(edit_url(), edit_form(lesson(), title="Named again"))
        assert saved.status_code == 302
        assert "Named again" in page_text(reader_b.client.get(LESSON_PAGE))


def test_a_shared_outline_is_immutable_plain_data(staff, app):
    with app.app_context(), app.test_request_context():
        course = shared_outline("example-course")
        assert isinstance(course, CourseOutline)
        assert shared_outline("example-course") is course  # the same data, kept
        shared_lesson = course.modules[0].lessons[0]
        with pytest.raises(dataclasses.FrozenInstanceError):
            course.title = "x"  # type: ignore[misc]
        with pytest.raises(dataclasses.FrozenInstanceError):
            shared_lesson.title = "x"  # type: ignore[misc]
        with pytest.raises(AttributeError):  # tuples, not lists
            course.modules.append(course.modules[0])  # type: ignore[attr-defined]
        with pytest.raises(UnmappedInstanceError):
            db.session.add(course)
        assert shared_outline("example-course").title == "Example course"
    assert db.session.scalar(select(Lesson.title).where(Lesson.slug == LESSON)) == (
        "What care work is"
    )


def test_the_store_keeps_the_most_recently_used_outlines():
    store = OutlineStore(size=2)
    courses = [Course(id=number, slug=f"c{number}") for number in (1, 2, 3)]
    store.put(courses[0], "a")
    store.put(courses[1], "b")
    assert store.get(1, "a") is courses[0]  # 1 is now the most recently used
    store.put(courses[2], "c")
    assert store.get(2, "b") is None
    assert store.get(1, "a") is courses[0]
    assert store.get(3, "c") is courses[2]
    assert store.get(3, "another version") is None


@pytest.mark.parametrize(
    ("path", "most"),
    # The course home and the dashboard also read the announcements the learner has still
    # to read (one statement, however many). The example course has an assignment: every
    # page reads the learner's plans and their grades (one statement).
    [(LESSON_PAGE, 6), (LEARN, 8), ("/dashboard", 9)],
    ids=["lesson", "course home", "dashboard"],
)
def test_a_learner_page_sends_a_handful_of_statements(staff, count_queries, path, most):
    """With the outline kept: its version, the user, the enrolments, what the learner did,
    their attempts (and the page's own: applications, certificates, announcements). See
    docs/performance.md."""
    reader = staff["reader"].client
    assert reader.get(path).status_code == 200  # the first request loads the outline
    with count_queries() as counter:
        assert reader.get(path).status_code == 200
    assert counter.count <= most, "\n".join(counter.statements)
