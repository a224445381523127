"""The application form."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.core.forms import no_control_characters, strip_text

MOTIVATION_MIN, MOTIVATION_MAX = 50, 3000


class ApplicationForm(FlaskForm):
    motivation = TextAreaField(
        "Why do you want to take this course?",
        filters=[strip_text],
        description=(
            "What care work looks like in your city, and what you hope to change "
            f"({MOTIVATION_MIN} to {MOTIVATION_MAX} characters)."
        ),
        validators=[
            DataRequired("Tell us in a few sentences why you are applying."),
            Length(
                min=MOTIVATION_MIN,
                max=MOTIVATION_MAX,
                message=f"Write between {MOTIVATION_MIN} and {MOTIVATION_MAX} characters.",
            ),
            no_control_characters,
        ],
    )
    confirms_public_official = BooleanField(
        "I work for a local or metropolitan government (the programme is open to public officials)",
        validators=[
            DataRequired(
                "The programme is open to public officials: tick this box to "
                "confirm that you are one."
            )
        ],
    )
