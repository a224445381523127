"""The form of the assignment editor: a module's assignment.yaml, field by field.

The simple settings are fields; the sections, the rubric, the themes and the cohorts' dates are
each a box of YAML written as in assignment.yaml. Everything is then checked by the file's own
rules (`app.catalog.content.assignment_rules`), so what the browser saves exports to a file
that reads back without problems.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from app.authoring.forms import TOO_LONG, unix_newlines
from app.catalog.content.assignment_rules import MAX_FILES, MAX_REVIEWS, PROMPT_LIMIT
from app.core.forms import no_control_characters, strip_text

BOX_LIMIT = 50_000  # characters of one YAML box

STATUS_CHOICES = [
    SelectChoice("draft", _l("Draft: only staff see it")),
    SelectChoice("published", _l("Published: learners see it")),
]
GALLERY_CHOICES = [
    SelectChoice("none", _l("No gallery")),
    SelectChoice("cohort", _l("The author's cohort")),
    SelectChoice("course", _l("Their cohort and later ones")),
]


def _whole_number(label, low: int, high: int, message) -> IntegerField:
    return IntegerField(
        label,
        validators=[InputRequired(message), NumberRange(low, high, message)],
    )


def _yaml_box(label, description) -> TextAreaField:
    return TextAreaField(
        label,
        filters=[unix_newlines],
        validators=[Length(max=BOX_LIMIT, message=TOO_LONG), no_control_characters],
        description=description,
    )


class AssignmentForm(FlaskForm):
    title = StringField(
        _l("Title"),
        filters=[strip_text],
        validators=[DataRequired(_l("Give the assignment a title.")),
                    Length(max=200, message=TOO_LONG), no_control_characters],
    )  # fmt: skip
    prompt_md = TextAreaField(
        _l("What learners are asked to do (Markdown)"),
        filters=[unix_newlines],
        validators=[DataRequired(_l("Write what learners are asked to do.")),
                    Length(max=PROMPT_LIMIT, message=TOO_LONG), no_control_characters],
    )  # fmt: skip
    status = SelectField(_l("State"), choices=STATUS_CHOICES, validators=[InputRequired()])
    pass_mark = _whole_number(
        _l("Pass mark (per cent of the rubric's points)"),
        0,
        100,
        _l("Give a pass mark from 0 to 100."),
    )
    reviews_per_submission = _whole_number(
        _l("Peer reviews each submission gets"),
        1,
        MAX_REVIEWS,
        _l("Give a number of reviews from 1 to 10."),
    )
    reviews_per_learner = _whole_number(
        _l("Peer reviews each learner gives"),
        1,
        MAX_REVIEWS,
        _l("Give a number of reviews from 1 to 10."),
    )
    anonymous_reviews = BooleanField(_l("Authors do not see who reviewed them"))
    late_work = BooleanField(_l("Accept submissions after the due date"))
    gallery = SelectField(
        _l("Gallery"),
        choices=GALLERY_CHOICES,
        validators=[InputRequired()],
        description=_l("Who may see the plans whose authors agree to show them."),
    )
    max_files = _whole_number(
        _l("Files a submission may attach (images and PDF)"),
        0,
        MAX_FILES,
        _l("Give a number of files from 0 to 10."),
    )
    sections = _yaml_box(
        _l("Sections of the template (YAML)"),
        _l(
            "One item per section: id (a short name that stays), title, guidance and words "
            "(the word limit, 20 to 3000)."
        ),
    )
    rubric = _yaml_box(
        _l("Rubric (YAML)"),
        _l(
            "One item per criterion: id, title, description and at least two levels, from "
            "lowest to highest, each with a title, points and a description."
        ),
    )
    themes = _yaml_box(
        _l("Themes (YAML, optional)"),
        _l("One item per theme a plan can be about: id and title. Leave empty for none."),
    )
    cohorts = _yaml_box(
        _l("Dates per cohort (YAML)"),
        _l(
            "For each cohort, by its short name: submission_due and reviews_due, written "
            "YYYY-MM-DD HH:MM Area/City. A published assignment needs the dates of every cohort."
        ),
    )
    # The revision the editor started from (0: the module had no assignment yet).
    base_revision = HiddenField(validators=[InputRequired()])

    # The YAML boxes, by the key of assignment.yaml each one holds.
    BOXES = ("sections", "rubric", "themes", "cohorts")
    # The field that shows a problem of each key of assignment.yaml.
    FIELD_OF_KEY = {
        "title": "title",
        "status": "status",
        "prompt": "prompt_md",
        "sections": "sections",
        "rubric": "rubric",
        "pass_mark": "pass_mark",
        "reviews": "reviews_per_learner",
        "late_work": "late_work",
        "gallery": "gallery",
        "files": "max_files",
        "themes": "themes",
        "cohorts": "cohorts",
    }
