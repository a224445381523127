"""Test data, made through the app's own operations: one plain function a kind of record.

They work inside the `app` fixture's application context and commit what they make. The
shared fixtures of tests/conftest.py (`course`, `spring`, `cohort`, `admin`, `teacher`,
`learner`…) are built from them; a test module that needs another variant builds its own
fixture from the same function (`make_instructor(course, time_zone="Africa/Dakar")`).
"""

import copy
import itertools
from datetime import timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import select

from app.accounts.models import User
from app.accounts.operations import create_user
from app.catalog.content.reader import read_course
from app.catalog.content.source import CourseSource
from app.catalog.models import (
    Assignment,
    AssignmentDates,
    Cohort,
    Course,
    EnrolmentMode,
    Module,
    Quiz,
)
from app.catalog.operations import import_course, set_staffed_courses
from app.catalog.outlines import outline_changed
from app.certificates.models import Certificate
from app.certificates.operations import issue_certificate
from app.core.permissions import Role
from app.core.types import utcnow
from app.extensions import db
from app.learning.models import Enrollment
from app.learning.operations import enrol

EXAMPLE_COURSE = Path(__file__).parent / "data" / "example_course"
PASSWORD = "correct horse battery staple"
ADMIN_EMAIL = "admin@city.example"
TEACHER_EMAIL = "teacher@city.example"
LEARNER_EMAIL = "lea@city.example"

_numbers = itertools.count(1)


def restart_numbering() -> None:
    """Number the next test's people from 1 again (`Person 1`, person1@city.example…)."""
    global _numbers
    _numbers = itertools.count(1)


def make_user(role: Role = Role.LEARNER, email: str | None = None, courses=(), **fields) -> User:
    """An account made by the real operation: profile filled in, password PASSWORD."""
    number = next(_numbers)
    profile = {
        "name": f"Person {number}",
        "organisation": "City of Bogotá",
        "position": "Care policy officer",
        "city": "Bogotá",
        "country": "CO",
        "time_zone": "America/Bogota",
        **fields,
    }
    password = profile.pop("password", PASSWORD)
    user = create_user(email or f"person{number}@city.example", password, role=role, **profile)
    if courses:
        set_staffed_courses(user, list(courses), actor=None)
    db.session.commit()
    return user


def make_admin(**fields) -> User:
    """The programme's administrator, Ada Admin."""
    fields = {"email": ADMIN_EMAIL, "name": "Ada Admin", "organisation": "Programme team", **fields}
    return make_user(Role.ADMIN, **fields)


def make_instructor(course: Course, **fields) -> User:
    """An instructor who teaches `course`."""
    return make_user(Role.INSTRUCTOR, **{"email": TEACHER_EMAIL, "courses": [course], **fields})


def enrolled_learner(cohort: Cohort, email: str = LEARNER_EMAIL, **profile) -> User:
    """A learner with a place in `cohort`."""
    user = make_user(email=email, **profile)
    enrol(user, cohort)
    db.session.commit()
    return user


def certified_learner(cohort: Cohort, actor: User, email: str, name: str, **profile) -> Certificate:
    """A learner of `cohort` who completed it yesterday, with their name confirmed, and the
    certificate `actor` issues them."""
    user = enrolled_learner(cohort, email=email, name=name, **profile)
    user.certificate_name = name
    user.certificate_name_confirmed_at = utcnow()
    enrollment = db.session.scalars(
        select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.cohort_id == cohort.id)
    ).one()
    enrollment.completed_at = utcnow() - timedelta(days=1)
    certificate = issue_certificate(enrollment, actor=actor, now=utcnow())
    db.session.commit()
    return certificate


def import_example(folder: Path = EXAMPLE_COURSE) -> Course:
    """The example course (or a changed copy of it), imported into the database."""
    source = copy.deepcopy(_example_source()) if folder == EXAMPLE_COURSE else _source(folder)
    course, _report = import_course(source)
    db.session.commit()
    return course


@cache
def _example_source() -> CourseSource:
    """The example course's folder, read once a process: most tests import it, and its files
    never change during a run (a test that changes it works on a copy)."""
    return _source(EXAMPLE_COURSE)


