"""`flask backup` and `flask restore`: a round trip keeps every learner's progress and
certificates, a file that is not a backup is refused, and a backup taken while another
connection writes is consistent. Runs on the database of the run (SQLite, or PostgreSQL in a
schema of its own when TEST_DATABASE_URL is set)."""

import io
import sqlite3
import tarfile
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import create_app
from app.accounts.models import User
from app.catalog.models import Lesson
from app.certificates import operations as certificate_operations
from app.certificates.models import Certificate, CertificateStatus
from app.core.backup import FILES_SUFFIX, BackupError, check_sqlite_backup, restore_files
from app.core.permissions import Role
from app.core.types import utcnow
from app.extensions import db
from app.learning.models import Enrollment, LessonProgress
from app.learning.operations import mark_lesson_done
from app.quizzes.models import AttemptAnswer, QuizAttempt
from tests.conftest import TEST_CONFIG, Browser
from tests.factories import enrolled_learner
from tests.learning_helpers import take_quiz

pytestmark = pytest.mark.slow  # whole databases dumped and restored

# Every table that holds what a learner did, compared row for row after the round trip.
LEARNER_TABLES = (User, Enrollment, LessonProgress, QuizAttempt, AttemptAnswer, Certificate)


@pytest.fixture
def cohort(spring):
    """The example's own cohort: a backup holds the course as its file describes it."""
    return spring


def rows(model) -> list[tuple]:
    """Every row of a table, every column, in primary-key order, as the database holds them."""
    table = model.__table__
    result = db.session.execute(select(table).order_by(*table.primary_key.columns))
    return [tuple(row) for row in result]


def snapshot() -> dict[str, list[tuple]]:
    db.session.expire_all()
    return {model.__tablename__: rows(model) for model in LEARNER_TABLES}


def learner_record(user_id: int) -> dict:
    """What a learner would see of their own progress: lessons done, quiz scores, certificates."""
    done = db.session.scalars(
        select(LessonProgress.lesson_id).where(LessonProgress.user_id == user_id)
    )
    attempts = db.session.execute(
        select(QuizAttempt.quiz_id, QuizAttempt.number, QuizAttempt.score).where(
            QuizAttempt.user_id == user_id
        )
    )
    certificates = db.session.execute(
        select(Certificate.serial, Certificate.status).where(Certificate.user_id == user_id)
    )
    return {
        "lessons": sorted(done),
        "attempts": sorted(tuple(row) for row in attempts),
        "certificates": sorted((serial, str(status)) for serial, status in certificates),
    }


@pytest.fixture
def seeded(app, course, cohort, make_user):
    """Three learners: one with lessons, quizzes and a certificate; one with a revoked
    certificate; one halfway through. Returns their ids."""
    admin = make_user(Role.ADMIN, email="admin@city.example")
    lessons = list(db.session.scalars(select(Lesson).order_by(Lesson.id)))
    ids = []
    for number, email in enumerate(["ana@city.example", "bora@city.example", "chidi@city.example"]):
        user = enrolled_learner(cohort, email=email, name=email.split("@")[0].title())
        for lesson in lessons[: len(lessons) - number]:
            mark_lesson_done(user, lesson, now=utcnow() - timedelta(hours=number + 1))
        db.session.commit()
        ids.append(user.id)
        browser = Browser(app.test_client())
        assert browser.login(email).status_code == 302
        module = course.published_quizzes()[0].module
        assert take_quiz(browser, course, module, right=number != 1).status_code == 302
        if number == 2:
            continue
        enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == user.id))
        enrollment.completed_at = utcnow() - timedelta(days=1)
        user.certificate_name = user.name
        user.certificate_name_confirmed_at = utcnow()
        certificate = certificate_operations.issue_certificate(
            enrollment, actor=admin, now=utcnow()
        )
        db.session.commit()
        assert certificate.serial
        if number == 1:
            certificate_operations.revoke_certificate(
                certificate, actor=admin, reason="Issued by mistake", now=utcnow()
            )
            db.session.commit()
    return ids


