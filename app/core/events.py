"""How a lower package makes a higher one act without importing it (docs/architecture.md).

The packages import each other only downwards (core < accounts < catalog < learning < quizzes,
live < certificates < authoring < admin). When something a lower package does concerns a
higher one, the lower package names it here and the higher one answers:

- a signal (blinker, as Flask uses it) says that something happened; its receivers run at
  once, in the sender's request and transaction, so the view still commits once;
- a `Provider` is a question with one answerer (a function the higher package provides);
- `person_records` gathers what each package keeps about a person, for the personal-data
  download and for erasing an account.

The higher packages connect and provide at import time, in the module that does the work
(`@enrollment_completed.connect`, `@session_attendance.provide`): create_app imports every
package, so every answer is in place before the first request. create_app registers the
person records itself, one package after the other up the layers, so their order is fixed.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from blinker import Namespace

_signals = Namespace()

learner_progressed = _signals.signal("learner-progressed")
"""A learner did something that may complete a course: a lesson marked done, a quiz passed, a
live session taken part in. Sent with the learner, `course=` the course. The learning package
evaluates the completion rules again and records a completion."""

enrollment_completed = _signals.signal("enrollment-completed")
"""An enrolment's completion was recorded: sent with the enrolment. The certificates package
issues the certificate that the course gives automatically."""


F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Provider(Generic[F]):
    """A question a lower package asks and exactly one higher package answers."""

    question: str
    answer: F | None = None

    def provide(self, function: F) -> F:
        self.answer = function
        return function

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.answer is None:
            raise LookupError(f"nothing answers: {self.question}")
        return self.answer(*args, **kwargs)


session_attendance: Provider[Callable[[int], dict[int, int]]] = Provider(
    "how many learners took part in each session of a cohort (by session id)"
)


@dataclass(frozen=True)
class PersonalRecords:
    """What one package keeps about a person: `export` gives it as plain data (keys of the
    download), `erase` removes it and returns the spellings of the person's name it held (to
    erase from the audit log too)."""

    export: Callable[[Any], dict[str, Any]]
    erase: Callable[[Any], list[str]]


@dataclass
class PersonRecords:
    """Every package's part of a person's records, in the order the packages registered."""

    parts: dict[str, PersonalRecords] = field(default_factory=dict)

    def register(self, package: str, *, export, erase) -> None:
        self.parts[package] = PersonalRecords(export, erase)

    def export(self, user) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for part in self.parts.values():
            found.update(part.export(user))
        return found

    def erase(self, user) -> list[str]:
        """Erase every part, the highest package first (certificates before enrolments)."""
        names: list[str] = []
        for part in reversed(list(self.parts.values())):
            names += part.erase(user)
        return names


person_records = PersonRecords()
