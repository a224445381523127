"""Reading a meeting provider's participant report (Zoom's CSV), as pure functions.

Zoom writes one row per join: a participant who dropped out and came back has several rows,
whose minutes are added up. Its files start with a byte-order mark, may begin with a block
that describes the meeting before the participants' header, and have stray spaces in cells.
An identical row that appears twice (the same person, join and leave time) is counted once.
"""

import csv
import io
from dataclasses import dataclass

from babel.numbers import format_decimal
from flask_babel import gettext as _

from app.core.i18n import current_language

EMAIL_COLUMN = "user email"
MINUTES_COLUMN = "duration (minutes)"
NAME_COLUMNS = ("name (original name)", "name")
JOIN_COLUMN = "join time"
LEAVE_COLUMN = "leave time"
MAX_ROWS = 20_000


class ReportError(ValueError):
    """A file that cannot be read as a participant report at all."""


@dataclass
class Participant:
    """Everything the report says about one e-mail address (or one name without an e-mail)."""

    email: str
    name: str
    minutes: int = 0
    rows: int = 0


@dataclass
class ParticipantReport:
    participants: list[Participant]
    problems: list[str]  # rows that could not be read, with their line numbers
    duplicates: int  # identical rows counted once


def _header_index(rows: list[list[str]]) -> int:
    """The participants' header: the last row naming both columns, since Zoom's meeting
    summary before it has a "User Email" (the host's) and a "Duration (Minutes)" too."""
    found = [
        index
        for index, row in enumerate(rows)
        if {EMAIL_COLUMN, MINUTES_COLUMN} <= {cell.strip().lower() for cell in row}
    ]
    if found:
        return found[-1]
    raise ReportError(
        _(
            "The file has no participants' header: it needs the columns “User Email” and "
            "“Duration (Minutes)”, as in Zoom's participant report."
        )
    )


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReportError(
            _(
                "The file is not UTF-8 text. Download the report from the meeting provider again "
                "as CSV, or save it from your spreadsheet as “CSV UTF-8”."
            )
        ) from error


def read_report(text: str) -> ParticipantReport:
    """Add up each participant's minutes; raise ReportError when the file is not a report."""
    if not text.strip():
        raise ReportError(_("The file is empty."))
    try:
        reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
        # Each row with the file line it ends on (a quoted cell may span lines).
        numbered = [(reader.line_num, row) for row in reader]
    except csv.Error as error:
        raise ReportError(_("The file is not valid CSV: %(error)s", error=error)) from error
    rows = [row for _line, row in numbered]
    if len(rows) > MAX_ROWS:
        limit = format_decimal(MAX_ROWS, locale=current_language())
        raise ReportError(_("The file has more than %(limit)s rows.", limit=limit))
    start = _header_index(rows)
    header = [cell.strip().lower() for cell in rows[start]]
    email_at = header.index(EMAIL_COLUMN)
    minutes_at = header.index(MINUTES_COLUMN)
    name_at = next((header.index(n) for n in NAME_COLUMNS if n in header), None)
    times_at = [header.index(c) for c in (JOIN_COLUMN, LEAVE_COLUMN) if c in header]

    def cell(row: list[str], index: int | None) -> str:
        return row[index].strip() if index is not None and index < len(row) else ""

    found: dict[str, Participant] = {}
    seen_rows: set[tuple[str, ...]] = set()
    problems: list[str] = []
    duplicates = 0
    for line, row in numbered[start + 1 :]:
        if not any(value.strip() for value in row):
            continue
        email = cell(row, email_at).lower()
        name = cell(row, name_at)
        minutes_text = cell(row, minutes_at)
        try:
            minutes = int(float(minutes_text))
        except ValueError:
            problems.append(
                _(
                    "Line %(line)d: the duration “%(text)s” is not a number of minutes.",
                    line=line,
                    text=minutes_text,
                )
            )
            continue
        if minutes < 0:
            problems.append(
                _(
                    "Line %(line)d: the duration %(minutes)d is negative.",
                    line=line,
                    minutes=minutes,
                )
            )
            continue
        key = (email, name, minutes_text, *(cell(row, index) for index in times_at))
        if times_at and key in seen_rows:
            duplicates += 1
            continue
        seen_rows.add(key)
        who = email or f"name:{name}"
        participant = found.setdefault(who, Participant(email=email, name=name))
        participant.minutes += minutes
        participant.rows += 1
        participant.name = participant.name or name
    return ParticipantReport(list(found.values()), problems, duplicates)