def invoke(runner, *args):
    db.session.remove()  # the test's session lets go of the tables, as a stopped app does
    result = runner.invoke(args=[str(arg) for arg in args])
    return result.exit_code, result.output


def test_a_round_trip_keeps_every_learners_progress_and_certificates(app, runner, seeded, tmp_path):
    before = snapshot()
    records = {user_id: learner_record(user_id) for user_id in seeded}
    assert before["lesson_progress"] and before["quiz_attempts"] and before["attempt_answers"]
    statuses = sorted(status for record in records.values() for _, status in record["certificates"])
    assert statuses == ["issued", "revoked"]
    key_folder = tmp_path / "instance" / "certificate-keys"
    keys = {path.name: path.read_bytes() for path in key_folder.iterdir()}
    assert keys, "issuing signs the credential with a key kept in instance/"

    path = tmp_path / "backup.db"
    code, output = invoke(runner, "backup", path)
    assert code == 0, output
    assert f"{path}: " in output
    assert "4 users, " in output  # three learners and the admin
    counts = {table: len(rows) for table, rows in before.items()}
    assert f"{counts['lesson_progress']} lesson progress" in output
    assert f"{counts['quiz_attempts']} quiz attempts, 2 certificates" in output
    assert path.stat().st_mode & 0o077 == 0, "only the owner may read a backup"
    files = path.with_name(path.name + FILES_SUFFIX)
    with tarfile.open(files) as archive:
        assert {f"certificate-keys/{name}" for name in keys} <= set(archive.getnames())

    # Things go wrong: progress and a certificate deleted, a learner gone, a key lost.
    db.session.execute(LessonProgress.__table__.delete())
    db.session.execute(AttemptAnswer.__table__.delete())
    db.session.execute(QuizAttempt.__table__.delete())
    db.session.execute(
        Certificate.__table__.update().values(status=CertificateStatus.REVOKED, serial=None)
    )
    db.session.commit()
    for name in keys:
        (key_folder / name).unlink()
    assert snapshot() != before

    code, output = invoke(runner, "restore", path)
    assert code == 1
    assert "add --yes to confirm" in output
    assert snapshot()["lesson_progress"] == []

    code, output = invoke(runner, "restore", "--yes", path)
    assert code == 0, output
    assert "restored " in output
    assert "2 certificates" in output
    db.session.remove()
    assert snapshot() == before
    assert {user_id: learner_record(user_id) for user_id in seeded} == records
    assert {path.name: path.read_bytes() for path in key_folder.iterdir()} == keys
    # The restored database is the app's again: a learner still logs in and sees their lessons.
    browser = Browser(app.test_client())
    assert browser.login("ana@city.example").status_code == 302


def test_a_backup_does_not_replace_a_file_without_overwrite(runner, app, tmp_path):
    path = tmp_path / "backup.db"
    path.write_text("keep me")
    code, output = invoke(runner, "backup", path)
    assert code == 1
    assert "exists: choose another name or add --overwrite" in output
    assert path.read_text() == "keep me"
    code, output = invoke(runner, "backup", "--overwrite", "--no-files", path)
    assert code == 0, output
    assert not path.with_name(path.name + FILES_SUFFIX).exists()


def test_the_live_sqlite_database_is_neither_a_backup_target_nor_a_backup(runner, seeded):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("a SQLite database is a file")
    live = db.engine.url.database
    before = snapshot()
    code, output = invoke(runner, "backup", "--overwrite", live)
    assert code == 1
    assert "is the database itself" in output
    code, output = invoke(runner, "restore", "--yes", live)
    assert code == 1
    assert "is the database in use, not a backup of it" in output
    assert snapshot() == before


