"""Administration: users and roles, the application queue, the audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from app.admin import certificate_views, views  # noqa: E402, F401
