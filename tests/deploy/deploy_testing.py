"""Helpers for the production set-up tests: publishing with the real command, the deploy/
templates with this machine's paths, and gunicorn on a Unix socket as the unit runs it.

A module of its own (not conftest.py) so test files can import it by a name no other test
folder uses.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from site_testing import REPO, copy_project

DEPLOY = REPO / "deploy"
FAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
POLICY_SITE = Path(sys.executable).with_name("policy-site")


def complete_project(target: Path) -> Path:
    """A copy of the project with every PLACEHOLDER fact filled in, as it must be to publish."""
    project = copy_project(target)
    policy = project / "policy_src" / "policy.yml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("PLACEHOLDER", "Exempel"),
                      encoding="utf-8")
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


def faketime_env(moment: str) -> dict[str, str]:
    """Make a server believe it is ``moment`` (``YYYY-MM-DD HH:MM:SS``), its clock running on."""
    assert FAKETIME.is_file(), "faketime is missing: `make test` installs the Debian package"
    return {"LD_PRELOAD": str(FAKETIME), "FAKETIME": f"@{moment}"}


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over a Unix socket, as nginx talks to gunicorn."""

    def __init__(self, path: Path) -> None:
        super().__init__("localhost", timeout=10)
        self.path = str(path)

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(self.path)


def wait_for_unix_http(path: Path, process: subprocess.Popen, log: Path, url: str = "/api/v1/health",
                       timeout: float = 60) -> None:
    """Until ``url`` answers 200 on the socket at ``path``; fails with the log if the server dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        if path.exists():
            connection = UnixHTTPConnection(path)
            try:
                connection.request("GET", url)
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                connection.close()
        time.sleep(0.1)
    raise AssertionError(f"nothing answered on {path}: {log.read_text(errors='replace')[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    """End a server this test started: politely, then for sure."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def choice_for(site: Path, version: str, lang: str = "sv") -> dict:
    """An "Accept all" for ``version`` exactly as the banner posts it, from the site's manifest."""
    manifest = json.loads((site / "versions.json").read_text(encoding="utf-8"))
    entry = next(v for v in manifest["versions"] if v["id"] == version)
    return {
        "action": "accept_all",
        "categories": dict.fromkeys(entry["inventory"]["categories"], True),
        "policy": {"version": version, "language": lang, "sha256": entry["languages"][lang]["sha256"]},
        "inventory": entry["inventory"]["sha256"],
        "source": "banner",
    }


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
