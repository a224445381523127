"""Every write to certificates: issuing, the holder's name, revoking and reissuing."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.catalog.models import Cohort, Course
from app.catalog.translated import course_texts
from app.certificates.credential import sign_certificate
from app.certificates.models import Certificate, CertificateStatus, new_serial
from app.certificates.pdf import missing_characters
from app.certificates.pdf_store import make_after_commit
from app.certificates.queries import eligible_enrollments, valid_certificates_of
from app.certificates.status_list import allocate_entry
from app.core import audit, events
from app.core.mail import send_to_user_after_commit
from app.core.models import add_unless_duplicate
from app.core.text import UnsafeText, clean_short_text, unsafe_text_message
from app.core.timezones import local_time
from app.extensions import db
from app.learning.models import Enrollment

NAME_LONGEST = 200


class CertificateError(ValueError):
    """A certificate action that cannot be done, with a sentence saying why."""


def clean_name(text: str) -> str:
    """A name as it will be printed: the rule of every person's short text, then the fonts'."""
    try:
        name = clean_short_text(text)
    except UnsafeText as problem:
        raise CertificateError(unsafe_text_message(problem)) from None
    if len(name) < 2:
        raise CertificateError(_("Write your name as it should appear on the certificate."))
    if len(name) > NAME_LONGEST:
        raise CertificateError(_("A name can have at most %(num)d characters.", num=NAME_LONGEST))
    unprintable = missing_characters(name)
    if unprintable:
        raise CertificateError(
            _(
                "The certificate cannot print %(characters)s yet: its fonts cover Latin, "
                "Arabic and Korean letters. Write your name in one of those scripts, or ask the "
                "course team for help.",
                characters=" ".join(unprintable),
            )
        )
    return name


def completion_day(enrollment: Enrollment) -> date | None:
    """The day the learner completed, in the cohort's own time zone: the rule of every date a
    certificate states, which its PDF and pages name ('7 December 2026 (Madrid time)'), and of
    the completion date on the learner's dashboard."""
    if enrollment.completed_at is None:
        return None
    return enrollment.completed_at.astimezone(ZoneInfo(enrollment.cohort.time_zone)).date()


