"""The assignment editor: a module's assignment.yaml edited in the browser, with the file's
rules, the lessons' revision and conflict rule, the audit log and the export."""

import pytest
from sqlalchemy import select

from app.catalog.content.exporter import assignment_file, assignment_source
from app.catalog.models import Assignment, Course, GalleryReach, Module, Status
from app.core.audit import AuditEvent
from app.core.permissions import Role
from app.extensions import db
from tests.conftest import EXAMPLE_COURSE, Browser
from tests.html import form_fields, links, one, text, texts

URL = "/author/example-course/modules/first-steps/assignment"
NEW_URL = "/author/example-course/modules/going-further/assignment"
FILE = "01-first-steps/assignment.yaml"


def assignment_of(module_slug: str) -> Assignment | None:
    db.session.expire_all()
    return db.session.scalar(select(Assignment).join(Module).where(Module.slug == module_slug))


def opened(browser: Browser, url: str = URL) -> dict:
    """The form as the editor shows it."""
    response = browser.client.get(url)
    assert response.status_code == 200
    return form_fields(response, "main form")


def save(browser: Browser, fields: dict, url: str = URL):
    return browser.client.post(url, data=fields)


def errors(response) -> dict[str, str]:
    """Each field's error text, by field id."""
    return {
        node["id"].removesuffix("-error"): node.get_text(" ", strip=True)
        for node in one(response, "main form").select(".field-error")
    }


def outline_version() -> str:
    return db.session.scalar(select(Course.outline_version))


def test_the_editor_shows_the_assignment_as_its_file_says(course, teacher_browser):
    response = teacher_browser.client.get(URL)
    assert response.status_code == 200
    assert text(response, "h1").startswith("A care plan for one neighbourhood")
    fields = form_fields(response, "main form")
    assert fields["title"] == "A care plan for one neighbourhood"
    assert fields["prompt_md"].startswith("Choose one neighbourhood of your city")
    assert (fields["status"], fields["pass_mark"], fields["gallery"]) == (
        "published",
        "60",
        "course",
    )
    assert (fields["reviews_per_submission"], fields["reviews_per_learner"]) == ("2", "3")
    assert fields["anonymous_reviews"] == "y" and fields["late_work"] == "y"
    assert fields["max_files"] == "2" and fields["base_revision"] == "1"
    # The boxes hold those keys of the file, as the file writes them.
    source = (EXAMPLE_COURSE / FILE).read_text(encoding="utf-8")
    assert fields["sections"] in source and fields["sections"].startswith("- id: the-need\n")
    assert fields["rubric"] in source
    assert fields["cohorts"] == (
        "2027-spring:\n  submission_due: 2027-04-16 23:59 Europe/Madrid\n"
        "  reviews_due: 2027-04-23 23:59 Europe/Madrid\n"
    )


def test_the_outline_links_to_the_editor(course, teacher_browser):
    response = teacher_browser.client.get("/author/example-course")
    assert URL in links(response)
    assert NEW_URL in links(response)
    assert "Edit the assignment of “First steps”" in texts(response, "a")
    assert "Add an assignment to “Going further”" in texts(response, "a")


def test_saving_changes_makes_a_revision_audited_and_exported(course, teacher_browser, teacher):
    fields = opened(teacher_browser)
    version = outline_version()
    fields |= {
        "pass_mark": "75",
        "reviews_per_learner": "4",
        "late_work": "",
        "cohorts": fields["cohorts"].replace(
            "2027-04-23 23:59 Europe/Madrid", "2027-04-30 12:00 UTC"
        ),
        "themes": fields["themes"] + "- id: mobility\n  title: Mobility\n",
    }
    del fields["late_work"]  # an unticked box is not sent
    response = save(teacher_browser, fields)
    assert response.status_code == 302
    assert teacher_browser.client.get(URL).get_data(as_text=True).count("Saved as revision 2.")
    assignment = assignment_of("first-steps")
    assert (assignment.revision, assignment.pass_mark, assignment.late_work) == (2, 75, False)
    assert assignment.reviews_per_learner == 4
    assert [theme["id"] for theme in assignment.themes] == ["childcare", "elder-care", "mobility"]
    assert assignment.dates[0].reviews_due_at.isoformat() == "2027-04-30T12:00:00+00:00"
    assert outline_version() != version
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.updated"))
    assert event.actor_id == teacher.id
    assert event.details["changed"] == ["pass_mark", "reviews_per_learner", "late_work", "themes",
                                        "cohorts"]  # fmt: skip
    # What the export writes is what the browser saved.
    written = assignment_file(assignment_source(assignment))
    assert "pass_mark: 75\nreviews:\n  per_submission: 2\n  per_learner: 4\n" in written
    assert "late_work" not in written
    assert "    reviews_due: 2027-04-30 12:00 UTC\n" in written


def test_saving_what_is_there_changes_nothing(course, teacher_browser):
    fields = opened(teacher_browser)
    version = outline_version()
    response = save(teacher_browser, fields)
    assert response.status_code == 302
    assert "Nothing changed" in teacher_browser.client.get(URL).get_data(as_text=True)
    assert assignment_of("first-steps").revision == 1
    assert outline_version() == version
    assert (
        db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.updated"))
        is None
    )


