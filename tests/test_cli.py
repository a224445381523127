"""`flask user ensure-admin`, which `make run` calls."""

from sqlalchemy import select

from app.accounts.models import User
from app.core.audit import AuditEvent
from app.core.permissions import Role
from app.extensions import db


def test_ensure_admin_creates_one_admin_and_shows_the_password_once(runner):
    first = runner.invoke(args=["user", "ensure-admin"])
    assert first.exit_code == 0
    assert "Its password is shown only this once" in first.output
    password = first.output.split("password: ")[1].strip()
    assert len(password) >= 20
    admin = db.session.scalar(select(User).where(User.role == Role.ADMIN))
    assert admin.email == "admin@caring-cities.example"
    assert admin.check_password(password)
    assert not admin.check_password("admin")
    assert password not in admin.password_hash

    second = runner.invoke(args=["user", "ensure-admin"])
    assert second.exit_code == 0
    assert "admin@caring-cities.example (already exists)" in second.output
    assert "password" not in second.output
    assert len(db.session.scalars(select(User)).all()) == 1


def test_each_new_admin_gets_a_different_password(runner, app):
    first = runner.invoke(args=["user", "ensure-admin"]).output.split("password: ")[1]
    # A fresh install: no accounts and no history.
    db.session.execute(AuditEvent.__table__.delete())
    db.session.execute(User.__table__.delete())
    db.session.commit()
    second = runner.invoke(args=["user", "ensure-admin"]).output.split("password: ")[1]
    assert first != second


def test_the_printed_admin_can_log_in_and_reach_the_administration(runner, app, browser):
    output = runner.invoke(args=["user", "ensure-admin"]).output
    email = output.split("e-mail:")[1].split()[0]
    password = output.split("password:")[1].split()[0]
    assert browser.login(email, password).status_code == 302
    page = browser.client.get("/admin/")
    assert page.status_code == 200
    assert "Administration" in page.get_data(as_text=True)


def test_accounts_need_a_valid_address(runner):
    result = runner.invoke(args=["user", "create", "admin@localhost", "--name", "Local"])
    assert result.exit_code != 0
    assert "admin@localhost is not a valid e-mail address" in result.output
    assert db.session.scalar(select(User)) is None
