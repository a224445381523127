"""Reading a meeting provider's participant report (Zoom's CSV exports), as pure functions.

Zoom writes its reports in several shapes, all read here: the classic participant report, the
newer web export, the same in the Spanish or French interface, the "unique users" export, and
the webinar attendee report; the column names differ (see COLUMNS), and a file re-saved by a
Spanish or French Excel has semicolons, decimal commas and Windows-1252 text. A report may
begin with blocks that describe the meeting before the participants' header, and a webinar
report has one section (with its own header) for the host, the panelists and the attendees.

A participant who dropped out and came back has several rows, whose minutes are added up. An
identical row that appears twice (the same person, join and leave time) is counted once. Rows
of time in the waiting room, and webinar registrants who did not attend, do not count.
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime

from babel.numbers import format_decimal
from flask_babel import gettext as _

from app.core.i18n import current_language

# Each column the reader uses, with the names Zoom gives it in its exports and languages
# (compared in lower case, spaces collapsed, typographic apostrophes made straight).
COLUMNS = {
    "email": (
        "user email",
        "email",
        "e-mail",
        "e-mail del usuario",
        "correo electrónico",
        "e-mail de l'utilisateur",
        "adresse e-mail",
    ),
    "minutes": (
        "duration (minutes)",
        "total duration (minutes)",
        "time in session (minutes)",
        "duración (minutos)",
        "duración total (minutos)",
        "tiempo en la sesión (minutos)",
        "durée (minutes)",
        "durée totale (minutes)",
    ),
    "name": (
        "name (original name)",
        "user name (original name)",
        "name",
        "nombre (nombre original)",
        "nombre de usuario (nombre original)",
        "nom (nom d'origine)",
        "nom (nom original)",
    ),
    "first_name": ("first name", "prénom"),
    "last_name": ("last name", "apellido", "nom de famille"),
    "join": ("join time", "hora para unirse", "heure d'arrivée", "heure de connexion"),
    "leave": ("leave time", "hora para salir", "heure de départ", "heure de déconnexion"),
    "waiting_room": ("in waiting room", "en la sala de espera", "dans la salle d'attente"),
    "attended": ("attended", "asistió", "a participé"),
}
# A header with one of these describes the meeting (its host's e-mail and its length), not
# the participants.
SUMMARY_COLUMNS = {
    "meeting id",
    "topic",
    "webinar id",
    "id de reunión",
    "tema",
    "id de réunion",
    "sujet",
}
YES = {"yes", "y", "sí", "si", "oui", "true"}
NO = {"no", "n", "non", "false"}
DELIMITERS = ",;\t"
MAX_ROWS = 20_000
# The ways the exports write a time: 03/31/2027 06:29:00 PM (English), 31/03/2027 18:29:00
# (Spanish and French, and Excel's re-saves, sometimes without seconds), ISO 8601.
_SLASHED = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp]\.?\s?[Mm]\.?)?"
)


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
    waiting_room: int = 0  # rows of time in the waiting room, which do not count
    first_join: datetime | None = None  # on the report's own clock, without a zone


def _key(cell: str) -> str:
    return " ".join(cell.replace("\u2019", "'").split()).lower()


def _columns(row: list[str]) -> dict[str, int] | None:
    """Where each known column is, when the row is a participants' header."""
    names = [_key(cell) for cell in row]
    if SUMMARY_COLUMNS & set(names):
        return None
    found = {
        column: names.index(synonym)
        for column, synonyms in COLUMNS.items()
        for synonym in reversed(synonyms)
        if synonym in names
    }
    return found if {"email", "minutes"} <= found.keys() else None


def parse_time(text: str) -> datetime | None:
    """A join or leave time as the report writes it; None when it is not one."""
    text = text.strip()
    match = _SLASHED.fullmatch(text)
    if match is None:
        try:
            return datetime.fromisoformat(text).replace(tzinfo=None)
        except ValueError:
            return None
    first, second, year, hour, minute, second_of_minute, half = match.groups()
    first, second, hour = int(first), int(second), int(hour)
    # With AM/PM the month comes first (US English), otherwise the day, unless impossible.
    month_first = bool(half) if first <= 12 and second <= 12 else first <= 12
    month, day = (first, second) if month_first else (second, first)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half[0] in "Pp" else 0)
    try:
        # The report's own clock, whose zone it does not say.
        return datetime(int(year), month, day, hour, int(minute), int(second_of_minute or 0))  # noqa: DTZ001
    except ValueError:
        return None


