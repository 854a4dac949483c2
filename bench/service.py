"""The consent service as the consent benchmarks run it: the choice they post, the app with a
ceiling endpoint beside the real one, its settings and ``flask consent``.

The ceiling (``POST /bench/ceiling``) parses the same JSON body and answers a small JSON
object, with no validation and no database: what the service's own work is compared with, in
the same app, server and run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench.profiling import PROFILE_ENV, ProfiledConsents
from testbed import REPO
from testbed.consent import CURRENT, fixture_choice, version_entry, write_site

BODY = fixture_choice(CURRENT, "custom", {"necessary": True, "statistics": True, "media": False})
"""The choice every benchmark posts: valid for :func:`fixture_site`'s version in effect."""

BENCH_APP = "bench.service:create_bench_app()"
"""gunicorn's name for :func:`create_bench_app` (``testbed.consent.Gunicorn``'s ``app``)."""


def fixture_site(work: Path) -> Path:
    """The built site the service serves in a benchmark: one version, in effect."""
    return write_site(work / "site", [version_entry(CURRENT, "current")])


def create_bench_app():
    """The consent service plus the ceiling endpoint, in one app (gunicorn entry point); with
    :data:`~bench.profiling.PROFILE_ENV` set, its appends are profiled."""
    from flask import jsonify, request

    from consent_service.app import create_app

    app = create_app()

    @app.post("/bench/ceiling")
    def ceiling():
        body = request.get_json()
        return jsonify({"ok": True, "action": body["action"]}), 201

    profile_dir = os.environ.get(PROFILE_ENV)
    if profile_dir:
        app.wsgi_app = ProfiledConsents(app.wsgi_app, Path(profile_dir))
    return app


def service_environment(database_url: str, site: Path, key_file: Path) -> dict[str, str]:
    """The service's settings for a benchmark: its database, site and key; no rate limit at all,
    so that no limiter runs on any request (one load generator is one client, and the figures in
    the README were measured so)."""
    return {
        "CONSENT_DATABASE_URL": database_url,
        "CONSENT_SITE_DIR": str(site),
        "CONSENT_LOG_KEY_FILE": str(key_file),
        "CONSENT_RATE_LIMIT": "off",
        "CONSENT_LOGIN_RATE_LIMIT": "off",
    }


def flask_consent(environment: dict[str, str], *command: str, check: bool = True
                  ) -> subprocess.CompletedProcess[str]:
    """``flask --app consent_service.app consent <command>`` with ``environment``."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "consent_service.app", "consent", *command],
        cwd=REPO,
        env={**os.environ, **environment, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=check,
    )


def init_db(environment: dict[str, str]) -> None:
    """The tables and the log's signing key, as ``flask consent init-db`` makes them."""
    done = flask_consent(environment, "init-db")
    assert "ready" in done.stdout, done.stdout + done.stderr

