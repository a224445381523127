"""`flask course import` and `export`: idempotent, in place, archiving, byte-for-byte round trip."""

import filecmp
from pathlib import Path

from sqlalchemy import func, select

from app.catalog.authored import LessonRevision
from app.catalog.models import (
    Choice,
    Cohort,
    Course,
    Lesson,
    LiveSession,
    MediaFile,
    Module,
    Question,
    SessionStatus,
    Status,
)
from app.core.audit import AuditEvent
from app.core.permissions import Role
from app.extensions import db
from app.live.models import Attendance, AttendanceSource
from tests.conftest import EXAMPLE_COURSE
from tests.test_content_validate import replace_in

MODELS = (Course, Cohort, LiveSession, Module, Lesson, Question, Choice, MediaFile)


def run_import(runner, path: Path):
    result = runner.invoke(args=["course", "import", str(path)])
    db.session.expire_all()
    return result


def row_counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in MODELS
    }


def lesson(slug: str) -> Lesson:
    return db.session.scalar(select(Lesson).where(Lesson.slug == slug))


def test_import_stores_the_course(runner):
    result = run_import(runner, EXAMPLE_COURSE)
    assert result.exit_code == 0, result.output
    assert "added lesson what-care-work-is" in result.output
    assert row_counts() == {
        "Course": 1, "Cohort": 1, "LiveSession": 2, "Module": 2, "Lesson": 4,
        "Question": 3, "Choice": 8, "MediaFile": 1,
    }  # fmt: skip
    first = lesson("what-care-work-is")
    assert first.title == "What care work is"
    assert (
        first.objectives[1]
        == "Tell direct care from indirect care: cooking, cleaning, fetching water."
    )
    assert first.body_md.startswith("\nCare work keeps people alive and well.")
    # Links and images now point at the site, and the stored HTML is what learners get.
    assert (
        'href="/courses/example-course/lessons/who-does-care-work#in-the-city"' in first.body_html
    )
    assert 'src="/courses/example-course/media/care-map.png"' in first.body_html
    assert lesson("coming-soon").status == Status.DRAFT
    session = db.session.scalar(select(LiveSession).where(LiveSession.slug == "session-1"))
    # 18:30 in Bogotá (UTC-5) is 23:30 UTC.
    assert session.starts_at.isoformat() == "2027-03-31T23:30:00+00:00"
    assert session.time_zone == "America/Bogota"
    assert session.join_url == "https://meeting.example/j/123456"
    kinds = db.session.scalar(select(Question).where(Question.slug == "kinds-of-care"))
    assert [(c.text, c.is_correct) for c in kinds.choices] == [
        ("Cooking", True), ("Feeding a baby", False), ("Fetching water", True)
    ]  # fmt: skip
    true_false = db.session.scalar(select(Question).where(Question.slug == "care-is-free"))
    assert [(c.text, c.is_correct) for c in true_false.choices] == [
        ("True", False),
        ("False", True),
    ]


def test_reimporting_an_unchanged_course_changes_nothing(runner):
    run_import(runner, EXAMPLE_COURSE)
    before = {row.id: (row.updated_at, row.body_html) for row in db.session.scalars(select(Lesson))}
    counts = row_counts()
    result = run_import(runner, EXAMPLE_COURSE)
    assert result.exit_code == 0
    assert result.output.splitlines()[-1].strip() == "nothing changed"
    assert row_counts() == counts
    after = {row.id: (row.updated_at, row.body_html) for row in db.session.scalars(select(Lesson))}
    assert after == before


def test_an_edited_lesson_is_updated_in_place(runner, example_copy):
    run_import(runner, example_copy)
    original = lesson("who-does-care-work")
    original_id = original.id
    replace_in(
        example_copy / "01-first-steps" / "02-who-does-care-work.md",
        "Most unpaid care work is done by women and girls.",
        "Women and girls do three quarters of unpaid care work.",
    )
    result = run_import(runner, example_copy)
    assert result.exit_code == 0
    assert result.output.splitlines()[-1].strip() == "updated lesson who-does-care-work"
    edited = lesson("who-does-care-work")
    assert edited.id == original_id
    assert "three quarters" in edited.body_html
    assert "Most unpaid care work" not in edited.body_md


