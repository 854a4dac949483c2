"""axe-core finds nothing on any page type, in either language, with the banner's first layer
open, its settings open (every cookie list expanded), and the banner closed after a choice."""

from __future__ import annotations

import pytest

from testbed.banner import ConsentServer, axe_violations, first_layer, recorded, settings_layer
from testbed.site import PAGE_TYPES

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("prefix", ["", "en/"], ids=["sv", "en"])
@pytest.mark.parametrize("path", PAGE_TYPES.values(), ids=PAGE_TYPES.keys())
def test_no_axe_violations_with_the_banner_open_in_settings_and_closed(
    page, server: ConsentServer, axe_source: str, prefix: str, path: str
) -> None:
    page.goto(server.url + prefix + path)
    assert page.locator("#ps-consent-first").is_visible()
    assert axe_violations(page, axe_source) == [], "first layer open"

    first_layer(page, "settings").click()
    page.locator("#ps-consent-settings details").evaluate_all("ds => ds.forEach(d => d.open = true)")
    assert page.locator("#ps-consent-settings").is_visible()
    assert axe_violations(page, axe_source) == [], "settings open"

    recorded(page, settings_layer(page, "reject").click)
    assert page.locator("#ps-consent").is_hidden()
    assert axe_violations(page, axe_source) == [], "closed"