def _source(folder: Path) -> CourseSource:
    source, problems = read_course(folder)
    assert problems == [], "\n".join(map(str, problems))
    return source


def cohort_of(course: Course, slug: str = "2027-spring") -> Cohort:
    """One of a course's cohorts; by default the example course's own, Spring 2027."""
    return next(cohort for cohort in course.cohorts if cohort.slug == slug)


def quiz_module(course: Course) -> Module:
    """The first module that has a quiz."""
    return next(module for module in course.modules if module.quiz is not None)


def retakeable_quiz(course: Course, *, unlimited: bool = True) -> Quiz:
    """The course's first published quiz with no waiting time, and no limit of attempts
    unless `unlimited` is false."""
    quiz = course.published_quizzes()[0]
    quiz.wait_minutes = 0
    if unlimited:
        quiz.max_attempts = None
    db.session.commit()
    return quiz


def make_cohort(
    course: Course,
    slug: str = "approval",
    *,
    mode: EnrolmentMode = EnrolmentMode.APPROVAL,
    opened_days_ago: int = 10,
    closes_in_days: int = 30,
    title: str | None = None,
) -> Cohort:
    """A cohort whose application window is placed around now (open by default)."""
    now = utcnow()
    cohort = Cohort(
        course=course,
        slug=slug,
        title=title or f"Cohort {slug}",
        time_zone="Europe/Madrid",
        enrolment_mode=mode,
        applications_open_at=now - timedelta(days=opened_days_ago),
        applications_open_zone="Europe/Madrid",
        applications_close_at=now + timedelta(days=closes_in_days),
        applications_close_zone="Europe/Madrid",
        starts_on=(now + timedelta(days=closes_in_days + 7)).date(),
        ends_on=(now + timedelta(days=closes_in_days + 60)).date(),
    )
    db.session.add(cohort)
    db.session.commit()
    return cohort


PLAN_SECTIONS = [
    {"id": "problem", "title": "The problem", "guidance": "Which care need?", "words": 50},
    {"id": "pilot", "title": "The pilot service", "guidance": "What would you try?", "words": 50},
]
PLAN_RUBRIC = [
    {
        "id": "evidence",
        "title": "Evidence",
        "description": "The problem is grounded in what the city knows.",
        "levels": [
            {"title": "Not yet", "points": 0, "description": "No evidence."},
            {"title": "Developing", "points": 1, "description": "Some evidence."},
            {"title": "Meets expectations", "points": 2, "description": "Clear evidence."},
        ],
    },
    {
        "id": "feasibility",
        "title": "Feasibility",
        "description": "The pilot can be run with what the city has.",
        "levels": [
            {"title": "Not yet", "points": 0, "description": "Not feasible."},
            {"title": "Developing", "points": 1, "description": "Partly feasible."},
            {"title": "Meets expectations", "points": 2, "description": "Feasible."},
        ],
    },
]


def make_assignment(
    course: Course,
    cohorts: dict | None = None,
    **fields,
) -> Assignment:
    """A published assignment in the first module of `course` that has none: two sections,
    two criteria of three levels (4 points in all), pass mark 50; `cohorts` maps a cohort to
    its (submission due, reviews due)."""
    module = next(m for m in course.modules if m.assignment is None)
    assignment = Assignment(
        module=module,
        title="City care plan",
        prompt_md="Write a plan for your city.",
        prompt_html="<p>Write a plan for your city.</p>",
        sections=PLAN_SECTIONS,
        rubric=PLAN_RUBRIC,
        themes=[
            {"id": "childcare", "title": "Childcare"},
            {"id": "elders", "title": "Older people"},
        ],
        pass_mark=50,
        **fields,
    )
    db.session.add(assignment)
    for cohort, (submission_due, reviews_due) in (cohorts or {}).items():
        db.session.add(
            AssignmentDates(
                assignment=assignment,
                cohort=cohort,
                submission_due_at=submission_due,
                submission_due_zone="Europe/Madrid",
                reviews_due_at=reviews_due,
                reviews_due_zone="Europe/Madrid",
            )
        )
    outline_changed([course.id])
    db.session.commit()
    return assignment
