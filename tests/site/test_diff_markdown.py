"""The section-aware word diff reads the Markdown of two versions: sections split at every
heading with unique ids, markup reduced to text, and word segments that spell out both versions.
"""

from __future__ import annotations

from policy_site.diff import Block, Section, diff_words, parse_sections
from testbed.diffpage import NB_HYPHEN, NBSP

# Reading the Markdown ---------------------------------------------------------------------------

def test_sections_split_at_every_heading_and_markup_is_reduced_to_text():
    markdown = (
        "Inledning före rubriken.\n\n"
        "# Integritetspolicy {#privacy-policy}\n\n"
        "Vi **värnar** om *dina* _uppgifter_ enligt [GDPR](https://eur-lex.europa.eu/)\n"
        f"och `real_cookie_banner` i 25{NBSP}maj, e{NB_HYPHEN}post, <abbr>IMY</abbr> &amp; co.\n\n"
        "## Dina rättigheter {#rights}\n\n"
        "1. Rätt till *tillgång*\n"
        "   fortsätter här.\n"
        "- Rätt till radering\n\n"
        "| Namn | Tid |\n| --- | :---: |\n| `_pk_id` | 13 månader |\n\n"
        '!!! note "Observera"\n    Kontakta <dpo@example.se> först.\n\n'
        "Cookien _pk_id_ sätts av snake_case_namn.\n"
    )
    assert parse_sections(markdown) == [
        Section("", 1, "", [Block("paragraph", "Inledning före rubriken.")]),
        Section("privacy-policy", 1, "Integritetspolicy", [
            Block("paragraph", "Vi värnar om dina uppgifter enligt GDPR och real_cookie_banner i "
                               f"25{NBSP}maj, e{NB_HYPHEN}post, IMY & co."),
        ]),
        Section("rights", 2, "Dina rättigheter", [
            Block("item", "Rätt till tillgång fortsätter här."),
            Block("item", "Rätt till radering"),
            Block("row", "Namn | Tid"),
            Block("row", "_pk_id | 13 månader"),
            Block("admonition", "Observera"),
            Block("paragraph", "Kontakta dpo@example.se först."),
            Block("paragraph", "Cookien pk_id sätts av snake_case_namn."),
        ]),
    ]


def test_repeated_or_missing_heading_ids_still_give_unique_sections():
    sections = parse_sections(
        "## Om oss {#about}\n\nA\n\n## Om oss {#about}\n\nB\n\n## Kontakt & frågor\n")
    assert [section.id for section in sections] == ["about", "about-2", "kontakt-fr-gor"]


def test_word_segments_spell_out_both_versions():
    pairs = [
        ("vi sparar dina uppgifter i 13 månader.", "vi sparar uppgifterna i 12 månader, högst."),
        ("a b c", "x y z"),
        ("", "helt ny"),
        (f"25{NBSP}maj 2018", f"1{NBSP}november 2026"),
    ]
    for old, new in pairs:
        segments = diff_words(old, new)
        assert "".join(s.text for s in segments if s.op != "insert") == old
        assert "".join(s.text for s in segments if s.op != "delete") == new
