"""Backing up and restoring the database (and the instance files that go with it).

SQLite: the online backup API copies a consistent snapshot while the app keeps running; a
restore checks the file first (a SQLite database with this app's tables, intact), then copies it
into the live database with the same API, in one transaction, so a half-restored database is
never seen and the server's open connections read the restored data (renaming a file over a
live database would leave them on the old file, and its -wal/-journal files beside the new one).

PostgreSQL: pg_dump -Fc (only the schema in use when the connection sets a search_path) and
pg_restore --clean --if-exists --single-transaction, with the client tools found on PATH.

The certificate signing keys and uploaded images live in instance/, not in the database: they
go in a tar.gz beside the backup (PATH.files.tar.gz, mode 0600, as the database file is).
"""

import os
import re
import shutil
import sqlite3
import subprocess  # nosec B404: runs pg_dump/pg_restore with argument lists, never a shell
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import Engine, text

from app.extensions import db

# The tables whose rows a backup reports, and those a file must hold to be this app's database.
COUNTED = {
    "users": "SELECT count(*) FROM users",
    "lesson_progress": "SELECT count(*) FROM lesson_progress",
    "quiz_attempts": "SELECT count(*) FROM quiz_attempts",
    "certificates": "SELECT count(*) FROM certificates",
}
REQUIRED_TABLES = {"users", "courses", "lessons", "lesson_progress", "certificates"}
SQLITE_HEADER = b"SQLite format 3\x00"
FILES_SUFFIX = ".files.tar.gz"
SEARCH_PATH = re.compile(r"-c\s*search_path\s*=\s*([^\s,]+)")


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass
class Report:
    path: Path
    size: int
    counts: dict[str, int]
    revision: str | None = None
    files_path: Path | None = None
    files: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        counted = ", ".join(
            f"{count} {name.replace('_', ' ')}" for name, count in self.counts.items()
        )
        lines = [f"{self.path}: {human_size(self.size)}: {counted}"]
        if self.revision:
            lines.append(f"  schema revision {self.revision}")
        if self.files_path:
            lines.append(f"  instance files: {self.files_path} ({len(self.files)} files)")
        return lines


def human_size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)  # pragma: no cover


def private_file(path: Path) -> None:
    """A backup holds password hashes and signing keys: only its owner may read it."""
    os.chmod(path, 0o600)


# -- SQLite -----------------------------------------------------------------------------------


def sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"cannot back up the SQLite database {engine.url!r}: it is not a file")
    return Path(database)


def _read_only(path: Path | str) -> sqlite3.Connection:
    # A URI, so that SQLite never creates or changes the file it reads (as_uri quotes ? and #).
    return sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)


def _sqlite_tables(connection: sqlite3.Connection) -> set[str]:
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {name for (name,) in rows}


def _sqlite_counts(connection: sqlite3.Connection) -> dict[str, int]:
    return {name: connection.execute(query).fetchone()[0] for name, query in COUNTED.items()}


