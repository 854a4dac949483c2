"""The cookie banner by keyboard, and the ways back to its settings: the dialog takes focus,
the order of its controls, visible focus, no trap, Escape, and the settings link, the
``#cookie-settings`` links and the consent log's change button reopening the settings.
"""

from __future__ import annotations

import pytest

from testbed.banner import (
    HOME_PATH,
    ConsentServer,
    demo_runs,
    first_layer,
    my_records,
    recorded,
    settings_layer,
    stored_choice,
)

pytestmark = pytest.mark.browser


# Keyboard and focus -----------------------------------------------------------------------------

def focused(page) -> str:
    return page.evaluate("(() => { const e = document.activeElement; "
                         "return e.id || e.dataset.ps || e.textContent.trim(); })()")


def test_keyboard_only_flow(page, server: ConsentServer) -> None:
    page.goto(server.url + "en/demo/")
    assert focused(page) == "ps-consent", "the dialog takes focus"

    page.keyboard.press("Tab")
    assert focused(page) == "How we use cookies"
    page.keyboard.press("Tab")
    assert focused(page) == "accept"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), "focus is visible"
    page.keyboard.press("Tab")
    assert focused(page) == "reject"
    page.keyboard.press("Tab")
    assert focused(page) == "settings"
    page.keyboard.press("Enter")
    assert focused(page) == "ps-consent-settings-title"

    page.keyboard.press("Escape")
    assert page.locator("#ps-consent-first").is_visible(), "Escape leaves the settings"
    assert focused(page) == "settings"
    assert stored_choice(page) is None, "and accepts nothing"

    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert focused(page) == "ps-consent-statistics"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert focused(page) == "Cookies in this category (2)"
    page.keyboard.press("Tab")
    assert focused(page) == "ps-consent-media"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert focused(page) == "Your consent log"
    page.keyboard.press("Tab")
    assert focused(page) == "save"
    recorded(page, lambda: page.keyboard.press("Enter"))

    assert demo_runs(page) == ["statistics"]
    assert my_records(page, server)[0]["categories"] == {"necessary": True, "statistics": True,
                                                          "media": False}


def test_focus_is_not_trapped_in_the_banner(page, server: ConsentServer) -> None:
    page.goto(server.url + "en/")
    for _ in range(4):
        page.keyboard.press("Tab")
    assert focused(page) == "settings"
    page.keyboard.press("Tab")
    inside = page.evaluate("document.getElementById('ps-consent').contains(document.activeElement)")
    assert not inside
    assert page.locator("#ps-consent").is_visible(), "leaving the banner does not dismiss it"


def test_escape_on_the_first_layer_dismisses_the_banner_for_this_page_only(
    page, server: ConsentServer
) -> None:
    page.goto(server.url + "en/demo/")
    page.keyboard.press("Escape")
    assert page.locator("#ps-consent").is_hidden()
    assert page.context.cookies() == [] and demo_runs(page) == []
    page.reload()
    assert page.locator("#ps-consent").is_visible()


def test_the_settings_link_reopens_the_current_choice_and_escape_returns_focus(
    page, server: ConsentServer
) -> None:
    page.goto(server.url + "en/")
    first_layer(page, "settings").click()
    page.locator("#ps-consent-media").check()
    recorded(page, settings_layer(page, "save").click)

    link = page.locator("[data-ps-open]")
    link.focus()
    page.keyboard.press("Enter")
    assert page.locator("#ps-consent-settings").is_visible()
    assert page.locator("#ps-consent-media").is_checked()
    assert not page.locator("#ps-consent-statistics").is_checked()
    page.keyboard.press("Escape")
    assert page.locator("#ps-consent").is_hidden()
    assert page.evaluate("document.activeElement.hasAttribute('data-ps-open')")
    assert len(my_records(page, server)) == 1


# Links to the settings --------------------------------------------------------------------------

def test_a_link_to_cookie_settings_from_another_page_opens_them(page, server: ConsentServer) -> None:
    page.goto(server.url + "en/#cookie-settings")
    assert page.locator("#ps-consent-settings").is_visible(), "also before any choice"
    recorded(page, settings_layer(page, "accept").click)
    page.goto(server.url + "en/about/")
    assert page.locator("#ps-consent").is_hidden()
    page.goto(server.url + "en/#cookie-settings")
    assert page.locator("#ps-consent-settings").is_visible()
    assert page.locator("#ps-consent-media").is_checked()


@pytest.mark.parametrize(("lang", "heading"), [("sv", "Cookieinställningar"), ("en", "Cookie settings")])
def test_the_consent_logs_change_button_opens_the_settings_on_the_cookie_settings_page(
    browser, server: ConsentServer, lang: str, heading: str
) -> None:
    for javascript in (True, False):
        context = browser.new_context(java_script_enabled=javascript)
        page = context.new_page()
        page.goto(server.url + HOME_PATH[lang] + "consent-log")
        page.locator("[data-ps-open-settings]").click()
        page.wait_for_url(f"**/{HOME_PATH[lang]}cookie-settings/#cookie-settings")
        assert page.locator("#ps-consent-settings").is_visible() == javascript
        # The link's target exists, so without JavaScript it lands on the page's heading.
        assert page.locator("h1:target").inner_text().startswith(heading)
        context.close()
