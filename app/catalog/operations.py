"""Every write to the catalogue: importing a course from its files.

The import obeys the editors' rules (it asks the same model methods), refuses the whole course
when the files ask for a change they would refuse, and writes each change to the audit log.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.catalog.authored import LessonRevision
from app.catalog.content.source import (
    AssignmentDatesSource,
    AssignmentSource,
    CohortSource,
    CourseSource,
    LessonSource,
    ModuleSource,
    Problem,
    QuestionSource,
    QuizSource,
)
from app.catalog.models import (
    Assignment,
    AssignmentDates,
    Choice,
    Cohort,
    Course,
    CourseStaff,
    EnrolmentMode,
    Feedback,
    GalleryReach,
    Lesson,
    LessonTranslation,
    LiveSession,
    MediaFile,
    Module,
    Question,
    QuestionKind,
    QuestionVersion,
    Quiz,
    SessionStatus,
    Status,
    TextTranslation,
)
from app.catalog.outlines import outline_changed
from app.catalog.queries import COURSE_TEXT
from app.core import audit, events
from app.core.types import utcnow
from app.extensions import db

T = TypeVar("T")


@dataclass
class ImportReport:
    """What an import changed, as lines such as 'lesson care-work'."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.archived)

    def lines(self) -> list[str]:
        if not self.changed:
            return ["nothing changed"]
        return [
            f"{verb} {item}"
            for verb, items in (
                ("added", self.added),
                ("updated", self.updated),
                ("archived", self.archived),
            )
            for item in items
        ]