def _sqlite_revision(connection: sqlite3.Connection) -> str | None:
    if "alembic_version" not in _sqlite_tables(connection):
        return None
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def check_sqlite_backup(path: Path) -> tuple[dict[str, int], str | None]:
    """Refuse a file that is not an intact SQLite database of this app; its counts otherwise."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    with path.open("rb") as handle:
        if handle.read(16) != SQLITE_HEADER:
            raise BackupError(f"{path} is not a SQLite database, so not a backup of this app")
    connection = _read_only(path)
    try:
        tables = _sqlite_tables(connection)
        missing = REQUIRED_TABLES - tables
        if missing:
            raise BackupError(
                f"{path} is a SQLite database but not one of this app "
                f"(it has no {', '.join(sorted(missing))} table)"
            )
        (verdict,) = connection.execute("PRAGMA quick_check").fetchone()
        if verdict != "ok":
            raise BackupError(f"{path} is damaged (SQLite quick_check: {verdict})")
        return _sqlite_counts(connection), _sqlite_revision(connection)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} cannot be read as a SQLite database: {error}") from error
    finally:
        connection.close()


def backup_sqlite(engine: Engine, target: Path) -> Report:
    source_path = sqlite_path(engine)
    if not source_path.exists():
        raise BackupError(f"there is no database at {source_path} yet")
    if target.resolve() == source_path.resolve():
        raise BackupError(f"{target} is the database itself: back it up to another file")
    # Written beside the target, then renamed: an interrupted backup never leaves half a file.
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".backup-", suffix=".tmp")
    os.close(descriptor)
    try:
        source = _read_only(source_path)
        copy = sqlite3.connect(temporary)
        try:
            source.backup(copy)  # one step: a consistent snapshot, even while others write
        finally:
            copy.close()
            source.close()
        private_file(Path(temporary))
        counts, revision = check_sqlite_backup(Path(temporary))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Report(target, target.stat().st_size, counts, revision)


def restore_sqlite(engine: Engine, source_path: Path) -> Report:
    target_path = sqlite_path(engine)
    if target_path.exists() and source_path.resolve() == target_path.resolve():
        raise BackupError(f"{source_path} is the database in use, not a backup of it")
    counts, revision = check_sqlite_backup(source_path)
    engine.dispose()  # the app's own pooled connections would hold the old pages
    source = _read_only(source_path)
    target = sqlite3.connect(target_path, timeout=30)
    try:
        source.backup(target)
    except sqlite3.OperationalError as error:
        raise BackupError(
            f"could not write {target_path}: {error} (stop the app and retry)"
        ) from error
    finally:
        target.close()
        source.close()
    return Report(source_path, source_path.stat().st_size, counts, revision)


# -- PostgreSQL -------------------------------------------------------------------------------


def search_path_schema(engine: Engine, connect_args: dict) -> str | None:
    """The schema to dump when the connection sets a search_path (None: the whole database)."""
    options = " ".join(
        str(value)
        for value in (connect_args.get("options"), engine.url.query.get("options"))
        if value
    )
    if not SEARCH_PATH.search(options):
        return None
    with engine.connect() as connection:
        return connection.scalar(text("SELECT current_schema()"))


def client_tool(name: str, server_major: int) -> str:
    """The pg_dump/pg_restore on PATH (or Debian's for the server's version), checked."""
    found = shutil.which(name) or shutil.which(name, path=f"/usr/lib/postgresql/{server_major}/bin")
    if not found:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools for version "
            f"{server_major} (Debian: apt install postgresql-client-{server_major})"
        )
    output = _tool([found, "--version"]).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    major = int(match.group(1)) if match else 0
    if major < server_major:
        raise BackupError(
            f"{found} is version {major} but the server is PostgreSQL {server_major}: "
            f"install postgresql-client-{server_major} (pg_dump cannot read a newer server)"
        )
    return found


def _libpq(engine: Engine) -> tuple[list[str], dict[str, str]]:
    url = engine.url
    arguments = ["--dbname", url.database or "postgres"]
    if url.host:
        arguments += ["--host", url.host]
    if url.port:
        arguments += ["--port", str(url.port)]
    if url.username:
        arguments += ["--username", url.username]
    environment = {**os.environ}
    if url.password:
        environment["PGPASSWORD"] = str(url.password)  # not on the command line, seen by ps
    if url.query.get("sslmode"):
        environment["PGSSLMODE"] = str(url.query["sslmode"])
    return arguments, environment


def _server_major(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text("SHOW server_version_num"))) // 10000


def _postgres_counts(engine: Engine) -> tuple[dict[str, int], str | None]:
    with engine.connect() as connection:
        counts = {name: connection.scalar(text(query)) for name, query in COUNTED.items()}
        revision = None
        if connection.scalar(text("SELECT to_regclass('alembic_version')")) is not None:
            revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
    return counts, revision


def _tool(command: list[str], environment: dict[str, str] | None = None):
    """Run a PostgreSQL client tool: an argument list from config and PATH, no shell."""
    return subprocess.run(  # noqa: S603  # nosec B603
        command, capture_output=True, text=True, env=environment, check=False
    )


def _run(command: list[str], environment: dict[str, str]) -> None:
    finished = _tool(command, environment)
    if finished.returncode != 0:
        detail = finished.stderr.strip()
        if "lock timeout" in detail:
            detail += " (another connection is using the database: stop the app and retry)"
        raise BackupError(f"{Path(command[0]).name} failed: {detail}")


def backup_postgres(engine: Engine, target: Path, connect_args: dict) -> Report:
    major = _server_major(engine)
    pg_dump = client_tool("pg_dump", major)
    schema = search_path_schema(engine, connect_args)
    arguments, environment = _libpq(engine)
    temporary = target.with_name(f".{target.name}.tmp")
    command = [pg_dump, "--format=custom", "--file", str(temporary), *arguments]
    if schema:
        command += ["--schema", schema]
    try:
        _run(command, environment)
        private_file(temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    counts, revision = _postgres_counts(engine)
    return Report(target, target.stat().st_size, counts, revision)


def restore_postgres(engine: Engine, source_path: Path, connect_args: dict) -> Report:
    if not source_path.is_file():
        raise BackupError(f"{source_path} is not a file")
    major = _server_major(engine)
    pg_restore = client_tool("pg_restore", major)
    listing = _tool([pg_restore, "--list", str(source_path)])
    if listing.returncode != 0:
        raise BackupError(f"{source_path} is not a pg_dump archive (pg_restore cannot list it)")
    tables = {}
    for match in re.finditer(r" TABLE (\S+) (\S+) ", listing.stdout):
        tables[match.group(2)] = match.group(1)
    missing = REQUIRED_TABLES - set(tables)
    if missing:
        raise BackupError(
            f"{source_path} is a pg_dump archive but not of this app "
            f"(it has no {', '.join(sorted(missing))} table)"
        )
    schema = search_path_schema(engine, connect_args) or "public"
    if tables["users"] != schema:
        raise BackupError(
            f"{source_path} holds the schema {tables['users']}, but this app uses {schema}"
        )
    arguments, environment = _libpq(engine)
    # A connection that keeps a table open (a running app) would make pg_restore wait for ever.
    environment["PGOPTIONS"] = f"{environment.get('PGOPTIONS', '')} -c lock_timeout=30s".strip()
    engine.dispose()
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            *arguments,
            str(source_path),
        ],
        environment,
    )
    counts, revision = _postgres_counts(engine)
    return Report(source_path, source_path.stat().st_size, counts, revision)


# -- Instance files ---------------------------------------------------------------------------


def files_path_for(path: Path) -> Path:
    return path.with_name(path.name + FILES_SUFFIX)


def backup_files(folders: dict[str, Path], target: Path) -> list[str]:
    """Put each folder that exists in a tar.gz under its name (certificate-keys, uploads)."""
    names = []
    temporary = target.with_name(f".{target.name}.tmp")
    try:
        with tarfile.open(temporary, "w:gz") as archive:
            private_file(temporary)
            for name, folder in folders.items():
                if not folder.is_dir():
                    continue
                for file in sorted(p for p in folder.rglob("*") if p.is_file()):
                    arcname = f"{name}/{file.relative_to(folder).as_posix()}"
                    archive.add(file, arcname=arcname)
                    names.append(arcname)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return names


def restore_files(folders: dict[str, Path], source: Path) -> list[str]:
    """Put the archive's files back in their folders (files not in it are left alone)."""
    restored = []
    with tarfile.open(source, "r:gz") as archive:
        # Every entry is checked before any is written: a bad archive restores nothing.
        checked = []
        for member in archive.getmembers():
            name, _, rest = member.name.partition("/")
            if name not in folders or not member.isfile() or not rest:
                raise BackupError(f"{source}: unexpected entry {member.name!r}; nothing restored")
            try:
                # The "data" filter refuses absolute paths, "..", links and device files.
                safe = tarfile.data_filter(member.replace(name=rest), str(folders[name]))
            except tarfile.FilterError as error:
                raise BackupError(f"{source}: {error}; nothing restored") from error
            checked.append((name, safe))
        for name, member in checked:
            folder = folders[name]
            folder.mkdir(parents=True, exist_ok=True)
            archive.extract(member, folder, filter="data")
            restored.append(f"{name}/{member.name}")
    key_folder = folders.get("certificate-keys")
    if key_folder and key_folder.is_dir():
        for key in key_folder.rglob("*"):
            if key.is_file():
                private_file(key)
    return restored


