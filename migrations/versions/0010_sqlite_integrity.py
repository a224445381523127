"""records that cannot lie on SQLite: orphans repaired, ids never reused

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 06:00:00

Until now SQLite enforced no foreign key (it does so only on connections that ask, and
app/extensions.py now makes every connection ask), and it gave a new row the highest id + 1,
so the id of a deleted newest row came back. A deleted account's enrolment left its certificate
pointing at an id the next enrolment then received. This migration:

1. Finds every row whose foreign key points at a missing row (app/core/integrity.py: PRAGMA
   foreign_key_check on SQLite, a LEFT JOIN per key on PostgreSQL, where keys were always
   enforced and nothing is found), prints each one, and repairs it, again until none is left
   that can be repaired (removing a row can leave others pointing at it):
   - audit events are never changed: an orphan actor is reported and kept;
   - certificates are never deleted: what they state is frozen in the row. A missing enrolment
     (or issuer, revoker, replacement) is set to NULL, as deleting the enrolment does today, so
     the certificate stays in force, detached; a missing holder, course or cohort cannot be
     NULL: the row is kept and reported for an admin;
   - every other row follows its key's own ON DELETE rule, which is what PostgreSQL did all
     along: CASCADE rows belonged to the missing row and go with it (progress, attempts,
     attendance, recording views, calendar feeds of a removed account or lesson; none of them
     counts for anything once the account or lesson is gone); SET NULL columns are set to NULL
     and the row is kept; a required reference with no rule is kept and reported.
   `flask integrity` runs the same check later and exits with 1 while any is left.
2. Rebuilds, on SQLite, the tables whose ids are kept where no foreign key follows them (audit
   events' object ids, attempts' question and choice ids) with AUTOINCREMENT, and starts each
   one's counter above every id it ever handed out that a record still mentions, so a removed
   row's id is never given again. PostgreSQL's sequences never reuse ids: nothing to do there.

The repairs cannot be undone; the downgrade only rebuilds the tables without AUTOINCREMENT.
"""

from alembic import op
from sqlalchemy import Integer, cast, column, func, select, table, text

from app.core.integrity import Orphan, find_orphans, references

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# The tables of app/core/types.py's IDS_NEVER_REUSED.
NEVER_REUSED = (
    'users', 'applications', 'enrollments', 'certificates', 'cohorts', 'live_sessions',
    'modules', 'lessons', 'quizzes', 'questions', 'question_versions', 'choices',
    'uploaded_images',
)
# Ids kept in JSON, where no foreign key sees them: (table, its highest id that JSON mentions).
SHOWN = 'FROM quiz_attempts, json_each(quiz_attempts.layout) AS shown'
IDS_IN_JSON = (
    ('questions', f"SELECT max(json_extract(shown.value, '$.question')) {SHOWN}"),
    ('question_versions', f"SELECT max(json_extract(shown.value, '$.version')) {SHOWN}"),
    ('choices', f"SELECT max(c.value) {SHOWN}, json_each(shown.value, '$.choices') AS c"),
    ('choices', 'SELECT max(c.value) FROM attempt_answers, json_each(choice_ids) AS c'),
)


def upgrade():
    connection = op.get_bind()
    sqlite = connection.dialect.name == 'sqlite'
    if op.get_context().as_sql:  # `flask db upgrade --sql`: there are no rows to read
        if sqlite:
            raise RuntimeError('0010 reads the SQLite tables it rebuilds: run it without --sql')
        return
    highest = highest_ids_mentioned(connection) if sqlite else {}
    repair_orphans(connection)
    if not sqlite:
        return
    for name in NEVER_REUSED:
        with op.batch_alter_table(
            name, recreate='always', table_kwargs={'sqlite_autoincrement': True}
        ):
            pass
    sequence = table('sqlite_sequence', column('name'), column('seq'))
    for name, seq in highest.items():
        connection.execute(sequence.delete().where(sequence.c.name == name))
        if seq:
            connection.execute(sequence.insert().values(name=name, seq=seq))


def downgrade():
    if op.get_bind().dialect.name != 'sqlite':
        return
    for name in NEVER_REUSED:
        with op.batch_alter_table(
            name, recreate='always', table_kwargs={'sqlite_autoincrement': False}
        ):
            pass


def highest_ids_mentioned(connection) -> dict[str, int]:
    """Each table's highest id in the table itself or in any record that names one of its rows."""
    found = {
        name: [connection.scalar(select(func.max(column('id'))).select_from(table(name)))]
        for name in NEVER_REUSED
    }
    for key in references(connection):
        if key.target_table in found:
            child = table(key.table, column(key.column))
            found[key.target_table].append(connection.scalar(select(func.max(child.c[key.column]))))
    audit = table('audit_events', column('object_type'), column('object_id'))
    for object_type, object_id in connection.execute(
        select(audit.c.object_type, func.max(cast(audit.c.object_id, Integer)))
        .where(audit.c.object_type.in_(NEVER_REUSED), audit.c.object_id.op('GLOB')('[0-9]*'))
        .group_by(audit.c.object_type)
    ):
        found[object_type].append(object_id)
    for name, query in IDS_IN_JSON:
        found[name].append(connection.scalar(text(query)))
    return {name: max((int(i) for i in ids if i is not None), default=0) for name, ids in found.items()}


def repair_orphans(connection) -> None:
    """Report every orphan and repair it as the docstring above says, until none is left to do."""
    seen = set()
    removed = set()
    while True:
        orphans = [o for o in find_orphans(connection) if (o.table, o.row_id, o.column) not in seen]
        if not orphans:
            break
        if not seen:
            print('0010: records that point at records that do not exist:')
        for orphan in orphans:
            seen.add((orphan.table, orphan.row_id, orphan.column))
            if (orphan.table, orphan.row_id) in removed:
                continue
            outcome = repair(connection, orphan)
            if outcome == REMOVED:
                removed.add((orphan.table, orphan.row_id))
            print(f'  {orphan}: {outcome}')
    if not seen:
        print('0010: every reference between records points at a record')


REMOVED = 'removed, as its ON DELETE CASCADE rule says'
DETACHED = 'set to NULL; the row is kept'
KEPT_AUDIT = 'kept: the audit log is never changed'
KEPT_REQUIRED = 'kept: a required reference, for an admin to look at (flask integrity)'


def repair(connection, orphan: Orphan) -> str:
    rows = table(orphan.table, column('id'), column(orphan.column))
    mine = rows.c.id == orphan.row_id
    if orphan.table == 'audit_events':
        return KEPT_AUDIT
    if orphan.on_delete == 'CASCADE' and orphan.table != 'certificates':
        connection.execute(rows.delete().where(mine))
        return REMOVED
    if orphan.nullable:
        connection.execute(rows.update().where(mine).values({orphan.column: None}))
        return DETACHED
    return KEPT_REQUIRED
