"""Forms for the holder's name, issuing, revoking and reissuing certificates."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.core.forms import person_text, short_text, strip_text
from app.core.listing import FilterForm, search_field

REQUIRED = _l("This field is required.")


def reason_field(label, description) -> TextAreaField:
    """A required reason of at most 1000 characters (label and description: lazy strings)."""
    return TextAreaField(
        label,
        filters=[strip_text],
        description=description,
        validators=[
            InputRequired(REQUIRED),
            DataRequired(REQUIRED),
            Length(max=1000, message=_l("Use at most %(max)d characters.")),
            person_text(multiline=True),
        ],
    )


class CertificateNameForm(FlaskForm):
    name = StringField(
        _l("Your name as it should appear on certificates"),
        filters=[strip_text],
        description=_l(
            "Write it in full, with its accents and in the script you want printed, "
            "for example Görsev Argın rather than Gorsev Argin."
        ),
        validators=[InputRequired(REQUIRED), DataRequired(REQUIRED), short_text],
    )
    checked = BooleanField(
        _l("I have checked the spelling: print my name exactly like this."),
        validators=[DataRequired(_l("Tick the box to confirm that the spelling is right."))],
    )


class IssueForm(FlaskForm):
    """One learner (enrollment_id), or everyone eligible (everyone=1)."""

    enrollment_id = IntegerField(validators=[Optional()])
    everyone = HiddenField()


class ExceptionForm(FlaskForm):
    reason = reason_field(
        _l("Why this learner gets a certificate without completing"),
        _l("Kept on the certificate's record and in the audit log; the learner does not see it."),
    )


class RevokeForm(FlaskForm):
    reason = reason_field(
        _l("Reason for revoking"),
        _l("Shown on the public verification page, next to the date of revocation."),
    )


class ReissueForm(FlaskForm):
    reason = reason_field(
        _l("Reason for reissuing"),
        _l("Kept with the certificate's history, for example “Name misspelt”."),
    )
    holder_name = StringField(
        _l("Name to print"),
        filters=[strip_text],
        description=_l("Change it only to correct the spelling the learner asked for."),
        validators=[InputRequired(REQUIRED), DataRequired(REQUIRED), short_text],
    )


class RosterFilters(FilterForm):
    """Which of a cohort's learners the issuing page lists (choices: the view's, with counts)."""

    submit_label = _l("Show")
    is_search = True

    show = SelectField(_l("Show"), default="all", id="show")
    q = search_field(_l("Name or e-mail"), id="q")