# -- The commands ---------------------------------------------------------------------------


def _engine_and_args() -> tuple[Engine, dict]:
    options = current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}
    return db.engine, dict(options.get("connect_args") or {})


def _instance_folders() -> dict[str, Path]:
    return {
        "certificate-keys": Path(current_app.config["CERTIFICATE_KEY_FOLDER"]),
        "uploads": Path(current_app.config["UPLOAD_FOLDER"]),
    }


BACKUP_PATH = click.Path(dir_okay=False, path_type=Path)


@click.command("backup")
@click.argument("path", type=BACKUP_PATH)
@click.option("--overwrite", is_flag=True, help="Replace PATH if it exists.")
@click.option(
    "--no-files", is_flag=True, help="Leave out the signing keys and uploads (PATH.files.tar.gz)."
)
@with_appcontext
def backup_command(path: Path, overwrite: bool, no_files: bool) -> None:
    """Back up the database to PATH (safe while the app runs), and instance files beside it."""
    if path.exists() and not overwrite:
        raise click.ClickException(f"{path} exists: choose another name or add --overwrite")
    if not path.parent.is_dir():
        raise click.ClickException(f"there is no folder {path.parent}")
    engine, connect_args = _engine_and_args()
    try:
        if engine.dialect.name == "sqlite":
            report = backup_sqlite(engine, path)
        elif engine.dialect.name == "postgresql":
            report = backup_postgres(engine, path, connect_args)
        else:
            raise BackupError(f"cannot back up a {engine.dialect.name} database")
        if not no_files:
            report.files_path = files_path_for(path)
            report.files = backup_files(_instance_folders(), report.files_path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"backed up the {engine.dialect.name} database")
    for line in report.lines():
        click.echo(line)


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the database without asking.")
@click.option("--no-files", is_flag=True, help="Leave the instance files as they are.")
@with_appcontext
def restore_command(path: Path, yes: bool, no_files: bool) -> None:
    """Replace the whole database with the backup in PATH (stop the app first)."""
    engine, connect_args = _engine_and_args()
    where = engine.url.render_as_string(hide_password=True)
    if not yes:
        if not sys.stdin.isatty():
            raise click.ClickException(
                f"restoring replaces everything in {where}: add --yes to confirm"
            )
        click.confirm(f"Replace everything in {where} with {path}?", abort=True)
    db.session.remove()  # this command's own session must not hold the tables it replaces
    try:
        if engine.dialect.name == "sqlite":
            report = restore_sqlite(engine, path)
        elif engine.dialect.name == "postgresql":
            report = restore_postgres(engine, path, connect_args)
        else:
            raise BackupError(f"cannot restore a {engine.dialect.name} database")
        files = files_path_for(path)
        if not no_files and files.is_file():
            report.files_path = files
            report.files = restore_files(_instance_folders(), files)
    except BackupError as error:
        raise click.ClickException(f"{error}; the database was not changed") from error
    click.echo(f"restored {where}")
    for line in report.lines():
        click.echo(line)
    if report.revision:
        click.echo("  run `flask --app app db upgrade` if the backup is older than this version")
