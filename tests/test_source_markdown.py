"""What a heading is, decided in one place: the validator, the Art. 13 check and the diff agree."""

from __future__ import annotations

import pytest

from policy_site.art13 import section_spans
from policy_site.diff import parse_sections
from policy_site.sources.markdown import parse_headings, read_heading

TEXT = (
    "# Integritetspolicy {#privacy-policy}\n"
    "\n"
    "#x is a word that starts with a hash, not a heading.\n"
    "#\tTab after the hashes {#tab}\n"
    "\n"
    "##Kontakt without a space is text too\n"
    "## Dina rättigheter ## {#rights}\n"
    "####### seven hashes are text\n"
    "Text.\n"
)


@pytest.mark.parametrize(("line", "expected"), [
    ("# Title {#id}", (1, "Title", "id")),
    ("###### Deep {: .note #deep }", (6, "Deep", "deep")),
    ("## Closed ## {#closed}", (2, "Closed", "closed")),
    ("## Closed {#closed} ##", (2, "Closed {#closed}", None)),
    ("#\tTab", (1, "Tab", None)),
    ("#", (1, "", None)),
    ("# ", (1, "", None)),
    ("#x", None),
    ("##x {#x}", None),
    ("####### Seven", None),
    (" # Indented", None),
    ("Text # not at the start", None),
])
def test_a_heading_is_one_to_six_hashes_then_a_space_a_tab_or_the_end_of_the_line(line, expected):
    assert read_heading(line) == expected


def test_the_validator_the_art13_check_and_the_diff_read_the_same_headings():
    validator = [(h.level, h.id, h.title) for h in parse_headings(TEXT)]
    assert validator == [
        (1, "privacy-policy", "Integritetspolicy"),
        (1, "tab", "Tab after the hashes"),
        (2, "rights", "Dina rättigheter"),
    ]
    assert [(s.level, s.id, s.title) for s in parse_sections(TEXT)] == validator
    assert list(section_spans(TEXT, 1)) == [heading_id for _, heading_id, _ in validator]


def test_a_hash_word_stays_in_the_text_of_its_section_for_the_diff():
    sections = {section.id: section for section in parse_sections(TEXT)}
    assert [block.text for block in sections["privacy-policy"].blocks] == [
        "#x is a word that starts with a hash, not a heading."]
