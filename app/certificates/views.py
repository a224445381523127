"""Certificate pages: the learner's downloads and name, issuing, and public verification."""

from app.certificates import bp  # noqa: F401

from app.certificates import key_views  # noqa: E402, F401  (the published keys)
