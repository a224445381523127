"""Quizzes: attempts at a module's quiz, graded on the server, with feedback."""

from flask import Blueprint

bp = Blueprint("quizzes", __name__)

from app.quizzes import views  # noqa: E402, F401
