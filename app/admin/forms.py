"""Forms of the administration pages, and the filters of its lists."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.certificates.models import CertificateStatus
from app.core.forms import person_text, strip_text
from app.core.listing import FilterForm, FilterSelect, optional_id, search_field, trimmed
from app.core.mail import MailState
from app.core.permissions import Role
from app.learning.models import ApplicationStatus


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


def country_code(value: str) -> str:
    """A country filter's value: two letters, upper case (ValueError for anything else)."""
    code = value.upper()
    if len(code) != 2 or not code.isalpha():
        raise ValueError(value)
    return code


class ApplicationFilters(FilterForm):
    """The application queue's filters (and its CSV's)."""

    cohort = FilterSelect(_l("Cohort"), _l("All cohorts"), coerce=optional_id, id="filter-cohort")
    status = FilterSelect(
        _l("Status"), _l("Any status"), coerce=ApplicationStatus, id="filter-status"
    )
    country = FilterSelect(
        _l("Country"), _l("All countries"), coerce=country_code, id="filter-country"
    )


class UserFilters(FilterForm):
    submit_label = _l("Search")
    is_search = True

    q = search_field(_l("Name, e-mail or organisation"), id="users-q")
    role = FilterSelect(_l("Role"), _l("Any role"), coerce=Role, id="users-role")


class AuditFilters(FilterForm):
    action = FilterSelect(_l("Action"), _l("Any action"), id="audit-action")
    actor = StringField(
        _l("Done by (e-mail contains)"),
        id="audit-actor",
        filters=[trimmed(254), str.lower],
        render_kw={"maxlength": 254},
    )
    object_type = FilterSelect(_l("Object"), _l("Any object"), id="audit-type")
    object_id = StringField(
        _l("Object number"),
        id="audit-object-id",
        filters=[trimmed(64)],
        render_kw={"inputmode": "numeric", "maxlength": 64},
    )
    since = DateField(_l("From (date)"), id="audit-since")
    until = DateField(_l("To (date)"), id="audit-until")


class CertificateFilters(FilterForm):
    """The certificates console's search and filters (and its ZIP's)."""

    submit_label = _l("Search")
    is_search = True

    q = search_field(_l("Name, e-mail or serial"), id="certificates-q")
    status = FilterSelect(
        _l("Status"), _l("Any status"), coerce=CertificateStatus, id="certificates-status"
    )
    course = FilterSelect(
        _l("Course"), _l("Any course"), coerce=optional_id, id="certificates-course"
    )
    cohort = FilterSelect(
        _l("Cohort"), _l("Any cohort"), coerce=optional_id, id="certificates-cohort"
    )


class MailFilters(FilterForm):
    """The mail log's search and filters."""

    submit_label = _l("Search")
    is_search = True

    q = search_field(_l("Recipient's address contains"), id="mail-q")
    state = FilterSelect(_l("State"), _l("Any state"), coerce=MailState, id="mail-state")
    kind = FilterSelect(_l("Kind"), _l("Any kind"), id="mail-kind")
