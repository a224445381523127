"""The forms of discussions: a post (and a new thread's title), a report, a hidden post's
reason, and the buttons that only carry a CSRF token."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.core.forms import no_control_characters, person_text, strip_text

MAX_POST = 10_000
MAX_TITLE = 200
MAX_REASON = 500


YOUR_POST = _l("Your post")


def _body_field(label=YOUR_POST):
    return TextAreaField(
        label,
        filters=[strip_text],
        description=_l(
            "Markdown, as in lessons: **bold**, [a link](https://…), lists, and > for a quote."
        ),
        validators=[
            DataRequired(_l("Write something first.")),
            Length(
                max=MAX_POST,
                message=lazy_ngettext(
                    "A post can have at most %(num)d character.",
                    "A post can have at most %(num)d characters.",
                    MAX_POST,
                ),
            ),
            no_control_characters,
        ],
    )


def _reason_field(label, missing):
    return TextAreaField(
        label,
        filters=[strip_text],
        validators=[
            DataRequired(missing),
            Length(
                max=MAX_REASON,
                message=lazy_ngettext(
                    "Say it in at most %(num)d character.",
                    "Say it in at most %(num)d characters.",
                    MAX_REASON,
                ),
            ),
            person_text(multiline=True),
        ],
    )


class PostForm(FlaskForm):
    """A reply in a thread; `reply_to` names the post it answers (from a quote)."""

    body = _body_field()
    reply_to = HiddenField()

    def reply_to_id(self) -> int | None:
        value = (self.reply_to.data or "").strip()
        return int(value) if value.isdigit() and len(value) < 12 else None


class EditForm(FlaskForm):
    body = _body_field()


class ThreadForm(FlaskForm):
    """A new free thread: its title and its first post."""

    title = StringField(
        _l("Title"),
        filters=[strip_text],
        validators=[
            DataRequired(_l("Give the thread a title.")),
            Length(
                max=MAX_TITLE,
                message=lazy_ngettext(
                    "The title can have at most %(num)d character.",
                    "The title can have at most %(num)d characters.",
                    MAX_TITLE,
                ),
            ),
            person_text(),
        ],
    )
    body = _body_field(_l("First post"))


class ReportForm(FlaskForm):
    reason = _reason_field(
        _l("What is wrong with this post?"), _l("Say what is wrong, so the course team can judge.")
    )


class HideForm(FlaskForm):
    reason = _reason_field(
        _l("Why is it hidden?"), _l("Give the reason: it is kept in the audit log.")
    )


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token (and, at times, a choice)."""

    value = HiddenField()
