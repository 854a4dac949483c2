"""The languages of one version agree: the same dates, change type and sections in the same order.

A reader switching language must land on the same policy, and the diff and the Art. 13 check
match sections by heading id, so a section that exists in one language only is a mistake in
the sources, reported at the line where the two texts part.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from policy_core.versions import VersionText
from policy_site.sources.markdown import Heading, parse_headings
from policy_site.sources.reader import KeyLines, Reader, unreadable_at

FrontMatter = tuple[dict[str, Any], KeyLines]
"""A text's front matter as read, and the line of each of its keys."""

SHARED_KEYS = ("effective", "published", "change_type")
"""Front matter that belongs to the version, not to one language's text."""


def check_languages_agree(
    reader: Reader, folder: Path, texts: dict[str, VersionText], fronts: dict[str, FrontMatter]
) -> None:
    """Report where each language's text departs from the first language's."""
    if len(texts) < 2:
        return
    base_lang, *others = list(texts)
    base_front, _ = fronts[base_lang]
    base_headings = parse_headings(texts[base_lang].body, texts[base_lang].body_line)
    for lang in others:
        path = folder / f"{lang}.md"
        front, lines = fronts[lang]
        for key in SHARED_KEYS:
            readable = not unreadable_at(front, (key,)) and not unreadable_at(base_front, (key,))
            if key in front and key in base_front and readable and front[key] != base_front[key]:
                reader.problem(path, lines.get((key,), 1), f"{key} '{front[key]}' differs from "
                               f"{base_lang}.md ('{base_front[key]}'): languages of a version share it")
        headings = parse_headings(texts[lang].body, texts[lang].body_line)
        _check_sections(reader, path, texts[lang].body_line, headings, base_lang, base_headings)


def _check_sections(
    reader: Reader, path: Path, body_line: int, headings: list[Heading], base_lang: str,
    base_headings: list[Heading],
) -> None:
    """The first place where the heading ids differ; after it every line would differ too."""
    if [h.id for h in headings] == [h.id for h in base_headings]:
        return
    for index in range(max(len(headings), len(base_headings))):
        mine = headings[index] if index < len(headings) else None
        theirs = base_headings[index] if index < len(base_headings) else None
        if mine and theirs and mine.id == theirs.id:
            continue
        if mine is None:
            reader.problem(path, body_line, f"missing heading '{{#{theirs.id}}}' "
                           f"that {base_lang}.md has on line {theirs.line}")
        elif theirs is None:
            reader.problem(path, mine.line, f"heading id '{mine.id}' has no counterpart in "
                           f"{base_lang}.md: sections must match across languages")
        else:
            reader.problem(path, mine.line, f"heading id '{mine.id}' differs from "
                           f"{base_lang}.md line {theirs.line} ('{theirs.id}'): the "
                           "languages must have the same sections in the same order")
        return
