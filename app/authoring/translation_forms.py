"""Forms of the translation editor: a translation file's text, and deleting one."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length

from app.authoring.forms import TOO_LONG, unix_newlines
from app.core.forms import no_control_characters

TEXT_LIMIT = 200_000  # characters, as a lesson's text


class TranslationForm(FlaskForm):
    text = TextAreaField(
        _l("Translation"),
        filters=[unix_newlines],
        validators=[DataRequired(_l("Write the translation.")),
                    Length(max=TEXT_LIMIT, message=TOO_LONG), no_control_characters],
    )  # fmt: skip
    follows_original = BooleanField(
        _l("This translation says what the original says now"),
        description=_l(
            "Ticked, the translation records the original's revision as it is now, and "
            "learners read it. Leave it unticked for a partial update: the translation keeps "
            "the revision it records, and learners keep reading the original until it is "
            "brought up to date."
        ),
    )
    # A hash of the translation as the editor opened it ('new': there was none).
    base = HiddenField(validators=[InputRequired()])


class DeleteTranslationForm(FlaskForm):
    """The confirmation page's button sends confirm=yes; a POST without it deletes nothing."""

    confirm = HiddenField(validators=[AnyOf(["yes"])])
