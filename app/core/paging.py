"""The page number a paginated list was asked for."""

from app.core.inputs import integer_arg

LAST_PAGE = 100_000


def requested_page() -> int:
    """`?page=N` when it is a sensible page number, else 1 (never an error page)."""
    return max(integer_arg("page", 1, maximum=LAST_PAGE - 1), 1)
