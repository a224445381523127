"""The `flask` command groups: course and user."""

import secrets
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.operations import (
    DEFAULT_ADMIN_EMAIL,
    AccountError,
    create_user,
    ensure_admin,
    find_user_by_email,
    set_role,
)
from app.authoring.queries import uploaded_files
from app.catalog.content.exporter import ExportError, export_course
from app.catalog.content.reader import read_course
from app.catalog.content.schema import NUMBERED
from app.catalog.content.translations import (
    file_revision,
    original_of,
    report_lines,
    stamp,
    text_files,
)
from app.catalog.models import Course
from app.catalog.operations import ImportConflicts, import_course, set_staffed_courses
from app.core.permissions import Role
from app.extensions import db

course_cli = AppGroup("course", help="Check, import and export courses kept as files.")
user_cli = AppGroup("user", help="Manage accounts.")

COURSE_PATH = click.Path(file_okay=False, path_type=Path)


def _read_or_exit(path: Path):
    if not path.is_dir():
        raise click.ClickException(f"{path} is not a folder")
    source, problems = read_course(path)
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        count = len(problems)
        raise click.ClickException(f"{path}: {count} problem{'s' if count != 1 else ''} found")
    return source


@course_cli.command("validate")
@click.argument("path", type=COURSE_PATH)
def validate_command(path: Path) -> None:
    """Check a course folder; list every problem as file:line: message."""
    source = _read_or_exit(path)
    click.echo(f"{path}: valid: {source.summary_line()}")
    for line in report_lines(text_files(path), source.languages):
        click.echo(line)


@course_cli.command("mark-translated")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def mark_translated_command(files: tuple[Path, ...]) -> None:
    """Record in each translation file that it follows its original as it is now (its
    `translated_from`): run it once a translation says what its original says."""
    for path in files:
        # A module's files are named with their folder ('01-care/quiz.yaml'), the course's not.
        inside = (
            f"{path.parent.name}/{path.name}" if NUMBERED.match(path.parent.name) else path.name
        )
        found = original_of(inside)
        original = path.with_name(found[0].rpartition("/")[2]) if found else None
        if original is None or not path.is_file() or not original.is_file():
            raise click.ClickException(
                f"{path}: not a translation beside its original "
                "(such as quiz.es.yaml beside quiz.yaml)"
            )
        revision = file_revision(found[0], original.read_text(encoding="utf-8"))
        text = path.read_text(encoding="utf-8")
        path.write_text(stamp(path.name, text, revision), encoding="utf-8")
        click.echo(f"{path}: translated_from: {revision}")


@course_cli.command("import")
@click.argument("path", type=COURSE_PATH)
@click.option(
    "--actor",
    metavar="EMAIL",
    help="The account the audit log names for the changes (without it: the system).",
)
def import_command(path: Path, actor: str | None) -> None:
    """Validate a course folder, then add or update it in the database in one transaction.

    Changes the editors refuse (such as moving a session learners took part in) are listed
    as file:line: message, and nothing is imported.
    """
    user = _user_or_exit(actor) if actor else None
    source = _read_or_exit(path)
    try:
        course, report = import_course(source, actor=user)
        db.session.commit()
    except ImportConflicts as conflicts:
        db.session.rollback()
        for problem in conflicts.problems:
            click.echo(str(problem), err=True)
        count = len(conflicts.problems)
        raise click.ClickException(
            f"{path}: {count} change{'s' if count != 1 else ''} refused; nothing was imported"
        ) from None
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"{path}: imported course '{course.slug}': {source.summary_line()}")
    for line in report.lines():
        click.echo(f"  {line}")


@course_cli.command("export")
@click.argument("slug")
@click.argument("path", type=COURSE_PATH)
@click.option("--overwrite", is_flag=True, help="Replace the course files already in PATH.")
def export_command(slug: str, path: Path, overwrite: bool) -> None:
    """Write the course SLUG from the database to files in PATH."""
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise click.ClickException(f"there is no course '{slug}'")
    try:
        uploads = uploaded_files(course.id, current_app.config["UPLOAD_FOLDER"])
        written = export_course(course, path, overwrite=overwrite, uploads=uploads)
    except ExportError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"exported course '{slug}' to {path}: {len(written)} files")


