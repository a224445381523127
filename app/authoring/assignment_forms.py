"""The course team's forms for assignments: the list's filters, and later dates for one
learner (on the cohort's clock). The assessment form's fields follow the rubric: the view
reads them and the operation checks them."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from app.authoring.session_forms import ClockField, DayField, NonexistentTimeError, local_start
from app.core.forms import no_control_characters, strip_text
from app.core.listing import FilterForm, FilterSelect, search_field

WORK_STATES = [
    ("none", _l("No plan yet")),
    ("draft", _l("Draft")),
    ("submitted", _l("Submitted")),
    ("reviews_missing", _l("Reviews to write")),
]


class WorkFilters(FilterForm):
    is_search = True
    q = search_field(_l("Name or e-mail"), id="work-q")
    state = FilterSelect(_l("Plan"), _l("Any"), id="work-state")


def _day(label):
    return DayField(
        label,
        invalid_value_message=_l("Give the date as YYYY-MM-DD (for example 2027-07-08)."),
        validators=[DataRequired(_l("Give the date."))],
    )


def _clock(label):
    return ClockField(
        label,
        format=["%H:%M", "%H:%M:%S"],
        invalid_value_message=_l("Give the time as HH:MM on a 24-hour clock (for example 18:30)."),
        validators=[DataRequired(_l("Give the time."))],
    )


class ExtensionForm(FlaskForm):
    """New due dates for one learner, as times on the cohort's clock."""

    plan_day = _day(_l("Plan due on"))
    plan_clock = _clock(_l("At"))
    reviews_day = _day(_l("Reviews due on"))
    reviews_clock = _clock(_l("At"))
    reason = StringField(
        _l("Reason (optional, for the course team)"),
        filters=[strip_text],
        validators=[Length(max=500), no_control_characters],
    )

    FIELD_ORDER = ("plan_day", "plan_clock", "reviews_day", "reviews_clock", "reason")

    def __init__(self, *args, zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.plan_due_at: datetime | None = None
        self.reviews_due_at: datetime | None = None

    def _moment(self, day, clock) -> datetime | None:
        if day.data is None or clock.data is None:
            return None
        try:
            return local_start(day.data, clock.data, self.zone).starts_at
        except NonexistentTimeError as error:
            raise ValidationError(str(error)) from None

    def validate_plan_clock(self, field) -> None:
        self.plan_due_at = self._moment(self.plan_day, field)

    def validate_reviews_clock(self, field) -> None:
        self.reviews_due_at = self._moment(self.reviews_day, field)
        if self.plan_due_at and self.reviews_due_at and self.reviews_due_at <= self.plan_due_at:
            raise ValidationError(_l("Reviews must be due after the plan."))
