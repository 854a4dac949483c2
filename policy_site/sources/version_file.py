"""The rules of a version: its folder ``versions/<effective>/`` and each language's text in it.

A text is front matter (the version's dates, change type, the text's title and summary) and a
Markdown body whose SHA-256 is published. Everything an editor can get wrong in either is
reported here, at its line; what the languages must share is checked by :mod:`.agreement`.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from policy_core.hashing import sha256_hex
from policy_core.languages import LANGUAGES
from policy_core.versions import CHANGE_TYPES, Inventory, PolicyVersion, VersionText
from policy_site.facts import COOKIE_TABLE_KEY, Facts, references
from policy_site.sources.agreement import FrontMatter, check_languages_agree
from policy_site.sources.inventory_file import read_inventory
from policy_site.sources.markdown import (
    SECTION_ID,
    hashes_that_are_not_headings,
    link_targets,
    parse_headings,
)
from policy_site.sources.reader import KeyLines, Reader, unknown_key, unreadable_at
from policy_site.sources.yaml_lines import Unreadable

FRONT_MATTER_KEYS: tuple[str, ...] = ("effective", "published", "change_type", "title", "summary")
VERSION_ID = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ABSOLUTE_LINK = re.compile(r"^(/|#|[a-z][a-z0-9+.-]*:)", re.IGNORECASE)


def split_front_matter(raw: bytes) -> tuple[bytes, bytes, int] | None:
    """``(front matter, body, body's first line)`` of a source, or ``None`` without front matter.

    The body is exactly the bytes after the line that closes the front matter: the bytes whose
    SHA-256 is published, so anyone can recompute it from the file.
    """
    lines = raw.split(b"\n")
    if lines[0].rstrip(b"\r") != b"---":
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip(b"\r") == b"---":
            head = b"\n".join(lines[1:index])
            body = b"\n".join(lines[index + 1 :])
            return head, body, index + 2
    return None


def read_version(reader: Reader, folder: Path, facts: Facts | None) -> PolicyVersion | None:
    """The version in ``folder``, or ``None`` when anything in it has a problem (reported).

    ``facts`` are those the version renders (policy.yml's, with its own facts.yml's in place):
    every ``{{ fact }}`` its texts name must be one of them."""
    count = len(reader.problems)
    if not VERSION_ID.match(folder.name) or _as_date(folder.name) is None:
        reader.problem(folder, None, "folder name must be the effective date, YYYY-MM-DD")
        return None
    inventory = read_inventory(reader, folder / "cookies.yml")
    present = [lang for lang in LANGUAGES if (folder / f"{lang}.md").is_file()]
    if not present:
        files = " and ".join(f"{lang}.md" for lang in LANGUAGES)
        reader.problem(folder, None, f"no policy text: add {files}")
        return None
    texts: dict[str, VersionText] = {}
    fronts: dict[str, FrontMatter] = {}
    for lang in LANGUAGES:
        path = folder / f"{lang}.md"
        if lang not in present:
            other = folder / f"{present[0]}.md"
            reader.problem(other, 1, f"no '{lang}' translation: create {lang}.md beside this file")
            continue
        read = _read_text(reader, path, lang, folder.name, facts, inventory)
        if read is not None:
            texts[lang], fronts[lang] = read
    check_languages_agree(reader, folder, texts, fronts)
    if len(texts) != len(LANGUAGES) and len(reader.problems) == count:
        reader.problem(folder, None, "could not be read as a version")
    if len(reader.problems) > count:
        return None
    front = fronts[LANGUAGES[0]][0]
    return PolicyVersion(
        id=folder.name,
        effective=_as_date(front["effective"]),  # type: ignore[arg-type]
        published=_as_date(front["published"]),  # type: ignore[arg-type]
        change_type=front["change_type"],
        texts=texts,
        inventory=inventory,
    )


def _read_text(
    reader: Reader,
    path: Path,
    lang: str,
    version_id: str,
    facts: Facts | None,
    inventory: Inventory | None,
) -> tuple[VersionText, FrontMatter] | None:
    loaded = reader.read_text(path)
    if loaded is None:
        return None
    raw, _ = loaded
    parts = split_front_matter(raw)
    if parts is None:
        if raw.split(b"\n", 1)[0].rstrip() == b"---":
            reader.problem(path, 1, "front matter is not closed: add a line '---' after it")
        else:
            reader.problem(path, 1, "missing front matter: start the file with a line '---', "
                           f"then {', '.join(FRONT_MATTER_KEYS)}, then a line '---'")
        return None
    head, body_bytes, body_line = parts
    front, lines = reader.read_yaml(path, ", ".join(FRONT_MATTER_KEYS), first_line=2,
                                    text=head.decode())
    if front is None:
        return None
    if not isinstance(front, dict):
        reader.problem(path, 2, f"front matter must be keys: {', '.join(FRONT_MATTER_KEYS)}")
        return None
    _check_front_matter(reader, path, version_id, front, lines)
    body = body_bytes.decode()
    if not body.strip():
        reader.problem(path, body_line, "the text is empty: write the policy below the front matter")
    _check_headings(reader, path, body, body_line)
    _check_links(reader, path, body, body_line)
    _check_references(reader, path, body, body_line, facts, inventory)
    text = VersionText(
        lang=lang,
        path=reader.show(path),
        title=str(front.get("title", "")),
        summary=str(front.get("summary", "")),
        body=body,
        body_line=body_line,
        sha256=sha256_hex(body_bytes),
        source=raw,
    )
    return text, (front, lines)


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and VERSION_ID.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _check_front_matter(
    reader: Reader, path: Path, version_id: str, front: dict, lines: KeyLines
) -> None:
    def line(key: str) -> int:
        return lines.get((key,), 1)

    for key in front:
        if key not in FRONT_MATTER_KEYS:
            reader.problem(path, line(key), unknown_key(str(key), FRONT_MATTER_KEYS, "front matter key"))
    for key in FRONT_MATTER_KEYS:
        if key not in front:
            reader.problem(path, 1, f"front matter is missing '{key}'")
    values = {key: value for key, value in front.items() if not isinstance(value, Unreadable)}
    dates = {}
    for key in ("effective", "published"):
        if key in values:
            dates[key] = _as_date(values[key])
            if dates[key] is None:
                reader.problem(path, line(key), f"{key}: '{values[key]}' is not a date; "
                               "write it as YYYY-MM-DD")
    effective, published = dates.get("effective"), dates.get("published")
    if effective and effective.isoformat() != version_id:
        reader.problem(path, line("effective"), f"effective {effective} disagrees with the "
                       f"folder name {version_id}: the folder is named after the effective date")
    if effective and published and published > effective:
        reader.problem(path, line("published"), f"published {published} is after effective "
                       f"{effective}: a version is made public on or before it takes effect")
    if "change_type" in values and values["change_type"] not in CHANGE_TYPES:
        reader.problem(path, line("change_type"), f"change_type '{values['change_type']}' is "
                       f"not one of: {', '.join(CHANGE_TYPES)}")
    for key in ("title", "summary"):
        if key in values and (not isinstance(values[key], str) or not values[key].strip()):
            reader.problem(path, line(key), f"{key} must be non-empty text")


def _check_headings(reader: Reader, path: Path, body: str, body_line: int) -> None:
    """Every heading has a valid id of its own, and nothing else looks like a heading to the site."""
    first_use: dict[str, int] = {}
    for heading in parse_headings(body, body_line):
        if heading.id is None:
            reader.problem(path, heading.line, f"heading '{heading.title}' has no id: add "
                           "{#some-id} at its end, the same id in every language")
        elif not SECTION_ID.match(heading.id):
            reader.problem(path, heading.line, f"heading id '{heading.id}' must be lowercase "
                           "letters, digits and hyphens")
        elif heading.id in first_use:
            reader.problem(path, heading.line, f"duplicate heading id '{heading.id}' (first "
                           f"used on line {first_use[heading.id]}): ids must be unique")
        else:
            first_use[heading.id] = heading.line
    for line, text in hashes_that_are_not_headings(body, body_line):
        reader.problem(path, line, f"'{text.split()[0]}' is not a heading (a heading is one to six "
                       "# and a space) but the site would show this line as one, without an id: "
                       "write '# Title {#id}' for a heading, or '\\#' for a # in the text")


def _check_links(reader: Reader, path: Path, body: str, body_line: int) -> None:
    """A version's text is shown at / and at /versions/<id>/: only absolute links work at both."""
    for line, target in link_targets(body, body_line):
        if not ABSOLUTE_LINK.match(target):
            reader.problem(path, line, f"relative link '{target}': the text is "
                           "shown at several addresses, so write a path from the site root "
                           "(e.g. /changes/) or a full address")


def _check_references(
    reader: Reader, path: Path, body: str, body_line: int, facts: Facts | None,
    inventory: Inventory | None,
) -> None:
    tables = 0
    for offset, key in references(body):
        line = body_line + offset
        if key == COOKIE_TABLE_KEY:
            tables += 1
            if inventory is None and not (path.parent / "cookies.yml").is_file():
                reader.problem(path, line, "{{ cookie_table }} but this version has no "
                               "cookies.yml: add one or remove the line")
        elif (facts is not None and facts.text(key, "sv") is None
              and not unreadable_at(facts.data, tuple(key.split(".")))):
            reader.problem(path, line, f"unknown fact '{{{{ {key} }}}}': {facts.path} has no "
                           f"text at '{key}'")
    if inventory is not None and tables == 0:
        reader.problem(path, body_line, "this version has a cookies.yml but the text has no "
                       "{{ cookie_table }} line where the cookie table belongs")
