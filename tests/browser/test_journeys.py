"""The journeys people take, in a real browser: a learner from registering to a verified
certificate, an instructor publishing a lesson, an admin revoking a certificate.

Every page is checked on the way (axe, reflow, script errors: see pages.py); the key ones
are saved as screenshots in test-artifacts/screenshots/.
"""

import re

from icalendar import Calendar
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser import accounts

COURSE = "Example course"
LEARNER = accounts.Account("learner", "amara.diallo@dakar.example", "Amara Diallo")
MOTIVATION = (
    "In Dakar we are opening two day centres for older people and I coordinate them. "
    "I want to learn how other cities count and share care work."
)


def register(server, page, check, account: accounts.Account, prefix: str) -> None:
    """Register through the form, from the main menu, filling it by its labels; confirm the
    address from the mail, and log in."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Register").click()
    check(page, f"{prefix}-register", screenshot=True)
    page.get_by_label("Full name").fill(account.name)
    page.get_by_label("E-mail address").fill(account.email)
    page.get_by_label("Password").fill(accounts.PASSWORD)
    page.get_by_label("Organisation").fill("City of Dakar")
    page.get_by_label("Position").fill("Head of social services")
    page.get_by_label("City").fill("Dakar")
    page.get_by_label("Country").select_option(label="Senegal")
    page.get_by_label("Time zone").select_option("Africa/Dakar")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    check(page, f"{prefix}-check-your-mail")
    # The link in the mail confirms the address, then the newcomer logs in.
    mail = server.wait_for_mail(account.email, "Confirm your e-mail address")
    page.goto(
        re.search(
            r"https?://[^/\s]+(/confirm-email/\S+)",
            mail.get_body(preferencelist=("plain",)).get_content(),
        ).group(1)
    )
    expect_message(page, "Your e-mail address is confirmed.")
    page.get_by_label("E-mail address").fill(account.email)
    page.get_by_label("Password").fill(accounts.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your dashboard")


def hidden_suffix(text: str, name: str) -> re.Pattern:
    """A button's name made of its text and a visually hidden ": name" (Playwright's name
    computation puts a space before the hidden part, being out of flow)."""
    return re.compile(rf"^{re.escape(text)}\s*: {re.escape(name)}$")


def expect_message(page, text: str | re.Pattern) -> None:
    """The page shows a message (a status region: flashed messages are) saying `text`."""
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def mark_done_until(page, check, stop: str) -> None:
    """Follow the course path: mark each lesson done (which goes on to the next step) until
    the page is the step named `stop` (a lecture or a quiz)."""
    for _step in range(10):
        heading = page.get_by_role("heading", level=1)
        if stop in heading.inner_text():
            return
        mark_done = page.get_by_role("button", name=re.compile("^Mark as done"))
        before = page.url
        if mark_done.count():
            check(page, f"learner-lesson-{heading.inner_text()}")
            mark_done.click()
            expect_message(page, re.compile("is marked as done|You have completed"))
        else:
            page.get_by_role("navigation", name="Previous and next").get_by_role(
                "link", name=re.compile("^Next:")
            ).click()
        page.wait_for_url(lambda url, before=before: url != before)
    raise AssertionError(f"never reached {stop}")


def session_titles(data: bytes) -> set[str]:
    """The titles of the events of an iCalendar file (which must parse)."""
    calendar = Calendar.from_ical(data)
    return {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}


def answer(page, right: bool) -> None:
    """Answer the three questions of the first module's quiz (shown in any order)."""
    picks = {
        "How many hours a day do women spend on unpaid work": ["4.1 hours"]
        if right
        else ["1.7 hours"],
        "Which of these are indirect care work?": ["Cooking", "Fetching water"]
        if right
        else ["Feeding a baby"],
        "Unpaid care work has no economic value.": ["False"] if right else ["True"],
    }
    for prompt, labels in picks.items():
        question = page.get_by_role("group", name=re.compile(re.escape(prompt)))
        for label in labels:
            question.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Send my answers").click()


