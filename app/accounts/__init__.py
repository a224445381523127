"""Accounts: registration, login and logout, password reset, the profile."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from app.accounts import views  # noqa: E402, F401
