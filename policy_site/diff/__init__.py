"""Section-aware word diff between two versions of the policy text.

Two Markdown bodies are parsed into sections of blocks (:mod:`.parse`), compared section by
section and word by word into a :class:`DocumentDiff` (:mod:`.compare`), remembered across many
pairs (:mod:`.cache`), and rendered as accessible HTML for the site or as text for a terminal
(:mod:`.render`).

The package is pure (no MkDocs) so the plugin, the CLI and the tests share it, and it survives a
change of site generator.
"""

from policy_site.diff.cache import DiffCache, diff_documents
from policy_site.diff.compare import (
    SIMILARITY_THRESHOLD,
    BlockDiff,
    DocumentDiff,
    SectionDiff,
    Segment,
    diff_words,
)
from policy_site.diff.parse import Block, Section, parse_sections
from policy_site.diff.render import render_html, render_text

__all__ = [
    "SIMILARITY_THRESHOLD", "Block", "BlockDiff", "DiffCache", "DocumentDiff", "Section",
    "SectionDiff", "Segment", "diff_documents", "diff_words", "parse_sections", "render_html",
    "render_text",
]
