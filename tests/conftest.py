"""Shared fixtures: copies of the real project tree and real ``mkdocs build`` runs.

Tests build the product's own sources (``policy_src/``) with the real MkDocs CLI in a
subprocess, the way editors and CI do, into temporary folders.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from policy_site.cli import main
from testbed.site import (
    AS_OF,
    AXE,
    CHROMIUM,
    CHROMIUM_ARGS,
    IN_EFFECT_2027,
    REPO,
    copy_project,
    mkdocs_build,
    static_server,
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


@pytest.fixture
def run(project: Path, monkeypatch: pytest.MonkeyPatch):
    """Invoke the ``policy-site`` command in-process (click's runner) on a copy of the project,
    as of ``AS_OF``."""
    monkeypatch.setenv("POLICY_AS_OF", AS_OF)
    monkeypatch.chdir(project)

    def invoke(*args: str):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The product's own sources, built once for the session as of ``AS_OF``."""
    base = tmp_path_factory.mktemp("built")
    result = mkdocs_build(REPO, base / "site")
    assert result.returncode == 0, result.output
    return result.site


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium, never a downloaded browser."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, for ``page.evaluate`` (never a ``<script>``, which a page's CSP blocks)."""
    assert AXE.is_file(), "axe-core is installed by `make test` (npm ci)"
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def built_site_2027(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The product's own sources, built once for the session as of ``IN_EFFECT_2027``."""
    base = tmp_path_factory.mktemp("built-2027")
    result = mkdocs_build(REPO, base / "site", as_of=IN_EFFECT_2027)
    assert result.returncode == 0, result.output
    return result.site


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    """The built site over real HTTP on loopback."""
    with static_server(built_site) as url:
        yield url


@pytest.fixture(scope="session")
def site_url_2027(built_site_2027: Path) -> Iterator[str]:
    """The site built as of ``IN_EFFECT_2027`` over real HTTP on loopback."""
    with static_server(built_site_2027) as url:
        yield url
