"""A course's settings from course.yaml (`completion:` and `certificate:`), typed and read once.

The import stores both sections as they are written (the exporter writes them back unchanged,
so the format of course.yaml does not depend on this module); code reads them only through
`CourseSettings`, on `Course.settings` and on the course's outline.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_CERTIFICATE_TITLE = "Certificate of completion"


@dataclass(frozen=True, slots=True)
class CompletionRules:
    """`completion:`: what a learner must do for the certificate."""

    lessons: bool = False  # `lessons: all`: read every published lesson
    quizzes: bool = False  # `quizzes: all`: pass every published module quiz
    live_sessions_minimum: int = 0  # `live_sessions.minimum`
    recordings_count: bool = False  # `live_sessions.recordings_count`
    assignments: bool = False  # `assignments: passed`: every published assignment passed

    @classmethod
    def read(cls, data: Mapping[str, Any] | None) -> "CompletionRules":
        data = data or {}
        live = data.get("live_sessions") or {}
        return cls(
            lessons=data.get("lessons") == "all",
            quizzes=data.get("quizzes") == "all",
            live_sessions_minimum=int(live.get("minimum") or 0),
            recordings_count=bool(live.get("recordings_count")),
            assignments=data.get("assignments") == "passed",
        )


@dataclass(frozen=True, slots=True)
class Signatory:
    name: str
    role: str

    def as_dict(self) -> dict[str, str]:
        """As a certificate keeps it (`Certificate.signatories`)."""
        return {"name": self.name, "role": self.role}


@dataclass(frozen=True, slots=True)
class CertificateSettings:
    """`certificate:`: the certificate's wording and who issues it, and how."""

    title: str = DEFAULT_CERTIFICATE_TITLE
    hours: int = 0
    wording: str = ""
    issuers: tuple[str, ...] = ()
    signatories: tuple[Signatory, ...] = ()
    automatic: bool = False  # issued by the course itself when a learner completes
    staff_can_issue: bool = False  # the course's staff may issue, not only admins
    valid_years: int | None = None  # None: valid without end

    @classmethod
    def read(cls, data: Mapping[str, Any] | None) -> "CertificateSettings":
        data = data or {}
        return cls(
            title=data.get("title") or DEFAULT_CERTIFICATE_TITLE,
            hours=int(data.get("hours") or 0),
            wording=data.get("wording") or "",
            issuers=tuple(data.get("issuers") or ()),
            signatories=tuple(
                Signatory(str(person.get("name", "")), str(person.get("role", "")))
                for person in data.get("signatories") or ()
            ),
            automatic=bool(data.get("automatic")),
            staff_can_issue=bool(data.get("staff_can_issue")),
            valid_years=int(data["valid_years"]) if data.get("valid_years") else None,
        )


@dataclass(frozen=True, slots=True)
class CourseSettings:
    completion: CompletionRules = CompletionRules()
    certificate: CertificateSettings = CertificateSettings()

    @classmethod
    def read(
        cls, completion: Mapping[str, Any] | None, certificate: Mapping[str, Any] | None
    ) -> "CourseSettings":
        """From the stored `completion:` and `certificate:` sections of course.yaml."""
        return cls(CompletionRules.read(completion), CertificateSettings.read(certificate))
