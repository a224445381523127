"""(being written)"""

from app.authoring.views import bp  # noqa: F401