class ImportConflicts(Exception):
    """The files ask for changes the editors refuse; the import wrote nothing."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


def _apply(target: Any, values: dict[str, Any]) -> list[str]:
    """Set the attributes that differ; the names of those that did."""
    changed = []
    for name, value in values.items():
        if getattr(target, name) != value:
            setattr(target, name, value)
            changed.append(name)
    return changed


# The audit log's name for each kind of row the import writes: `import.<name>.<verb>`, apart
# from the editors' `<name>.<verb>`, so a filter on either finds what it expects.
AUDITED = {
    Course: "course",
    MediaFile: "media",
    Cohort: "cohort",
    LiveSession: "live_session",
    Module: "module",
    Lesson: "lesson",
    LessonTranslation: "lesson_translation",
    TextTranslation: "translation",
    Quiz: "quiz",
    Question: "question",
    Assignment: "assignment",
}


class _CourseImport:
    def __init__(self, source: CourseSource, actor):
        self.source = source
        self.actor = actor
        self.report = ImportReport()
        # (verb, label, row, fields changed): written to the audit log once rows have ids.
        self.changes: list[tuple[str, str, Any, list[str]]] = []

    def _note(self, verb: str, label: str, row: Any, changed: list[str] | None = None) -> None:
        """Report a change and keep it for the audit log.

        verb: added, updated, archived, or cancelled and removed (reported as archived).
        """
        if verb in ("added", "updated"):
            getattr(self.report, verb).append(label)
        else:
            self.report.archived.append(label if verb == "archived" else f"{label} ({verb})")
        self.changes.append((verb, label, row, changed or []))

    def _track(self, label: str, row: Any, is_new: bool, changed: list[str]) -> None:
        if is_new:
            self._note("added", label, row)
        elif changed:
            self._note("updated", label, row, changed)

    def _record_changes(self, course: Course) -> None:
        for verb, label, row, changed in self.changes:
            details = {"course": course.slug, "item": label}
            if changed:
                details["changed"] = changed
            audit.record(
                f"import.{AUDITED[type(row)]}.{verb}", actor=self.actor, target=row, details=details
            )

    def _upsert(
        self, existing: dict[str, T], key: str, create: Callable[[], T], values: dict, label: str
    ) -> tuple[T, bool, list[str]]:
        """Take the row with this key out of existing (or create one), update it, report it.

        Returns the row, whether it is new, and the fields of an existing row that changed.
        """
        row = existing.pop(key, None)
        is_new = row is None
        if is_new:
            row = create()
        changed = _apply(row, values)
        if is_new:
            changed = []
        self._track(label, row, is_new, changed)
        return row, is_new, changed

    def run(self) -> Course:
        source = self.source
        course = db.session.scalar(
            select(Course)
            .where(Course.slug == source.slug)
            .options(
                *COURSE_TEXT,
                selectinload(Course.media_files),
                selectinload(Course.modules)
                .selectinload(Module.quiz)
                .selectinload(Quiz.questions)
                .selectinload(Question.versions),
            )
        )
        if course is not None:
            conflicts = self._conflicts(course)
            if conflicts:
                raise ImportConflicts(conflicts)
        is_new = course is None
        if is_new:
            course = Course(slug=source.slug)
            db.session.add(course)
        changed = _apply(
            course,
            {
                "title": source.title,
                "summary": source.summary,
                "status": Status(source.status),
                "languages": source.languages,
                "completion_rules": source.completion,
                "certificate": source.certificate,
                "guidebook_md": source.guidebook_md,
                "guidebook_html": source.guidebook_html,
            },
        )
        self._track(f"course {source.slug}", course, is_new, [] if is_new else changed)
        db.session.flush()
        self._import_media(course)
        self._import_cohorts(course)
        self._import_modules(course)
        self._import_text_translations(course)
        db.session.flush()
        self._record_changes(course)
        return course

    def _conflicts(self, course: Course) -> list[Problem]:
        """The changes the schedule editor would refuse, each named by its line in course.yaml.

        Asked before anything is written, so a refused import leaves the database as it was.
        """
        path = self.source.root / "course.yaml"
        cohorts = {cohort.slug: cohort for cohort in course.cohorts}
        problems = []
        for item in self.source.cohorts:
            cohort = cohorts.get(item.slug)
            if cohort is None:
                continue
            attended = events.session_attendance(cohort.id)
            sources = {source.slug: source for source in item.live_sessions}
            for session in cohort.live_sessions:
                source = sources.get(session.slug)
                if source is None:
                    refusal = session.change_refusal(attended.get(session.id, 0), cancels=True)
                    line = item.lines.get("live_sessions", item.lines.get("", 1))
                    what = "is no longer in the file"
                else:
                    moves = source.starts_at != session.starts_at
                    refusal = session.change_refusal(attended.get(session.id, 0), moves=moves)
                    line = source.lines.get("starts", source.lines.get("", 1))
                    what = "starts at another time"
                if refusal:
                    where = f"cohort '{item.slug}', live session '{session.slug}' {what}"
                    problems.append(Problem(path, line, f"{where}: {refusal}"))
        return problems

    def _import_media(self, course: Course) -> None:
        existing = {media.path: media for media in course.media_files}
        for item in self.source.media:

            def create(path=item.path) -> MediaFile:
                media = MediaFile(path=path)
                course.media_files.append(media)
                return media

            self._upsert(
                existing,
                item.path,
                create,
                {"content_type": item.content_type, "sha256": item.sha256, "data": item.data},
                f"media {item.path}",
            )
        for media in existing.values():
            course.media_files.remove(media)  # files carry no learner data: removed outright
            self._note("removed", f"media {media.path}", media)

    def _import_cohorts(self, course: Course) -> None:
        existing = {cohort.slug: cohort for cohort in course.cohorts}
        for position, item in enumerate(self.source.cohorts):

            def create(slug=item.slug) -> Cohort:
                cohort = Cohort(slug=slug)
                course.cohorts.append(cohort)
                return cohort

            cohort, _, _ = self._upsert(
                existing,
                item.slug,
                create,
                self._cohort_values(item, position),
                f"cohort {item.slug}",
            )
            self._import_sessions(cohort, item)
        for cohort in existing.values():
            if not cohort.is_archived:
                cohort.is_archived = True
                self._note("archived", f"cohort {cohort.slug}", cohort)

    @staticmethod
    def _cohort_values(item: CohortSource, position: int) -> dict[str, Any]:
        return {
            "title": item.title,
            "position": position,
            "time_zone": item.time_zone,
            "enrolment_mode": EnrolmentMode(item.enrolment),
            "applications_open_at": item.applications_open_at,
            "applications_open_zone": item.applications_open_zone,
            "applications_close_at": item.applications_close_at,
            "applications_close_zone": item.applications_close_zone,
            "starts_on": item.starts_on,
            "ends_on": item.ends_on,
            "is_archived": False,
        }

    def _import_sessions(self, cohort: Cohort, item: CohortSource) -> None:
        existing = {session.slug: session for session in cohort.live_sessions}
        for source in item.live_sessions:

            def create(slug=source.slug) -> LiveSession:
                session = LiveSession(slug=slug, sequence=0)
                cohort.live_sessions.append(session)
                return session

            before = existing.get(source.slug)
            kept_recording = before.recording_url if before else None
            previous_starts_at = before.starts_at if before else None
            session, _, changed = self._upsert(
                existing,
                source.slug,
                create,
                {
                    "title": source.title,
                    "description": source.description,
                    "starts_at": source.starts_at,
                    "time_zone": source.time_zone,
                    "duration_minutes": source.minutes,
                    "join_url": source.join_url,
                    # A recording added in the browser stays until the file names one.
                    "recording_url": source.recording_url or kept_recording,
                    "counts_for_completion": source.counts_for_completion,
                    "status": SessionStatus.SCHEDULED,
                },
                f"live session {item.slug}/{source.slug}",
            )
            if changed:
                session.sequence += 1
                self._tell_cohort(session, changed, previous_starts_at)
        for session in existing.values():
            if not session.is_cancelled:
                session.status = SessionStatus.CANCELLED
                session.sequence += 1
                self._note("cancelled", f"live session {item.slug}/{session.slug}", session)
                self._tell_cohort(session, ["status"], session.starts_at)

    def _tell_cohort(self, session: LiveSession, changed: list[str], previous_starts_at) -> None:
        changes = session.notice_of(changed)
        if changes:
            db.session.flush()
            events.live_session_changed.send(
                session, changes=changes, previous_starts_at=previous_starts_at, now=utcnow()
            )

    def _import_modules(self, course: Course) -> None:
        modules = {module.slug: module for module in course.modules}
        lessons = {lesson.slug: lesson for module in course.modules for lesson in module.lessons}
        for item in self.source.modules:

            def create(slug=item.slug) -> Module:
                module = Module(slug=slug)
                course.modules.append(module)
                return module

            module, _, _ = self._upsert(
                modules, item.slug, create, self._module_values(item), f"module {item.slug}"
            )
            db.session.flush()
            self._import_lessons(course, module, item, lessons)
            self._import_quiz(module, item.quiz)
            self._import_assignment(course, module, item.assignment)
        for module in modules.values():
            if module.status != Status.ARCHIVED:
                module.status = Status.ARCHIVED
                self._note("archived", f"module {module.slug}", module)
            if module.quiz:
                self._import_quiz(module, None)
            if module.assignment:
                self._import_assignment(course, module, None)
        for lesson in lessons.values():  # lessons no file mentions any more
            if lesson.status != Status.ARCHIVED:
                lesson.status = Status.ARCHIVED
                self._note("archived", f"lesson {lesson.slug}", lesson)
            self._remove_translations(lesson, lesson.translations)

    @staticmethod
    def _module_values(item: ModuleSource) -> dict[str, Any]:
        lecture = item.lecture
        return {
            "position": item.position,
            "title": item.title,
            "intro_md": item.intro_md,
            "intro_html": item.intro_html,
            "status": Status(item.status),
            "publish_at": item.publish_at,
            "lecture_title": lecture.title if lecture else None,
            "lecture_minutes": lecture.minutes if lecture else None,
            "lecture_video_url": lecture.video_url if lecture else None,
            "lecture_transcript_md": lecture.transcript_md if lecture else None,
            "lecture_transcript_html": lecture.transcript_html if lecture else None,
        }

    def _import_lessons(
        self, course: Course, module: Module, item: ModuleSource, lessons: dict[str, Lesson]
    ) -> None:
        for source in item.lessons:

            def create(slug=source.slug) -> Lesson:
                lesson = Lesson(slug=slug, course_id=course.id, revision=0)
                db.session.add(lesson)
                return lesson

            before = lessons[source.slug].revision_content() if source.slug in lessons else None
            lesson, _, _ = self._upsert(
                lessons,
                source.slug,
                create,
                {
                    "module": module,
                    "position": source.position,
                    "title": source.title,
                    "minutes": source.minutes,
                    "objectives": source.objectives,
                    "status": Status(source.status),
                    "publish_at": source.publish_at,
                    "body_md": source.body_md,
                    "body_html": source.body_html,
                    "content_hash": source.content_hash,
                    "headings": source.headings,
                },
                f"lesson {source.slug}",
            )
            if lesson.revision_content() != before:
                record_lesson_revision(lesson, author=None, note="imported")
            self._import_translations(lesson, source)

    def _import_translations(self, lesson: Lesson, source: LessonSource) -> None:
        """Add, update and remove the lesson's translations to match its files."""
        existing = {translation.language: translation for translation in lesson.translations}
        for item in source.translations:

            def create(language=item.language) -> LessonTranslation:
                translation = LessonTranslation(language=language)
                lesson.translations.append(translation)
                return translation

            self._upsert(
                existing,
                item.language,
                create,
                {
                    "title": item.title,
                    "objectives": item.objectives,
                    "body_md": item.body_md,
                    "body_html": item.body_html,
                    "headings": item.headings,
                    "content_hash": item.content_hash,
                    "made_from": item.made_from,
                },
                f"translation {source.slug}.{item.language}",
            )
        self._remove_translations(lesson, list(existing.values()))

    def _import_text_translations(self, course: Course) -> None:
        """Add, update and remove the translations of the course's other files (course.yaml,
        guidebook, modules, lectures, quizzes, assignments) to match their files."""
        existing = {translation.path: translation for translation in course.text_translations}
        for item in self.source.text_translations:

            def create(path=item.path) -> TextTranslation:
                translation = TextTranslation(path=path)
                course.text_translations.append(translation)
                return translation

            self._upsert(
                existing,
                item.path,
                create,
                {
                    "original": item.original,
                    "language": item.language,
                    "kind": item.kind,
                    "made_from": item.made_from,
                    "texts": item.texts,
                    "file_text": item.file_text,
                },
                f"translation {item.path}",
            )
        # Text only, no learner data: a translation whose file is gone is deleted.
        for translation in existing.values():
            course.text_translations.remove(translation)
            self._note("removed", f"translation {translation.path}", translation)

    def _remove_translations(self, lesson: Lesson, gone: list[LessonTranslation]) -> None:
        # A translation holds no learner data (progress is kept against the lesson): whose
        # file is gone is deleted outright.
        for translation in list(gone):
            lesson.translations.remove(translation)
            self._note("removed", f"translation {lesson.slug}.{translation.language}", translation)

    def _import_quiz(self, module: Module, source: QuizSource | None) -> None:
        quiz = module.quiz
        if source is None:
            if quiz is not None and quiz.status != Status.ARCHIVED:
                quiz.status = Status.ARCHIVED
                self._note("archived", f"quiz of module {module.slug}", quiz)
            return
        is_new = quiz is None
        if is_new:
            quiz = Quiz()
            module.quiz = quiz
        changed = _apply(
            quiz,
            {
                "title": source.title,
                "pass_mark": source.pass_mark,
                "max_attempts": source.attempts,
                "wait_minutes": source.wait_minutes,
                "shuffle": source.shuffle,
                "feedback": Feedback(source.feedback),
                "status": Status(source.status),
            },
        )
        self._track(f"quiz of module {module.slug}", quiz, is_new, [] if is_new else changed)
        existing = {question.slug: question for question in quiz.questions}
        for position, item in enumerate(source.questions, start=1):

            def create(slug=item.slug) -> Question:
                question = Question(slug=slug)
                quiz.questions.append(question)
                return question

            label = f"question {module.slug}/{item.slug}"
            question, is_new, changed = self._upsert(
                existing,
                item.slug,
                create,
                {
                    "position": position,
                    "kind": QuestionKind(item.kind),
                    "prompt": item.prompt,
                    "explanation": item.explanation,
                    "is_archived": False,
                },
                label,
            )
            if self._import_choices(question, item) and not (is_new or changed):
                self._note("updated", label, question, ["choices"])
        for question in existing.values():
            if not question.is_archived:
                question.is_archived = True
                self._note("archived", f"question {module.slug}/{question.slug}", question)
        db.session.flush()  # choices get their ids, which versions keep
        for question in quiz.active_questions():
            record_question_version(question)

    def _import_assignment(
        self, course: Course, module: Module, source: AssignmentSource | None
    ) -> None:
        """Add, update or archive the module's assignment as its assignment.yaml says.

        An assignment whose file is gone is archived, never deleted: learners' submissions
        and reviews point at it. Its file coming back makes it what the file says again.
        """
        assignment = module.assignment
        label = f"assignment of module {module.slug}"
        if source is None:
            if assignment is not None and archive_assignment(assignment):
                self._note("archived", label, assignment)
            return
        is_new = assignment is None
        if is_new:
            assignment = new_assignment(module)
        changed = apply_assignment(assignment, source, live_cohorts(course))
        self._track(label, assignment, is_new, [] if is_new else changed)

    @staticmethod
    def _import_choices(question: Question, item: QuestionSource) -> bool:
        existing = {choice.position: choice for choice in question.choices}
        changed = False
        for position, text in enumerate(item.choices, start=1):
            choice = existing.pop(position, None)
            if choice is None:
                choice = Choice(position=position)
                question.choices.append(choice)
                changed = True
            values = {"text": text, "is_correct": position in item.correct}
            changed = bool(_apply(choice, values)) or changed
        for choice in existing.values():
            question.choices.remove(choice)
            changed = True
        return changed


