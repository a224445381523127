"""Completion certificates: issuing, the PDF, the signed credential and public verification."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)

from app.certificates import key_views, views  # noqa: E402, F401
