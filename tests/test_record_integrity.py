"""Records cannot lie on SQLite either: foreign keys hold, ids never come back, orphans are found.

Issue #20: a deleted account's certificate kept pointing at its enrolment's id, which SQLite then
gave to the next enrolment, so a stranger's certificate showed as the newcomer's.
"""

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import create_app
from app.accounts.models import User
from app.accounts.operations import create_user, delete_account
from app.assignments.models import PeerReview, Submission
from app.catalog.content.reader import read_course
from app.catalog.models import Assignment, AssignmentDates, Cohort, TextTranslation
from app.catalog.operations import import_course
from app.certificates import operations
from app.certificates.models import Certificate, CertificatePdf, CertificateStatus, StatusEntry
from app.core.integrity import find_orphans, joined_orphans, references
from app.core.mail import OutgoingMail
from app.core.permissions import Role
from app.core.types import utcnow
from app.extensions import db
from app.learning.models import Enrollment, LessonProgress
from app.learning.operations import enrol
from app.quizzes.models import QuizBest
from tests.conftest import EXAMPLE_COURSE, TEST_CONFIG
from tests.factories import enrolled_learner
from tests.test_pages import visible_text

pytestmark = pytest.mark.slow  # databases upgraded from old schemas
ASSIGNMENT_MODELS = (Assignment, AssignmentDates, Submission, PeerReview)


def completed(user: User, cohort: Cohort, *, now) -> Enrollment:
    """The user's enrolment in the cohort, completed, with the certificate name confirmed."""
    enrollment = db.session.scalar(
        select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.cohort_id == cohort.id)
    )
    enrollment.completed_at = now - timedelta(days=1)
    user.certificate_name = user.name
    user.certificate_name_confirmed_at = now
    db.session.commit()
    return enrollment


def test_a_deleted_learners_certificate_never_becomes_a_newcomers(
    imported_example, make_user, browser, client
):
    now = utcnow()
    cohort = next(c for c in imported_example.cohorts if c.slug == "2027-spring")
    admin = make_user(Role.ADMIN, email="admin@city.example")
    leaver = enrolled_learner(cohort, email="leaver@city.example", name="Leila Haddad")
    old_enrollment = completed(leaver, cohort, now=now)
    old_id = old_enrollment.id
    certificate = operations.issue_certificate(old_enrollment, actor=admin, now=now)
    db.session.commit()
    serial = certificate.display_serial

    delete_account(leaver)
    db.session.commit()
    db.session.expire_all()
    # The certificate stays, as the account page promises, detached from the erased enrolment.
    kept = db.session.get(Certificate, certificate.id)
    assert (kept.status, kept.enrollment_id, kept.current_for_enrollment_id) == (
        CertificateStatus.ISSUED,
        None,
        None,
    )

    newcomer = enrolled_learner(cohort, email="new@city.example", name="Nuno Costa")
    enrollment = completed(newcomer, cohort, now=now)
    assert enrollment.id != old_id

    browser.login(newcomer.email)
    dashboard = visible_text(browser.client.get("/dashboard").text)
    assert serial not in dashboard and "Leila Haddad" not in dashboard
    assert "The course team issues certificates after checking completions" in dashboard
    verified = visible_text(client.get(f"/verify/{serial}").text)
    assert "Leila Haddad" in verified and "Nuno Costa" not in verified

    issued = operations.issue_certificate(enrollment, actor=admin, now=now)
    db.session.commit()
    assert issued is not None and issued.holder_name == "Nuno Costa"
    assert issued.display_serial in visible_text(browser.client.get("/dashboard").text)


def test_a_row_pointing_at_no_row_is_refused(app, make_user):
    missing = (db.session.scalar(select(func.max(User.id))) or 0) + 1000
    cohort_id = (db.session.scalar(select(func.max(Cohort.id))) or 0) + 1000
    db.session.add(Enrollment(user_id=missing, cohort_id=cohort_id, enrolled_at=utcnow()))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 0