def _years_later(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February, in a year without one
        return moment.replace(year=moment.year + years, day=28)


def _sign_and_publish(certificate: Certificate, holder_name: str, *, actor, now: datetime) -> None:
    """Give an approved certificate its name, serial and signature: from now on it is public."""
    certificate.holder_name = holder_name
    certificate.serial = new_serial()
    certificate.status = CertificateStatus.ISSUED
    certificate.issued_at = now
    years = certificate.course.settings.certificate.valid_years
    certificate.valid_until = _years_later(now, years) if years else None
    allocate_entry(certificate)  # its bit in the revocation list, named by the credential
    sign_certificate(certificate, now=now)
    db.session.flush()
    make_after_commit(certificate)  # its PDF, by the worker (pdf_store.py)
    audit.record(
        "certificate.issued",
        actor=actor,
        target=certificate,
        details={
            "serial": certificate.serial,
            "holder_name": holder_name,
            "cohort": certificate.cohort_title,
            "exception_reason": certificate.exception_reason,
        },
    )


def _mail_holder(certificate: Certificate, template: str, subject, **context) -> None:
    """Tell the holder, in their language, once the transaction commits."""
    send_to_user_after_commit(
        certificate.user, subject, f"mail/{template}", certificate=certificate, **context
    )


def _mail_issued(certificate: Certificate) -> None:
    _mail_holder(
        certificate,
        "certificate_issued.txt",
        _l("Your certificate for %(course)s", course=certificate.course_title),
    )


def certificate_texts(course: Course, cohort: Cohort, language: str) -> dict:
    """What a certificate states in words: in the holder's language when the course has a
    current translation of its certificate into it, else in the course's."""
    settings = course.settings.certificate
    texts = {
        "title": settings.title,
        "wording": settings.wording,
        "course_title": course.title,
        "cohort_title": cohort.title,
        "text_language": None,
    }
    if language == course.language or language not in course.languages:
        return texts
    translated = course_texts(course.id, course.outline_version, language)
    wording = translated.get("course", course.id, "certificate_wording")
    if wording is None:
        return texts
    return {
        "title": translated.get("course", course.id, "certificate_title") or settings.title,
        "wording": wording,
        "course_title": translated.get("course", course.id, "title") or course.title,
        "cohort_title": translated.get("cohort", cohort.id, "title") or cohort.title,
        "text_language": language,
    }


def issue_certificate(
    enrollment: Enrollment, *, actor, now: datetime, reason: str | None = None
) -> Certificate | None:
    """Issue an enrolment's certificate; None when it has one already.

    A learner who has not confirmed the name to print gets it as soon as they do: until then
    the certificate waits, approved, with no serial. `reason` issues to a learner who has not
    met the completion rules (an exception, recorded on the certificate and in the audit log).
    `actor` None means the course issued it automatically.
    """
    reason = (reason or "").strip() or None
    if not enrollment.is_complete and reason is None:
        raise CertificateError(
            _(
                "%(name)s has not completed the course. To issue a certificate "
                "anyway, issue it by exception and give the reason.",
                name=enrollment.user.name,
            )
        )
    cohort: Cohort = enrollment.cohort
    course = cohort.course
    settings = course.settings.certificate
    texts = certificate_texts(course, cohort, enrollment.user.preferred_language)
    certificate = Certificate(
        user_id=enrollment.user_id,
        course_id=course.id,
        cohort_id=cohort.id,
        enrollment_id=enrollment.id,
        current_for_enrollment_id=enrollment.id,
        **texts,
        hours=settings.hours,
        issuers=list(settings.issuers),
        signatories=[person.as_dict() for person in settings.signatories],
        # Issued without a completion: today on the cohort's clock, as every date it states.
        completed_on=completion_day(enrollment) or local_time(now, cohort.time_zone).date(),
        created_at=now,
        issued_by_id=actor.id if actor is not None else None,
        exception_reason=reason,
    )
    # Two admins issuing at once: the unique current_for_enrollment_id lets one row in.
    if not add_unless_duplicate(certificate):
        return None
    user = enrollment.user
    if user.certificate_name_confirmed_at is not None:
        _sign_and_publish(certificate, user.certificate_name, actor=actor, now=now)
        _mail_issued(certificate)
    else:
        audit.record(
            "certificate.approved",
            actor=actor,
            target=certificate,
            details={"cohort": cohort.slug, "waiting_for": "the learner to confirm their name"},
        )
        _mail_holder(
            certificate,
            "certificate_awaiting_name.txt",
            _l("Confirm your name for your certificate for %(course)s", course=course.title),
        )
    return certificate


def issue_to_everyone_eligible(cohort: Cohort, *, actor, now: datetime) -> list[Certificate]:
    """Issue a certificate to every learner of the cohort who completed and has none."""
    issued = [
        certificate
        for enrollment in eligible_enrollments(cohort)
        if (certificate := issue_certificate(enrollment, actor=actor, now=now)) is not None
    ]
    if issued:
        audit.record(
            "certificates.issued_to_cohort",
            actor=actor,
            target=cohort,
            details={"count": len(issued), "cohort": cohort.slug},
        )
    return issued


@events.enrollment_completed.connect
def issue_at_completion(enrollment: Enrollment, *, now: datetime) -> None:
    """The course issues by itself (course.yaml `certificate.automatic: true`): at once, in
    the transaction that recorded the completion (core/events.py)."""
    if enrollment.cohort.course.settings.certificate.automatic:
        issue_certificate(enrollment, actor=None, now=now)


def confirm_certificate_name(user, text: str, *, now: datetime) -> tuple[list, list]:
    """Record the name to print; issue what waited for it, and reissue on a correction.

    Returns (certificates issued, certificates reissued). Confirming the same name again
    changes nothing.
    """
    name = clean_name(text)
    first_time = user.certificate_name_confirmed_at is None
    if not first_time and name == user.certificate_name:
        return [], []
    previous = user.certificate_name
    user.certificate_name = name
    user.certificate_name_confirmed_at = now
    audit.record(
        "certificate.name_confirmed" if first_time else "certificate.name_corrected",
        actor=user,
        target=user,
        details={"name": name, **({} if first_time else {"previous": previous})},
    )
    # Read before the waiting ones are issued: those carry the new name already.
    valid = [] if first_time else valid_certificates_of(user)
    waiting = db.session.scalars(
        select(Certificate).where(
            Certificate.user_id == user.id,
            Certificate.status == CertificateStatus.AWAITING_NAME,
        )
    ).all()
    for certificate in waiting:
        _sign_and_publish(certificate, name, actor=user, now=now)
        _mail_issued(certificate)
    reissued = [
        reissue_certificate(
            certificate,
            actor=user,
            now=now,
            reason="The holder corrected their name.",
            holder_name=name,
            corrected=True,
        )
        for certificate in valid
    ]
    return list(waiting), reissued


def revoke_certificate(certificate: Certificate, *, actor, reason: str, now: datetime) -> None:
    """Revoke a valid certificate: its public page says so, with the reason, at once."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_("Give the reason for revoking: the verification page shows it."))
    changed = db.session.execute(
        update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.status == CertificateStatus.ISSUED)
        .values(
            status=CertificateStatus.REVOKED,
            revoked_at=now,
            revoked_by_id=actor.id,
            revocation_reason=reason,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(certificate)
    if changed != 1:
        raise CertificateError(
            _(
                "This certificate is %(status)s: only a valid one can be revoked.",
                status=str(certificate.status.label).lower(),
            )
        )
    audit.record(
        "certificate.revoked",
        actor=actor,
        target=certificate,
        details={"serial": certificate.serial, "reason": reason},
    )
    _mail_holder(
        certificate,
        "certificate_revoked.txt",
        _l("Your certificate for %(course)s was revoked", course=certificate.course_title),
    )


def reissue_certificate(
    old: Certificate,
    *,
    actor,
    reason: str,
    now: datetime,
    holder_name: str | None = None,
    corrected: bool = False,
) -> Certificate:
    """A new certificate (new serial) in place of one: the old one says "replaced by" it.

    `corrected`: the holder corrected their name (the mail they get says so)."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_("Give the reason for reissuing: it is kept with the history."))
    name = clean_name(holder_name) if holder_name is not None else old.holder_name
    enrollment_id = old.current_for_enrollment_id
    # Conditional, so that two admins reissuing the same certificate make one replacement.
    changed = db.session.execute(
        update(Certificate)
        .where(
            Certificate.id == old.id,
            Certificate.replaced_by_id.is_(None),
            Certificate.status.in_([CertificateStatus.ISSUED, CertificateStatus.REVOKED]),
        )
        .values(current_for_enrollment_id=None, replacement_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(old)
    if changed != 1:
        raise CertificateError(
            _(
                "This certificate was already replaced, or was never issued: reissue the "
                "current one."
            )
        )
    new = Certificate(
        user_id=old.user_id,
        course_id=old.course_id,
        cohort_id=old.cohort_id,
        enrollment_id=old.enrollment_id,
        current_for_enrollment_id=enrollment_id,
        title=old.title,
        wording=old.wording,
        course_title=old.course_title,
        cohort_title=old.cohort_title,
        text_language=old.text_language,
        hours=old.hours,
        issuers=list(old.issuers),
        signatories=[dict(person) for person in old.signatories],
        completed_on=old.completed_on,
        created_at=now,
        issued_by_id=actor.id if actor is not None else None,
        exception_reason=old.exception_reason,
    )
    db.session.add(new)
    db.session.flush()
    _sign_and_publish(new, name, actor=actor, now=now)
    if old.status == CertificateStatus.ISSUED:
        old.status = CertificateStatus.REPLACED
    old.replaced_by_id = new.id
    db.session.flush()
    audit.record(
        "certificate.reissued",
        actor=actor,
        target=new,
        details={"serial": new.serial, "replaces": old.serial, "reason": reason},
    )
    course = new.course_title
    subject = (
        _l("Your certificate for %(course)s now carries your corrected name", course=course)
        if corrected
        else _l("Your certificate for %(course)s was reissued", course=course)
    )
    _mail_holder(new, "certificate_reissued.txt", subject, replaced=old, corrected=corrected)
    return new
