"""Registration, login and logout, password reset, and the profile pages."""

import json

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from app.accounts import bp, devices, operations
from app.accounts.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    LoginForm,
    MailSettingsForm,
    ProfileForm,
    RegistrationForm,
    ResetPasswordForm,
)
from app.accounts.models import User
from app.accounts.operations import PROFILE_FIELDS, AccountError, LinkProblem
from app.accounts.queries import personal_data
from app.core import subscriptions
from app.core.errors import error_response
from app.core.forms import form_page, normalise_email
from app.core.i18n import (
    LANGUAGE_COOKIE,
    LANGUAGES,
    current_language,
    language_cookie_options,
    writing_in,
)
from app.core.mail import language_of, send_to_user_after_commit
from app.core.subscriptions import MailTopic
from app.core.urls import public_url_for, safe_next_path
from app.extensions import csrf, db, limiter, login_manager


@login_manager.user_loader
def load_user(identity: str) -> User | None:
    """The user of a session or remember-me cookie, if its session version is still current."""
    user_id, _, version = identity.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


def _config_limit(key: str):
    return lambda: current_app.config[key]


def _email_in_form() -> str:
    return "account:" + (normalise_email(request.form.get("email", "")) or "")


def _login_failures_key() -> str:
    """The trusted browser's own count (its device cookie), else the account's for the rest."""
    email = normalise_email(request.form.get("email", "")) or ""
    nonce = devices.trusted_nonce(request.cookies.get(devices.COOKIE_NAME), email)
    return f"device:{nonce}" if nonce else f"account:{email}"


def _address_failures_key() -> str:
    # Its own key, so that it never shares a count with the limit on every attempt.
    return "failures:" + get_remote_address()


def _failed_login(response) -> bool:
    return response.status_code == 401


def _current_account() -> str:
    return f"confirmation:{current_user.id}" if current_user.is_authenticated else "anonymous"


def _start_session(user: User, remember: bool) -> None:
    """A fresh session for a fresh login: nothing from before it survives."""
    session.clear()
    login_user(user, remember=remember)


def _end_session() -> None:
    """Forget the person in this browser (their other sessions were ended in the database)."""
    logout_user()
    session.clear()


def _landing(default_endpoint: str = "learning.dashboard") -> str:
    return safe_next_path(request.args.get("next")) or url_for(default_endpoint)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(
    _config_limit("REGISTRATIONS_PER_ADDRESS"),
    methods=["POST"],
    error_message=lambda: _(
        "Too many accounts were registered from your network. Try again in an hour."
    ),
)
def register():
    """Create an account with the profile the programme asks of public officials."""
    if current_user.is_authenticated:
        return redirect(_landing())
    # Until the newcomer chooses, their account keeps the language they are reading in.
    form = RegistrationForm(preferred_language=current_language())
    if form.validate_on_submit():
        try:
            operations.register(
                form.email.data,
                form.password.data,
                **{field: getattr(form, field).data for field in PROFILE_FIELDS},
            )
        except AccountError as error:
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            # The same page whether the address was new or taken: the mail tells its owner.
            message = _(
                "We have sent a message to %(email)s. Open the link in it to confirm your "
                "address, then log in. Check your spam folder if it does not arrive.",
                email=form.email.data,
            )
            return render_template("accounts/reset_sent.html", message=message)
    return form_page("accounts/register.html", form)


@bp.get("/confirm-email/<token>")
def confirm_email(token: str):
    """Confirm the account's address from the link mailed at registration."""
    found = operations.user_for_confirmation_token(token)
    if isinstance(found, LinkProblem):
        return render_template("accounts/confirm_invalid.html", problem=found.message), 400
    if operations.confirm_email(found):
        db.session.commit()
    flash(_("Your e-mail address is confirmed. You can apply to a cohort now."), "success")
    return redirect(
        url_for("learning.dashboard" if current_user.is_authenticated else "accounts.login")
    )


