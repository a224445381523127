"""The migrations build the schema the models describe, on SQLite and PostgreSQL."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app import create_app
from app.extensions import db

pytestmark = pytest.mark.slow  # every migration, up and down


def test_upgrade_on_an_empty_database_matches_the_models(make_database, tmp_path):
    empty = make_database()
    app = create_app({"SECRET_KEY": "x", **empty.config()}, instance_path=str(tmp_path))
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with db.engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            assert {"courses", "lessons", "quizzes", "users", "alembic_version"} <= tables
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []
