"""Write a course from the database back to files, in the canonical form of the format."""

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.catalog.content.schema import (
    ASSIGNMENT_DEFAULTS,
    CERTIFICATE_KEYS,
    COMPLETION_KEYS,
    LIVE_RULE_KEYS,
    NUMBERED,
    SIGNATORY_KEYS,
)
from app.catalog.content.source import AssignmentDatesSource, AssignmentSource
from app.catalog.content.yamlio import FlowList, dump_canonical_yaml
from app.catalog.models import (
    Assignment,
    Course,
    Feedback,
    Lesson,
    LessonTranslation,
    LiveSession,
    Module,
    QuestionKind,
    Quiz,
    Status,
)
from app.core.timezones import format_zoned_time


class ExportError(Exception):
    """The course cannot be written where it was asked to be."""


def _ordered(mapping: dict[str, Any], keys: dict[str, bool]) -> dict[str, Any]:
    return {key: mapping[key] for key in keys if key in mapping}


def _front_matter(header: dict[str, Any], body: str) -> str:
    return f"---\n{dump_canonical_yaml(header)}---\n{body}"


def course_yaml(course: Course) -> dict[str, Any]:
    data: dict[str, Any] = {"slug": course.slug, "title": course.title, "summary": course.summary}
    if course.status == Status.DRAFT:
        data["status"] = course.status.value
    data["languages"] = list(course.languages)
    completion = _ordered(course.completion_rules, COMPLETION_KEYS)
    if "live_sessions" in completion:
        completion["live_sessions"] = _ordered(completion["live_sessions"], LIVE_RULE_KEYS)
    data["completion"] = completion
    certificate = _ordered(course.certificate, CERTIFICATE_KEYS)
    if "signatories" in certificate:
        certificate["signatories"] = [
            _ordered(person, SIGNATORY_KEYS) for person in certificate["signatories"]
        ]
    data["certificate"] = certificate
    cohorts = [cohort for cohort in course.cohorts if not cohort.is_archived]
    if cohorts:
        data["cohorts"] = [
            {
                "slug": cohort.slug,
                "title": cohort.title,
                "time_zone": cohort.time_zone,
                "enrolment": cohort.enrolment_mode.value,
                "applications_open": format_zoned_time(
                    cohort.applications_open_at, cohort.applications_open_zone
                ),
                "applications_close": format_zoned_time(
                    cohort.applications_close_at, cohort.applications_close_zone
                ),
                "starts_on": cohort.starts_on,
                "ends_on": cohort.ends_on,
            }
            | _sessions_yaml(cohort.live_sessions)
            for cohort in cohorts
        ]
    return data


def _sessions_yaml(sessions: list[LiveSession]) -> dict[str, Any]:
    written = []
    for session in sessions:
        if session.is_cancelled:
            continue
        item: dict[str, Any] = {
            "slug": session.slug,
            "title": session.title,
            "starts": format_zoned_time(session.starts_at, session.time_zone),
            "minutes": session.duration_minutes,
        }
        if not session.counts_for_completion:
            item["counts_for_completion"] = False
        for key in ("description", "join_url", "recording_url"):
            if getattr(session, key):
                item[key] = getattr(session, key)
        written.append(item)
    return {"live_sessions": written} if written else {}


def quiz_yaml(quiz: Quiz) -> dict[str, Any]:
    questions = []
    for question in quiz.active_questions():
        item: dict[str, Any] = {
            "id": question.slug,
            "type": question.kind.value,
            "prompt": question.prompt,
        }
        correct = [choice.position for choice in question.choices if choice.is_correct]
        if question.kind == QuestionKind.TRUE_FALSE:
            item["correct"] = correct == [1]
        else:
            item["choices"] = [choice.text for choice in question.choices]
            item["correct"] = (
                correct[0] if question.kind == QuestionKind.SINGLE else FlowList(correct)
            )
        item["explanation"] = question.explanation
        questions.append(item)
    data: dict[str, Any] = {"title": quiz.title}
    if quiz.status == Status.DRAFT:
        data["status"] = quiz.status.value
    data["pass_mark"] = quiz.pass_mark
    if quiz.max_attempts is not None:
        data["attempts"] = quiz.max_attempts
    if quiz.wait_minutes:
        data["wait_minutes"] = quiz.wait_minutes
    if quiz.shuffle:
        data["shuffle"] = True
    if quiz.feedback != Feedback.EVERY_ATTEMPT:
        data["feedback"] = quiz.feedback.value
    data["questions"] = questions
    return data


