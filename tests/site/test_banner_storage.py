"""Everything the site keeps in the browser is declared in the inventory in effect, and what a
category the visitor has not accepted stores is deleted: cookies on the page's host and on its
parent domain, ``localStorage`` and ``sessionStorage`` keys.

In Debian's Chromium against the consent service serving the built site, as of the tests' day
(version 2026-11-01 in effect) and as of a day in 2027 (version 2027-01-01, the service's clock
set to that day).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from policy_core.versions import Inventory
from policy_site.sources import load_sources
from testbed.banner import (
    DEMO_PATH,
    HOME_PATH,
    ConsentServer,
    first_layer,
    recorded,
    settings_layer,
    stored_items,
)
from testbed.site import AS_OF, CHROMIUM_ARGS, IN_EFFECT_2027, PAGE_TYPES, REPO, copy_project, mkdocs_build

pytestmark = pytest.mark.browser

LANGUAGES = ["sv", "en"]
HOST = "www.example.test"
PARENT = "example.test"
MATOMO = ("_pk_id.1.abcd", "_pk_ref.1.abcd", "_pk_ses.1.abcd")
STATISTICS_STORAGE = (
    "      - name: _pk_store.*\n        storage: localStorage\n"
    "        provider: {sv: Vi, en: Us}\n        purpose: {sv: Test., en: Test.}\n"
    "        duration: {sv: Tills vidare, en: Until removed}\n"
    "      - name: ps_visit\n        storage: sessionStorage\n"
    "        provider: {sv: Vi, en: Us}\n        purpose: {sv: Test., en: Test.}\n"
    "        duration: {sv: Fliken, en: The tab}\n"
)
"""Two statistics items kept outside cookies, added to a copy of the 2027-01-01 inventory."""

SET_AS_A_TRACKER_WOULD = """(names) => {
    for (const name of names) {
        document.cookie = name + "=host; path=/";
        document.cookie = name + "=parent; path=/; domain=example.test";
    }
    localStorage.setItem("_pk_store.1", "x");
    sessionStorage.setItem("ps_visit", "x");
    localStorage.setItem("not_declared", "x");
}"""


def inventory_in_effect(site: Path, sources: Path) -> Inventory:
    current = json.loads((site / "versions.json").read_text(encoding="utf-8"))["current"]
    inventory = next(v for v in load_sources(sources).versions if v.id == current).inventory
    assert inventory is not None
    return inventory


@pytest.fixture(scope="module", params=[AS_OF, IN_EFFECT_2027])
def deployment(request: pytest.FixtureRequest,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsentServer]:
    day = request.param
    site = request.getfixturevalue("built_site" if day == AS_OF else "built_site_2027")
    server = ConsentServer(site, tmp_path_factory.mktemp("consent"),
                           today=None if day == AS_OF else day).start()
    yield server
    server.stop()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_after_accept_all_everything_in_the_browser_on_every_page_is_declared(
    page, deployment: ConsentServer, lang: str
) -> None:
    inventory = inventory_in_effect(deployment.site, REPO / "policy_src")
    page.goto(deployment.url + DEMO_PATH[lang])
    recorded(page, first_layer(page, "accept").click)
    found: set[tuple[str, str]] = set()
    for path in PAGE_TYPES.values():
        page.goto(deployment.url + HOME_PATH[lang] + path)
        if page.locator("#ps-scheme").count():
            page.locator("#ps-scheme").click()
        found |= stored_items(page)

    assert {("cookie", "_pk_id.1.d3m0"), ("cookie", "ps_media")} <= found, "the optional scripts ran"
    if inventory.declaring("cookie", "ps_theme") is not None:
        assert ("cookie", "ps_theme") in found, "the colour scheme was kept"
    assert not [name for _, name in found if "__palette" in name]
    undeclared = sorted(item for item in found if inventory.declaring(*item) is None)
    assert undeclared == []


# Withdrawing deletes on the host and the parent domain ------------------------------------------

@pytest.fixture(scope="module")
def example_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsentServer]:
    """The site as of 2027, its statistics category also keeping a localStorage and a
    sessionStorage item, served as www.example.test (the browser maps the name to loopback)."""
    base = tmp_path_factory.mktemp("example")
    project = copy_project(base / "project")
    path = project / "policy_src/versions/2027-01-01/cookies.yml"
    text = path.read_text(encoding="utf-8")
    assert text.count("  - id: media\n") == 1
    path.write_text(text.replace("  - id: media\n", STATISTICS_STORAGE + "  - id: media\n"), encoding="utf-8")
    result = mkdocs_build(project, base / "site", as_of=IN_EFFECT_2027)
    assert result.returncode == 0, result.output
    server = ConsentServer(result.site, base, today=IN_EFFECT_2027).start()
    yield server
    server.stop()


@pytest.fixture
def example_page(browser_type, browser_type_launch_args: dict, example_server: ConsentServer):
    browser = browser_type.launch(**{**browser_type_launch_args, "args": [
        *CHROMIUM_ARGS, f"--host-resolver-rules=MAP {HOST} 127.0.0.1"]})
    context = browser.new_context()
    yield context.new_page()
    context.close()
    browser.close()


def cookies_named(page, names: tuple[str, ...]) -> set[tuple[str, str]]:
    return {(c["name"], c["domain"]) for c in page.context.cookies() if c["name"] in names}


def test_withdrawing_a_category_deletes_its_cookies_on_host_and_parent_domain_and_its_storage(
    example_page, example_server: ConsentServer
) -> None:
    page = example_page
    page.goto(f"http://{HOST}:{example_server.port}/en/demo/")
    recorded(page, first_layer(page, "accept").click)
    page.evaluate(SET_AS_A_TRACKER_WOULD, list(MATOMO))
    page.locator("#ps-scheme").click()
    assert cookies_named(page, MATOMO) == {(n, d) for n in MATOMO for d in (HOST, "." + PARENT)}
    before = stored_items(page)
    assert {("localStorage", "_pk_store.1"), ("sessionStorage", "ps_visit")} <= before

    page.evaluate("psConsent.open()")
    page.locator("#ps-consent-statistics").uncheck()
    recorded(page, settings_layer(page, "save").click)

    statistics = {item for item in before if item[1].startswith("_pk_") or item[1] == "ps_visit"}
    assert statistics >= {("cookie", "_pk_id.1.d3m0"), ("localStorage", "_pk_store.1")}
    assert cookies_named(page, MATOMO) == set()
    assert stored_items(page) == before - statistics, "the other categories' items and the " \
        "undeclared key, which is not the banner's to delete, are kept"

    page.evaluate(SET_AS_A_TRACKER_WOULD, list(MATOMO))
    page.reload()
    assert cookies_named(page, MATOMO) == set(), "and on every page load"
    assert stored_items(page) == before - statistics
