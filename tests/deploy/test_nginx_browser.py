"""The banner through nginx, in Debian's Chromium: every page type loads under the production
Content-Security-Policy without one violation or script error, before and after a choice, and
"Accept all" is recorded by the service behind nginx.
"""

from __future__ import annotations

import pytest

from testbed.banner import demo_runs, first_layer, recorded
from testbed.production import Production
from testbed.site import PAGE_TYPES

pytestmark = pytest.mark.browser

PAGES = {kind: path for kind, path in PAGE_TYPES.items()} | {
    "English home": "en/", "English demo page": "en/demo/", "404 page": "no-such-page/"}
SERVICE_PAGES = {"consent log": "consent-log", "English consent log": "en/consent-log"}
LISTEN = """
window.psCspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => window.psCspViolations.push(
  `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
  `in ${event.sourceFile}:${event.lineNumber}`));
"""


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    """The stack's certificate is its own: Chromium is told to accept it."""
    return {**browser_context_args, "ignore_https_errors": True}


@pytest.fixture
def watched(page):
    """The page, with every CSP violation, console complaint and uncaught error collected."""
    problems: list[str] = []

    def complaint(message) -> None:
        own_404 = message.text.endswith("status of 404 ()") and message.location["url"] == page.url
        if message.type in ("error", "warning") and not (own_404 and "no-such-page" in page.url):
            problems.append(f"console {message.type}: {message.text} ({message.location['url']})")

    page.on("console", complaint)
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.context.add_init_script(LISTEN)
    return page, problems


def visit(page, problems: list[str], url: str) -> list[str]:
    """Load ``url`` and everything it loads; what went wrong there."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    found = [*page.evaluate("window.psCspViolations"), *problems]
    problems.clear()
    return found


def test_every_page_type_passes_the_csp_and_accept_all_is_recorded_through_nginx(
    watched, production: Production
) -> None:
    page, problems = watched
    for kind, path in PAGES.items():
        assert visit(page, problems, production.url + path) == [], kind
        assert page.locator("#ps-consent").is_visible(), kind

    page.goto(production.url + "demo/")
    recorded(page, first_layer(page, "accept").click)
    assert demo_runs(page) == ["statistics", "media"]
    response = page.request.get(production.url + "api/v1/me/consents")
    assert response.status == 200
    [record] = response.json()["records"]
    assert (record["action"], record["policy"]["version"]) == ("accept_all", "2026-11-01")
    visitor = next(c for c in page.context.cookies() if c["name"] == "ps_visitor")
    assert visitor["secure"] and visitor["httpOnly"], "the service sees HTTPS through nginx"

    for kind, path in PAGES.items():
        assert visit(page, problems, production.url + path) == [], f"{kind}, after the choice"
        assert page.locator("#ps-consent").is_hidden(), kind
        if "demo" in path:
            assert demo_runs(page) == ["statistics", "media"], "gated snippets run under the CSP"
    for kind, path in SERVICE_PAGES.items():
        assert visit(page, problems, production.url + path) == [], kind
        assert page.locator("table, ol, ul").first.is_visible(), kind
