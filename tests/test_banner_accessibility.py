"""axe-core finds nothing on any page type, in either language, with the banner's first layer
open, its settings open (every cookie list expanded), and the banner closed after a choice."""

from __future__ import annotations

from pathlib import Path

import pytest
from banner_fixtures import ConsentServer, first_layer, recorded, settings_layer
from site_testing import AXE, AXE_VIOLATIONS, PAGE_TYPES

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(built_site: Path, tmp_path_factory: pytest.TempPathFactory):
    consent = ConsentServer(built_site, tmp_path_factory.mktemp("consent")).start()
    yield consent
    consent.stop()


@pytest.fixture(scope="module")
def axe_source() -> str:
    assert AXE.is_file(), "axe-core is installed by `make test` (npm ci)"
    return AXE.read_text(encoding="utf-8")


SETTLED = """async () => {
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    await Promise.all(document.getAnimations().map(a => a.finished));
}"""


def violations(page, axe_source: str) -> list[dict]:
    # Once the banner closes, the pointer that clicked its button rests on whatever was behind
    # it; scan the page as it looks without a pointer over it, after transitions have ended.
    page.mouse.move(0, 0)
    page.evaluate(SETTLED)
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(axe_source)  # evaluated, not a <script>: the site's CSP stays as served
    return page.evaluate(AXE_VIOLATIONS)


@pytest.mark.parametrize("prefix", ["", "en/"], ids=["sv", "en"])
@pytest.mark.parametrize("path", PAGE_TYPES.values(), ids=PAGE_TYPES.keys())
def test_no_axe_violations_with_the_banner_open_in_settings_and_closed(
    page, server: ConsentServer, axe_source: str, prefix: str, path: str
) -> None:
    page.goto(server.url + prefix + path)
    assert page.locator("#ps-consent-first").is_visible()
    assert violations(page, axe_source) == [], "first layer open"

    first_layer(page, "settings").click()
    page.locator("#ps-consent-settings details").evaluate_all("ds => ds.forEach(d => d.open = true)")
    assert page.locator("#ps-consent-settings").is_visible()
    assert violations(page, axe_source) == [], "settings open"

    recorded(page, settings_layer(page, "reject").click)
    assert page.locator("#ps-consent").is_hidden()
    assert violations(page, axe_source) == [], "closed"