def assignment_source(assignment: Assignment) -> AssignmentSource:
    """An assignment as its file says it (dates ordered as course.yaml orders its cohorts)."""
    dates = sorted(
        (d for d in assignment.dates if not d.cohort.is_archived),
        key=lambda d: (d.cohort.position, d.cohort.slug),
    )
    return AssignmentSource(
        title=assignment.title,
        prompt_md=assignment.prompt_md,
        prompt_html=assignment.prompt_html,
        sections=list(assignment.sections),
        rubric=list(assignment.rubric),
        pass_mark=assignment.pass_mark,
        status=assignment.status.value,
        reviews_per_submission=assignment.reviews_per_submission,
        reviews_per_learner=assignment.reviews_per_learner,
        anonymous_reviews=assignment.anonymous_reviews,
        late_work=assignment.late_work,
        gallery=assignment.gallery.value,
        max_files=assignment.max_files,
        themes=list(assignment.themes),
        dates=[
            AssignmentDatesSource(
                d.cohort.slug,
                d.submission_due_at,
                d.submission_due_zone,
                d.reviews_due_at,
                d.reviews_due_zone,
            )
            for d in dates
        ],
    )


def assignment_yaml(assignment: AssignmentSource) -> dict[str, Any]:
    """assignment.yaml's mapping: optional keys only where they differ from their default."""
    defaults = ASSIGNMENT_DEFAULTS
    data: dict[str, Any] = {"title": assignment.title}
    if assignment.status != defaults["status"]:
        data["status"] = assignment.status
    data["prompt"] = assignment.prompt_md
    data["sections"] = [
        {key: section[key] for key in ("id", "title", "guidance", "words")}
        for section in assignment.sections
    ]
    data["rubric"] = [
        {key: criterion[key] for key in ("id", "title", "description")}
        | {
            "levels": [
                {key: level[key] for key in ("title", "points", "description")}
                for level in criterion["levels"]
            ]
        }
        for criterion in assignment.rubric
    ]
    data["pass_mark"] = assignment.pass_mark
    reviews = {
        key: value
        for key, value in (
            ("per_submission", assignment.reviews_per_submission),
            ("per_learner", assignment.reviews_per_learner),
            ("anonymous", assignment.anonymous_reviews),
        )
        if value != defaults[key]
    }
    if reviews:
        data["reviews"] = reviews
    if assignment.late_work != defaults["late_work"]:
        data["late_work"] = assignment.late_work
    if assignment.gallery != defaults["gallery"]:
        data["gallery"] = assignment.gallery
    if assignment.max_files != defaults["files"]:
        data["files"] = assignment.max_files
    if assignment.themes:
        data["themes"] = [
            {"id": theme["id"], "title": theme["title"]} for theme in assignment.themes
        ]
    if assignment.dates:
        data["cohorts"] = {
            dates.cohort: {
                "submission_due": format_zoned_time(
                    dates.submission_due_at, dates.submission_due_zone
                ),
                "reviews_due": format_zoned_time(dates.reviews_due_at, dates.reviews_due_zone),
            }
            for dates in assignment.dates
        }
    return data


def assignment_file(assignment: AssignmentSource) -> str:
    """The text of assignment.yaml, in the format's canonical form."""
    return dump_canonical_yaml(assignment_yaml(assignment))


def _publication(item: Module | Lesson) -> dict[str, Any]:
    """The status and publication time keys, written only when they say something."""
    header: dict[str, Any] = {}
    if item.status == Status.DRAFT:
        header["status"] = item.status.value
    if item.publish_at is not None:
        header["publish_at"] = format_zoned_time(item.publish_at, "UTC")
    return header


