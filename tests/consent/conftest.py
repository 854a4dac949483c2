"""Fixtures for the consent service: a built fixture site, a temporary database on SQLite
or on a real PostgreSQL server started here, and ``app``, ``client``, ``runner`` over them.

Tests that take ``app`` (or ``client``, ``storage``, ``database_url``) run once per database.
In CI (``CI=true``) a missing PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask.testing import FlaskClient

from consent_service.app import create_app
from consent_service.services import services
from testbed.consent import (
    ADMIN_TOKEN,
    CURRENT,
    SUPERSEDED,
    UPCOMING,
    Gunicorn,
    fixture_choice,
    http_json,
    version_entry,
    write_site,
)
from testbed.postgres import PostgresServer, PostgresUnavailable


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Superseded (no inventory), current (necessary required; statistics, media), upcoming."""
    return write_site(
        tmp_path_factory.mktemp("site"),
        [
            version_entry(SUPERSEDED, "superseded", inventory=False),
            version_entry(CURRENT, "current"),
            version_entry(UPCOMING, "upcoming"),
        ],
    )


@pytest.fixture
def make_body() -> Callable[..., dict[str, Any]]:
    """A valid choice for the current version, with any field replaced."""

    def make(kind: str = "custom", /, **fields: Any) -> dict[str, Any]:
        categories = {
            "accept_all": {"necessary": True, "statistics": True, "media": True},
            "reject_all": {"necessary": True, "statistics": False, "media": False},
            "withdraw": {"necessary": True, "statistics": False, "media": False},
            "custom": {"necessary": True, "statistics": True, "media": False},
        }[kind]
        body = fixture_choice(CURRENT, kind, categories)
        body.update(fields)
        return body

    return make


@pytest.fixture(autouse=True)
def _no_consent_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests configure the app explicitly; the shell's CONSENT_* variables must not leak in."""
    for name in list(os.environ):
        if name.startswith("CONSENT_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer().start()
    except PostgresUnavailable as error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required in CI: {error}")
        pytest.skip(f"PostgreSQL not available: {error}")
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute("CREATE DATABASE consent_test")
    yield server
    server.stop()


def reset_postgres(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a fresh SQLite file, or a fresh schema on the PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'consent.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.url("consent_test")
    reset_postgres(url)
    return url


@pytest.fixture
def app_config(database_url: str, site_dir: Path, tmp_path: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "CONSENT_DATABASE_URL": database_url,
        "CONSENT_SITE_DIR": str(site_dir),
        "CONSENT_ADMIN_TOKEN": ADMIN_TOKEN,
        "CONSENT_RATE_LIMIT": "off",
        "CONSENT_LOG_KEY_FILE": str(tmp_path / "consent-log.key"),
        "CONSENT_LOG_ORIGIN": "consent.example.test/log",
        # Tests integrate explicitly (storage.integrate_all()); gunicorn runs the thread.
        "CONSENT_SEQUENCER": "off",
    }


class BufferedClient(FlaskClient):
    """A test client that reads every response to the end and closes it (files included)."""

    def open(self, *args: Any, buffered: bool = True, **kwargs: Any) -> Any:
        return super().open(*args, buffered=buffered, **kwargs)


@pytest.fixture
def make_app(app_config: dict[str, Any]) -> Iterator[Callable[..., Any]]:
    """Create apps over the test database (schema created) with settings changed; their pools
    are closed after the test."""
    created: list[Any] = []

    def make(**changes: Any) -> Any:
        application = create_app({**app_config, **changes})
        application.test_client_class = BufferedClient
        created.append(application)
        services(application).storage.initialise(application.config["CONSENT_LOG_ORIGIN"])
        return application

    yield make
    for application in created:
        services(application).storage.dispose()


@pytest.fixture
def app(make_app: Callable[..., Any]) -> Any:
    return make_app()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def runner(app: Any) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def storage(app: Any) -> Any:
    return services(app).storage


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def start_gunicorn(app_config: dict[str, Any], app: Any, tmp_path: Path) -> Iterator[Callable[..., Gunicorn]]:
    """Start gunicorn on the same database and site as ``app`` (schema already created)."""
    servers: list[Gunicorn] = []

    def start(workers: int = 2, **extra: str) -> Gunicorn:
        environment = {key: str(value) for key, value in app_config.items() if key.startswith("CONSENT_")}
        environment["CONSENT_SEQUENCER"] = "thread"
        environment.update(extra)
        server = Gunicorn(environment, workers, tmp_path / f"gunicorn-{len(servers)}.log")
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def http() -> Callable[..., tuple[int, dict[str, str], Any]]:
    return http_json
