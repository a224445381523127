"""assignment.yaml in the course files: checked (file:line), imported, archived, exported."""

import filecmp

import pytest
import yaml
from sqlalchemy import select

from app.catalog.content.exporter import assignment_file
from app.catalog.content.reader import read_course
from app.catalog.content.yamlio import dump_canonical_yaml
from app.catalog.models import Assignment, AssignmentDates, Course, GalleryReach, Module, Status
from app.core.audit import AuditEvent
from app.extensions import db
from tests.conftest import EXAMPLE_COURSE
from tests.test_content_import import assert_same_tree, run_import
from tests.test_content_validate import replace_in, validate

FILE = "01-first-steps/assignment.yaml"


def the_assignment() -> Assignment:
    return db.session.scalar(select(Assignment).join(Module).where(Module.slug == "first-steps"))


# Each case: the text to replace in the example's assignment.yaml (or course.yaml), its
# replacement, and the exact line `flask course validate` prints (path inside the course).
BROKEN = {
    "unknown key": (
        "pass_mark: 60",
        "pass_mark: 60\npassmark: 50",
        f"{FILE}:45: unknown key 'passmark' (did you mean 'pass_mark'?); allowed keys: title, "
        "status, prompt, sections, rubric, pass_mark, reviews, late_work, gallery, files, "
        "themes, cohorts",
    ),
    "missing title": (
        "title: A care plan for one neighbourhood\n",
        "",
        f"{FILE}:1: missing required key 'title'",
    ),
    "empty prompt": (
        "prompt: |\n  Choose one neighbourhood of your city and write a short plan to bring "
        "care closer to\n  the people who give and receive it.\n\n  Read [who does care "
        "work](02-who-does-care-work.md#in-the-city) first, and look at the\n  map: ![A map "
        "of care services in a neighbourhood](../media/care-map.png)\n",
        "prompt: ''\n",
        f"{FILE}:2: prompt: must be non-empty text",
    ),
    "link in the prompt to no lesson": (
        "(02-who-does-care-work.md#in-the-city)",
        "(02-who-cares.md)",
        f"{FILE}:6: link '02-who-cares.md' does not lead to a lesson of this course",
    ),
    "image in the prompt without a description": (
        "![A map of care services in a neighbourhood]",
        "![]",
        f"{FILE}:7: an image needs a description: ![what it shows](...)",
    ),
    "sections not a list": (
        "sections:\n- id: the-need",
        "sections: none\nx:\n- id: the-need",
        f"{FILE}:8: sections: must be a non-empty list",
    ),
    "section id that is not a slug": (
        "- id: the-need",
        "- id: The Need",
        f"{FILE}:9: sections[0].id: 'The Need' is not a slug (lower-case letters, digits and "
        "single hyphens, such as 'care-work')",
    ),
    "section id used twice": (
        "- id: the-plan",
        "- id: the-need",
        f"{FILE}:13: sections[1].id: 'the-need' is also the id of sections[0]",
    ),
    "section without guidance": (
        "  guidance: Which care need is not met, for whom, and how do you know?\n",
        "",
        f"{FILE}:9: sections[0]: missing required key 'guidance'",
    ),
    "word limit too small": (
        "words: 200",
        "words: 5",
        f"{FILE}:12: sections[0].words: must be a whole number from 20 to 3000, not 5",
    ),
    "word limit that is not a number": (
        "words: 300",
        "words: many",
        f"{FILE}:16: sections[1].words: must be a whole number from 20 to 3000, not 'many'",
    ),
    "criterion id used twice": (
        "- id: feasibility",
        "- id: evidence",
        f"{FILE}:31: rubric[1].id: 'evidence' is also the id of rubric[0]",
    ),
    "one level only": (
        "  - title: Meets expectations\n    points: 1\n    description: The plan names who does "
        "what.\n  - title: Excellent\n    points: 2\n    description: The plan names who does "
        "what, by when, and with which budget.\n",
        "",
        f"{FILE}:34: rubric[1].levels: must be a list of 2 to 10 levels, from lowest to highest",
    ),
    "a level without a description": (
        "    description: The need is stated without facts.\n",
        "",
        f"{FILE}:22: rubric[0].levels[0]: missing required key 'description'",
    ),
    "levels not increasing": (
        "    points: 4",
        "    points: 2",
        f"{FILE}:29: rubric[0].levels[2].points: must be more than the level before (2): "
        "levels go from lowest to highest",
    ),
    "negative points": (
        "    points: 0\n    description: The need",
        "    points: -1\n    description: The need",
        f"{FILE}:23: rubric[0].levels[0].points: must be a whole number from 0 to 1000, not -1",
    ),
    "pass mark over 100": (
        "pass_mark: 60",
        "pass_mark: 101",
        f"{FILE}:44: pass_mark: must be a whole number from 0 to 100, not 101",
    ),
    "unknown review setting": (
        "  per_submission: 2",
        "  per_submission: 2\n  blind: true",
        f"{FILE}:47: reviews: unknown key 'blind'; allowed keys: per_submission, per_learner, "
        "anonymous",
    ),
    "too many reviews": (
        "  per_submission: 2",
        "  per_submission: 11",
        f"{FILE}:46: reviews.per_submission: must be a whole number from 1 to 10, not 11",
    ),
    "fewer reviews given than needed": (
        "  per_submission: 2",
        "  per_submission: 2\n  per_learner: 1",
        f"{FILE}:47: reviews.per_learner: each learner gives 1 reviews but each submission "
        "gets 2: some plans would never get all their reviews; make per_learner at least "
        "per_submission",
    ),
    "anonymous not a boolean": (
        "  per_submission: 2",
        "  per_submission: 2\n  anonymous: perhaps",
        f"{FILE}:47: reviews.anonymous: must be true or false",
    ),
    "late work not a boolean": (
        "late_work: true",
        "late_work: 3",
        f"{FILE}:47: late_work: must be true or false",
    ),
    "unknown gallery": (
        "gallery: course",
        "gallery: world",
        f"{FILE}:48: gallery: must be one of none, cohort, course, not 'world'",
    ),
    "too many files": (
        "files: 2",
        "files: 11",
        f"{FILE}:49: files: must be a whole number from 0 to 10, not 11",
    ),
    "theme id used twice": (
        "- id: elder-care",
        "- id: childcare",
        f"{FILE}:53: themes[1].id: 'childcare' is also the id of themes[0]",
    ),
    "theme without a title": (
        "  title: Childcare\n",
        "",
        f"{FILE}:51: themes[0]: missing required key 'title'",
    ),
    "dates of a cohort course.yaml does not have": (
        "  2027-spring:",
        "  2027-autumn:",
        f"{FILE}:56: cohorts.2027-autumn: there is no cohort '2027-autumn' in course.yaml "
        "(its cohorts: 2027-spring)",
    ),
    "a published assignment without the dates of a cohort": (
        "  2027-spring:",
        "  2027-autumn:",
        f"{FILE}:55: cohorts: a published assignment needs the dates of every cohort of "
        "course.yaml; missing: 2027-spring (or make the assignment status: draft)",
    ),
    "a time without a zone": (
        "submission_due: 2027-04-16 23:59 Europe/Madrid",
        "submission_due: 2027-04-16 23:59",
        f"{FILE}:57: cohorts.2027-spring.submission_due: '2027-04-16 23:59' has no time zone; "
        "write it as 'YYYY-MM-DD HH:MM Area/City'",
    ),
    "reviews due before submissions": (
        "reviews_due: 2027-04-23 23:59 Europe/Madrid",
        "reviews_due: 2027-04-16 21:59 UTC",  # the same moment as submission_due
        f"{FILE}:58: cohorts.2027-spring.reviews_due: must be after submission_due (reviews "
        "are of the plans submitted by then)",
    ),
    "a cohort's dates missing one": (
        "    reviews_due: 2027-04-23 23:59 Europe/Madrid\n",
        "",
        f"{FILE}:57: cohorts.2027-spring: missing required key 'reviews_due'",
    ),
    "unknown status": (
        "title: A care plan for one neighbourhood",
        "title: A care plan for one neighbourhood\nstatus: hidden",
        f"{FILE}:2: status: must be one of published, draft, not 'hidden'",
    ),
    "malformed YAML": (
        "pass_mark: 60",
        "pass_mark: [60",
        f"{FILE}:45: invalid YAML: expected ',' or ']', but got ':'",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_each_problem_of_an_assignment_is_named_with_its_line(runner, example_copy, case):
    old, new, expected = BROKEN[case]
    replace_in(example_copy / FILE, old, new)
    code, output = validate(runner, example_copy)
    assert code == 1
    assert f"{example_copy}/{expected}" in output.splitlines(), output


def test_the_example_assignment_is_read_in_full(app):
    course, problems = read_course(EXAMPLE_COURSE)
    assert problems == []
    assignment = course.modules[0].assignment
    assert assignment.title == "A care plan for one neighbourhood"
    assert assignment.prompt_md.startswith("Choose one neighbourhood of your city")
    assert assignment.sections[1] == {
        "id": "the-plan",
        "title": "The plan",
        "guidance": "What the city will do, with whom, and by when.",
        "words": 300,
    }
    assert [level["points"] for level in assignment.rubric[0]["levels"]] == [0, 2, 4]
    assert (assignment.pass_mark, assignment.status) == (60, "published")
    # Given: per_submission 2; defaults: per_learner 3, anonymous.
    assert (assignment.reviews_per_submission, assignment.reviews_per_learner) == (2, 3)
    assert assignment.anonymous_reviews is True
    assert (assignment.late_work, assignment.gallery, assignment.max_files) == (True, "course", 2)
    assert [theme["id"] for theme in assignment.themes] == ["childcare", "elder-care"]
    [dates] = assignment.dates
    assert dates.cohort == "2027-spring"
    # 23:59 in Madrid in April (CEST, UTC+2) is 21:59 UTC.
    assert dates.submission_due_at.isoformat() == "2027-04-16T21:59:00+00:00"
    assert dates.submission_due_zone == "Europe/Madrid"
    # Links in the prompt lead to the site, as in lessons.
    assert 'href="/courses/example-course/lessons/who-does-care-work#in-the-city"' in (
        assignment.prompt_html
    )
    assert 'src="/courses/example-course/media/care-map.png"' in assignment.prompt_html


def test_defaults_of_a_minimal_draft_assignment(runner, example_copy):
    (example_copy / FILE).write_text(
        "title: Draft\nstatus: draft\nprompt: Write.\nsections:\n- id: a\n  title: A\n"
        "  guidance: G\n  words: 20\nrubric:\n- id: r\n  title: R\n  description: D\n"
        "  levels:\n  - title: L\n    points: 0\n    description: D\n  - title: M\n"
        "    points: 1\n    description: D\npass_mark: 0\n",
        encoding="utf-8",
    )
    course, problems = read_course(example_copy)
    assert problems == []
    assignment = course.modules[0].assignment
    # A draft needs no dates; the defaults of the spec.
    assert assignment.dates == [] and assignment.status == "draft"
    assert (assignment.reviews_per_submission, assignment.reviews_per_learner) == (3, 3)
    assert (assignment.anonymous_reviews, assignment.late_work) == (True, False)
    assert (assignment.gallery, assignment.max_files, assignment.themes) == ("cohort", 3, [])


def test_a_published_assignment_without_cohorts_key(runner, example_copy):
    text = (example_copy / FILE).read_text(encoding="utf-8")
    (example_copy / FILE).write_text(text[: text.index("cohorts:")], encoding="utf-8")
    code, output = validate(runner, example_copy)
    assert code == 1
    assert (
        f"{example_copy}/{FILE}:1: missing key 'cohorts': a published assignment needs the "
        "dates of every cohort of course.yaml (2027-spring)"
    ) in output.splitlines()


def test_completion_assignments_passed_is_the_only_value(runner, example_copy):
    replace_in(
        example_copy / "course.yaml",
        "    recordings_count: true",
        "    recordings_count: true\n  assignments: all",
    )
    code, output = validate(runner, example_copy)
    assert code == 1
    assert (
        f"{example_copy}/course.yaml:11: completion.assignments: must be one of passed, not 'all'"
    ) in output.splitlines()
    replace_in(example_copy / "course.yaml", "assignments: all", "assignments: passed")
    code, output = validate(runner, example_copy)
    assert code == 0, output


def test_validate_counts_assignments(runner, example_copy):
    code, output = validate(runner, example_copy)
    assert code == 0
    assert "1 quizzes, 1 assignments, 1 cohorts" in output


# import -------------------------------------------------------------------------------------


def test_import_stores_the_assignment_and_its_dates(runner):
    result = run_import(runner, EXAMPLE_COURSE)
    assert result.exit_code == 0, result.output
    assert "added assignment of module first-steps" in result.output
    assignment = the_assignment()
    assert assignment.title == "A care plan for one neighbourhood"
    assert assignment.status == Status.PUBLISHED
    assert assignment.gallery == GalleryReach.COURSE
    assert (assignment.pass_mark, assignment.max_files, assignment.late_work) == (60, 2, True)
    assert assignment.rubric[1]["levels"][2]["points"] == 2
    assert assignment.max_points == 6
    assert assignment.revision == 1
    assert 'href="/courses/example-course/lessons/who-does-care-work#in-the-city"' in (
        assignment.prompt_html
    )
    [dates] = assignment.dates
    assert dates.cohort.slug == "2027-spring"
    assert dates.reviews_due_at.isoformat() == "2027-04-23T21:59:00+00:00"
    assert dates.reviews_due_zone == "Europe/Madrid"
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "import.assignment.added")
    )
    assert event is not None and event.details["item"] == "assignment of module first-steps"


