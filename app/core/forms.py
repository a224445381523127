"""Pieces every form shares: text clean-up and the choices of profile fields."""

from flask import has_request_context, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField
from wtforms.validators import ValidationError

from app.core.i18n import current_language
from app.core.places import (
    canonical_zone,
    countries,
    guess_zone,
    selectable_time_zones,
    time_zone_choices,
)
from app.core.text import UnsafeText, clean_short_text, unsafe_text_message
from app.core.timezones import zone_label

# The time zone picker's groups (the IANA areas), as the reader reads them.
ZONE_AREA_LABELS = {
    "Africa": _l("Africa"),
    "America": _l("America"),
    "Antarctica": _l("Antarctica"),
    "Asia": _l("Asia"),
    "Atlantic": _l("Atlantic Ocean"),
    "Australia": _l("Australia"),
    "Europe": _l("Europe"),
    "Indian": _l("Indian Ocean"),
    "Pacific": _l("Pacific Ocean"),
    "Other": _l("Other"),
}
COUNTRY_LABEL = _l("Country")
TIME_ZONE_LABEL = _l("Time zone")


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
        raise ValidationError(_("Remove the invisible control characters from this field."))


def person_text(multiline: bool = False):
    """Validate text a person types (see `clean_short_text`) and keep it cleaned."""

    def check(form, field) -> None:
        if not field.data:
            return
        try:
            field.data = clean_short_text(field.data, multiline=multiline)
        except UnsafeText as problem:
            raise ValidationError(unsafe_text_message(problem)) from None

    return check


# One line: names, organisations, positions, cities.
short_text = person_text()


class CountryField(SelectField):
    """Countries by their names in the reader's language (the stored value is the ISO code)."""

    def __init__(self, label=COUNTRY_LABEL, **kwargs):
        super().__init__(label, **kwargs)
        self.choices = [
            SelectChoice("", _("Choose a country")),
            *(SelectChoice(code, name) for code, name in countries(current_language())),
        ]


def guessed_time_zone() -> str:
    """The zone a new person most likely lives in, for a picker that no browser script has
    set: from the request's Accept-Language ('es-CO': America/Bogota; 'ko': Asia/Seoul), else
    the interface's language. Never UTC by default."""
    tags = [tag for tag, _quality in request.accept_languages] if has_request_context() else []
    return guess_zone(tags, current_language())


class TimeZoneField(SelectField):
    """A time zone picker: cities and their zones' names in the reader's language, grouped
    by region and sorted the language's way. static/js/timezone.js preselects the browser's
    zone (each option lists the zone's old names, which some browsers still report)."""

    def __init__(self, label=TIME_ZONE_LABEL, **kwargs):
        super().__init__(label, **kwargs)
        self.choices = [
            SelectChoice(
                zone,
                label,
                render_kw={"data-aliases": " ".join(aliases)} if aliases else {},
                optgroup=group,
            )
            for area, zones in time_zone_choices(current_language())
            for group in [str(ZONE_AREA_LABELS.get(area, area))]
            for zone, label, aliases in zones
        ]

    # A zone saved under an old name shows as its current one.
    canonical = True

    def process_data(self, value) -> None:
        # One the list does not offer (Antarctica) stays chosen rather than falling to the
        # first option.
        if self.canonical and isinstance(value, str):
            value = canonical_zone(value)
        super().process_data(value)
        self._keep_offered(self.data)

    def process_formdata(self, valuelist) -> None:
        super().process_formdata(valuelist)
        self._keep_offered(self.data)

    def _keep_offered(self, zone) -> None:
        offered = any(choice.value == zone for choice in self.choices)
        if isinstance(zone, str) and zone in selectable_time_zones() and not offered:
            self.choices.append(SelectChoice(zone, zone_label(zone), optgroup=_("Other")))

    def pre_validate(self, form) -> None:
        if self.data not in selectable_time_zones():
            raise ValidationError(_("Choose a time zone from the list."))
