"""``policy-site scan`` in Debian's Chromium against the built site, served by the consent
service as in production: clean as of today and once the next version is in effect, every
state of the demo page listed, each choice made and recorded as a visitor makes it; an older
version chosen on purpose; and a page on another site compared with the inventory at the
policy origin.
"""

from __future__ import annotations

import json
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from testbed.banner import ADMIN_TOKEN, ConsentServer
from testbed.scan import assert_clean, run_scan, scan_json
from testbed.site import IN_EFFECT_2027, StaticServer

pytestmark = pytest.mark.browser


def recorded_choices(server: ConsentServer) -> int:
    request = urllib.request.Request(server.url + "api/v1/audit/verify",
                                     headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["records"]


@pytest.fixture(scope="module")
def server_2027(built_site_2027: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsentServer]:
    """The site built as of 2027-01-02, when the version of 2027-01-01 is in effect."""
    consent = ConsentServer(built_site_2027, tmp_path_factory.mktemp("consent-2027"),
                            today=IN_EFFECT_2027).start()
    yield consent
    consent.stop()


# The built site ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def today_report(server: ConsentServer, tmp_path_factory: pytest.TempPathFactory):
    """One scan of a Swedish demo page and the English home page: exit code, report, and how
    many choices the consent service recorded meanwhile."""
    before = recorded_choices(server)
    code, report = scan_json(tmp_path_factory.mktemp("cwd"), server.url + "demo/", server.url + "en/")
    return code, report, recorded_choices(server) - before


def test_the_built_site_is_clean_as_of_today(today_report) -> None:
    code, report, _ = today_report
    assert {page["policy"]["version"] for page in report["pages"]} == {"2026-11-01"}
    assert_clean(code, report)


def test_the_built_site_is_clean_once_the_next_version_is_in_effect(server_2027: ConsentServer,
                                                                    tmp_path: Path) -> None:
    code, report = scan_json(tmp_path, server_2027.url + "en/demo/", server_2027.url)
    assert {page["policy"]["version"] for page in report["pages"]} == {"2027-01-01"}
    assert_clean(code, report)


def test_every_state_lists_what_the_demo_page_stores(today_report, server: ConsentServer) -> None:
    """Before a choice nothing; each gated script's cookies exactly when its category is on."""
    page = today_report[1]["pages"][0]
    assert page["url"].endswith("/demo/")
    optional = {state["id"]: sorted(c["name"] for c in state["cookies"] if c["category"] != "necessary")
                for state in page["states"]}
    assert optional == {
        "before": [],
        "reject_all": [],
        "custom:statistics": ["_pk_id.1.d3m0", "_pk_ses.1.d3m0"],
        "custom:media": ["ps_media"],
        "accept_all": ["_pk_id.1.d3m0", "_pk_ses.1.d3m0", "ps_media"],
    }
    assert page["states"][0]["cookies"] == []
    assert all("ps_consent" in {c["name"] for c in state["cookies"]} for state in page["states"][1:])
    [visitor] = [c for c in page["states"][-1]["cookies"] if c["name"] == "ps_visitor"]
    assert (visitor["http_only"], visitor["same_site"], visitor["path"]) == (True, "Lax", "/")
    assert visitor["category"] == "necessary"
    assert all(set(state["requests"]) == {server.url.rstrip("/")} for state in page["states"])


def test_each_choice_is_made_as_a_visitor_makes_it_and_recorded_before_the_next_page_view(
    today_report,
) -> None:
    _, report, recorded = today_report
    for page in report["pages"]:
        assert [state["banner_inventory"] for state in page["states"]] == [None] + [
            page["policy"]["inventory"]] * 4
    assert recorded == 2 * 4


def test_an_older_version_can_be_chosen_and_then_the_banner_may_ask_about_another(
    server: ConsentServer, tmp_path: Path
) -> None:
    """2018-05-25 had no inventory: everything the banner stores is undeclared by it."""
    code, report = scan_json(tmp_path, server.url + "en/", "--version", "2018-05-25")
    [page] = report["pages"]
    assert (page["policy"]["version"], page["policy"]["inventory"]) == ("2018-05-25", None)
    assert code == 1
    kinds = {f["kind"] for f in page["findings"]}
    assert "undeclared" in kinds and "other_inventory" not in kinds


# Another site embedding the banner --------------------------------------------------------------

@pytest.fixture
def other_site(built_site: Path, tmp_path: Path) -> Iterator[str]:
    """The demo page and its assets but no versions.json: a site that embeds the banner and
    publishes no policy of its own."""
    root = tmp_path / "www"
    for part in ("demo", "assets", "embed", "javascripts", "stylesheets"):
        shutil.copytree(built_site / part, root / part)
    server = StaticServer(root)
    yield f"http://www.example.test:{server.port}/"
    server.stop()


def test_a_page_on_another_site_is_compared_with_the_inventory_at_the_policy_origin(
    other_site: str, server: ConsentServer, tmp_path: Path
) -> None:
    hosts = ["--resolve", "www.example.test=127.0.0.1", "--resolve", "policy.example.test=127.0.0.1"]
    alone = run_scan(tmp_path, other_site + "demo/", *hosts)
    assert alone.returncode == 2
    assert f"{other_site}versions.json answered 404" in alone.stderr
    assert "--policy-origin" in alone.stderr and "Traceback" not in alone.stderr

    policy = f"http://policy.example.test:{server.port}"
    _, report = scan_json(tmp_path, other_site + "demo/", *hosts, "--policy-origin", policy)
    [page] = report["pages"]
    assert page["policy"]["manifest"] == f"{policy}/versions.json"
    assert page["policy"]["version"] == "2026-11-01"
    assert {origin for state in page["states"] for origin in state["requests"]} == {
        other_site.rstrip("/")}
