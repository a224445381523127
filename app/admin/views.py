"""Administration pages: the application queue, users and roles, the audit log, the mail log."""

from collections.abc import Iterator

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms import SelectChoice

from app.accounts import operations as account_operations
from app.accounts.models import User
from app.accounts.operations import AccountError
from app.admin import bp, queries
from app.admin.forms import (
    AccountStatusForm,
    ApplicationFilters,
    AuditFilters,
    DecisionForm,
    MailFilters,
    RoleForm,
    UserFilters,
)
from app.catalog import operations as catalog_operations
from app.core.i18n import current_language
from app.core.inputs import parse_integer
from app.core.listing import Page, csv_response
from app.core.mail import MailError, OutgoingMail, send_again
from app.core.permissions import Role, admin_required, staff_required
from app.core.places import country_name
from app.core.urls import safe_next_path
from app.extensions import db
from app.learning.operations import ApplicationError, decide_application


@bp.get("/")
@staff_required
def index():
    """The staff's starting point: what waits for a decision, and the admin's tools."""
    return render_template(
        "admin/index.html",
        pending=queries.pending_count(current_user),
        failed_mail=queries.failed_mail_count() if current_user.is_admin else 0,
    )


def _queue_filters() -> ApplicationFilters:
    """The queue's filters; its selects list the cohorts and countries one can see."""
    language = current_language()
    return ApplicationFilters.read(
        cohort=[
            SelectChoice(
                cohort.id,
                f"{cohort.course.title}: {cohort.title}",
                render_kw={"lang": cohort.course.language},
            )
            for cohort in queries.manageable_cohorts(current_user)
        ],
        country=sorted(
            (
                SelectChoice(code, country_name(code, language))
                for code in queries.applicant_countries(current_user)
            ),
            key=lambda choice: choice.label,
        ),
    )


def _render_queue(form: DecisionForm, status: int = 200, selected: set[int] | None = None):
    filters = _queue_filters()
    page = Page.of(
        queries.application_queue(current_user, filters),
        current_app.config["APPLICATIONS_PER_PAGE"],
        filters=filters,
        endpoint="admin.applications",
    )
    return render_template(
        "admin/applications.html",
        page=page,
        filters=filters,
        form=form,
        selected=selected or set(),
    ), status


@bp.get("/applications")
@staff_required
def applications():
    """The application queue of the courses one runs, filtered and paginated."""
    return _render_queue(DecisionForm(return_to=request.full_path))


APPLICATIONS_CSV_HEADER = [
    "submitted_at", "name", "email", "organisation", "position", "city", "country",
    "course", "cohort", "status", "decided_at", "decided_by", "decision_message", "motivation",
]  # fmt: skip


def _application_lines(statement) -> Iterator[tuple]:
    for application in db.session.scalars(statement.execution_options(yield_per=500)):
        yield (
            application.submitted_at.isoformat(timespec="minutes"),
            application.user.name,
            application.user.email,
            application.user.organisation,
            application.user.position,
            application.user.city,
            country_name(application.user.country),
            application.cohort.course.title,
            application.cohort.title,
            application.status.value,
            application.decided_at.isoformat(timespec="minutes") if application.decided_at else "",
            application.decided_by.email if application.decided_by else "",
            application.decision_message or "",
            application.motivation,
        )


@bp.get("/applications.csv")
@staff_required
def applications_csv():
    """The filtered queue as a CSV file, streamed as the rows are read."""
    statement = queries.application_queue(current_user, ApplicationFilters.read())
    return csv_response("applications.csv", APPLICATIONS_CSV_HEADER, _application_lines(statement))


@bp.get("/applications/<int:application_id>")
@staff_required
def application(application_id: int):
    """One application in full, with the form to decide on it."""
    found = queries.manageable_application(current_user, application_id)
    if found is None:
        abort(404)
    form = DecisionForm(return_to=url_for("admin.application", application_id=found.id))
    return render_template("admin/application.html", application=found, form=form)


@bp.post("/applications/decide")
@staff_required
def decide():
    """Approve or reject the chosen applications; each applicant is told by e-mail."""
    form = DecisionForm()
    raw_ids = set(request.form.getlist("application_id"))
    ids = sorted(number for number in map(parse_integer, raw_ids) if number is not None)
    back = safe_next_path(form.return_to.data) or url_for("admin.applications")
    valid = form.validate_on_submit()
    if not raw_ids:
        form.form_errors.append(_("Tick at least one application."))
    elif len(ids) != len(raw_ids):
        form.form_errors.append(_("Some of the chosen applications do not exist."))
    if not valid or form.form_errors:
        return _render_queue(form, status=400, selected=set(ids))
    found = queries.manageable_applications(current_user, ids)
    approve = form.decision.data == "approve"
    decided, skipped = [], []
    for item in found:
        try:
            decide_application(
                item, approve, actor=current_user._get_current_object(), message=form.message.data
            )
        except ApplicationError as error:
            skipped.append(str(error))
        else:
            decided.append(item)
    missing = len(ids) - len(found)
    db.session.commit()
    if decided and approve:
        flash(
            ngettext(
                "%(num)d application approved and enrolled.",
                "%(num)d applications approved and enrolled.",
                len(decided),
            ),
            "success",
        )
    elif decided:
        flash(
            ngettext(
                "%(num)d application rejected.", "%(num)d applications rejected.", len(decided)
            ),
            "success",
        )
    if skipped:
        flash(_("Not changed: %(reasons)s.", reasons="; ".join(skipped)), "info")
    if missing:
        flash(
            ngettext(
                "%(num)d of the chosen applications could not be found.",
                "%(num)d of the chosen applications could not be found.",
                missing,
            ),
            "error",
        )
    return redirect(back)


