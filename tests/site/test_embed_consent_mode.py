"""Google's tag with Consent Mode v2, as the README's recipe writes it: denied before a choice,
analytics granted after accepting (also on the next page, before the tag reads the
``dataLayer``), and nothing of Google's loaded after Reject all.

The hosts and the fixture site are described in ``testbed/embed.py``.
"""

from __future__ import annotations

import pytest

from testbed.banner import first_layer, recorded
from testbed.embed import DENIED, POLICY_HOST, WWW_HOST, Sites, Visitor, choose, consent_commands, open_banner

pytestmark = pytest.mark.browser


# Google's tag with Consent Mode v2 --------------------------------------------------------------

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
    choose(page, sites.www + "/analytics/", "reject")
    assert consent_commands(page) == [["consent", "default", DENIED], ["consent", "update", DENIED]]
    page.reload()
    page.wait_for_load_state("networkidle")
    assert not [url for url in visitor.requests if "/google/" in url]
