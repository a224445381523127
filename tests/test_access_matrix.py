"""Every route, walked as every kind of visitor: what each one gets, and what each one changes.

A route added to the app without a row here fails `test_every_route_is_in_the_matrix`.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.assignments.models import PeerReview
from app.assignments.operations import add_file, save_draft
from app.catalog.models import Course, EnrolmentMode, LiveSession, TextTranslation
from app.certificates.operations import issue_certificate
from app.core.mail import MailState, OutgoingMail
from app.core.permissions import Role
from app.core.types import utcnow
from app.discussions.models import DiscussionPost
from app.discussions.operations import start_thread
from app.extensions import db
from app.learning.announcement_operations import post_announcement
from app.learning.models import Application, ApplicationStatus, Enrollment
from app.learning.operations import enrol
from app.quizzes.models import AttemptState, QuizRecord
from app.quizzes.operations import start_attempt
from tests.conftest import Browser

pytestmark = pytest.mark.slow  # every route, as every kind of visitor

ROLES = [
    "anonymous",
    "learner",
    "enrolled_learner",
    "instructor_of_other_course",
    "instructor_of_course",
    "admin",
]
LOGIN = "login"  # a redirect to the login page, with ?next= back to the route
EVERYONE = dict.fromkeys(ROLES, 200)


def signed_in(status, anonymous=LOGIN):
    """Anonymous visitors go to the login page; every signed-in role gets `status`."""
    return {"anonymous": anonymous, **dict.fromkeys(ROLES[1:], status)}


def staff_only(other_course=200):
    return {
        "anonymous": LOGIN,
        "learner": 403,
        "enrolled_learner": 403,
        "instructor_of_other_course": other_course,
        "instructor_of_course": 200,
        "admin": 200,
    }


def studying(status, staff=None):
    """Those who study the course (its enrolled learners, its staff, admins) get `status`."""
    staff = status if staff is None else staff
    return {
        "anonymous": LOGIN,
        "learner": 403,
        "enrolled_learner": status,
        "instructor_of_other_course": 403,
        "instructor_of_course": staff,
        "admin": staff,
    }


def editing(status=200):
    """The course's staff and admins get `status`; staff of another course and learners 403."""
    return _with(staff_only(other_course=403), instructor_of_course=status, admin=status)


ADMIN_ONLY = {
    "anonymous": LOGIN,
    "learner": 403,
    "enrolled_learner": 403,
    "instructor_of_other_course": 403,
    "instructor_of_course": 403,
    "admin": 200,
}
POST_ONLY = dict.fromkeys(ROLES, 405)
HOLDER_ONLY = {
    "anonymous": LOGIN,
    "learner": 404,
    "enrolled_learner": 200,
    "instructor_of_other_course": 404,
    "instructor_of_course": 404,
    "admin": 200,
}
MEETING_URL = "https://meeting.example/j/matrix-secret"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c49444154789c"
    "63606060000000040001f61738550000000049454e44ae426082"
)


def _with(expected: dict, **changes) -> dict:
    return {**expected, **changes}


