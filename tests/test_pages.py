"""Public pages: the catalogue, a course page, its guidebook and its images."""

import re
from html import unescape

from flask import url_for
from sqlalchemy import select

from app.catalog.content.reader import read_course
from app.catalog.models import Course, Status
from app.catalog.operations import import_course
from app.catalog.paths import course_path, media_path
from app.extensions import db
from tests.conftest import EXAMPLE_COURSE


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_home_lists_published_courses_only(client, imported_example):
    draft = Course(
        slug="secret", title="Secret draft course", summary="Not yet.", status=Status.DRAFT
    )
    db.session.add(draft)
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "<title>Courses · Caring Cities</title>" in page
    assert "Example course" in page
    assert "A small course that shows every part of the format." in page
    assert 'href="/courses/example-course"' in page
    assert "Secret draft course" not in page
    assert client.get("/courses/secret").status_code == 404


def test_home_without_courses_says_how_to_add_one(client):
    page = client.get("/").get_data(as_text=True)
    assert "No course is published yet" in page
    assert "flask --app app course import courses/caring_cities" in page


def test_course_page_shows_modules_lessons_and_schedule(client, imported_example):
    response = client.get("/courses/example-course")
    assert response.status_code == 200
    text = visible_text(response.get_data(as_text=True))
    assert "First steps" in text and "Going further" in text
    assert "What care work is (1 min)" in text
    assert "Who does care work (1 min)" in text
    assert "Coming soon" not in text  # a draft lesson
    assert "2 lessons, 2 minutes of reading; a video lecture (5 min); a quiz." in text
    assert "Spring 2027" in text
    assert "Monday 15 March 2027 to Friday 30 April 2027" in text
    # Each session in the zone it was planned in, with that zone's abbreviation.
    assert "Monday 15 March 2027, 09:00–11:00 GMT+1" in text
    assert "Wednesday 31 March 2027, 18:30–20:00 GMT-5" in text
    assert "Immediate: you are enrolled when you apply" in text
    assert "Read the course guidebook" in text
    # The meeting link is for enrolled learners only, never on the public page.
    assert "meeting.example" not in response.get_data(as_text=True)


def test_course_page_says_when_applications_close(before_example_cohort, client, imported_example):
    text = visible_text(client.get("/courses/example-course").get_data(as_text=True))
    assert "Open until Monday 1 March 2027, 23:59 GMT+1" in text


def test_course_page_query_count_does_not_grow_with_content(
    client, imported_example, count_queries
):
    with count_queries() as small:
        client.get("/courses/example-course")
    source, _ = read_course("courses/caring_cities")
    import_course(source)
    db.session.commit()
    with count_queries() as large:
        response = client.get("/courses/caring-cities")
    assert response.status_code == 200
    assert large.count == small.count


def test_guidebook_page(client, imported_example):
    response = client.get("/courses/example-course/guidebook")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    # The course's title keeps its own language inside the interface's sentence.
    assert "<h1>Example course: course guidebook</h1>" in page
    assert "<title>Guidebook · Example course · Caring Cities</title>" in page
    # The written part, with its lesson link turned into a site URL.
    assert "Read every lesson, pass each quiz" in page
    assert 'href="/courses/example-course/lessons/what-care-work-is"' in page
    # The generated part: requirements from the completion rules, hours, schedule.
    text = visible_text(page)
    assert (
        "Read every lesson and mark it as done: 3 lessons, about 3 minutes of reading in all."
        in text
    )
    assert "Pass the module quiz with at least 70 %." in text
    assert (
        "Take part in at least 1 of the live sessions that count for the certificate "
        "(see the schedule) or watch their recordings." in text
    )
    assert "The certificate states 2 hours of study and is issued by Example Network" in text
    assert "Orientation Monday 15 March 2027, 09:00–11:00 GMT+1 (Madrid time) No" in text
    assert "Session 1: Care in the neighbourhood Wednesday 31 March 2027" in text


def test_guidebook_without_written_part_still_shows_the_rules(client, example_copy, runner):
    (example_copy / "guidebook.md").unlink()
    assert runner.invoke(args=["course", "import", str(example_copy)]).exit_code == 0
    text = visible_text(client.get("/courses/example-course/guidebook").get_data(as_text=True))
    assert "Requirements for the certificate" in text
    assert "Read every lesson" in text
    assert client.get("/courses/nope/guidebook").status_code == 404


def test_media_is_served_with_its_type(client, imported_example):
    response = client.get("/courses/example-course/media/care-map.png")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.data == (EXAMPLE_COURSE / "media" / "care-map.png").read_bytes()
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    again = client.get(
        "/courses/example-course/media/care-map.png",
        headers={"If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304
    assert client.get("/courses/example-course/media/other.png").status_code == 404


def test_stored_paths_match_the_routes(app, imported_example):
    with app.test_request_context():
        assert url_for("catalog.course", slug="x") == course_path("x")
        assert url_for("catalog.media", slug="x", name="a.png") == media_path("x", "a.png")
    course = db.session.scalar(select(Course).where(Course.slug == "example-course"))
    assert course.modules[0].lessons[0].body_html.count("/courses/example-course/") == 2
