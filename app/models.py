"""Every model, imported in one place so the metadata (and Alembic) sees them all."""

from app.accounts.models import User
from app.assignments.models import (
    DateExtension,
    DraftCopy,
    PeerReview,
    ReviewRound,
    Submission,
    SubmissionFile,
)
from app.catalog.authored import LessonRevision, UploadedImage
from app.catalog.models import (
    Assignment,
    AssignmentDates,
    Choice,
    Cohort,
    Course,
    CourseStaff,
    Lesson,
    LessonTranslation,
    LiveSession,
    MediaFile,
    Module,
    Question,
    QuestionVersion,
    Quiz,
    TextTranslation,
)
from app.certificates.models import Certificate, CertificatePdf, SigningKey, StatusEntry
from app.core.audit import AuditEvent
from app.core.jobs import WorkerHeartbeat
from app.core.mail import OutgoingMail
from app.core.permissions import Role
from app.core.subscriptions import MailDigest, MailOptOut
from app.discussions.models import (
    DiscussionPost,
    DiscussionThread,
    HelpfulMark,
    PostReport,
    ThreadSubscription,
)
from app.learning.models import (
    Announcement,
    AnnouncementDismissal,
    Application,
    ApplicationDraft,
    Enrollment,
    LessonProgress,
)
from app.live.models import Attendance, CalendarFeed, RecordingView
from app.quizzes.models import AttemptAnswer, AttemptGrant, QuizAttempt, QuizBest

__all__ = [
    "Announcement",
    "AnnouncementDismissal",
    "Application",
    "ApplicationDraft",
    "Assignment",
    "AssignmentDates",
    "AttemptAnswer",
    "AttemptGrant",
    "Attendance",
    "AuditEvent",
    "CalendarFeed",
    "Certificate",
    "CertificatePdf",
    "Choice",
    "Cohort",
    "Course",
    "CourseStaff",
    "DateExtension",
    "DiscussionPost",
    "DiscussionThread",
    "DraftCopy",
    "Enrollment",
    "HelpfulMark",
    "Lesson",
    "LessonProgress",
    "LessonRevision",
    "LessonTranslation",
    "LiveSession",
    "MailDigest",
    "MailOptOut",
    "MediaFile",
    "Module",
    "OutgoingMail",
    "PeerReview",
    "PostReport",
    "Question",
    "QuestionVersion",
    "Quiz",
    "QuizAttempt",
    "QuizBest",
    "RecordingView",
    "ReviewRound",
    "Role",
    "SigningKey",
    "StatusEntry",
    "Submission",
    "SubmissionFile",
    "TextTranslation",
    "ThreadSubscription",
    "UploadedImage",
    "User",
    "WorkerHeartbeat",
]
