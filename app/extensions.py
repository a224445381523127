"""Flask extensions, created unbound and bound to the app in create_app."""

import sqlite3

from flask_babel import Babel, lazy_gettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, MetaData, event
from sqlalchemy.orm import DeclarativeBase

# Deterministic constraint names, so migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


@event.listens_for(Engine, "connect")
def enforce_sqlite_foreign_keys(dbapi_connection, connection_record) -> None:
    """SQLite checks foreign keys only on connections that ask, so every one of ours asks."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA foreign_keys=ON")


@event.listens_for(Engine, "savepoint")
def begin_before_a_first_savepoint(connection, name) -> None:
    """Python's sqlite3 opens a transaction only before a write, never before SAVEPOINT: a
    savepoint that is a transaction's first statement would open one of its own, and its
    RELEASE would commit it, so a later rollback could not take back what it saved. Begin
    the transaction first, as every other database does."""
    dbapi_connection = connection.connection.dbapi_connection
    if isinstance(dbapi_connection, sqlite3.Connection) and not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = lazy_gettext("Log in to see this page.")
login_manager.login_message_category = "info"
# Flask-Login flashes its message as text, made in the request's language.
login_manager.localize_callback = str
# "basic": a changed address (phones move between networks) only marks the session not fresh.
login_manager.session_protection = "basic"
# Limits are declared on the views; storage comes from RATELIMIT_STORAGE_URI.
limiter = Limiter(key_func=get_remote_address)
babel = Babel()
