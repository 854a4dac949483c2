"""The banner as built into the site: on every page, configured from the current inventory,
inert gated scripts, and JS + CSS within 4 KB gzipped (minified reproducibly from source:
tests/site/test_site_assets.py)."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
import yaml

from policy_core.urls import EMBED_PREFIX, embed_config_url
from policy_site.plugin import BANNER_ASSETS
from testbed.choice import manifest_entry, policy_ref
from testbed.embed import DOMAIN
from testbed.site import REPO

BUDGET = 4096
MINIFIED = {**BANNER_ASSETS, "javascripts/scheme.min.js": "javascripts/scheme.min.js"}
"""The banner's script and style (in the theme, and where the site publishes them), and the colour
scheme button's script (pages load it from 2027-01-01, when the inventory declares where the
choice is kept)."""
CONFIG = re.compile(r'<script type="application/json" id="ps-consent-config">(.*?)</script>', re.S)


def pages(site: Path) -> list[Path]:
    return [page for page in sorted(site.rglob("*.html")) if page.name != "404.html"]


def config_of(page: Path) -> dict:
    match = CONFIG.search(page.read_text(encoding="utf-8"))
    assert match, f"{page}: no banner configuration"
    return json.loads(match.group(1))


def gzipped_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9, mtime=0))


def test_the_banner_script_and_style_weigh_at_most_4_kb_gzipped(built_site_2027: Path) -> None:
    """As a visitor of the policy site downloads them, who gets the most: another site's
    visitor gets the same script and style without the colour scheme button."""
    html = (built_site_2027 / "index.html").read_text(encoding="utf-8")
    for theme_file, published in MINIFIED.items():
        assert f'"{published}"' in html, f"the pages load {published}"
        assert (built_site_2027 / published).read_bytes() == (REPO / "theme" / theme_file).read_bytes()
    total = sum(gzipped_size(built_site_2027 / published) for published in MINIFIED.values())
    assert total <= BUDGET, f"{total} bytes gzipped"


def test_the_banner_is_published_once_where_every_site_loads_it(built_site: Path) -> None:
    for theme_file, published in BANNER_ASSETS.items():
        assert (built_site / published).is_file()
        assert not (built_site / theme_file).exists(), f"one copy of {theme_file}: {published}"


def test_the_banner_requests_nothing_from_other_sites() -> None:
    for asset in MINIFIED:
        text = (REPO / "theme" / asset).read_text(encoding="utf-8")
        assert not re.search(r"(https?:)?//[a-z0-9]", text, re.I), asset
        assert "import(" not in text and "@import" not in text, asset


def test_every_page_has_the_banner_the_settings_link_and_its_own_language(built_site: Path) -> None:
    found = pages(built_site)
    assert len(found) >= 18, "nine page types in two languages"
    for page in found:
        html = page.read_text(encoding="utf-8")
        lang = "en" if page.relative_to(built_site).parts[0] == "en" else "sv"
        assert 'id="ps-consent"' in html and "data-ps-open" in html, page
        assert config_of(page)["lang"] == lang, page
        link = "Cookie settings" if lang == "en" else "Cookieinställningar"
        assert f"data-ps-open>{link}</a>" in html, page


def test_the_configuration_is_the_current_inventory_and_policy_text(built_site: Path) -> None:
    current = manifest_entry(built_site)
    inventory = yaml.safe_load(
        (REPO / f"policy_src/versions/{current['id']}/cookies.yml").read_text(encoding="utf-8"))
    for lang, page in (("sv", "index.html"), ("en", "en/index.html")):
        config = config_of(built_site / page)
        assert config["policy"] == {**policy_ref(current, lang), "url": current["languages"][lang]["url"]}
        assert config["inventory"] == current["inventory"]["sha256"]
        assert config["reprompt_days"] == 365
        assert [(c["id"], c["required"], c["title"], [k["name"] for k in c["cookies"]])
                for c in config["categories"]] == [
            (c["id"], c["required"], c["title"][lang], [k["name"] for k in c["cookies"]])
            for c in inventory["categories"]]


def test_the_pages_name_no_cookie_domain_unless_the_site_is_built_with_one(
    built_site: Path, built_site_for_domain: Path
) -> None:
    """Without the option the script keeps a choice made on the policy site for its host alone."""
    for page in pages(built_site):
        assert "cookie_domain" not in config_of(page), page
    for page in pages(built_site_for_domain):
        assert config_of(page)["cookie_domain"] == DOMAIN, page


def test_the_files_other_sites_load_are_the_same_with_a_cookie_domain(
    built_site: Path, built_site_for_domain: Path
) -> None:
    """A site outside the policy site's domain could not keep a choice for it: there the snippet's
    data-cookie-domain alone decides, so the option changes nothing another site loads."""
    embedded = sorted(path.relative_to(built_site) for path in (built_site / EMBED_PREFIX).iterdir())
    assert [path.name for path in embedded] == [
        "config.en.json", "config.sv.json", "consent.css", "consent.js"]
    for path in embedded:
        assert (built_site_for_domain / path).read_bytes() == (built_site / path).read_bytes(), path
    for lang in ("sv", "en"):
        config = json.loads((built_site_for_domain / embed_config_url(lang)).read_bytes())
        assert "cookie_domain" not in config


def stored(config: dict, category: str) -> list[tuple[str, str, bool]]:
    found = next(c for c in config["categories"] if c["id"] == category)["stored"]
    return [(item["storage"], item["name"], item["prefix"]) for item in found]


def test_the_configuration_says_what_each_category_stores_as_the_inventory_in_effect_names_it(
    built_site: Path, built_site_2027: Path
) -> None:
    """2026-11-01 names Matomo's cookies by their stem; 2027-01-01 by pattern, with _pk_ref."""
    before, after = config_of(built_site / "index.html"), config_of(built_site_2027 / "en/index.html")
    assert stored(before, "statistics") == [
        ("cookie", "_pk_id", False), ("cookie", "_pk_id.", True),
        ("cookie", "_pk_ses", False), ("cookie", "_pk_ses.", True)]
    assert stored(after, "statistics") == [
        ("cookie", "_pk_id.", True), ("cookie", "_pk_ses.", True), ("cookie", "_pk_ref.", True)]
    assert stored(after, "preferences") == [("cookie", "ps_theme", False)]
    assert before["scheme"] is None
    assert after["scheme"] == {"cookie": "ps_theme", "category": "preferences", "days": 365,
                               "label": "Dark colour scheme"}


@pytest.mark.parametrize("page", ["demo/index.html", "en/demo/index.html"])
def test_the_demo_has_an_inert_script_for_every_optional_category(built_site: Path, page: str) -> None:
    html = (built_site / page).read_text(encoding="utf-8")
    gated = re.findall(r'<script type="text/plain" data-category="(\w+)">', html)
    for version in sorted((REPO / "policy_src/versions").glob("*/cookies.yml")):
        inventory = yaml.safe_load(version.read_text(encoding="utf-8"))
        optional = [c["id"] for c in inventory["categories"] if not c["required"]]
        assert set(optional) <= set(gated), f"{version.parent.name}: a demo for each of {optional}"