def test_a_lesson_moved_and_renumbered_keeps_its_row(runner, example_copy):
    run_import(runner, example_copy)
    original_id = lesson("care-services").id
    (example_copy / "02-going-further" / "01-care-services.md").rename(
        example_copy / "01-first-steps" / "05-care-services.md"
    )
    replace_in(
        example_copy / "01-first-steps" / "02-who-does-care-work.md",
        "../02-going-further/01-care-services.md",
        "05-care-services.md",
    )
    result = run_import(runner, example_copy)
    assert result.exit_code == 0, result.output
    moved = lesson("care-services")
    assert moved.id == original_id
    assert (moved.module.slug, moved.position) == ("first-steps", 5)


def test_a_removed_lesson_is_archived_not_deleted(runner, example_copy):
    run_import(runner, example_copy)
    original_id = lesson("care-services").id
    (example_copy / "02-going-further" / "01-care-services.md").unlink()
    replace_in(
        example_copy / "01-first-steps" / "02-who-does-care-work.md",
        " See the [next module](../02-going-further/01-care-services.md).",
        "",
    )
    result = run_import(runner, example_copy)
    assert result.exit_code == 0, result.output
    assert "archived lesson care-services" in result.output
    archived = lesson("care-services")
    assert archived.id == original_id
    assert archived.status == Status.ARCHIVED
    # Put back, it comes back as the same row.
    run_import(runner, EXAMPLE_COURSE)
    assert lesson("care-services").status == Status.PUBLISHED
    assert lesson("care-services").id == original_id


def test_removed_module_question_and_session(runner, example_copy):
    run_import(runner, example_copy)
    session_id = db.session.scalar(select(LiveSession.id).where(LiveSession.slug == "session-1"))
    replace_in(
        example_copy / "course.yaml",
        "    join_url: https://meeting.example/j/123456\n",
        "",
    )
    text = (example_copy / "course.yaml").read_text()
    start = text.index("  - slug: session-1")
    (example_copy / "course.yaml").write_text(text[:start])
    replace_in(example_copy / "course.yaml", "    minimum: 1", "    minimum: 0")
    quiz = example_copy / "01-first-steps" / "quiz.yaml"
    quiz_text = quiz.read_text()
    quiz.write_text(quiz_text[: quiz_text.index("- id: care-is-free")])
    result = run_import(runner, example_copy)
    assert result.exit_code == 0, result.output
    assert "archived live session 2027-spring/session-1 (cancelled)" in result.output
    assert "archived question first-steps/care-is-free" in result.output
    session = db.session.get(LiveSession, session_id)
    assert session.status == SessionStatus.CANCELLED
    assert session.sequence == 1
    assert db.session.scalar(select(Question).where(Question.slug == "care-is-free")).is_archived


def test_a_changed_session_time_raises_its_sequence(runner, example_copy):
    run_import(runner, example_copy)
    replace_in(
        example_copy / "course.yaml",
        "starts: 2027-03-31 18:30 America/Bogota",
        "starts: 2027-03-31 19:00 America/Bogota",
    )
    run_import(runner, example_copy)
    session = db.session.scalar(select(LiveSession).where(LiveSession.slug == "session-1"))
    assert session.starts_at.isoformat() == "2027-04-01T00:00:00+00:00"
    assert session.sequence == 1


def test_an_invalid_course_writes_nothing(runner, example_copy):
    run_import(runner, example_copy)
    counts = row_counts()
    replace_in(
        example_copy / "01-first-steps" / "02-who-does-care-work.md",
        "Most unpaid care work",
        "Changed text",
    )
    replace_in(example_copy / "01-first-steps" / "quiz.yaml", "pass_mark: 70", "pass_mark: 700")
    result = run_import(runner, example_copy)
    assert result.exit_code == 1
    assert "pass_mark: must be a whole number from 0 to 100, not 700" in result.output
    assert row_counts() == counts
    assert "Most unpaid care work" in lesson("who-does-care-work").body_md


def test_export_gives_back_the_same_files_byte_for_byte(runner, tmp_path):
    run_import(runner, EXAMPLE_COURSE)
    target = tmp_path / "exported"
    result = runner.invoke(args=["course", "export", "example-course", str(target)])
    assert result.exit_code == 0, result.output
    assert "12 files" in result.output
    comparison = filecmp.dircmp(EXAMPLE_COURSE, target)
    assert_same_tree(comparison)


