"""Choices made in the banner on www are recorded by the policy origin with www as their site
(Reject all, Accept all, Global Privacy Control), and a page on a host the service does not allow
cannot record one.

The hosts and the fixture site are described in ``testbed/embed.py``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from testbed.banner import (
    CHOICE_ONLY,
    GPC,
    all_records,
    first_layer,
    published,
    records_with_key,
    stored_choice,
    unconfirmed_origins,
)
from testbed.choice import manifest_entry, policy_ref
from testbed.consent import http_json
from testbed.embed import (
    MATOMO,
    POLICY_HOST,
    WWW_HOST,
    Sites,
    Visitor,
    choose,
    fixture_runs,
    new_visitor,
    open_banner,
    visit,
    visitor_log,
    wait_until_run,
)

pytestmark = pytest.mark.browser


# Choices on www are recorded with their site ----------------------------------------------------

def test_reject_all_on_www_is_recorded_with_www_as_its_site_and_leaves_no_identifier(
    visitor: Visitor, sites: Sites
) -> None:
    page = visitor.page
    key = choose(page, sites.www + "/", "reject")
    [record] = records_with_key(sites.policy, key)
    ref = published(sites.policy.site, "sv")
    assert record["site"] == sites.www
    assert (record["action"], record["source"], record["visitor"]) == ("reject_all", "banner", None)
    assert record["policy"] == policy_ref(manifest_entry(sites.policy.site), "sv")
    assert record["inventory"] == ref["inventory"]
    assert {c["name"] for c in page.context.cookies()} == CHOICE_ONLY
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.locator("#ps-consent").is_hidden()
    assert fixture_runs(page) == []
    assert visitor.hosts() == {WWW_HOST, POLICY_HOST}


def test_accept_all_on_www_runs_the_gated_scripts_and_the_video_and_is_in_the_visitors_log(
    visitor: Visitor, sites: Sites
) -> None:
    page = visitor.page
    key = choose(page, sites.www + "/", "accept")
    wait_until_run(page, "matomo")
    assert fixture_runs(page) == ["matomo"]
    assert any(urlsplit(url).path == "/matomo/matomo.php" for url in visitor.requests)
    page.wait_for_function("() => document.cookie.includes('ps_media=')")
    assert page.locator("iframe[data-category]").get_attribute("src") == "/video/player.html"
    names = {c["name"] for c in page.context.cookies()}
    assert MATOMO | {"ps_media", "ps_consent", "ps_visitor"} <= names
    [visitor_cookie] = [c for c in page.context.cookies() if c["name"] == "ps_visitor"]
    assert (visitor_cookie["domain"], visitor_cookie["httpOnly"]) == (POLICY_HOST, True)
    [record] = records_with_key(sites.policy, key)
    assert (record["action"], record["site"]) == ("accept_all", sites.www)
    assert visitor_log(page, sites) == [record]
    assert psconsent_inventory(page) == published(sites.policy.site, "sv")["inventory"]
    page.reload()
    wait_until_run(page, "matomo")
    assert visitor.hosts() == {WWW_HOST, POLICY_HOST}
    assert visitor.refused == [], "nothing the documented Content-Security-Policy refuses"


def psconsent_inventory(page: Any) -> str:
    return page.evaluate("psConsent.get().inventory")


def test_global_privacy_control_on_www_is_recorded_once_with_its_site(
    mapped_browser: Any, sites: Sites
) -> None:
    visitor = new_visitor(mapped_browser, GPC)
    page = visitor.page

    def new_gpc_records() -> list[dict]:
        """This visit's records: the session's service also holds other tests' choices."""
        return [r for r in all_records(sites.policy)
                if r["id"] not in before and r["source"] == "gpc" and r["site"] == sites.www]

    before = {r["id"] for r in all_records(sites.policy)}
    try:
        with page.expect_response(lambda r: r.url.endswith("/api/v1/consents")) as answer:
            page.goto(sites.www + "/")
        assert answer.value.status == 201
        assert page.locator("#ps-consent-gpc").is_visible()
        assert [r["action"] for r in new_gpc_records()] == ["reject_all"]
        page.reload()
        page.wait_for_load_state("networkidle")
        assert len(new_gpc_records()) == 1, "the signal is recorded once, not on every page"
    finally:
        page.context.close()


# A site that is not allowed ---------------------------------------------------------------------

def test_a_page_on_a_host_that_is_not_allowed_cannot_record(visitor: Visitor, sites: Sites) -> None:
    page = visitor.page
    stored = len(all_records(sites.policy))
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    open_banner(page, sites.other + "/")
    first_layer(page, "reject").click()
    page.wait_for_function("() => document.cookie.includes('ps_consent=')")
    page.wait_for_load_state("networkidle")
    assert failed == [sites.policy_origin + "/api/v1/consents"], "the browser refuses to send it"
    assert len(all_records(sites.policy)) == stored
    assert unconfirmed_origins(page) == [sites.other]

    body = stored_choice(page)["q"][0][1]
    status, answer = post(sites, body, origin=sites.other)
    assert (status, answer["error"]["code"]) == (403, "origin_not_allowed")
    assert len(all_records(sites.policy)) == stored, "nothing stored"

    sent_before = len(visitor.requests)
    visit(page, sites.www + "/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#ps-consent").is_hidden(), "the choice is the domain's"
    assert not [url for url in visitor.requests[sent_before:] if url.endswith("/api/v1/consents")], (
        "www does not send a choice made on the other site")
    assert unconfirmed_origins(page) == [sites.other]
    assert len(all_records(sites.policy)) == stored


def post(sites: Sites, body: dict, origin: str) -> tuple[int, dict]:
    """``body`` posted to the service as a page on ``origin`` would, outside any browser."""
    status, _, answer = http_json("POST", sites.policy.url + "api/v1/consents", body,
                                  {"Origin": origin, "Host": f"{POLICY_HOST}:{sites.policy.port}"})
    return status, answer
