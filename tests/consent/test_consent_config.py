"""Settings: defaults, environment variables, and messages a user can act on."""

from __future__ import annotations

from pathlib import Path

import pytest

from consent_service.app import create_app
from consent_service.config import SETTINGS, ConfigError, load_settings


def load(tmp_path: Path, **environ: str) -> dict:
    return load_settings(environ, {}, tmp_path / "instance")


def test_defaults_need_no_set_up(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load(tmp_path)
    assert settings["CONSENT_DATABASE_URL"] == f"sqlite:///{tmp_path / 'instance' / 'consent.sqlite3'}"
    assert (tmp_path / "instance").is_dir()
    assert settings["CONSENT_ADMIN_TOKEN"] is None
    assert settings["CONSENT_ALLOWED_ORIGINS"] == ()
    assert settings["CONSENT_SITE_DIR"] == str(tmp_path / "site")
    assert settings["CONSENT_RETENTION_DAYS"] == 1095
    assert settings["CONSENT_RATE_LIMIT"] == "30/minute"
    assert settings["CONSENT_RATE_LIMIT_STORAGE"] == "memory://"
    assert settings["CONSENT_LOGIN_RATE_LIMIT"] == "10/minute"
    assert settings["CONSENT_TIMEZONE"] == "Europe/Stockholm"
    assert settings["CONSENT_PROXY_HOPS"] == 0


def test_values_come_from_the_environment(tmp_path):
    settings = load(
        tmp_path,
        CONSENT_DATABASE_URL="postgresql://consent@db.internal:5433/consent",
        CONSENT_ADMIN_TOKEN="0123456789abcdef0123",
        CONSENT_ALLOWED_ORIGINS="https://Example.se, https://www.example.se:8443",
        CONSENT_RETENTION_DAYS="400",
        CONSENT_RATE_LIMIT="off",
        CONSENT_LOGIN_RATE_LIMIT="5/minute;20/hour",
        CONSENT_TIMEZONE="UTC",
        CONSENT_PROXY_HOPS="1",
    )
    assert settings["CONSENT_DATABASE_URL"] == "postgresql+psycopg://consent@db.internal:5433/consent"
    assert settings["CONSENT_ADMIN_TOKEN"] == "0123456789abcdef0123"
    assert settings["CONSENT_ALLOWED_ORIGINS"] == ("https://example.se", "https://www.example.se:8443")
    assert settings["CONSENT_RETENTION_DAYS"] == 400
    assert settings["CONSENT_RATE_LIMIT"] is None
    assert settings["CONSENT_LOGIN_RATE_LIMIT"] == "5/minute;20/hour", "independent of the other"
    assert settings["CONSENT_PROXY_HOPS"] == 1


def test_a_relative_sqlite_path_is_resolved_from_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load(tmp_path, CONSENT_DATABASE_URL="sqlite:///data.sqlite3")
    assert settings["CONSENT_DATABASE_URL"] == f"sqlite:///{tmp_path / 'data.sqlite3'}"


@pytest.mark.parametrize(
    ("name", "value", "hint"),
    [
        ("CONSENT_DATABASE_URL", "mysql://root@localhost/consent", "postgresql://"),
        ("CONSENT_DATABASE_URL", "not a url", "sqlite:///"),
        ("CONSENT_DATABASE_URL", "sqlite://", "in-memory"),
        ("CONSENT_DATABASE_URL", "sqlite:////no/such/dir/consent.sqlite3", "does not exist"),
        ("CONSENT_DATABASE_URL", "postgresql+psycopg2://u@h/db", "psycopg 3"),
        ("CONSENT_DATABASE_URL", "postgresql://u@h", "names no database"),
        ("CONSENT_ADMIN_TOKEN", "short", "at least 16"),
        ("CONSENT_ALLOWED_ORIGINS", "example.se", "not an origin"),
        ("CONSENT_ALLOWED_ORIGINS", "https://example.se/path", "not an origin"),
        ("CONSENT_RETENTION_DAYS", "three years", "whole number of days"),
        ("CONSENT_RETENTION_DAYS", "0", "between 1 and"),
        ("CONSENT_RATE_LIMIT", "lots", "30/minute"),
        ("CONSENT_RATE_LIMIT_STORAGE", "redis", "memory://"),
        ("CONSENT_LOGIN_RATE_LIMIT", "ten a minute", "10/minute"),
        ("CONSENT_LOGIN_RATE_LIMIT", "", "or off"),
        ("CONSENT_TIMEZONE", "Mars/Olympus", "IANA"),
        ("CONSENT_PROXY_HOPS", "-1", "reverse proxies"),
    ],
)
def test_an_invalid_value_names_the_variable_and_what_is_expected(tmp_path, name, value, hint):
    with pytest.raises(ConfigError) as error:
        load(tmp_path, **{name: value})
    assert name in str(error.value)
    assert hint in str(error.value)


def test_the_database_password_is_not_repeated_in_messages(tmp_path):
    with pytest.raises(ConfigError) as error:
        load(tmp_path, CONSENT_DATABASE_URL="mysql://root:hunter2-secret@localhost/consent")
    assert "hunter2-secret" not in str(error.value)


def test_the_admin_token_is_not_repeated_in_messages(tmp_path):
    with pytest.raises(ConfigError) as error:
        load(tmp_path, CONSENT_ADMIN_TOKEN="tooshort-x")
    assert "tooshort-x" not in str(error.value)


def test_create_app_reads_the_environment_and_validates_it(monkeypatch, site_dir, tmp_path):
    monkeypatch.setenv("CONSENT_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    monkeypatch.setenv("CONSENT_SITE_DIR", str(site_dir))
    monkeypatch.setenv("CONSENT_RETENTION_DAYS", "30")
    app = create_app()
    assert app.config["CONSENT_RETENTION_DAYS"] == 30
    monkeypatch.setenv("CONSENT_RETENTION_DAYS", "-5")
    with pytest.raises(ConfigError, match="CONSENT_RETENTION_DAYS"):
        create_app()


def test_the_mapping_given_to_create_app_overrides_the_environment(monkeypatch, site_dir, tmp_path):
    monkeypatch.setenv("CONSENT_RETENTION_DAYS", "30")
    app = create_app(
        {
            "CONSENT_RETENTION_DAYS": 60,
            "CONSENT_DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite3'}",
            "CONSENT_SITE_DIR": str(site_dir),
        }
    )
    assert app.config["CONSENT_RETENTION_DAYS"] == 60


def test_every_setting_has_help_text():
    for setting in SETTINGS:
        assert setting.name.startswith("CONSENT_")
        assert len(setting.help) > 20


def test_a_site_dir_that_is_a_link_stays_a_link(tmp_path, monkeypatch):
    """`policy-site publish` serves the site through a link it swaps; resolving the link once at
    start would pin the service to the build that was current then."""
    (tmp_path / "site.20261201T000500Z").mkdir()
    (tmp_path / "site").symlink_to("site.20261201T000500Z")
    monkeypatch.chdir(tmp_path)
    assert load(tmp_path, CONSENT_SITE_DIR="site")["CONSENT_SITE_DIR"] == str(tmp_path / "site")
    assert load(tmp_path, CONSENT_SITE_DIR="./x/../site")["CONSENT_SITE_DIR"] == str(tmp_path / "site")
