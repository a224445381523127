"""The rules of a course's outline as pure functions (app/catalog/rules.py): visibility, the
application window, what completion asks, reading access and the typed settings. Outlines are
built by hand here: no application, no database."""

import dataclasses
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from app.catalog.outline import (
    CohortOutline,
    CourseOutline,
    CourseRef,
    LessonOutline,
    LiveSessionOutline,
    ModuleOutline,
    ModuleRef,
    QuizOutline,
)
from app.catalog.rules import (
    ApplicationWindow,
    EnrolmentMode,
    Feedback,
    SessionStatus,
    Status,
    application_window,
    can_read_lessons,
    completion_targets,
    visible,
)
from app.catalog.settings import CertificateSettings, CompletionRules, CourseSettings, Signatory

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
REF = CourseRef(1, "course", "Course", "en")


def lesson(id: int, module: ModuleRef, *, minutes=10, status=Status.PUBLISHED, publish_at=None):
    return LessonOutline(
        id=id, slug=f"lesson-{id}", position=id, title=f"Lesson {id}", minutes=minutes,
        objectives=(), body_html="", headings=(), status=status, publish_at=publish_at,
        module=module,
    )  # fmt: skip


def module(id: int, *, lessons=(), quiz=None, status=Status.PUBLISHED, publish_at=None):
    ref = ModuleRef(id, f"module-{id}", f"Module {id}", REF)
    return ModuleOutline(
        id=id, slug=ref.slug, position=id, title=ref.title, intro_html="", status=status,
        publish_at=publish_at, lecture_title=None, lecture_minutes=None, lecture_video_url=None,
        lecture_transcript_html=None,
        lessons=tuple(lesson(number, ref, **values) for number, values in lessons),
        quiz=QuizOutline(
            id=id, title="Quiz", pass_mark=quiz[0], max_attempts=None, wait_minutes=0,
            shuffle=False, feedback=Feedback.EVERY_ATTEMPT, status=quiz[1], module=ref,
        ) if quiz else None,
        course=REF,
    )  # fmt: skip


def session(id: int, *, counts=True, status=SessionStatus.SCHEDULED):
    return LiveSessionOutline(
        id=id, slug=f"s{id}", title=f"Session {id}", description=None,
        starts_at=NOW + id * HOUR, time_zone="UTC", duration_minutes=60, join_url=None,
        recording_url=None, counts_for_completion=counts, status=status, sequence=0,
        cohort_id=1,
    )  # fmt: skip


def cohort(id: int = 1, *, opens=NOW - HOUR, closes=NOW + HOUR, archived=False, sessions=()):
    return CohortOutline(
        id=id, slug=f"cohort-{id}", title=f"Cohort {id}", position=id, time_zone="UTC",
        enrolment_mode=EnrolmentMode.APPROVAL, applications_open_at=opens,
        applications_open_zone="UTC", applications_close_at=closes,
        applications_close_zone="UTC", starts_on=date(2027, 4, 1), ends_on=date(2027, 6, 1),
        is_archived=archived, live_sessions=tuple(sessions), course=REF,
    )  # fmt: skip


NO_RULES = CourseSettings()


def course(modules=(), cohorts=(), settings=NO_RULES):
    return CourseOutline(
        id=1, slug="course", title="Course", summary="", status=Status.PUBLISHED,
        languages=("en",), guidebook_html=None, outline_version="v1", settings=settings,
        modules=tuple(modules), cohorts=tuple(cohorts),
    )  # fmt: skip


EVERYTHING = CourseSettings(
    CompletionRules(lessons=True, quizzes=True, live_sessions_minimum=2, recordings_count=True)
)


# The application window: one state, from one function ----------------------------------------


@pytest.mark.parametrize(
    ("now", "archived", "state"),
    [
        (NOW - 2 * HOUR, False, ApplicationWindow.NOT_YET_OPEN),
        (NOW - HOUR, False, ApplicationWindow.OPEN),  # opens at that very moment
        (NOW, False, ApplicationWindow.OPEN),
        (NOW + HOUR, False, ApplicationWindow.CLOSED),  # closes at that very moment
        (NOW, True, ApplicationWindow.ARCHIVED),  # an archived cohort takes none, ever
        (NOW - 2 * HOUR, True, ApplicationWindow.ARCHIVED),
    ],
)
def test_the_application_window_is_one_state(now, archived, state):
    assert application_window(archived, NOW - HOUR, NOW + HOUR, now) == state
    found = cohort(archived=archived)
    assert found.application_window(now) == state
    assert found.accepts_applications(now) is (state == ApplicationWindow.OPEN)


def test_cohorts_taking_applications_are_those_open_now_or_later():
    open_now = cohort(1)
    later = cohort(2, opens=NOW + HOUR, closes=NOW + 2 * HOUR)
    closed = cohort(3, opens=NOW - 2 * HOUR, closes=NOW - HOUR)
    archived = cohort(4, archived=True)
    found = course(cohorts=[open_now, later, closed, archived])
    assert found.cohorts_taking_applications(NOW) == [open_now, later]
    assert found.live_cohorts() == [open_now, later, closed]


# Visibility -------------------------------------------------------------------------------------


def test_learners_see_published_modules_and_lessons_once_their_time_has_come():
    shown = module(1, lessons=[(1, {}), (2, {"status": Status.DRAFT}), (3, {"publish_at": NOW})])
    scheduled = module(2, lessons=[(4, {})], publish_at=NOW + HOUR)
    draft = module(3, lessons=[(5, {})], status=Status.DRAFT)
    found = course([shown, scheduled, draft])
    assert found.visible_modules(NOW) == [shown]
    assert [item.id for item in found.visible_lessons(NOW)] == [1, 3]
    assert found.published_lesson("lesson-3", NOW).id == 3
    assert found.published_lesson("lesson-4", NOW) is None  # its module is scheduled
    assert found.published_lesson("lesson-4", NOW + HOUR).id == 4
    assert found.visible_module("module-3", NOW) is None
    assert shown.lessons[2].publication(NOW - HOUR) == "scheduled"
    assert visible(shown.lessons, NOW - HOUR) == [shown.lessons[0]]


