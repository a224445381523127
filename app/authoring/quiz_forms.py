"""Forms of the quiz editor: a quiz's settings, one question with its choices, and the small
forms that move and remove a question.

The rules are those of quiz.yaml (see `app.catalog.content.quiz_rules`), so that a quiz edited
in the browser exports to files that read back without problems.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.validators import Regexp as RegexpValidator
from wtforms.widgets import CheckboxInput, ListWidget

from app.authoring.quiz_operations import QuestionContent, QuizSettings, content_problems
from app.catalog.content.schema import SLUG
from app.catalog.models import Feedback, QuestionKind, Status
from app.core.forms import no_control_characters

# The choice boxes a question form shows; blank ones are left out.
CHOICE_SLOTS = 6
WHOLE_NUMBER = _l("Give a whole number, such as 70.")


def clean_text(value):
    """Trim surrounding spaces and end every line with a plain newline (browsers send CR LF)."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return value


def _text_length(limit: int) -> Length:
    return Length(
        max=limit,
        message=lazy_ngettext(
            "Use at most %(num)d character.", "Use at most %(num)d characters.", limit
        ),
    )


class NewQuizForm(FlaskForm):
    """A quiz's settings; a new quiz starts as a draft, so this form has no status."""

    title = StringField(
        _l("Title"),
        filters=[clean_text],
        validators=[
            DataRequired(_l("Give the quiz a title.")),
            _text_length(200),
            no_control_characters,
        ],
    )
    pass_mark = IntegerField(
        _l("Pass mark (%)"),
        description=_l("The score, in per cent, that passes the quiz: 0 to 100."),
        invalid_value_message=WHOLE_NUMBER,
        validators=[
            InputRequired(_l("Give the pass mark, a whole number from 0 to 100.")),
            NumberRange(0, 100, _l("The pass mark is a whole number from 0 to 100.")),
        ],
    )
    max_attempts = IntegerField(
        _l("Attempts"),
        description=_l(
            "How many attempts each learner has, from 1 to 100. Leave it blank for as many as "
            "they need."
        ),
        invalid_value_message=WHOLE_NUMBER,
        validators=[
            Optional(),
            NumberRange(
                1, 100, _l("Attempts is a whole number from 1 to 100, or blank for no limit.")
            ),
        ],
    )
    wait_minutes = IntegerField(
        _l("Minutes between attempts"),
        description=_l(
            "How long a learner waits after an attempt before the next one: 0 to 10080 (a "
            "week). Blank or 0: no wait."
        ),
        invalid_value_message=WHOLE_NUMBER,
        validators=[
            Optional(),
            NumberRange(0, 10080, _l("The wait is a whole number of minutes from 0 to 10080.")),
        ],
    )
    shuffle = BooleanField(
        _l("Shuffle the questions and their choices for each attempt"),
        description=_l("True or false questions keep True before False."),
    )
    feedback = RadioField(
        _l("When learners see the right answers and explanations"),
        choices=[
            SelectChoice(Feedback.EVERY_ATTEMPT.value, _l("After every attempt")),
            SelectChoice(Feedback.ONCE_PASSED.value, _l("Once they have passed the quiz")),
        ],
        default=Feedback.EVERY_ATTEMPT.value,
        validate_choice=False,
        validators=[
            AnyOf(
                [feedback.value for feedback in Feedback],
                message=_l("Choose when learners see the right answers."),
            )
        ],
    )

    def settings(self, status: Status = Status.DRAFT) -> QuizSettings:
        return QuizSettings(
            title=self.title.data,
            pass_mark=self.pass_mark.data,
            max_attempts=self.max_attempts.data,
            wait_minutes=self.wait_minutes.data or 0,
            shuffle=bool(self.shuffle.data),
            feedback=Feedback(self.feedback.data),
            status=status,
        )


