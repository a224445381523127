"""Forms of the live-session pages: attendance by hand, report import, recording, feeds."""

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
        "Participant report (CSV)",
        description="Zoom's participant report, or any CSV with the columns “User Email” and "
        "“Duration (Minutes)”. Nothing is saved until you confirm the preview.",
    )
    minimum_minutes = IntegerField(
        "Minimum minutes present",
        description="A learner counts as present with at least this many minutes, rejoins "
        "added up.",
        validators=[
            InputRequired("Give the minimum number of minutes (0 counts everyone)."),
            NumberRange(0, 24 * 60, "Give a number of minutes between 0 and 1440."),
        ],
    )
    # The report read at the preview, sent back when the preview is confirmed.
    report_text = HiddenField()


def https_address(form, field) -> None:
    if field.data and not is_https_url(field.data):
        raise ValidationError(
            "Give the full address, starting with https:// (at most 500 characters)."
        )


class RecordingForm(FlaskForm):
    recording_url = StringField(
        "Recording address",
        filters=[strip_text],
        description="Where learners watch the recording, starting with https://.",
        validators=[
            DataRequired("Give the recording's address."),
            Length(max=500, message="The address can have at most 500 characters."),
            https_address,
        ],
    )


class CalendarFeedForm(FlaskForm):
    """Make (or replace) or turn off one's personal calendar feed."""

    action = HiddenField(validators=[DataRequired()])


class WatchedForm(FlaskForm):
    """Only a CSRF token: the session is in the address."""
