"""The cookie banner in Debian's Chromium, against the built site served by the consent service.

One gunicorn server and one built site for the whole module; every test has its own browser
context, so its own cookies, storage and visitor.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from testbed.banner import (
    CHOICE_ONLY,
    DEMO_PATH,
    HOME_PATH,
    NECESSARY_COOKIES,
    NOTHING_UNCONFIRMED,
    OPTIONAL,
    ConsentServer,
    all_records,
    cookie_names,
    demo_runs,
    first_layer,
    first_layer_buttons,
    key_of,
    my_records,
    published,
    recorded,
    records_with_key,
    settings_layer,
    stored_choice,
    web_storage,
)
from testbed.choice import choice_body, manifest_entry

pytestmark = pytest.mark.browser

LANGUAGES = ["sv", "en"]
OPTIONAL_COOKIES = {"_pk_id.1.d3m0", "_pk_ses.1.d3m0", "ps_media"}
GPC = "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})"


@pytest.fixture(scope="module")
def server(built_site: Path, tmp_path_factory: pytest.TempPathFactory):
    consent = ConsentServer(built_site, tmp_path_factory.mktemp("consent")).start()
    yield consent
    consent.stop()


def expected_record(server: ConsentServer, lang: str, action: str, source: str,
                    statistics: bool, media: bool) -> dict:
    categories = {"necessary": True, "statistics": statistics, "media": media}
    return choice_body(manifest_entry(server.site), lang, action, categories, source)


def essentials(record: dict) -> dict:
    return {key: record[key] for key in ("action", "source", "categories", "policy", "inventory")}


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


# Each choice runs exactly the right scripts and is recorded -------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_accept_all_runs_every_gated_script_and_is_recorded(page, server: ConsentServer, lang: str) -> None:
    page.goto(server.url + DEMO_PATH[lang])
    key = recorded(page, first_layer(page, "accept").click)

    assert demo_runs(page) == ["statistics", "media"]
    assert page.locator("#ps-consent").is_hidden()
    assert cookie_names(page) == NECESSARY_COOKIES | OPTIONAL_COOKIES
    [record] = my_records(page, server)
    assert essentials(record) == expected_record(server, lang, "accept_all", "banner", True, True)
    assert records_with_key(server, key) == [record]
    [visitor_cookie] = [c for c in page.context.cookies() if c["name"] == "ps_visitor"]
    assert visitor_cookie["value"].startswith(record["visitor"] + "."), "the identifier is created"
    assert visitor_cookie["httpOnly"]
    choice = stored_choice(page)
    assert (choice["c"], choice["v"], choice["i"]) == (
        ["necessary", *OPTIONAL], "2026-11-01", published(server.site, lang)["inventory"])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_reject_all_runs_nothing_and_is_recorded(page, server: ConsentServer, lang: str) -> None:
    page.goto(server.url + DEMO_PATH[lang])
    key = recorded(page, first_layer(page, "reject").click)

    assert demo_runs(page) == []
    assert cookie_names(page) == CHOICE_ONLY, "no ps_visitor: a refusal leaves no identifier"
    [record] = records_with_key(server, key)
    assert essentials(record) == expected_record(server, lang, "reject_all", "banner", False, False)
    assert record["visitor"] is None
    assert my_records(page, server) == []
    page.reload()
    assert demo_runs(page) == []
    assert page.locator("#ps-consent").is_hidden()


@pytest.mark.parametrize(("lang", "category"), [("sv", "statistics"), ("en", "media")])
def test_a_custom_choice_runs_only_the_chosen_category(
    page, server: ConsentServer, lang: str, category: str
) -> None:
    page.goto(server.url + DEMO_PATH[lang])
    first_layer(page, "settings").click()
    page.locator(f"#ps-consent-{category}").check()
    recorded(page, settings_layer(page, "save").click)

    assert demo_runs(page) == [category]
    [record] = my_records(page, server)
    assert essentials(record) == expected_record(
        server, lang, "custom", "settings", category == "statistics", category == "media")
    page.reload()
    assert demo_runs(page) == [category]


def test_a_choice_holds_on_every_page_and_is_sent_once(page, server: ConsentServer) -> None:
    posts: list[str] = []
    page.on("request", lambda r: r.method == "POST" and posts.append(r.url))
    page.goto(server.url + "en/demo/")
    recorded(page, first_layer(page, "accept").click)
    for path in ("en/", "en/about/", "demo/", "en/demo/"):
        page.goto(server.url + path)
        assert page.locator("#ps-consent").is_hidden()
    assert demo_runs(page) == ["statistics", "media"]
    assert len(posts) == 1
    assert len(my_records(page, server)) == 1
    assert web_storage(page) == []


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


# Withdrawal -------------------------------------------------------------------------------------

def test_withdrawing_is_as_easy_as_accepting_and_removes_the_cookies(page, server: ConsentServer) -> None:
    page.goto(server.url + "demo/")
    recorded(page, first_layer(page, "accept").click)
    assert cookie_names(page) >= OPTIONAL_COOKIES

    page.get_by_role("link", name="Cookieinställningar").last.click()
    assert page.locator("#ps-consent-settings").is_visible()
    assert page.locator("#ps-consent-statistics").is_checked()
    recorded(page, settings_layer(page, "reject").click)

    assert cookie_names(page) == NECESSARY_COOKIES
    withdrawal, acceptance = my_records(page, server)
    assert essentials(withdrawal) == expected_record(server, "sv", "withdraw", "settings", False, False)
    assert acceptance["action"] == "accept_all"
    assert withdrawal["visitor"] == acceptance["visitor"], "recorded under the identifier"
    assert stored_choice(page)["c"] == ["necessary"]
    page.reload()
    assert demo_runs(page) == []
    assert page.locator("#ps-consent").is_hidden()


def test_withdrawing_one_category_keeps_the_other(page, server: ConsentServer) -> None:
    page.goto(server.url + "en/demo/")
    recorded(page, first_layer(page, "accept").click)
    page.evaluate("psConsent.open()")
    page.locator("#ps-consent-media").uncheck()
    recorded(page, settings_layer(page, "save").click)

    assert cookie_names(page) == NECESSARY_COOKIES | {"_pk_id.1.d3m0", "_pk_ses.1.d3m0"}
    assert my_records(page, server)[0]["action"] == "custom"
    page.reload()
    assert demo_runs(page) == ["statistics"]


def test_saving_an_unchanged_choice_records_nothing_new(page, server: ConsentServer) -> None:
    page.goto(server.url + "en/")
    recorded(page, first_layer(page, "accept").click)
    posts: list[str] = []
    page.on("request", lambda r: r.method == "POST" and posts.append(r.url))
    page.get_by_role("link", name="Cookie settings").last.click()
    settings_layer(page, "save").click()
    assert page.locator("#ps-consent").is_hidden()
    page.reload()
    assert posts == []
    assert len(my_records(page, server)) == 1


@pytest.mark.parametrize("lang", LANGUAGES)
def test_settings_saved_with_every_optional_category_off_leave_no_identifier(
    page, server: ConsentServer, lang: str
) -> None:
    page.goto(server.url + DEMO_PATH[lang])
    first_layer(page, "settings").click()
    key = recorded(page, settings_layer(page, "save").click)

    assert demo_runs(page) == []
    assert cookie_names(page) == CHOICE_ONLY
    [record] = records_with_key(server, key)
    assert essentials(record) == expected_record(server, lang, "reject_all", "settings", False, False)
    assert record["visitor"] is None


FIRST_CHOICES = {
    "accept all": lambda page: first_layer(page, "accept").click(),
    "reject all": lambda page: first_layer(page, "reject").click(),
    "settings, one category": lambda page: (first_layer(page, "settings").click(),
                                            page.locator("#ps-consent-media").check(),
                                            settings_layer(page, "save").click()),
    "settings, nothing optional": lambda page: (first_layer(page, "settings").click(),
                                                settings_layer(page, "save").click()),
}


@pytest.mark.parametrize("first", sorted(FIRST_CHOICES))
def test_no_choice_leaves_anything_in_local_or_session_storage(
    page, server: ConsentServer, first: str
) -> None:
    page.goto(server.url + "en/demo/")
    recorded(page, lambda: FIRST_CHOICES[first](page))
    assert web_storage(page) == []
    # And the opposite choice after it: a withdrawal, or a consent after a refusal.
    page.evaluate("psConsent.open()")
    granted = page.evaluate("psConsent.allowed('media')")
    recorded(page, settings_layer(page, "reject" if granted else "accept").click)
    for path in ("en/", "en/demo/"):
        page.goto(server.url + path)
        assert web_storage(page) == []


def test_what_earlier_versions_left_in_local_storage_is_removed(page, server: ConsentServer) -> None:
    page.goto(server.url + "en/")
    page.evaluate("""() => {
        localStorage.setItem("ps_consent_queue", JSON.stringify([{id: "1-0.5", b: {action: "reject_all"}}]));
        localStorage.setItem("ps_consent_last", "6f1c2d4e-8a9b-4c3d-9e2f-1a2b3c4d5e6f");
        localStorage.setItem("set by someone else", "kept");
    }""")
    page.reload()
    assert web_storage(page) == ["set by someone else"]


# Global Privacy Control -------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_global_privacy_control_switches_optional_categories_off_and_says_so(
    page, server: ConsentServer, lang: str
) -> None:
    page.add_init_script(GPC)
    with page.expect_response(lambda r: r.url.endswith("/api/v1/consents")) as posted:
        page.goto(server.url + DEMO_PATH[lang])
    assert posted.value.status == 201

    assert page.locator("#ps-consent").is_visible()
    assert page.locator("#ps-consent-gpc").is_visible()
    assert "Global Privacy Control" in page.locator("#ps-consent-gpc").inner_text()
    assert demo_runs(page) == []
    assert cookie_names(page) == CHOICE_ONLY, "no ps_visitor for a GPC signal"
    assert web_storage(page) == []
    [record] = records_with_key(server, key_of(posted.value.request))
    assert essentials(record) == expected_record(server, lang, "reject_all", "gpc", False, False)
    assert record["visitor"] is None

    first_layer(page, "settings").click()
    assert not page.locator("#ps-consent-statistics").is_checked()
    page.locator("#ps-consent-statistics").check()
    recorded(page, settings_layer(page, "save").click)
    assert demo_runs(page) == ["statistics"]
    [custom] = my_records(page, server)
    assert (custom["action"], custom["source"]) == ("custom", "settings")
    page.reload()
    assert page.locator("#ps-consent").is_hidden()
    assert len(my_records(page, server)) == 1


def test_a_global_privacy_control_signal_is_recorded_once_not_on_every_page(
    page, server: ConsentServer
) -> None:
    page.add_init_script(GPC)
    posts: list[str] = []
    page.on("request", lambda r: r.method == "POST" and posts.append(r.url))
    before = len(all_records(server))
    with page.expect_response(lambda r: r.url.endswith("/api/v1/consents")):
        page.goto(server.url + "en/")
    page.wait_for_function(NOTHING_UNCONFIRMED)
    for path in ("en/about/", "en/demo/", "", "en/"):
        page.goto(server.url + path)
        assert page.locator("#ps-consent").is_hidden()
    assert len(posts) == 1
    added = all_records(server)[before:]
    assert [(r["action"], r["source"], r["visitor"]) for r in added] == [("reject_all", "gpc", None)]


def test_without_global_privacy_control_there_is_no_gpc_notice(page, server: ConsentServer) -> None:
    page.goto(server.url + "en/")
    assert page.locator("#ps-consent-gpc").is_hidden()
    assert my_records(page, server) == []


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