def test_a_module_without_an_assignment_gets_a_new_one(course, teacher_browser, teacher):
    fields = opened(teacher_browser, NEW_URL)
    assert fields["status"] == "draft" and fields["base_revision"] == "0"
    assert fields["cohorts"].startswith("# 2027-spring:")  # the shape, as a note
    fields |= {
        "title": "Map the care services",
        "prompt_md": "List the care services of [one lesson](01-care-services.md).\n",
        "sections": "- id: services\n  title: Services\n  guidance: Which ones?\n  words: 100\n",
        "rubric": (
            "- id: complete\n  title: Complete\n  description: All services.\n  levels:\n"
            "  - title: Few\n    points: 0\n    description: Some.\n"
            "  - title: All\n    points: 1\n    description: All.\n"
        ),
    }
    response = save(teacher_browser, fields, NEW_URL)
    assert response.status_code == 302, errors(response)
    assignment = assignment_of("going-further")
    assert assignment.title == "Map the care services" and assignment.status == Status.DRAFT
    assert assignment.revision == 1 and assignment.dates == []
    assert assignment.gallery == GalleryReach.COHORT and assignment.max_files == 3
    assert 'href="/courses/example-course/lessons/care-services"' in assignment.prompt_html
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.added"))
    assert event.actor_id == teacher.id and event.details["module"] == "going-further"
    assert opened(teacher_browser, NEW_URL)["base_revision"] == "1"


