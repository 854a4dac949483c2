"""The light/dark colour scheme button, from the day the version of 2027-01-01 declares its cookie.

The choice is kept in ``ps_theme`` (first party, 12 months, SameSite=Lax, path /) only while the
visitor accepts ``preferences``; without that consent it holds for the page view and nothing is
stored. Material's own palette toggle, which would keep ``__palette`` in ``localStorage``, is never
there. In Debian's Chromium against the consent service, its clock set to a day in 2027.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from testbed.banner import ConsentServer, first_layer, recorded, settings_layer, stored_items
from testbed.site import IN_EFFECT_2027

pytestmark = pytest.mark.browser

YEAR_S = 365 * 86400
NAMES = {"sv": "Mörkt färgschema", "en": "Dark colour scheme"}


@pytest.fixture(scope="module")
def server(built_site_2027: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsentServer]:
    consent = ConsentServer(built_site_2027, tmp_path_factory.mktemp("consent"), today=IN_EFFECT_2027).start()
    yield consent
    consent.stop()


def scheme(page) -> str:
    return page.evaluate("document.body.dataset.mdColorScheme")


def button(page):
    return page.locator("#ps-scheme")


def theme_cookie(page) -> dict | None:
    return next((c for c in page.context.cookies() if c["name"] == "ps_theme"), None)


def no_palette(page) -> bool:
    return not [name for _, name in stored_items(page) if "__palette" in name]


def choose_only_preferences(page) -> None:
    first_layer(page, "settings").click()
    page.locator("#ps-consent-preferences").check()
    recorded(page, settings_layer(page, "save").click)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_button_has_a_name_in_the_page_s_language_and_says_whether_dark_is_on(
    page, server: ConsentServer, lang: str
) -> None:
    page.goto(server.url + ("en/" if lang == "en" else ""))
    toggle = page.get_by_role("button", name=NAMES[lang], exact=True)
    assert toggle.is_visible()
    assert toggle.get_attribute("aria-pressed") == "false" and scheme(page) == "default"
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true" and scheme(page) == "slate"
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "false" and scheme(page) == "default"


def test_the_button_works_from_the_keyboard(page, server: ConsentServer) -> None:
    page.goto(server.url + "en/about/")
    page.keyboard.press("Escape")  # leave the banner's first layer for this page
    button(page).focus()
    page.keyboard.press("Enter")
    assert scheme(page) == "slate"
    page.keyboard.press("Space")
    assert scheme(page) == "default"
    assert page.evaluate("document.activeElement.id") == "ps-scheme"


def test_before_any_choice_the_scheme_holds_for_the_page_view_and_nothing_is_stored(
    page, server: ConsentServer
) -> None:
    page.goto(server.url + "en/")
    button(page).click()
    assert scheme(page) == "slate"
    assert stored_items(page) == set()
    page.reload()
    assert scheme(page) == "default"
    assert button(page).get_attribute("aria-pressed") == "false"
    assert stored_items(page) == set()


def test_without_consent_to_preferences_toggling_stores_nothing(page, server: ConsentServer) -> None:
    page.goto(server.url)
    recorded(page, first_layer(page, "reject").click)
    before = stored_items(page)
    button(page).click()
    button(page).click()
    button(page).click()
    assert scheme(page) == "slate"
    assert stored_items(page) == before
    assert theme_cookie(page) is None
    page.goto(server.url + "about/")
    assert scheme(page) == "default"


def test_with_consent_the_choice_is_kept_in_ps_theme_and_applied_on_the_next_page(
    page, server: ConsentServer
) -> None:
    page.goto(server.url + "en/")
    choose_only_preferences(page)
    before = stored_items(page)
    button(page).click()
    cookie = theme_cookie(page)
    assert cookie is not None and cookie["value"] == "dark"
    assert (cookie["path"], cookie["sameSite"], cookie["httpOnly"]) == ("/", "Lax", False)
    assert cookie["domain"] == "127.0.0.1", "first party, on the site's own host"
    assert cookie["expires"] == pytest.approx(time.time() + YEAR_S, abs=3600)
    assert stored_items(page) == before | {("cookie", "ps_theme")}, "ps_theme and nothing else"

    page.goto(server.url + "en/changes/")
    assert scheme(page) == "slate"
    assert button(page).get_attribute("aria-pressed") == "true"
    button(page).click()
    assert theme_cookie(page)["value"] == "light"
    page.goto(server.url + "en/about/")
    assert scheme(page) == "default"
    assert no_palette(page)


def test_the_demo_of_the_preferences_category_leaves_the_kept_choice_alone(
    page, server: ConsentServer
) -> None:
    page.goto(server.url + "en/")
    recorded(page, first_layer(page, "accept").click)
    button(page).click()
    page.goto(server.url + "en/demo/")
    assert "preferences" in page.evaluate("window.psDemo")
    assert scheme(page) == "slate"
    assert theme_cookie(page)["value"] == "dark"


def test_withdrawing_preferences_deletes_ps_theme_and_the_next_page_is_light(
    page, server: ConsentServer
) -> None:
    page.goto(server.url + "en/")
    recorded(page, first_layer(page, "accept").click)
    button(page).click()
    assert theme_cookie(page)["value"] == "dark"

    page.get_by_role("link", name="Cookie settings").last.click()
    page.locator("#ps-consent-preferences").uncheck()
    recorded(page, settings_layer(page, "save").click)
    assert theme_cookie(page) is None
    page.goto(server.url + "en/about/")
    assert scheme(page) == "default"
    assert theme_cookie(page) is None
    assert no_palette(page)


def test_a_kept_choice_is_neither_read_nor_kept_once_preferences_are_not_accepted(
    page, server: ConsentServer
) -> None:
    page.goto(server.url + "en/")
    recorded(page, first_layer(page, "reject").click)
    page.context.add_cookies([{"name": "ps_theme", "value": "dark", "url": server.url}])
    page.reload()
    assert scheme(page) == "default"
    assert theme_cookie(page) is None


def test_there_is_no_button_and_no_scheme_script_before_the_inventory_declares_ps_theme(
    built_site: Path, built_site_2027: Path
) -> None:
    """Every page but the 404 page, whose header has no options (no language switcher either)."""
    for site, expected in ((built_site, False), (built_site_2027, True)):
        for page in sorted(site.rglob("*.html")):
            if page.name == "404.html":
                continue
            html = page.read_text(encoding="utf-8")
            assert ('id="ps-scheme"' in html) is expected, page
            assert bool(re.search(r'<script src="[./]*javascripts/scheme\.min\.js"></script>', html)) \
                is expected, page
            assert not re.search(r'<button[^>]*id="ps-scheme"[^>]*\son\w+=', html), "no inline handler"


def test_material_s_palette_toggle_is_never_on_a_page(built_site: Path, built_site_2027: Path) -> None:
    """Its script would keep the choice in localStorage (__palette), outside the banner's control."""
    for site in (built_site, built_site_2027):
        for page in sorted(site.rglob("*.html")):
            html = page.read_text(encoding="utf-8")
            assert 'data-md-component="palette"' not in html and "__palette" not in html, page