def test_reimporting_an_unchanged_assignment_changes_nothing(runner):
    run_import(runner, EXAMPLE_COURSE)
    before = (the_assignment().updated_at, the_assignment().revision)
    version = db.session.scalar(select(Course.outline_version))
    result = run_import(runner, EXAMPLE_COURSE)
    assert result.output.splitlines()[-1].strip() == "nothing changed"
    assert (the_assignment().updated_at, the_assignment().revision) == before
    assert db.session.scalar(select(Course.outline_version)) == version


def test_an_edited_assignment_is_updated_in_place(runner, example_copy):
    run_import(runner, example_copy)
    original = the_assignment()
    original_id, version = original.id, db.session.scalar(select(Course.outline_version))
    replace_in(example_copy / FILE, "pass_mark: 60", "pass_mark: 75")
    replace_in(
        example_copy / FILE,
        "reviews_due: 2027-04-23 23:59 Europe/Madrid",
        "reviews_due: 2027-04-30 12:00 America/Bogota",
    )
    result = run_import(runner, example_copy)
    assert result.exit_code == 0, result.output
    assert "updated assignment of module first-steps" in result.output
    assignment = the_assignment()
    assert assignment.id == original_id
    assert assignment.pass_mark == 75 and assignment.revision == 2
    assert assignment.dates[0].reviews_due_at.isoformat() == "2027-04-30T17:00:00+00:00"
    assert assignment.dates[0].reviews_due_zone == "America/Bogota"
    assert db.session.scalar(select(Course.outline_version)) != version
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "import.assignment.updated")
    )
    assert event.details["changed"] == ["pass_mark", "cohorts"]