# (method, rule, expected status per role, form data for POSTs)
MATRIX = [
    ("GET", "/", EVERYONE, None),
    ("GET", "/healthz", EVERYONE, None),
    # The same answer for everyone; 503 here because the test database is made by create_all,
    # so it has no migration history (tests/test_deploy.py has /readyz at 200 and 503).
    ("GET", "/readyz", dict.fromkeys(ROLES, 503), None),
    ("POST", "/language", dict.fromkeys(ROLES, 302), {"language": "en", "next": "/"}),
    ("GET", "/static/<path:filename>", EVERYONE, None),
    ("GET", "/courses/<slug>", EVERYONE, None),
    ("GET", "/courses/<slug>/guidebook", EVERYONE, None),
    ("GET", "/courses/<slug>/media/<name>", EVERYONE, None),
    ("GET", "/courses/<slug>/lessons/<lesson_slug>", EVERYONE, None),
    ("GET", "/courses/<slug>/lessons/<lesson_slug>/done", POST_ONLY, None),
    ("POST", "/courses/<slug>/lessons/<lesson_slug>/done", studying(302), {}),
    ("GET", "/courses/<slug>/lectures/<module_slug>", studying(200), None),
    ("GET", "/courses/<slug>/quizzes/<module_slug>", studying(200), None),
    # Assignments: the enrolled learner has a draft with a file and a kept copy, and reviews
    # a peer's submitted plan (shown in the gallery). Staff study no cohort: no plan to write.
    ("GET", "/courses/<slug>/assignments/<module_slug>", studying(200), None),
    ("GET", "/courses/<slug>/assignments/<module_slug>/files/<int:file_id>", studying(200), None),
    ("GET", "/courses/<slug>/assignments/<module_slug>/plan", POST_ONLY, None),
    ("POST", "/courses/<slug>/assignments/<module_slug>/plan", studying(302, 403), {}),
    ("POST", "/courses/<slug>/assignments/<module_slug>/copies/<int:copy_id>/discard",
     studying(302, 403), {}),
    ("POST", "/courses/<slug>/assignments/<module_slug>/files", studying(400, 403), {}),
    ("POST", "/courses/<slug>/assignments/<module_slug>/files/<int:file_id>/remove",
     studying(302, 403), {}),
    ("POST", "/courses/<slug>/assignments/<module_slug>/gallery-consent", studying(409, 403), {}),
    ("GET", "/courses/<slug>/assignments/<module_slug>/reviews/<int:review_id>",
     studying(200, 404), None),
    ("POST", "/courses/<slug>/assignments/<module_slug>/reviews/<int:review_id>",
     studying(409, 404), {}),
    # Only a plan's author rates its reviews: the review is of the peer's plan.
    ("POST", "/courses/<slug>/assignments/<module_slug>/reviews/<int:review_id>/helpful",
     studying(404), {}),
    ("GET", "/courses/<slug>/assignments/<module_slug>/gallery", studying(200), None),
    ("GET", "/courses/<slug>/assignments/<module_slug>/plans/<int:submission_id>", studying(200),
     None),
    ("GET", "/courses/<slug>/quizzes/<module_slug>/attempts", POST_ONLY, None),
    ("POST", "/courses/<slug>/quizzes/<module_slug>/attempts", studying(302), {}),
    # Attempt 2 is the enrolled learner's (open): to anyone else it does not exist.
    ("GET", "/courses/<slug>/quizzes/<module_slug>/attempts/<int:number>", studying(200, 404),
     None),
    ("POST", "/courses/<slug>/quizzes/<module_slug>/attempts/<int:number>", studying(400, 404),
     {}),
    ("GET", "/login", _with(signed_in(302), anonymous=200), None),
    ("POST", "/login", _with(signed_in(302), anonymous=400), {}),
    ("GET", "/register", _with(signed_in(302), anonymous=200), None),
    ("POST", "/register", _with(signed_in(302), anonymous=400), {}),
    ("GET", "/forgot-password", EVERYONE, None),
    ("POST", "/forgot-password", dict.fromkeys(ROLES, 400), {}),
    ("GET", "/reset-password/<token>", dict.fromkeys(ROLES, 400), None),
    ("POST", "/reset-password/<token>", dict.fromkeys(ROLES, 400), {}),
    ("GET", "/confirm-email/<token>", dict.fromkeys(ROLES, 400), None),
    ("GET", "/account/confirm-email", POST_ONLY, None),
    ("POST", "/account/confirm-email", signed_in(302), {}),
    ("GET", "/logout", POST_ONLY, None),
    ("POST", "/logout", signed_in(302), {}),
    ("GET", "/dashboard", signed_in(200), None),
    ("GET", "/account", signed_in(200), None),
    ("POST", "/account", signed_in(400), {}),
    ("GET", "/account/password", signed_in(200), None),
    ("POST", "/account/password", signed_in(400), {}),
    ("GET", "/account/data.json", signed_in(200), None),
    # Nothing ticked: every optional mail turned off, which is a choice like any other.
    # Only a learner of the cohort it was posted to can put an announcement away.
    ("GET", "/announcements/<int:announcement_id>/dismiss", POST_ONLY, None),
    (
        "POST",
        "/announcements/<int:announcement_id>/dismiss",
        _with(dict.fromkeys(ROLES, 404), anonymous=LOGIN, enrolled_learner=302),
        {},
    ),
    ("GET", "/author/<slug>/cohorts/<cohort_slug>/announcements", editing(), None),
    ("GET", "/author/<slug>/cohorts/<cohort_slug>/announcements/new", editing(), None),
    ("POST", "/author/<slug>/cohorts/<cohort_slug>/announcements/new", editing(400), {}),
    ("GET", "/author/<slug>/announcements/<int:announcement_id>", editing(), None),
    ("POST", "/author/<slug>/announcements/<int:announcement_id>", editing(400), {}),
    ("GET", "/author/<slug>/announcements/<int:announcement_id>/withdraw", editing(), None),
    # Without confirm=yes (the confirmation page's button) nothing is withdrawn.
    ("POST", "/author/<slug>/announcements/<int:announcement_id>/withdraw", editing(400), {}),
    ("GET", "/account/mail", signed_in(200), None),
    ("POST", "/account/mail", signed_in(302), {}),
    # Without a login, by its signed token (tests/test_session_mail.py has a real one).
    ("GET", "/mail/unsubscribe/<token>", dict.fromkeys(ROLES, 404), None),
    ("POST", "/mail/unsubscribe/<token>", dict.fromkeys(ROLES, 404), {}),
    ("GET", "/account/delete", signed_in(200), None),
    ("POST", "/account/delete", signed_in(400), {}),
    ("GET", "/account/certificate-name", signed_in(200), None),
    ("POST", "/account/certificate-name", signed_in(400), {}),
    # The world's certificate is the enrolled learner's: to anyone but them and admins, 404.
    ("GET", "/certificates/<serial>.pdf", HOLDER_ONLY, None),
    ("GET", "/certificates/<serial>/credential.json", HOLDER_ONLY, None),
    ("GET", "/certificates/<serial>/credential.jwt", HOLDER_ONLY, None),
    ("GET", "/certificates/<serial>/badge.png", HOLDER_ONLY, None),
    ("GET", "/courses/<slug>/badge.png", EVERYONE, None),
    ("GET", "/verify", EVERYONE, None),
    ("GET", "/verify/<serial>", EVERYONE, None),
    ("GET", "/verify/<serial>.json", EVERYONE, None),
    ("GET", "/.well-known/jwks.json", EVERYONE, None),
    ("GET", "/.well-known/did.json", EVERYONE, None),
    # The revocation list: public; the world has one list, so list <number> (2) is not found.
    ("GET", "/status/<int:number>", dict.fromkeys(ROLES, 404), None),
    # Discussions: the thread and its post (by the course's instructor) are in the enrolled
    # learner's cohort. A learner with one cohort goes to it (302); staff choose among two.
    ("GET", "/courses/<slug>/discussions", studying(302, 200), None),
    ("GET", "/courses/<slug>/discussions/modules/<module_slug>", studying(302, 200), None),
    ("GET", "/courses/<slug>/cohorts/<cohort_slug>/discussions", studying(200), None),
    ("GET", "/courses/<slug>/cohorts/<cohort_slug>/discussions/modules/<module_slug>",
     studying(302), None),
    ("GET", "/courses/<slug>/cohorts/<cohort_slug>/discussions/new", studying(200), None),
    ("POST", "/courses/<slug>/cohorts/<cohort_slug>/discussions/new", studying(400), {}),
    ("GET", "/courses/<slug>/cohorts/<cohort_slug>/discussions/<int:thread_id>", studying(200),
     None),
    ("POST", "/courses/<slug>/cohorts/<cohort_slug>/discussions/<int:thread_id>", studying(400),
     {}),
    ("GET", "/courses/<slug>/cohorts/<cohort_slug>/discussions/<int:thread_id>/follow", POST_ONLY,
     None),
    ("POST", "/courses/<slug>/cohorts/<cohort_slug>/discussions/<int:thread_id>/follow",
     studying(302), {"value": "on"}),
    ("GET", "/courses/<slug>/cohorts/<cohort_slug>/discussions/<int:thread_id>/pin", POST_ONLY,
     None),
    ("POST", "/courses/<slug>/cohorts/<cohort_slug>/discussions/<int:thread_id>/pin",
     editing(400), {}),
    ("GET", "/courses/<slug>/cohorts/<cohort_slug>/discussions/<int:thread_id>/lock", POST_ONLY,
     None),
    ("POST", "/courses/<slug>/cohorts/<cohort_slug>/discussions/<int:thread_id>/lock",
     editing(400), {}),
    ("GET", "/courses/<slug>/cohorts/<cohort_slug>/discussions/reported", editing(), None),
    # Only its author (the instructor) may edit the post; they cannot mark their own helpful.
    ("GET", "/courses/<slug>/discussions/posts/<int:post_id>/edit",
     _with(studying(403), instructor_of_course=200), None),
    ("POST", "/courses/<slug>/discussions/posts/<int:post_id>/edit",
     _with(studying(403), instructor_of_course=400), {}),
    ("GET", "/courses/<slug>/discussions/posts/<int:post_id>/helpful", POST_ONLY, None),
    ("POST", "/courses/<slug>/discussions/posts/<int:post_id>/helpful",
     _with(studying(302), instructor_of_course=409), {}),
    ("GET", "/courses/<slug>/discussions/posts/<int:post_id>/report", studying(200), None),
    ("POST", "/courses/<slug>/discussions/posts/<int:post_id>/report", studying(400), {}),
    ("GET", "/courses/<slug>/discussions/posts/<int:post_id>/hide", editing(), None),
    ("POST", "/courses/<slug>/discussions/posts/<int:post_id>/hide", editing(400), {}),
    # Not hidden: nothing to restore, back to the thread; keeping it closes no report.
    ("GET", "/courses/<slug>/discussions/posts/<int:post_id>/restore", POST_ONLY, None),
    ("POST", "/courses/<slug>/discussions/posts/<int:post_id>/restore", editing(302), {}),
    ("GET", "/courses/<slug>/discussions/posts/<int:post_id>/keep", POST_ONLY, None),
    ("POST", "/courses/<slug>/discussions/posts/<int:post_id>/keep", editing(302), {}),
    ("GET", "/admin/certificates", ADMIN_ONLY, None),
    ("GET", "/admin/certificates.zip", ADMIN_ONLY, None),
    ("GET", "/admin/certificates/<int:certificate_id>", ADMIN_ONLY, None),
    # Without a reason nothing is revoked or reissued (400): the world's certificate stays.
    ("GET", "/admin/certificates/<int:certificate_id>/revoke", POST_ONLY, None),
    ("POST", "/admin/certificates/<int:certificate_id>/revoke", _with(ADMIN_ONLY, admin=400), {}),
    ("GET", "/admin/certificates/<int:certificate_id>/reissue", POST_ONLY, None),
    ("POST", "/admin/certificates/<int:certificate_id>/reissue", _with(ADMIN_ONLY, admin=400),
     {}),
    # The example course lets only admins issue (no certificate.staff_can_issue).
    ("GET", "/courses/<slug>/cohorts/<cohort_slug>/certificates", ADMIN_ONLY, None),
    ("GET", "/courses/<slug>/cohorts/<cohort_slug>/certificates/issue", POST_ONLY, None),
    ("POST", "/courses/<slug>/cohorts/<cohort_slug>/certificates/issue",
     _with(ADMIN_ONLY, admin=400), {}),
    # The enrolled learner has a certificate already: shown (200), and nothing issued (409).
    ("GET", "/courses/<slug>/cohorts/<cohort_slug>/certificates/exception/<int:enrollment_id>",
     ADMIN_ONLY, None),
    ("POST", "/courses/<slug>/cohorts/<cohort_slug>/certificates/exception/<int:enrollment_id>",
     _with(ADMIN_ONLY, admin=409), {"reason": "A reason"}),
    ("GET", "/courses/<slug>/cohorts/<cohort_slug>/apply", signed_in(200), None),
    ("POST", "/courses/<slug>/cohorts/<cohort_slug>/apply", signed_in(400), {}),
    ("GET", "/admin/", staff_only(), None),
    ("GET", "/admin/applications", staff_only(), None),
    ("GET", "/admin/applications.csv", staff_only(), None),
    ("GET", "/admin/applications/<int:application_id>", staff_only(other_course=404), None),
    ("GET", "/admin/applications/decide", POST_ONLY, None),
    ("POST", "/admin/applications/decide",
     _with(signed_in(302), learner=403, enrolled_learner=403),
     {"decision": "approve", "application_id": "{application_id}"}),
    ("GET", "/admin/users", ADMIN_ONLY, None),
    ("GET", "/admin/users/<int:user_id>", ADMIN_ONLY, None),
    ("GET", "/admin/users/<int:user_id>/role", POST_ONLY, None),
    ("POST", "/admin/users/<int:user_id>/role", _with(ADMIN_ONLY, admin=302), {"role": "admin"}),
    ("GET", "/admin/users/<int:user_id>/status", POST_ONLY, None),
    ("POST", "/admin/users/<int:user_id>/status", _with(ADMIN_ONLY, admin=302), {"active": "no"}),
    ("GET", "/admin/audit", ADMIN_ONLY, None),
    ("GET", "/admin/mail", ADMIN_ONLY, None),
    ("GET", "/admin/mail/<int:mail_id>/send-again", POST_ONLY, None),
    # The world's failed message: the admin queues it again.
    ("POST", "/admin/mail/<int:mail_id>/send-again", _with(ADMIN_ONLY, admin=302), {}),
    ("GET", "/courses/<slug>/cohorts/<cohort_slug>/schedule", EVERYONE, None),
    ("GET", "/courses/<slug>/cohorts/<cohort_slug>/schedule.ics", EVERYONE, None),
    ("GET", "/live/<int:session_id>.ics", EVERYONE, None),
    ("GET", "/calendar/<token>.ics", dict.fromkeys(ROLES, 404), None),
    # The session is on now. Without Sec-Fetch-Site its learners are asked to confirm (200),
    # and the confirmation sends them to the meeting (303); nobody else may join.
    ("GET", "/live/<int:session_id>/join", _with(signed_in(403), enrolled_learner=200), None),
    ("POST", "/live/<int:session_id>/join", _with(signed_in(403), enrolled_learner=303), {}),
    ("GET", "/live/<int:session_id>/watched", POST_ONLY, None),
    # Not over yet, so there is no recording to mark as watched (409).
    ("POST", "/live/<int:session_id>/watched", _with(signed_in(403), enrolled_learner=409), {}),
    ("GET", "/live/<int:session_id>/attendance", studying(200, 200) | {"enrolled_learner": 403},
     None),
    ("POST", "/live/<int:session_id>/attendance", studying(400) | {"enrolled_learner": 403}, {}),
    ("GET", "/live/<int:session_id>/attendance/import",
     studying(200) | {"enrolled_learner": 403}, None),
    ("POST", "/live/<int:session_id>/attendance/import",
     studying(400) | {"enrolled_learner": 403}, {}),
    ("GET", "/live/<int:session_id>/recording", POST_ONLY, None),
    ("POST", "/live/<int:session_id>/recording", studying(400) | {"enrolled_learner": 403}, {}),
    ("GET", "/account/calendar", signed_in(200), None),
    ("POST", "/account/calendar", signed_in(400), {}),
    ("GET", "/author/", staff_only(), None),
    ("GET", "/author/<slug>", editing(), None),
    # Before the rows that move the first module (its folder, in the path, is its position).
    ("GET", "/author/<slug>/translations", editing(), None),
    ("GET", "/author/<slug>/translations/<language>/<path:original>", editing(), None),
    # Without the text and the version it was opened at, nothing is saved.
    ("POST", "/author/<slug>/translations/<language>/<path:original>", editing(400), {}),
    ("GET", "/author/<slug>/translations/<language>/delete/<path:original>", editing(), None),
    # Without confirm=yes (the confirmation page's button) nothing is deleted.
    ("POST", "/author/<slug>/translations/<language>/delete/<path:original>", editing(400), {}),
    ("GET", "/author/<slug>/modules/new", editing(), None),
    ("POST", "/author/<slug>/modules/new", editing(400), {}),
    ("GET", "/author/<slug>/modules/<module_slug>", editing(), None),
    ("POST", "/author/<slug>/modules/<module_slug>",
     editing(400), {}),
    ("GET", "/author/<slug>/modules/<module_slug>/move", POST_ONLY, None),
    ("POST", "/author/<slug>/modules/<module_slug>/move",
     editing(302), {"direction": "down"}),
    ("GET", "/author/<slug>/modules/<module_slug>/assignment", editing(), None),
    # The course team's side of assignments: the peer's plan is submitted in the cohort.
    ("GET", "/author/<slug>/assignments/<module_slug>/cohorts/<cohort_slug>", editing(), None),
    ("GET", "/author/<slug>/assignments/<module_slug>/cohorts/<cohort_slug>/scores.csv",
     editing(), None),
    ("GET", "/author/<slug>/assignments/<module_slug>/cohorts/<cohort_slug>/plans.zip",
     editing(), None),
    ("GET", "/author/<slug>/assignments/<module_slug>/plans/<int:submission_id>", editing(), None),
    ("POST", "/author/<slug>/assignments/<module_slug>/cohorts/<cohort_slug>/open-reviews",
     editing(302), {}),
    ("POST", "/author/<slug>/assignments/<module_slug>/plans/<int:submission_id>",
     editing(302), {}),
    ("GET",
     "/author/<slug>/assignments/<module_slug>/cohorts/<cohort_slug>/learners/<int:enrollment_id>/dates",
     editing(), None),
    ("POST",
     "/author/<slug>/assignments/<module_slug>/cohorts/<cohort_slug>/learners/<int:enrollment_id>/dates",
     editing(400), {}),
    # An empty form: every problem is shown beside its field (400), nothing is saved.
    ("POST", "/author/<slug>/modules/<module_slug>/assignment", editing(400), {}),
    ("GET", "/author/<slug>/modules/<module_slug>/lessons/new", editing(), None),
    ("POST", "/author/<slug>/modules/<module_slug>/lessons/new",
     editing(400), {}),
    ("GET", "/author/<slug>/lessons/<lesson_slug>", editing(), None),
    ("POST", "/author/<slug>/lessons/<lesson_slug>",
     editing(400), {}),
    ("GET", "/author/<slug>/lessons/<lesson_slug>/move", POST_ONLY, None),
    ("POST", "/author/<slug>/lessons/<lesson_slug>/move",
     editing(400), {}),
    ("GET", "/author/<slug>/lessons/<lesson_slug>/preview", editing(), None),
    ("GET", "/author/<slug>/lessons/<lesson_slug>/history", editing(), None),
    ("GET", "/author/<slug>/lessons/<lesson_slug>/history/<int:number>/restore", POST_ONLY, None),
    ("POST", "/author/<slug>/lessons/<lesson_slug>/history/<int:number>/restore",
     editing(404), {}),
    ("GET", "/author/<slug>/cohorts/<cohort_slug>/sessions", editing(), None),
    ("GET", "/author/<slug>/cohorts/<cohort_slug>/sessions/new", editing(), None),
    ("POST", "/author/<slug>/cohorts/<cohort_slug>/sessions/new",
     editing(400), {}),
    ("GET", "/author/<slug>/sessions/<int:session_id>", editing(), None),
    ("POST", "/author/<slug>/sessions/<int:session_id>",
     editing(400), {}),
    ("GET", "/author/<slug>/sessions/<int:session_id>/cancel", editing(), None),
    # Without confirm=yes nothing is cancelled (400): the world's session stays scheduled.
    ("POST", "/author/<slug>/sessions/<int:session_id>/cancel",
     editing(400), {}),
    ("GET", "/author/<slug>/sessions/<int:session_id>/restore", POST_ONLY, None),
    # Not cancelled: nothing to restore, redirect to the list, nothing changes.
    ("POST", "/author/<slug>/sessions/<int:session_id>/restore",
     editing(302), {}),
    ("GET", "/author/<slug>/modules/<module_slug>/quiz", editing(), None),
    ("POST", "/author/<slug>/modules/<module_slug>/quiz",
     editing(400), {}),
    ("GET", "/author/<slug>/modules/<module_slug>/quiz/questions/new",
     editing(), None),
    ("POST", "/author/<slug>/modules/<module_slug>/quiz/questions/new",
     editing(400), {}),
    ("GET", "/author/<slug>/modules/<module_slug>/quiz/questions/<int:question_id>",
     editing(), None),
    ("POST", "/author/<slug>/modules/<module_slug>/quiz/questions/<int:question_id>",
     editing(400), {}),
    ("GET", "/author/<slug>/modules/<module_slug>/quiz/questions/<int:question_id>/move",
     POST_ONLY, None),
    ("POST", "/author/<slug>/modules/<module_slug>/quiz/questions/<int:question_id>/move",
     editing(400), {}),
    ("GET", "/author/<slug>/modules/<module_slug>/quiz/questions/<int:question_id>/remove",
     POST_ONLY, None),
    # Archives the question: keep this after every other row that uses <int:question_id>.
    ("POST", "/author/<slug>/modules/<module_slug>/quiz/questions/<int:question_id>/remove",
     editing(302), {}),
    ("GET", "/author/<slug>/cohorts/<cohort_slug>/progress", editing(), None),
    # The applicant's record in the course; the enrolment in the address is another
    # learner's, so moving or ending it through this record finds nothing (404).
    ("GET", "/author/<slug>/learners/<int:user_id>", editing(), None),
    # By this row the applicant is enrolled (the queue's row above approved them).
    ("GET", "/author/<slug>/learners/<int:user_id>/quizzes/<int:quiz_id>/grant", POST_ONLY, None),
    ("POST", "/author/<slug>/learners/<int:user_id>/quizzes/<int:quiz_id>/grant",
     editing(302), {}),
    ("GET", "/author/<slug>/learners/<int:user_id>/enrolments/<int:enrollment_id>/move",
     POST_ONLY, None),
    ("POST", "/author/<slug>/learners/<int:user_id>/enrolments/<int:enrollment_id>/move",
     editing(404), {}),
    ("GET", "/author/<slug>/learners/<int:user_id>/enrolments/<int:enrollment_id>/remove",
     POST_ONLY, None),
    ("POST", "/author/<slug>/learners/<int:user_id>/enrolments/<int:enrollment_id>/remove",
     editing(404), {}),
    ("GET", "/author/<slug>/cohorts/<cohort_slug>/progress/message", editing(), None),
    ("POST", "/author/<slug>/cohorts/<cohort_slug>/progress/message", editing(400), {}),
    ("GET", "/author/<slug>/cohorts/<cohort_slug>/progress.csv",
     editing(), None),
    ("GET", "/author/<slug>/quizzes/<module_slug>/analysis", editing(), None),
    ("GET", "/author/<slug>/summary", editing(), None),
    ("GET", "/author/<slug>/images", editing(), None),
    ("POST", "/author/<slug>/images", editing(400), {}),
]  # fmt: skip


