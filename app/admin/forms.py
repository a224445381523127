"""Forms of the administration pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import person_text, strip_text
from app.core.permissions import Role


class DecisionForm(FlaskForm):
    """Approve or reject one or many applications, with an optional message to the applicants.

    The applications are the ticked `application_id` checkboxes of the queue (read by the view).
    """

    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("approve", _l("Approve and enrol")),
            SelectChoice("reject", _l("Reject")),
        ],
        validators=[DataRequired(_l("Choose approve or reject."))],
    )
    message = TextAreaField(
        _l("Message to the applicants (optional, sent in the e-mail)"),
        filters=[strip_text],
        validators=[
            Optional(),
            Length(max=2000, message=_l("Use at most %(max)d characters.")),
            person_text(multiline=True),
        ],
    )
    return_to = HiddenField()


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"))
    courses = MultiCheckboxField(_l("Courses this instructor teaches"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Made for each form, not at import: the roles' names are in the reader's language.
        self.role.choices = [SelectChoice(role.value, role.label) for role in Role]


class AccountStatusForm(FlaskForm):
    """Deactivate or reactivate: the button sends the wanted state."""

    active = HiddenField(validators=[DataRequired()])
