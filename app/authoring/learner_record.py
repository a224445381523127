"""The reads behind a learner's record in a course (app/authoring/learner_views.py): everything
the course keeps about one person, in a fixed number of queries."""

from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.catalog.models import Cohort, Course, LiveSession, Module, Quiz
from app.catalog.outline import outline_of
from app.certificates.models import Certificate
from app.certificates.queries import current_certificates_of
from app.core.mail import OutgoingMail
from app.extensions import db
from app.learning.models import Application, Enrollment
from app.learning.progress import CourseProgress, outline_cohort
from app.learning.queries import learner_facts
from app.live.models import Attendance, RecordingView
from app.quizzes.models import AttemptGrant, QuizAttempt

# Mail about the account itself, which the course team has no business reading about.
ACCOUNT_MAIL = ("reset_password", "confirm_email", "registration_attempt")
MAIL_SHOWN = 50


@dataclass(frozen=True)
class AttemptLimit:
    """A quiz with a limit on attempts, and how the learner stands against it."""

    quiz: Quiz
    used: int
    extra: int  # given by the course team

    @property
    def allowed(self) -> int:
        return self.quiz.max_attempts + self.extra

    @property
    def is_used_up(self) -> bool:
        return self.used >= self.allowed


@dataclass
class LearnerRecord:
    user: User
    applications: list[Application]
    enrollments: list[Enrollment]
    progress: dict[int, CourseProgress] = field(default_factory=dict)
    attempts: list[QuizAttempt] = field(default_factory=list)
    limits: list[AttemptLimit] = field(default_factory=list)
    attendances: list[Attendance] = field(default_factory=list)
    recordings: list[RecordingView] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)
    mails: list[OutgoingMail] = field(default_factory=list)

    @property
    def certified_enrollment_ids(self) -> set[int]:
        """The enrolments a current certificate names (not to be moved or ended)."""
        return {c.current_for_enrollment_id for c in self.certificates} - {None}

    def cohorts_to_move_to(self, course: Course) -> list[Cohort]:
        taken = {enrollment.cohort_id for enrollment in self.enrollments}
        return [c for c in course.cohorts if c.id not in taken and not c.is_archived]


def learner_in(course: Course, user_id: int) -> LearnerRecord | None:
    """A person's applications and enrolments in the course; None when they have neither
    (their record is not the course's to see) or their account is gone."""
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        return None
    cohort_ids = [cohort.id for cohort in course.cohorts]
    applications = db.session.scalars(
        select(Application)
        .where(Application.user_id == user.id, Application.cohort_id.in_(cohort_ids))
        .options(joinedload(Application.cohort))
        .order_by(Application.submitted_at.desc())
    ).all()
    enrollments = db.session.scalars(
        select(Enrollment)
        .where(Enrollment.user_id == user.id, Enrollment.cohort_id.in_(cohort_ids))
        .options(joinedload(Enrollment.cohort))
        .order_by(Enrollment.enrolled_at.desc())
    ).all()
    if not applications and not enrollments:
        return None
    return LearnerRecord(user, list(applications), list(enrollments))


def fill(record: LearnerRecord, course: Course, *, sees_account_mail: bool) -> LearnerRecord:
    """The rest of the record: progress, attempts, live sessions, certificates, mail."""
    user = record.user
    outline = outline_of(course)
    facts = learner_facts(user, [outline])[outline.id]
    record.progress = {
        enrollment.id: CourseProgress(outline, outline_cohort(outline, enrollment), facts)
        for enrollment in record.enrollments
    }
    record.attempts = list(
        db.session.scalars(
            select(QuizAttempt)
            .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
            .join(Module, Module.id == Quiz.module_id)
            .where(QuizAttempt.user_id == user.id, Module.course_id == course.id)
            .options(joinedload(QuizAttempt.quiz))
            .order_by(QuizAttempt.started_at.desc())
        )
    )
    granted = dict(
        db.session.execute(
            select(AttemptGrant.quiz_id, AttemptGrant.extra).where(AttemptGrant.user_id == user.id)
        ).all()
    )
    record.limits = [
        AttemptLimit(
            quiz, sum(1 for a in record.attempts if a.quiz_id == quiz.id), granted.get(quiz.id, 0)
        )
        for quiz in outline.published_quizzes()
        if quiz.max_attempts is not None
    ]
    cohort_ids = [cohort.id for cohort in course.cohorts]
    record.attendances = list(
        db.session.scalars(
            select(Attendance)
            .join(LiveSession, LiveSession.id == Attendance.session_id)
            .where(Attendance.user_id == user.id, LiveSession.cohort_id.in_(cohort_ids))
            .options(joinedload(Attendance.session))
            .order_by(LiveSession.starts_at)
        )
    )
    record.recordings = list(
        db.session.scalars(
            select(RecordingView)
            .join(LiveSession, LiveSession.id == RecordingView.session_id)
            .where(RecordingView.user_id == user.id, LiveSession.cohort_id.in_(cohort_ids))
            .options(joinedload(RecordingView.session))
        )
    )
    record.certificates = list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user.id, Certificate.course_id == course.id)
            .order_by(Certificate.id.desc())
        )
    )
    mails = select(OutgoingMail).where(
        or_(OutgoingMail.user_id == user.id, OutgoingMail.recipient == user.email)
    )
    if not sees_account_mail:
        mails = mails.where(OutgoingMail.kind.not_in(ACCOUNT_MAIL))
    record.mails = list(
        db.session.scalars(mails.order_by(OutgoingMail.id.desc()).limit(MAIL_SHOWN))
    )
    return record


def current_certificate_of(enrollment: Enrollment) -> bool:
    """Whether a current certificate names this enrolment."""
    return enrollment.id in current_certificates_of([enrollment])
