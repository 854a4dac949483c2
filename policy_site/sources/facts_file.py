"""The rules of the facts files: ``policy_src/policy.yml`` and a version's own ``facts.yml``.

What a fact *is* and how it is substituted lives in :mod:`policy_site.facts`; this module only
says whether the files an editor wrote are complete and well formed. Both files are checked by
the same rules (a value in every language, a DPO who is appointed has a name and an address);
a version's ``facts.yml`` may in addition only give new values to facts policy.yml has, and
none of the site's own (``site.*``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from policy_core.languages import LANGUAGES
from policy_site.facts import REQUIRED_KEYS, SITE_WIDE, Facts, Overrides, is_fact_group
from policy_site.sources.reader import KeyLines, Reader, unknown_key, unreadable_at
from policy_site.sources.yaml_lines import Unreadable

SITE_URL = re.compile(r"^https?://[^\s/]+(/[^\s]*)?/$")
TAG_AUTHORITY = re.compile(r"^[A-Za-z0-9.-]+,\d{4}(-\d{2}(-\d{2})?)?$")


def read_facts(reader: Reader, path: Path) -> Facts | None:
    """The facts, or ``None`` when the file is missing or no mapping; every problem is reported."""
    if not path.is_file():
        reader.problem(path, None, "missing: policy.yml holds the controller's facts")
        return None
    data, lines = _read_mapping(reader, path, "the document's facts (controller:, dpo:, ...)")
    if data is None:
        return None
    facts = Facts(data=data, path=reader.show(path), lines=lines)
    for key in REQUIRED_KEYS:
        if facts.raw(key) is None and not unreadable_at(data, tuple(key.split("."))):
            parent = key.rsplit(".", 1)[0]
            reader.problem(path, facts.line(parent), f"missing key '{key}'")
    _check_languages(reader, path, data, lines)
    _check_site(reader, path, data, lines)
    _check_dpo(reader, path, facts, lines)
    return facts


def read_version_facts(reader: Reader, path: Path, common: Facts | None) -> Facts | None:
    """The facts the version beside ``path`` renders: ``common`` (policy.yml) with the values of
    its ``facts.yml`` in place. ``None`` when it has no such file, or the file has a problem
    (reported)."""
    if not path.is_file():
        return None
    count = len(reader.problems)
    data, lines = _read_mapping(reader, path, f"facts that differ from "
                                f"{common.path if common else 'policy.yml'} (controller:, ...)")
    if data is None or common is None:
        return None
    _check_languages(reader, path, data, lines)
    _check_overrides(reader, path, common, data, lines)
    if len(reader.problems) > count:
        reader.problems[count:] = sorted(reader.problems[count:], key=lambda found: found.line or 0)
        return None
    facts = common.with_overrides(data, Overrides(reader.show(path), lines, path.read_bytes()))
    _check_dpo(reader, path, facts, lines, also=f" in {common.path} (a version's facts.yml gives "
               "new values to the facts policy.yml has, it adds none)")
    return facts if len(reader.problems) == count else None


def _read_mapping(reader: Reader, path: Path, expected: str) -> tuple[Mapping | None, KeyLines]:
    data, lines = reader.read_yaml(path, expected)
    if data is None:
        return None, {}
    if not isinstance(data, Mapping):
        reader.problem(path, 1, f"expected a mapping of keys: {expected}")
        return None, {}
    return data, lines


def _check_languages(reader: Reader, path: Path, data: Mapping, lines: KeyLines) -> None:
    """A value given in one language needs all of them."""

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


def _check_site(reader: Reader, path: Path, data: Mapping, lines: KeyLines) -> None:
    """The site's address and its feed ids must be well formed."""
    site = data.get(SITE_WIDE) if isinstance(data.get(SITE_WIDE), Mapping) else {}
    url = site.get("url")
    if isinstance(url, str) and not SITE_URL.match(url):
        reader.problem(path, lines.get(("site", "url"), 1), f"site.url '{url}' must be an http(s) "
                       "address ending in '/', e.g. https://example.se/")
    authority = site.get("tag_authority")
    if isinstance(authority, str) and not TAG_AUTHORITY.match(authority):
        reader.problem(path, lines.get(("site", "tag_authority"), 1), f"site.tag_authority "
                       f"'{authority}' must be a domain and a date it was held, e.g. example.se,2018 "
                       "(RFC 4151)")


def _check_dpo(reader: Reader, path: Path, facts: Facts, lines: KeyLines, also: str = "") -> None:
    """``dpo.appointed`` is true or false, and a DPO who is appointed has a name and an e-mail.

    Judged on the facts as rendered, for the file that sets ``dpo.appointed`` (``lines`` are
    its lines): ``also`` says where a missing key belongs when it is not that file.
    """
    appointed = facts.raw("dpo.appointed")
    if ("dpo", "appointed") not in lines or appointed is None:
        return
    if not isinstance(appointed, bool | Unreadable):
        reader.problem(path, lines[("dpo", "appointed")], "dpo.appointed must be true or false")
    if appointed is True:
        for key in ("dpo.name", "dpo.email"):
            if facts.raw(key) is None:
                reader.problem(path, lines.get(("dpo",), 1),
                               f"missing key '{key}' (a DPO is appointed){also}")


def _check_overrides(reader: Reader, path: Path, common: Facts, data: Mapping, lines: KeyLines) -> None:
    """Each key of a version's facts.yml names a fact of policy.yml and gives it one value."""

    def walk(own: Mapping, shared: Mapping, where: tuple[str, ...]) -> None:
        for key, value in own.items():
            place = (*where, key)
            if unreadable_at(data, place) or isinstance(key, Unreadable):
                continue
            name, line = ".".join(map(str, place)), lines.get(place, 1)
            if place == (SITE_WIDE,):
                reader.problem(path, line, f"'{SITE_WIDE}' facts are the whole site's (its address, "
                               "its feed ids), the same for every version: change them in "
                               f"{common.path}, not in a version's facts.yml")
            elif key not in shared:
                known = tuple(".".join((*where, str(k))) for k in shared if (*where, k) != (SITE_WIDE,))
                reader.problem(path, line, f"{unknown_key(name, known, 'fact')}: a version's "
                               f"facts.yml gives new values to the facts {common.path} has")
            elif is_fact_group(shared[key]):
                if is_fact_group(value):
                    walk(value, shared[key], place)
                else:
                    grouped = [str(k) for k in shared[key]]
                    example = f" ({name}: {{{grouped[0]}: ...}})" if grouped else ""
                    reader.problem(path, line, f"'{name}' groups the facts {', '.join(grouped)}: "
                                   f"give the new value of each one under it{example}")
            elif value is None:
                reader.problem(path, line, f"'{name}' has no value: write the value this version "
                               f"gives it, or remove the line to keep {common.path}'s")
            elif not _is_one_value(value):
                languages = ", ".join(f"{lang}: ..." for lang in LANGUAGES)
                reader.problem(path, line, f"'{name}' is one fact: give its value as text, or as "
                               f"{{{languages}}}")

    walk(data, common.data, ())


def _is_one_value(value: Any) -> bool:
    """Text, a number or true/false; or a text per language."""
    if isinstance(value, Mapping):
        return not is_fact_group(value) and all(
            isinstance(text, str | Unreadable) for text in value.values())
    return isinstance(value, str | int | float | bool)
