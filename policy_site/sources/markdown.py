"""The Markdown of a policy text, read only as far as its readers need: headings, fences, links.

This module is the one owner of what a heading is. Validation, the Art. 13 check and the diff
all read headings through :func:`read_heading`, so a line that starts a section for one of them
starts it for all.

Pure: no MkDocs import.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

SECTION_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
"""A section's id (``{#retention}``): stable across versions and the same in every language."""

ATX_HEADING = re.compile(r"^(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
CLOSING_SEQUENCE = re.compile(r"(?:^|[ \t]+)#+$")
HEADING_ID = re.compile(r"\s*\{[^{}]*?#([^\s{}]+)[^{}]*\}\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
LINK = re.compile(r"\]\(\s*<?([^)\s>]+)")


@dataclass(frozen=True)
class Heading:
    level: int
    title: str
    id: str | None
    line: int


def read_heading(line: str) -> tuple[int, str, str | None] | None:
    """``(level, title, id)`` when ``line`` is an ATX heading, else ``None``.

    CommonMark's rule: one to six ``#`` at the start of the line, then a space, a tab or the end
    of the line; ``#x`` is text. An optional closing run of ``#`` is not part of the title, and
    the id is the ``#id`` of an attribute list ``{#id}`` (``{: .class #id}``) at the end.
    """
    if not line.startswith("#"):
        return None
    match = ATX_HEADING.match(line)
    if match is None:
        return None
    text = match.group(2) or ""
    id_match = HEADING_ID.search(text)
    if id_match:
        text = text[: id_match.start()]
    title = CLOSING_SEQUENCE.sub("", text).strip(" \t")
    return len(match.group(1)), title, id_match.group(1) if id_match else None


def parse_headings(body: str, first_line: int = 1) -> list[Heading]:
    """The headings outside fenced code, each with the line of its file it stands on."""
    headings = []
    for number, line in _lines_outside_fences(body, first_line):
        heading = read_heading(line)
        if heading is not None:
            headings.append(Heading(*heading, line=number))
    return headings


def hashes_that_are_not_headings(body: str, first_line: int = 1) -> list[tuple[int, str]]:
    """``(line, text)`` of each line outside fences that starts with ``#`` but is no heading.

    Python-Markdown, which renders the site, takes any line that starts with ``#`` for a heading
    (``#x`` too), while every reader of the sources follows :func:`read_heading`: such a line
    would be a heading on the site that has no id and no section of its own anywhere else.
    """
    return [(number, line) for number, line in _lines_outside_fences(body, first_line)
            if line.startswith("#") and read_heading(line) is None]


def link_targets(body: str, first_line: int = 1) -> Iterator[tuple[int, str]]:
    """``(line, target)`` of every inline link ``[text](target)`` in a text, in order."""
    for offset, line in enumerate(body.split("\n")):
        for match in LINK.finditer(line):
            yield first_line + offset, match.group(1)


def _lines_outside_fences(body: str, first_line: int) -> Iterator[tuple[int, str]]:
    in_fence = False
    for offset, line in enumerate(body.split("\n")):
        if FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence:
            yield first_line + offset, line
