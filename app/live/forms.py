"""Forms of the live-session pages: attendance by hand, report import, recording, feeds."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    ValidationError,
)

from app.core.forms import strip_text
from app.core.urls import is_https_url


class AttendanceForm(FlaskForm):
    """Mark one learner present or absent."""

    learner_id = IntegerField(validators=[InputRequired()])
    present = HiddenField(validators=[AnyOf(["yes", "no"])])


class ReportImportForm(FlaskForm):
    report = FileField(
        _l("Participant report (CSV)"),
        description=_l(
            "A participant report exported from Zoom (of a meeting or a webinar, in any "
            "interface language, also when saved again from Excel), or any CSV with a column "
            "of e-mail addresses and one of minutes. Nothing is saved until you confirm the "
            "preview."
        ),
    )
    minimum_minutes = IntegerField(
        _l("Minimum minutes present"),
        description=_l(
            "A learner counts as present with at least this many minutes, rejoins added up."
        ),
        validators=[
            InputRequired(_l("Give the minimum number of minutes (0 counts everyone).")),
            NumberRange(0, 24 * 60, _l("Give a number of minutes between 0 and 1440.")),
        ],
    )
    # The report read at the preview, sent back when the preview is confirmed.
    report_text = HiddenField()


def https_address(form, field) -> None:
    if field.data and not is_https_url(field.data):
        raise ValidationError(
            _("Give the full address, starting with https:// (at most 500 characters).")
        )


class RecordingForm(FlaskForm):
    recording_url = StringField(
        _l("Recording address"),
        filters=[strip_text],
        description=_l("Where learners watch the recording, starting with https://."),
        validators=[
            DataRequired(_l("Give the recording's address.")),
            Length(max=500, message=_l("The address can have at most 500 characters.")),
            https_address,
        ],
    )


class CalendarFeedForm(FlaskForm):
    """Make (or replace) or turn off one's personal calendar feed."""

    action = HiddenField(validators=[DataRequired()])


class WatchedForm(FlaskForm):
    """Only a CSRF token: the session is in the address."""


class JoinForm(FlaskForm):
    """Only a CSRF token: the learner confirms joining the session in the address."""
