"""`flask course validate`: every kind of problem is named as file:line: message."""

from pathlib import Path

import pytest


def validate(runner, path: Path):
    result = runner.invoke(args=["course", "validate", str(path)])
    return result.exit_code, result.output


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_valid_course_passes_with_a_summary(runner, example_copy):
    code, output = validate(runner, example_copy)
    assert code == 0
    lines = output.strip().splitlines()
    assert lines[0] == (
        f"{example_copy}: valid: 2 modules, 4 lessons, 1 quizzes, 1 assignments, 1 cohorts, "
        "2 live sessions"
    )
    # Its second language, Spanish, has no translation yet: validate lists each file.
    assert lines[1] == "es: 0 of 11 files translated and current, 0 out of date, 11 missing"
    assert len(lines) == 2 + 11


def test_the_caring_cities_course_is_valid(runner):
    code, output = validate(runner, Path("courses/caring_cities"))
    assert code == 0, output
    assert "valid: 5 modules" in output


# Each case: the file to break, the text to replace, its replacement, and the exact line
# the validator must print (path relative to the course folder).
BROKEN = {
    "malformed YAML": (
        "course.yaml",
        "title: Example course",
        "title: [Example course",
        "course.yaml:3: invalid YAML: expected ',' or ']', but got ':'",
    ),
    "missing required field": (
        "course.yaml",
        "summary: A small course that shows every part of the format.\n",
        "",
        "course.yaml:1: missing required key 'summary'",
    ),
    "unknown key": (
        "course.yaml",
        "languages: [en, es]",
        "languages: [en, es]\nlanguage: fr",
        "course.yaml:5: unknown key 'language' (did you mean 'languages'?); allowed keys: "
        "slug, title, summary, status, languages, completion, certificate, cohorts",
    ),
    "duplicate cohort slug inside the list of sessions": (
        "course.yaml",
        "  - slug: session-1",
        "  - slug: orientation",
        "course.yaml:36: cohorts[0].live_sessions[1].slug: 'orientation' is used twice in "
        "this cohort",
    ),
    "session time without a time zone": (
        "course.yaml",
        "starts: 2027-03-15 09:00 Europe/Madrid",
        "starts: 2027-03-15 09:00",
        "course.yaml:32: cohorts[0].live_sessions[0].starts: '2027-03-15 09:00' has no time "
        "zone; write it as 'YYYY-MM-DD HH:MM Area/City'",
    ),
    "session time with an unknown zone": (
        "course.yaml",
        "starts: 2027-03-15 09:00 Europe/Madrid",
        "starts: 2027-03-15 09:00 Europe/Atlantis",
        "course.yaml:32: cohorts[0].live_sessions[0].starts: 'Europe/Atlantis' is not an IANA "
        "time zone (such as Europe/Madrid)",
    ),
    "meeting link that is not https": (
        "course.yaml",
        "join_url: https://meeting.example/j/123456",
        "join_url: http://meeting.example/j/123456",
        "course.yaml:40: cohorts[0].live_sessions[1].join_url: "
        "'http://meeting.example/j/123456' must be an https:// address (at most 500 characters)",
    ),
    "question with no correct choice": (
        "01-first-steps/quiz.yaml",
        "  correct: [1, 3]",
        "  correct: []",
        "01-first-steps/quiz.yaml:24: question 'kinds-of-care': has no correct choice",
    ),
    "correct index out of range": (
        "01-first-steps/quiz.yaml",
        "  correct: 2",
        "  correct: 4",
        "01-first-steps/quiz.yaml:15: question 'unpaid-hours': correct choice 4 is out of range "
        "(there are 3 choices)",
    ),
    "pass mark outside 0-100": (
        "01-first-steps/quiz.yaml",
        "pass_mark: 70",
        "pass_mark: 170",
        "01-first-steps/quiz.yaml:2: pass_mark: must be a whole number from 0 to 100, not 170",
    ),
    "attempt limit of zero": (
        "01-first-steps/quiz.yaml",
        "attempts: 3",
        "attempts: 0",
        "01-first-steps/quiz.yaml:3: attempts: must be a whole number from 1 to 100, not 0",
    ),
    "negative waiting time": (
        "01-first-steps/quiz.yaml",
        "wait_minutes: 60",
        "wait_minutes: -5",
        "01-first-steps/quiz.yaml:4: wait_minutes: must be a whole number from 0 to 10080, not -5",
    ),
    "shuffle that is not true or false": (
        "01-first-steps/quiz.yaml",
        "shuffle: true",
        "shuffle: sometimes",
        "01-first-steps/quiz.yaml:5: shuffle: must be true or false",
    ),
    "unknown feedback setting": (
        "01-first-steps/quiz.yaml",
        "feedback: once_passed",
        "feedback: never",
        "01-first-steps/quiz.yaml:6: feedback: must be one of every_attempt, once_passed, "
        "not 'never'",
    ),
    "duplicate question id": (
        "01-first-steps/quiz.yaml",
        "- id: kinds-of-care",
        "- id: unpaid-hours",
        "01-first-steps/quiz.yaml:17: question 'unpaid-hours': id is used twice",
    ),
    "true/false with choices": (
        "01-first-steps/quiz.yaml",
        "  prompt: Unpaid care work has no economic value.\n",
        "  prompt: Unpaid care work has no economic value.\n  choices:\n  - 'Yes'\n  - 'No'\n",
        "01-first-steps/quiz.yaml:31: question 'care-is-free': a true_false question has no "
        "choices",
    ),
    "link to a lesson that does not exist": (
        "01-first-steps/01-what-care-work-is.md",
        "(02-who-does-care-work.md#in-the-city)",
        "(02-who-cares.md)",
        "01-first-steps/01-what-care-work-is.md:15: link '02-who-cares.md' does not lead to a "
        "lesson of this course",
    ),
    "image file that is not there": (
        "01-first-steps/01-what-care-work-is.md",
        "(../media/care-map.png)",
        "(../media/missing-map.png)",
        "01-first-steps/01-what-care-work-is.md:13: image '../media/missing-map.png' is not a "
        "file in the course's media/ folder",
    ),
    "image without a description": (
        "01-first-steps/01-what-care-work-is.md",
        "![A map of care services in a neighbourhood]",
        "![]",
        "01-first-steps/01-what-care-work-is.md:13: an image needs a description: "
        "![what it shows](...)",
    ),
    "javascript link": (
        "01-first-steps/02-who-does-care-work.md",
        "[next module](../02-going-further/01-care-services.md)",
        "[next module](javascript:alert(1))",
        "01-first-steps/02-who-does-care-work.md:12: link 'javascript:alert(1)': only https://, "
        "http:// and mailto: links are allowed",
    ),
    "lesson without front matter": (
        "02-going-further/01-care-services.md",
        "---\ntitle: Care services\n",
        "title: Care services\n",
        "02-going-further/01-care-services.md:1: missing front matter: the file must start "
        "with a line '---', the YAML header, and another line '---'",
    ),
    "minutes of the wrong type": (
        "02-going-further/01-care-services.md",
        "minutes: 1",
        "minutes: ten",
        "02-going-further/01-care-services.md:3: minutes: must be a whole number from 1 to 180, "
        "not 'ten'",
    ),
    "duplicate key in front matter": (
        "02-going-further/01-care-services.md",
        "minutes: 1\n",
        "minutes: 1\ntitle: Again\n",
        "02-going-further/01-care-services.md:4: invalid YAML: key 'title' appears twice in the "
        "same mapping",
    ),
    "text with a colon, read as a mapping": (
        "02-going-further/01-care-services.md",
        "- List three kinds of care service a city can run.",
        "- Three kinds: childcare, day centres, laundries.",
        "02-going-further/01-care-services.md:5: objectives[0]: YAML read this text as "
        "'key: value' because it contains ': '; put the whole text in quotes",
    ),
    "two lessons with one title": (
        "02-going-further/01-care-services.md",
        "title: Care services",
        "title: Who does care work",
        "02-going-further/01-care-services.md:2: title 'Who does care work' is also the title "
        "of lesson 'who-does-care-work'",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_each_problem_is_reported_with_file_and_line(runner, example_copy, case):
    relative, old, new, expected = BROKEN[case]
    replace_in(example_copy / relative, old, new)
    code, output = validate(runner, example_copy)
    assert code == 1
    lines = output.splitlines()
    assert f"{example_copy}/{expected}" in lines, output
    assert lines[-1].startswith(f"Error: {example_copy}: ")


def test_duplicate_lesson_slug_across_modules(runner, example_copy):
    source = example_copy / "02-going-further" / "01-care-services.md"
    source.rename(example_copy / "02-going-further" / "01-who-does-care-work.md")
    code, output = validate(runner, example_copy)
    assert code == 1
    assert (
        f"{example_copy}/02-going-further/01-who-does-care-work.md:1: lesson slug "
        "'who-does-care-work' is also used by 01-first-steps/02-who-does-care-work.md"
    ) in output.splitlines()


def test_unexpected_files_and_image_content_are_reported(runner, example_copy):
    (example_copy / "notes.txt").write_text("todo")
    (example_copy / "01-first-steps" / "3-typo.md").write_text("---\ntitle: x\n---\n")
    (example_copy / "media" / "fake.png").write_text("<html>not an image</html>")
    code, output = validate(runner, example_copy)
    assert code == 1
    lines = output.splitlines()
    assert any(line.startswith(f"{example_copy}/notes.txt:1: unexpected file") for line in lines)
    assert any(
        line.startswith(f"{example_copy}/01-first-steps/3-typo.md:1: unexpected file")
        for line in lines
    )
    assert f"{example_copy}/media/fake.png:1: the file's content is not a image/png image" in lines


def test_every_problem_is_listed_not_only_the_first(runner, example_copy):
    replace_in(example_copy / "01-first-steps" / "quiz.yaml", "pass_mark: 70", "pass_mark: -1")
    replace_in(example_copy / "course.yaml", "minutes: 90", "minutes: 0")
    replace_in(
        example_copy / "02-going-further" / "01-care-services.md", "minutes: 1", "minutes: 0"
    )
    code, output = validate(runner, example_copy)
    assert code == 1
    assert output.count(f"{example_copy}/") == 3
    assert output.splitlines()[-1] == f"Error: {example_copy}: 3 problems found"


def test_missing_course_yaml_and_missing_folder(runner, tmp_path):
    code, output = validate(runner, tmp_path)
    assert code == 1
    assert f"{tmp_path}/course.yaml:1: course.yaml is missing: every course needs one" in output
    code, output = validate(runner, tmp_path / "nowhere")
    assert code == 1
    assert "is not a folder" in output
