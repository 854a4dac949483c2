"""The document's facts (``policy.yml``), checked at their line: not empty, every required fact
present, text in every language, and the feed's facts well formed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from testbed.sources import line_of, problems, replace


def test_missing_required_fact(src: Path) -> None:
    path = src / "policy.yml"
    text = path.read_text(encoding="utf-8")
    email = next(line for line in text.split("\n") if line.strip().startswith("email:"))
    replace(path, email + "\n", "")
    assert any(p.startswith("policy.yml:") and "missing key 'controller.email'" in p
               for p in problems(src))


def test_empty_policy_yml(src: Path) -> None:
    (src / "policy.yml").write_text("# nothing yet\n", encoding="utf-8")
    assert any(p.startswith("policy.yml:1: empty: expected the document's facts") for p in problems(src))


def test_a_fact_given_in_one_language_only(src: Path) -> None:
    path = src / "policy.yml"
    text = path.read_text(encoding="utf-8")
    en_line = next(line for line in text.split("\n") if line.strip().startswith("en: \"the Swedish"))
    replace(path, en_line + "\n", "")
    found = problems(src)
    assert any(p.startswith("policy.yml:") and "'supervisory_authority.name' has no en text" in p
               for p in found), found


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('"https://PLACEHOLDER.example/"', '"https://example.se/policy"',
     "site.url 'https://example.se/policy' must be an http(s) address ending in '/'"),
    ('"PLACEHOLDER.example,2018"', '"example.se"',
     "site.tag_authority 'example.se' must be a domain and a date"),
])
def test_feed_facts_are_well_formed(src: Path, old: str, new: str, expected: str) -> None:
    path = src / "policy.yml"
    replace(path, old, new)
    line = line_of(path, new)
    assert any(p.startswith(f"policy.yml:{line}: {expected}") for p in problems(src))