def test_only_published_quizzes_of_visible_modules_count():
    found = course(
        [
            module(1, quiz=(70, Status.PUBLISHED)),
            module(2, quiz=(80, Status.DRAFT)),
            module(3, quiz=(90, Status.PUBLISHED), status=Status.DRAFT),
        ]
    )
    assert [quiz.pass_mark for quiz in found.published_quizzes(NOW)] == [70]


# What completion asks ---------------------------------------------------------------------------


def test_completion_targets_read_the_rules_against_the_outline():
    found = course(
        [
            module(
                1, lessons=[(1, {"minutes": 5}), (2, {"minutes": 7})], quiz=(70, Status.PUBLISHED)
            ),
            module(2, lessons=[(3, {"status": Status.DRAFT})], quiz=(80, Status.PUBLISHED)),
        ],
        settings=EVERYTHING,
    )
    targets = completion_targets(found, NOW)
    assert [item.id for item in targets.lessons] == [1, 2]
    assert targets.reading_minutes == 12
    assert targets.pass_marks == [70, 80]
    assert (targets.live_minimum, targets.recordings_count) == (2, True)


def test_a_rule_not_asked_is_no_target():
    found = course([module(1, lessons=[(1, {})], quiz=(70, Status.PUBLISHED))])
    targets = completion_targets(found, NOW)
    assert targets.lessons is None  # not asked: no lesson sentence, no lesson requirement
    assert targets.quizzes == ()
    assert targets.live_minimum == 0
    # Asked, with nothing published: still a target (0 lessons), unlike quizzes.
    empty = completion_targets(course(settings=EVERYTHING), NOW)
    assert (empty.lessons, empty.quizzes) == ((), ())


# Reading access, with the enrolment passed in ---------------------------------------------------


def person(*, authenticated=True, admin=False, staff_of=()):
    return SimpleNamespace(
        is_authenticated=authenticated, is_admin=admin, staffed_course_ids=set(staff_of)
    )


@pytest.mark.parametrize(
    ("who", "enrolled", "may_read"),
    [
        (person(authenticated=False), True, False),
        (person(), False, False),
        (person(), True, True),
        (person(staff_of=[1]), False, True),
        (person(staff_of=[2]), False, False),
        (person(admin=True), False, True),
    ],
    ids=["anonymous", "not enrolled", "enrolled", "staff", "staff elsewhere", "admin"],
)
def test_who_may_read_the_lessons(who, enrolled, may_read):
    assert can_read_lessons(course(), who, enrolled=enrolled) is may_read


# Typed settings ---------------------------------------------------------------------------------


def test_settings_are_read_from_course_yaml_sections():
    settings = CourseSettings.read(
        {"lessons": "all", "quizzes": "none", "live_sessions": {"minimum": 2}},
        {
            "title": "Certificate of attendance",
            "hours": 12,
            "wording": "has completed",
            "issuers": ["Metropolis", "UCLG"],
            "signatories": [{"name": "Ana", "role": "Director"}],
            "staff_can_issue": True,
            "valid_years": 3,
        },
    )
    assert settings.completion == CompletionRules(lessons=True, live_sessions_minimum=2)
    assert settings.certificate == CertificateSettings(
        title="Certificate of attendance",
        hours=12,
        wording="has completed",
        issuers=("Metropolis", "UCLG"),
        signatories=(Signatory("Ana", "Director"),),
        staff_can_issue=True,
        valid_years=3,
    )
    assert settings.certificate.signatories[0].as_dict() == {"name": "Ana", "role": "Director"}
    assert CourseSettings.read(None, {}) == CourseSettings()
    assert CourseSettings().certificate.title == "Certificate of completion"


def test_staff_issue_certificates_only_when_the_settings_allow_it():
    teacher = person(staff_of=[1])
    allowed = CourseSettings(certificate=CertificateSettings(staff_can_issue=True))
    assert course(settings=allowed).can_issue_certificates(teacher)
    assert not course().can_issue_certificates(teacher)
    assert course().can_issue_certificates(person(admin=True))
    assert not course(settings=allowed).can_issue_certificates(person(authenticated=False))


# Immutable --------------------------------------------------------------------------------------


def test_an_outline_cannot_be_changed():
    found = course([module(1, lessons=[(1, {})])], [cohort(sessions=[session(1)])])
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.title = "Changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.modules[0].lessons[0].minutes = 1  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.cohorts[0].live_sessions[0].status = SessionStatus.CANCELLED  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.settings.certificate.automatic = True  # type: ignore[misc]
    with pytest.raises(AttributeError):  # slots: no attribute can be added either
        object.__setattr__(found, "extra", 1)
    assert isinstance(found.modules, tuple)


def test_live_session_rules_answer_the_same_on_an_outline():
    counted, cancelled, optional = (
        session(1),
        session(2, status=SessionStatus.CANCELLED),
        session(3, counts=False),
    )
    assert [item.counts for item in (counted, cancelled, optional)] == [True, False, False]
    assert counted.is_open_for_joining(NOW + HOUR - timedelta(minutes=15))
    assert not counted.is_open_for_joining(NOW + HOUR - timedelta(minutes=16))
    assert counted.is_over(NOW + 2 * HOUR)
    assert cohort(sessions=[cancelled, counted]).next_session(NOW) == counted
