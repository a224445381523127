"""Forms of the administration pages."""

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

from app.core.forms import no_control_characters, strip_text
from app.core.permissions import Role


class DecisionForm(FlaskForm):
    """Approve or reject one or many applications, with an optional message to the applicants.

    The applications are the ticked `application_id` checkboxes of the queue (read by the view).
    """

    decision = RadioField(
        "Decision",
        choices=[SelectChoice("approve", "Approve and enrol"), SelectChoice("reject", "Reject")],
        validators=[DataRequired("Choose approve or reject.")],
    )
    message = TextAreaField(
        "Message to the applicants (optional, sent in the e-mail)",
        filters=[strip_text],
        validators=[
            Optional(),
            Length(max=2000, message="Use at most 2000 characters."),
            no_control_characters,
        ],
    )
    return_to = HiddenField()


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(role.value, role.label) for role in Role])
    courses = MultiCheckboxField("Courses this instructor teaches", coerce=int)


class AccountStatusForm(FlaskForm):
    """Deactivate or reactivate: the button sends the wanted state."""

    active = HiddenField(validators=[DataRequired()])