def lesson_file(lesson: Lesson) -> str:
    header: dict[str, Any] = {
        "title": lesson.title,
        "minutes": lesson.minutes,
        "objectives": list(lesson.objectives),
    } | _publication(lesson)
    return _front_matter(header, lesson.body_md)


def translation_file(translation: LessonTranslation) -> str:
    header: dict[str, Any] = {"title": translation.title}
    if translation.objectives:
        header["objectives"] = list(translation.objectives)
    if translation.made_from:
        header["translated_from"] = translation.made_from
    return _front_matter(header, translation.body_md)


def lecture_file(module: Module) -> str:
    header: dict[str, Any] = {"title": module.lecture_title, "minutes": module.lecture_minutes}
    if module.lecture_video_url:
        header["video_url"] = module.lecture_video_url
    return _front_matter(header, module.lecture_transcript_md or "")


def course_files(
    course: Course, uploads: Mapping[str, bytes] | None = None, *, with_media: bool = True
) -> dict[str, bytes]:
    """Every file of the course, by its path inside the course folder.

    `uploads` are the images uploaded in the browser, by name: they join the media/ folder.
    Without media: the text files only.
    """
    course_data = course_yaml(course)
    course_data["languages"] = FlowList(course_data["languages"])
    files = {"course.yaml": dump_canonical_yaml(course_data).encode()}
    if course.guidebook_md is not None:
        files["guidebook.md"] = course.guidebook_md.encode()
    for media in course.media_files if with_media else ():
        files[f"media/{media.path}"] = media.data
    for name, data in (uploads or {}).items():
        files[f"media/{name}"] = data
    for module in course.modules:
        if module.status == Status.ARCHIVED:
            continue
        folder = f"{module.position:02d}-{module.slug}"
        files[f"{folder}/module.md"] = _front_matter(
            {"title": module.title} | _publication(module), module.intro_md
        ).encode()
        if module.has_lecture:
            files[f"{folder}/lecture.md"] = lecture_file(module).encode()
        for lesson in module.lessons:
            if lesson.status != Status.ARCHIVED:
                stem = f"{folder}/{lesson.position:02d}-{lesson.slug}"
                files[f"{stem}.md"] = lesson_file(lesson).encode()
                for translation in lesson.translations:
                    files[f"{stem}.{translation.language}.md"] = translation_file(
                        translation
                    ).encode()
        if module.quiz and module.quiz.status != Status.ARCHIVED:
            files[f"{folder}/quiz.yaml"] = dump_canonical_yaml(quiz_yaml(module.quiz)).encode()
        if module.assignment and module.assignment.status != Status.ARCHIVED:
            files[f"{folder}/assignment.yaml"] = assignment_file(
                assignment_source(module.assignment)
            ).encode()
    originals = {path.rpartition("/")[0] for path in files}
    for translation in course.text_translations:
        # A module folder's position may have changed since: the translation follows it.
        folder, _, name = translation.path.rpartition("/")
        if folder and folder not in originals:
            continue
        files[translation.path] = translation.file_text.encode()
    return files


def export_course(
    course: Course,
    target: Path,
    overwrite: bool = False,
    uploads: Mapping[str, bytes] | None = None,
) -> list[str]:
    """Write the course's files into target; refuse a folder with files unless overwrite.

    With overwrite, the files the format owns (course.yaml, guidebook.md, media/ and the
    NN-slug module folders) are replaced and anything else in the folder is left alone.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise ExportError(f"{target} is a file, not a folder")
    if target.exists() and any(target.iterdir()):
        if not overwrite:
            raise ExportError(f"{target} is not empty; use --overwrite to replace the course there")
        for entry in target.iterdir():
            if entry.is_dir() and (entry.name == "media" or NUMBERED.match(entry.name)):
                shutil.rmtree(entry)
            elif entry.name in ("course.yaml", "guidebook.md"):
                entry.unlink()
    files = course_files(course, uploads)
    for relative, content in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return sorted(files)
