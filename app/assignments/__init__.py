"""Assignments: a learner's written plan, its peer reviews against a rubric, and its grade."""

from flask import Blueprint

bp = Blueprint("assignments", __name__)

from app.assignments import views  # noqa: E402, F401
