"""Document-wide facts (``policy_src/policy.yml``) and their substitution into policy texts.

Facts such as the controller's name are written once and referenced from every version as
``{{ controller.name }}``, so a change of address is one edit, not one per version and language.
A value is either plain text or a mapping ``{sv: ..., en: ...}``.

Pure: no MkDocs import.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from policy_core.languages import LANGUAGES

PLACEHOLDER_PREFIX = "PLACEHOLDER"
"""A value containing this is a known unknown: every build lists it, none fails on it."""

COOKIE_TABLE_KEY = "cookie_table"
"""``{{ cookie_table }}`` marks where a version's cookie inventory is rendered as a table."""

REFERENCE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")

REQUIRED_KEYS: tuple[str, ...] = (
    "controller.name",
    "controller.org_number",
    "controller.address",
    "controller.email",
    "dpo.appointed",
    "supervisory_authority.name",
    "supervisory_authority.url",
    "site.url",
    "site.tag_authority",
)


@dataclass(frozen=True)
class Placeholder:
    key: str
    value: str
    line: int


@dataclass(frozen=True)
class Facts:
    """The parsed ``policy.yml`` plus the line of each key, for messages that point at it."""

    data: Mapping[str, Any]
    path: str
    lines: Mapping[tuple[Any, ...], int]

    def raw(self, key: str) -> Any:
        """The value at a dotted key, or ``None`` when there is no such key."""
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return None
            node = node[part]
        return node

    def text(self, key: str, lang: str) -> str | None:
        """The value at ``key`` in ``lang``: plain text, or the language's entry of a mapping."""
        value = self.raw(key)
        if isinstance(value, Mapping) and set(value) == set(LANGUAGES):
            value = value[lang]
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            return None
        return str(value)

    def known(self, key: str) -> str | None:
        """The plain-text value at ``key``, or ``None`` while it is missing or a placeholder."""
        value = self.raw(key)
        return value if isinstance(value, str) and PLACEHOLDER_PREFIX not in value else None

    def line(self, key: str) -> int:
        return self.lines.get(tuple(key.split(".")), 1)

    def placeholders(self) -> list[Placeholder]:
        """Every value still marked ``PLACEHOLDER``, in file order."""
        found: list[Placeholder] = []

        def walk(node: Any, path: tuple[str, ...]) -> None:
            if isinstance(node, Mapping):
                for key, value in node.items():
                    walk(value, (*path, str(key)))
            elif isinstance(node, str) and PLACEHOLDER_PREFIX in node:
                found.append(Placeholder(".".join(path), node, self.lines.get(path, 1)))

        walk(self.data, ())
        return sorted(found, key=lambda p: p.line)


def references(body: str) -> list[tuple[int, str]]:
    """``(line offset, key)`` of every ``{{ key }}`` in a text, in order."""
    found = []
    for offset, line in enumerate(body.split("\n")):
        found.extend((offset, m.group(1)) for m in REFERENCE.finditer(line))
    return found


def fact_keys(body: str) -> list[str]:
    """The facts of ``policy.yml`` a text names, sorted, each once (the cookie table is no fact)."""
    return sorted({key for _, key in references(body) if key != COOKIE_TABLE_KEY})


def substitute(body: str, resolve: Callable[[str], str]) -> str:
    """Replace every ``{{ key }}`` with ``resolve(key)``; validation made sure each resolves."""
    return REFERENCE.sub(lambda m: resolve(m.group(1)), body)
