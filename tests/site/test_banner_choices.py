"""Each choice made in the cookie banner runs exactly the scripts it allows and is recorded by
the consent service as made: Accept all, Reject all, a custom choice, and the browser's Global
Privacy Control signal.
"""

from __future__ import annotations

import pytest

from testbed.banner import (
    CHOICE_ONLY,
    DEMO_PATH,
    GPC,
    LANGUAGES,
    NECESSARY_COOKIES,
    NOTHING_UNCONFIRMED,
    OPTIONAL,
    OPTIONAL_COOKIES,
    ConsentServer,
    all_records,
    cookie_names,
    demo_runs,
    essentials,
    expected_record,
    first_layer,
    key_of,
    my_records,
    published,
    recorded,
    records_with_key,
    settings_layer,
    stored_choice,
    web_storage,
)

pytestmark = pytest.mark.browser


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
