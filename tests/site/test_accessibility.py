"""Every page type, in both languages, has no axe-core violations in Debian's Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from testbed.site import AXE_VIOLATIONS, PAGE_TYPES

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("prefix", ["", "en/"], ids=["sv", "en"])
@pytest.mark.parametrize("path", PAGE_TYPES.values(), ids=PAGE_TYPES.keys())
def test_no_axe_violations(page, site_url: str, axe_source: str, prefix: str, path: str) -> None:
    page.goto(site_url + prefix + path)
    page.add_script_tag(content=axe_source)
    violations = page.evaluate(AXE_VIOLATIONS)
    assert violations == []


@pytest.mark.parametrize("scheme", ["default", "slate"], ids=["light", "dark"])
@pytest.mark.parametrize("prefix", ["", "en/"], ids=["sv", "en"])
@pytest.mark.parametrize("path", PAGE_TYPES.values(), ids=PAGE_TYPES.keys())
def test_no_axe_violations_in_either_colour_scheme_once_it_can_be_chosen(
    page, site_url_2027: str, axe_source: str, prefix: str, path: str, scheme: str
) -> None:
    page.goto(site_url_2027 + prefix + path)
    toggle = page.locator("#ps-scheme")
    if scheme == "slate":
        toggle.click()
        page.mouse.move(0, 0)
    assert page.evaluate("document.body.dataset.mdColorScheme") == scheme
    assert toggle.get_attribute("aria-pressed") == str(scheme == "slate").lower()
    page.add_script_tag(content=axe_source)
    assert page.evaluate(AXE_VIOLATIONS) == []


def test_not_found_page_has_no_axe_violations(page, site_url: str, axe_source: str) -> None:
    page.goto(site_url + "404.html")
    page.add_script_tag(content=axe_source)
    assert page.evaluate("async () => (await axe.run(document)).violations.map(v => v.id)") == []


def test_diff_prints_without_the_site_chrome(page, site_url: str, tmp_path: Path) -> None:
    page.goto(site_url + "en/diff/2026-11-01..2027-01-01/")
    page.emulate_media(media="print")
    assert page.locator(".md-header").is_hidden()
    assert page.locator("del.ps-del").first.is_visible() or page.locator("ins.ps-ins").first.is_visible()