def test_the_integrity_command_says_when_every_reference_holds(imported_example, runner):
    result = runner.invoke(args=["integrity"])
    assert result.exit_code == 0, result.output
    assert "every reference between records points at a record" in result.output


# Migration 0010 on databases made before it

ACTIVITY_COLUMNS = ("last_active_at", "nudged_at")  # enrollments' columns of 0015
COUNTER_COLUMNS = ("lessons_done", "sessions_attended")  # enrollments' counters (0023)
TRANSLATION_COLUMNS = (("certificates", "text_language"), ("lesson_translations", "made_from"))


@pytest.fixture
def old_database(make_database, tmp_path):
    """An app on a database of its own at revision 0009, with a course, people, a certificate."""
    database = make_database()
    app = create_app({**TEST_CONFIG, **database.config()}, instance_path=str(tmp_path / "old"))
    upgraded = app.test_cli_runner().invoke(args=["db", "upgrade", "0009"])
    assert upgraded.exit_code == 0, upgraded.output
    with app.app_context():
        # Today's code gives each certificate it signs a status entry (a table of 0011) and a
        # JSON-LD credential (a column of 0012), writes its mail to outgoing_mail (0013, 0014)
        # and reads an enrolment's last step (0015): people_with_certificates drops them
        # again before the test upgrades.
        StatusEntry.__table__.create(db.engine)
        OutgoingMail.__table__.create(db.engine)
        # The example course has an assignment (0020 makes its tables).
        for model in ASSIGNMENT_MODELS:
            model.__table__.create(db.engine)
        # The import and the certificates read translations (0021); the worker stores each
        # certificate's PDF (0022).
        TextTranslation.__table__.create(db.engine)
        CertificatePdf.__table__.create(db.engine)
        # The steps keep the progress report's counters (0023).
        QuizBest.__table__.create(db.engine)
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE certificates ADD COLUMN credential_ld TEXT")
            for table, column in TRANSLATION_COLUMNS:
                connection.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} TEXT")
            for column in ACTIVITY_COLUMNS:
                connection.exec_driver_sql(f"ALTER TABLE enrollments ADD COLUMN {column} TEXT")
            for column in COUNTER_COLUMNS:
                connection.exec_driver_sql(
                    f"ALTER TABLE enrollments ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0"
                )
        source, problems = read_course(EXAMPLE_COURSE)
        assert problems == []
        course, _ = import_course(source)
        yield app, course
        db.session.remove()
        db.engine.dispose()


def people_with_certificates(course, emails: list[str]) -> list[tuple[int, int, int]]:
    """Enrol, complete and certify each person; the ids of their account, enrolment, certificate."""
    now = utcnow()
    cohort = next(c for c in course.cohorts if c.slug == "2027-spring")
    admin = create_user("admin@city.example", "a long password 1", role=Role.ADMIN, name="Admin")
    found = []
    for email in emails:
        user = create_user(email, "a long password 1", name=email.split("@")[0].title())
        enrol(user, cohort)
        db.session.flush()
        enrollment = completed(user, cohort, now=now)
        certificate = operations.issue_certificate(enrollment, actor=admin, now=now)
        db.session.commit()
        found.append((user.id, enrollment.id, certificate.id))
    db.session.remove()
    # As a database at 0009 is: 0011 to 0015 make these.
    StatusEntry.__table__.drop(db.engine)
    OutgoingMail.__table__.drop(db.engine)
    for model in reversed(ASSIGNMENT_MODELS):
        model.__table__.drop(db.engine)
    TextTranslation.__table__.drop(db.engine)
    CertificatePdf.__table__.drop(db.engine)
    QuizBest.__table__.drop(db.engine)
    with db.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE certificates DROP COLUMN credential_ld")
        for table, column in TRANSLATION_COLUMNS:
            connection.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
        for column in (*ACTIVITY_COLUMNS, *COUNTER_COLUMNS):
            connection.exec_driver_sql(f"ALTER TABLE enrollments DROP COLUMN {column}")
    return found