def test_a_removed_assignment_is_archived_and_comes_back(runner, example_copy):
    run_import(runner, example_copy)
    original_id = the_assignment().id
    text = (example_copy / FILE).read_text(encoding="utf-8")
    (example_copy / FILE).unlink()
    result = run_import(runner, example_copy)
    assert result.exit_code == 0, result.output
    assert "archived assignment of module first-steps" in result.output
    assignment = the_assignment()
    assert assignment.id == original_id and assignment.status == Status.ARCHIVED
    assert len(assignment.dates) == 1  # kept: learners' work points at the assignment
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "import.assignment.archived")
    )
    # An archived assignment is not exported.
    runner.invoke(args=["course", "export", "example-course", str(example_copy.parent / "out")])
    assert not (example_copy.parent / "out" / FILE).exists()
    # Its file coming back makes it what the file says again, in the same row.
    (example_copy / FILE).write_text(text, encoding="utf-8")
    result = run_import(runner, example_copy)
    assert "updated assignment of module first-steps" in result.output
    assert the_assignment().id == original_id
    assert the_assignment().status == Status.PUBLISHED


def test_a_removed_module_archives_its_assignment(runner, example_copy):
    run_import(runner, example_copy)
    for path in sorted((example_copy / "01-first-steps").iterdir()):
        path.unlink()
    (example_copy / "01-first-steps").rmdir()
    (example_copy / "guidebook.md").write_text("Read every lesson.\n", encoding="utf-8")
    result = run_import(runner, example_copy)
    assert result.exit_code == 0, result.output
    assert "archived assignment of module first-steps" in result.output
    assert the_assignment().status == Status.ARCHIVED