def test_learner_journey(server, new_page, check):
    # Logged out: the catalogue, the course, registering.
    page = new_page()
    page.goto("/")
    check(page, "learner-01-catalogue")
    page.get_by_role("link", name=COURSE).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(COURSE)
    check(page, "learner-02-course-logged-out", screenshot=True)
    register(server, page, check, LEARNER, "learner-03")
    check(page, "learner-04-dashboard-new")

    # Applying to the cohort.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Courses").click()
    page.get_by_role("link", name=COURSE).first.click()
    page.get_by_role("link", name=f"Apply to {server.cohort_title}").click()
    check(page, "learner-05-apply", screenshot=True)
    page.get_by_label("Why do you want to take this course?").fill(MOTIVATION)
    page.get_by_label(re.compile("^I work for a local or metropolitan government")).check()
    page.get_by_role("button", name="Send my application").click()
    expect_message(page, f"Your application to {server.cohort_title}")
    check(page, "learner-06-dashboard-applied")
    server.wait_for_mail(LEARNER.email, f"We received your application to {server.cohort_title}")

    # An admin approves it.
    admin = new_page(accounts.ADMIN)
    admin.goto("/dashboard")
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="Administration").click()
    check(admin, "admin-home")
    admin.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Applications"
    ).click()
    admin.get_by_role("checkbox", name=f"Choose {LEARNER.name}").check()
    admin.get_by_role("radio", name="Approve and enrol").check()
    check(admin, "learner-07-admin-applications")
    admin.get_by_role("button", name="Apply the decision").click()
    expect_message(admin, "approved")
    check(admin, "admin-applications-decided")
    server.wait_for_mail(LEARNER.email, f"You are enrolled in {server.cohort_title}")

    # Reading: the dashboard's next step, lessons marked done one after the other.
    page.goto("/dashboard")
    check(page, "learner-08-dashboard-enrolled", screenshot=True)
    page.get_by_role("link", name="Lesson: What care work is").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What care work is")
    check(page, "learner-09-lesson", screenshot=True)
    mark_done_until(page, check, "Care work in five minutes")
    check(page, "learner-10-lecture")
    page.get_by_role("navigation", name="Previous and next").get_by_role(
        "link", name=re.compile("^Next: quiz")
    ).click()

    # The quiz: a wrong attempt shows what was wrong and why; the second one passes.
    check(page, "learner-11-quiz")
    page.get_by_role("button", name="Start the quiz").click()
    check(page, "learner-12-quiz-attempt", screenshot=True)
    answer(page, right=False)
    expect_message(page, "The pass mark is 70 %")
    expect(page.get_by_role("heading", name="0 %: not passed")).to_be_visible()
    review = page.get_by_role("region", name="Your answers, and the right ones")
    expect(review.get_by_text("Not right")).to_have_count(3)
    expect(review).to_contain_text("Women spend 4.1 hours a day on unpaid work")
    check(page, "learner-13-quiz-failed", screenshot=True)
    page.get_by_role("link", name="Back to the quiz").click()
    page.get_by_role("button", name=re.compile("^(Start|Try)")).click()
    answer(page, right=True)
    expect_message(page, "You passed")
    expect(page.get_by_role("heading", name="100 %: passed")).to_be_visible()
    check(page, "learner-14-quiz-passed")

    # The module's assignment comes next on the path: a short plan, drafted and sent.
    page.goto("/dashboard")
    page.get_by_role("link", name=re.compile("^Assignment: ")).click()
    page.get_by_label("Title of your plan").fill("Day centres close to home in Dakar")
    page.get_by_label("The need", exact=True).fill("Older people wait months for a place.")
    page.get_by_label("The plan", exact=True).fill("Two day centres in libraries by June.")
    page.get_by_role("button", name="Submit the plan").click()
    expect_message(page, "Your plan has been submitted.")
    check(page, "learner-15-plan-submitted")

    # The rest of the lessons.
    page.goto("/dashboard")
    page.get_by_role("link", name=re.compile("^Lesson: ")).click()
    mark_done_until(page, check, COURSE)
    check(page, "learner-15-course-lessons-done")

    # Live sessions: the schedule, calendar files and the personal feed.
    page.goto("/dashboard")
    page.get_by_role("link", name=re.compile("^The whole schedule of")).click()
    check(page, "learner-16-schedule", screenshot=True)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add every session to your calendar (.ics)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".ics")
    assert session_titles(download.path().read_bytes()) == {
        f"{COURSE}: Orientation",
        f"{COURSE}: Session 1: Care in the neighbourhood",
    }
    page.get_by_role("link", name="Subscribe to your personal calendar feed").click()
    check(page, "learner-17-calendar-feed")
    page.get_by_role("button", name="Make my calendar feed").click()
    expect_message(page, "Your calendar feed is ready")
    feed_url = page.get_by_label("Your feed's address").input_value()
    assert re.fullmatch(rf"{re.escape(server.url)}/calendar/[\w-]+\.ics", feed_url)
    check(page, "learner-18-calendar-feed-made", screenshot=True)
    feed = page.request.get(feed_url)
    assert feed.ok
    assert feed.headers["content-type"].startswith("text/calendar")
    assert f"{COURSE}: Orientation" in session_titles(feed.body())

    # The instructor records that the learner took part in the session that counts.
    instructor = new_page(accounts.INSTRUCTOR)
    instructor.goto("/courses/example-course")
    instructor.get_by_role("link", name=re.compile("^The live sessions of")).click()
    check(instructor, "instructor-schedule")
    instructor.get_by_role("region", name="Past sessions").get_by_role(
        "link", name="Attendance and recording of this session"
    ).click()
    check(instructor, "learner-19-instructor-attendance", screenshot=True)
    instructor.get_by_role("button", name=hidden_suffix("Mark present", LEARNER.name)).click()
    expect_message(instructor, f"{LEARNER.name} is marked present")
    check(instructor, "instructor-attendance-marked")

    # Complete: the dashboard says so.
    page.goto("/dashboard")
    expect(page.get_by_role("main")).to_contain_text("Completed")
    check(page, "learner-20-dashboard-completed")

    # The admin issues the certificate; it waits for the learner's name.
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="Administration").click()
    admin.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Certificates"
    ).click()
    admin.get_by_label("Cohort").select_option(label=server.cohort_title)
    admin.get_by_role("button", name="Search").click()
    check(admin, "admin-certificates-console")
    admin.get_by_role("link", name="its certificates page").click()
    check(admin, "learner-21-admin-certificates")
    admin.get_by_role("button", name=f"Issue a certificate to {LEARNER.name}").click()
    expect_message(admin, "approved, to be issued once")

    page.goto("/dashboard")
    page.get_by_role("link", name="Confirm your name").click()
    check(page, "learner-22-certificate-name", screenshot=True)
    expect(page.get_by_label("Your name as it should appear on certificates")).to_have_value(
        LEARNER.name
    )
    page.get_by_label(re.compile("^I have checked the spelling")).check()
    page.get_by_role("button", name="Confirm my name").click()
    expect_message(page, "Your certificate is ready")
    check(page, "learner-23-dashboard-certificate", screenshot=True)

    # The PDF, then the public verification page (logged in, then as anyone).
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("^Download the PDF")).click()
    pdf = download_info.value
    assert pdf.suggested_filename.startswith("certificate-")
    text = PdfReader(pdf.path()).pages[0].extract_text()
    assert LEARNER.name in text
    assert COURSE in text
    verify_url = page.get_by_label("Share link: anyone can check").input_value()
    assert verify_url.startswith(f"{server.url}/verify/")
    page.goto(verify_url)
    expect(page.get_by_role("main")).to_contain_text("Valid")
    expect(page.get_by_role("main")).to_contain_text(LEARNER.name)
    check(page, "learner-24-verify", screenshot=True)
    anyone = new_page()
    anyone.goto(verify_url)
    expect(anyone.get_by_role("main")).to_contain_text("Valid")
    check(anyone, "learner-25-verify-logged-out")


