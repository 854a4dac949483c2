"""The rules of ``policy_src/policy.yml``: the document-wide facts every version refers to.

What a fact *is* and how it is substituted lives in :mod:`policy_site.facts`; this module only
says whether the file an editor wrote is complete and well formed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from policy_core.languages import LANGUAGES
from policy_site.facts import REQUIRED_KEYS, Facts
from policy_site.sources.reader import KeyLines, Reader, unreadable_at
from policy_site.sources.yaml_lines import Unreadable

SITE_URL = re.compile(r"^https?://[^\s/]+(/[^\s]*)?/$")
TAG_AUTHORITY = re.compile(r"^[A-Za-z0-9.-]+,\d{4}(-\d{2}(-\d{2})?)?$")


def read_facts(reader: Reader, path: Path) -> Facts | None:
    """The facts, or ``None`` when the file is missing or no mapping; every problem is reported."""
    if not path.is_file():
        reader.problem(path, None, "missing: policy.yml holds the controller's facts")
        return None
    data, lines = reader.read_yaml(path, "the document's facts (controller:, dpo:, ...)")
    if data is None:
        return None
    if not isinstance(data, Mapping):
        reader.problem(path, 1, "expected a mapping of keys (controller:, dpo:, ...)")
        return None
    facts = Facts(data=data, path=reader.show(path), lines=lines)
    for key in REQUIRED_KEYS:
        if facts.raw(key) is None and not unreadable_at(data, tuple(key.split("."))):
            parent = key.rsplit(".", 1)[0]
            reader.problem(path, facts.line(parent), f"missing key '{key}'")
    _check_values(reader, path, data, lines)
    appointed = facts.raw("dpo.appointed")
    if appointed is not None and not isinstance(appointed, bool | Unreadable):
        reader.problem(path, facts.line("dpo.appointed"), "dpo.appointed must be true or false")
    if appointed is True:
        for key in ("dpo.name", "dpo.email"):
            if facts.raw(key) is None:
                reader.problem(path, facts.line("dpo"), f"missing key '{key}' (a DPO is appointed)")
    return facts


def _check_values(reader: Reader, path: Path, data: Mapping, lines: KeyLines) -> None:
    """A value in one language needs all of them; URLs and tag ids must be well formed."""

    def walk(node: Any, where: tuple[str, ...]) -> None:
        if not isinstance(node, Mapping):
            return
        keys = set(node)
        if keys and keys <= set(LANGUAGES) and keys != set(LANGUAGES):
            missing = ", ".join(sorted(set(LANGUAGES) - keys))
            reader.problem(path, lines.get(where, 1), f"'{'.'.join(where)}' has no {missing} text: "
                           f"give it in every language ({', '.join(LANGUAGES)})")
            return
        for key, value in node.items():
            walk(value, (*where, str(key)))

    walk(data, ())
    site = data.get("site") if isinstance(data.get("site"), Mapping) else {}
    url = site.get("url")
    if isinstance(url, str) and not SITE_URL.match(url):
        reader.problem(path, lines.get(("site", "url"), 1), f"site.url '{url}' must be an http(s) "
                       "address ending in '/', e.g. https://example.se/")
    authority = site.get("tag_authority")
    if isinstance(authority, str) and not TAG_AUTHORITY.match(authority):
        reader.problem(path, lines.get(("site", "tag_authority"), 1), f"site.tag_authority "
                       f"'{authority}' must be a domain and a date it was held, e.g. example.se,2018 "
                       "(RFC 4151)")
