"""Learning: applications and enrolment in cohorts, reading lessons."""

from flask import Blueprint

bp = Blueprint("learning", __name__)

from app.learning import announcement_operations, deadlines, nudges, views  # noqa: E402, F401