def test_dates_of_a_cohort_given_no_more_are_removed(runner, example_copy):
    run_import(runner, example_copy)
    replace_in(example_copy / FILE, "title: A care plan", "status: draft\ntitle: A care plan")
    text = (example_copy / FILE).read_text(encoding="utf-8")
    (example_copy / FILE).write_text(text[: text.index("cohorts:")], encoding="utf-8")
    result = run_import(runner, example_copy)
    assert result.exit_code == 0, result.output
    assignment = the_assignment()
    assert assignment.status == Status.DRAFT and assignment.dates == []
    assert db.session.scalar(select(AssignmentDates)) is None


def test_an_invalid_assignment_imports_nothing(runner, example_copy):
    replace_in(example_copy / FILE, "words: 200", "words: 2")
    result = run_import(runner, example_copy)
    assert result.exit_code == 1
    assert db.session.scalar(select(Course)) is None


# export -------------------------------------------------------------------------------------


def test_export_writes_the_assignment_back_byte_for_byte(runner, tmp_path):
    run_import(runner, EXAMPLE_COURSE)
    target = tmp_path / "exported"
    runner.invoke(args=["course", "export", "example-course", str(target)])
    assert (target / FILE).read_bytes() == (EXAMPLE_COURSE / FILE).read_bytes()
    assert_same_tree(filecmp.dircmp(EXAMPLE_COURSE, target))


