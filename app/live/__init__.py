"""Live sessions: the schedule in each learner's zone, joining, calendars, attendance and
recordings."""

from flask import Blueprint

bp = Blueprint("live", __name__)

from app.live import notices, views  # noqa: E402, F401
