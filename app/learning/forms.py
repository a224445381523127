"""The application form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.core.forms import no_control_characters, strip_text

MOTIVATION_MIN, MOTIVATION_MAX = 50, 3000


class ApplicationForm(FlaskForm):
    motivation = TextAreaField(
        _l("Why do you want to take this course?"),
        filters=[strip_text],
        description=_l(
            "What care work looks like in your city, and what you hope to change "
            "(%(min)d to %(max)d characters).",
            min=MOTIVATION_MIN,
            max=MOTIVATION_MAX,
        ),
        validators=[
            DataRequired(_l("Tell us in a few sentences why you are applying.")),
            Length(
                min=MOTIVATION_MIN,
                max=MOTIVATION_MAX,
                message=_l(
                    "Write between %(min)d and %(max)d characters.",
                    min=MOTIVATION_MIN,
                    max=MOTIVATION_MAX,
                ),
            ),
            no_control_characters,
        ],
    )
    confirms_public_official = BooleanField(
        _l(
            "I work for a local or metropolitan government "
            "(the programme is open to public officials)"
        ),
        validators=[
            DataRequired(
                _l(
                    "The programme is open to public officials: tick this box to "
                    "confirm that you are one."
                )
            )
        ],
    )


class ButtonForm(FlaskForm):
    """A form that is only its button (and CSRF token): putting an announcement away, saving
    an application as a draft (whose text is read as it is, finished or not)."""