def test_completion_rule_round_trips(runner, example_copy, tmp_path):
    replace_in(
        example_copy / "course.yaml",
        "    recordings_count: true",
        "    recordings_count: true\n  assignments: passed",
    )
    result = run_import(runner, example_copy)
    assert result.exit_code == 0, result.output
    course = db.session.scalar(select(Course))
    assert course.settings.completion.assignments is True
    runner.invoke(args=["course", "export", "example-course", str(tmp_path / "out")])
    assert (tmp_path / "out" / "course.yaml").read_bytes() == (
        example_copy / "course.yaml"
    ).read_bytes()


PROMPTS = [
    "One line.",
    "Two\nlines\n",
    "A hard break  \nin Markdown\n",  # spaces at a line's end
    "```\n\tcode with a tab\n```\n",
    "  Indented first line\nthen not\n",
    "Blank lines at the end\n\n\n",
    "No newline at the end\nof the last line",
    "Lines of spaces\n   \nbetween\n",
    "Ünïcödé, 日本語, عربى\n",
]


@pytest.mark.parametrize("prompt", PROMPTS)
def test_any_prompt_is_written_back_as_it_was(runner, example_copy, tmp_path, prompt):
    """The canonical writer keeps a prompt of several lines a literal block (`|`)."""
    course, _ = read_course(EXAMPLE_COURSE)
    source = course.modules[0].assignment
    source.prompt_md = prompt
    text = assignment_file(source)
    if "\n" in prompt:
        assert text.splitlines()[1].startswith("prompt: |")
    (example_copy / FILE).write_text(text, encoding="utf-8")
    result = run_import(runner, example_copy)
    assert result.exit_code == 0, result.output
    assert the_assignment().prompt_md == prompt
    runner.invoke(args=["course", "export", "example-course", str(tmp_path / "out")])
    assert (tmp_path / "out" / FILE).read_text(encoding="utf-8") == text


def test_the_block_writer_still_quotes_what_a_block_cannot_hold():
    text = dump_canonical_yaml({"prompt": "a\x07bell\nline\n"})
    assert not text.startswith("prompt: |")
    assert yaml.safe_load(text) == {"prompt": "a\x07bell\nline\n"}
