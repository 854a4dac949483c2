"""The 2018 Swedish policy is the seed text, word for word, and every source has stable section ids.

The 2018 version is the text that was actually published; the site must reproduce it exactly,
typos, no-break spaces (U+00A0), non-breaking hyphens (U+2011) and ”quotes” included. The source
may only add Markdown markup: ``#`` heading markers, `` {#id}`` attributes and ``- `` list markers.
Section ids are what the section-aware diff matches on, so each heading must carry one, and both
languages of a version must have the same ids in the same order.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from testbed.site import REPO, SEED

VERSIONS = REPO / "policy_src" / "versions"
SEED_VERSION = VERSIONS / "2018-05-25" / "sv.md"

SEED_BULLET = "\u2022"
HEADING = re.compile(r"^(#{1,6}) (?P<text>.*?)(?: \{#(?P<id>[^{}\s]+)\})?$")
LIST_ITEM = re.compile(r"^- (?P<text>.*)$")
SECTION_ID = re.compile(r"^[a-z0-9-]+$")
ASCII_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")


def ascii_tokens(text: str) -> list[str]:
    """Words split on ASCII whitespace only, so a U+00A0 stays inside its token."""
    return [token for token in ASCII_WHITESPACE.split(text) if token]


def body_of(source: str) -> str:
    """The text after the line that closes the front matter."""
    lines = source.split("\n")
    assert lines[0] == "---", "a source starts with a front matter line '---'"
    close = lines.index("---", 1)
    return "\n".join(lines[close + 1 :])


def strip_markup(body: str) -> str:
    """Remove exactly the markup the seed conversion adds: heading markers, ids, list markers."""
    lines = []
    for line in body.split("\n"):
        heading = HEADING.match(line)
        item = LIST_ITEM.match(line)
        if heading:
            line = heading.group("text")
        elif item:
            line = item.group("text")
        lines.append(line)
    return "\n".join(lines)


def headings(body: str) -> list[tuple[str, str | None]]:
    """``(line, id)`` of every ATX heading; the body has no fenced code."""
    return [
        (line, match.group("id")) for line in body.split("\n") if (match := HEADING.match(line))
    ]


def sources() -> list[Path]:
    return sorted(VERSIONS.glob("*/*.md"))


def version_dirs() -> list[Path]:
    return sorted(path for path in VERSIONS.iterdir() if path.is_dir())


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_version_body() -> str:
    return body_of(SEED_VERSION.read_text(encoding="utf-8"))


def test_seed_words_are_kept_exactly(seed_text: str, seed_version_body: str) -> None:
    expected = [token for token in ascii_tokens(seed_text) if token != SEED_BULLET]
    actual = ascii_tokens(strip_markup(seed_version_body))
    for index, (want, got) in enumerate(zip(expected, actual, strict=False)):
        assert got == want, (
            f"word {index + 1} differs from the seed: expected {want!r}, found {got!r}"
        )
    assert len(actual) == len(expected), (
        f"the seed has {len(expected)} words, the 2018 source {len(actual)}"
    )


def test_seed_lines_are_kept_in_order(seed_text: str, seed_version_body: str) -> None:
    """Stricter than the words: each seed line is one heading, paragraph or list item."""
    expected = [
        line.strip().removeprefix(SEED_BULLET + " ")
        for line in seed_text.split("\n")
        if line.strip()
    ]
    actual = [line for line in strip_markup(seed_version_body).split("\n") if line.strip()]
    assert actual == expected


def test_seed_special_characters_survive(seed_text: str, seed_version_body: str) -> None:
    for char in ("\u00a0", "\u2011", "\u201d"):
        assert seed_version_body.count(char) == seed_text.count(char), f"U+{ord(char):04X}"
    assert "åtandaden" in seed_version_body
    assert "Du kan läsa mer om detta\u00a0här:" in seed_version_body


def test_seed_third_party_address_is_plain_text(seed_version_body: str) -> None:
    """The built site must not link to third-party hosts, so the address stays bare text."""
    assert "https://devowl.io/rcb/data-processing/." in seed_version_body
    assert "<https://" not in seed_version_body
    assert "](" not in seed_version_body


@pytest.mark.parametrize("path", sources(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_heading_has_a_section_id(path: Path) -> None:
    body = body_of(path.read_text(encoding="utf-8"))
    found = headings(body)
    assert found, "a policy text has headings"
    missing = [line for line, section_id in found if section_id is None]
    assert not missing, f"headings without {{#id}}: {missing}"
    ids = [section_id for _, section_id in found]
    assert all(SECTION_ID.match(section_id) for section_id in ids), ids
    assert len(ids) == len(set(ids)), "section ids are unique within a text"


@pytest.mark.parametrize("folder", version_dirs(), ids=lambda p: p.name)
def test_languages_have_the_same_sections_in_the_same_order(folder: Path) -> None:
    sv = [i for _, i in headings(body_of((folder / "sv.md").read_text(encoding="utf-8")))]
    en = [i for _, i in headings(body_of((folder / "en.md").read_text(encoding="utf-8")))]
    assert sv == en
