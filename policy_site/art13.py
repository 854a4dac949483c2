"""GDPR Art. 13 completeness: which required items a policy text covers, and where.

The checklist is data (``art13.yml`` beside this module) so a lawyer can read and amend it
without reading code. This module only evaluates it against a text. Pure: no MkDocs import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from policy_site.sources.markdown import parse_headings


@dataclass(frozen=True)
class Item:
    id: str
    article: str
    title: dict[str, str]
    sections: tuple[str, ...]
    patterns: dict[str, tuple[re.Pattern[str], ...]]


@dataclass(frozen=True)
class Finding:
    """One checklist item in one text: ``line`` is where it is covered, ``None`` if missing."""

    item: Item
    line: int | None

    @property
    def present(self) -> bool:
        return self.line is not None


def load_checklist(data: Any = None) -> list[Item]:
    """The packaged checklist, or ``data`` in the same shape (for tests and amendments)."""
    if data is None:
        text = (resources.files("policy_site") / "art13.yml").read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    return [
        Item(
            id=entry["id"],
            article=entry["article"],
            title=dict(entry["title"]),
            sections=tuple(entry["sections"]),
            patterns={lang: tuple(re.compile(p, re.IGNORECASE) for p in patterns)
                      for lang, patterns in entry["patterns"].items()},
        )
        for entry in data["items"]
    ]


def section_spans(body: str, first_line: int) -> dict[str, tuple[int, str]]:
    """Heading id → (line of the heading, text of the section including its subsections)."""
    lines = body.split("\n")
    headings = parse_headings(body, first_line)
    spans = {}
    for index, heading in enumerate(headings):
        if heading.id is None:
            continue
        end = next((h.line for h in headings[index + 1:] if h.level <= heading.level),
                   first_line + len(lines))
        spans[heading.id] = (heading.line, "\n".join(lines[heading.line - first_line: end - first_line]))
    return spans


def evaluate(body: str, first_line: int, lang: str, checklist: list[Item]) -> list[Finding]:
    """Each checklist item's finding for one text (facts already substituted, lines intact)."""
    spans = section_spans(body, first_line)
    findings = []
    for item in checklist:
        line = None
        for section in item.sections:
            if section in spans:
                heading_line, text = spans[section]
                if all(pattern.search(text) for pattern in item.patterns[lang]):
                    line = heading_line
                    break
        findings.append(Finding(item, line))
    return findings