def live_cohorts(course: Course) -> dict[str, Cohort]:
    """The course's cohorts that course.yaml lists (not archived), by slug."""
    return {cohort.slug: cohort for cohort in course.cohorts if not cohort.is_archived}


def new_assignment(module: Module) -> Assignment:
    """An empty assignment for the module, to be filled by apply_assignment."""
    assignment = Assignment(revision=0, dates=[])
    module.assignment = assignment
    return assignment


def _assignment_values(source: AssignmentSource) -> dict[str, Any]:
    return {
        "title": source.title,
        "status": Status(source.status),
        "prompt_md": source.prompt_md,
        "sections": source.sections,
        "rubric": source.rubric,
        "pass_mark": source.pass_mark,
        "reviews_per_submission": source.reviews_per_submission,
        "reviews_per_learner": source.reviews_per_learner,
        "anonymous_reviews": source.anonymous_reviews,
        "late_work": source.late_work,
        "gallery": GalleryReach(source.gallery),
        "max_files": source.max_files,
        "themes": source.themes,
    }


def apply_assignment(
    assignment: Assignment, source: AssignmentSource, cohorts: dict[str, Cohort]
) -> list[str]:
    """Make an assignment say what its checked file (or editor) says: the import's and the
    editor's one way to write one. Returns the fields that changed ('cohorts' for the dates).

    The revision, which the editor's conflict check compares, counts every change of content;
    a prompt rendered anew (a lesson it links to moved) is not one.
    """
    changed = _apply(assignment, _assignment_values(source))
    if _apply_dates(assignment, source.dates, cohorts):
        changed.append("cohorts")
    if changed:
        assignment.revision = (assignment.revision or 0) + 1
    if assignment.prompt_html != source.prompt_html:
        assignment.prompt_html = source.prompt_html
        changed.append("prompt_html")
    return changed


