"""Site-wide routes: the health check."""

from flask import jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.core import bp
from app.extensions import db


@bp.get("/healthz")
def healthz():
    """Say whether the app can reach its database, for load balancers and monitors."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