@pytest.fixture
def app_config():
    # Every row logs in afresh: more logins from one address than the limit lets through.
    return {"LOGIN_ATTEMPTS_PER_ADDRESS": "1000 per 15 minutes"}


@pytest.fixture
def world(app, imported_example, make_user, make_cohort):
    """A course with a reviewed cohort, an applicant, and one account of each role."""
    course = imported_example
    cohort = make_cohort(course, "autumn", mode=EnrolmentMode.APPROVAL)
    other = Course(slug="other", title="Other course", summary="Another course.")
    db.session.add(other)
    db.session.commit()
    applicant = make_user(email="applicant@city.example")
    db.session.add(
        Application(
            user=applicant, cohort=cohort, motivation="m" * 60, confirms_public_official=True
        )
    )
    enrolled = make_user(email="enrolled@city.example")
    enrol(enrolled, cohort)
    module = course.modules[0]
    module.quiz.wait_minutes = 0
    first = start_attempt(enrolled, QuizRecord(module.quiz, []), now=utcnow(), zone="UTC")
    first.state, first.submitted_at = AttemptState.SUBMITTED, utcnow()
    first.score, first.correct_count = 0, 0
    start_attempt(enrolled, QuizRecord(module.quiz, [first]), now=utcnow(), zone="UTC")
    live = LiveSession(
        cohort=cohort,
        slug="on-now",
        title="On now",
        starts_at=utcnow() - timedelta(minutes=5),
        time_zone="Europe/Madrid",
        duration_minutes=60,
        join_url=MEETING_URL,
    )
    db.session.add(live)
    db.session.commit()
    accounts = {
        "learner": make_user(email="learner@city.example"),
        "enrolled_learner": enrolled,
        "instructor_of_other_course": make_user(
            Role.INSTRUCTOR, email="other@city.example", courses=[other]
        ),
        "instructor_of_course": make_user(
            Role.INSTRUCTOR, email="teacher@city.example", courses=[course]
        ),
        "admin": make_user(Role.ADMIN, email="admin@city.example"),
    }
    application = db.session.scalar(select(Application))
    lesson = course.modules[0].lessons[0]
    enrolled.certificate_name = enrolled.name
    enrolled.certificate_name_confirmed_at = utcnow()
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == enrolled.id))
    certificate = issue_certificate(
        enrollment, actor=accounts["admin"], now=utcnow(), reason="For the matrix"
    )
    announcement = post_announcement(
        cohort,
        title="Welcome",
        body="Read **module 1** first.",
        publish_at=utcnow(),
        actor=accounts["instructor_of_course"],
        now=utcnow(),
    )
    thread = start_thread(
        cohort,
        title="Introductions",
        body="Say where you work.",
        author=accounts["instructor_of_course"],
        now=utcnow(),
    )
    assignment = module.assignment
    draft = save_draft(
        assignment, enrollment, base_version=0, title="Draft", theme=None, sections={}, now=utcnow()
    ).submission
    attached = add_file(draft, "map.png", PNG, max_bytes=10_000, now=utcnow())
    save_draft(
        assignment, enrollment, base_version=0, title="Other tab", theme=None, sections={},
        now=utcnow(),
    )  # fmt: skip
    peer = make_user(email="peer@city.example")
    peer_plan = save_draft(
        assignment, enrol(peer, cohort), base_version=0, title="Peer plan", theme=None,
        sections={s["id"]: "Text" for s in assignment.sections}, now=utcnow(),
    ).submission  # fmt: skip
    peer_plan.submitted_at, peer_plan.shows_in_gallery = utcnow(), True
    review = PeerReview(submission=peer_plan, reviewer_id=enrolled.id, due_at=utcnow())
    db.session.add(review)
    # A Spanish translation of the first module's introduction, to open, edit and delete.
    folder = f"{module.position:02d}-{module.slug}"
    course.text_translations.append(
        TextTranslation(
            path=f"{folder}/module.es.md", original=f"{folder}/module.md", language="es",
            kind="module", made_from=None,
            texts={"title": "Primeros pasos", "body": "Texto.\n", "body_html": "<p>Texto.</p>"},
            file_text="---\ntitle: Primeros pasos\n---\nTexto.\n",
        )
    )  # fmt: skip
    failed_mail = db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)).first()
    failed_mail.state = MailState.FAILED
    db.session.commit()
    values = {
        "slug": course.slug,
        "name": course.media_files[0].path,
        "lesson_slug": lesson.slug,
        "module_slug": module.slug,
        "int:number": 2,
        "cohort_slug": cohort.slug,
        "token": "not-a-token",
        "application_id": application.id,
        "user_id": applicant.id,
        "path:filename": "css/site.css",
        "int:application_id": application.id,
        "int:user_id": applicant.id,
        "int:session_id": live.id,
        "int:question_id": module.quiz.active_questions()[0].id,
        "serial": certificate.display_serial,
        "int:enrollment_id": enrollment.id,
        "int:certificate_id": certificate.id,
        "int:mail_id": failed_mail.id,
        "int:announcement_id": announcement.id,
        "int:thread_id": thread.id,
        "int:post_id": db.session.scalar(select(DiscussionPost.id)),
        "int:quiz_id": module.quiz.id,
        "int:copy_id": draft.copies[0].id,
        "int:file_id": attached.id,
        "int:review_id": review.id,
        "int:submission_id": peer_plan.id,
        "language": "es",
        "path:original": f"{folder}/module.md",
    }
    return {
        "accounts": accounts,
        "values": values,
        "application": application,
        "applicant": applicant,
        "lesson": lesson,
    }


