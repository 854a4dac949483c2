"""The banner on the company's other sites, in Debian's Chromium over real HTTP: the hosts,
the fixture site published under them, a browser profile per visitor, and the steps of a visit.

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

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from testbed import REPO
from testbed.banner import ConsentServer, first_layer, recorded

WWW_HOST = "www.example.test"
POLICY_HOST = "policy.example.test"
OTHER_HOST = "other.example.test"
"""Serves the fixture site too, but is not in CONSENT_ALLOWED_ORIGINS."""
DOMAIN = ".example.test"
FIXTURE = REPO / "tests" / "site" / "fixtures" / "www"
README = (REPO / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("### The banner on the company's other sites"):]
SECTION = SECTION[:SECTION.index("\n### ", 1)]
"""The README's guide for the other sites, up to the next section."""
DOCUMENTED_POLICY = "https://policy.example.se"
DOCUMENTED_DOMAIN = 'data-cookie-domain=".example.se"'
GOOGLE_TAG = "https://www.googletagmanager.com/gtag/js"
GOOGLE_STAND_IN = "/google/gtag.js"
"""Served by www in place of Google's tag (tests/site/fixtures/www/google/gtag.js)."""
MATOMO = {"_pk_id.1.e2e5", "_pk_ses.1.e2e5"}
DENIED = {"ad_storage": "denied", "ad_user_data": "denied", "ad_personalization": "denied",
          "analytics_storage": "denied"}


def documented_csp() -> str:
    """The Content-Security-Policy the README tells the other sites to send."""
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
    """The three hosts as a test reaches them: the consent service at ``policy_origin``, the
    fixture site on ``www`` (allowed) and on ``other`` (not allowed), served with ``csp``."""

    policy: ConsentServer
    policy_origin: str
    www: str
    other: str
    csp: str


@dataclass
class Visitor:
    """One browser profile: its page, every request it made, what its CSP refused."""

    page: Any
    requests: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def hosts(self) -> set[str]:
        return {urlsplit(url).hostname for url in self.requests}


def new_visitor(browser: Any, *init_scripts: str) -> Visitor:
    """A fresh browser profile running ``init_scripts`` before each page (close its context)."""
    context = browser.new_context()
    for script in init_scripts:
        context.add_init_script(script)
    visitor = Visitor(context.new_page())
    context.on("request", lambda request: visitor.requests.append(request.url))
    context.on("console", lambda message: visitor.refused.append(message.text)
               if "Content Security Policy" in message.text else None)
    return visitor


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
    """The (domain, path) of every ``ps_consent`` cookie the browser holds."""
    return [(c["domain"], c["path"]) for c in page.context.cookies() if c["name"] == "ps_consent"]


def open_banner(page: Any, url: str) -> None:
    """Load ``url`` and wait until the banner is shown."""
    page.goto(url)
    page.locator("#ps-consent").wait_for(state="visible")


def choose(page: Any, url: str, action: str) -> str:
    """Open the banner on ``url`` and click ``action`` (accept or reject) on its first layer;
    once the service has recorded the choice, its idempotency key."""
    open_banner(page, url)
    return recorded(page, first_layer(page, action).click)


# Predicates of wait_for_function are functions, never bare expressions: Playwright evaluates an
# expression again at every poll, which the pages' CSP (no 'unsafe-eval') refuses once the first
# check was false, while a function is evaluated once and then called.
def visit(page: Any, url: str) -> None:
    """Load ``url``, a page with the banner, and wait until the banner's script has run."""
    page.goto(url)
    page.wait_for_function("() => window.psConsent")


def wait_until_run(page: Any, script: str) -> None:
    """Wait until the fixture's gated ``script`` (``matomo``) has run on the page."""
    page.wait_for_function(f"() => (window.psFixture || []).includes('{script}')")
