"""Configuration precedence and the secret key kept in instance/."""

import stat

from app import create_app
from app.config import environment_config


def test_defaults_use_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/caring_cities.sqlite"
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_instance_config_overrides_defaults_and_environment_overrides_both(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (tmp_path / "config.py").write_text(
        'SQLALCHEMY_DATABASE_URI = "sqlite:///from-instance.sqlite"\n'
        'SITE_NAME = "Instance Name"\nSECRET_KEY = "from-instance"\n'
    )
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///from-instance.sqlite"
    assert app.config["SITE_NAME"] == "Instance Name"
    assert app.config["SECRET_KEY"] == "from-instance"

    monkeypatch.setenv("DATABASE_URL", "sqlite:///from-environment.sqlite")
    monkeypatch.setenv("SECRET_KEY", "from-environment")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///from-environment.sqlite"
    assert app.config["SECRET_KEY"] == "from-environment"
    assert app.config["SITE_NAME"] == "Instance Name"

    app = create_app({"SECRET_KEY": "from-test"}, instance_path=str(tmp_path))
    assert app.config["SECRET_KEY"] == "from-test"


def test_environment_values_get_their_types():
    found = environment_config(
        {
            "DATABASE_URL": "postgresql://u@db.example/prod",
            "SESSION_COOKIE_SECURE": "true",
            "MAX_CONTENT_LENGTH": "1024",
            "UNRELATED": "x",
        }
    )
    assert found == {
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@db.example/prod",
        "SESSION_COOKIE_SECURE": True,
        "MAX_CONTENT_LENGTH": 1024,
    }
    assert environment_config({"SESSION_COOKIE_SECURE": "no"}) == {"SESSION_COOKIE_SECURE": False}


def test_secret_key_is_generated_once_with_private_permissions(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app(instance_path=str(tmp_path)).config["SECRET_KEY"]
    key_file = tmp_path / "secret_key"
    assert key_file.read_text() == first
    assert len(first) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert create_app(instance_path=str(tmp_path)).config["SECRET_KEY"] == first
    other = tmp_path / "other"
    assert create_app(instance_path=str(other)).config["SECRET_KEY"] != first
