"""How a lower package makes a higher one act without importing it (docs/architecture.md).

The packages import each other only downwards (core < accounts < catalog < learning < quizzes,
live < certificates < authoring < admin). When something a lower package does concerns a
higher one, the lower package names it here and the higher one answers:

- a signal (blinker, as Flask uses it) says that something happened; its receivers run at
  once, in the sender's request and transaction, so the view still commits once;
- a `Provider` is a question with one answerer (a function the higher package provides): a
  lower package reads what a higher one keeps, such as the learner's quiz records and live
  sessions for the completion rules;
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

enrollment_completed = _signals.signal("enrollment-completed")
"""An enrolment's completion was recorded (learning.operations.record_completion): sent with
the enrolment and `now=`. The certificates package issues the certificate that the course
gives by itself."""

live_session_changed = _signals.signal("live-session-changed")
"""A live session's learners have something to know: it moved, its link changed, it was
cancelled or put back (`LiveSession.notice_of`). Sent by the schedule editor and the course
import with the session, `changes=` (a frozenset of "time", "link", "cancelled",
"restored"), `previous_starts_at=` and `now=`; the live package writes the notices to its cohort."""


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
# A learner's facts for the completion rules (learning.queries.learner_facts) come from the
# packages that keep them, still in two queries for any number of courses:
taken_part: Provider[Callable[[Any, Any], tuple[Any, ...]]] = Provider(
    "the SELECTs of (course id, session id, 'attended' or 'watched') of a learner's live"
    " sessions (user id and course ids as bound parameters), to add to a UNION ALL"
)
quiz_records: Provider[Callable[[Any, list], dict[int, dict[int, Any]]]] = Provider(
    "a learner's record (attempts and their rules) at each published quiz of these courses,"
    " by course id and quiz id, in one query"
)
assignment_results: Provider[Callable[[Any, list], dict[int, tuple[frozenset, frozenset]]]] = (
    Provider(
        "a learner's assignments in these courses, by course id: the ids of those whose plan"
        " is submitted, and of those whose grade passes, in one query"
    )
)
sessions_attended_count: Provider[Callable[[Any], Any]] = Provider(
    "a scalar SELECT of how many of an enrolment's cohort's live sessions its learner attended,"
    " correlated with the enrolments table given (the progress report's counter)"
)
current_certificates: Provider[Callable[[Any], dict[int, Any]]] = Provider(
    "a person's current certificate of each enrolment that has one, by enrolment id"
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
