"""Forms of the authoring pages: modules, lessons, revisions and images."""

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

from app.catalog.content.reader import SLUG
from app.core.forms import no_control_characters, strip_text

SLUG_MESSAGE = "Use lowercase letters, digits and hyphens, such as care-work."
STATUS_CHOICES = [
    SelectChoice("draft", "Draft: only the course's staff see it"),
    SelectChoice("published", "Published: learners see it (from the time below, if you give one)"),
]


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

    status = SelectField("State", choices=STATUS_CHOICES, validators=[InputRequired()])
    publish_at = DateTimeLocalField(
        "Publish at (optional)",
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
        description="Learners see a published item from this time on. Leave it empty to "
        "publish at once.",
    )


class ModuleForm(PublicationFields, FlaskForm):
    slug = StringField(
        "Short name in addresses",
        filters=[strip_text],
        description="Lowercase letters, digits and hyphens. It can't be changed later.",
        validators=[DataRequired("Give the module a short name."), Length(max=80),
                    Pattern(SLUG, message=SLUG_MESSAGE)],
    )  # fmt: skip
    title = StringField(
        "Title",
        filters=[strip_text],
        validators=[DataRequired("Give the module a title."), Length(max=200),
                    no_control_characters],
    )  # fmt: skip
    intro_md = TextAreaField(
        "Introduction (Markdown)",
        filters=[unix_newlines],
        validators=[Length(max=20_000), no_control_characters],
        description="What the module is about, shown above its lessons.",
    )


class LessonForm(PublicationFields, FlaskForm):
    slug = StringField(
        "Short name in addresses",
        filters=[strip_text],
        description="Lowercase letters, digits and hyphens, unique in the course. It can't be "
        "changed later.",
        validators=[DataRequired("Give the lesson a short name."), Length(max=80),
                    Pattern(SLUG, message=SLUG_MESSAGE)],
    )  # fmt: skip
    title = StringField(
        "Title",
        filters=[strip_text],
        validators=[DataRequired("Give the lesson a title."), Length(max=200),
                    no_control_characters],
    )  # fmt: skip
    minutes = IntegerField(
        "Minutes of reading",
        validators=[InputRequired("Say how many minutes the lesson takes to read."),
                    NumberRange(1, 180, "Give a number of minutes from 1 to 180.")],
    )  # fmt: skip
    objectives = ObjectivesField(
        "Objectives",
        description="One per line: what a learner will be able to do after the lesson.",
    )
    body_md = TextAreaField(
        "Text (Markdown)",
        filters=[unix_newlines],
        validators=[DataRequired("Write the lesson's text."), Length(max=200_000),
                    no_control_characters],
    )  # fmt: skip
    # The revision the editor started from: a save from an older one is a conflict.
    base_revision = HiddenField(validators=[InputRequired()])

    def validate_objectives(self, field) -> None:
        if not field.data:
            raise ValidationError("Give at least one objective: what a learner will be able to do.")
        if len(field.data) > 20:
            raise ValidationError("Keep to 20 objectives at most.")
        for number, line in enumerate(field.data, start=1):
            if len(line) > 300:
                raise ValidationError(f"Objective {number} is longer than 300 characters.")
            if any(ord(c) < 32 for c in line):
                raise ValidationError("Remove the invisible control characters.")


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[AnyOf(["up", "down"])])


class RestoreForm(FlaskForm):
    """Restore a revision: a button and its CSRF token."""


class UploadForm(FlaskForm):
    image = FileField(
        "Image",
        description="PNG, JPEG, WebP or GIF, up to 5 MB. SVG files are not accepted.",
    )
