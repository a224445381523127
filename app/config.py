"""Configuration: defaults < instance/config.py < environment < the mapping passed by tests."""

import importlib.util
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask

TRUE_WORDS = {"1", "true", "yes", "on"}
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def _flag(value: str) -> bool:
    return value.strip().lower() in TRUE_WORDS


def _names(value: str) -> list[str]:
    """`courses.example.org, .example.org` -> ["courses.example.org", ".example.org"]."""
    return [name.strip().lower() for name in value.split(",") if name.strip()]


# Environment variable -> (config key, conversion). Everything else comes from instance/config.py.
ENVIRONMENT_KEYS = {
    "DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "SECRET_KEY": ("SECRET_KEY", str),
    "SESSION_COOKIE_SECURE": ("SESSION_COOKIE_SECURE", _flag),
    "MAX_CONTENT_LENGTH": ("MAX_CONTENT_LENGTH", int),
    "RATELIMIT_STORAGE_URI": ("RATELIMIT_STORAGE_URI", str),
    "REDIS_URL": ("REDIS_URL", str),
    "JOBS_DATABASE": ("JOBS_DATABASE", str),
    "JOBS_QUEUE_NAME": ("JOBS_QUEUE_NAME", str),
    "HTTPS": ("HTTPS", _flag),
    "DATABASE_POOL_SIZE": ("DATABASE_POOL_SIZE", int),
    "DATABASE_MAX_OVERFLOW": ("DATABASE_MAX_OVERFLOW", int),
    "DATABASE_POOL_RECYCLE": ("DATABASE_POOL_RECYCLE", int),
    "DATABASE_POOL_TIMEOUT": ("DATABASE_POOL_TIMEOUT", int),
    "LOG_FORMAT": ("LOG_FORMAT", str.lower),
    "LOG_LEVEL": ("LOG_LEVEL", str.upper),
    "TRUSTED_PROXIES": ("TRUSTED_PROXIES", int),
    "MAIL_SERVER": ("MAIL_SERVER", str),
    "MAIL_PORT": ("MAIL_PORT", int),
    "MAIL_USERNAME": ("MAIL_USERNAME", str),
    "MAIL_PASSWORD": ("MAIL_PASSWORD", str),
    "MAIL_USE_TLS": ("MAIL_USE_TLS", _flag),
    "MAIL_USE_SSL": ("MAIL_USE_SSL", _flag),
    "MAIL_DEFAULT_SENDER": ("MAIL_DEFAULT_SENDER", str),
    "PUBLIC_URL": ("PUBLIC_URL", str),
    "TRUSTED_HOSTS": ("TRUSTED_HOSTS", _names),
    "CERTIFICATE_SIGNING_KEY": ("CERTIFICATE_SIGNING_KEY", str),
}


