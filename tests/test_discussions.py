"""Discussions: a cohort's threads (one per module, and free ones), posts with quotes, edits and
"helpful" marks, mail to those who follow a thread (each post, or a daily digest), and the
course staff's moderation (pin, lock, hide, restore, reports), with what each reader sees."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, insert, select

from app.core.audit import AuditEvent
from app.core.mail import MailState, OutgoingMail
from app.core.subscriptions import MailDigest, MailTopic, unsubscribe
from app.discussions.mail import write_discussion_digests
from app.discussions.models import (
    DiscussionPost,
    DiscussionThread,
    HelpfulMark,
    PostReport,
    ThreadSubscription,
)
from app.discussions.operations import start_thread, write_post
from app.extensions import db
from tests.conftest import Browser
from tests.factories import enrolled_learner, make_instructor
from tests.html import form_fields, links, named_links, text, texts

# The example course's spring cohort runs from 15 March to 30 April 2027.
NOW = datetime(2027, 3, 20, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def app_config():
    # A generous allowance; test_posting_too_fast_is_refused_with_a_429 sets its own.
    return {"DISCUSSION_POSTS_PER_PERSON": "1000 per minute"}


@pytest.fixture
def teacher(course):
    return make_instructor(course, name="Tomás Pérez", time_zone="America/Bogota")


@pytest.fixture
def ana(spring):
    return enrolled_learner(
        spring,
        "ana@city.example",
        name="Ana Gómez",
        city="Bogotá",
        country="CO",
        preferred_language="es",
        time_zone="America/Bogota",
    )


@pytest.fixture
def lee(spring):
    return enrolled_learner(
        spring,
        "lee@city.example",
        name="이지은",
        city="Seoul",
        country="KR",
        time_zone="Asia/Seoul",
    )


@pytest.fixture
def omar(course, make_cohort):
    """A learner of another cohort of the same course."""
    return enrolled_learner(
        make_cohort(course, "autumn"), "omar@city.example", name="عمر", city="Amman", country="JO"
    )


def as_user(app, user) -> Browser:
    browser = Browser(app.test_client())
    assert browser.login(user.email).status_code == 302
    return browser


def list_url(course, cohort) -> str:
    return f"/courses/{course.slug}/cohorts/{cohort.slug}/discussions"


def thread_url(course, thread) -> str:
    return f"/courses/{course.slug}/cohorts/{thread.cohort.slug}/discussions/{thread.id}"


def a_thread(spring, author, title="Night buses for carers", body="Who runs **night buses**?"):
    thread = start_thread(spring, title=title, body=body, author=author, now=NOW)
    db.session.commit()
    return thread


def reply(browser, course, thread, body, **fields):
    url = thread_url(course, thread)
    return browser.post_form(url, {"body": body, **fields}, page=url)


def mails_to(outbox, address):
    return [message for message in outbox() if message["To"] == address]


def test_a_learner_starts_a_thread_others_reply_with_a_quote_and_followers_get_mail(
    app, course, spring, ana, lee, outbox
):
    ana_browser, lee_browser = as_user(app, ana), as_user(app, lee)
    new = f"{list_url(course, spring)}/new"
    started = ana_browser.post_form(
        new,
        {"title": "Night buses", "body": "Who runs **night buses**?\n\n<script>x()</script>"},
        page=new,
    )
    assert started.status_code == 302
    thread = db.session.scalars(select(DiscussionThread)).one()
    (first,) = db.session.scalars(select(DiscussionPost)).all()
    assert first.body_html == "<p>Who runs <strong>night buses</strong>?</p>\n"
    assert texts(lee_browser.client.get(list_url(course, spring)), ".thread-line a")[-1] == (
        "Night buses"
    )

    # Quoting: a link that fills the reply form with the post as a Markdown block quote.
    page = lee_browser.client.get(thread_url(course, thread))
    (quote_link,) = [link for link in links(page, ".post-actions") if "quote=" in link]
    quoting = lee_browser.client.get(quote_link)
    fields = form_fields(quoting, "#reply form")
    assert fields["body"] == (
        "> **Ana Gómez:**\n>\n> Who runs **night buses**?\n>\n> <script>x()</script>\n\n"
    )
    assert fields["reply_to"] == str(first.id)
    answered = reply(
        lee_browser,
        course,
        thread,
        fields["body"] + "We do, in Seoul.",
        **{"reply_to": fields["reply_to"]},
    )
    assert answered.status_code == 302
    second = db.session.scalars(select(DiscussionPost).order_by(DiscussionPost.id.desc())).first()
    assert second.reply_to_id == first.id and second.author_id == lee.id
    assert "<blockquote>" in second.body_html

    # Ana follows her thread (she started it): she gets Lee's post, Lee does not get his own;
    # she reads Spanish.
    (mail,) = mails_to(outbox, "ana@city.example")
    assert str(mail["Subject"]) == "Example course: un mensaje nuevo en “Night buses”"
    plain = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Un mensaje nuevo en “Night buses” (Example course), un hilo que usted sigue:" in plain
    assert "이지은, Seoul" in plain and "We do, in Seoul." in plain
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mails_to(outbox, "lee@city.example") == []
    subscribed = db.session.scalars(select(ThreadSubscription.user_id)).all()
    assert sorted(subscribed) == sorted([ana.id, lee.id])

    # Each post names its author (isolated), their city and country in the reader's language,
    # and the time on the reader's clock.
    seen_by_ana = ana_browser.client.get(thread_url(course, thread))
    bylines = texts(seen_by_ana, ".post-byline")
    assert bylines[1].startswith("이지은 · Seoul, Corea del Sur")
    assert "07:00" in bylines[1]  # 12:00 UTC in Bogotá
    assert '<bdi dir="auto">이지은</bdi>' in seen_by_ana.get_data(as_text=True)
    assert "21:00" in texts(lee_browser.client.get(thread_url(course, thread)), ".post-byline")[1]
    assert "In reply to Ana Gómez" in text(lee_browser.client.get(thread_url(course, thread)))


def test_a_modules_address_leads_each_reader_to_their_own_cohorts_thread(
    app, course, spring, ana, omar, teacher, make_user
):
    module = course.modules[0]
    address = f"/courses/{course.slug}/discussions/modules/{module.slug}"
    ana_browser = as_user(app, ana)
    step = ana_browser.client.get(address)
    assert step.headers["Location"] == (
        f"/courses/{course.slug}/cohorts/{spring.slug}/discussions/modules/{module.slug}"
    )
    opened = ana_browser.client.get(step.headers["Location"])
    spring_thread = db.session.scalars(select(DiscussionThread)).one()
    assert spring_thread.module_id == module.id and spring_thread.cohort_id == spring.id
    assert opened.headers["Location"] == thread_url(course, spring_thread)
    assert "First steps" in text(ana_browser.client.get(opened.headers["Location"]), "h1")
    # Opening it again makes no second thread.
    ana_browser.client.get(step.headers["Location"])
    assert db.session.scalar(select(func.count(DiscussionThread.id))) == 1

    omar_browser = as_user(app, omar)
    omar_step = omar_browser.client.get(address)
    assert "/cohorts/autumn/" in omar_step.headers["Location"]
    assert omar_browser.client.get(thread_url(course, spring_thread)).status_code == 403

    # Staff choose the cohort (the course has two), or name it.
    teacher_browser = as_user(app, teacher)
    chooser = teacher_browser.client.get(address)
    assert chooser.status_code == 200 and "Choose one" in text(chooser)
    named = teacher_browser.client.get(f"{address}?cohort={spring.slug}")
    assert f"/cohorts/{spring.slug}/" in named.headers["Location"]

    stranger = as_user(app, make_user(email="stranger@city.example"))
    assert stranger.client.get(address).status_code == 403
    assert stranger.client.get(list_url(course, spring)).status_code == 403


def test_the_lesson_with_an_in_your_city_note_links_to_its_modules_thread(app, course, spring, ana):
    module = course.modules[0]
    lesson = module.lessons[0]
    assert "In your city" in lesson.body_html
    page = as_user(app, ana).client.get(f"/courses/{course.slug}/lessons/{lesson.slug}")
    (link,) = [
        (label, href)
        for label, href in named_links(page)
        if label == "Comentarlo con las demás ciudades"  # Ana reads Spanish
    ]
    assert link[1] == f"/courses/{course.slug}/discussions/modules/{module.slug}"
    other = module.lessons[1]
    assert "In your city" not in other.body_html
    page = as_user(app, ana).client.get(f"/courses/{course.slug}/lessons/{other.slug}")
    assert "Comentarlo con las demás ciudades" not in text(page)


def test_an_author_edits_within_the_window_and_readers_see_it_was_edited(
    app, course, spring, ana, lee, clock
):
    thread = a_thread(spring, ana)
    post = db.session.scalars(select(DiscussionPost)).one()
    edit = f"/courses/{course.slug}/discussions/posts/{post.id}/edit"
    ana_browser = as_user(app, ana)
    assert ana_browser.client.get(edit).status_code == 200
    done = ana_browser.post_form(edit, {"body": "Who runs *night* buses?"}, page=edit)
    assert done.status_code == 302
    db.session.expire_all()
    assert post.body_html == "<p>Who runs <em>night</em> buses?</p>"
    assert post.edited_at == NOW
    assert (
        "edited"
        in texts(as_user(app, lee).client.get(thread_url(course, thread)), ".post-byline")[0]
    )
    # Others cannot edit it; nobody can after 30 minutes.
    assert as_user(app, lee).client.get(edit).status_code == 403
    clock.move_to(NOW + timedelta(minutes=31))
    assert ana_browser.client.get(edit).status_code == 403


def test_helpful_is_one_mark_per_reader_and_a_second_press_takes_it_back(
    app, course, spring, ana, lee, teacher
):
    thread = a_thread(spring, ana)
    post = db.session.scalars(select(DiscussionPost)).one()
    url = f"/courses/{course.slug}/discussions/posts/{post.id}/helpful"
    lee_browser = as_user(app, lee)
    page = thread_url(course, thread)
    assert lee_browser.post_form(url, {"next": page}, page=page).headers["Location"] == (
        f"{page}#post-{post.id}"
    )
    as_user(app, teacher).post_form(url, {"next": "https://evil.example/"}, page=page)
    assert db.session.scalar(select(func.count(HelpfulMark.id))) == 2
    assert texts(lee_browser.client.get(page), ".post-actions button")[0] == "Helpful ✓ (2)"
    assert "A 2 personas les resultó útil" in text(  # Ana reads Spanish
        as_user(app, ana).client.get(page), ".post-actions"
    )
    lee_browser.post_form(url, {}, page=page)
    assert db.session.scalar(select(func.count(HelpfulMark.id))) == 1
    # Authors do not mark their own posts.
    assert as_user(app, ana).post_form(url, {}, page=page).status_code == 409


def test_staff_hide_a_reported_post_which_then_never_leaves_the_server(
    app, course, spring, ana, lee, teacher, outbox
):
    thread = a_thread(spring, ana)
    lee_browser = as_user(app, lee)
    reply(lee_browser, course, thread, "Buy cheap pills at spam.example")
    spam = db.session.scalars(
        select(DiscussionPost).where(DiscussionPost.author_id == lee.id)
    ).one()
    ana_browser = as_user(app, ana)
    report = f"/courses/{course.slug}/discussions/posts/{spam.id}/report"
    assert ana_browser.post_form(report, {"reason": "Spam"}, page=report).status_code == 302
    again = ana_browser.post_form(report, {"reason": "Spam again"}, page=report)
    assert "Ya había denunciado este mensaje" in text(  # Ana reads Spanish
        ana_browser.client.get(again.headers["Location"])
    )
    assert db.session.scalar(select(func.count(PostReport.id))) == 1

    teacher_browser = as_user(app, teacher)
    threads = teacher_browser.client.get(list_url(course, spring))
    assert "Reported posts (1 waiting)" in text(threads)
    reported = teacher_browser.client.get(f"{list_url(course, spring)}/reported")
    assert "spam.example" in text(reported, ".posts")
    assert "Ana Gómez, on" in text(reported, ".reports") and "Spam" in text(reported, ".reports")

    hide = f"/courses/{course.slug}/discussions/posts/{spam.id}/hide"
    assert teacher_browser.post_form(hide, {"reason": ""}, page=hide).status_code == 400
    hidden = teacher_browser.post_form(hide, {"reason": "Advertising"}, page=hide)
    assert hidden.status_code == 302
    db.session.expire_all()
    assert spam.hidden_reason == "Advertising" and spam.hidden_by_id == teacher.id
    assert db.session.scalars(select(PostReport.resolved_at)).one() == NOW

    # Learners: not in the page, not reachable, not in the list's count.
    for browser in (ana_browser, lee_browser):
        html = browser.client.get(thread_url(course, thread)).get_data(as_text=True)
        assert "spam.example" not in html and f"post-{spam.id}" not in html
        assert (
            browser.client.get(f"{thread_url(course, thread)}?quote={spam.id}").status_code == 200
        )
        assert (
            "spam.example"
            not in form_fields(
                browser.client.get(f"{thread_url(course, thread)}?quote={spam.id}"), "#reply form"
            )["body"]
        )
        assert browser.client.get(report).status_code == 404
    free = text(ana_browser.client.get(list_url(course, spring)), "[aria-labelledby=free-heading]")
    assert "1 mensaje ·" in free  # Ana reads Spanish: the hidden post is not counted
    # Staff see it, marked, with a restore button.
    staff_page = teacher_browser.client.get(thread_url(course, thread))
    assert "Hidden from learners" in text(staff_page, f"#post-{spam.id}")
    assert "Reason: Advertising" in text(staff_page, f"#post-{spam.id}")
    assert "Restore" in texts(staff_page, f"#post-{spam.id} button")
    assert "No report waiting" in text(
        teacher_browser.client.get(f"{list_url(course, spring)}/reported")
    )

    restore = f"/courses/{course.slug}/discussions/posts/{spam.id}/restore"
    teacher_browser.post_form(restore, {}, page=thread_url(course, thread))
    assert "spam.example" in text(ana_browser.client.get(thread_url(course, thread)))
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("discussion.%"))
    ).all()
    assert sorted(actions) == [
        "discussion.post_hidden",
        "discussion.post_reported",
        "discussion.post_restored",
    ]
    # Learners cannot moderate.
    assert lee_browser.post_form(hide, {"reason": "x"}, page=hide).status_code == 403


def test_a_post_hidden_before_its_mail_leaves_is_not_mailed(app, course, spring, ana, lee, outbox):
    thread = a_thread(spring, ana)
    post = write_post(thread, body="Offensive words", author=lee, now=NOW)
    waiting = db.session.info.pop("outgoing_mail")  # written, not yet sent
    post.hidden_at = NOW
    db.session.commit()
    from app.core.mail import deliver_mail

    deliver_mail(*[mail_id for _, mail_id in waiting])
    assert outbox() == []
    assert db.session.scalars(select(OutgoingMail.state)).all() == [MailState.DROPPED]


def test_pinned_threads_come_first_and_a_locked_thread_takes_no_post(
    app, course, spring, ana, lee, teacher, clock
):
    old = a_thread(spring, ana, title="Old question")
    clock.move_to(NOW + timedelta(hours=1))
    a_thread(spring, lee, title="New question")
    lee_browser = as_user(app, lee)
    assert texts(lee_browser.client.get(list_url(course, spring)), ".thread-line > a bdi") == [
        "New question",
        "Old question",
    ]
    teacher_browser = as_user(app, teacher)
    page = thread_url(course, old)
    pin = f"{page}/pin"
    lock = f"{page}/lock"
    assert lee_browser.post_form(pin, {"value": "on"}, page=page).status_code == 403
    assert teacher_browser.post_form(pin, {"value": "on"}, page=page).status_code == 302
    assert texts(lee_browser.client.get(list_url(course, spring)), ".thread-line > a bdi") == [
        "Old question",
        "New question",
    ]
    teacher_browser.post_form(lock, {"value": "on"}, page=page)
    closed = lee_browser.client.get(page)
    assert "This thread is closed" in text(closed, "#reply")
    refused = reply(lee_browser, course, old, "Still open?")
    assert refused.status_code == 409
    assert db.session.scalar(select(func.count(DiscussionPost.id))) == 2
    teacher_browser.post_form(lock, {"value": "off"}, page=page)
    assert reply(lee_browser, course, old, "Now it is open").status_code == 302
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("discussion.thread_%"))
    ).all()
    assert sorted(actions) == [
        "discussion.thread_locked",
        "discussion.thread_pinned",
        "discussion.thread_unlocked",
    ]


def test_the_daily_digest_gathers_new_posts_at_a_waking_hour_without_hidden_ones(
    app, course, spring, ana, lee, outbox, clock
):
    # Lee chooses the digest on his mail settings page.
    lee_browser = as_user(app, lee)
    settings = lee_browser.client.get("/account/mail")
    assert "Replies in discussions" in text(settings)
    fields = {topic.value: "y" for topic in MailTopic} | {"discussions_delivery": "digest"}
    lee_browser.post_form("/account/mail", fields, page="/account/mail")
    assert db.session.scalars(select(MailDigest.topic)).all() == ["discussions"]
    saved = form_fields(lee_browser.client.get("/account/mail"), "main form")
    assert saved["discussions_delivery"] == "digest"

    thread = a_thread(spring, lee, title="Care maps")  # Lee follows it
    clock.move_to(NOW + timedelta(minutes=5))
    write_post(
        thread, body="Bogotá maps its care blocks.", author=ana, now=NOW + timedelta(minutes=5)
    )
    hidden = write_post(thread, body="Rude words", author=ana, now=NOW + timedelta(minutes=6))
    hidden.hidden_at = NOW + timedelta(minutes=7)
    db.session.commit()
    assert mails_to(outbox, "lee@city.example") == []  # no mail each time

    # 23:00 in Seoul (14:00 UTC): night, nothing; 07:00 in Seoul (22:00 UTC): the digest.
    night = datetime(2027, 3, 20, 14, tzinfo=UTC)
    with time_machine.travel(night, tick=False):
        assert write_discussion_digests(night) == 0
        db.session.commit()
    morning = datetime(2027, 3, 20, 22, tzinfo=UTC)
    with time_machine.travel(morning, tick=False):
        assert write_discussion_digests(morning) == 1
        db.session.commit()
        assert write_discussion_digests(morning + timedelta(hours=1)) == 0
        db.session.commit()
    (digest,) = mails_to(outbox, "lee@city.example")
    plain = digest.get_body(preferencelist=("plain",)).get_content()
    assert str(digest["Subject"]) == "Discussions: 1 new post in the threads you follow"
    assert "Bogotá maps its care blocks." in plain and "Rude words" not in plain
    assert "Ana Gómez, Bogotá, Colombia" in plain and "21:05" in plain  # Seoul time
    # Nothing new the next morning: no digest.
    next_morning = morning + timedelta(days=1)
    with time_machine.travel(next_morning, tick=False):
        assert write_discussion_digests(next_morning) == 0

    # Turned off with the one-click unsubscribe: no more mail of either kind.
    unsubscribe(lee.id, MailTopic.DISCUSSIONS)
    write_post(thread, body="More", author=ana, now=next_morning)
    db.session.commit()
    later = next_morning + timedelta(days=1)
    with time_machine.travel(later, tick=False):
        assert write_discussion_digests(later) == 0


def test_learners_of_other_cohorts_and_strangers_get_nothing(
    app, course, spring, ana, omar, make_user
):
    thread = a_thread(spring, ana)
    post = db.session.scalars(select(DiscussionPost)).one()
    omar_browser = as_user(app, omar)
    assert omar_browser.client.get(thread_url(course, thread)).status_code == 403
    assert omar_browser.client.get(list_url(course, spring)).status_code == 403
    report = f"/courses/{course.slug}/discussions/posts/{post.id}/report"
    assert omar_browser.client.get(report).status_code == 403
    assert reply(omar_browser, course, thread, "Hello").status_code == 403
    anonymous = app.test_client().get(thread_url(course, thread))
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    # Personal pages are not cached.
    page = as_user(app, ana).client.get(thread_url(course, thread))
    assert page.headers["Cache-Control"] == "private, no-store"


def test_posting_too_fast_is_refused_with_a_429(app, course, spring, ana):
    app.config["DISCUSSION_POSTS_PER_PERSON"] = "2 per minute"
    thread = a_thread(spring, ana)
    browser = as_user(app, ana)
    assert reply(browser, course, thread, "One").status_code == 302
    assert reply(browser, course, thread, "Two").status_code == 302
    refused = reply(browser, course, thread, "Three")
    assert refused.status_code == 429
    assert "Ha publicado mucho en poco tiempo" in text(refused)  # Ana reads Spanish
    assert db.session.scalar(select(func.count(DiscussionPost.id))) == 3


def _bulk_posts(thread, author, count: int) -> None:
    db.session.execute(
        insert(DiscussionPost),
        [
            {
                "thread_id": thread.id,
                "author_id": author.id,
                "body_md": f"Post {number}",
                "body_html": f"<p>Post {number}</p>",
                "created_at": NOW + timedelta(seconds=number),
            }
            for number in range(count)
        ],
    )
    db.session.commit()


def test_a_thread_page_reads_the_same_queries_with_30_posts_and_with_3000(
    app, course, spring, ana, lee, teacher, count_queries
):
    small = a_thread(spring, ana, title="Small")
    big = a_thread(spring, ana, title="Big")
    _bulk_posts(small, lee, 29)
    _bulk_posts(big, lee, 2999)
    mark = HelpfulMark(
        post_id=db.session.scalar(select(func.max(DiscussionPost.id))), user_id=ana.id
    )
    db.session.add(mark)
    db.session.commit()

    def queries_for(browser, url) -> int:
        browser.client.get(url)
        with count_queries() as counter:
            assert browser.client.get(url).status_code == 200
        return counter.count

    for browser in (as_user(app, ana), as_user(app, teacher)):
        small_count = queries_for(browser, thread_url(course, small))
        assert queries_for(browser, thread_url(course, big)) == small_count
        assert queries_for(browser, f"{thread_url(course, big)}?page=100") == small_count
    last = as_user(app, lee).client.get(f"{thread_url(course, big)}?page=100")
    assert "Page 100 of 100 (3000 in all)" in text(last, ".pager")


def test_the_thread_list_reads_the_same_queries_with_few_threads_and_many(
    app, course, spring, ana, lee, count_queries
):
    browser = as_user(app, lee)

    def list_queries() -> int:
        browser.client.get(list_url(course, spring))
        with count_queries() as counter:
            assert browser.client.get(list_url(course, spring)).status_code == 200
        return counter.count

    a_thread(spring, ana, title="One")
    few = list_queries()
    for number in range(80):
        a_thread(spring, ana if number % 2 else lee, title=f"Thread {number}")
    module_page = browser.client.get(
        f"/courses/{course.slug}/cohorts/{spring.slug}/discussions/modules/{course.modules[0].slug}"
    )
    assert module_page.status_code == 302
    assert list_queries() == few
    assert "Page 1 of 3 (81 in all)" in text(browser.client.get(list_url(course, spring)), ".pager")


def test_the_posts_are_in_the_download_and_their_text_goes_with_the_account(
    app, course, spring, ana, lee
):
    thread = a_thread(spring, ana, body="My city's *care map*.")
    write_post(thread, body="Thanks!", author=lee, now=NOW)
    db.session.commit()
    data = as_user(app, ana).client.get("/account/data.json").get_json()
    assert [post["text"] for post in data["discussion_posts"]] == ["My city's *care map*."]
    assert data["discussion_threads_followed"] == [thread.id]

    from app.core.events import person_records

    person_records.erase(ana)
    db.session.commit()
    first = db.session.scalars(select(DiscussionPost).order_by(DiscussionPost.id)).first()
    assert first.body_md == "" and first.body_html == "" and first.erased_at is not None
    page = as_user(app, lee).client.get(thread_url(course, thread))
    assert "This post was removed when its author’s account was erased." in text(page)
    assert "care map" not in page.get_data(as_text=True)
    assert db.session.scalars(select(ThreadSubscription.user_id)).all() == [lee.id]


def test_learners_find_the_discussion_from_the_course_page_and_the_dashboard(
    app, course, spring, ana, omar
):
    browser = as_user(app, ana)
    course_page = browser.client.get(f"/courses/{course.slug}")
    found = dict(named_links(course_page))  # Ana reads Spanish
    assert found["Debates"] == f"/courses/{course.slug}/discussions"
    module = course.modules[0]
    assert found[f"Debatir sobre este módulo: {module.title}"] == (
        f"/courses/{course.slug}/discussions/modules/{module.slug}"
    )
    assert browser.client.get(found["Debates"]).headers["Location"] == list_url(course, spring)
    dashboard = dict(named_links(browser.client.get("/dashboard")))
    assert dashboard["Debates de Spring 2027"] == list_url(course, spring)
    # Someone who does not study the course sees no way in.
    assert "Discussions" not in dict(named_links(app.test_client().get(f"/courses/{course.slug}")))
