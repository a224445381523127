"""Site-wide routes: the health check and the choice of language."""

from flask import jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.accounts.operations import update_profile
from app.core import bp
from app.core.errors import error_response
from app.core.i18n import LANGUAGE_COOKIE, LANGUAGES, language_cookie_options
from app.core.urls import safe_next_path
from app.extensions import db


@bp.get("/healthz")
def healthz():
    """Say whether the app can reach its database, for load balancers and monitors."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.post("/language")
def choose_language():
    """Switch the interface's language (the footer's buttons); a profile remembers it."""
    language = request.form.get("language", "")
    back = safe_next_path(request.form.get("next")) or url_for("catalog.index")
    if language not in LANGUAGES:
        return error_response(400, _("Unknown language"), _("Choose English, Español or Français."))
    if current_user.is_authenticated and current_user.preferred_language != language:
        update_profile(current_user._get_current_object(), preferred_language=language)
        db.session.commit()
    response = redirect(back)
    response.set_cookie(LANGUAGE_COOKIE, language, **language_cookie_options())
    return response
