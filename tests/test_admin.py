"""Admin pages: users and roles, deactivation, the audit log; and the user CLI."""

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.catalog.models import Course
from app.core.audit import AuditEvent, AuditLogError
from app.core.permissions import Role
from app.extensions import db
from tests.conftest import Browser
from tests.test_pages import visible_text


def test_users_list_search_and_pagination(app, admin_browser, make_user):
    app.config["USERS_PER_PAGE"] = 3
    for number in range(4):
        make_user(email=f"p{number}@bogota.example", organisation="Alcaldía de Bogotá")
    make_user(email="kim@seoul.example", name="Kim Ji-woo", organisation="Seoul", city="Seoul")
    page = visible_text(admin_browser.client.get("/admin/users?q=bogot").get_data(as_text=True))
    assert "4 accounts" in page and "Page 1 of 2" in page
    assert "Kim Ji-woo" not in page
    page = visible_text(admin_browser.client.get("/admin/users?q=SEOUL").get_data(as_text=True))
    assert "1 account" in page and "kim@seoul.example" in page
    page = visible_text(admin_browser.client.get("/admin/users?role=admin").get_data(as_text=True))
    assert "1 account" in page and "Ada Admin" in page
    empty = visible_text(admin_browser.client.get("/admin/users?q=nobody").get_data(as_text=True))
    assert "No account matches this search." in empty


def test_make_someone_an_instructor_of_a_course(app, admin_browser, make_user, imported_example):
    person = make_user(email="tess@city.example", name="Tess")
    page = admin_browser.client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert "Courses this instructor teaches" in page
    response = admin_browser.post_form(
        f"/admin/users/{person.id}/role",
        {"role": "instructor", "courses": str(imported_example.id)},
        page=f"/admin/users/{person.id}",
    )
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.role == Role.INSTRUCTOR
    assert person.staffed_course_ids == {imported_example.id}
    assert imported_example.can_manage(person)
    shown = visible_text(
        admin_browser.client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    )
    assert f"Tess is now instructor of {imported_example.title}." in shown
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-2:] == ["account.role_changed", "course.staff_added"]

    # Courses go with the instructor role: a learner teaches nothing.
    refused = admin_browser.post_form(
        f"/admin/users/{person.id}/role",
        {"role": "learner", "courses": str(imported_example.id)},
        page=f"/admin/users/{person.id}",
    )
    assert refused.status_code == 400
    assert "Only instructors teach courses" in refused.get_data(as_text=True)
    db.session.refresh(person)
    assert person.role == Role.INSTRUCTOR


def test_role_form_refuses_unknown_values(app, admin_browser, make_user):
    person = make_user(email="tess@city.example")
    for data in ({"role": "superuser"}, {"role": "instructor", "courses": "999"}):
        response = admin_browser.post_form(
            f"/admin/users/{person.id}/role", data, page=f"/admin/users/{person.id}"
        )
        assert response.status_code == 400
        assert "not a valid choice" in response.get_data(as_text=True).lower()
    db.session.refresh(person)
    assert person.role == Role.LEARNER


def test_the_last_admin_cannot_be_demoted_or_deactivated(app, admin_browser):
    admin = db.session.scalar(select(User).where(User.email == "admin@city.example"))
    response = admin_browser.post_form(
        f"/admin/users/{admin.id}/role", {"role": "learner"}, page=f"/admin/users/{admin.id}"
    )
    assert response.status_code == 409
    assert "This is the only admin." in response.get_data(as_text=True)
    response = admin_browser.post_form(
        f"/admin/users/{admin.id}/status", {"active": "no"}, page=f"/admin/users/{admin.id}"
    )
    assert response.status_code == 409
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert (admin.role, admin.is_active) == (Role.ADMIN, True)


def test_deactivation_ends_every_session_and_reactivation_restores_login(
    app, admin_browser, make_user
):
    person = make_user(email="ana@city.example", name="Ana")
    theirs = Browser(app.test_client())
    theirs.login("ana@city.example")
    assert theirs.client.get("/dashboard").status_code == 200

    response = admin_browser.post_form(
        f"/admin/users/{person.id}/status", {"active": "no"}, page=f"/admin/users/{person.id}"
    )
    assert response.status_code == 302
    assert theirs.client.get("/dashboard").status_code == 302
    assert Browser(app.test_client()).login("ana@city.example").status_code == 401

    admin_browser.post_form(
        f"/admin/users/{person.id}/status", {"active": "yes"}, page=f"/admin/users/{person.id}"
    )
    assert Browser(app.test_client()).login("ana@city.example").status_code == 302
    actions = list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(
                AuditEvent.object_id == str(person.id), AuditEvent.action.like("account.%activated")
            )
            .order_by(AuditEvent.id)
        )
    )
    assert actions == ["account.deactivated", "account.reactivated"]


