"""The site's own stylesheets and scripts: minified from their sources by the project's esbuild
command (`npm run build:assets`), and each loaded only by the pages that use it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from policy_site.plugin import BANNER_ASSETS
from testbed.htmltext import elements
from testbed.site import AS_OF, REPO

THEME = REPO / "theme"
SOURCES = sorted(path.relative_to(THEME) for suffix in ("js", "css")
                 for path in THEME.rglob(f"*.{suffix}") if ".min." not in path.name)


def minified(source: Path) -> Path:
    return source.with_name(f"{source.stem}.min{source.suffix}")


def own_stylesheets(page: Path) -> list[str]:
    """The stylesheets a page loads from theme/ (Material's own sit under assets/), by their
    path in the site."""
    links = elements(page.read_text(encoding="utf-8"), "link")
    return [link["href"].lstrip("/").replace("../", "") for link in links
            if link.get("rel") == "stylesheet" and "assets/" not in link["href"]]


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_every_source_is_minified_exactly_as_esbuild_makes_it(tmp_path: Path) -> None:
    assert SOURCES, "theme/ has stylesheets and scripts"
    assert shutil.which("npm") and (REPO / "node_modules/.bin/esbuild").exists(), (
        "esbuild is installed by `make test` (npm ci)")
    subprocess.run(["npm", "run", "--silent", "build:assets", "--", f"--outdir={tmp_path}"],
                   cwd=REPO, check=True, capture_output=True, timeout=120)
    for source in SOURCES:
        built = tmp_path / minified(source)
        assert built.is_file(), f"`npm run build:assets` does not minify theme/{source}"
        assert built.read_bytes() == (THEME / minified(source)).read_bytes(), (
            f"theme/{minified(source)} is stale: run `npm run build:assets` and commit it")


def test_pages_load_only_minified_stylesheets(built_site: Path) -> None:
    """The banner's is published minified under the name every site loads it by."""
    published = {destination: source for source, destination in BANNER_ASSETS.items()}
    for page in html_pages(built_site):
        for name in own_stylesheets(page):
            assert published.get(name, name).endswith(".min.css"), (
                f"{page.relative_to(built_site)} loads {name}")


def test_only_the_diff_pages_load_the_diff_stylesheet(built_site: Path) -> None:
    with_diff = {str(page.relative_to(built_site)) for page in html_pages(built_site)
                 if any(name.startswith("stylesheets/diff.") for name in own_stylesheets(page))}
    diff_pages = {str(page.relative_to(built_site))
                  for page in built_site.glob("**/diff/*/index.html")}
    assert len(diff_pages) == 4, f"two comparisons in each language as of {AS_OF}"
    assert with_diff == diff_pages
