"""What search engines read: a description of every page in its own language."""

from __future__ import annotations

from pathlib import Path

import yaml
from htmltext import elements
from site_testing import REPO, mkdocs_build

from policy_site.i18n import long_date
from policy_site.sources import split_front_matter

LANGUAGES = {"sv": "", "en": "en/"}


def html_pages(site: Path) -> list[Path]:
    """Every page of the site (the 404 page is a theme template, not a page)."""
    return sorted(site.rglob("index.html"))


def description(page: Path) -> str:
    found = [meta.get("content", "") for meta in elements(page.read_text(encoding="utf-8"), "meta")
             if meta.get("name") == "description"]
    assert len(found) == 1, f"{page}: {len(found)} descriptions"
    return found[0]


def front_matter(version: str, lang: str) -> dict:
    raw = (REPO / "policy_src" / "versions" / version / f"{lang}.md").read_bytes()
    parsed = split_front_matter(raw)
    assert parsed is not None
    return yaml.safe_load(parsed[0])


def test_every_page_has_its_own_description_in_its_own_language(built_site: Path) -> None:
    pages = html_pages(built_site)
    assert len(pages) == 20, "ten pages in each language on 2026-11-26"
    seen: dict[str, Path] = {}
    for page in pages:
        text = description(page)
        assert text.strip(), f"{page}: empty description"
        assert text not in seen, f"{page} and {seen.get(text)} share a description"
        seen[text] = page
        relative = page.relative_to(built_site)
        if relative.parts[0] != "en":
            counterpart = built_site / "en" / relative
            assert description(counterpart) != text, f"{relative}: the same in both languages"


def test_a_version_page_is_described_by_its_date_and_summary(built_site: Path) -> None:
    for version in ("2018-05-25", "2026-11-01", "2027-01-01"):
        for lang, prefix in LANGUAGES.items():
            text = description(built_site / f"{prefix}versions/{version}/index.html")
            meta = front_matter(version, lang)
            assert long_date(meta["effective"], lang) in text
            assert " ".join(meta["summary"].split()) in text


def test_a_diff_page_is_described_by_the_two_versions_it_compares(built_site: Path) -> None:
    text = description(built_site / "en/diff/2018-05-25..2026-11-01/index.html")
    assert "25 May 2018" in text and "1 November 2026" in text
    text = description(built_site / "diff/2018-05-25..2026-11-01/index.html")
    assert "25 maj 2018" in text and "1 november 2026" in text


def test_a_description_is_written_into_the_page_exactly_as_given(project: Path, tmp_path: Path) -> None:
    about = project / "docs/about.md"
    given = 'Om "webbplatsen" & <policyn>'
    text = about.read_text(encoding="utf-8")
    start = text.index("description: ")
    end = text.index("\n", start)
    about.write_text(f"{text[:start]}description: '{given}'{text[end:]}", encoding="utf-8")
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 0, result.output
    assert description(result.site / "about/index.html") == given


def test_a_hand_written_page_without_a_description_is_refused(project: Path, tmp_path: Path) -> None:
    about = project / "docs/en/about.md"
    lines = about.read_text(encoding="utf-8").splitlines(keepends=True)
    about.write_text("".join(line for line in lines if not line.startswith("description:")),
                     encoding="utf-8")
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode != 0
    assert "docs/en/about.md: no 'description' in the front matter" in result.output, result.output
