"""The banner embedded on www, before any choice: it appears first in the page, in the page's
language, stores nothing, requests nothing but from www and the policy origin, offers three
equally prominent buttons, passes axe, takes keyboard focus, and links to the policy and to the
visitor's log on the policy origin.

The hosts and the fixture site are described in ``testbed/embed.py``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from testbed.banner import (
    axe_violations,
    first_layer,
    first_layer_buttons,
    published,
    recorded,
    settings_layer,
)
from testbed.embed import POLICY_HOST, WWW_HOST, Sites, Visitor, fixture_runs, open_banner

pytestmark = pytest.mark.browser


# The banner on www, before any choice -----------------------------------------------------------

def test_the_banner_appears_on_www_with_nothing_stored_and_no_request_but_to_the_two_origins(
    visitor: Visitor, sites: Sites
) -> None:
    page = visitor.page
    open_banner(page, sites.www + "/")
    page.wait_for_load_state("networkidle")
    banner = page.locator("#ps-consent")
    assert banner.get_attribute("role") == "dialog"
    assert banner.get_attribute("lang") == "sv"
    assert first_layer(page, "reject").inner_text() == "Avvisa alla"
    assert page.evaluate("document.body.firstElementChild.id") == "ps-consent", "first in the page"
    assert page.context.cookies() == []
    assert page.evaluate("Object.keys(localStorage).length + Object.keys(sessionStorage).length") == 0
    assert fixture_runs(page) == []
    assert page.locator("iframe[data-category]").get_attribute("src") is None
    assert visitor.hosts() == {WWW_HOST, POLICY_HOST}
    from_policy = sorted(urlsplit(url).path for url in visitor.requests
                         if urlsplit(url).hostname == POLICY_HOST)
    assert from_policy == ["/embed/v1/config.sv.json", "/embed/v1/consent.css", "/embed/v1/consent.js"]
    assert page.evaluate("psConsent.get()") is None
    assert visitor.refused == []


def test_without_data_lang_the_banner_speaks_the_page_language(visitor: Visitor, sites: Sites) -> None:
    open_banner(visitor.page, sites.www + "/en/")
    assert visitor.page.locator("#ps-consent").get_attribute("lang") == "en"
    assert [first_layer(visitor.page, a).inner_text() for a in ("accept", "reject", "settings")] == [
        "Accept all", "Reject all", "Settings"]
    assert any(url.endswith("/embed/v1/config.en.json") for url in visitor.requests)


@pytest.mark.parametrize("viewport", [(1280, 800), (360, 740)], ids=["desktop", "phone"])
def test_the_three_buttons_are_equally_prominent_on_www(
    visitor: Visitor, sites: Sites, viewport: tuple[int, int]
) -> None:
    page = visitor.page
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    open_banner(page, sites.www + "/")
    boxes, styles = first_layer_buttons(page)
    assert all(box["width"] == pytest.approx(boxes[0]["width"], abs=0.5) for box in boxes)
    assert all(box["height"] == pytest.approx(boxes[0]["height"], abs=0.5) for box in boxes)
    assert styles[1] == styles[0] and styles[2] == styles[0]
    assert all(box["y"] + box["height"] <= viewport[1] for box in boxes), "all visible without scrolling"
    size = page.evaluate("parseFloat(getComputedStyle("
                         "document.querySelector('.ps-consent__button')).fontSize)")
    assert size == 16, "the visitor's own font size, whatever the page's root is"


def test_axe_finds_nothing_on_www_with_the_banner_open_in_settings_and_closed(
    visitor: Visitor, sites: Sites, axe_source: str
) -> None:
    page = visitor.page
    open_banner(page, sites.www + "/")
    assert axe_violations(page, axe_source) == [], "first layer open"
    first_layer(page, "settings").click()
    page.locator("#ps-consent-settings details").evaluate_all("ds => ds.forEach(d => d.open = true)")
    assert axe_violations(page, axe_source) == [], "settings open"
    recorded(page, settings_layer(page, "reject").click)
    assert page.locator("#ps-consent").is_hidden()
    assert axe_violations(page, axe_source) == [], "closed"


def test_keyboard_focus_goes_to_the_banner_and_escape_leaves_it_without_a_choice(
    visitor: Visitor, sites: Sites
) -> None:
    page = visitor.page
    open_banner(page, sites.www + "/")
    assert page.evaluate("document.activeElement.id") == "ps-consent"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement === document.querySelector('#ps-consent-intro a')"), (
        "Tab goes on to the banner's first control, the link to the policy")
    page.keyboard.press("Escape")
    assert page.locator("#ps-consent").is_hidden()
    assert page.context.cookies() == []


def test_the_links_lead_to_the_policy_and_to_the_visitors_log_on_the_policy_origin(
    visitor: Visitor, sites: Sites
) -> None:
    page = visitor.page
    open_banner(page, sites.www + "/")
    version = published(sites.policy.site, "sv")["version"]
    assert page.locator("#ps-consent-intro a").get_attribute("href") == (
        f"{sites.policy_origin}/versions/{version}/#cookies")
    first_layer(page, "settings").click()
    log = page.locator("#ps-consent-settings a", has_text="samtyckeslogg")
    assert log.get_attribute("href") == f"{sites.policy_origin}/consent-log"
    log.click()
    page.wait_for_url(f"{sites.policy_origin}/consent-log")
    assert page.get_by_role("heading", level=1).inner_text() == "Din samtyckeslogg"
