"""The `flask` command groups: course and user."""

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from app.accounts.operations import DEFAULT_ADMIN_EMAIL, ensure_admin
from app.catalog.content.exporter import ExportError, export_course
from app.catalog.content.reader import read_course
from app.catalog.models import Course
from app.catalog.operations import import_course
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


@course_cli.command("import")
@click.argument("path", type=COURSE_PATH)
def import_command(path: Path) -> None:
    """Validate a course folder, then add or update it in the database in one transaction."""
    source = _read_or_exit(path)
    try:
        course, report = import_course(source)
        db.session.commit()
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
        written = export_course(course, path, overwrite=overwrite)
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


def register_cli(app: Flask) -> None:
    app.cli.add_command(course_cli)
    app.cli.add_command(user_cli)