# Each case: the field to change, its new value, the field that shows the problem, and (part
# of) what it says. Nothing is saved, and the page says so with 400.
BROKEN = {
    "no title": ("title", "", "title", "Give the assignment a title."),
    "pass mark over 100": ("pass_mark", "101", "pass_mark", "Give a pass mark from 0 to 100."),
    "no reviews": ("reviews_per_submission", "0", "reviews_per_submission", "from 1 to 10"),
    "fewer reviews given than received": (
        "reviews_per_learner", "1", "reviews_per_learner",
        "each learner gives 1 reviews but each submission gets 2",
    ),
    "link to no lesson": (
        "prompt_md", "See [this](02-nowhere.md).\n", "prompt_md",
        "line 1: link '02-nowhere.md' does not lead to a lesson of this course",
    ),
    "bad YAML in a box": (
        "sections", "- id: a\n  id: b\n", "sections",
        "line 2: invalid YAML: key 'id' appears twice in the same mapping",
    ),
    "a word limit out of range": (
        "sections", "- id: a\n  title: A\n  guidance: G\n  words: 5\n", "sections",
        "line 4: sections[0].words: must be a whole number from 20 to 3000, not 5",
    ),
    "no sections": ("sections", "", "sections", "Write at least one section of the template."),
    "levels not rising": (
        "rubric",
        "- id: r\n  title: R\n  description: D\n  levels:\n  - title: A\n    points: 2\n"
        "    description: D\n  - title: B\n    points: 1\n    description: D\n",
        "rubric",
        "line 9: rubric[0].levels[1].points: must be more than the level before (2)",
    ),
    "a theme id used twice": (
        "themes", "- id: a\n  title: A\n- id: a\n  title: B\n", "themes",
        "line 3: themes[1].id: 'a' is also the id of themes[0]",
    ),
    "an unknown cohort": (
        "cohorts",
        "2030-x:\n  submission_due: 2030-01-01 10:00 UTC\n  reviews_due: 2030-01-02 10:00 UTC\n",
        "cohorts", "line 1: cohorts.2030-x: there is no cohort '2030-x' in course.yaml",
    ),
    "a published assignment without dates": (
        "cohorts", "", "cohorts", "missing key 'cohorts': a published assignment needs the dates",
    ),
    "reviews due first": (
        "cohorts",
        "2027-spring:\n  submission_due: 2027-04-16 10:00 UTC\n"
        "  reviews_due: 2027-04-15 10:00 UTC\n",
        "cohorts", "line 3: cohorts.2027-spring.reviews_due: must be after submission_due",
    ),
    "a time without a zone": (
        "cohorts",
        "2027-spring:\n  submission_due: 2027-04-16 10:00\n  reviews_due: 2027-04-17 10:00 UTC\n",
        "cohorts",
        "line 2: cohorts.2027-spring.submission_due: '2027-04-16 10:00' has no time zone",
    ),
    "a box that is not a list": (
        "rubric", "just text", "rubric", "rubric: must be a non-empty list",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_each_problem_is_shown_beside_its_field(course, teacher_browser, case):
    name, value, shown_in, message = BROKEN[case]
    fields = opened(teacher_browser) | {name: value}
    response = save(teacher_browser, fields)
    assert response.status_code == 400
    assert message in errors(response).get(shown_in, ""), errors(response)
    # The page keeps what was typed, and nothing was saved.
    assert form_fields(response, "main form")[name] == value
    assert assignment_of("first-steps").revision == 1
    assert text(response, ".error-summary h2").startswith("Please correct")


def test_the_second_of_two_editors_gets_a_conflict_and_keeps_their_text(
    app, course, teacher_browser, make_user
):
    other = make_user(Role.INSTRUCTOR, email="other.teacher@city.example", courses=[course])
    second = Browser(app.test_client())
    assert second.login(other.email).status_code == 302
    first_form = opened(teacher_browser)
    second_form = opened(second)
    assert save(second, second_form | {"pass_mark": "80"}).status_code == 302

    mine = first_form | {"title": "My own title", "pass_mark": "65"}
    refused = teacher_browser.client.post(URL, data=mine)
    assert refused.status_code == 409
    assert "after you opened it, so your changes were not saved" in text(refused, ".error-summary")
    kept = form_fields(refused, "main form")
    assert (kept["title"], kept["pass_mark"]) == ("My own title", "65")
    assert kept["base_revision"] == "2"  # the form now builds on their revision
    assert "pass_mark: 80" in text(refused, ".conflict")
    stored = assignment_of("first-steps")
    assert (stored.title, stored.pass_mark, stored.revision) == (
        "A care plan for one neighbourhood", 80, 2
    )  # fmt: skip
    # Saving again from their revision goes through.
    assert save(teacher_browser, kept).status_code == 302
    assert assignment_of("first-steps").title == "My own title"


def test_an_import_after_the_editor_opened_is_a_conflict_too(
    course, teacher_browser, runner, example_copy
):
    fields = opened(teacher_browser)
    text_ = (example_copy / FILE).read_text(encoding="utf-8")
    (example_copy / FILE).write_text(text_.replace("pass_mark: 60", "pass_mark: 70"), "utf-8")
    assert runner.invoke(args=["course", "import", str(example_copy)]).exit_code == 0
    response = save(teacher_browser, fields | {"title": "Mine"})
    assert response.status_code == 409
    assert assignment_of("first-steps").pass_mark == 70


def test_two_creations_of_one_assignment_do_not_both_win(app, course, teacher_browser, make_user):
    other = make_user(Role.INSTRUCTOR, email="other.teacher@city.example", courses=[course])
    second = Browser(app.test_client())
    assert second.login(other.email).status_code == 302
    new = {
        "title": "First",
        "prompt_md": "Write.\n",
        "sections": "- id: a\n  title: A\n  guidance: G\n  words: 20\n",
        "rubric": (
            "- id: r\n  title: R\n  description: D\n  levels:\n  - title: A\n    points: 0\n"
            "    description: D\n  - title: B\n    points: 1\n    description: D\n"
        ),
    }
    first_form = opened(teacher_browser, NEW_URL) | new
    assert (
        save(second, opened(second, NEW_URL) | new | {"title": "Second"}, NEW_URL).status_code
        == 302
    )
    response = save(teacher_browser, first_form, NEW_URL)
    assert response.status_code == 409
    assert form_fields(response, "main form")["title"] == "First"
    assert assignment_of("going-further").title == "Second"


def test_an_archived_assignment_comes_back_from_the_editor(
    course, teacher_browser, runner, example_copy
):
    (example_copy / FILE).unlink()
    assert runner.invoke(args=["course", "import", str(example_copy)]).exit_code == 0
    assert assignment_of("first-steps").status == Status.ARCHIVED
    response = teacher_browser.client.get(URL)
    assert "was archived because its file was removed" in text(response, "main")
    fields = form_fields(response, "main form")
    assert fields["status"] == "draft"
    assert save(teacher_browser, fields).status_code == 302
    assert assignment_of("first-steps").status == Status.DRAFT


def test_a_form_without_its_token_or_revision_is_refused(course, teacher_browser):
    fields = opened(teacher_browser)
    del fields["base_revision"]
    response = save(teacher_browser, fields)
    assert response.status_code == 400
    assert "did not say which revision it was opened at" in text(response, ".error-summary")
    fields = opened(teacher_browser)
    del fields["csrf_token"]
    assert save(teacher_browser, fields).status_code == 400
    assert assignment_of("first-steps").revision == 1


def test_unknown_modules_and_other_courses_staff(course, teacher_browser, logged_in, make_user):
    assert (
        teacher_browser.client.get("/author/example-course/modules/nowhere/assignment").status_code
        == 404
    )
    stranger = make_user(Role.INSTRUCTOR, email="stranger@city.example")
    assert logged_in(stranger).client.get(URL).status_code == 403


def test_moving_a_lesson_renumbers_the_links_of_the_prompt(course, teacher_browser):
    response = teacher_browser.post_form(
        "/author/example-course/lessons/who-does-care-work/move",
        {"direction": "up"},
        page="/author/example-course",
    )
    assert response.status_code == 302
    assignment = assignment_of("first-steps")
    assert "[who does care work](01-who-does-care-work.md#in-the-city)" in assignment.prompt_md
    assert assignment.revision == 2  # an editor opened before the move gets a conflict
