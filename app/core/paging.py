"""The page number a paginated list was asked for."""

from flask import request

LAST_PAGE = 100_000


def requested_page() -> int:
    """`?page=N` when it is a sensible page number, else 1 (never an error page)."""
    page = request.args.get("page", "1")
    return int(page) if page.isdigit() and 0 < int(page) < LAST_PAGE else 1