@bp.get("/users")
@admin_required
def users():
    """Every account, searchable and filtered by role."""
    filters = UserFilters.read()
    page = Page.of(
        queries.user_list(filters), current_app.config["USERS_PER_PAGE"], filters=filters
    )
    return render_template("admin/users.html", page=page, filters=filters)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.is_deleted:
        abort(404)
    return user


def _render_user(user: User, role_form: RoleForm | None = None, status: int = 200):
    courses = queries.all_courses()
    if role_form is None:
        role_form = RoleForm(
            role=user.role.value,
            courses=[membership.course_id for membership in user.staff_memberships],
        )
    role_form.courses.choices = [SelectChoice(course.id, course.title) for course in courses]
    return render_template(
        "admin/user.html",
        user=user,
        role_form=role_form,
        status_form=AccountStatusForm(active="no" if user.is_active else "yes"),
        country=country_name(user.country, current_language()),
        studied=queries.courses_studied(user),
    ), status


@bp.get("/users/<int:user_id>")
@admin_required
def user(user_id: int):
    """One account: profile, role and courses taught, and whether it is active."""
    return _render_user(_user_or_404(user_id))


@bp.post("/users/<int:user_id>/role")
@admin_required
def set_role(user_id: int):
    """Change an account's role and, for instructors, the courses they teach."""
    found = _user_or_404(user_id)
    form = RoleForm()
    courses = queries.all_courses()
    form.courses.choices = [SelectChoice(course.id, course.title) for course in courses]
    if not form.validate_on_submit():
        return _render_user(found, form, status=400)
    role = Role(form.role.data)
    chosen = [course for course in courses if course.id in set(form.courses.data or [])]
    if chosen and role != Role.INSTRUCTOR:
        form.courses.errors = [_("Only instructors teach courses: choose the instructor role.")]
        return _render_user(found, form, status=400)
    try:
        account_operations.set_role(found, role, actor=current_user._get_current_object())
        catalog_operations.set_staffed_courses(
            found, chosen, actor=current_user._get_current_object()
        )
    except AccountError as error:
        db.session.rollback()
        form.role.errors = [str(error)]
        return _render_user(found, form, status=409)
    db.session.commit()
    role_name = str(role.label).lower()
    if chosen:
        message = _(
            "%(name)s is now %(role)s of %(courses)s.",
            name=found.name,
            role=role_name,
            courses=", ".join(course.title for course in chosen),
        )
    else:
        message = _("%(name)s is now %(role)s.", name=found.name, role=role_name)
    flash(message, "success")
    return redirect(url_for("admin.user", user_id=found.id))


@bp.post("/users/<int:user_id>/status")
@admin_required
def set_status(user_id: int):
    """Deactivate an account (ending its sessions) or reactivate it."""
    found = _user_or_404(user_id)
    form = AccountStatusForm()
    if not form.validate_on_submit() or form.active.data not in {"yes", "no"}:
        abort(400)
    try:
        account_operations.set_active(
            found, form.active.data == "yes", actor=current_user._get_current_object()
        )
    except AccountError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _render_user(found, status=409)
    db.session.commit()
    if found.is_active:
        message = _("%(name)s's account is active again.", name=found.name)
    else:
        message = _("%(name)s's account is deactivated.", name=found.name)
    flash(message, "success")
    return redirect(url_for("admin.user", user_id=found.id))


@bp.get("/audit")
@admin_required
def audit_log():
    """The audit log, newest first, filtered by action, person, object and dates."""
    actions, object_types = queries.audit_vocabulary()
    filters = AuditFilters.read(action=actions, object_type=object_types)
    page = Page.of(
        queries.audit_events(filters),
        current_app.config["AUDIT_EVENTS_PER_PAGE"],
        filters=filters,
    )
    return render_template("admin/audit.html", page=page, filters=filters)


# What the mail log's address may carry, kept across a "send again".
MAIL_LIST_ARGUMENTS = ("q", "state", "kind", "page")


def _mail_page(status: int = 200):
    filters = MailFilters.read(kind=queries.mail_kinds())
    page = Page.of(
        queries.outgoing_mail(filters),
        current_app.config["MAIL_PER_PAGE"],
        filters=filters,
        endpoint="admin.mail_log",
    )
    return render_template("admin/mail.html", page=page, filters=filters), status


@bp.get("/mail")
@admin_required
def mail_log():
    """Every message the server has written: sent, waiting for a try, or failed."""
    return _mail_page()


@bp.post("/mail/<int:mail_id>/send-again")
@admin_required
def send_mail_again(mail_id: int):
    """Queue a failed message again (the list's filters and page come back in the query)."""
    mail = db.get_or_404(OutgoingMail, mail_id)
    try:
        send_again(mail, actor=current_user)
    except MailError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _mail_page(409)
    db.session.commit()
    flash(_("The message to %(address)s is queued again.", address=mail.recipient), "success")
    kept = {name: value for name, value in request.args.items() if name in MAIL_LIST_ARGUMENTS}
    return redirect(url_for("admin.mail_log", **kept))
