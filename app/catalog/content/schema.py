"""The course format's schema: file and folder names, and the keys each mapping may have.

Reading (reader.py), checking (checks.py), writing (exporter.py) and the browser editors'
forms take the format's names from here, so they cannot drift apart.
"""

import re

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NUMBERED = re.compile(r"^(\d{2})-(.+)$")
# A lesson's translation, beside it: '02-the-5r-framework.es.md' (file stem, language).
TRANSLATED = re.compile(r"^(\d{2}-[^.]+)\.([^.]+)\.md$")
MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
ROOT_FILES = {"course.yaml", "guidebook.md", "README.md", "media"}
MODULE_FILES = {"module.md", "lecture.md", "quiz.yaml", "assignment.yaml"}

# Keys of each mapping in the order the exporter writes them, with whether each is required.
COURSE_KEYS = {
    "slug": True, "title": True, "summary": True, "status": False, "languages": True,
    "completion": True, "certificate": True, "cohorts": False,
}  # fmt: skip
COMPLETION_KEYS = {
    "lessons": True, "quizzes": True, "live_sessions": False, "assignments": False,
}  # fmt: skip
LIVE_RULE_KEYS = {"minimum": True, "recordings_count": False}
CERTIFICATE_KEYS = {
    "title": True, "hours": True, "wording": True, "issuers": True, "signatories": False,
    "automatic": False, "staff_can_issue": False, "valid_years": False,
}  # fmt: skip
SIGNATORY_KEYS = {"name": True, "role": True}
COHORT_KEYS = {
    "slug": True, "title": True, "time_zone": True, "enrolment": True,
    "applications_open": True, "applications_close": True, "starts_on": True, "ends_on": True,
    "live_sessions": False,
}  # fmt: skip
SESSION_KEYS = {
    "slug": True, "title": True, "starts": True, "minutes": True,
    "counts_for_completion": False, "description": False, "join_url": False,
    "recording_url": False,
}  # fmt: skip
MODULE_KEYS = {"title": True, "status": False, "publish_at": False}
LECTURE_KEYS = {"title": True, "minutes": True, "video_url": False}
LESSON_KEYS = {
    "title": True, "minutes": True, "objectives": True, "status": False, "publish_at": False,
}  # fmt: skip
# A translation has its own title and (optionally) objectives; the rest is the original's.
TRANSLATION_KEYS = {"title": True, "objectives": False, "translated_from": False}
FROM_THE_ORIGINAL = {
    key: "a translation takes it from the original lesson; remove it here"
    for key in LESSON_KEYS
    if key not in TRANSLATION_KEYS
}
QUIZ_KEYS = {
    "title": True, "status": False, "pass_mark": True, "attempts": False, "wait_minutes": False,
    "shuffle": False, "feedback": False, "questions": True,
}  # fmt: skip
FEEDBACK_CHOICES = ("every_attempt", "once_passed")
QUESTION_KEYS = {
    "id": True, "type": True, "prompt": True, "choices": False, "correct": True,
    "explanation": True,
}  # fmt: skip
QUESTION_KINDS = ("single", "multiple", "true_false")

# assignment.yaml: a module's peer-reviewed assignment (docs/course-format.md). `cohorts` is
# required of a published assignment only (assignment_rules.py says so itself).
ASSIGNMENT_KEYS = {
    "title": True, "status": False, "prompt": True, "sections": True, "rubric": True,
    "pass_mark": True, "reviews": False, "late_work": False, "gallery": False, "files": False,
    "themes": False, "cohorts": False,
}  # fmt: skip
SECTION_KEYS = {"id": True, "title": True, "guidance": True, "words": True}
CRITERION_KEYS = {"id": True, "title": True, "description": True, "levels": True}
LEVEL_KEYS = {"title": True, "points": True, "description": True}
REVIEW_KEYS = {"per_submission": False, "per_learner": False, "anonymous": False}
THEME_KEYS = {"id": True, "title": True}
ASSIGNMENT_DATES_KEYS = {"submission_due": True, "reviews_due": True}
GALLERY_CHOICES = ("none", "cohort", "course")
# The values an assignment has when its file leaves the key out (the exporter leaves them out).
ASSIGNMENT_DEFAULTS = {
    "status": "published", "per_submission": 3, "per_learner": 3, "anonymous": True,
    "late_work": False, "gallery": "cohort", "files": 3,
}  # fmt: skip
