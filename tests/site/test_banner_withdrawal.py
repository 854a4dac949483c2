"""Changing a choice in the cookie banner is as easy as making it: a withdrawal removes what the
withdrawn categories stored and is recorded under the visitor's identifier, an unchanged choice
records nothing new, a choice of nothing optional leaves no identifier, and no choice leaves
anything in ``localStorage`` or ``sessionStorage``.
"""

from __future__ import annotations

import pytest

from testbed.banner import (
    CHOICE_ONLY,
    DEMO_PATH,
    LANGUAGES,
    NECESSARY_COOKIES,
    OPTIONAL_COOKIES,
    ConsentServer,
    cookie_names,
    demo_runs,
    essentials,
    expected_record,
    first_layer,
    my_records,
    recorded,
    records_with_key,
    settings_layer,
    stored_choice,
    web_storage,
)

pytestmark = pytest.mark.browser


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


# Nothing in web storage -------------------------------------------------------------------------

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
