"""The section-aware word diff: what a reader of /diff/<old>..<new>/ and of `policy-site diff` sees.

The HTML is parsed into a small tree and checked for what is marked, not compared as strings, so
the tests state behaviour rather than formatting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from policy_site.diff import (
    Block,
    DocumentDiff,
    Section,
    diff_documents,
    diff_words,
    parse_sections,
    render_html,
    render_text,
)

FIXTURES = Path(__file__).parent / "fixtures" / "diff"
NBSP, NB_HYPHEN = "\u00a0", "\u2011"

SWEDISH = {
    "Removed:": "Borttaget:",
    "Added:": "Tillagt:",
    "Summary of changes": "Sammanfattning av ändringar",
    "Section added": "Nytt avsnitt",
    "Section removed": "Borttaget avsnitt",
    "Section moved": "Flyttat avsnitt",
    "Section renamed": "Nytt namn på avsnittet",
    "Changed": "Ändrat",
    "Unchanged": "Oförändrat",
    "No changes": "Inga ändringar",
    "Previously: %(title)s": "Tidigare: %(title)s",
    "Words removed: %(n)d": "Borttagna ord: %(n)d",
    "Words added: %(n)d": "Tillagda ord: %(n)d",
    "Unchanged sections: %(n)d": "Oförändrade avsnitt: %(n)d",
    "Before the first heading": "Före första rubriken",
}


def english(message: str) -> str:
    return message


def swedish(message: str) -> str:
    """A catalog that fails on any message it does not know, so no string escapes translation."""
    return SWEDISH[message]


# A small HTML tree, enough to ask what is marked where -----------------------------------------

@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def walk(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.walk()

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        return [
            node for node in self.walk()
            if node is not self and (tag is None or node.tag == tag)
            and (cls is None or cls in node.classes)
        ]

    def find(self, tag: str | None = None, cls: str | None = None) -> Node:
        found = self.find_all(tag, cls)
        assert found, f"no <{tag} class={cls}> in <{self.tag} {self.attrs}>"
        return found[0]

    def text(self, *, hidden: bool = False) -> str:
        """What is seen; with ``hidden`` also the visually hidden text screen readers announce."""
        parts = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif hidden or "ps-vh" not in child.classes:
                parts.append(child.text(hidden=hidden))
        return "".join(parts)

    def marked(self, tag: str) -> list[str]:
        """Visible text of each <del> or <ins>, in order."""
        return [node.text() for node in self.find_all(tag)]

    def section(self, section_id: str) -> Node:
        return self.find_all_by_id(f"diff-{section_id}")

    def find_all_by_id(self, element_id: str) -> Node:
        matches = [node for node in self.walk() if node.attrs.get("id") == element_id]
        assert len(matches) == 1, f"{len(matches)} elements with id {element_id!r}"
        return matches[0]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {name: value or "" for name, value in attrs})
        self.open[-1].children.append(node)
        self.open.append(node)

    def handle_endtag(self, tag: str) -> None:
        assert self.open[-1].tag == tag, f"</{tag}> closes <{self.open[-1].tag}>"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.open[-1].children.append(data)


def parse_html(markup: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(str(markup))
    builder.close()
    assert len(builder.open) == 1, f"unclosed <{builder.open[-1].tag}>"
    return builder.root


def block_views(node: Node) -> list[tuple[str, list[str], list[str]]]:
    """(status, removed runs, added runs) of each diff block under ``node``."""
    views = []
    for block in node.find_all(cls="ps-diff-block"):
        status = next(c.rsplit("--", 1)[1] for c in block.classes
                      if c.rsplit("--", 1)[-1] in {"unchanged", "changed", "added", "removed"})
        views.append((status, block.marked("del"), block.marked("ins")))
    return views


def badges(section: Node) -> list[str]:
    heading = section.find(cls="ps-diff-title")
    return [badge.text() for badge in heading.find_all(cls="ps-diff-badge")]


# Fixtures ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def policy_pair() -> tuple[str, str]:
    """A shortened policy and its next version: every kind of change once, Swedish text."""
    folder = FIXTURES / "policy"
    return (folder / "old.md").read_text(encoding="utf-8"), (folder / "new.md").read_text(
        encoding="utf-8")


@pytest.fixture(scope="module")
def policy_diff(policy_pair: tuple[str, str]) -> DocumentDiff:
    return diff_documents(*policy_pair)


@pytest.fixture(scope="module")
def page(policy_diff: DocumentDiff) -> Node:
    return parse_html(render_html(policy_diff, english))


# Reading the Markdown -------------------------------------------------------------------------

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


# Marking words ---------------------------------------------------------------------------------

def test_a_corrected_typo_marks_that_word_and_nothing_else(page: Node):
    section = page.section("recipients")
    assert section.marked("del") == ["åtandaden"]
    assert section.marked("ins") == ["åtaganden"]
    assert block_views(section) == [
        ("changed", ["åtandaden"], ["åtaganden"]),
        ("unchanged", [], []),
    ]


def test_adjacent_changed_words_form_one_run_and_keep_no_break_spaces(page: Node):
    section = page.section("privacy-policy")
    assert section.marked("del") == [f"25{NBSP}maj 2018"]
    assert section.marked("ins") == [f"1{NBSP}november 2026"]


def test_a_removed_sentence_is_the_only_thing_marked(page: Node):
    assert block_views(page.section("legal-basis")) == [
        ("changed", [f"Du kan läsa mer om detta{NBSP}här:"], []),
    ]


def test_marks_never_begin_or_end_with_a_space(page: Node):
    runs = page.marked("del") + page.marked("ins")
    assert runs
    assert all(run == run.strip() for run in runs)


def test_an_inserted_paragraph_is_added_and_its_neighbours_are_left_unmarked(page: Node):
    paragraphs = page.section("data-collected").find_all("p", "ps-diff-block")
    inserted = f"När du besöker webbplatsen sparar vi ditt val i cookie{NB_HYPHEN}bannern."
    assert block_views(page.section("data-collected"))[:3] == [
        ("unchanged", [], []),
        ("added", [], [inserted]),
        ("unchanged", [], []),
    ]
    assert paragraphs[0].text() == (
        "Personuppgifter samlas normalt in direkt från dig som kund vid registrering.")


def test_list_items_are_paired_and_marked_word_by_word(page: Node):
    section = page.section("data-collected")
    items = section.find("ul", "ps-diff-list").find_all("li")
    assert len(items) == 4
    assert block_views(section)[3:] == [
        ("unchanged", [], []),
        ("changed", [], [", postadress"]),
        ("removed", ["Historik: inloggningshistorik."], []),
        ("added", [], ["Samtycken: vilka kategorier du valde och när."]),
    ]


def test_table_rows_are_compared_row_by_row(page: Node):
    rows = page.section("cookies").find_all(cls="ps-diff-block--row")
    assert rows[0].text() == "Namn | Leverantör | Lagringstid"
    assert block_views(page.section("cookies")) == [
        ("unchanged", [], []),
        ("unchanged", [], []),
        ("removed", ["real_cookie_banner | devowl.io | 1 år"], []),
        ("changed", ["13"], ["12"]),
        ("added", [], ["ps_consent | Vi själva | 12 månader"]),
    ]


def test_a_paragraph_rewritten_beyond_recognition_is_a_removal_and_an_addition():
    diff = diff_documents("# P {#p}\n\nVi sparar allt för alltid.\n",
                          "# P {#p}\n\nUppgifterna raderas efter tolv månader.\n")
    assert [(b.status, b.kind) for b in diff.sections[0].blocks] == [
        ("removed", "paragraph"), ("added", "paragraph")]


# Sections ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("section_id", "expected"), [
    ("recipients", ["Changed"]),
    ("contact", ["Section moved"]),
    ("portability", ["Section renamed"]),
    ("complaint", ["Section added"]),
    ("third-party-plugins", ["Section removed"]),
    ("security", ["Unchanged"]),
])
def test_each_section_is_labelled_with_what_happened_to_it(page: Node, section_id, expected):
    assert badges(page.section(section_id)) == expected


def test_only_the_section_that_really_moved_is_flagged(policy_diff: DocumentDiff):
    assert [section.id for section in policy_diff.sections if section.moved] == ["contact"]
    jumped = diff_documents("# A {#a}\n# B {#b}\n# C {#c}\n# D {#d}\n",
                            "# B {#b}\n# C {#c}\n# D {#d}\n# A {#a}\n")
    assert [section.id for section in jumped.sections if section.moved] == ["a"]


def test_a_renamed_section_shows_its_previous_title_as_removed(page: Node):
    section = page.section("portability")
    assert section.find(cls="ps-diff-title").text().startswith("Dataportabilitet")
    previously = section.find("p", "ps-diff-previously")
    assert previously.text() == "Previously: Begränsning:"
    assert previously.marked("del") == ["Begränsning:"]


def test_added_and_removed_sections_are_marked_whole(page: Node):
    assert page.section("complaint").marked("ins") == [
        "Du har rätt att lämna klagomål till Integritetsskyddsmyndigheten (IMY)."]
    assert page.section("third-party-plugins").marked("del") == [
        "Webbplatsen använder tillägget Real Cookie Banner från en extern leverantör."]


def test_sections_follow_the_new_order_with_removed_ones_after_their_old_predecessor(page: Node):
    order = [node.attrs["id"] for node in page.find_all("section")]
    assert order == [f"diff-{name}" for name in (
        "privacy-policy", "contact", "data-collected", "legal-basis", "recipients",
        "third-party-plugins", "cookies", "security", "portability", "complaint")]


def test_unchanged_sections_are_collapsed_with_their_heading_in_the_summary(page: Node):
    section = page.section("security")
    details = section.find("details", "ps-diff-unchanged")
    assert "open" not in details.attrs
    assert details.find("summary").find(cls="ps-diff-title").text() == (
        "Hur skyddas dina personuppgifter? Unchanged")
    assert details.text().count("Privacy by design") == 1
    assert section.marked("del") == section.marked("ins") == []
    assert page.section("recipients").find_all("details") == []


def test_headings_sit_one_level_below_the_source_and_stop_at_six(page: Node):
    assert page.section("privacy-policy").find(cls="ps-diff-title").tag == "h2"
    assert page.section("recipients").find(cls="ps-diff-title").tag == "h3"
    assert page.section("portability").find(cls="ps-diff-title").tag == "h4"
    deep_diff = diff_documents("###### Djup {#deep}\n\nA\n", "###### Djup {#deep}\n\nB\n")
    deep = parse_html(render_html(deep_diff, english))
    assert deep.section("deep").find(cls="ps-diff-title").tag == "h6"


# Summary ----------------------------------------------------------------------------------------

def test_summary_lists_each_changed_section_with_labels_and_word_counts(page: Node):
    summary = page.find("nav", "ps-diff-summary")
    assert summary.find("h2").text() == "Summary of changes"
    items = summary.find("ul").find_all("li")
    entries = {item.find("a").attrs["href"]: item.text() for item in items}
    assert list(entries) == [f"#diff-{name}" for name in (
        "privacy-policy", "contact", "data-collected", "legal-basis", "recipients",
        "third-party-plugins", "cookies", "portability", "complaint")]
    assert entries["#diff-recipients"].split() == [
        "Vem", "lämnar", "vi", "ut", "uppgifter", "till?", "Changed",
        "Words", "removed:", "1", "Words", "added:", "1"]
    assert "Words removed" not in entries["#diff-complaint"]
    assert summary.find("p", "ps-diff-unchanged-count").text() == "Unchanged sections: 1"


def test_word_counts_count_words_not_spaces_or_punctuation(policy_diff: DocumentDiff):
    counts = {s.id: (s.words_removed, s.words_added) for s in policy_diff.sections}
    assert counts["recipients"] == (1, 1)
    assert counts["legal-basis"] == (7, 0)
    assert counts["cookies"] == (6, 6)
    assert counts["contact"] == (0, 0)


def test_identical_versions_report_no_changes(policy_pair: tuple[str, str]):
    diff = diff_documents(policy_pair[0], policy_pair[0])
    assert not diff.has_changes
    summary = parse_html(render_html(diff, english)).find("nav", "ps-diff-summary")
    assert summary.find_all("ul") == []
    assert "No changes" in summary.text()
    assert summary.find("p", "ps-diff-unchanged-count").text() == "Unchanged sections: 9"


# Accessibility and safety -------------------------------------------------------------------

def test_every_mark_announces_itself_in_the_language_of_the_page(policy_diff: DocumentDiff):
    page = parse_html(render_html(policy_diff, swedish))
    dels, inss = page.find_all("del"), page.find_all("ins")
    assert dels and inss
    assert {node.find(cls="ps-vh").text() for node in dels} == {"Borttaget: "}
    assert {node.find(cls="ps-vh").text() for node in inss} == {"Tillagt: "}
    assert page.section("recipients").find("del").text(hidden=True) == "Borttaget: åtandaden"
    assert page.find("nav").find("h2").text() == "Sammanfattning av ändringar"
    assert badges(page.section("contact")) == ["Flyttat avsnitt"]
    previously = page.section("portability").find("p", "ps-diff-previously")
    assert previously.text().startswith("Tidigare:")


def test_ids_are_unique_labels_resolve_and_no_heading_is_empty():
    old = "Ingress före rubriken.\n\n# Policy {#policy}\n\nText.\n"
    new = "Ny ingress före rubriken.\n\n# Policy {#policy}\n\nText.\n\n## Ny {#new}\n"
    page = parse_html(render_html(diff_documents(old, new), english))
    ids = [node.attrs["id"] for node in page.walk() if "id" in node.attrs]
    assert len(ids) == len(set(ids))
    for node in page.walk():
        if "aria-labelledby" in node.attrs:
            assert node.attrs["aria-labelledby"] in ids
        if "href" in node.attrs:
            assert node.attrs["href"].removeprefix("#") in ids
        if node.tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            assert node.text().strip()
    assert page.find_all("h1") == []
    assert page.section("").find(cls="ps-diff-title").text().startswith("Before the first heading")


def test_policy_text_is_escaped_and_raw_html_is_dropped():
    old = "# Kakor {#cookies}\n\nSkriptet `<script>alert(1)</script>` laddas &lt;aldrig&gt;.\n"
    new = "# Kakor {#cookies}\n\nSkriptet `<script>alert(2)</script>` laddas <b>aldrig</b>.\n"
    markup = render_html(diff_documents(old, new), english)
    assert "<script>" not in markup and "<b>" not in markup
    page = parse_html(markup)
    assert page.find_all("script") == [] and page.find_all("b") == []
    paragraph = page.section("cookies").find("p", "ps-diff-block")
    assert paragraph.text() == "Skriptet <script>alert(12)</script> laddas <aldrig>."
    assert paragraph.marked("del") == ["1", "<", ">"]
    assert paragraph.marked("ins") == ["2"]


def test_the_same_input_gives_byte_identical_output(policy_pair: tuple[str, str]):
    first, second = diff_documents(*policy_pair), diff_documents(*policy_pair)
    assert str(render_html(first, english)) == str(render_html(second, english))
    assert render_text(first, color=True) == render_text(second, color=True)


# Terminal ---------------------------------------------------------------------------------------

def test_terminal_output_without_colour_uses_readable_markers(policy_diff: DocumentDiff):
    text = render_text(policy_diff, color=False)
    assert "\x1b" not in text
    assert "våra [-åtandaden-]{+åtaganden+} mot" in text
    assert f"den [-25{NBSP}maj 2018-]{{+1{NBSP}november 2026+}}." in text
    assert (f"- Kontakt: e{NB_HYPHEN}post{{+, postadress+}} och telefonnummer.\n"
            "- [-Historik: inloggningshistorik.-]\n"
            "- {+Samtycken: vilka kategorier du valde och när.+}\n") in text
    assert "| _pk_id | Matomo | [-13-]{+12+} månader |" in text
    assert "## Kontakta oss  [Section moved]" in text
    assert "Previously: [-Begränsning:-]" in text
    assert "Unchanged sections: 1" in text
    assert "Privacy by design" not in text  # unchanged sections are listed by heading only


def test_terminal_output_with_colour_strikes_and_underlines(policy_diff: DocumentDiff):
    text = render_text(policy_diff, color=True)
    assert "våra \x1b[31;9måtandaden\x1b[0m\x1b[32;4måtaganden\x1b[0m mot" in text
    assert "[-" not in text and "{+" not in text


def test_the_html_is_byte_for_byte_the_known_rendering_of_the_fixture_pair(policy_diff: DocumentDiff):
    """The tests above ask what is marked; this one holds the exact bytes, so a change of how the
    HTML is produced (markup, whitespace, escaping) cannot pass unnoticed."""
    expected = (FIXTURES / "policy" / "expected.en.html").read_text(encoding="utf-8")
    assert render_html(policy_diff, english) == expected
