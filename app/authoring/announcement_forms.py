"""The forms of what staff write to learners: an announcement (its title, its text in Markdown
and, optionally, a later moment to publish it, on the author's own clock), and a message to
the learners a progress report selects."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from app.authoring.session_forms import (
    MAX_TITLE,
    ClockField,
    DayField,
    NonexistentTimeError,
    local_start,
    title_field,
)
from app.core.forms import no_control_characters, strip_text

MAX_BODY = 20_000


class AnnouncementForm(FlaskForm):
    title = title_field(_l("Give the announcement a title."))
    body = TextAreaField(
        _l("Text"),
        filters=[strip_text],
        description=_l(
            "Markdown, as in lessons: **bold**, [a link](https://…), lists. Learners read it "
            "on the course page and their dashboard, and by mail."
        ),
        validators=[
            DataRequired(_l("Write the announcement.")),
            Length(
                max=MAX_BODY,
                message=lazy_ngettext(
                    "The text can have at most %(num)d character.",
                    "The text can have at most %(num)d characters.",
                    MAX_BODY,
                ),
            ),
            no_control_characters,
        ],
    )
    day = DayField(
        _l("Publish on (optional)"),
        invalid_value_message=_l("Give the date as YYYY-MM-DD (for example 2027-07-08)."),
        description=_l("Leave the date and time empty to publish at once."),
    )
    clock = ClockField(
        _l("At"),
        format=["%H:%M", "%H:%M:%S"],
        invalid_value_message=_l("Give the time as HH:MM on a 24-hour clock (for example 18:30)."),
    )

    FIELD_ORDER = ("title", "body", "day", "clock")

    def __init__(self, *args, zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.publish_at: datetime | None = None  # None: at once

    def validate_clock(self, field) -> None:
        if (self.day.data is None) != (field.data is None):
            raise ValidationError(_l("Give both the date and the time, or neither."))
        if self.day.data is None:
            return
        try:
            self.publish_at = local_start(self.day.data, field.data, self.zone).starts_at
        except NonexistentTimeError as error:
            raise ValidationError(str(error)) from None


class WithdrawForm(FlaskForm):
    """The confirmation page's button sends confirm=yes; a POST without it withdraws nothing."""

    confirm = HiddenField(validators=[AnyOf(["yes"])])


class MessageForm(FlaskForm):
    """A message to the learners a progress report's filters select."""

    subject = StringField(
        _l("Subject"),
        filters=[strip_text],
        validators=[
            DataRequired(_l("Give the message a subject.")),
            Length(
                max=MAX_TITLE,
                message=lazy_ngettext(
                    "The subject can have at most %(num)d character.",
                    "The subject can have at most %(num)d characters.",
                    MAX_TITLE,
                ),
            ),
            no_control_characters,
        ],
    )
    body = TextAreaField(
        _l("Message"),
        filters=[strip_text],
        description=_l("Plain text. Learners can answer you by replying to the mail."),
        validators=[
            DataRequired(_l("Write the message.")),
            Length(
                max=MAX_BODY,
                message=lazy_ngettext(
                    "The message can have at most %(num)d character.",
                    "The message can have at most %(num)d characters.",
                    MAX_BODY,
                ),
            ),
            no_control_characters,
        ],
    )
    # How many learners the page said the message goes to: sent only if that still holds.
    expected = IntegerField(widget=HiddenInput(), validators=[Optional()])

    FIELD_ORDER = ("subject", "body")