def test_upgrading_keeps_every_record_and_its_links(old_database):
    app, course = old_database
    [(user_id, enrollment_id, certificate_id)] = people_with_certificates(
        course, ["ana@city.example"]
    )
    db.session.remove()
    # From 0008 too (going down rebuilds the users table, which every other table points at).
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "downgrade", "0008"]).exit_code == 0

    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "0010: every reference between records points at a record" in result.output
    assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 1
    certificate = db.session.get(Certificate, certificate_id)
    assert certificate.current_for_enrollment_id == enrollment_id
    assert certificate.user_id == user_id and certificate.status == CertificateStatus.ISSUED
    assert runner.invoke(args=["integrity"]).exit_code == 0


def test_upgrading_reports_and_repairs_the_orphans_sqlite_left(old_database):
    app, course = old_database
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has always enforced foreign keys: it cannot hold orphans")
    cohort_id = next(c.id for c in course.cohorts if c.slug == "2027-spring")
    lesson_id = course.modules[0].lessons[0].id
    (_, left, leaver_certificate), (gone, gone_enrollment, gone_certificate) = (
        people_with_certificates(course, ["leaver@city.example", "gone@city.example"])
    )
    db.session.add(LessonProgress(user_id=gone, lesson_id=lesson_id, completed_at=utcnow()))
    db.session.commit()
    progress_id = db.session.scalar(select(LessonProgress.id))
    assert gone_enrollment > left
    db.session.remove()
    # What the app did before foreign keys were enforced: an enrolment erased under its
    # certificate, and (by hand, in a database tool) an account removed outright.
    raw = sqlite3.connect(Path(db.engine.url.database))
    raw.execute("DELETE FROM enrollments WHERE id IN (?, ?)", (left, gone_enrollment))
    raw.execute("DELETE FROM users WHERE id = ?", (gone,))
    raw.commit()
    raw.close()

    with db.engine.connect() as connection:
        # PostgreSQL's way (a LEFT JOIN per key) finds what SQLite's own check finds.
        found = find_orphans(connection)
        keys = references(connection)
        joined = sorted(o for key in keys for o in joined_orphans(connection, key))
    assert joined == found and len(found) > 4

    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    report = result.output
    assert "0010: records that point at records that do not exist:" in report
    for line in [
        f"certificates {leaver_certificate}: enrollment_id = {left}, but enrollments has no "
        f"row {left}: set to NULL; the row is kept",
        f"certificates {leaver_certificate}: current_for_enrollment_id = {left}, but "
        f"enrollments has no row {left}: set to NULL; the row is kept",
        f"certificates {gone_certificate}: user_id = {gone}, but users has no row {gone}: "
        "kept: a required reference, for an admin to look at (flask integrity)",
        f"lesson_progress {progress_id}: user_id = {gone}, but users has no row {gone}: "
        "removed, as its ON DELETE CASCADE rule says",
    ]:
        assert f"  {line}\n" in report
    assert "  audit_events " in report and "kept: the audit log is never changed" in report

    # The certificates are kept, detached; the progress of nobody is gone.
    leaver_row = db.session.get(Certificate, leaver_certificate)
    assert leaver_row.status == CertificateStatus.ISSUED
    assert (leaver_row.enrollment_id, leaver_row.current_for_enrollment_id) == (None, None)
    assert db.session.get(Certificate, gone_certificate).enrollment_id is None
    assert db.session.get(LessonProgress, progress_id) is None
    left_over = {(o.table, o.column) for o in find_orphans(db.session.connection())}
    assert left_over == {("certificates", "user_id"), ("audit_events", "actor_id")}
    checked = app.test_cli_runner().invoke(args=["integrity"])
    assert checked.exit_code == 1
    assert f"certificates {gone_certificate}: user_id = {gone}" in checked.output

    # The erased rows' ids are never given again.
    newcomer = create_user("new@city.example", "a long password 1", name="Newcomer")
    enrollment = enrol(newcomer, db.session.get(Cohort, cohort_id))
    db.session.flush()
    assert newcomer.id > gone
    assert enrollment.id > gone_enrollment