def build_path(rule: str, values: dict) -> str:
    path = rule
    for key, value in values.items():
        path = path.replace(f"<{key}>", str(value))
    assert "<" not in path, f"no value for a part of {rule}"
    return path


def test_every_route_is_in_the_matrix(app):
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    covered = {(method, rule) for method, rule, _expected, _data in MATRIX}
    # GET rows for POST-only routes check the 405; they are not routes of their own.
    assert routes - covered == set(), "routes missing from the matrix"
    assert {row for row in covered - routes if row[0] == "POST"} == set()


def _outcome(response) -> int | str:
    if response.status_code == 302 and response.headers["Location"].startswith("/login?next="):
        return LOGIN
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_what_each_role_gets(app, world, role):
    mismatches = []
    for method, rule, expected, data in MATRIX:
        browser = Browser(app.test_client())
        if role != "anonymous":
            assert browser.login(world["accounts"][role].email).status_code == 302
        path = build_path(rule, world["values"])
        if method == "GET":
            response = browser.client.get(path)
        else:
            form = {k: v.format(**world["values"]) for k, v in (data or {}).items()}
            token_page = "/dashboard" if role != "anonymous" else "/login"
            response = browser.post_form(path, form, page=token_page)
        outcome = _outcome(response)
        if outcome != expected[role]:
            mismatches.append(f"{method} {path}: got {outcome}, expected {expected[role]}")
    assert mismatches == []


