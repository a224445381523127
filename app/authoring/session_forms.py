"""The live-session form of the schedule editor, and the local times it reads.

The rules are those of `course.yaml` (see `app/catalog/content/reader.py`, `_read_sessions`),
so that every session saved in the browser can be exported to the files and read back.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from app.catalog.content.reader import SLUG
from app.core.forms import TimeZoneField, no_control_characters, strip_text
from app.core.templating import zone_abbreviation
from app.core.timezones import ZONED_TIME, format_date, is_time_zone
from app.live.forms import https_address

# The limits of course.yaml: at most a day long, texts as long as the reader takes them.
MAX_MINUTES = 24 * 60
MAX_TITLE = 200
MAX_DESCRIPTION = 2000
MAX_SLUG = 80  # the column's length


class NonexistentTimeError(ValueError):
    """A wall-clock time that a zone skips when its clocks go forward."""


@dataclass(frozen=True)
class LocalStart:
    """A session's start read from a date, a time and a zone; `note` when it needs a word."""

    starts_at: datetime
    note: str | None = None


def local_start(day: date, clock: time, zone_name: str) -> LocalStart:
    """The UTC start of a session planned at `day clock` in `zone_name`.

    A time the clocks skip (the spring-forward gap) is refused. A time the clocks show twice
    (the night they go back) is read as its first occurrence, as `course.yaml` reads it, and
    the note says so.
    """
    zone = ZoneInfo(zone_name)
    wall = datetime.combine(day, clock.replace(second=0, microsecond=0))
    first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    moment = first.astimezone(UTC)
    when = f"{clock:%H:%M} on {format_date(day)}"
    if moment.astimezone(zone).replace(tzinfo=None) != wall:
        jump = int((second.utcoffset() - first.utcoffset()).total_seconds() // 60)
        shown = moment.astimezone(zone)
        raise NonexistentTimeError(
            f"There is no {when} in {zone_name}: the clocks go forward "
            f"{_minutes_text(abs(jump))} that night, so that time is skipped. "
            f"Choose another time ({clock:%H:%M} counted as before the change would be "
            f"{shown:%H:%M} {zone_abbreviation(shown, zone_name)})."
        )
    if first.utcoffset() != second.utcoffset():
        return LocalStart(
            moment,
            f"{when} happens twice in {zone_name}, as the clocks go back that night; the "
            f"session starts at the first, {clock:%H:%M} {zone_abbreviation(moment, zone_name)}.",
        )
    return LocalStart(moment)


def _minutes_text(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        return "an hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minutes"


def is_file_time_zone(name: str) -> bool:
    """A zone that `course.yaml` can name (an IANA 'Area/City' zone, or UTC)."""
    return is_time_zone(name) and bool(ZONED_TIME.match(f"2000-01-01 00:00 {name}"))


class _BlankIsNone:
    """A date or time input left empty is missing, not malformed (one message, not two)."""

    def process_formdata(self, valuelist):
        if valuelist and not "".join(valuelist).strip():
            self.data = None
            return
        super().process_formdata([value.strip() for value in valuelist])


class DayField(_BlankIsNone, DateField):
    pass


class ClockField(_BlankIsNone, TimeField):
    pass


class MinutesField(IntegerField):
    """A number of minutes; text that is not a number gets the range's message, not another."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None


class SessionZoneField(TimeZoneField):
    """The zone picker of profiles, plus the zones a session or its cohort already use."""

    def include(self, *zones: str) -> None:
        known = {choice.value for choice in self.choices}
        for zone in zones:
            if zone and zone not in known and is_file_time_zone(zone):
                self.choices.append(SelectChoice(zone, zone.replace("_", " "), optgroup="Other"))
                known.add(zone)

    def pre_validate(self, form) -> None:
        if not (isinstance(self.data, str) and is_file_time_zone(self.data)):
            raise ValidationError(
                "Choose the time zone from the list (an IANA zone such as Europe/Madrid)."
            )


def _normalise_newlines(value):
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def _none_if_blank(value):
    return value if isinstance(value, str) and value.strip() else None


class SessionForm(FlaskForm):
    """A live session's title, time, length, link and whether it counts."""

    title = StringField(
        "Title",
        filters=[strip_text],
        validators=[
            DataRequired("Give the session a title."),
            Length(max=MAX_TITLE, message=f"The title can have at most {MAX_TITLE} characters."),
            no_control_characters,
        ],
    )
    description = TextAreaField(
        "Description (optional)",
        # Not stripped: a description read from course.yaml may end with a line break, and an
        # unchanged form must give it back as it was.
        filters=[_normalise_newlines, _none_if_blank],
        description="A sentence or two about the session; it is shown on the schedule and in "
        "calendars.",
        validators=[
            Length(
                max=MAX_DESCRIPTION,
                message=f"The description can have at most {MAX_DESCRIPTION} characters.",
            ),
            no_control_characters,
        ],
    )
    day = DayField(
        "Date",
        invalid_value_message="Give the date as YYYY-MM-DD (for example 2027-07-08).",
        validators=[InputRequired("Give the date of the session.")],
    )
    clock = ClockField(
        "Start time",
        format=["%H:%M", "%H:%M:%S"],
        description="On a 24-hour clock, in the time zone below.",
        invalid_value_message="Give the start time as HH:MM on a 24-hour clock (for example "
        "18:30).",
        validators=[InputRequired("Give the start time of the session.")],
    )
    time_zone = SessionZoneField(
        "Time zone",
        description="The zone the session is planned in. Learners see it in their own zone too.",
    )
    duration_minutes = MinutesField(
        "Length in minutes",
        validators=[
            InputRequired("Give the length of the session in minutes."),
            NumberRange(1, MAX_MINUTES, f"Give a whole number of minutes from 1 to {MAX_MINUTES}."),
        ],
    )
    join_url = StringField(
        "Meeting link (optional)",
        filters=[strip_text, _none_if_blank],
        description="The address of the online meeting, starting with https://. Learners never "
        "see it: they join through the schedule, which records that they took part.",
        validators=[
            Length(max=500, message="The address can have at most 500 characters."),
            https_address,
        ],
    )
    counts_for_completion = BooleanField("Taking part counts toward the certificate")
    # The session's SEQUENCE when the form was shown: a save from an older page is refused.
    sequence = IntegerField(widget=HiddenInput(), validators=[Optional()])

    FIELD_ORDER = (
        "title",
        "description",
        "day",
        "clock",
        "time_zone",
        "duration_minutes",
        "join_url",
        "counts_for_completion",
    )

    def __init__(self, *args, zones: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        # The zone sent back with errors stays chosen, even one the list does not offer.
        self.time_zone.include(*zones, self.time_zone.data)
        self.start: LocalStart | None = None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # The start is read whenever its three fields are right, so that a skipped time is
        # reported together with the other mistakes, not after they are corrected.
        if any(field.errors for field in (self.day, self.clock, self.time_zone)):
            return False
        try:
            self.start = local_start(self.day.data, self.clock.data, self.time_zone.data)
        except NonexistentTimeError as error:
            self.clock.errors.append(str(error))
            return False
        return valid

    def values(self) -> dict:
        """What the form says, as the session's attributes (after validate())."""
        return {
            "title": self.title.data,
            "description": self.description.data,
            "starts_at": self.start.starts_at,
            "time_zone": self.time_zone.data,
            "duration_minutes": self.duration_minutes.data,
            "join_url": self.join_url.data,
            "counts_for_completion": bool(self.counts_for_completion.data),
        }

    @staticmethod
    def initial(session) -> dict:
        """The form's values for an existing session, as its own zone shows its start."""
        local = session.starts_at.astimezone(ZoneInfo(session.time_zone))
        return {
            "title": session.title,
            "description": session.description,
            "day": local.date(),
            "clock": local.time().replace(tzinfo=None),
            "time_zone": session.time_zone,
            "duration_minutes": session.duration_minutes,
            "join_url": session.join_url,
            "counts_for_completion": session.counts_for_completion,
            "sequence": session.sequence,
        }


class NewSessionForm(SessionForm):
    """A new session also gets its slug, which never changes (it is in calendars' UIDs)."""

    slug = StringField(
        "Short name (slug)",
        filters=[strip_text],
        description="Lower-case letters, digits and single hyphens, such as “session-4”. It "
        "names the session in course.yaml and in calendars, and cannot be changed later.",
        validators=[
            DataRequired("Give the session a short name, such as “session-4”."),
            Length(max=MAX_SLUG, message=f"The short name can have at most {MAX_SLUG} characters."),
            Regexp(
                SLUG,
                message="Use only lower-case letters, digits and single hyphens, such as "
                "“session-4” (no spaces, capitals or accents).",
            ),
        ],
    )

    FIELD_ORDER = ("slug", *SessionForm.FIELD_ORDER)


class CancelForm(FlaskForm):
    """The confirmation page's button sends confirm=yes; a POST without it cancels nothing."""

    confirm = HiddenField(validators=[AnyOf(["yes"])])


class RestoreForm(FlaskForm):
    """Only a CSRF token: the session is in the address."""
