"""Site-wide routes: the health checks."""

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import current_app, jsonify
from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError

from app.core import bp
from app.core.jobs import worker_status
from app.core.types import utcnow
from app.extensions import db, limiter


@bp.get("/healthz")
def healthz():
    """Say whether the app can reach its database, for load balancers and monitors."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


def _code_revisions() -> tuple[str, ...]:
    """The head revisions of migrations/ (read once per process: the files do not change)."""
    heads = current_app.extensions.get("migration_heads")
    if heads is None:
        config = Config()
        config.set_main_option("script_location", current_app.extensions["migrate"].directory)
        heads = tuple(sorted(ScriptDirectory.from_config(config).get_heads()))
        current_app.extensions["migration_heads"] = heads
    return heads


def _database_revisions(connection) -> list[str]:
    """What `flask db current` says, read directly (alembic's own reader logs at INFO each time)."""
    if not inspect(connection).has_table("alembic_version"):
        return []
    return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _redis_answers(url: str) -> bool:
    # Imported here: redis is an optional extra (`pip install .[redis]`), and a node that uses
    # no Redis must start without it. app/config.py refuses a REDIS_URL without the package.
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


@bp.get("/readyz")
def readyz():
    """Say whether this node can serve: database up, migrations at head, Redis up if used.

    /healthz says the process lives; this is what a load balancer should ask before sending
    traffic, and what a deploy should wait for after `flask db upgrade`.
    """
    checks = {}
    revisions = {"code": list(_code_revisions()), "database": None}
    try:
        connection = db.session.connection()
        connection.execute(text("SELECT 1"))
        current = sorted(_database_revisions(connection))
        checks["database"] = "ok"
        revisions["database"] = current
        if not current:
            checks["migrations"] = "not applied (run flask db upgrade)"
        elif current != revisions["code"]:
            checks["migrations"] = "not at head (run flask db upgrade)"
        else:
            checks["migrations"] = "ok"
    except SQLAlchemyError:
        db.session.rollback()
        checks["database"] = "unreachable"
        checks["migrations"] = "unknown"
    finally:
        db.session.rollback()  # nothing to keep; leaves no transaction open on the connection
    config = current_app.config
    if config["REDIS_URL"]:
        checks["redis"] = "ok" if _redis_answers(config["REDIS_URL"]) else "unreachable"
    if config["RATELIMIT_STORAGE_URI"] not in ("memory://", config["REDIS_URL"]):
        checks["rate_limits"] = "ok" if limiter.storage.check() else "unreachable"
    if not config["JOBS_IMMEDIATE"]:
        # Reported, but it does not make the node unready: pages still serve without a
        # worker; mail waits in the database until one runs (docs/deploy.md).
        checks["worker"] = "unknown"
        if checks["migrations"] == "ok":
            try:
                checks["worker"] = worker_status(utcnow())
            except SQLAlchemyError:
                pass
            finally:
                db.session.rollback()
    ready = all(value == "ok" for name, value in checks.items() if name != "worker")
    body = {"status": "ok" if ready else "error", "checks": checks, "revisions": revisions}
    return jsonify(body), 200 if ready else 503