def _apply_dates(
    assignment: Assignment, dates: list[AssignmentDatesSource], cohorts: dict[str, Cohort]
) -> bool:
    """Make the assignment's dates per cohort those given; whether any changed.

    Dates hold no learner data: those of a cohort no longer given are deleted.
    """
    existing = {row.cohort_id: row for row in assignment.dates if row.cohort_id is not None}
    changed = False
    for item in dates:
        cohort = cohorts[item.cohort]
        row = existing.pop(cohort.id, None) if cohort.id is not None else None
        if row is None:
            row = AssignmentDates(cohort=cohort)
            assignment.dates.append(row)
            changed = True
        values = {
            "submission_due_at": item.submission_due_at,
            "submission_due_zone": item.submission_due_zone,
            "reviews_due_at": item.reviews_due_at,
            "reviews_due_zone": item.reviews_due_zone,
        }
        changed = bool(_apply(row, values)) or changed
    for row in existing.values():
        assignment.dates.remove(row)
        changed = True
    return changed


def archive_assignment(assignment: Assignment) -> bool:
    """Archive an assignment (learners no longer see it; their work stays); False if it was."""
    if assignment.status == Status.ARCHIVED:
        return False
    assignment.status = Status.ARCHIVED
    assignment.revision = (assignment.revision or 0) + 1
    return True


