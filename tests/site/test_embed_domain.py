"""One choice for the whole domain: with a cookie domain, a choice made on www holds on the
policy site and one made there holds on www, the newer counting over an older one for the policy
host alone; without one, the choice stays on its own host. The policy site built with its own
``cookie_domain`` keeps even a first choice made there for the whole domain, except on a preview
of that build on a host outside the domain.

The hosts and the fixture site are described in ``testbed/embed.py``.
"""

from __future__ import annotations

import pytest

from testbed.banner import ConsentServer, first_layer, recorded, records_with_key, settings_layer
from testbed.embed import (
    DOMAIN,
    MATOMO,
    POLICY_HOST,
    WWW_HOST,
    Sites,
    Visitor,
    choose,
    consent_cookies,
    fixture_runs,
    open_banner,
    visit,
    visitor_log,
)

pytestmark = pytest.mark.browser


# One choice for the whole domain ----------------------------------------------------------------

def test_with_a_cookie_domain_a_choice_on_www_holds_on_the_policy_site_and_a_withdrawal_there_on_www(
    visitor: Visitor, sites: Sites
) -> None:
    page = visitor.page
    choose(page, sites.www + "/", "accept")
    assert consent_cookies(page) == [(DOMAIN, "/")]

    page.goto(sites.policy_origin + "/demo/")
    assert page.locator("#ps-consent").is_hidden(), "the choice made on www holds here"
    assert page.evaluate("window.psDemo || []") == ["statistics", "media"]

    page.evaluate("psConsent.open()")
    key = recorded(page, settings_layer(page, "reject").click)
    [withdrawal] = records_with_key(sites.policy, key)
    assert (withdrawal["action"], withdrawal["site"]) == ("withdraw", sites.policy_origin)
    assert consent_cookies(page) == [(DOMAIN, "/")], "one choice, still for the whole domain"

    visit(page, sites.www + "/")
    assert page.locator("#ps-consent").is_hidden()
    assert page.evaluate("psConsent.get().categories") == {
        "necessary": True, "statistics": False, "media": False}
    assert fixture_runs(page) == []
    assert not MATOMO & {c["name"] for c in page.context.cookies()}
    assert [r["action"] for r in visitor_log(page, sites)] == ["withdraw", "accept_all"]


def test_a_newer_choice_for_the_domain_counts_over_an_older_one_for_the_policy_host_alone(
    visitor: Visitor, sites: Sites
) -> None:
    """A visitor who chose on the policy site before www embedded the banner has a choice for
    that host; the one made later on www, for the domain, is the one that counts there, and the
    next choice on the policy site replaces both with one for the domain."""
    page = visitor.page
    choose(page, sites.policy_origin + "/en/", "reject")
    assert consent_cookies(page) == [(POLICY_HOST, "/")]
    page.wait_for_timeout(5)  # the next choice is a later one, by the clock the cookie keeps
    choose(page, sites.www + "/", "accept")
    assert sorted(consent_cookies(page)) == [(DOMAIN, "/"), (POLICY_HOST, "/")]

    page.goto(sites.policy_origin + "/en/demo/")
    assert page.locator("#ps-consent").is_hidden()
    assert page.evaluate("window.psDemo || []") == ["statistics", "media"], "the newer choice counts"
    page.evaluate("psConsent.open()")
    recorded(page, settings_layer(page, "reject").click)
    assert consent_cookies(page) == [(DOMAIN, "/")], "one choice left, for the domain"
    visit(page, sites.www + "/")
    assert page.evaluate("psConsent.get().categories.statistics") is False


def test_withdrawing_on_the_consent_log_page_holds_on_www(visitor: Visitor, sites: Sites) -> None:
    page = visitor.page
    choose(page, sites.www + "/", "accept")
    page.goto(sites.policy_origin + "/en/consent-log")
    assert sites.www in page.locator("table").inner_text(), "the log names the site of the choice"
    with page.expect_navigation():
        page.get_by_role("button", name="Withdraw consent").click()
    assert consent_cookies(page) == []

    open_banner(page, sites.www + "/")
    assert page.evaluate("psConsent.get()") is None, "asked again, nothing optional runs"
    assert fixture_runs(page) == []


def test_without_a_cookie_domain_the_choice_stays_on_its_own_host(visitor: Visitor, sites: Sites) -> None:
    page = visitor.page
    choose(page, sites.www + "/en/", "accept")
    assert consent_cookies(page) == [(WWW_HOST, "/")]
    page.goto(sites.policy_origin + "/en/")
    assert page.locator("#ps-consent").is_visible(), "the policy site asks for itself"


# The policy site's own cookie domain ------------------------------------------------------------

def test_with_the_policy_sites_cookie_domain_a_first_choice_there_holds_on_www(
    visitor: Visitor, sites: Sites, domain_policy: ConsentServer
) -> None:
    page = visitor.page
    choose(page, f"http://{POLICY_HOST}:{domain_policy.port}/en/", "accept")
    assert consent_cookies(page) == [(DOMAIN, "/")]

    visit(page, sites.www + "/en/")  # a page that names no cookie domain itself
    assert page.locator("#ps-consent").is_hidden(), "the choice made on the policy site holds here"
    choice = page.evaluate("psConsent.get()")
    assert (choice["categories"], choice["source"]) == (
        {"necessary": True, "statistics": True, "media": True}, "banner")


def test_without_a_cookie_domain_a_first_choice_on_the_policy_site_stays_on_its_host(
    visitor: Visitor, sites: Sites
) -> None:
    page = visitor.page
    choose(page, sites.policy_origin + "/en/", "accept")
    assert consent_cookies(page) == [(POLICY_HOST, "/")]
    open_banner(page, sites.www + "/en/")
    assert page.evaluate("psConsent.get()") is None, "www asks for itself"


def test_a_preview_of_that_build_outside_the_domain_keeps_the_choice_for_its_host(
    visitor: Visitor, domain_policy: ConsentServer
) -> None:
    """A browser keeps no cookie for a domain the page is not under: the build with a cookie
    domain, served on 127.0.0.1 (``make run``), still remembers the choice there."""
    page = visitor.page
    open_banner(page, domain_policy.url + "en/")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/consents")):
        first_layer(page, "reject").click()
    assert consent_cookies(page) == [("127.0.0.1", "/")]
    visit(page, domain_policy.url + "en/demo/")
    assert page.locator("#ps-consent").is_hidden()
    assert page.evaluate("psConsent.get().categories.statistics") is False
