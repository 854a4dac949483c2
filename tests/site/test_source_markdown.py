"""What a heading is, decided in one place: the validator, the Art. 13 check and the diff agree,
and the validator refuses a line the site would show as a heading they do not see."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_site.art13 import section_spans
from policy_site.diff import parse_sections
from policy_site.sources import SourceError, load_sources
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


@pytest.mark.parametrize("line", ["#x är ett ord", "##Kontakt {#contact}", "####### Sju"])
def test_a_line_the_site_would_show_as_a_heading_but_the_sources_read_as_text_is_refused(
    project: Path, line: str
) -> None:
    path = project / "policy_src" / "versions" / "2027-01-01" / "sv.md"
    lines = path.read_text(encoding="utf-8").split("\n")
    number = next(n for n, text in enumerate(lines, start=1) if text.startswith("## ")) + 1
    lines.insert(number - 1, line)
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        load_sources(project / "policy_src", display_base=project / "policy_src")
    assert [str(p) for p in caught.value.problems] == [
        f"versions/2027-01-01/sv.md:{number}: '{line.split()[0]}' is not a heading (a heading is one "
        "to six # and a space) but the site would show this line as one, without an id: write "
        "'# Title {#id}' for a heading, or '\\#' for a # in the text"]


def test_a_hash_inside_a_line_or_escaped_is_text(project: Path) -> None:
    path = project / "policy_src" / "versions" / "2027-01-01" / "sv.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n\\#x och C# är text.\n", encoding="utf-8")
    load_sources(project / "policy_src")
