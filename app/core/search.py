"""Finding people by what someone typed: a part of a name, an e-mail address or an organisation."""

from sqlalchemy import ColumnElement, func, or_


def escape_like(text: str) -> str:
    """`text` as plain characters in a LIKE pattern with `\\` as escape: `_` and `%` too."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains_text(search: str, *columns) -> ColumnElement[bool]:
    """Rows where any of the columns contains `search`, ignoring case.

    The typed text is matched as it is: `_` finds names with an underscore, not everyone.
    """
    pattern = "%" + escape_like(search.strip().lower()) + "%"
    return or_(*(func.lower(column).like(pattern, escape="\\") for column in columns))
