"""Forms for registration, login, password reset and the profile."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, ValidationError

from app.accounts.passwords import MAX_LENGTH, password_problem
from app.core.forms import (
    CountryField,
    TimeZoneField,
    guessed_time_zone,
    normalise_email,
    short_text,
    strip_text,
)
from app.core.i18n import LANGUAGES
from app.core.subscriptions import DIGEST_TOPICS, MailTopic

REQUIRED = _l("This field is required.")


def email_field(label: str | None = None, check_format: bool = True) -> EmailField:
    """An e-mail field; login and reset skip the format check, so any stored address works."""
    validators = [
        DataRequired(REQUIRED),
        Length(max=254, message=_l("An e-mail address has at most 254 characters.")),
    ]
    if check_format:
        validators.append(Email(_l("Enter an e-mail address such as name@city.gov.")))
    if label is None:
        label = _l("E-mail address")
    return EmailField(label, filters=[normalise_email], validators=validators)


def text_field(label: str, max_length: int = 200, **kwargs) -> StringField:
    return StringField(
        label,
        filters=[strip_text],
        validators=[
            # Both: a missing field and one left blank (or only spaces) are refused alike.
            InputRequired(REQUIRED),
            DataRequired(REQUIRED),
            Length(
                max=max_length,
                message=lazy_ngettext(
                    "Use at most %(num)d character.", "Use at most %(num)d characters.", max_length
                ),
            ),
            short_text,
        ],
        **kwargs,
    )


def new_password_field(label=None) -> PasswordField:
    return PasswordField(
        _l("Password") if label is None else label,
        validators=[InputRequired(REQUIRED)],
        description=_l("At least 12 characters. A few unrelated words make a good password."),
    )


class ProfileFields:
    """The profile the programme asks of public officials."""

    name = text_field(_l("Full name"), description=_l("As it should appear on your certificate."))
    organisation = text_field(_l("Organisation"), description=_l("Your city or government."))
    position = text_field(_l("Position"))
    city = text_field(_l("City"), max_length=120)
    country = CountryField(
        validators=[InputRequired(_l("Choose a country.")), DataRequired(_l("Choose a country."))]
    )
    preferred_language = SelectField(
        _l("Preferred language"),
        # Each language named in itself, and marked so (WCAG 3.1.2).
        choices=[
            SelectChoice(code, name, render_kw={"lang": code}) for code, name in LANGUAGES.items()
        ],
    )
    time_zone = TimeZoneField(
        description=_l("Every date and time is shown in this time zone."),
        default=guessed_time_zone,
    )


class NewPasswordMixin:
    """Checks the new password against the rules and the person's own name and e-mail."""

    def check_new_password(self, field, email: str, name: str) -> None:
        problem = password_problem(field.data or "", email=email, name=name)
        if problem:
            raise ValidationError(problem)


class RegistrationForm(ProfileFields, NewPasswordMixin, FlaskForm):
    email = email_field()
    password = new_password_field()

    def validate_password(self, field) -> None:
        self.check_new_password(field, self.email.data or "", self.name.data or "")


class LoginForm(FlaskForm):
    email = email_field(check_format=False)
    password = PasswordField(
        _l("Password"),
        validators=[
            InputRequired(REQUIRED),
            Length(
                max=MAX_LENGTH,
                message=lazy_ngettext(
                    "A password has at most %(num)d character.",
                    "A password has at most %(num)d characters.",
                    MAX_LENGTH,
                ),
            ),
        ],
    )
    remember = BooleanField(_l("Keep me logged in on this device for 30 days"))


class ForgotPasswordForm(FlaskForm):
    email = email_field(check_format=False)


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    password = new_password_field(_l("New password"))
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[InputRequired(REQUIRED), EqualTo("password", _l("The two passwords differ."))],
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_password(self, field) -> None:
        self.check_new_password(field, self.user.email, self.user.name)


class ProfileForm(ProfileFields, FlaskForm):
    pass


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField(_l("Current password"), validators=[InputRequired(REQUIRED)])

    def validate_current_password(self, field) -> None:
        if not self.user.check_password(field.data or ""):
            raise ValidationError(_("This is not your current password."))


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[InputRequired(REQUIRED)])
    confirm = BooleanField(
        _l(
            "I understand that my account, profile, applications and enrolments are deleted "
            "and cannot be recovered"
        ),
        validators=[DataRequired(_l("Tick this box to confirm."))],
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_password(self, field) -> None:
        if not self.user.check_password(field.data or ""):
            raise ValidationError(_("This is not your password."))


class MailSettingsForm(FlaskForm):
    """A box per optional kind of mail (core/subscriptions.py), ticked when it is sent."""

    def wanted(self) -> set[MailTopic]:
        return {topic for topic in MailTopic if self[topic.value].data}

    def digests(self) -> dict[MailTopic, bool]:
        """For each topic that can come as a daily digest: whether it should."""
        return {topic: self[f"{topic.value}_delivery"].data == "digest" for topic in DIGEST_TOPICS}


for _topic in MailTopic:
    setattr(
        MailSettingsForm,
        _topic.value,
        BooleanField(_topic.label, description=_topic.hint),
    )
for _topic in DIGEST_TOPICS:
    setattr(
        MailSettingsForm,
        f"{_topic.value}_delivery",
        RadioField(
            _topic.label,
            choices=[
                SelectChoice("each", _l("Each as it comes")),
                SelectChoice(
                    "digest", _l("Once a day, in one mail, at a waking hour on your clock")
                ),
            ],
            default="each",
        ),
    )
