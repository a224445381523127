"""What staff do to a learner's enrolment: move it to another cohort, or end it (with why)."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.core.forms import no_control_characters, strip_text

MAX_REASON = 500


class MoveForm(FlaskForm):
    # A slug among the course's cohorts (the page lists them); checked by the view.
    cohort = StringField(_l("Move to"), filters=[strip_text])


class UnenrolForm(FlaskForm):
    reason = TextAreaField(
        _l("Why (kept in the audit log)"),
        filters=[strip_text],
        validators=[
            DataRequired(_l("Say why they leave the cohort.")),
            Length(
                max=MAX_REASON,
                message=lazy_ngettext(
                    "Use at most %(num)d character.", "Use at most %(num)d characters.", MAX_REASON
                ),
            ),
            no_control_characters,
        ],
    )
