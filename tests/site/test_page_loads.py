"""Every page type, in both languages, loads in Debian's Chromium without a failed request, an
error status or a console error, and the language switcher goes straight to the same page."""

from __future__ import annotations

import pytest

from testbed.site import PAGE_TYPES

pytestmark = pytest.mark.browser


def watch(page) -> list[str]:
    """Everything that went wrong while the page loaded, as readable lines."""
    problems: list[str] = []
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
            if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.on("response", lambda response: problems.append(f"{response.status}: {response.url}")
            if response.status >= 400 else None)
    return problems


@pytest.mark.parametrize("prefix", ["", "en/"], ids=["sv", "en"])
@pytest.mark.parametrize("path", PAGE_TYPES.values(), ids=PAGE_TYPES.keys())
def test_a_page_loads_without_a_failed_request_or_a_console_error(
    page, site_url: str, prefix: str, path: str
) -> None:
    problems = watch(page)
    page.goto(site_url + prefix + path)
    page.wait_for_load_state("networkidle")
    assert problems == []


def test_the_not_found_page_loads_without_a_failed_request_or_a_console_error(
    page, site_url: str
) -> None:
    problems = watch(page)
    page.goto(site_url + "404.html")
    page.wait_for_load_state("networkidle")
    assert problems == []


@pytest.mark.parametrize(("start", "lang", "target"), [
    ("changes/", "en", "en/changes/"),
    ("en/versions/2018-05-25/", "sv", "versions/2018-05-25/"),
    ("diff/2018-05-25..2026-11-01/", "en", "en/diff/2018-05-25..2026-11-01/"),
])
def test_the_language_switcher_goes_straight_to_the_same_page_in_the_other_language(
    page, site_url: str, start: str, lang: str, target: str
) -> None:
    page.goto(site_url + start)
    page.wait_for_load_state("networkidle")
    documents: list[tuple[int, str]] = []
    page.on("response", lambda response: documents.append((response.status, response.url))
            if response.request.resource_type == "document" else None)
    page.locator(".md-header .md-select").hover()
    page.locator(f"a.md-select__link[hreflang={lang}]").click()
    page.wait_for_load_state("networkidle")
    assert page.url == site_url + target
    assert documents == [(200, site_url + target)], "no redirect on the way"