def test_audit_log_page_filters(app, admin_browser, make_user):
    person = make_user(email="ana@city.example", name="Ana")
    admin_browser.post_form(
        f"/admin/users/{person.id}/status", {"active": "no"}, page=f"/admin/users/{person.id}"
    )
    page = visible_text(admin_browser.client.get("/admin/audit").get_data(as_text=True))
    assert "account.deactivated" in page and "account.created" in page
    assert "127.0.0.1" in page

    only = visible_text(
        admin_browser.client.get("/admin/audit?action=account.deactivated").get_data(as_text=True)
    )
    assert "1 event" in only
    assert "Ada Admin" in only and "users #" + str(person.id) in only

    by_actor = visible_text(
        admin_browser.client.get("/admin/audit?actor=ana@city").get_data(as_text=True)
    ).split("newest first")[1]
    assert "account.created" in by_actor and "account.deactivated" not in by_actor

    future = visible_text(
        admin_browser.client.get("/admin/audit?since=2999-01-01").get_data(as_text=True)
    )
    assert "No event matches these filters." in future
    # Nonsense in the query string is ignored, not an error.
    assert admin_browser.client.get("/admin/audit?since=yesterday&page=-4").status_code == 200


def test_audit_events_cannot_be_changed_or_deleted(app, make_user):
    make_user(email="ana@city.example")
    event = db.session.scalar(select(AuditEvent))
    event.action = "something.else"
    with pytest.raises(AuditLogError):
        db.session.flush()
    db.session.rollback()
    event = db.session.scalar(select(AuditEvent))
    db.session.delete(event)
    with pytest.raises(AuditLogError):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(AuditEvent.action)) == "account.created"


# The user CLI


def test_cli_create_list_and_set_role(app, runner, imported_example):
    result = runner.invoke(
        args=["user", "create", "Tess@City.example", "--name", "Tess Teacher", "--role",
              "instructor", "--course", imported_example.slug, "--password-stdin"],
        input="lantern harbour quiet moss\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        f"created instructor tess@city.example, teaching {imported_example.slug}" in result.output
    )
    tess = db.session.scalar(select(User).where(User.email == "tess@city.example"))
    assert tess.check_password("lantern harbour quiet moss")
    assert tess.staffed_course_ids == {imported_example.id}

    generated = runner.invoke(args=["user", "create", "ana@city.example", "--name", "Ana"])
    assert generated.exit_code == 0
    assert "password (shown only this once):" in generated.output

    listing = runner.invoke(args=["user", "list"])
    lines = listing.output.strip().splitlines()
    assert lines == [
        "ana@city.example\tlearner\tactive\tAna",
        f"tess@city.example\tinstructor\tactive\tTess Teacher\t{imported_example.slug}",
    ]

    changed = runner.invoke(args=["user", "set-role", "TESS@city.example", "learner"])
    assert changed.exit_code == 0
    assert "tess@city.example is now learner" in changed.output
    db.session.expire_all()
    assert tess.role == Role.LEARNER and tess.staffed_course_ids == set()
    assert runner.invoke(args=["user", "list", "--role", "instructor"]).output == (
        "no accounts with the role instructor\n"
    )
    events = list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == "account.role_changed"))
    )
    assert events[0].actor_id is None and events[0].ip_address is None


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["user", "create", "a@x.example", "--name", "A", "--password-stdin"], "short\n",
         "Use at least 12 characters."),
        (["user", "create", "a@x.example", "--name", "A", "--role", "wizard"], "",
         "Invalid value for '--role'"),
        (["user", "create", "a@x.example", "--name", "A", "--course", "nope", "--role",
          "instructor"], "", "there is no course 'nope'"),
        (["user", "create", "a@x.example", "--name", "A", "--course", "x"], "",
         "--course is for instructors"),
        (["user", "set-role", "nobody@x.example", "admin"], "",
         "there is no account with the e-mail address nobody@x.example"),
    ],
)  # fmt: skip
def test_cli_refusals(app, runner, args, stdin, message):
    result = runner.invoke(args=args, input=stdin)
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(select(User).where(User.email == "a@x.example")) is None


def test_cli_keeps_one_admin(app, runner, make_user):
    make_user(Role.ADMIN, email="admin@city.example")
    result = runner.invoke(args=["user", "set-role", "admin@city.example", "learner"])
    assert result.exit_code != 0
    assert "This is the only admin." in result.output


def test_course_can_manage(app, make_user, imported_example):
    other = Course(slug="other", title="Other", summary="Other.")
    db.session.add(other)
    db.session.commit()
    teacher = make_user(Role.INSTRUCTOR, courses=[imported_example])
    admin = make_user(Role.ADMIN)
    learner = make_user()
    assert imported_example.can_manage(teacher) and not other.can_manage(teacher)
    assert imported_example.can_manage(admin) and other.can_manage(admin)
    assert not imported_example.can_manage(learner)
    assert not teacher.is_admin and teacher.is_staff and not learner.is_staff


def test_admin_lists_take_a_fixed_number_of_queries(app, admin_browser, make_user, count_queries):
    app.config.update(USERS_PER_PAGE=50, AUDIT_EVENTS_PER_PAGE=50)
    make_user(email="first@city.example")
    with count_queries() as users_few:
        admin_browser.client.get("/admin/users")
    with count_queries() as audit_few:
        admin_browser.client.get("/admin/audit")
    for number in range(20):
        make_user(email=f"more{number}@city.example")
    with count_queries() as users_many:
        page = admin_browser.client.get("/admin/users").get_data(as_text=True)
    with count_queries() as audit_many:
        admin_browser.client.get("/admin/audit")
    assert "more19@city.example" in page
    assert users_many.count == users_few.count
    assert audit_many.count == audit_few.count
