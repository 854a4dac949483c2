"""The consent service's fixture site, request bodies, a real gunicorn server and a tiny HTTP
client, for the tests and the benchmarks."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from consent_service.choice import Choice
from consent_service.storage import Storage
from testbed import REPO, free_port
from testbed.choice import choice_body, policy_ref

ADMIN_TOKEN = "test-admin-token-0123456789abcdef"

SUPERSEDED = "2025-01-01"
CURRENT = "2026-03-01"
TODAY = dt.date.today()
UPCOMING = (TODAY + dt.timedelta(days=60)).isoformat()
CATEGORIES = ("necessary", "statistics", "media")
REQUIRED = ("necessary",)


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def policy_hash(version: str, language: str) -> str:
    return sha256_of(f"policy {version} {language}")


def shown_hash(version: str, language: str) -> str:
    return sha256_of(f"shown text {version} {language}")


def inventory_hash(version: str) -> str:
    return sha256_of(f"inventory {version}")


def version_entry(version: str, status: str, *, inventory: bool = True) -> dict[str, Any]:
    prefix = {"sv": "", "en": "/en"}
    return {
        "id": version,
        "effective": version,
        "published": version,
        "change_type": "material",
        "status": status,
        "languages": {
            language: {
                "url": f"{prefix[language]}/versions/{version}/",
                "title": f"Policy {version}",
                "summary": "",
                "sha256": policy_hash(version, language),
                "text_sha256": shown_hash(version, language),
                "text_url": f"/versions/{version}/{language}.shown.md",
            }
            for language in ("sv", "en")
        },
        "inventory": {
            "sha256": inventory_hash(version),
            "categories": list(CATEGORIES),
            "required": list(REQUIRED),
        }
        if inventory
        else None,
    }


def fixture_policy(version: str, language: str = "sv") -> dict[str, str]:
    """The policy reference of ``version`` on the fixture site (see ``version_entry``)."""
    return policy_ref(version_entry(version, "current"), language)


def fixture_choice(version: str = CURRENT, action: str = "accept_all",
                   categories: dict[str, bool] | None = None, language: str = "sv") -> dict[str, Any]:
    """A valid choice on ``version`` of the fixture site, as the banner posts it."""
    return choice_body(version_entry(version, "current"), language, action, categories)


def write_site(root: Path, versions: list[dict[str, Any]], current: str = CURRENT,
               as_of: dt.date = TODAY) -> Path:
    """A small built site as of ``as_of``: pages, 404, Material-like stylesheet, versions.json."""
    files = {
        "index.html": "<!doctype html><title>Integritetspolicy</title><h1>Hem</h1>",
        "en/index.html": "<!doctype html><title>Privacy policy</title><h1>Home</h1>",
        "404.html": "<!doctype html><title>Hittades inte</title><h1>Sidan finns inte</h1>",
        "assets/stylesheets/main.0123abcd.min.css": "body{color:#222}",
        "assets/stylesheets/palette.4567ef01.min.css": ":root{}",
        "assets/images/favicon.png": "png",
        ".secret": "not for the web",
        "robots.txt": "User-agent: *\n",
    }
    for version in versions:
        files[f"versions/{version['id']}/index.html"] = f"<h1>Version {version['id']}</h1>"
        files[f"en/versions/{version['id']}/index.html"] = f"<h1>Version {version['id']} en</h1>"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    document = {"as_of": as_of.isoformat(), "current": current, "versions": versions}
    (root / "versions.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    return root


class Gunicorn:
    """A real gunicorn server on 127.0.0.1, as deployed (its config module, sync workers unless
    ``threads`` > 1), running ``app``: the service, or a benchmark's app around it. Ready when
    ``/api/v1/health`` answers 200."""

    def __init__(self, environment: dict[str, str], workers: int, log_path: Path, *,
                 app: str = "consent_service.app:create_app()", threads: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = log_path.open("wb")
        env = {**os.environ, **environment, "PYTHONPATH": str(REPO)}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                str(workers),
                "--threads",
                str(threads),
                "--graceful-timeout",
                "2",
                "--no-control-socket",
                "--config",
                "python:consent_service.gunicorn_config",
                app,
            ],
            cwd=REPO,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/health", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not become ready: {self.log_path.read_text()[-2000:]}")

    def kill_hard(self) -> None:
        """SIGKILL the whole server, master and workers, as a crash would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill_hard()
        else:
            # The master may be gone while its workers linger; end the whole group.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self._log.close()


def http_json(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    """A plain HTTP request with urllib; returns status, headers and parsed JSON."""
    data = json.dumps(body).encode("utf-8") if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or b"null")


def http_text(url: str) -> str:
    """The body of a plain GET that must answer 200 (the log's text/plain endpoints)."""
    with urllib.request.urlopen(url, timeout=60) as response:
        assert response.status == 200, url
        return response.read().decode("utf-8")


def as_choice(body: dict) -> Choice:
    """The storage layer's ``Choice`` for a request body, as the API builds it."""
    return Choice(
        action=body["action"],
        categories=body["categories"],
        policy_version=body["policy"]["version"],
        policy_language=body["policy"]["language"],
        policy_sha256=body["policy"]["sha256"],
        policy_text_sha256=body["policy"]["text_sha256"],
        inventory=body["inventory"],
        source=body["source"],
        required=frozenset(REQUIRED),
    )


def clocked_storage(app: Any, moment: dt.datetime) -> Storage:
    """A second Storage on ``app``'s database and log key whose clock stands at ``moment``: records
    it appends are made then (close it with ``dispose``)."""
    return Storage(app.config["CONSENT_DATABASE_URL"], key_file=app.config["CONSENT_LOG_KEY_FILE"],
                   clock=lambda: moment)