def assert_same_tree(comparison: filecmp.dircmp) -> None:
    assert comparison.left_only == [] and comparison.right_only == []
    for name in comparison.common_files:
        left = Path(comparison.left, name).read_bytes()
        right = Path(comparison.right, name).read_bytes()
        assert left == right, f"{name} differs after export"
    for sub in comparison.subdirs.values():
        assert_same_tree(sub)


def test_the_caring_cities_course_round_trips(runner, tmp_path):
    source = Path("courses/caring_cities")
    result = run_import(runner, source)
    assert result.exit_code == 0, result.output
    target = tmp_path / "exported"
    runner.invoke(args=["course", "export", "caring-cities", str(target)])
    assert_same_tree(filecmp.dircmp(source, target))


def test_export_refuses_a_folder_with_files_unless_told(runner, tmp_path):
    run_import(runner, EXAMPLE_COURSE)
    target = tmp_path / "exported"
    target.mkdir()
    (target / "course.yaml").write_text("old")
    (target / "01-old-module").mkdir()
    (target / "notes.txt").write_text("keep me")
    result = runner.invoke(args=["course", "export", "example-course", str(target)])
    assert result.exit_code == 1
    assert "is not empty; use --overwrite" in result.output
    assert (target / "course.yaml").read_text() == "old"
    result = runner.invoke(args=["course", "export", "example-course", str(target), "--overwrite"])
    assert result.exit_code == 0
    assert not (target / "01-old-module").exists()
    assert (target / "notes.txt").read_text() == "keep me"
    assert (target / "course.yaml").read_bytes() == (EXAMPLE_COURSE / "course.yaml").read_bytes()


