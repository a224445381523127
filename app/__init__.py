"""The Caring Cities course server."""

import gc
import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import load_config
from app.core.i18n import register_languages, select_language
from app.core.inputs import register_input_checks
from app.core.logging import register_logging
from app.core.types import render_migration_type
from app.extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, CLI and error pages."""
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    load_config(app, test_config)
    register_logging(app)  # first, so that its request id and timing wrap every other hook
    # Next: the `int` converter must be in place before any route, and the request checks
    # (Host, NUL characters) run before CSRF, rate limits and logins read the request.
    register_input_checks(app)

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(app.root_path, os.pardir, "migrations"),
        render_as_batch=True,
        compare_type=True,
        render_item=render_migration_type,
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_language)
    if app.config["TRUSTED_PROXIES"]:
        # Believe X-Forwarded-For (and -Proto, -Host) from this many proxies, and no more.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from app import models  # noqa: F401  (registers every model with the metadata)
    from app.accounts import bp as accounts_bp
    from app.admin import bp as admin_bp
    from app.assignments import bp as assignments_bp
    from app.authoring import bp as authoring_bp
    from app.catalog import bp as catalog_bp
    from app.catalog.translated import register_course_texts
    from app.certificates import bp as certificates_bp
    from app.core import bp as core_bp
    from app.core.assets import register_assets
    from app.core.errors import register_error_handlers
    from app.core.fragments import register_fragments
    from app.core.mail import register_mail
    from app.core.security import SignedOnceSessionInterface, register_security_headers
    from app.core.templating import register_template_filters
    from app.discussions import bp as discussions_bp
    from app.learning import bp as learning_bp
    from app.live import bp as live_bp
    from app.quizzes import bp as quizzes_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(learning_bp)
    app.register_blueprint(quizzes_bp)
    app.register_blueprint(live_bp)
    app.register_blueprint(assignments_bp)
    app.register_blueprint(discussions_bp)
    app.register_blueprint(authoring_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    register_person_records()
    register_assets(app)  # first, so that it compresses after every other after_request
    register_error_handlers(app)
    app.session_interface = SignedOnceSessionInterface()
    register_security_headers(app)
    register_template_filters(app)
    register_fragments(app)
    register_languages(app)
    register_course_texts(app)
    register_mail(app)  # the mail a request commits leaves after its response is sent

    from app.core.jobs import register_jobs

    register_jobs(app, warm_up)  # after every module that registers jobs is imported

    from app.cli import register_cli

    register_cli(app)
    check_rate_limits_in_limited_views_only(app)  # last: every view and its limits declared
    return app


def check_rate_limits_in_limited_views_only(app: Flask) -> None:
    """No look at the rate limiter for a request to a view without a limit (/healthz, a lesson).

    Flask-Limiter's hook before every request looks for limits that apply to many views at
    once (default, application-wide, meta and blueprint limits). The limits here are each
    declared on its view (login, registration, verification, posting...), and a limited view's
    decorator checks its own limits when it runs: so the hook is dropped while no limit of
    those kinds is declared. Declaring one (RATELIMIT_DEFAULT, say) keeps it, and so the limit.
    """
    manager = limiter.limit_manager
    app_wide = (
        manager.default_limits,
        manager.application_limits,
        limiter._meta_limits,
        manager._blueprint_limits,
    )
    if not any(app_wide):
        app.before_request_funcs[None].remove(limiter._check_request_limit)


def warm_up(app: Flask, before_fork: bool = False) -> None:
    """Load what the first requests would otherwise load, before any request comes.

    gunicorn.conf.py calls it in each worker once the worker has its app (or once in the
    master, before_fork, with preload_app): every interface language's catalogue and Babel's
    locale data (else the first page in Korean parses a .mo and CLDR's tables), every template
    compiled, the certificate fonts (a Hangul font takes a tenth of a second to read), and a
    first connection to the database, which a master then closes: a forked worker must not
    share its socket. The job worker (`flask worker`, which makes certificate PDFs) runs it too.
    """
    from flask_babel import force_locale, format_datetime, get_translations
    from sqlalchemy import text

    from app.certificates.pdf import warm_up as read_certificate_fonts
    from app.core.i18n import LANGUAGES
    from app.core.types import utcnow

    with app.test_request_context("/"):
        for language in LANGUAGES:
            with force_locale(language):
                get_translations()  # flask_babel keeps it per language for the process
                format_datetime(utcnow())  # Babel's locale data for the language
        for name in app.jinja_env.list_templates():
            app.jinja_env.get_template(name)
        db.session.execute(text("SELECT 1"))
        db.session.remove()
        if before_fork:
            forget_connections(app, close=True)
    read_certificate_fonts()
    # What is loaded now lives as long as the process: out of the collector's sight, a full
    # collection no longer walks the fonts (110 ms in the middle of a first PDF), and forked
    # workers keep sharing those pages.
    gc.collect()
    gc.freeze()


def forget_connections(app: Flask, close: bool = False) -> None:
    """Drop the database connections in this process's pools: in a forked worker, without
    closing them (close=False: they are the master's sockets), so it opens its own."""
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=close)


def register_person_records() -> None:
    """What each package keeps about a person, for the download and for erasure: lowest layer
    first, so the download lists them in that order and erasure goes the other way."""
    from app.assignments import people as assignments_people
    from app.catalog import people as catalog_people
    from app.certificates import people as certificates_people
    from app.core import mail as core_mail
    from app.core import subscriptions as core_subscriptions
    from app.core.events import person_records
    from app.discussions import people as discussions_people
    from app.learning import people as learning_people
    from app.live import people as live_people
    from app.quizzes import people as quizzes_people

    layers = (
        core_mail,
        core_subscriptions,
        catalog_people,
        learning_people,
        quizzes_people,
        live_people,
        assignments_people,
        discussions_people,
        certificates_people,
    )
    for part in layers:
        person_records.register(part.__name__, export=part.personal_data, erase=part.erase_person)
