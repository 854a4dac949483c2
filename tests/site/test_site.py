"""The built site: every version at a permanent URL in both languages, history, diffs, manifest."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
import yaml

from policy_core.hashing import canonical_json, sha256_hex
from policy_core.manifest import shown_text_bytes
from policy_core.urls import shown_text_url
from policy_site.pages import SiteContent
from policy_site.sources import load_sources, split_front_matter
from testbed.htmltext import ascii_words, attributes, element_text
from testbed.site import AS_OF, REPO, SEED, mkdocs_build, tree_digest

ATOM = "{http://www.w3.org/2005/Atom}"


def page(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def manifest(site: Path) -> dict:
    return json.loads((site / "versions.json").read_text(encoding="utf-8"))


def test_every_version_has_a_permanent_page_in_both_languages(built_site: Path) -> None:
    versions = manifest(built_site)["versions"]
    assert [v["id"] for v in versions] == ["2018-05-25", "2026-11-01", "2027-01-01"]
    for version in versions:
        for lang, prefix in (("sv", ""), ("en", "en/")):
            url = f"{prefix}versions/{version['id']}/"
            assert version["languages"][lang]["url"] == "/" + url
            html = page(built_site, url)
            assert f'<html lang="{lang}"' in html
            assert version["languages"][lang]["sha256"] in html


def test_status_on_2026_12_01(built_site: Path) -> None:
    data = manifest(built_site)
    assert data["as_of"] == "2026-12-01"
    assert data["current"] == "2026-11-01"
    assert {v["id"]: v["status"] for v in data["versions"]} == {
        "2018-05-25": "superseded", "2026-11-01": "current", "2027-01-01": "upcoming"}


@pytest.mark.parametrize(
    ("as_of", "current", "statuses"),
    [
        ("2027-01-01", "2027-01-01",
         {"2018-05-25": "superseded", "2026-11-01": "superseded", "2027-01-01": "current"}),
        # before 2027-01-01 was published (2026-12-01) it is not on the site at all
        ("2026-11-30", "2026-11-01", {"2018-05-25": "superseded", "2026-11-01": "current"}),
        ("2026-10-15", "2018-05-25", {"2018-05-25": "current", "2026-11-01": "upcoming"}),
    ],
)
def test_status_follows_policy_as_of(tmp_path: Path, as_of: str, current: str,
                                     statuses: dict[str, str]) -> None:
    result = mkdocs_build(REPO, tmp_path / "site", as_of=as_of)
    assert result.returncode == 0, result.output
    data = manifest(result.site)
    assert data["current"] == current
    assert {v["id"]: v["status"] for v in data["versions"]} == statuses
    assert f"versions/{current}/" in page(result.site, "")


def test_home_page_shows_the_current_version_and_announces_the_next(built_site: Path) -> None:
    sv = element_text(page(built_site, ""))
    assert "Gäller från 1 november 2026." in sv
    assert "En ny version träder i kraft den 1 januari 2027." in sv
    en = element_text(page(built_site, "en/"))
    assert "In effect from 1 November 2026." in en
    assert "A new version takes effect on 1 January 2027." in en
    links = {value for tag, name, value in attributes(page(built_site, "en/")) if name == "href"}
    assert {"versions/2027-01-01/", "changes/", "diff/2026-11-01..2027-01-01/"} <= links


def test_superseded_version_links_to_the_current_one(built_site: Path) -> None:
    html = page(built_site, "en/versions/2018-05-25/")
    assert "This version has been replaced." in element_text(html)
    hrefs = [value for tag, name, value in attributes(html) if name == "href"]
    assert "../2026-11-01/" in hrefs


def test_dates_are_localized(built_site: Path) -> None:
    assert "25 maj 2018" in element_text(page(built_site, "changes/"))
    assert "25 May 2018" in element_text(page(built_site, "en/changes/"))


def test_history_lists_versions_newest_first_with_their_diffs(built_site: Path) -> None:
    html = page(built_site, "en/changes/")
    order = re.findall(r'id="version-(\d{4}-\d{2}-\d{2})"', html)
    assert order == ["2027-01-01", "2026-11-01", "2018-05-25"]
    hrefs = {value for tag, name, value in attributes(html) if name == "href"}
    assert {"../diff/2018-05-25..2026-11-01/", "../diff/2026-11-01..2027-01-01/",
            "../versions/2018-05-25/"} <= hrefs


@pytest.mark.parametrize(("prefix", "removed"), [("", "Borttaget:"), ("en/", "Removed:")])
def test_diff_pages_mark_words_for_screen_readers(built_site: Path, prefix: str, removed: str) -> None:
    for pair in ("2018-05-25..2026-11-01", "2026-11-01..2027-01-01"):
        html = page(built_site, f"{prefix}diff/{pair}/")
        assert "<del" in html and "<ins" in html
        assert f'<span class="ps-vh">{removed} </span>' in html


def test_seed_words_are_verbatim_in_the_built_2018_swedish_page(built_site: Path) -> None:
    seed = [w for w in ascii_words(SEED.read_text(encoding="utf-8")) if w != "•"]
    html = page(built_site, "versions/2018-05-25/")
    text = element_text(html, skip_classes={"ps-version", "ps-version-footer", "headerlink"})
    assert ascii_words(text) == seed


def test_manifest_hashes_can_be_recomputed_from_the_sources(built_site: Path) -> None:
    for version in manifest(built_site)["versions"]:
        folder = REPO / "policy_src" / "versions" / version["id"]
        for lang, entry in version["languages"].items():
            raw = (folder / f"{lang}.md").read_bytes()
            after_closing_line = raw.split(b"\n---\n", 1)[1]
            assert entry["sha256"] == sha256_hex(after_closing_line)
            assert split_front_matter(raw)[1] == after_closing_line
        inventory = folder / "cookies.yml"
        if version["inventory"] is None:
            assert not inventory.exists()
            continue
        data = yaml.safe_load(inventory.read_text(encoding="utf-8"))
        assert version["inventory"]["sha256"] == sha256_hex(canonical_json(data))
        assert version["inventory"]["categories"] == [c["id"] for c in data["categories"]]
        assert version["inventory"]["required"] == [c["id"] for c in data["categories"] if c["required"]]


def test_feeds_have_one_entry_per_version_with_stable_tag_ids(built_site: Path) -> None:
    for feed_path, lang in (("feed.atom", "sv"), ("en/feed.atom", "en")):
        root = ET.parse(built_site / feed_path).getroot()
        assert root.tag == f"{ATOM}feed"
        ids = [e.findtext(f"{ATOM}id") for e in root.findall(f"{ATOM}entry")]
        assert len(ids) == 3 and all(i.startswith("tag:") and i.endswith(f"/{lang}") for i in ids)
        assert root.findtext(f"{ATOM}updated") and root.find(f"{ATOM}author/{ATOM}name") is not None
        for entry in root.findall(f"{ATOM}entry"):  # RFC 4287 4.1.2: id, title, updated; a link
            assert entry.findtext(f"{ATOM}title") and entry.findtext(f"{ATOM}updated")
            assert entry.find(f"{ATOM}link[@rel='alternate']") is not None


def test_two_builds_are_byte_identical(built_site: Path, tmp_path: Path) -> None:
    again = mkdocs_build(REPO, tmp_path / "again")
    assert again.returncode == 0, again.output
    assert tree_digest(again.site) == tree_digest(built_site)


def test_no_third_party_requests_in_the_built_site(built_site: Path) -> None:
    external = re.compile(r"^(https?:)?//", re.IGNORECASE)
    offenders = []
    for path in built_site.rglob("*.html"):
        for tag, name, value in attributes(path.read_text(encoding="utf-8")):
            if name in {"src", "href", "srcset", "action", "poster", "data"} and external.match(value):
                offenders.append(f"{path.relative_to(built_site)}: <{tag} {name}={value}>")
    for path in built_site.rglob("*.css"):
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", path.read_text(encoding="utf-8")):
            if external.match(url):
                offenders.append(f"{path.relative_to(built_site)}: url({url})")
    assert offenders == []


@pytest.mark.parametrize("path", ["", "versions/2018-05-25/", "changes/", "diff/2026-11-01..2027-01-01/",
                                  "about/"])
def test_language_switcher_on_every_page_type(built_site: Path, path: str) -> None:
    sv_links = {value for tag, name, value in attributes(page(built_site, path)) if tag == "a"}
    en_links = {value for tag, name, value in attributes(page(built_site, "en/" + path)) if tag == "a"}
    depth = "../" * path.count("/")
    assert f"{depth}en/{path}" in sv_links
    assert f"../{depth}{path}" in en_links


def test_language_switcher_leads_to_the_same_page(built_site: Path) -> None:
    html = page(built_site, "versions/2026-11-01/")
    alternates = {(value) for tag, name, value in attributes(html)
                  if tag == "a" and name == "href" and "en/" in value}
    assert "../../en/versions/2026-11-01/" in alternates
    html_en = page(built_site, "en/changes/")
    assert any(name == "hreflang" and value == "sv" for _, name, value in attributes(html_en))
    assert '<a href="../../changes/" hreflang="sv"' in html_en


def test_material_ui_speaks_the_page_language(built_site: Path) -> None:
    sv, en = page(built_site, "versions/2026-11-01/"), page(built_site, "en/versions/2026-11-01/")
    assert "Gå till innehållet" in sv and "Innehållsförteckning" in sv
    assert "Skip to content" in en and "Table of contents" in en
    assert "Skip to content" not in sv and "Gå till innehållet" not in en


def test_cookie_table_is_rendered_from_the_inventory(built_site: Path) -> None:
    data = yaml.safe_load((REPO / "policy_src/versions/2026-11-01/cookies.yml").read_text("utf-8"))
    html = page(built_site, "en/versions/2026-11-01/")
    for category in data["categories"]:
        for cookie in category["cookies"]:
            assert f"<code>{cookie['name']}</code>" in html
            assert cookie["purpose"]["en"].split()[0] in html


def test_the_table_names_the_storage_of_an_item_that_is_not_a_cookie(
    project: Path, built_site: Path, tmp_path: Path
) -> None:
    path = project / "policy_src/versions/2027-01-01/cookies.yml"
    path.write_text(path.read_text(encoding="utf-8") + (
        "      - name: ps_tabs.*\n        storage: sessionStorage\n        provider: {sv: Vi, en: Us}\n"
        "        purpose: {sv: Flikar., en: Tabs.}\n        duration: {sv: Fliken, en: The tab}\n"),
        encoding="utf-8")
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 0, result.output
    shown = (result.site / "versions/2027-01-01/en.shown.md").read_text(encoding="utf-8")
    assert "| Preferences | `ps_tabs.*` (sessionStorage) | Us | Tabs. | The tab |" in shown
    assert "| Preferences | `ps_theme` | Us (first-party cookie) |" in shown
    for version in ("2018-05-25", "2026-11-01"):
        for lang in ("sv", "en"):
            text = f"versions/{version}/{lang}.shown.md"
            assert (result.site / text).read_bytes() == (built_site / text).read_bytes(), text


def test_placeholders_are_listed_by_every_build(tmp_path: Path) -> None:
    result = mkdocs_build(REPO, tmp_path / "site")
    assert result.returncode == 0
    assert "placeholder(s) in" in result.output
    assert re.search(r"policy\.yml:\d+: controller\.name = 'PLACEHOLDER", result.output)


def test_hashes_can_be_recomputed_from_the_published_site_alone(built_site: Path) -> None:
    for version in manifest(built_site)["versions"]:
        if version["inventory"]:
            data = yaml.safe_load((built_site / "versions" / version["id"] / "cookies.yml").read_bytes())
            assert version["inventory"]["sha256"] == sha256_hex(canonical_json(data))
        for lang, entry in version["languages"].items():
            raw = (built_site / "versions" / version["id"] / f"{lang}.md").read_bytes()
            assert entry["sha256"] == sha256_hex(raw.split(b"\n---\n", 1)[1])


def test_every_older_version_is_compared_with_the_current_one(tmp_path: Path) -> None:
    result = mkdocs_build(REPO, tmp_path / "site", as_of="2027-01-02")
    assert result.returncode == 0, result.output
    for prefix in ("", "en/"):
        assert (result.site / f"{prefix}diff/2018-05-25..2027-01-01/index.html").is_file()
    superseded = page(result.site, "en/versions/2018-05-25/")
    assert "../../diff/2018-05-25..2027-01-01/" in superseded


def test_each_version_page_is_rendered_from_exactly_its_published_shown_text() -> None:
    """The page's Markdown holds the shown text verbatim; only the status header (after the title)
    and the footer are added around it."""
    content = SiteContent(load_sources(REPO / "policy_src", REPO), date.fromisoformat(AS_OF))
    files = {file.path: file.content for file in content.files()}
    for version in content.history:
        for lang in ("sv", "en"):
            shown = files[shown_text_url(version.id, lang)].decode("utf-8")
            assert shown_text_bytes(content.shown_text(version, lang)) == shown.encode("utf-8")
            title, _, rest = shown.partition("\n")
            page = content.version_page(version, lang).markdown
            assert title.startswith("# ") and title in page
            assert rest.strip("\n") in page, (version.id, lang)
