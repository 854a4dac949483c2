"""The generated part of the site as data: where each page goes, and each page rendered once."""

from __future__ import annotations

from datetime import date

import markdown
import pytest
from mkdocs.config import load_config
from mkdocs.utils.meta import get_data

from policy_site.diff import DiffCache
from policy_site.pages import SiteContent
from policy_site.sources import load_sources
from testbed.site import AS_OF, REPO


@pytest.fixture(scope="module")
def sources():
    return load_sources(REPO / "policy_src")


def is_diff_page(src_uri: str) -> bool:
    return src_uri.startswith(("diff/", "en/diff/"))


def test_page_uris_name_every_generated_page_without_rendering_one(sources) -> None:
    diffs = DiffCache()
    content = SiteContent(sources, date.fromisoformat(AS_OF), diffs)
    uris = content.page_uris()
    assert diffs.computed == 0
    assert any(is_diff_page(uri) for uri in uris)
    assert len(set(uris)) == len(uris)
    assert uris == [page.src_uri for page in content.pages()]


def test_asking_for_the_pages_again_renders_nothing_again(sources) -> None:
    diffs = DiffCache()
    content = SiteContent(sources, date.fromisoformat(AS_OF), diffs)
    first = content.pages()
    again = content.pages()
    assert again == first
    assert diffs.computed == sum(is_diff_page(page.src_uri) for page in first)
    assert diffs.reused == 0


@pytest.mark.parametrize("as_of", [AS_OF, "2027-01-02"])
def test_a_page_that_carries_its_html_is_what_markdown_makes_of_it(sources, as_of: str) -> None:
    """The plugin places such a page's HTML without running Markdown over it: that must change
    nothing, with the site's own Markdown extensions."""
    config = load_config(str(REPO / "mkdocs.yml"))
    pages = [page for page in SiteContent(sources, date.fromisoformat(as_of)).pages()
             if page.html is not None]
    assert {page.src_uri for page in pages} >= {"diff/2018-05-25..2026-11-01/index.md",
                                                "en/diff/2026-11-01..2027-01-01/index.md"}
    for page in pages:
        body, _meta = get_data(page.markdown)
        converter = markdown.Markdown(extensions=config.markdown_extensions,
                                      extension_configs=config.mdx_configs)
        assert converter.convert(body) == page.html, page.src_uri
