"""Instructors' work in the browser: editing, revisions, publishing, uploads and reports."""

from flask import Blueprint

bp = Blueprint("authoring", __name__, url_prefix="/author")

from app.authoring import (  # noqa: E402, F401
    announcement_views,
    assignment_editor_views,
    assignment_views,
    learner_views,
    quiz_views,
    report_views,
    session_views,
    translation_views,
    views,
)