def decode(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), else Windows-1252, as Excel saves CSV."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        refusal = ReportError(
            _(
                "The file is not UTF-8 text. Download the report from the meeting provider again "
                "as CSV, or save it from your spreadsheet as “CSV UTF-8”."
            )
        )
        if b"\x00" in data:  # UTF-16 or a binary file, which Windows-1252 would garble
            raise refusal from error
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise refusal from error


def _delimiters(text: str) -> list[str]:
    """The delimiter csv.Sniffer finds first, then the others it may be."""
    try:
        sniffed = csv.Sniffer().sniff(text[:8192], delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = ","
    return [sniffed] + [delimiter for delimiter in DELIMITERS if delimiter != sniffed]


def _numbered_rows(text: str) -> tuple[list[tuple[int, list[str]]], list[int]]:
    """Each row with the file line it ends on, and where the participants' headers are."""
    error = None
    for delimiter in _delimiters(text):
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        try:
            # A quoted cell may span lines: reader.line_num is the line the row ends on.
            numbered = [(reader.line_num, row) for row in reader]
        except csv.Error as problem:
            error = error or problem
            continue
        if len(numbered) > MAX_ROWS:
            limit = format_decimal(MAX_ROWS, locale=current_language())
            raise ReportError(_("The file has more than %(limit)s rows.", limit=limit))
        headers = [index for index, (_line, row) in enumerate(numbered) if _columns(row)]
        if headers:
            return numbered, headers
    if error is not None:
        raise ReportError(_("The file is not valid CSV: %(error)s", error=error))
    raise ReportError(
        _(
            "The file has no participants' header: it needs a column of e-mail addresses "
            "(such as “User Email” or “Email”) and one of minutes (such as “Duration "
            "(Minutes)”), as in Zoom's participant reports."
        )
    )


def _minutes(text: str) -> int:
    """'87', '87.0' or, from a Spanish or French Excel, '87,5': whole minutes."""
    return int(float(text.replace(",", ".") if "." not in text else text))


def read_report(text: str) -> ParticipantReport:
    """Add up each participant's minutes; raise ReportError when the file is not a report."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ReportError(_("The file is empty."))
    numbered, headers = _numbered_rows(text)
    found: dict[str, Participant] = {}
    seen_rows: set[tuple] = set()
    problems: list[str] = []
    duplicates = waiting_room = 0
    joins: list[datetime] = []
    for start, end in zip(headers, [*headers[1:], len(numbered)], strict=True):
        at = _columns(numbered[start][1])

        def cell(row: list[str], column: str, at=at) -> str:
            index = at.get(column)
            return row[index].strip() if index is not None and index < len(row) else ""

        for line, row in numbered[start + 1 : end]:
            email = cell(row, "email").lower()
            minutes_text = cell(row, "minutes")
            if not email and not minutes_text:
                continue  # an empty row, or a section's title ("Attendee Details")
            if _key(cell(row, "attended")) in NO:
                continue  # registered for a webinar, never came
            if _key(cell(row, "waiting_room")) in YES:
                waiting_room += 1
                continue
            name = cell(row, "name") or " ".join(
                part for part in (cell(row, "first_name"), cell(row, "last_name")) if part
            )
            try:
                minutes = _minutes(minutes_text)
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
            join_text, leave_text = cell(row, "join"), cell(row, "leave")
            joined, left = parse_time(join_text), parse_time(leave_text)
            if joined:
                joins.append(joined)
            if join_text or leave_text:
                key = (email, name, minutes, joined or join_text, left or leave_text)
                if key in seen_rows:
                    duplicates += 1
                    continue
                seen_rows.add(key)
            who = email or f"name:{name}"
            participant = found.setdefault(who, Participant(email=email, name=name))
            participant.minutes += minutes
            participant.rows += 1
            participant.name = participant.name or name
    return ParticipantReport(
        list(found.values()), problems, duplicates, waiting_room, min(joins, default=None)
    )