NEW_TITLE = "Care close to home"


def test_instructor_journey(new_page, check):
    # The instructor rewrites the draft lesson, previews it, publishes it.
    page = new_page(accounts.INSTRUCTOR)
    page.goto("/dashboard")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Edit courses").click()
    check(page, "instructor-01-courses")
    page.get_by_role("link", name=COURSE).click()
    check(page, "instructor-02-outline", screenshot=True)
    page.get_by_role("table", name="Lessons of Going further").get_by_role(
        "link", name="Coming soon", exact=True
    ).click()
    check(page, "instructor-03-edit-lesson")
    page.get_by_label("Title").fill(NEW_TITLE)
    page.get_by_label("Text (Markdown)").fill(
        "A city can bring care closer to home.\n\n"
        "## Three services\n\n"
        "- Childcare in every neighbourhood\n"
        "- Day centres for older people\n"
        "- Public laundries\n"
    )
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview (not saved)")
    expect(preview.get_by_role("heading", name="Three services")).to_be_visible()
    expect(preview.get_by_role("listitem")).to_have_count(3)
    check(page, "instructor-04-preview", screenshot=True)
    page.get_by_label("State").select_option(
        label="Published: learners see it (from the time below, if you give one)"
    )
    page.get_by_role("button", name="Save a new revision").click()
    expect_message(page, "Saved as revision 2.")
    check(page, "instructor-05-saved")
    page.get_by_role("link", name="See it as a learner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NEW_TITLE)
    check(page, "instructor-06-as-a-learner")

    # An enrolled learner finds it in the course and reads it.
    learner = new_page(accounts.READER)
    learner.goto("/dashboard")
    learner.get_by_role("link", name=COURSE).first.click()
    learner.get_by_role("link", name=NEW_TITLE).click()
    expect(learner.get_by_role("heading", level=1)).to_have_text(NEW_TITLE)
    expect(learner.get_by_role("heading", name="Three services")).to_be_visible()
    check(learner, "instructor-07-learner-reads-it", screenshot=True)


def test_admin_journey(server, new_page, check):
    page = new_page(accounts.ADMIN)
    page.goto("/dashboard")

    # Applications: the one waiting is approved, and the applicant is told.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Administration").click()
    page.get_by_role("link", name=re.compile("^Applications")).first.click()
    page.get_by_label("Status").select_option(label="Waiting for review")
    page.get_by_role("button", name="Filter").click()
    check(page, "admin-01-applications", screenshot=True)
    page.get_by_role("checkbox", name=f"Choose {accounts.APPLICANT.name}").check()
    page.get_by_role("radio", name="Approve and enrol").check()
    page.get_by_role("button", name="Apply the decision").click()
    expect_message(page, "approved")
    check(page, "admin-02-applications-decided")
    server.wait_for_mail(accounts.APPLICANT.email, "You are enrolled in")

    # A certificate by exception, from the cohort's certificates page.
    page.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Certificates"
    ).click()
    page.get_by_label("Cohort").select_option(label=server.cohort_title)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="its certificates page").click()
    holder = accounts.HOLDER.name
    page.get_by_role("link", name=f"Issue by exception to {holder}").click()
    check(page, "admin-03-issue-by-exception")
    page.get_by_role("button", name="Issue the certificate").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct this")
    page.get_by_label("Why this learner gets a certificate without completing").fill(
        "Took part in the orientation in person; agreed with the course team."
    )
    page.get_by_role("button", name="Issue the certificate").click()
    expect_message(page, f"A certificate for {holder} was issued by exception.")
    check(page, "admin-04-certificates-issued")

    # Revoking it: the console, the certificate's page, the public page.
    page.get_by_role("link", name="Certificates", exact=True).first.click()
    page.get_by_label("Name, e-mail or serial").fill(accounts.HOLDER.email)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("row", name=re.compile(holder)).get_by_role("link").first.click()
    check(page, "admin-05-certificate", screenshot=True)
    verify_url = page.get_by_role("link", name=re.compile(r"^http.*verify")).get_attribute("href")
    page.get_by_label("Reason for revoking").fill("Issued to the wrong person by mistake.")
    page.get_by_role("button", name="Revoke this certificate").click()
    expect_message(page, "revoked")
    check(page, "admin-06-certificate-revoked")

    anyone = new_page()
    anyone.goto(verify_url)
    main = anyone.get_by_role("main")
    expect(main).to_contain_text("Revoked")
    expect(main).to_contain_text("Issued to the wrong person by mistake.")
    check(anyone, "admin-07-verify-revoked", screenshot=True)
