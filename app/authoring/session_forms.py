"""The live-session form of the schedule editor, and the local times it reads.

The rules are those of `course.yaml` (see `app/catalog/content/reader.py`, `_read_sessions`),
so that every session saved in the browser can be exported to the files and read back.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext, ngettext
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

from app.catalog.content.schema import SLUG
from app.core.forms import TimeZoneField, no_control_characters, strip_text
from app.core.templating import zone_abbreviation
from app.core.timezones import ZONED_TIME, format_date, is_time_zone, zone_city, zone_label
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
    # The date is written in the reader's language (outside a request, in English).
    when = {"time": f"{clock:%H:%M}", "date": format_date(day), "zone": zone_city(zone_name)}
    if moment.astimezone(zone).replace(tzinfo=None) != wall:
        jump = int((second.utcoffset() - first.utcoffset()).total_seconds() // 60)
        shown = moment.astimezone(zone)
        raise NonexistentTimeError(
            f"{_skipped_time(abs(jump), when)} "
            + _(
                "Choose another time (%(time)s counted as before the change would be %(shown)s).",
                time=when["time"],
                shown=f"{shown:%H:%M} {zone_abbreviation(shown, zone_name)}",
            )
        )
    if first.utcoffset() != second.utcoffset():
        return LocalStart(
            moment,
            _(
                "%(time)s on %(date)s happens twice in %(zone)s, as the clocks go back that "
                "night; the session starts at the first, %(start)s.",
                start=f"{clock:%H:%M} {zone_abbreviation(moment, zone_name)}",
                **when,
            ),
        )
    return LocalStart(moment)


def _skipped_time(minutes: int, when: dict[str, str]) -> str:
    """The sentence saying that the clocks skip a time, and by how much they go forward."""
    if minutes == 60:
        return _(
            "There is no %(time)s on %(date)s in %(zone)s: the clocks go forward an hour that "
            "night, so that time is skipped.",
            **when,
        )
    if minutes % 60 == 0:
        return ngettext(
            "There is no %(time)s on %(date)s in %(zone)s: the clocks go forward %(num)d hour "
            "that night, so that time is skipped.",
            "There is no %(time)s on %(date)s in %(zone)s: the clocks go forward %(num)d hours "
            "that night, so that time is skipped.",
            minutes // 60,
            **when,
        )
    return ngettext(
        "There is no %(time)s on %(date)s in %(zone)s: the clocks go forward %(num)d minute "
        "that night, so that time is skipped.",
        "There is no %(time)s on %(date)s in %(zone)s: the clocks go forward %(num)d minutes "
        "that night, so that time is skipped.",
        minutes,
        **when,
    )


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

    # A session keeps the zone its file names, old name or not (exports stay byte for byte).
    canonical = False

    def include(self, *zones: str) -> None:
        known = {choice.value for choice in self.choices}
        for zone in zones:
            if zone and zone not in known and is_file_time_zone(zone):
                self.choices.append(SelectChoice(zone, zone_label(zone), optgroup=_("Other")))
                known.add(zone)

    def pre_validate(self, form) -> None:
        if not (isinstance(self.data, str) and is_file_time_zone(self.data)):
            raise ValidationError(
                _("Choose the time zone from the list (an IANA zone such as Europe/Madrid).")
            )


def _normalise_newlines(value):
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def _none_if_blank(value):
    return value if isinstance(value, str) and value.strip() else None


def title_field(required_message, label=None) -> StringField:
    """A one-line title (a session's, an announcement's): trimmed, required, 200 at most."""
    return StringField(
        label or _l("Title"),
        filters=[strip_text],
        validators=[
            DataRequired(required_message),
            Length(
                max=MAX_TITLE,
                message=lazy_ngettext(
                    "The title can have at most %(num)d character.",
                    "The title can have at most %(num)d characters.",
                    MAX_TITLE,
                ),
            ),
            no_control_characters,
        ],
    )


class SessionForm(FlaskForm):
    """A live session's title, time, length, link and whether it counts."""

    title = title_field(_l("Give the session a title."))
    description = TextAreaField(
        _l("Description (optional)"),
        # Not stripped: a description read from course.yaml may end with a line break, and an
        # unchanged form must give it back as it was.
        filters=[_normalise_newlines, _none_if_blank],
        description=_l(
            "A sentence or two about the session; it is shown on the schedule and in calendars."
        ),
        validators=[
            Length(
                max=MAX_DESCRIPTION,
                message=lazy_ngettext(
                    "The description can have at most %(num)d character.",
                    "The description can have at most %(num)d characters.",
                    MAX_DESCRIPTION,
                ),
            ),
            no_control_characters,
        ],
    )
    day = DayField(
        _l("Date"),
        invalid_value_message=_l("Give the date as YYYY-MM-DD (for example 2027-07-08)."),
        validators=[InputRequired(_l("Give the date of the session."))],
    )
    clock = ClockField(
        _l("Start time"),
        format=["%H:%M", "%H:%M:%S"],
        description=_l("On a 24-hour clock, in the time zone below."),
        invalid_value_message=_l(
            "Give the start time as HH:MM on a 24-hour clock (for example 18:30)."
        ),
        validators=[InputRequired(_l("Give the start time of the session."))],
    )
    time_zone = SessionZoneField(
        _l("Time zone"),
        description=_l(
            "The zone the session is planned in. Learners see it in their own zone too."
        ),
    )
    duration_minutes = MinutesField(
        _l("Length in minutes"),
        validators=[
            InputRequired(_l("Give the length of the session in minutes.")),
            NumberRange(
                1,
                MAX_MINUTES,
                _l("Give a whole number of minutes from 1 to %(max)d.", max=MAX_MINUTES),
            ),
        ],
    )
    join_url = StringField(
        _l("Meeting link (optional)"),
        filters=[strip_text, _none_if_blank],
        description=_l(
            "The address of the online meeting, starting with https://. Learners never see it: "
            "they join through the schedule, which records that they took part."
        ),
        validators=[
            Length(
                max=500,
                message=lazy_ngettext(
                    "The address can have at most %(num)d character.",
                    "The address can have at most %(num)d characters.",
                    500,
                ),
            ),
            https_address,
        ],
    )
    counts_for_completion = BooleanField(_l("Taking part counts toward the certificate"))
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
        _l("Short name (slug)"),
        filters=[strip_text],
        description=_l(
            "Lower-case letters, digits and single hyphens, such as “session-4”. It names the "
            "session in course.yaml and in calendars, and cannot be changed later."
        ),
        validators=[
            DataRequired(_l("Give the session a short name, such as “session-4”.")),
            Length(
                max=MAX_SLUG,
                message=lazy_ngettext(
                    "The short name can have at most %(num)d character.",
                    "The short name can have at most %(num)d characters.",
                    MAX_SLUG,
                ),
            ),
            Regexp(
                SLUG,
                message=_l(
                    "Use only lower-case letters, digits and single hyphens, such as "
                    "“session-4” (no spaces, capitals or accents)."
                ),
            ),
        ],
    )

    FIELD_ORDER = ("slug", *SessionForm.FIELD_ORDER)


class CancelForm(FlaskForm):
    """The confirmation page's button sends confirm=yes; a POST without it cancels nothing."""

    confirm = HiddenField(validators=[AnyOf(["yes"])])


class RestoreForm(FlaskForm):
    """Only a CSRF token: the session is in the address."""
