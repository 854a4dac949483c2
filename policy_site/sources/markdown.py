"""The Markdown of a policy text, read only as far as validation needs: headings, fences, links.

Pure: no MkDocs import; the site's renderer is Python-Markdown, these are the rules the sources
are held to.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

SECTION_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
"""A section's id (``{#retention}``): stable across versions and the same in every language."""

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
HEADING_ID = re.compile(r"\s*\{[^{}]*?#([^\s{}]+)[^{}]*\}\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
LINK = re.compile(r"\]\(\s*<?([^)\s>]+)")


@dataclass(frozen=True)
class Heading:
    level: int
    title: str
    id: str | None
    line: int


def parse_headings(body: str, first_line: int = 1) -> list[Heading]:
    """ATX headings outside fenced code, with their ``{#id}`` if they carry one."""
    headings = []
    in_fence = False
    for offset, line in enumerate(body.split("\n")):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        match = None if in_fence else HEADING.match(line)
        if match:
            text = match.group(2)
            id_match = HEADING_ID.search(text)
            title = HEADING_ID.sub("", text).strip() if id_match else text
            headings.append(
                Heading(len(match.group(1)), title, id_match and id_match.group(1), first_line + offset)
            )
    return headings


def link_targets(body: str, first_line: int = 1) -> Iterator[tuple[int, str]]:
    """``(line, target)`` of every inline link ``[text](target)`` in a text, in order."""
    for offset, line in enumerate(body.split("\n")):
        for match in LINK.finditer(line):
            yield first_line + offset, match.group(1)
