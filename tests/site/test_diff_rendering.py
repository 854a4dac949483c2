"""The rendered diff, in HTML and in the terminal, is accessible, safe and reproducible: every mark
announces itself in the page's language, ids and labels resolve, policy text is escaped, the same
input gives the same bytes, and the terminal marks changes with and without colour.
"""

from __future__ import annotations

from policy_site.diff import DocumentDiff, diff_documents, render_html, render_text
from testbed.diffpage import FIXTURES, NB_HYPHEN, NBSP, badges, english, parse_html, swedish

# Accessibility and safety -----------------------------------------------------------------------

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