def set_staffed_courses(user: User, courses: list[Course], *, actor: User | None) -> None:
    """Make the user staff of exactly these courses."""
    wanted = {course.id: course for course in courses}
    current = {membership.course_id: membership for membership in user.staff_memberships}
    for course_id, membership in current.items():
        if course_id not in wanted:
            user.staff_memberships.remove(membership)
            audit.record(
                "course.staff_removed",
                actor=actor,
                target=user,
                details={"course": membership.course.slug},
            )
    for course_id, course in wanted.items():
        if course_id not in current:
            user.staff_memberships.append(CourseStaff(course=course))
            audit.record(
                "course.staff_added", actor=actor, target=user, details={"course": course.slug}
            )
    db.session.flush()


def record_question_version(question: Question) -> QuestionVersion | None:
    """Keep the question as it now stands as its next version, unless its latest is the same.

    Call it after the question's choices are flushed (their ids are part of the version).
    """
    content = question.content()
    latest = question.current_version
    if latest is not None and latest.content() == content:
        return None
    version = QuestionVersion(number=latest.number + 1 if latest else 1, **content)
    question.versions.append(version)
    return version


def record_lesson_revision(lesson: Lesson, *, author, note: str) -> LessonRevision:
    """Keep the lesson as it now stands as its next revision, and count it on the lesson."""
    lesson.revision += 1
    revision = LessonRevision(
        lesson=lesson, number=lesson.revision, author=author, note=note, **lesson.revision_content()
    )
    db.session.add(revision)
    return revision


def import_course(source: CourseSource, *, actor=None) -> tuple[Course, ImportReport]:
    """Add or update a course from its checked files, matching everything by slug.

    Raises ImportConflicts, before writing anything, when the files ask for a change the
    editors refuse. Every change is in the audit log, done by `actor` (None: the system).
    """
    importer = _CourseImport(source, actor)
    course = importer.run()
    if importer.report.changed:
        outline_changed([course.id])
    return course, importer.report