@pytest.mark.parametrize(
    ("content", "sqlite_message"),
    [
        (b"id,name\n1,Ana\n", "is not a SQLite database, so not a backup of this app"),
        (b"SQLite format 3\x00" + b"\x00" * 200, "cannot be read as a SQLite database"),
    ],
)
def test_a_file_that_is_not_a_backup_is_refused_and_nothing_changes(
    runner, seeded, tmp_path, content, sqlite_message
):
    postgres = db.engine.dialect.name == "postgresql"
    message = "is not a pg_dump archive" if postgres else sqlite_message
    before = snapshot()
    path = tmp_path / "not-a-backup.db"
    path.write_bytes(content)
    code, output = invoke(runner, "restore", "--yes", path)
    assert code == 1
    assert message in output
    assert "the database was not changed" in output
    db.session.remove()
    assert snapshot() == before


def test_another_apps_sqlite_database_is_refused(runner, seeded, tmp_path):
    path = tmp_path / "other.sqlite"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)")
    other.commit()
    other.close()
    before = snapshot()
    code, output = invoke(runner, "restore", "--yes", path)
    assert code == 1
    if db.engine.dialect.name == "sqlite":
        assert "is a SQLite database but not one of this app" in output
        assert "certificates" in output
    else:
        assert "is not a pg_dump archive" in output
    db.session.remove()
    assert snapshot() == before


def test_a_sqlite_backup_while_another_connection_writes_is_consistent(app, runner, tmp_path):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the online backup API is SQLite's; pg_dump takes a snapshot of its own")
    live = db.engine.url.database
    stop = threading.Event()
    written = []

    def write():
        # Ten audit events per transaction: a consistent copy holds a multiple of ten.
        writer = sqlite3.connect(live, timeout=30)
        while not stop.is_set():
            with writer:
                for _ in range(10):
                    writer.execute(
                        "INSERT INTO audit_events (occurred_at, action, details) "
                        "VALUES ('2026-01-01 00:00:00.000000', 'test.write', '{}')"
                    )
            written.append(10)
        writer.close()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        copies = []
        for number in range(5):
            path = tmp_path / f"backup-{number}.db"
            code, output = invoke(runner, "backup", "--no-files", path)
            assert code == 0, output
            copies.append(path)
    finally:
        stop.set()
        thread.join()
    assert written, "the writer wrote while the backups ran"
    for path in copies:
        check_sqlite_backup(path)  # intact, and this app's
        copy = sqlite3.connect(path)
        (count,) = copy.execute(
            "SELECT count(*) FROM audit_events WHERE action = 'test.write'"
        ).fetchone()
        copy.close()
        assert count % 10 == 0


@pytest.mark.parametrize(
    "name", ["../outside.pem", "certificate-keys/../../outside.pem", "config.py", "/etc/passwd"]
)
def test_an_instance_archive_with_a_file_outside_its_folders_restores_nothing(tmp_path, name):
    archive_path = tmp_path / "backup.db.files.tar.gz"
    with tarfile.open(archive_path, "w:gz") as archive:
        for entry in ["uploads/1/image.png", name]:
            info = tarfile.TarInfo(entry)
            info.size = 4
            archive.addfile(info, io.BytesIO(b"data"))
    folders = {"certificate-keys": tmp_path / "keys", "uploads": tmp_path / "uploads"}
    with pytest.raises(BackupError, match="nothing restored"):
        restore_files(folders, archive_path)
    assert not (tmp_path / "uploads" / "1" / "image.png").exists()
    assert not (tmp_path / "outside.pem").exists()


def test_a_postgres_backup_of_another_schema_is_refused(
    app, runner, seeded, make_database, tmp_path
):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("schemas are PostgreSQL's")
    other = make_database()  # another schema on the same server, as another instance would use
    other_app = create_app(
        {**TEST_CONFIG, **other.config()}, instance_path=str(tmp_path / "other-instance")
    )
    path = tmp_path / "other.dump"
    with other_app.app_context():
        db.create_all()
        result = other_app.test_cli_runner().invoke(args=["backup", "--no-files", str(path)])
        db.engine.dispose()
    assert result.exit_code == 0, result.output
    before = snapshot()
    code, output = invoke(runner, "restore", "--yes", path)
    assert code == 1
    other_schema = other.engine_options["connect_args"]["options"].split("=")[1]
    assert f"holds the schema {other_schema}, but this app uses" in output
    assert "the database was not changed" in output
    assert snapshot() == before
