"""Pieces every form shares: text clean-up and the choices of profile fields."""

from flask import render_template, request
from wtforms import SelectChoice, SelectField
from wtforms.validators import ValidationError

from app.core.places import countries, selectable_time_zones, time_zones_by_area


def form_page(template: str, form, **context):
    """A page with a form: 200 when first shown, 400 when a sent form came back with errors."""
    status = 400 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status


def strip_text(value):
    """Trim surrounding spaces from text fields (passwords are never stripped)."""
    return value.strip() if isinstance(value, str) else value


def normalise_email(value):
    """E-mail addresses are compared without case: Ana@X.org and ana@x.org are one account."""
    return value.strip().lower() if isinstance(value, str) else value


def no_control_characters(form, field) -> None:
    if field.data and any(ord(c) < 32 and c not in "\n\r\t" for c in field.data):
        raise ValidationError("Remove the invisible control characters from this field.")


class CountryField(SelectField):
    def __init__(self, label="Country", **kwargs):
        super().__init__(label, **kwargs)
        self.choices = [
            SelectChoice("", "Choose a country"),
            *(SelectChoice(code, name) for code, name in countries()),
        ]


class TimeZoneField(SelectField):
    """A time zone picker grouped by area; a small script preselects the browser's zone."""

    def __init__(self, label="Time zone", **kwargs):
        super().__init__(label, **kwargs)
        self.choices = [
            SelectChoice(zone, zone.replace("_", " "), optgroup=area)
            for area, zones in time_zones_by_area()
            for zone in zones
        ]

    def pre_validate(self, form) -> None:
        if self.data not in selectable_time_zones():
            raise ValidationError("Choose a time zone from the list.")
