"""Rows whose foreign keys point at no row ("orphans"), found on SQLite and PostgreSQL.

The check reads the keys the database itself declares, not the models, so migration 0010 can
use it on a database of any age. SQLite answers with `PRAGMA foreign_key_check` (it knows its
keys even on connections that did not enforce them); elsewhere one LEFT JOIN per key asks.
`flask integrity` runs the same check at any time and exits with 1 when it finds an orphan.
"""

from dataclasses import dataclass

import click
from flask.cli import with_appcontext
from sqlalchemy import Connection, column, inspect, select, table

from app.extensions import db

SKIPPED_TABLES = {"alembic_version", "sqlite_sequence"}


@dataclass(frozen=True, order=True)
class Orphan:
    """One row whose `column` holds `target_id`, which `target_table` has no row for."""

    table: str
    row_id: int
    column: str
    target_table: str
    target_id: int
    on_delete: str  # the key's ON DELETE rule, upper case: CASCADE, SET NULL or NO ACTION
    nullable: bool

    def __str__(self) -> str:
        return (
            f"{self.table} {self.row_id}: {self.column} = {self.target_id}, "
            f"but {self.target_table} has no row {self.target_id}"
        )


@dataclass(frozen=True)
class Reference:
    table: str
    column: str
    target_table: str
    target_column: str
    on_delete: str
    nullable: bool


def references(connection: Connection) -> list[Reference]:
    """Every single-column foreign key the database declares (this app declares no others)."""
    inspector = inspect(connection)
    keys = []
    for name in sorted(set(inspector.get_table_names()) - SKIPPED_TABLES):
        nullable = {c["name"]: c["nullable"] for c in inspector.get_columns(name)}
        for key in inspector.get_foreign_keys(name):
            (local,) = key["constrained_columns"]
            (remote,) = key["referred_columns"]
            on_delete = (key.get("options", {}).get("ondelete") or "NO ACTION").upper()
            keys.append(
                Reference(name, local, key["referred_table"], remote, on_delete, nullable[local])
            )
    return keys


def find_orphans(connection: Connection) -> list[Orphan]:
    """Every row whose foreign key points at a missing row, sorted by table, row and column."""
    keys = references(connection)
    if connection.dialect.name == "sqlite":
        return sorted(_sqlite_orphans(connection, keys))
    return sorted(orphan for key in keys for orphan in joined_orphans(connection, key))


def _sqlite_orphans(connection: Connection, keys: list[Reference]) -> list[Orphan]:
    found = []
    violations = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    for table_name, row_id, _parent, key_number in violations:
        # foreign_key_check names the key by its number in foreign_key_list, not its column.
        listed = connection.exec_driver_sql(f'PRAGMA foreign_key_list("{table_name}")').all()
        local = next(row[3] for row in listed if row[0] == key_number)
        key = next(k for k in keys if k.table == table_name and k.column == local)
        child = table(table_name, column("id"), column(local))
        target_id = connection.scalar(select(child.c[local]).where(child.c.id == row_id))
        found.append(_orphan(key, row_id, target_id))
    return found


def joined_orphans(connection: Connection, key: Reference) -> list[Orphan]:
    """The orphans of one key, found with a LEFT JOIN (on any database)."""
    child = table(key.table, column("id"), column(key.column))
    # An alias, as a key may point at its own table (a certificate's replacement).
    parent = table(key.target_table, column(key.target_column)).alias("target")
    rows = connection.execute(
        select(child.c.id, child.c[key.column])
        .select_from(child.outerjoin(parent, parent.c[key.target_column] == child.c[key.column]))
        .where(child.c[key.column].is_not(None), parent.c[key.target_column].is_(None))
    )
    return [_orphan(key, row_id, target_id) for row_id, target_id in rows]


def _orphan(key: Reference, row_id: int, target_id: int) -> Orphan:
    return Orphan(
        key.table, row_id, key.column, key.target_table, target_id, key.on_delete, key.nullable
    )


@click.command("integrity")
@with_appcontext
def integrity_command() -> None:
    """Check that every reference between records points at a record; exit 1 if one does not."""
    with db.engine.connect() as connection:
        orphans = find_orphans(connection)
    if not orphans:
        click.echo("every reference between records points at a record")
        return
    for orphan in orphans:
        click.echo(str(orphan), err=True)
    count = len(orphans)
    raise click.ClickException(
        f"{count} record{'s point' if count != 1 else ' points'} at records that do not exist "
        "(see docs/backups.md: Checking the records)"
    )
