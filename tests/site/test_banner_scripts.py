"""What a page and its scripts get from the cookie banner: gated iframes and external scripts
that load only for their category, the ``psConsent`` script API and its change event, reduced
motion and print, and a page without JavaScript that runs nothing optional.
"""

from __future__ import annotations

import pytest

from testbed.banner import ConsentServer, first_layer, recorded, settings_layer

pytestmark = pytest.mark.browser


# Gated embeds -----------------------------------------------------------------------------------

GATED_EMBEDS = """() => {
    const frame = Object.assign(document.createElement("iframe"), {title: "Video"});
    Object.assign(frame.dataset, {category: "media", src: "/en/about/?embed"});
    const script = Object.assign(document.createElement("script"), {type: "text/plain"});
    Object.assign(script.dataset, {category: "statistics", src: "/javascripts/tracker.js"});
    document.querySelector("article").append(frame, script);
}"""


@pytest.mark.parametrize("accepts", ["media", "statistics"])
def test_gated_iframes_and_external_scripts_load_only_for_their_category(
    page, server: ConsentServer, accepts: str
) -> None:
    page.goto(server.url + "en/")
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.evaluate(GATED_EMBEDS)
    first_layer(page, "settings").click()
    page.locator(f"#ps-consent-{accepts}").check()
    assert not [url for url in requested if "embed" in url or "tracker" in url], "nothing before"
    recorded(page, settings_layer(page, "save").click)

    page.wait_for_load_state("networkidle")
    frame_loaded = any(url.endswith("/en/about/?embed") for url in requested)
    script_loaded = any(url.endswith("/javascripts/tracker.js") for url in requested)
    assert (frame_loaded, script_loaded) == (accepts == "media", accepts == "statistics")
    assert page.locator("script[data-category=statistics][type='text/plain']").count() == (
        accepts != "statistics")


# Script API, media, print -----------------------------------------------------------------------

def test_the_script_api_reads_the_choice_opens_the_settings_and_announces_changes(
    page, server: ConsentServer
) -> None:
    page.goto(server.url + "en/")
    assert page.evaluate("psConsent.get()") is None
    assert page.evaluate("psConsent.allowed('necessary')") is True
    assert page.evaluate("psConsent.allowed('statistics')") is False
    page.evaluate("document.addEventListener('ps-consent-change', e => window.seen = e.detail)")
    recorded(page, first_layer(page, "accept").click)

    seen = page.evaluate("window.seen")
    assert seen["categories"] == {"necessary": True, "statistics": True, "media": True}
    assert (seen["policy"], seen["source"]) == ("2026-11-01", "banner")
    assert page.evaluate("psConsent.get()") == seen
    assert page.evaluate("psConsent.allowed('media')") is True
    page.evaluate("psConsent.open()")
    assert page.locator("#ps-consent-settings").is_visible()


def test_reduced_motion_and_print(page, server: ConsentServer) -> None:
    page.goto(server.url)
    animation = "getComputedStyle(document.getElementById('ps-consent')).animationName"
    assert page.evaluate(animation) != "none"
    page.emulate_media(reduced_motion="reduce")
    assert page.evaluate(animation) == "none"
    page.emulate_media(media="print")
    assert page.locator("#ps-consent").is_hidden()


def test_without_javascript_nothing_optional_runs_and_the_settings_link_explains(
    browser, server: ConsentServer
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server.url + "en/demo/")
    assert page.locator("#ps-consent").is_hidden()
    assert "has not run" in page.locator("#demo-statistics").inner_text()
    page.locator("[data-ps-open]").click()
    page.wait_for_url("**/en/cookie-settings/")
    assert page.get_by_role("heading", name="Without JavaScript").is_visible()
    assert context.cookies() == []
    context.close()