@user_cli.command("ensure-admin")
@click.option("--email", default=DEFAULT_ADMIN_EMAIL, show_default=True)
def ensure_admin_command(email: str) -> None:
    """Create an admin account with a generated password if there is no admin yet."""
    admin, password = ensure_admin(email)
    db.session.commit()
    if password is None:
        click.echo(f"admin account: {admin.email} (already exists)")
        return
    click.echo("Created the admin account. Its password is shown only this once:")
    click.echo(f"  e-mail:   {admin.email}")
    click.echo(f"  password: {password}")


ROLE_CHOICE = click.Choice([role.value for role in Role])


def _user_or_exit(email: str) -> User:
    user = find_user_by_email(email)
    if user is None or user.is_deleted:
        raise click.ClickException(f"there is no account with the e-mail address {email}")
    return user


def _courses_or_exit(slugs: tuple[str, ...]) -> list[Course]:
    courses = []
    for slug in slugs:
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        if course is None:
            raise click.ClickException(f"there is no course '{slug}'")
        courses.append(course)
    return courses


@user_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The person's full name.")
@click.option("--role", type=ROLE_CHOICE, default=Role.LEARNER.value, show_default=True)
@click.option(
    "--course",
    "courses",
    multiple=True,
    metavar="SLUG",
    help="A course an instructor teaches (repeat for several).",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input instead of generating one.",
)
def create_user_command(
    email: str, name: str, role: str, courses: tuple[str, ...], password_stdin: bool
) -> None:
    """Create an account; without --password-stdin a password is generated and shown once."""
    if courses and role != Role.INSTRUCTOR.value:
        raise click.ClickException("--course is for instructors: add --role instructor")
    taught = _courses_or_exit(courses)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        shown = None
    else:
        password = shown = secrets.token_urlsafe(15)
    try:
        user = create_user(email, password, name=name, role=Role(role))
        set_staffed_courses(user, taught, actor=None)
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(
        f"created {user.role.value} {user.email}"
        + (f", teaching {', '.join(courses)}" if courses else "")
    )
    if shown:
        click.echo(f"  password (shown only this once): {shown}")


@user_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=ROLE_CHOICE)
@click.option(
    "--course",
    "courses",
    multiple=True,
    metavar="SLUG",
    help="For instructors: the courses they teach (replaces the current list).",
)
def set_role_command(email: str, role: str, courses: tuple[str, ...]) -> None:
    """Change an account's role (and, for instructors, the courses they teach)."""
    if courses and role != Role.INSTRUCTOR.value:
        raise click.ClickException("--course is for instructors")
    user = _user_or_exit(email)
    taught = _courses_or_exit(courses)
    try:
        set_role(user, Role(role), actor=None)
        if courses or role != Role.INSTRUCTOR.value:
            set_staffed_courses(user, taught, actor=None)
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    taught = sorted(membership.course.slug for membership in user.staff_memberships)
    click.echo(
        f"{user.email} is now {user.role.value}"
        + (f", teaching {', '.join(taught)}" if taught else "")
    )


@user_cli.command("list")
@click.option("--role", type=ROLE_CHOICE, help="Only accounts with this role.")
def list_users_command(role: str | None) -> None:
    """List the accounts: e-mail, role, state, name and courses taught."""
    statement = select(User).where(User.deleted_at.is_(None)).order_by(User.email)
    if role:
        statement = statement.where(User.role == Role(role))
    users = list(db.session.scalars(statement))
    if not users:
        click.echo("no accounts" + (f" with the role {role}" if role else ""))
        return
    for user in users:
        taught = ",".join(sorted(m.course.slug for m in user.staff_memberships))
        state = "active" if user.is_active else "deactivated"
        click.echo(f"{user.email}\t{user.role.value}\t{state}\t{user.name}\t{taught}".rstrip())


def register_cli(app: Flask) -> None:
    from app.authoring.report_cli import reports_cli
    from app.certificates.cli import certificates_cli
    from app.core.backup import backup_command, restore_command
    from app.core.integrity import integrity_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(integrity_command)
    app.cli.add_command(course_cli)
    app.cli.add_command(user_cli)
    app.cli.add_command(certificates_cli)
    app.cli.add_command(reports_cli)