def default_config(instance_path: str) -> dict:
    """Settings that make `make run` work with nothing else on the machine."""
    database = Path(instance_path) / "caring_cities.sqlite"
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        # Engine options; with a server database (PostgreSQL) the pool settings below are
        # added to them in load_config. SQLite has no server to lose a connection to.
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        # Per process: a sync gunicorn worker uses one connection at a time, so these are caps.
        "DATABASE_POOL_SIZE": 5,
        "DATABASE_MAX_OVERFLOW": 10,
        "DATABASE_POOL_RECYCLE": 1800,  # seconds: below the idle timeouts of proxies and firewalls
        "DATABASE_POOL_TIMEOUT": 30,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        # Lesson images uploaded in the browser: where they are kept, and their largest size.
        "UPLOAD_FOLDER": str(Path(instance_path) / "uploads"),
        "UPLOAD_MAX_BYTES": 5 * 1024 * 1024,
        "UPLOADS_PER_PAGE": 50,
        "REVISIONS_PER_PAGE": 50,
        "PROGRESS_PER_PAGE": 100,
        "WTF_CSRF_TIME_LIMIT": None,
        "SITE_NAME": "Caring Cities",
        # Accounts: scrypt is memory-hard; werkzeug's default cost (N=2^15, r=8, p=1).
        "PASSWORD_HASH_METHOD": "scrypt",
        "PASSWORD_RESET_MAX_AGE": 60 * 60,
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Rate limits: memory by default; set RATELIMIT_STORAGE_URI=redis://... with several
        # processes. TRUSTED_PROXIES is how many proxies' X-Forwarded-For to believe (0: none).
        "RATELIMIT_STORAGE_URI": "memory://",
        # One Redis for everything shared between processes: rate-limit counts (unless
        # RATELIMIT_STORAGE_URI is set on its own), and /readyz checks that it answers.
        "REDIS_URL": None,
        "RATELIMIT_HEADERS_ENABLED": True,
        "TRUSTED_PROXIES": 0,
        # Served over HTTPS (behind a proxy that ends TLS): Secure cookies, https URLs, HSTS.
        "HTTPS": False,
        # Logs: "text" (Flask's usual lines) or "json" (one object per line on stderr, with the
        # request id). gunicorn.conf.py makes json the default under gunicorn.
        "LOG_FORMAT": "text",
        "LOG_LEVEL": "INFO",
        # Failed logins per account from browsers it was never used in, and per trusted browser
        # (the device cookie a successful login leaves): a stranger cannot lock the owner out.
        "LOGIN_FAILURES_PER_ACCOUNT": "10 per 15 minutes",
        "DEVICE_COOKIE_MAX_AGE": 365 * 24 * 60 * 60,
        # Per network address: strict for failures, generous for everyone (a city hall's staff
        # behind one NAT address logging in just before a live session).
        "LOGIN_FAILURES_PER_ADDRESS": "30 per 15 minutes",
        "LOGIN_ATTEMPTS_PER_ADDRESS": "600 per 15 minutes",
        "EMAIL_CONFIRMATION_MAX_AGE": 7 * 24 * 60 * 60,
        "CONFIRMATION_MAILS_PER_ACCOUNT": "3 per hour",
        "REGISTRATIONS_PER_ADDRESS": "10 per hour",
        "RESET_REQUESTS_PER_ACCOUNT": "5 per hour",
        "RESET_REQUESTS_PER_ADDRESS": "20 per hour",
        # Mail: without MAIL_SERVER, messages are written to instance/outbox/ as .eml files.
        "MAIL_SERVER": None,
        "MAIL_PORT": 587,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_USE_TLS": True,
        "MAIL_USE_SSL": False,
        "MAIL_TIMEOUT": 10,
        "MAIL_DEFAULT_SENDER": "Caring Cities <no-reply@localhost>",
        # A message whose sending fails is tried again after each of these delays (seconds: a
        # minute, five, half an hour, two hours, six), then left "failed" for an admin.
        "MAIL_RETRY_DELAYS": (60, 300, 1800, 7200, 21600),
        # The job queue (app/core/jobs.py): on Redis when REDIS_URL is set, else in this SQLite
        # file (default: instance/jobs.sqlite3). JOBS_IMMEDIATE runs each job when it is queued,
        # in the process (the tests).
        "JOBS_DATABASE": None,
        "JOBS_IMMEDIATE": False,
        "JOBS_QUEUE_NAME": "caring-cities",  # several sites on one Redis: one name each
        # A message claimed by a worker longer ago than this (seconds) is taken to be a dead
        # worker's, and sent again.
        "MAIL_CLAIM_LEASE": 300,
        "APPLICATIONS_PER_PAGE": 50,
        "AUDIT_EVENTS_PER_PAGE": 50,
        "MAIL_PER_PAGE": 50,
        "USERS_PER_PAGE": 50,
        "ATTENDANCE_PER_PAGE": 100,
        # Certificates. PUBLIC_URL is printed on them and in their signed credentials, so it must
        # be the address people will reach the server at for years (no trailing slash).
        "PUBLIC_URL": "http://127.0.0.1:5000",
        # The Host names the site answers to (Flask refuses others with a 400); None: any.
        # In production (HTTPS on) it defaults to PUBLIC_URL's host: see load_config.
        "TRUSTED_HOSTS": None,
        # The Ed25519 key that signs credentials: a PEM in CERTIFICATE_SIGNING_KEY, or else the
        # newest key in this folder (made on first use, mode 0600; see `flask certificates`).
        "CERTIFICATE_SIGNING_KEY": None,
        "CERTIFICATE_KEY_FOLDER": str(Path(instance_path) / "certificate-keys"),
        "CERTIFICATES_PER_PAGE": 50,
        "CERTIFICATE_ZIP_LIMIT": 1000,  # certificates in one ZIP download at most
        "VERIFICATIONS_PER_ADDRESS": "30 per minute",  # the lookup and the page
        # /verify/<serial>.json, its own allowance: an HR system checking a few hundred
        # certificates an hour, in bursts (docs/credentials.md, "The verification API").
        "VERIFICATION_API_PER_ADDRESS": "60 per minute; 600 per hour",
        # Discussions (docs/discussions.md): how long an author may correct a post, the lists'
        # pages, and how many posts (and reports) one person may send in a short time.
        "DISCUSSION_EDIT_MINUTES": 30,
        "DISCUSSION_THREADS_PER_PAGE": 30,
        "DISCUSSION_POSTS_PER_PAGE": 30,
        "DISCUSSION_REPORTS_PER_PAGE": 50,
        "DISCUSSION_POSTS_PER_PERSON": "5 per minute; 60 per day",
    }


