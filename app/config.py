"""Configuration: defaults < instance/config.py < environment < the mapping passed by tests."""

import os
import secrets
from pathlib import Path

from flask import Flask

ENVIRONMENT_KEYS = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "SECRET_KEY": "SECRET_KEY",
    "SESSION_COOKIE_SECURE": "SESSION_COOKIE_SECURE",
    "MAX_CONTENT_LENGTH": "MAX_CONTENT_LENGTH",
}
TRUE_WORDS = {"1", "true", "yes", "on"}


def default_config(instance_path: str) -> dict:
    """Settings that make `make run` work with nothing else on the machine."""
    database = Path(instance_path) / "caring_cities.sqlite"
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "SITE_NAME": "Caring Cities",
    }


def environment_config(environ: os._Environ | dict) -> dict:
    """The settings the environment overrides, converted to their types."""
    found = {}
    for variable, key in ENVIRONMENT_KEYS.items():
        value = environ.get(variable)
        if not value:
            continue
        if key == "SESSION_COOKIE_SECURE":
            found[key] = value.strip().lower() in TRUE_WORDS
        elif key == "MAX_CONTENT_LENGTH":
            found[key] = int(value)
        else:
            found[key] = value
    if found.get("SQLALCHEMY_DATABASE_URI", "").startswith("postgresql://"):
        # Plain postgresql:// URLs (as hosting providers give them) mean psycopg 3 here.
        url = found["SQLALCHEMY_DATABASE_URI"]
        found["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + url.removeprefix(
            "postgresql://"
        )
    return found


def instance_secret_key(instance_path: str) -> str:
    """Read the secret key kept in instance/, creating it (mode 0600) on first use."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def load_config(app: Flask, test_config: dict | None) -> None:
    """Apply every layer of configuration to the app, in order of precedence."""
    app.config.from_mapping(default_config(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(environment_config(os.environ))
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
