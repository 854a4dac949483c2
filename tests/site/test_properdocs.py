"""The exit from MkDocs: ProperDocs, the maintained fork of MkDocs 1.x, builds this site with
the same plugin and Material, and its output is compared with the MkDocs build file by file.

ProperDocs runs plugins and themes registered for MkDocs (``mkdocs.plugins``, ``mkdocs.themes``
entry points) and redirects their ``mkdocs.*`` imports to its own modules, so nothing in this
project changes for it. Every file must be identical, or be listed below with the reason it may
differ; a listed file that no longer differs is reported too, so the list stays true.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from testbed.site import AS_OF, REPO, SOURCE_DATE_EPOCH, tree_digest

ALLOWED_DIFFERENCES: dict[str, str] = {}
"""Site-relative path → why ProperDocs may write it differently. None so far: the theme writes
no generator tag (theme/main.html overrides Material's site_meta) and the sitemap has no dates."""


def properdocs_build(site: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "POLICY_AS_OF": AS_OF,
           "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
    return subprocess.run([sys.executable, "-m", "properdocs", "build", "--strict", "--config-file",
                           "mkdocs.yml", "--site-dir", str(site)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


def test_properdocs_builds_the_site_as_mkdocs_does(built_site: Path, tmp_path: Path) -> None:
    result = properdocs_build(tmp_path / "site")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"policy_site: as of {AS_OF}" in result.stderr, "the project's plugin ran"
    assert any((tmp_path / "site" / "assets" / "javascripts").glob("bundle.*.min.js")), "Material ran"

    mkdocs, properdocs = tree_digest(built_site), tree_digest(tmp_path / "site")
    differing = {path for path in mkdocs.keys() | properdocs.keys()
                 if mkdocs.get(path) != properdocs.get(path)}
    assert len(mkdocs) > 50, "the MkDocs build is the whole site"
    assert differing - ALLOWED_DIFFERENCES.keys() == set(), "differences nobody has explained"
    assert ALLOWED_DIFFERENCES.keys() - differing == set(), "explained differences that are gone"