def environment_config(environ: os._Environ | dict) -> dict:
    """The settings the environment overrides, converted to their types."""
    found = {}
    for variable, (key, convert) in ENVIRONMENT_KEYS.items():
        value = environ.get(variable)
        if value:
            found[key] = convert(value)
    url = found.get("SQLALCHEMY_DATABASE_URI", "")
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            # Plain postgresql:// and postgres:// URLs (as hosting providers give them) mean
            # psycopg 3 here.
            found["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + url.removeprefix(scheme)
    return found


def engine_options(config) -> dict:
    """The engine options for the configured database: a checked, bounded pool on a server.

    SQLite (a file, or memory) gets only what was set explicitly: its pool is per file and
    there is no server connection to go stale. Options set explicitly win over these.
    """
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if str(config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        return options
    options.setdefault("pool_pre_ping", True)  # a connection the server dropped is replaced
    options.setdefault("pool_size", config["DATABASE_POOL_SIZE"])
    options.setdefault("max_overflow", config["DATABASE_MAX_OVERFLOW"])
    options.setdefault("pool_recycle", config["DATABASE_POOL_RECYCLE"])
    options.setdefault("pool_timeout", config["DATABASE_POOL_TIMEOUT"])
    return options


def instance_secret_key(instance_path: str) -> str:
    """Read the secret key kept in instance/, creating it (mode 0600) on first use."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def check_public_url(url: str) -> None:
    """Refuse to serve in production (HTTPS on) without the site's real https:// address.

    Mails, certificates and calendars carry links built from PUBLIC_URL: left at the
    development default they would send people to 127.0.0.1.
    """
    parts = urlsplit(url)
    if parts.scheme != "https" or parts.hostname in (None, *LOOPBACK_NAMES):
        raise RuntimeError(
            f"HTTPS is on but PUBLIC_URL is {url!r}: set PUBLIC_URL to the https:// address "
            "people reach the site at, e.g. https://courses.example.org (docs/deploy.md)"
        )


# The optional extras (pyproject.toml): a single node on SQLite installs neither package.
# Address schemes starting with these need the package: redis://, rediss://, redis+sentinel://.
OPTIONAL_DRIVERS = {
    "postgresql+psycopg": ("psycopg", "postgres", "DATABASE_URL is a PostgreSQL address"),
    "redis": ("redis", "redis", "Redis is configured (REDIS_URL or RATELIMIT_STORAGE_URI)"),
}


def check_optional_drivers(config) -> None:
    """Refuse, with the command that fixes it, an address whose optional package is missing."""
    addresses = ("SQLALCHEMY_DATABASE_URI", "REDIS_URL", "RATELIMIT_STORAGE_URI")
    schemes = [urlsplit(str(config.get(key) or "")).scheme for key in addresses]
    for prefix, (module, extra, what) in OPTIONAL_DRIVERS.items():
        needed = any(scheme.startswith(prefix) for scheme in schemes)
        if needed and importlib.util.find_spec(module) is None:
            raise RuntimeError(
                f"{what}, but the {module} package is not installed: install the production "
                f"lock (pip install --require-hashes -r requirements/production.txt) or "
                f"pip install '.[{extra}]' (docs/deploy.md)"
            )


def load_config(app: Flask, test_config: dict | None) -> None:
    """Apply every layer of configuration to the app, in order of precedence."""
    app.config.from_mapping(default_config(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(environment_config(os.environ))
    if test_config:
        app.config.from_mapping(test_config)
    config = app.config
    if config["HTTPS"]:
        config["SESSION_COOKIE_SECURE"] = True
        config["PREFERRED_URL_SCHEME"] = "https"
        check_public_url(config["PUBLIC_URL"])
        if config["TRUSTED_HOSTS"] is None:
            config["TRUSTED_HOSTS"] = [urlsplit(config["PUBLIC_URL"]).hostname]
    # The remember-me cookie is as secure as the session cookie it stands in for.
    config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"]
    if config["REDIS_URL"] and config["RATELIMIT_STORAGE_URI"] == "memory://":
        config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"]
    config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(config)
    check_optional_drivers(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
