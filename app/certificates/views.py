"""Certificate pages: the learner's downloads and name, issuing, and public verification."""

from app.certificates import bp  # noqa: F401
