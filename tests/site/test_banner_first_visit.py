"""The cookie banner in Debian's Chromium before any choice: it asks in the page's language,
stores nothing, runs nothing optional, sends nothing off the site, leaves the page usable, and
offers its three first-layer buttons with equal prominence and no optional category preselected.
"""

from __future__ import annotations

import pytest

from testbed.banner import (
    DEMO_PATH,
    HOME_PATH,
    LANGUAGES,
    OPTIONAL,
    ConsentServer,
    demo_runs,
    first_layer,
    first_layer_buttons,
    my_records,
    web_storage,
)

pytestmark = pytest.mark.browser


# Before any choice ------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_before_a_choice_nothing_is_stored_nothing_optional_runs_and_every_request_stays_home(
    page, server: ConsentServer, lang: str
) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    for path in (HOME_PATH[lang], DEMO_PATH[lang], HOME_PATH[lang] + "about/"):
        page.goto(server.url + path)
        assert page.locator("#ps-consent").is_visible()
        assert page.locator("#ps-consent").get_attribute("lang") == lang
        assert demo_runs(page) == []
    assert page.context.cookies() == []
    assert web_storage(page) == []
    assert requests and all(url.startswith(server.url) for url in requests)
    assert not [url for url in requests if "/api/" in url]
    assert my_records(page, server) == []


def test_the_banner_is_in_the_language_of_the_page(page, server: ConsentServer) -> None:
    page.goto(server.url)
    assert first_layer(page, "reject").inner_text() == "Avvisa alla"
    page.goto(server.url + "en/")
    assert [first_layer(page, a).inner_text() for a in ("accept", "reject", "settings")] == [
        "Accept all", "Reject all", "Settings"]


def test_the_page_stays_readable_and_usable_while_the_banner_is_open(page, server: ConsentServer) -> None:
    page.goto(server.url + "en/demo/")
    banner_height = page.locator("#ps-consent").bounding_box()["height"]
    assert banner_height < page.viewport_size["height"] / 2
    padding = page.evaluate("parseFloat(getComputedStyle(document.body).paddingBottom)")
    assert padding == pytest.approx(banner_height, abs=1)
    page.get_by_role("link", name="Cookie settings").first.click()
    page.locator("nav.md-nav--primary").get_by_role("link", name="About this site").click()
    page.wait_for_url("**/en/about/")
    assert page.locator("#ps-consent").is_visible()


# Equal prominence, nothing preselected ----------------------------------------------------------

@pytest.mark.parametrize("viewport", [(1280, 800), (360, 740)], ids=["desktop", "phone"])
def test_the_three_first_layer_buttons_are_equally_prominent(
    page, server: ConsentServer, viewport: tuple[int, int]
) -> None:
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    page.goto(server.url)
    boxes, styles = first_layer_buttons(page)
    assert all(box["width"] == pytest.approx(boxes[0]["width"], abs=0.5) for box in boxes)
    assert all(box["height"] == pytest.approx(boxes[0]["height"], abs=0.5) for box in boxes)
    assert styles[1] == styles[0] and styles[2] == styles[0]
    assert all(box["y"] + box["height"] <= viewport[1] for box in boxes), "all visible without scrolling"


def test_no_optional_category_is_preselected(page, server: ConsentServer) -> None:
    page.goto(server.url + "en/")
    first_layer(page, "settings").click()
    assert page.locator("#ps-consent-necessary").is_checked()
    assert page.locator("#ps-consent-necessary").is_disabled()
    for category in OPTIONAL:
        assert not page.locator(f"#ps-consent-{category}").is_checked()
    assert page.locator("#ps-consent-settings details").count() == 3
    page.locator("#ps-consent-settings summary").nth(1).click()
    assert page.locator("#ps-consent-settings").get_by_text("_pk_ses", exact=True).is_visible()
