"""The cookie scanner: does a page store and send only what its cookie inventory declares?

It opens a page in Debian's Chromium in fresh profiles, before any choice and after each choice
the banner offers, and compares what is stored and where requests go with the inventory of the
version in effect, as the policy site publishes it. Modules, in the order data flows:

    target.py    the version and inventory to compare with, from versions.json and cookies.yml
    browser.py   Chromium through Playwright: one observation per consent state
    compare.py   pure: inventory + observations → findings
    report.py    text and JSON
    command.py   the ``policy-site scan`` command
"""

from __future__ import annotations

from policy_site.scan.browser import Chromium
from policy_site.scan.compare import compare, plan
from policy_site.scan.report import PageScan
from policy_site.scan.target import ScanError, Target, origin

__all__ = ["Chromium", "PageScan", "ScanError", "scan_page"]


def scan_page(browser: Chromium, url: str, target: Target) -> PageScan:
    """Observe ``url`` in every consent state and judge it against ``target``'s inventory."""
    observations = tuple(browser.observe(url, state) for state in plan(target.inventory))
    expected = frozenset({origin(url), target.policy_origin})
    # The banner must ask about the inventory checked, unless another version was asked for.
    inventory = target.inventory.sha256 if target.inventory and target.status == "current" else None
    findings = tuple(compare(target.inventory, observations, expected, inventory))
    return PageScan(url, target, observations, findings, expected)
