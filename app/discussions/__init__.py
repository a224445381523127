"""Discussions: a cohort's threads (one per module, and free ones), posts, moderation, mail."""

from flask import Blueprint

bp = Blueprint("discussions", __name__)

from app.discussions import mail, views  # noqa: E402, F401
