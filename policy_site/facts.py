"""Facts (``policy_src/policy.yml``, and a version's own ``facts.yml``) and their substitution.

Facts such as the controller's name are written once and referenced from every version as
``{{ controller.name }}``, so a change of address is one edit, not one per version and language.
A value is either plain text or a mapping ``{sv: ..., en: ...}``.

Once a version is in effect, what it renders is fixed (``versions.lock``). So a fact changes as a
new version: that version's folder holds a ``facts.yml`` whose values replace policy.yml's for
that version only, and the versions in effect keep rendering what they rendered. Facts that are
the site's own (``site.*``: its address, its feed ids) are one for all versions.

Pure: no MkDocs import.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from policy_core.languages import LANGUAGES
from policy_core.versions import PolicyVersion

PLACEHOLDER_PREFIX = "PLACEHOLDER"
"""A value containing this is a known unknown: every build lists it, none fails on it."""

COOKIE_TABLE_KEY = "cookie_table"
"""``{{ cookie_table }}`` marks where a version's cookie inventory is rendered as a table."""

VERSION_FACTS_FILE = "facts.yml"
"""A version's own facts, beside its texts: values that replace policy.yml's for that version."""

SITE_WIDE = "site"
"""The group of facts the whole site shares (``site.url``, ``site.tag_authority``): no version
may give its own."""

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
    path: str
    """The file the value is written in: policy.yml or a version's facts.yml."""
    line: int


@dataclass(frozen=True)
class Overrides:
    """A version's ``facts.yml``: where each value it gives is written, and the file as written
    (published beside the version's texts)."""

    path: str
    lines: Mapping[tuple[Any, ...], int]
    source: bytes = field(default=b"", repr=False)


@dataclass(frozen=True)
class Facts:
    """The facts a text is rendered with, and the line each value is written on.

    The facts read from ``policy.yml`` hold, in ``by_version``, the facts of every version that
    has a ``facts.yml``: policy.yml's with that file's values in place (``overrides``).
    :meth:`of` gives any version's facts, so a caller never merges anything itself.
    """

    data: Mapping[str, Any]
    path: str
    """policy.yml, as messages show it."""
    lines: Mapping[tuple[Any, ...], int]
    """The line of each key path in policy.yml."""
    overrides: Overrides | None = None
    by_version: Mapping[str, Facts] = field(default_factory=dict)

    def of(self, version_id: str) -> Facts:
        """The facts ``version_id`` renders: policy.yml's, with its own facts.yml's in place."""
        return self.by_version.get(version_id, self)

    def with_overrides(self, data: Mapping[str, Any], overrides: Overrides) -> Facts:
        """These facts with ``data`` (a facts.yml, validated to fit them) in place, key by key."""
        return Facts(data=_merged(self.data, data), path=self.path, lines=self.lines,
                     overrides=overrides)

    def where(self, key: str, lang: str | None = None) -> tuple[str, int]:
        """``(file, line)`` where the value of ``key`` is written; with ``lang``, the line of that
        language's text when the value is given per language."""
        parts = tuple(key.split("."))
        path, lines = self.path, self.lines
        if self.overrides is not None and parts in self.overrides.lines:
            path, lines = self.overrides.path, self.overrides.lines
        line = lines.get((*parts, lang)) if lang is not None else None
        return path, line or lines.get(parts, 1)

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
        """The line of ``key`` in policy.yml."""
        return self.lines.get(tuple(key.split(".")), 1)

    def placeholders(self) -> list[Placeholder]:
        """Every value these facts render that is still marked ``PLACEHOLDER``, in file order
        (policy.yml's first, then the version's own); a text per language is one fact, with a
        placeholder for each language still to write."""
        found: list[Placeholder] = []

        def walk(node: Any, path: tuple[str, ...]) -> None:
            if is_fact_group(node):
                for key, value in node.items():
                    walk(value, (*path, str(key)))
                return
            key = ".".join(path)
            texts = node.items() if isinstance(node, Mapping) else [(None, node)]
            found.extend(Placeholder(key, text, *self.where(key, lang)) for lang, text in texts
                         if isinstance(text, str) and PLACEHOLDER_PREFIX in text)

        walk(self.data, ())
        return in_file_order(self.path, found)

    def written_placeholders(self) -> list[Placeholder]:
        """Every placeholder as written: in policy.yml and in each version's facts.yml, once each."""
        found = {(p.path, p.line): p for facts in (self, *self.by_version.values())
                 for p in facts.placeholders()}
        return in_file_order(self.path, found.values())


def in_file_order(common_path: str, placeholders: Iterable[Placeholder]) -> list[Placeholder]:
    """policy.yml's placeholders first, then each version's facts.yml (oldest first), by line."""
    return sorted(placeholders, key=lambda p: (p.path != common_path, p.path, p.line))


def is_fact_group(value: Any) -> bool:
    """Whether ``value`` groups facts (``controller:``) rather than being one fact given per
    language (``{sv: ..., en: ...}``)."""
    return isinstance(value, Mapping) and not (value and set(value) <= set(LANGUAGES))


def facts_file_of(version: PolicyVersion) -> str:
    """Where ``version``'s own facts are (or would be) written, as messages show it."""
    return os.path.join(os.path.dirname(version.text(LANGUAGES[0]).path), VERSION_FACTS_FILE)


def _merged(common: Mapping[str, Any], own: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(common)
    for key, value in own.items():
        if is_fact_group(common.get(key)) and isinstance(value, Mapping):
            merged[key] = _merged(common[key], value)
        else:
            merged[key] = value
    return merged


def references(body: str) -> list[tuple[int, str]]:
    """``(line offset, key)`` of every ``{{ key }}`` in a text, in order."""
    found = []
    for offset, line in enumerate(body.split("\n")):
        found.extend((offset, m.group(1)) for m in REFERENCE.finditer(line))
    return found


def fact_keys(body: str) -> list[str]:
    """The facts a text names, sorted, each once (the cookie table is no fact)."""
    return sorted({key for _, key in references(body) if key != COOKIE_TABLE_KEY})


def substitute(body: str, resolve: Callable[[str], str]) -> str:
    """Replace every ``{{ key }}`` with ``resolve(key)``; validation made sure each resolves."""
    return REFERENCE.sub(lambda m: resolve(m.group(1)), body)
