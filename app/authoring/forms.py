"""Forms of the authoring pages: modules, lessons, revisions and images."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.validators import Regexp as Pattern

from app.catalog.content.schema import SLUG
from app.core.forms import no_control_characters, strip_text

SLUG_MESSAGE = _l("Use lowercase letters, digits and hyphens, such as care-work.")
STATUS_CHOICES = [
    SelectChoice("draft", _l("Draft: only the course's staff see it")),
    SelectChoice(
        "published", _l("Published: learners see it (from the time below, if you give one)")
    ),
]
# WTForms' own sentence, here so that every language has it (WTForms' Spanish lacks it).
TOO_LONG = _l("Field cannot be longer than %(max)d characters.")


def unix_newlines(value):
    """Browsers send text areas with CRLF line ends; the course files use LF."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def _objective_lines(value):
    if isinstance(value, str):
        return [line.strip() for line in value.splitlines() if line.strip()]
    return value


class ObjectivesField(TextAreaField):
    """One objective per line; the data is the list of non-empty lines."""

    def _value(self) -> str:
        return "\n".join(self.data or [])

    def process_formdata(self, valuelist):
        self.data = _objective_lines(valuelist[0]) if valuelist else []


class PublicationFields:
    """Status and an optional publication time, read in the editor's own time zone."""

    status = SelectField(_l("State"), choices=STATUS_CHOICES, validators=[InputRequired()])
    publish_at = DateTimeLocalField(
        _l("Publish at (optional)"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
        description=_l(
            "Learners see a published item from this time on. Leave it empty to publish at once."
        ),
    )


class ModuleForm(PublicationFields, FlaskForm):
    slug = StringField(
        _l("Short name in addresses"),
        filters=[strip_text],
        description=_l("Lowercase letters, digits and hyphens. It can't be changed later."),
        validators=[DataRequired(_l("Give the module a short name.")),
                    Length(max=80, message=TOO_LONG), Pattern(SLUG, message=SLUG_MESSAGE)],
    )  # fmt: skip
    title = StringField(
        _l("Title"),
        filters=[strip_text],
        validators=[DataRequired(_l("Give the module a title.")),
                    Length(max=200, message=TOO_LONG), no_control_characters],
    )  # fmt: skip
    intro_md = TextAreaField(
        _l("Introduction (Markdown)"),
        filters=[unix_newlines],
        validators=[Length(max=20_000, message=TOO_LONG), no_control_characters],
        description=_l("What the module is about, shown above its lessons."),
    )


class LessonForm(PublicationFields, FlaskForm):
    slug = StringField(
        _l("Short name in addresses"),
        filters=[strip_text],
        description=_l(
            "Lowercase letters, digits and hyphens, unique in the course. It can't be changed "
            "later."
        ),
        validators=[DataRequired(_l("Give the lesson a short name.")),
                    Length(max=80, message=TOO_LONG), Pattern(SLUG, message=SLUG_MESSAGE)],
    )  # fmt: skip
    title = StringField(
        _l("Title"),
        filters=[strip_text],
        validators=[DataRequired(_l("Give the lesson a title.")),
                    Length(max=200, message=TOO_LONG), no_control_characters],
    )  # fmt: skip
    minutes = IntegerField(
        _l("Minutes of reading"),
        validators=[InputRequired(_l("Say how many minutes the lesson takes to read.")),
                    NumberRange(1, 180, _l("Give a number of minutes from 1 to 180."))],
    )  # fmt: skip
    objectives = ObjectivesField(
        _l("Objectives"),
        description=_l("One per line: what a learner will be able to do after the lesson."),
    )
    body_md = TextAreaField(
        _l("Text (Markdown)"),
        filters=[unix_newlines],
        validators=[DataRequired(_l("Write the lesson's text.")),
                    Length(max=200_000, message=TOO_LONG), no_control_characters],
    )  # fmt: skip
    # The revision the editor started from: a save from an older one is a conflict.
    base_revision = HiddenField(validators=[InputRequired()])

    def validate_objectives(self, field) -> None:
        if not field.data:
            raise ValidationError(
                _("Give at least one objective: what a learner will be able to do.")
            )
        if len(field.data) > 20:
            raise ValidationError(_("Keep to 20 objectives at most."))
        for number, line in enumerate(field.data, start=1):
            if len(line) > 300:
                raise ValidationError(
                    _("Objective %(number)d is longer than 300 characters.", number=number)
                )
            if any(ord(c) < 32 for c in line):
                raise ValidationError(_("Remove the invisible control characters."))


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[AnyOf(["up", "down"])])


class RestoreForm(FlaskForm):
    """Restore a revision: a button and its CSRF token."""


class UploadForm(FlaskForm):
    image = FileField(
        _l("Image"),
        description=_l("PNG, JPEG, WebP or GIF, up to 5 MB. SVG files are not accepted."),
    )
