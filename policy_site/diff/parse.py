"""Markdown policy text → sections of blocks, read only as far as the diff needs.

Headings (read by :func:`policy_site.sources.markdown.read_heading`, the one owner of what a
heading is) start sections; paragraphs, list items (nested ones and an item's later paragraphs
become blocks of their own), pipe-table rows and admonitions (a block for the title, then the
body's blocks) are blocks; inline markup is reduced to the text a reader sees. Fenced code and
setext headings are not recognised: policy text has none.

Pure: standard library and the sources' heading reader.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from policy_site.sources.markdown import read_heading


@dataclass(frozen=True)
class Block:
    """A paragraph, list item, table row or admonition title, as plain readable text."""

    kind: Literal["paragraph", "item", "row", "admonition"]
    text: str


@dataclass(frozen=True)
class Section:
    """The text under one heading, up to the next heading of any level. Id "" is the preamble."""

    id: str
    level: int
    title: str
    blocks: list[Block]


_ADMONITION = re.compile(r'^(?:!!!|\?\?\?\+?)[ \t]+([\w-]+)[^"]*(?:"(.*)")?[ \t]*$')
_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(.*)$")
_ROW = re.compile(r"^[ \t]*\|")
_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_THEMATIC_BREAK = re.compile(r"^[ \t]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_LINK_DEFINITION = re.compile(r"^[ \t]{0,3}\[[^\]]+\]:[ \t]*\S")
_INDENT = re.compile(r"^(?: {1,4}|\t)")

_CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)", re.S)
_BACKSLASH_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~])")
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^<>\s]+|[^<>\s@]+@[^<>\s@]+\.[^<>\s@]+)>")
_IMAGE = re.compile(r"!\[([^\]]*)\]\((?:[^()]|\([^()]*\))*\)")
_LINK = re.compile(r"\[([^\]]*)\](?:\((?:[^()]|\([^()]*\))*\)|[ ]?\[[^\]]*\])")
_HTML_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>", re.S)
_INLINE_ATTRS = re.compile(r"\{:[^{}]*\}")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EMPHASIS = re.compile(r"\*(?=\S)(.+?)(?<=\S)\*|(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)")
_SPACES = re.compile(r"[ \t\r\n]+")
_PLACEHOLDER = re.compile("[\ue000-\uf8ff]")


def parse_sections(
    markdown: str, read_blocks: Callable[[list[str]], list[Block]] | None = None
) -> list[Section]:
    """Split a policy body into sections at every heading, whatever its level.

    Sections are flat (a ``###`` is not nested in its ``##``) so that a change is reported once, in
    the section that holds it. A heading without ``{#id}`` gets one derived from its title, and a
    repeated id a numeric suffix, so ids stay unique; the sources' validation reports both anyway.
    ``read_blocks`` reads each section's lines (default :func:`parse_blocks`): a cache passes
    one that remembers them.
    """
    read_blocks = read_blocks or parse_blocks
    chunks: list[tuple[tuple[int, str, str], list[str]]] = [((1, "", ""), [])]
    for line in markdown.replace("\r\n", "\n").split("\n"):
        heading = _parse_heading(line)
        if heading is None:
            chunks[-1][1].append(line)
        else:
            chunks.append((heading, []))
    sections: list[Section] = []
    taken: set[str] = set()
    for (level, section_id, title), lines in chunks:
        blocks = read_blocks(lines)
        if not section_id and not blocks:
            continue  # no text before the first heading
        if section_id:
            section_id = _unique(section_id, taken)
        taken.add(section_id)
        sections.append(Section(section_id, level, title, blocks))
    return sections


def _parse_heading(line: str) -> tuple[int, str, str] | None:
    heading = read_heading(line)
    if heading is None:
        return None
    level, text, section_id = heading
    title = _inline_text(text)
    section_id = section_id or _slug(title)
    return level, section_id, title or section_id


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "section"


def _unique(section_id: str, taken: set[str]) -> str:
    candidate, number = section_id, 1
    while candidate in taken:
        number += 1
        candidate = f"{section_id}-{number}"
    return candidate


def _starts_block(line: str) -> bool:
    return bool(
        _ITEM.match(line) or _ROW.match(line) or _ADMONITION.match(line)
        or _THEMATIC_BREAK.match(line)
    )


def parse_blocks(lines: list[str]) -> list[Block]:
    """Blocks in reading order; blank lines, rules, link definitions and table separators vanish."""
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line.strip() or _THEMATIC_BREAK.match(line) or _LINK_DEFINITION.match(line):
            continue
        admonition = _ADMONITION.match(line)
        if admonition:
            body: list[str] = []
            while index < len(lines) and (not lines[index].strip() or _INDENT.match(lines[index])):
                body.append(_INDENT.sub("", lines[index], count=1))
                index += 1
            title = admonition.group(2)
            title = _inline_text(admonition.group(1).capitalize() if title is None else title)
            if title:
                blocks.append(Block("admonition", title))
            blocks.extend(parse_blocks(body))
            continue
        if _ROW.match(line):
            if not _TABLE_RULE.match(line):
                cells = re.split(r"(?<!\\)\|", line.strip().removeprefix("|").removesuffix("|"))
                blocks.append(Block("row", " | ".join(_inline_text(cell) for cell in cells)))
            continue
        item = _ITEM.match(line)
        parts = [item.group(1) if item else line]
        while index < len(lines) and lines[index].strip() and not _starts_block(lines[index]):
            parts.append(lines[index])
            index += 1
        blocks.append(Block("item" if item else "paragraph", _inline_text("\n".join(parts))))
    return blocks


def _inline_text(markdown: str) -> str:
    """The text a reader sees: markup, link targets and raw HTML tags dropped, entities decoded.

    Code spans, backslash escapes and autolinks are set aside first (as private-use placeholders)
    so their content is kept literally. U+00A0 and U+2011 pass through untouched.
    """
    kept: list[str] = []

    def keep(text: str) -> str:
        kept.append(text)
        return chr(0xE000 + len(kept) - 1)

    text = _CODE_SPAN.sub(lambda m: keep(m.group(2).strip()), markdown)
    text = _BACKSLASH_ESCAPE.sub(lambda m: keep(m.group(1)), text)
    text = _AUTOLINK.sub(lambda m: keep(m.group(1)), text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _HTML_TAG.sub("", text)
    text = _INLINE_ATTRS.sub("", text)
    previous = None
    while previous != text:
        previous = text
        text = _STRONG.sub(r"\2", text)
        text = _EMPHASIS.sub(lambda m: m.group(1) or m.group(2), text)
    text = html.unescape(text)

    def restore(match: re.Match[str]) -> str:
        number = ord(match.group()) - 0xE000
        return kept[number] if number < len(kept) else match.group()

    text = _PLACEHOLDER.sub(restore, text)
    return _SPACES.sub(" ", text).strip(" ")
