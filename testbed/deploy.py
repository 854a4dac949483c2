"""Helpers for the production set-up tests: publishing with the real command as the timer runs
it, and the deploy/ templates (systemd units, nginx) as files to read and fill in with this
machine's paths. The running stack built from them is ``testbed.production``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from testbed.site import POLICY_SITE, REPO, copy_project
from testbed.site import complete_project as fill_in_placeholders

DEPLOY = REPO / "deploy"
def complete_project(target: Path) -> Path:
    """A copy of the project with every PLACEHOLDER fact filled in, as it must be to publish."""
    project = copy_project(target)
    fill_in_placeholders(project)
    return project


def publish(project: Path, link: Path, as_of: str, *args: str) -> subprocess.CompletedProcess:
    """``policy-site publish`` as the timer runs it, as of ``as_of``."""
    env = {**os.environ, "POLICY_AS_OF": as_of, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("SOURCE_DATE_EPOCH", None)
    return subprocess.run([str(POLICY_SITE), "publish", "--site-dir", str(link), *args], cwd=project,
                          env=env, capture_output=True, text=True, timeout=300)


def layout(folder: Path) -> dict[str, str]:
    """What is beside the link: every entry's name, and where each link points."""
    return {path.name: os.readlink(path) if path.is_symlink() else ("dir" if path.is_dir() else "file")
            for path in sorted(folder.iterdir())}


def copy_layout(source: Path, target: Path) -> Path:
    """A copy of a publish folder (links stay links), for a test that changes it."""
    shutil.copytree(source, target, symlinks=True)
    return target


def request_json(method: str, url: str, body: object = None) -> tuple[int, object]:
    """A plain HTTP request; the status and the JSON answer."""
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


# --- the deploy/ files, read and filled in with this machine's paths --------------------------

UNITS = DEPLOY / "systemd"
NGINX_TEMPLATES = ("policy-site.conf", "policy-site-headers.conf", "policy-site-proxy.conf")
INSTALL_ROOT = "/opt/policy-site"
"""Where the guide checks the project out; the units name its .venv/bin programs."""
NGINX_USER = "www-data"


def render(text: str, substitutions: dict[str, str]) -> str:
    """``text`` with each key replaced; a key that is not there is a template that drifted."""
    for old, new in substitutions.items():
        assert old in text, f"the template no longer contains {old!r}"
        text = text.replace(old, new)
    return text


def unit_settings(unit: Path) -> dict[str, list[str]]:
    """A unit file's settings, each key with every value it is given."""
    settings: dict[str, list[str]] = {}
    for line in unit.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings
