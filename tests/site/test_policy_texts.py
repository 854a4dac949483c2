"""The policy texts keep their promises about themselves and say what the site stores.

From the version of 1 January 2027 on, the cookies section names every item its inventory
declares, and nothing else, so the prose, the table and the banner describe the same storage.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from policy_core.languages import LANGUAGES
from policy_core.versions import PolicyVersion
from policy_site.sources import load_sources
from policy_site.sources.markdown import parse_headings
from testbed.site import REPO

NAMES_STORAGE_EXACTLY = dt.date(2027, 1, 1)
NOTICE = dt.timedelta(days=30)
"""The notice the texts since 2026-11-01 promise before a material change takes effect."""

STORAGE_NAME = re.compile(r"`([A-Za-z0-9_.*-]+)`")
"""A cookie name as the texts write it: in backticks, a trailing ``.*`` for a pattern."""

MATOMO_DEFAULT_COOKIES = {"_pk_id.*", "_pk_ses.*", "_pk_ref.*"}
"""What Matomo's tracker sets by default; each name continues with the site's number and a code."""


def versions() -> list[PolicyVersion]:
    return load_sources(REPO / "policy_src").versions


def section(version: PolicyVersion, lang: str, heading_id: str) -> str:
    """The text of one section, its subsections included, up to the next heading of its level."""
    text = version.text(lang)
    headings = parse_headings(text.body, text.body_line)
    lines = text.body.split("\n")
    start = next(h for h in headings if h.id == heading_id)
    end = next((h.line for h in headings if h.line > start.line and h.level <= start.level), None)
    first = start.line - text.body_line
    return "\n".join(lines[first:None if end is None else end - text.body_line])


def declared(version: PolicyVersion) -> set[str]:
    assert version.inventory is not None
    return {cookie.name for category in version.inventory.categories for cookie in category.cookies}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("version", [v for v in versions() if v.effective >= NAMES_STORAGE_EXACTLY],
                         ids=lambda v: v.id)
def test_the_cookies_section_names_exactly_what_the_inventory_declares(
    version: PolicyVersion, lang: str
) -> None:
    named = set(STORAGE_NAME.findall(section(version, lang, "cookies")))
    assert named == declared(version)


def test_matomo_cookies_are_declared_as_patterns_with_the_referrer_cookie() -> None:
    for version in versions():
        if version.effective < NAMES_STORAGE_EXACTLY:
            continue
        assert version.inventory is not None
        statistics = next(c for c in version.inventory.categories if c.id == "statistics")
        assert {cookie.name for cookie in statistics.cookies} == MATOMO_DEFAULT_COOKIES


def promises_notice(version: PolicyVersion) -> bool:
    ids = {h.id for h in parse_headings(version.text("en").body)}
    return "changes" in ids and "at least 30 days before" in section(version, "en", "changes")


def test_material_changes_are_published_at_least_30_days_before_they_take_effect() -> None:
    """Once a text in effect has promised the notice, every later material change gives it."""
    history = versions()
    assert any(promises_notice(v) for v in history)
    for version in history:
        bound = any(promises_notice(earlier) for earlier in history if earlier.effective < version.effective)
        if bound and version.change_type == "material":
            assert version.effective - version.published >= NOTICE, version.id
