"""The banner on the company's other sites, in Debian's Chromium over real HTTP.

``www.example.test`` is a plain static server for the fixture site (``tests/site/fixtures/www/``: what
the WordPress theme prints once the README's migration is done, with its gating recipes), sending
the Content-Security-Policy the README documents. ``policy.example.test`` is the consent service
serving the built policy site, with ``www`` in ``CONSENT_ALLOWED_ORIGINS``. ``other.example.test``
serves the same fixture site but is not allowed. Chromium maps the three names to loopback.

The fixture's pages name the README's addresses (``https://policy.example.se``, the cookie
domain ``.example.se``, Google's tag); they are published for the test with the test's
addresses, and Google's tag, which cannot run here, with a stand-in on ``www`` that reads the
``dataLayer`` as Google's tag does.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from testbed.banner import (
    CHOICE_ONLY,
    ConsentServer,
    all_records,
    axe_violations,
    first_layer,
    first_layer_buttons,
    published,
    recorded,
    records_with_key,
    settings_layer,
    stored_choice,
    unconfirmed_origins,
)
from testbed.choice import manifest_entry, policy_ref
from testbed.site import CHROMIUM_ARGS, REPO, static_server

pytestmark = pytest.mark.browser

WWW_HOST = "www.example.test"
POLICY_HOST = "policy.example.test"
OTHER_HOST = "other.example.test"
"""Serves the fixture site too, but is not in CONSENT_ALLOWED_ORIGINS."""
DOMAIN = ".example.test"

FIXTURE = REPO / "tests" / "site" / "fixtures" / "www"
README = (REPO / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("### The banner on the company's other sites"):]
SECTION = SECTION[:SECTION.index("\n### ", 1)]
DOCUMENTED_POLICY = "https://policy.example.se"
DOCUMENTED_DOMAIN = 'data-cookie-domain=".example.se"'
GOOGLE_TAG = "https://www.googletagmanager.com/gtag/js"
GOOGLE_STAND_IN = "/google/gtag.js"
"""Served by www in place of Google's tag (tests/site/fixtures/www/google/gtag.js)."""
MATOMO = {"_pk_id.1.e2e5", "_pk_ses.1.e2e5"}
DENIED = {"ad_storage": "denied", "ad_user_data": "denied", "ad_personalization": "denied",
          "analytics_storage": "denied"}


def documented_csp() -> str:
    [header] = re.findall(r"```http\nContent-Security-Policy: (.*?)\n```", SECTION)
    return header


def publish_fixture(target: Path, policy_origin: str) -> Path:
    """The fixture site with the test's addresses in place of the README's."""
    shutil.copytree(FIXTURE, target)
    for path in target.rglob("*"):
        if path.suffix in (".html", ".js"):
            text = path.read_text(encoding="utf-8")
            text = (text.replace(DOCUMENTED_POLICY, policy_origin)
                    .replace(DOCUMENTED_DOMAIN, f'data-cookie-domain="{DOMAIN}"')
                    .replace(GOOGLE_TAG, GOOGLE_STAND_IN))
            path.write_text(text, encoding="utf-8")
    return target


@dataclass
class Sites:
    policy: ConsentServer
    policy_origin: str
    www: str
    other: str
    csp: str


