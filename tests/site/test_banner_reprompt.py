"""The banner asks again when the cookie inventory changes and when the choice is too old.

Two deployments of the site on loopback: the real sources, and a copy whose current cookie
inventory has changed (a new statistics cookie). Cookies ignore ports, so a browser that chose on
the first sees its choice on the second, as a returning visitor would after a redeploy.
"""

from __future__ import annotations

import json
import urllib.parse

import pytest
import yaml

from testbed.banner import (
    ConsentServer,
    cookie_names,
    demo_runs,
    first_layer,
    my_records,
    published,
    recorded,
    settings_layer,
    stored_choice,
)
from testbed.site import copy_project, mkdocs_build

pytestmark = pytest.mark.browser

DAY_MS = 86_400_000


@pytest.fixture(scope="module")
def changed_server(tmp_path_factory: pytest.TempPathFactory):
    """The site rebuilt after the current version's inventory gained a cookie."""
    base = tmp_path_factory.mktemp("changed")
    project = copy_project(base / "project")
    path = project / "policy_src/versions/2026-11-01/cookies.yml"
    inventory = yaml.safe_load(path.read_text(encoding="utf-8"))
    statistics = next(c for c in inventory["categories"] if c["id"] == "statistics")
    statistics["cookies"].append({
        "name": "_pk_ref",
        "provider": {"sv": "Vi (Matomo på vår egen server)", "en": "Us (Matomo on our own server)"},
        "purpose": {"sv": "Varifrån besöket kom.", "en": "Where the visit came from."},
        "duration": {"sv": "6 månader", "en": "6 months"},
    })
    path.write_text(yaml.safe_dump(inventory, allow_unicode=True), encoding="utf-8")
    result = mkdocs_build(project, base / "site")
    assert result.returncode == 0, result.output
    consent = ConsentServer(result.site, base).start()
    yield consent
    consent.stop()


def test_a_changed_inventory_asks_again_and_runs_nothing_until_then(
    page, server: ConsentServer, changed_server: ConsentServer
) -> None:
    assert published(changed_server.site, "en")["inventory"] != published(server.site, "en")["inventory"]
    page.goto(server.url + "en/demo/")
    recorded(page, first_layer(page, "accept").click)
    page.goto(server.url + "en/demo/")
    assert page.locator("#ps-consent").is_hidden()
    assert "_pk_id.1.d3m0" in cookie_names(page)

    page.goto(changed_server.url + "en/demo/")
    assert page.locator("#ps-consent").is_visible()
    assert demo_runs(page) == []
    assert "_pk_id.1.d3m0" not in cookie_names(page), "a consent for the old inventory no longer counts"

    first_layer(page, "settings").click()
    assert not page.locator("#ps-consent-statistics").is_checked()
    assert page.locator("#ps-consent-settings").get_by_text("_pk_ref").count() == 1
    recorded(page, settings_layer(page, "accept").click)
    [record] = my_records(page, changed_server)
    assert record["inventory"] == published(changed_server.site, "en")["inventory"]
    assert record["action"] == "accept_all"
    assert stored_choice(page)["i"] == record["inventory"]


@pytest.mark.parametrize(("age_days", "asks"), [(364, False), (366, True)])
def test_the_choice_is_asked_again_after_the_reprompt_period(
    page, server: ConsentServer, age_days: int, asks: bool
) -> None:
    config = json.loads(page.goto(server.url).text().split('id="ps-consent-config">')[1]
                        .split("</script>")[0])
    assert config["reprompt_days"] == 365
    recorded(page, first_layer(page, "reject").click)
    choice = stored_choice(page)
    choice["t"] = page.evaluate("Date.now()") - age_days * DAY_MS
    page.context.add_cookies([{"name": "ps_consent", "url": server.url,
                               "value": urllib.parse.quote(json.dumps(choice, separators=(",", ":")))}])
    page.reload()
    assert page.locator("#ps-consent").is_visible() is asks