@pytest.mark.parametrize(
    ("role", "reads"),
    [
        ("anonymous", False),
        ("learner", False),
        ("instructor_of_other_course", False),
        ("instructor_of_course", True),
        ("admin", True),
    ],
)
def test_who_reads_lesson_bodies(app, world, role, reads):
    browser = Browser(app.test_client())
    if role != "anonymous":
        browser.login(world["accounts"][role].email)
    lesson = world["lesson"]
    page = browser.client.get(build_path("/courses/<slug>/lessons/<lesson_slug>", world["values"]))
    text = page.get_data(as_text=True)
    assert (lesson.body_html in text) is reads
    assert ("Enrol to read this lesson" in text) is not reads
    assert lesson.title in text  # everyone sees what the lesson is about


@pytest.mark.parametrize(
    ("role", "decided"),
    [
        ("learner", False),
        ("instructor_of_other_course", False),
        ("instructor_of_course", True),
        ("admin", True),
    ],
)
def test_who_can_decide_an_application(app, world, role, decided):
    browser = Browser(app.test_client())
    browser.login(world["accounts"][role].email)
    browser.post_form(
        "/admin/applications/decide",
        {"decision": "approve", "application_id": str(world["application"].id)},
        page="/dashboard",
    )
    status = db.session.scalar(select(Application.status))
    assert (status == ApplicationStatus.APPROVED) is decided