@pytest.fixture(scope="module")
def sites(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    base = tmp_path_factory.mktemp("embed")
    service = ConsentServer(built_site, base)
    policy_origin = f"http://{POLICY_HOST}:{service.port}"
    root = publish_fixture(base / "www", policy_origin)
    csp = documented_csp().replace(DOCUMENTED_POLICY, policy_origin)
    with static_server(root, {"Content-Security-Policy": csp}) as url:
        port = urlsplit(url).port
        www = f"http://{WWW_HOST}:{port}"
        service.environment["CONSENT_ALLOWED_ORIGINS"] = www
        service.start()
        try:
            yield Sites(service, policy_origin, www, f"http://{OTHER_HOST}:{port}", csp)
        finally:
            service.stop()


@pytest.fixture(scope="module")
def mapped_browser(browser_type, browser_type_launch_args: dict) -> Iterator[Any]:
    rules = ", ".join(f"MAP {host} 127.0.0.1" for host in (WWW_HOST, POLICY_HOST, OTHER_HOST))
    browser = browser_type.launch(**{**browser_type_launch_args,
                                     "args": [*CHROMIUM_ARGS, f"--host-resolver-rules={rules}"]})
    yield browser
    browser.close()


@dataclass
class Visitor:
    """One browser profile: its page, every request it made, what its CSP refused."""

    page: Any
    requests: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def hosts(self) -> set[str]:
        return {urlsplit(url).hostname for url in self.requests}


GPC = "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})"


def new_visitor(browser: Any, *init_scripts: str) -> Visitor:
    context = browser.new_context()
    for script in init_scripts:
        context.add_init_script(script)
    visitor = Visitor(context.new_page())
    context.on("request", lambda request: visitor.requests.append(request.url))
    context.on("console", lambda message: visitor.refused.append(message.text)
               if "Content Security Policy" in message.text else None)
    return visitor


@pytest.fixture
def visitor(mapped_browser: Any) -> Iterator[Visitor]:
    visitor = new_visitor(mapped_browser)
    yield visitor
    visitor.page.context.close()


def fixture_runs(page: Any) -> list[str]:
    """Which of the fixture's gated scripts have run on the page."""
    return page.evaluate("window.psFixture || []")


def consent_commands(page: Any) -> list[list[Any]]:
    """The consent commands Google's tag finds in the page's dataLayer, in order."""
    return page.evaluate("(window.dataLayer || []).map((a) => Array.from(a))"
                         ".filter((a) => a[0] === 'consent')")


def visitor_log(page: Any, sites: Sites) -> list[dict[str, Any]]:
    """The visitor's own records, asked by the browser from the policy origin with its cookies,
    without the inclusion proofs the log adds, so that they compare with the export's."""
    other = page.context.new_page()
    try:
        response = other.goto(sites.policy_origin + "/api/v1/me/consents")
        records = [] if response.status == 401 else response.json()["records"]
        return [{key: value for key, value in record.items() if key != "proof"} for record in records]
    finally:
        other.close()


def consent_cookies(page: Any) -> list[tuple[str, str]]:
    return [(c["domain"], c["path"]) for c in page.context.cookies() if c["name"] == "ps_consent"]


def open_banner(page: Any, url: str) -> None:
    page.goto(url)
    page.locator("#ps-consent").wait_for(state="visible")


# The banner on www, before any choice ----------------------------------------------------------

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


# Choices on www are recorded with their site ----------------------------------------------------

def test_reject_all_on_www_is_recorded_with_www_as_its_site_and_leaves_no_identifier(
    visitor: Visitor, sites: Sites
) -> None:
    page = visitor.page
    open_banner(page, sites.www + "/")
    key = recorded(page, first_layer(page, "reject").click)
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
    open_banner(page, sites.www + "/")
    key = recorded(page, first_layer(page, "accept").click)
    page.wait_for_function("(window.psFixture || []).includes('matomo')")
    assert fixture_runs(page) == ["matomo"]
    assert any(urlsplit(url).path == "/matomo/matomo.php" for url in visitor.requests)
    page.wait_for_function("document.cookie.includes('ps_media=')")
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
    page.wait_for_function("(window.psFixture || []).includes('matomo')")
    assert visitor.hosts() == {WWW_HOST, POLICY_HOST}
    assert visitor.refused == [], "nothing the documented Content-Security-Policy refuses"


def psconsent_inventory(page: Any) -> str:
    return page.evaluate("psConsent.get().inventory")


def test_global_privacy_control_on_www_is_recorded_once_with_its_site(
    mapped_browser: Any, sites: Sites
) -> None:
    visitor = new_visitor(mapped_browser, GPC)
    page = visitor.page
    try:
        with page.expect_response(lambda r: r.url.endswith("/api/v1/consents")) as answer:
            page.goto(sites.www + "/")
        assert answer.value.status == 201
        assert page.locator("#ps-consent-gpc").is_visible()
        gpc = [r for r in all_records(sites.policy) if r["source"] == "gpc" and r["site"] == sites.www]
        assert [r["action"] for r in gpc] == ["reject_all"]
        page.reload()
        page.wait_for_load_state("networkidle")
        assert len([r for r in all_records(sites.policy) if r["source"] == "gpc"
                    and r["site"] == sites.www]) == 1
    finally:
        page.context.close()


# One choice for the whole domain ---------------------------------------------------------------

def test_with_a_cookie_domain_a_choice_on_www_holds_on_the_policy_site_and_a_withdrawal_there_on_www(
    visitor: Visitor, sites: Sites
) -> None:
    page = visitor.page
    open_banner(page, sites.www + "/")
    recorded(page, first_layer(page, "accept").click)
    assert consent_cookies(page) == [(DOMAIN, "/")]

    page.goto(sites.policy_origin + "/demo/")
    assert page.locator("#ps-consent").is_hidden(), "the choice made on www holds here"
    assert page.evaluate("window.psDemo || []") == ["statistics", "media"]

    page.evaluate("psConsent.open()")
    key = recorded(page, settings_layer(page, "reject").click)
    [withdrawal] = records_with_key(sites.policy, key)
    assert (withdrawal["action"], withdrawal["site"]) == ("withdraw", sites.policy_origin)
    assert consent_cookies(page) == [(DOMAIN, "/")], "one choice, still for the whole domain"

    page.goto(sites.www + "/")
    page.wait_for_function("window.psConsent")
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
    open_banner(page, sites.policy_origin + "/en/")
    recorded(page, first_layer(page, "reject").click)
    assert consent_cookies(page) == [(POLICY_HOST, "/")]
    page.wait_for_timeout(5)  # the next choice is a later one, by the clock the cookie keeps
    open_banner(page, sites.www + "/")
    recorded(page, first_layer(page, "accept").click)
    assert sorted(consent_cookies(page)) == [(DOMAIN, "/"), (POLICY_HOST, "/")]

    page.goto(sites.policy_origin + "/en/demo/")
    assert page.locator("#ps-consent").is_hidden()
    assert page.evaluate("window.psDemo || []") == ["statistics", "media"], "the newer choice counts"
    page.evaluate("psConsent.open()")
    recorded(page, settings_layer(page, "reject").click)
    assert consent_cookies(page) == [(DOMAIN, "/")], "one choice left, for the domain"
    page.goto(sites.www + "/")
    page.wait_for_function("window.psConsent")
    assert page.evaluate("psConsent.get().categories.statistics") is False


def test_withdrawing_on_the_consent_log_page_holds_on_www(visitor: Visitor, sites: Sites) -> None:
    page = visitor.page
    open_banner(page, sites.www + "/")
    recorded(page, first_layer(page, "accept").click)
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
    open_banner(page, sites.www + "/en/")
    recorded(page, first_layer(page, "accept").click)
    assert consent_cookies(page) == [(WWW_HOST, "/")]
    page.goto(sites.policy_origin + "/en/")
    assert page.locator("#ps-consent").is_visible(), "the policy site asks for itself"


# A site that is not allowed --------------------------------------------------------------------

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
    page.goto(sites.www + "/")
    page.wait_for_function("window.psConsent")
    page.wait_for_load_state("networkidle")
    assert page.locator("#ps-consent").is_hidden(), "the choice is the domain's"
    assert not [url for url in visitor.requests[sent_before:] if url.endswith("/api/v1/consents")], (
        "www does not send a choice made on the other site")
    assert unconfirmed_origins(page) == [sites.other]
    assert len(all_records(sites.policy)) == stored


def post(sites: Sites, body: dict, origin: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        sites.policy.url + "api/v1/consents", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Origin": origin,
                 "Host": f"{POLICY_HOST}:{sites.policy.port}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


# Google's tag with Consent Mode v2 -------------------------------------------------------------

def test_the_consent_mode_recipe_is_denied_before_a_choice_and_granted_after_accepting(
    visitor: Visitor, sites: Sites
) -> None:
    page = visitor.page
    open_banner(page, sites.www + "/analytics/")
    page.wait_for_load_state("networkidle")
    assert consent_commands(page) == [["consent", "default", DENIED]]
    assert not [url for url in visitor.requests if "/google/" in url], "nothing of Google's loads"

    with page.expect_request(lambda r: "/google/g/collect" in r.url) as hit:
        recorded(page, first_layer(page, "accept").click)
    assert hit.value.url.endswith("/google/g/collect?analytics_storage=granted&ad_storage=denied")
    assert consent_commands(page) == [["consent", "default", DENIED], ["consent", "update", {
        **DENIED, "analytics_storage": "granted"}]]

    with page.expect_request(lambda r: "/google/g/collect" in r.url) as hit:
        page.reload()
    assert hit.value.url.endswith("analytics_storage=granted&ad_storage=denied"), (
        "a choice made on an earlier page is granted before Google's tag reads the dataLayer")
    assert visitor.hosts() == {WWW_HOST, POLICY_HOST}


def test_the_consent_mode_recipe_stays_denied_and_loads_nothing_after_reject_all(
    visitor: Visitor, sites: Sites
) -> None:
    page = visitor.page
    open_banner(page, sites.www + "/analytics/")
    recorded(page, first_layer(page, "reject").click)
    assert consent_commands(page) == [["consent", "default", DENIED], ["consent", "update", DENIED]]
    page.reload()
    page.wait_for_load_state("networkidle")
    assert not [url for url in visitor.requests if "/google/" in url]


# The README's guide and recipes ----------------------------------------------------------------

def code_blocks(text: str) -> list[tuple[str, str]]:
    return re.findall(r"```(\w+)\n(.*?)```", text, re.DOTALL)


def stripped_lines(text: str) -> list[str]:
    return [line.strip() for line in text.strip("\n").splitlines()]


def in_fixture(block: str) -> bool:
    """Whether ``block`` is, line for line (indentation aside), part of a fixture file."""
    wanted = stripped_lines(block)
    for path in FIXTURE.rglob("*"):
        if path.suffix in (".html", ".js"):
            lines = stripped_lines(path.read_text(encoding="utf-8"))
            if any(lines[i:i + len(wanted)] == wanted for i in range(len(lines))):
                return True
    return False


def test_every_snippet_and_recipe_of_the_readme_is_in_the_tested_fixture_site() -> None:
    blocks = [body for language, body in code_blocks(SECTION) if language in ("html", "js")]
    assert len(blocks) >= 6, "the snippet and the recipes for Matomo, a video and Google's tag"
    assert [block for block in blocks if not in_fixture(block)] == []
    php = [body for language, body in code_blocks(SECTION) if language == "php"]
    assert php and in_fixture(re.search(r"echo '(<script .*?</script>)'", php[0]).group(1))


def test_the_documented_policy_is_the_one_the_fixture_site_is_served_with(
    visitor: Visitor, sites: Sites
) -> None:
    response = visitor.page.goto(sites.www + "/")
    assert response.headers["content-security-policy"] == sites.csp
    assert "unsafe-inline" not in sites.csp


def scan(*args: str) -> tuple[int, dict[str, Any]]:
    script = Path(sys.executable).with_name("policy-site")
    result = subprocess.run([str(script), "scan", "--wait", "0", "--format", "json", *args],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def test_the_guides_scan_finds_the_migrated_site_clean_and_an_undeclared_google_cookie(sites: Sites) -> None:
    """Step 6 of the guide, against the fixture site under its names: the home page stores
    nothing before a choice and only what the inventory declares after; the page with Google's
    tag keeps _ga, which the inventory does not declare yet (the recipe says to declare it)."""
    resolve = [arg for host in (WWW_HOST, POLICY_HOST) for arg in ("--resolve", f"{host}=127.0.0.1")]
    code, report = scan(sites.www + "/", "--policy-origin", sites.policy_origin + "/", *resolve)
    assert [f["message"] for page in report["pages"] for f in page["findings"] if f["problem"]] == []
    assert code == 0
    [home] = report["pages"]
    accepted = next(state for state in home["states"] if state["id"] == "accept_all")
    assert MATOMO | {"ps_media"} <= {cookie["name"] for cookie in accepted["cookies"]}

    code, report = scan(sites.www + "/analytics/", "--policy-origin", sites.policy_origin + "/", *resolve)
    problems = [f for page in report["pages"] for f in page["findings"] if f["problem"]]
    assert code == 1
    assert {(f["kind"], f["subject"].split(" (")[0]) for f in problems} == {("undeclared", "cookie _ga")}