def test_export_of_an_unknown_course(runner, tmp_path):
    result = runner.invoke(args=["course", "export", "nope", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert "there is no course 'nope'" in result.output


def test_a_changed_choice_updates_its_question_in_place(runner, example_copy):
    run_import(runner, example_copy)
    question_id = db.session.scalar(select(Question.id).where(Question.slug == "unpaid-hours"))
    replace_in(example_copy / "01-first-steps" / "quiz.yaml", "  - 6.5 hours", "  - 7 hours")
    result = run_import(runner, example_copy)
    assert result.output.splitlines()[-1].strip() == "updated question first-steps/unpaid-hours"
    question = db.session.get(Question, question_id)
    assert [choice.text for choice in question.choices] == ["1.7 hours", "4.1 hours", "7 hours"]


def line_of(path: Path, text: str) -> int:
    """The number of the last line of the file that contains text."""
    return max(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def attend(session_slug: str, user) -> None:
    session = db.session.scalar(select(LiveSession).where(LiveSession.slug == session_slug))
    db.session.add(
        Attendance(session_id=session.id, user_id=user.id, source=AttendanceSource.MANUAL)
    )
    db.session.commit()


def database_state() -> dict:
    """What an import could change: rows counted, sessions, lesson texts and audit events."""
    sessions = db.session.execute(
        select(LiveSession.slug, LiveSession.starts_at, LiveSession.status, LiveSession.sequence)
    ).all()
    return row_counts() | {
        "sessions": sorted(sessions),
        "lessons": sorted(db.session.execute(select(Lesson.slug, Lesson.body_md)).all()),
        "revisions": db.session.scalar(select(func.count()).select_from(LessonRevision)),
        "events": db.session.scalar(select(func.count()).select_from(AuditEvent)),
    }


def test_a_session_learners_took_part_in_cannot_be_moved_by_import(runner, example_copy, make_user):
    run_import(runner, example_copy)
    attend("session-1", make_user())
    before = database_state()
    course_yaml = example_copy / "course.yaml"
    replace_in(
        course_yaml,
        "starts: 2027-03-31 18:30 America/Bogota",
        "starts: 2027-04-07 18:30 America/Bogota",
    )
    # A change the editors allow, in the same files: it is not imported either.
    replace_in(
        example_copy / "01-first-steps" / "02-who-does-care-work.md",
        "Most unpaid care work",
        "Changed text",
    )
    result = run_import(runner, example_copy)
    assert result.exit_code == 1
    line = line_of(course_yaml, "starts: 2027-04-07 18:30")
    assert (
        f"course.yaml:{line}: cohort '2027-spring', live session 'session-1' starts at another "
        "time: 1 learner is recorded as having taken part in this session at its present time, "
        "so its start cannot be moved." in result.output
    )
    assert "1 change refused; nothing was imported" in result.output
    assert database_state() == before


def test_a_session_learners_took_part_in_cannot_be_removed_by_import(
    runner, example_copy, make_user
):
    run_import(runner, example_copy)
    attend("session-1", make_user())
    attend("session-1", make_user())
    before = database_state()
    course_yaml = example_copy / "course.yaml"
    text = course_yaml.read_text()
    course_yaml.write_text(text[: text.index("  - slug: session-1")])
    replace_in(course_yaml, "    minimum: 1", "    minimum: 0")
    result = run_import(runner, example_copy)
    assert result.exit_code == 1
    line = line_of(course_yaml, "live_sessions:")  # the cohort's, after completion's
    assert (
        f"course.yaml:{line}: cohort '2027-spring', live session 'session-1' is no longer in the "
        "file: 2 learners are recorded as having taken part in this session, so it cannot be "
        "cancelled" in result.output
    )
    assert database_state() == before
    # A session nobody took part in still moves.
    replace_in(
        course_yaml,
        "starts: 2027-03-15 09:00 Europe/Madrid",
        "starts: 2027-03-15 10:00 Europe/Madrid",
    )
    course_yaml.write_text(course_yaml.read_text() + text[text.index("  - slug: session-1") :])
    assert run_import(runner, example_copy).exit_code == 0


def import_events() -> list[tuple[str, int | None, str]]:
    return [
        (event.action, event.actor_id, event.details["item"])
        for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        if event.action.startswith("import.")
    ]


def test_every_change_of_an_import_is_in_the_audit_log(runner, example_copy, make_user):
    editor = make_user(email="editor@city.example")
    result = runner.invoke(
        args=["course", "import", str(example_copy), "--actor", "Editor@City.example"]
    )
    assert result.exit_code == 0, result.output
    events = import_events()
    assert ("import.course.added", editor.id, "course example-course") in events
    assert ("import.lesson.added", editor.id, "lesson what-care-work-is") in events
    assert ("import.live_session.added", editor.id, "live session 2027-spring/session-1") in events
    assert ("import.question.added", editor.id, "question first-steps/care-is-free") in events
    assert {actor for _, actor, _ in events} == {editor.id}
    assert len(events) == len(result.output.splitlines()) - 1  # one per line of the report

    # Unchanged files: nothing changes, nothing is recorded.
    assert run_import(runner, example_copy).exit_code == 0
    assert len(import_events()) == len(events)

    replace_in(
        example_copy / "course.yaml",
        "starts: 2027-03-31 18:30 America/Bogota",
        "starts: 2027-03-31 19:00 America/Bogota",
    )
    quiz = example_copy / "01-first-steps" / "quiz.yaml"
    quiz.write_text(quiz.read_text()[: quiz.read_text().index("- id: care-is-free")])
    assert run_import(runner, example_copy).exit_code == 0
    new = import_events()[len(events) :]
    assert sorted(new) == [
        ("import.live_session.updated", None, "live session 2027-spring/session-1"),
        ("import.question.archived", None, "question first-steps/care-is-free"),
    ]
    moved = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "import.live_session.updated")
    )
    assert moved.details["changed"] == ["starts_at"]
    assert moved.object_type == "live_sessions"


def test_the_audit_log_names_the_system_for_an_import_without_actor(
    runner, example_copy, make_user, browser
):
    admin = make_user(role=Role.ADMIN)
    run_import(runner, example_copy)
    browser.login(admin.email)
    page = browser.client.get("/admin/audit?action=import.course.added").get_data(as_text=True)
    assert "import.course.added" in page
    assert "the system" in page


def test_an_import_by_an_unknown_account_writes_nothing(runner, example_copy):
    result = runner.invoke(
        args=["course", "import", str(example_copy), "--actor", "nobody@city.example"]
    )
    assert result.exit_code == 1
    assert "there is no account with the e-mail address nobody@city.example" in result.output
    assert db.session.scalar(select(func.count()).select_from(Course)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
