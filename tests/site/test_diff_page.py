"""What a reader of /diff/<old>..<new>/ sees marked in the fixture pair: the changed words, what
happened to each section, and the summary of changes.

The HTML is parsed into a small tree (``testbed.diffpage``) and checked for what is marked, not
compared as strings, so the tests state behaviour rather than formatting.
"""

from __future__ import annotations

import pytest

from policy_site.diff import DocumentDiff, diff_documents, render_html
from testbed.diffpage import NB_HYPHEN, NBSP, Node, badges, block_views, english, parse_html


@pytest.fixture(scope="module")
def page(policy_diff: DocumentDiff) -> Node:
    return parse_html(render_html(policy_diff, english))


# Marking words ----------------------------------------------------------------------------------

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
