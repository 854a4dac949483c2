"""What search engines read: a description of every page in its own language, canonical
addresses, the hreflang alternates in the sitemap, and which pages ask not to be indexed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from policy_site.i18n import long_date
from policy_site.sources import split_front_matter
from testbed.htmltext import elements
from testbed.site import AS_OF, REPO, copy_project, mkdocs_build

LANGUAGES = {"sv": "", "en": "en/"}
PUBLIC = "https://integritet.example.se/"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
NOT_INDEXED = {"demo/index.html", "en/demo/index.html", "404.html"}


@pytest.fixture(scope="module")
def published_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The product's sources with the site's public address filled in, as at launch."""
    project = copy_project(tmp_path_factory.mktemp("published") / "project")
    facts = project / "policy_src/policy.yml"
    text = facts.read_text(encoding="utf-8")
    assert 'url: "https://PLACEHOLDER.example/"' in text
    facts.write_text(text.replace('url: "https://PLACEHOLDER.example/"', f'url: "{PUBLIC}"'),
                     encoding="utf-8")
    result = mkdocs_build(project, project.parent / "site")
    assert result.returncode == 0, result.output
    return result.site


def html_pages(site: Path) -> list[Path]:
    """Every page of the site (the 404 page is a theme template, not a page)."""
    return sorted(site.rglob("index.html"))


def address(site: Path, page: Path) -> str:
    """The public address of a built page."""
    folder = page.relative_to(site).parent.as_posix()
    return PUBLIC if folder == "." else f"{PUBLIC}{folder}/"


def links(page: Path, rel: str) -> list[dict[str, str]]:
    return [link for link in elements(page.read_text(encoding="utf-8"), "link")
            if link.get("rel") == rel]


def robots(page: Path) -> list[str]:
    return [meta.get("content", "") for meta in elements(page.read_text(encoding="utf-8"), "meta")
            if meta.get("name") == "robots"]


def sitemap(site: Path) -> dict[str, dict[str, str]]:
    """Each address in sitemap.xml with its hreflang alternates."""
    root = ET.parse(site / "sitemap.xml").getroot()
    return {url.findtext(f"{SITEMAP}loc"): {link.get("hreflang"): link.get("href")
                                            for link in url.findall(f"{XHTML}link")}
            for url in root.findall(f"{SITEMAP}url")}


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
    assert len(pages) == 20, f"ten pages in each language as of {AS_OF}"
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


def test_only_the_demo_and_the_not_found_page_ask_not_to_be_indexed(built_site: Path) -> None:
    for page in [*html_pages(built_site), built_site / "404.html"]:
        relative = str(page.relative_to(built_site))
        assert robots(page) == (["noindex"] if relative in NOT_INDEXED else []), relative


def test_no_page_names_hreflang_alternates_in_its_head(built_site: Path, published_site: Path) -> None:
    """Material's script would fetch a sitemap.xml beside each one: they are in the sitemap."""
    for site in (built_site, published_site):
        for page in html_pages(site):
            assert links(page, "alternate") == [], page


def test_the_sitemap_gives_every_indexed_page_its_address_in_both_languages(
    published_site: Path,
) -> None:
    entries = sitemap(published_site)
    indexed = [page for page in html_pages(published_site)
               if str(page.relative_to(published_site)) not in NOT_INDEXED]
    assert set(entries) == {address(published_site, page) for page in indexed}
    for page in indexed:
        relative = page.relative_to(published_site)
        bare = relative.relative_to("en") if relative.parts[0] == "en" else relative
        assert entries[address(published_site, page)] == {
            lang: address(published_site, published_site / prefix / bare)
            for lang, prefix in LANGUAGES.items()}


def test_every_page_names_its_public_address_as_canonical(published_site: Path) -> None:
    for page in html_pages(published_site):
        assert [link["href"] for link in links(page, "canonical")] == [address(published_site, page)]


def test_robots_txt_lets_everything_be_crawled_and_names_the_sitemap(published_site: Path) -> None:
    lines = (published_site / "robots.txt").read_text(encoding="utf-8").split("\n")
    assert lines[:2] == ["User-agent: *", "Disallow:"]
    assert f"Sitemap: {PUBLIC}sitemap.xml" in lines


def test_while_the_public_address_is_a_placeholder_no_page_claims_one(built_site: Path) -> None:
    assert sitemap(built_site) == {}
    assert "Sitemap:" not in (built_site / "robots.txt").read_text(encoding="utf-8")
    for page in html_pages(built_site):
        assert links(page, "canonical") == [], page


def test_a_title_names_the_site_once(built_site: Path) -> None:
    def title(relative: str) -> str:
        text = (built_site / relative).read_text(encoding="utf-8")
        return text.split("<title>", 1)[1].split("</title>", 1)[0].strip()

    assert title("index.html") == "Integritetspolicy"
    assert title("en/index.html") == "Privacy policy"
    assert title("changes/index.html") == "Ändringshistorik - Integritetspolicy"
    for relative in ("index.html", "en/index.html", "changes/index.html", "about/index.html"):
        assert title(relative).count("Integritetspolicy") + title(relative).count("Privacy policy") == 1