@pytest.mark.parametrize(
    ("role", "changed"),
    [
        ("learner", False),
        ("instructor_of_other_course", False),
        ("instructor_of_course", False),
        ("admin", True),
    ],
)
def test_who_can_change_roles_and_deactivate(app, world, role, changed):
    browser = Browser(app.test_client())
    browser.login(world["accounts"][role].email)
    applicant = world["applicant"]
    browser.post_form(f"/admin/users/{applicant.id}/role", {"role": "admin"}, page="/dashboard")
    browser.post_form(f"/admin/users/{applicant.id}/status", {"active": "no"}, page="/dashboard")
    db.session.refresh(applicant)
    assert (applicant.role == Role.ADMIN) is changed
    assert applicant.is_active is not changed


# Posted by mail programs without the site's cookies (RFC 8058): the signed token in the address
# is what authorises it; tests/test_session_mail.py checks that it refuses any other token.
WITHOUT_CSRF = {"/mail/unsubscribe/<token>"}


def test_only_the_one_click_unsubscribe_is_exempt_from_csrf(app):
    from app.extensions import csrf

    assert csrf._exempt_views == {"app.accounts.views.unsubscribe"}


@pytest.mark.parametrize(
    ("rule", "data"),
    [
        (rule, data)
        for method, rule, _expected, data in MATRIX
        if method == "POST" and rule not in WITHOUT_CSRF
    ],
)
def test_every_form_refuses_a_missing_csrf_token(app, world, rule, data):
    browser = Browser(app.test_client())
    anonymous_forms = {"/login", "/register", "/forgot-password", "/reset-password/<token>"}
    if rule not in anonymous_forms:
        browser.login(world["accounts"]["admin"].email)
    path = build_path(rule, world["values"])
    form = {k: v.format(**world["values"]) for k, v in (data or {}).items()}
    response = browser.client.post(path, data=form)
    assert response.status_code == 400
    assert "The form had expired or was sent from another site." in response.get_data(as_text=True)
    applicant = world["applicant"]
    db.session.refresh(applicant)
    assert (applicant.role, applicant.is_active) == (Role.LEARNER, True)
    assert db.session.scalar(select(Application.status)) == ApplicationStatus.PENDING
    assert browser.client.get("/account").status_code == (302 if rule in anonymous_forms else 200)
