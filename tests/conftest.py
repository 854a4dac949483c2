"""Shared fixtures: copies of the real project tree and real ``mkdocs build`` runs.

Tests build the product's own sources (``policy_src/``) with the real MkDocs CLI in a
subprocess, the way editors and CI do, into temporary folders.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-26"
SOURCE_DATE_EPOCH = "1764115200"
PROJECT_PARTS = ("mkdocs.yml", "docs", "theme", "policy_src")


@dataclass
class BuildResult:
    returncode: int
    output: str
    site: Path


def copy_project(target: Path) -> Path:
    """A copy of everything a site build reads, so a test may break it freely."""
    target.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        else:
            shutil.copy2(source, target / part)
    return target


def mkdocs_build(project: Path, site: Path, as_of: str = AS_OF, epoch: str = SOURCE_DATE_EPOCH,
                 extra_env: dict[str, str] | None = None) -> BuildResult:
    """Run ``mkdocs build --strict`` as editors and CI do, in its own process."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "POLICY_AS_OF": as_of,
           "SOURCE_DATE_EPOCH": epoch, **(extra_env or {})}
    process = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=project, env=env, capture_output=True, text=True, timeout=300,
    )
    return BuildResult(process.returncode, process.stdout + process.stderr, site)


def tree_digest(folder: Path) -> dict[str, str]:
    """Path → SHA-256 of every file below ``folder``: equal digests mean identical trees."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*")) if path.is_file()
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The product's own sources, built once for the session as of 2026-11-26."""
    base = tmp_path_factory.mktemp("built")
    result = mkdocs_build(REPO, base / "site")
    assert result.returncode == 0, result.output
    return result.site


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium, never a downloaded browser."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def site_url(built_site: Path):
    """The built site over real HTTP on loopback (a plain static server)."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(built_site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