class QuizSettingsForm(NewQuizForm):
    status = RadioField(
        _l("Status"),
        choices=[
            SelectChoice(Status.PUBLISHED.value, _l("Published: learners of the module take it")),
            SelectChoice(Status.DRAFT.value, _l("Draft: hidden from learners")),
        ],
        validate_choice=False,
        validators=[
            AnyOf(
                [Status.PUBLISHED.value, Status.DRAFT.value],
                message=_l("Choose published or draft."),
            )
        ],
    )

    def settings(self, status: Status | None = None) -> QuizSettings:
        return super().settings(Status(self.status.data) if status is None else status)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class QuestionForm(FlaskForm):
    """One question; the choice boxes `choice_1`... are added below the class."""

    # The version the form was made from: a save from an older one is refused.
    version = HiddenField()
    kind = RadioField(
        _l("Kind of question"),
        choices=[
            SelectChoice(QuestionKind.SINGLE.value, _l("One right answer")),
            SelectChoice(QuestionKind.MULTIPLE.value, _l("One or more right answers")),
            SelectChoice(QuestionKind.TRUE_FALSE.value, _l("True or false")),
        ],
        validate_choice=False,
        validators=[AnyOf([kind.value for kind in QuestionKind], message=_l("Choose the kind."))],
    )
    prompt = TextAreaField(
        _l("Question"),
        description=_l("For a true or false question, the statement to judge."),
        filters=[clean_text],
        validators=[
            DataRequired(_l("Write the question.")),
            _text_length(2000),
            no_control_characters,
        ],
    )
    right = MultiCheckboxField(
        _l("Right choices"),
        choices=[
            SelectChoice(n, _l("Choice %(num)d is right", num=n))
            for n in range(1, CHOICE_SLOTS + 1)
        ],
        coerce=int,
        invalid_choice_message=_l("Mark right choices with the boxes beside them."),
    )
    answer = RadioField(
        _l("For a true or false question, the statement is"),
        choices=[SelectChoice("true", _l("True")), SelectChoice("false", _l("False"))],
        validate_choice=False,
        validators=[Optional(), AnyOf(["true", "false"], message=_l("Choose true or false."))],
    )
    explanation = TextAreaField(
        _l("Explanation"),
        description=_l("Why the right answer is right: learners read it with their results."),
        filters=[clean_text],
        validators=[
            DataRequired(_l("Write the explanation learners see with the right answer.")),
            _text_length(2000),
            no_control_characters,
        ],
    )

    def choice_fields(self) -> list:
        return [self[f"choice_{n}"] for n in range(1, CHOICE_SLOTS + 1)]

    def field_order(self) -> list[str]:
        """The fields in the order the page shows them (for the error summary)."""
        names = [field.name for field in self.choice_fields()]
        start = ["slug"] if "slug" in self else []
        return [*start, "kind", "prompt", *names, "right", "answer", "explanation"]

    def fill(self, content: QuestionContent) -> None:
        """Show a question's content in the form (on a GET)."""
        self.kind.data = content.kind.value
        self.prompt.data = content.prompt
        self.explanation.data = content.explanation
        if content.kind == QuestionKind.TRUE_FALSE:
            self.answer.data = "true" if content.right == {1} else "false"
            return
        for field, text in zip(self.choice_fields(), content.choices, strict=False):
            field.data = text
        self.right.data = sorted(content.right)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.kind.errors or any(field.errors for field in self.choice_fields()):
            return False
        texts = [field.data or "" for field in self.choice_fields()]
        kind = QuestionKind(self.kind.data)
        filled = [n for n, text in enumerate(texts, start=1) if text]
        if kind == QuestionKind.TRUE_FALSE:
            right = {"true": frozenset({1}), "false": frozenset({2})}.get(self.answer.data)
            right_field = self.answer
        else:
            empty_right = [n for n in sorted(self.right.data or []) if n not in filled]
            if empty_right:
                self.right.errors.append(
                    _(
                        "Choice %(num)d is marked as right but has no text: write it, or "
                        "untick it.",
                        num=empty_right[0],
                    )
                )
                return False
            right = frozenset(filled.index(n) + 1 for n in self.right.data or [])
            right_field = self.right
        self._content = QuestionContent(
            kind=kind,
            prompt=self.prompt.data or "",
            explanation=self.explanation.data or "",
            choices=tuple(texts[n - 1] for n in filled),
            right=right or frozenset(),
        )
        for topic, message in content_problems(self._content):
            if topic == "right":
                right_field.errors.append(message)
            elif kind == QuestionKind.TRUE_FALSE:
                self[f"choice_{filled[0]}"].errors.append(message)
            else:  # too few: point at the first empty box
                empty = next(n for n, text in enumerate(texts, start=1) if not text)
                self[f"choice_{empty}"].errors.append(message)
            valid = False
        return valid

    def content(self) -> QuestionContent:
        """The question as the valid form says it (call after validate)."""
        return self._content


for _number in range(1, CHOICE_SLOTS + 1):
    setattr(
        QuestionForm,
        f"choice_{_number}",
        StringField(
            _l("Choice %(num)d", num=_number),
            filters=[clean_text],
            validators=[_text_length(500), no_control_characters],
        ),
    )


class NewQuestionForm(QuestionForm):
    slug = StringField(
        _l("Id"),
        description=_l(
            "Names the question in quiz.yaml, and cannot be changed later: lower-case letters, "
            "digits and single hyphens, such as 'unpaid-hours'."
        ),
        filters=[clean_text],
        validators=[
            DataRequired(_l("Give the question an id, such as 'unpaid-hours'.")),
            _text_length(80),
            RegexpValidator(
                SLUG,
                message=_l(
                    "Use only lower-case letters (a-z), digits and single hyphens between them, "
                    "such as 'unpaid-hours'."
                ),
            ),
        ],
    )


class MoveQuestionForm(FlaskForm):
    direction = HiddenField(
        validators=[AnyOf(["up", "down"], message=_l("Choose whether to move it up or down."))]
    )


class RemoveQuestionForm(FlaskForm):
    """Only a CSRF token: the question is in the address."""