@bp.post("/account/confirm-email")
@login_required
@limiter.limit(
    _config_limit("CONFIRMATION_MAILS_PER_ACCOUNT"),
    key_func=_current_account,
    error_message=lambda: _("We have sent several links already. Try again in an hour."),
)
def resend_confirmation():
    """Mail the link that confirms one's address again."""
    if current_user.has_confirmed_email:
        flash(_("Your e-mail address is already confirmed."), "success")
    else:
        operations.send_confirmation(current_user)
        db.session.commit()
        flash(
            _("We have sent a new link to %(email)s.", email=current_user.email),
            "success",
        )
    return redirect(safe_next_path(request.form.get("next")) or url_for("learning.dashboard"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _config_limit("LOGIN_ATTEMPTS_PER_ADDRESS"),
    methods=["POST"],
    error_message=lambda: _(
        "Too many login attempts from your network. Wait 15 minutes, then try again."
    ),
)
@limiter.limit(
    _config_limit("LOGIN_FAILURES_PER_ADDRESS"),
    methods=["POST"],
    key_func=_address_failures_key,
    deduct_when=_failed_login,
    error_message=lambda: _(
        "Too many failed logins from your network. Wait 15 minutes, then try again."
    ),
)
@limiter.limit(
    _config_limit("LOGIN_FAILURES_PER_ACCOUNT"),
    methods=["POST"],
    key_func=_login_failures_key,
    deduct_when=_failed_login,
    error_message=lambda: _(
        "Too many failed logins for this account. Wait 15 minutes, then try again, "
        "or reset your password."
    ),
)
def login():
    """Log in with e-mail and password; this browser is then trusted (devices.py)."""
    if current_user.is_authenticated:
        return redirect(_landing())
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = operations.authenticate(form.email.data, form.password.data)
        if user is not None:
            _start_session(user, remember=form.remember.data)
            operations.record_login(user)
            db.session.commit()
            response = redirect(_landing())
            devices.remember_device(response, user)
            return response
        form.form_errors.append(_("The e-mail address or the password is wrong."))
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """Log out here and on every other device."""
    operations.log_out_everywhere(current_user)
    db.session.commit()
    _end_session()
    flash(_("You are logged out, on this device and on every other."), "success")
    return redirect(url_for("catalog.index"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(
    _config_limit("RESET_REQUESTS_PER_ADDRESS"),
    methods=["POST"],
    error_message=lambda: _("Too many reset requests from your network. Try again in an hour."),
)
@limiter.limit(
    _config_limit("RESET_REQUESTS_PER_ACCOUNT"),
    methods=["POST"],
    key_func=_email_in_form,
    error_message=lambda: _("Too many reset requests for this address. Try again in an hour."),
)
def forgot_password():
    """Ask for a password reset link; the answer is the same whether the address is known."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = operations.find_user_by_email(form.email.data)
        if user is not None and user.is_active:
            link = public_url_for(
                "accounts.reset_password", token=operations.make_reset_token(user)
            )
            # In the account's language, whatever language the request was made in.
            send_to_user_after_commit(
                user,
                _l("Choose a new password for Caring Cities"),
                "mail/reset_password.txt",
                user=user,
                link=link,
            )
            db.session.commit()
        message = _(
            "If an account uses this address, we have sent it a link to choose a new password. "
            "The link works for one hour. Check your spam folder if it does not arrive."
        )
        return render_template("accounts/reset_sent.html", message=message)
    return form_page("accounts/forgot_password.html", form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from the link in a reset e-mail (once, within the hour)."""
    found = operations.user_for_reset_token(token)
    if isinstance(found, LinkProblem):
        return render_template("accounts/reset_invalid.html", problem=found.message), 400
    form = ResetPasswordForm(user=found)
    if form.validate_on_submit():
        operations.reset_password(found, form.password.data)
        db.session.commit()
        _end_session()
        flash(_("Your password is changed, and every session is ended. Log in again."), "success")
        return redirect(url_for("accounts.login"))
    return form_page("accounts/reset_password.html", form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    """See and edit one's own profile."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        changed = operations.update_profile(
            current_user, **{field: getattr(form, field).data for field in PROFILE_FIELDS}
        )
        db.session.commit()
        flash(_("Your profile is saved.") if changed else _("Nothing was changed."), "success")
        return redirect(url_for("accounts.profile"))
    return form_page("accounts/profile.html", form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's password; every other session ends."""
    form = ChangePasswordForm(user=current_user)
    if form.validate_on_submit():
        user = current_user._get_current_object()
        operations.change_password(
            user, form.password.data, actor=user, action="account.password_changed"
        )
        db.session.commit()
        remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
        _start_session(user, remember=remembered in request.cookies)
        flash(_("Your password is changed. Every other session is ended."), "success")
        return redirect(url_for("accounts.profile"))
    return form_page("accounts/change_password.html", form)


@bp.route("/account/mail", methods=["GET", "POST"])
@login_required
def mail_settings():
    """Choose which optional mails to receive."""
    user = current_user._get_current_object()
    if request.method == "POST":
        form = MailSettingsForm()
        if not form.validate_on_submit():
            abort(400)
        changed = subscriptions.set_topics(user.id, form.wanted())
        for topic, digest in form.digests().items():
            changed = subscriptions.set_digest(user.id, topic, digest) or changed
        db.session.commit()
        flash(
            _("Your mail settings are saved.") if changed else _("Nothing was changed."), "success"
        )
        return redirect(url_for("accounts.mail_settings"))
    off = subscriptions.topics_turned_off(user.id)
    data = {topic.value: topic not in off for topic in MailTopic}
    for topic in subscriptions.DIGEST_TOPICS:
        digest = subscriptions.wants_digest(user.id, topic)
        data[f"{topic.value}_delivery"] = "digest" if digest else "each"
    form = MailSettingsForm(data=data)
    return render_template("accounts/mail_settings.html", form=form)


@bp.route("/mail/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the mail program posts without the site's cookies; the token decides
def unsubscribe(token: str):
    """Stop one kind of optional mail from the link in it, without logging in.

    GET asks (a link checker or a mail scanner that follows the link changes nothing); POST
    turns it off, from that page's button or as a mail program's one-click unsubscribe
    (body `List-Unsubscribe=One-Click`). A second POST changes nothing and says so.
    """
    found = subscriptions.read_unsubscribe_token(token)
    user = db.session.get(User, found[0]) if found else None
    if user is None or user.deleted_at is not None:
        return error_response(
            404,
            _("This link does not work"),
            _(
                "It may be incomplete (copy the whole address from the mail) or its account "
                "may be deleted. Logged in, you can choose which mails you receive in your "
                "account's mail settings."
            ),
        )
    topic = found[1]
    done = None
    if request.method == "POST":
        done = subscriptions.unsubscribe(user.id, topic)
        db.session.commit()
    # In the language the mail was written in: its reader may be logged in nowhere.
    with writing_in(language_of(user)):
        page = render_template(
            "accounts/unsubscribe.html",
            topic=topic,
            email=user.email,
            done=done,
            is_off=subscriptions.opted_out(user.id, topic),
        )
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the address
    return response


@bp.get("/account/data.json")
@login_required
def download_data():
    """Download everything stored about oneself as a JSON file."""
    body = json.dumps(personal_data(current_user), indent=2, ensure_ascii=False, default=str)
    response = make_response(body)
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="caring-cities-my-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    """Delete one's account after confirming with the password."""
    form = DeleteAccountForm(user=current_user)
    if form.validate_on_submit():
        try:
            operations.delete_account(current_user._get_current_object())
        except AccountError as error:
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            _end_session()
            flash(_("Your account is deleted. Thank you for learning with us."), "success")
            return redirect(url_for("catalog.index"))
    return form_page("accounts/delete.html", form)


@bp.post("/language")
def choose_language():
    """Switch the interface's language (the footer's buttons); a profile remembers it."""
    language = request.form.get("language", "")
    back = safe_next_path(request.form.get("next")) or url_for("catalog.index")
    if language not in LANGUAGES:
        return error_response(
            400,
            _("Unknown language"),
            _("Choose one of %(languages)s.", languages=", ".join(LANGUAGES.values())),
        )
    if current_user.is_authenticated and current_user.preferred_language != language:
        operations.update_profile(current_user._get_current_object(), preferred_language=language)
        db.session.commit()
    response = redirect(back)
    response.set_cookie(LANGUAGE_COOKIE, language, **language_cookie_options())
    return response
