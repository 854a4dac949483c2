"""Read and validate ``policy_src/``: every problem in one run, each as ``file:line: message``.

Legal editors work in Markdown and YAML, not Python: a mistake must name the file and line and
say what to do about it, and one run must report every problem so fixing them is not a loop of
builds. Nothing here writes anything, so a failed validation leaves a built site untouched.

Layout::

    policy_src/policy.yml                       document-wide facts (see facts.py)
    policy_src/versions/<YYYY-MM-DD>/sv.md      one file per version per language
    policy_src/versions/<YYYY-MM-DD>/en.md
    policy_src/versions/<YYYY-MM-DD>/cookies.yml  optional cookie inventory
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from policy_core.hashing import sha256_hex
from policy_core.languages import LANGUAGES
from policy_core.versions import CHANGE_TYPES, Category, Cookie, Inventory, PolicyVersion, VersionText
from policy_site import facts as facts_module
from policy_site.facts import COOKIE_TABLE_KEY, Facts
from policy_site.yaml_lines import Unreadable, load_yaml

FRONT_MATTER_KEYS: tuple[str, ...] = ("effective", "published", "change_type", "title", "summary")
VERSION_ID = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SECTION_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
HEADING_ID = re.compile(r"\s*\{[^{}]*?#([^\s{}]+)[^{}]*\}\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
SITE_URL = re.compile(r"^https?://[^\s/]+(/[^\s]*)?/$")
TAG_AUTHORITY = re.compile(r"^[A-Za-z0-9.-]+,\d{4}(-\d{2}(-\d{2})?)?$")
LINK = re.compile(r"\]\(\s*<?([^)\s>]+)")
ABSOLUTE_LINK = re.compile(r"^(/|#|[a-z][a-z0-9+.-]*:)", re.IGNORECASE)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the sources, located so an editor can go straight to it."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


class SourceError(Exception):
    """The sources cannot be built; ``problems`` lists every reason, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Heading:
    level: int
    title: str
    id: str | None
    line: int


@dataclass(frozen=True)
class PolicySources:
    facts: Facts
    versions: list[PolicyVersion]


def load_sources(root: Path, display_base: Path | None = None) -> PolicySources:
    """Load and validate everything under ``root`` or raise :class:`SourceError`."""
    reader = _Reader(display_base or Path.cwd())
    facts = reader.read_facts(root / "policy.yml")
    versions_dir = root / "versions"
    versions: list[PolicyVersion] = []
    if not versions_dir.is_dir():
        reader.problem(versions_dir, None, "no versions folder: create versions/<YYYY-MM-DD>/")
    else:
        for folder in sorted(p for p in versions_dir.iterdir() if p.is_dir()):
            version = reader.read_version(folder, facts)
            if version is not None:
                versions.append(version)
    if reader.problems:
        raise SourceError(reader.problems)
    assert facts is not None
    return PolicySources(facts=facts, versions=versions)


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


def _unreadable_at(data: Any, path: tuple[Any, ...]) -> bool:
    """Whether the value at ``path``, or one it lies within, could not be read as YAML.

    That value has been reported already; a check of it would only repeat the message.
    """
    node = data
    for part in path:
        if isinstance(node, Unreadable):
            return True
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return False
    return isinstance(node, Unreadable)


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and VERSION_ID.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


class _Reader:
    """Collects problems while reading; one instance per validation run."""

    def __init__(self, display_base: Path) -> None:
        self.display_base = display_base
        self.problems: list[Problem] = []

    def show(self, path: Path) -> str:
        try:
            return os.path.relpath(path, self.display_base)
        except ValueError:
            return str(path)

    def problem(self, path: Path, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.show(path), line, message))

    def read_text(self, path: Path) -> tuple[bytes, str] | None:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            self.problem(path, line, "not valid UTF-8: save the file as UTF-8")
            return None
        if "\r" in text:
            line = text[: text.index("\r")].count("\n") + 1
            self.problem(path, line, "Windows (CRLF) line endings: save the file with LF endings")
            return None
        return raw, text

    def read_yaml(
        self, path: Path, expected: str, first_line: int = 1, text: str | None = None
    ) -> tuple[Any, dict]:
        """Parsed YAML and the line of each key path; ``(None, {})`` when there is nothing to check.

        The one way sources read YAML, so a file and a front matter report the same mistakes
        the same way. Values that could not be constructed are :class:`Unreadable` in the data
        and already reported; the rest of the data is still checked.
        """
        if text is None:
            loaded = self.read_text(path)
            if loaded is None:
                return None, {}
            text = loaded[1]
        document = load_yaml(text, first_line)
        for found in document.problems:
            self.problem(path, found.line, found.message)
        if document.data is None and not document.problems:
            self.problem(path, first_line, f"empty: expected {expected}")
        if document.data is None or isinstance(document.data, Unreadable):
            return None, {}
        return document.data, document.lines

    # policy.yml -----------------------------------------------------------------------------

    def read_facts(self, path: Path) -> Facts | None:
        if not path.is_file():
            self.problem(path, None, "missing: policy.yml holds the controller's facts")
            return None
        data, lines = self.read_yaml(path, "the document's facts (controller:, dpo:, ...)")
        if data is None:
            return None
        if not isinstance(data, Mapping):
            self.problem(path, 1, "expected a mapping of keys (controller:, dpo:, ...)")
            return None
        facts = Facts(data=data, path=self.show(path), lines=lines)
        for key in facts_module.REQUIRED_KEYS:
            if facts.raw(key) is None and not _unreadable_at(data, tuple(key.split("."))):
                parent = key.rsplit(".", 1)[0]
                self.problem(path, facts.line(parent), f"missing key '{key}'")
        self.check_fact_values(path, data, lines)
        appointed = facts.raw("dpo.appointed")
        if appointed is not None and not isinstance(appointed, bool | Unreadable):
            self.problem(path, facts.line("dpo.appointed"), "dpo.appointed must be true or false")
        if appointed is True:
            for key in ("dpo.name", "dpo.email"):
                if facts.raw(key) is None:
                    self.problem(path, facts.line("dpo"), f"missing key '{key}' (a DPO is appointed)")
        return facts

    def check_fact_values(self, path: Path, data: Mapping, lines: dict) -> None:
        """A value in one language needs all of them; URLs and tag ids must be well formed."""

        def walk(node: Any, where: tuple[str, ...]) -> None:
            if not isinstance(node, Mapping):
                return
            keys = set(node)
            if keys and keys <= set(LANGUAGES) and keys != set(LANGUAGES):
                missing = ", ".join(sorted(set(LANGUAGES) - keys))
                self.problem(path, lines.get(where, 1), f"'{'.'.join(where)}' has no {missing} text: "
                             f"give it in every language ({', '.join(LANGUAGES)})")
                return
            for key, value in node.items():
                walk(value, (*where, str(key)))

        walk(data, ())
        site = data.get("site") if isinstance(data.get("site"), Mapping) else {}
        url = site.get("url")
        if isinstance(url, str) and not SITE_URL.match(url):
            self.problem(path, lines.get(("site", "url"), 1), f"site.url '{url}' must be an http(s) "
                         "address ending in '/', e.g. https://example.se/")
        authority = site.get("tag_authority")
        if isinstance(authority, str) and not TAG_AUTHORITY.match(authority):
            self.problem(path, lines.get(("site", "tag_authority"), 1), f"site.tag_authority "
                         f"'{authority}' must be a domain and a date it was held, e.g. example.se,2018 "
                         "(RFC 4151)")

    # versions ---------------------------------------------------------------------------------

    def read_version(self, folder: Path, facts: Facts | None) -> PolicyVersion | None:
        count = len(self.problems)
        if not VERSION_ID.match(folder.name) or _as_date(folder.name) is None:
            self.problem(folder, None, "folder name must be the effective date, YYYY-MM-DD")
            return None
        inventory = self.read_inventory(folder / "cookies.yml")
        present = [lang for lang in LANGUAGES if (folder / f"{lang}.md").is_file()]
        if not present:
            files = " and ".join(f"{lang}.md" for lang in LANGUAGES)
            self.problem(folder, None, f"no policy text: add {files}")
            return None
        texts: dict[str, VersionText] = {}
        fronts: dict[str, tuple[dict, dict]] = {}
        for lang in LANGUAGES:
            path = folder / f"{lang}.md"
            if lang not in present:
                other = folder / f"{present[0]}.md"
                self.problem(other, 1, f"no '{lang}' translation: create {lang}.md beside this file")
                continue
            read = self.read_text_source(path, lang, folder.name, facts, inventory)
            if read is not None:
                texts[lang], fronts[lang] = read
        self.check_languages_agree(folder, texts, fronts)
        if len(texts) != len(LANGUAGES) and len(self.problems) == count:
            self.problem(folder, None, "could not be read as a version")
        if len(self.problems) > count:
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

    def read_text_source(
        self,
        path: Path,
        lang: str,
        version_id: str,
        facts: Facts | None,
        inventory: Inventory | None,
    ) -> tuple[VersionText, tuple[dict, dict]] | None:
        loaded = self.read_text(path)
        if loaded is None:
            return None
        raw, _ = loaded
        parts = split_front_matter(raw)
        if parts is None:
            if raw.split(b"\n", 1)[0].rstrip() == b"---":
                self.problem(path, 1, "front matter is not closed: add a line '---' after it")
            else:
                self.problem(path, 1, "missing front matter: start the file with a line '---', "
                             f"then {', '.join(FRONT_MATTER_KEYS)}, then a line '---'")
            return None
        head, body_bytes, body_line = parts
        front, lines = self.read_yaml(path, ", ".join(FRONT_MATTER_KEYS), first_line=2,
                                      text=head.decode())
        if front is None:
            return None
        if not isinstance(front, dict):
            self.problem(path, 2, f"front matter must be keys: {', '.join(FRONT_MATTER_KEYS)}")
            return None
        self.check_front_matter(path, version_id, front, lines)
        body = body_bytes.decode()
        if not body.strip():
            self.problem(path, body_line, "the text is empty: write the policy below the front matter")
        self.check_headings(path, parse_headings(body, body_line))
        self.check_links(path, body, body_line)
        self.check_references(path, body, body_line, facts, inventory)
        text = VersionText(
            lang=lang,
            path=self.show(path),
            title=str(front.get("title", "")),
            summary=str(front.get("summary", "")),
            body=body,
            body_line=body_line,
            sha256=sha256_hex(body_bytes),
            source=raw,
        )
        return text, (front, lines)

    def check_front_matter(self, path: Path, version_id: str, front: dict, lines: dict) -> None:
        def line(key: str) -> int:
            return lines.get((key,), 1)

        for key in front:
            if key not in FRONT_MATTER_KEYS:
                self.problem(path, line(key), f"unknown front matter key '{key}'"
                             f"{_suggest(str(key), FRONT_MATTER_KEYS)}; "
                             f"allowed: {', '.join(FRONT_MATTER_KEYS)}")
        for key in FRONT_MATTER_KEYS:
            if key not in front:
                self.problem(path, 1, f"front matter is missing '{key}'")
        values = {key: value for key, value in front.items() if not isinstance(value, Unreadable)}
        dates = {}
        for key in ("effective", "published"):
            if key in values:
                dates[key] = _as_date(values[key])
                if dates[key] is None:
                    self.problem(path, line(key), f"{key}: '{values[key]}' is not a date; "
                                 "write it as YYYY-MM-DD")
        effective, published = dates.get("effective"), dates.get("published")
        if effective and effective.isoformat() != version_id:
            self.problem(path, line("effective"), f"effective {effective} disagrees with the "
                         f"folder name {version_id}: the folder is named after the effective date")
        if effective and published and published > effective:
            self.problem(path, line("published"), f"published {published} is after effective "
                         f"{effective}: a version is made public on or before it takes effect")
        if "change_type" in values and values["change_type"] not in CHANGE_TYPES:
            self.problem(path, line("change_type"), f"change_type '{values['change_type']}' is "
                         f"not one of: {', '.join(CHANGE_TYPES)}")
        for key in ("title", "summary"):
            if key in values and (not isinstance(values[key], str) or not values[key].strip()):
                self.problem(path, line(key), f"{key} must be non-empty text")

    def check_headings(self, path: Path, headings: list[Heading]) -> None:
        first_use: dict[str, int] = {}
        for heading in headings:
            if heading.id is None:
                self.problem(path, heading.line, f"heading '{heading.title}' has no id: add "
                             "{#some-id} at its end, the same id in every language")
            elif not SECTION_ID.match(heading.id):
                self.problem(path, heading.line, f"heading id '{heading.id}' must be lowercase "
                             "letters, digits and hyphens")
            elif heading.id in first_use:
                self.problem(path, heading.line, f"duplicate heading id '{heading.id}' (first "
                             f"used on line {first_use[heading.id]}): ids must be unique")
            else:
                first_use[heading.id] = heading.line

    def check_links(self, path: Path, body: str, body_line: int) -> None:
        """A version's text is shown at / and at /versions/<id>/: only absolute links work at both."""
        for offset, line in enumerate(body.split("\n")):
            for match in LINK.finditer(line):
                target = match.group(1)
                if not ABSOLUTE_LINK.match(target):
                    self.problem(path, body_line + offset, f"relative link '{target}': the text is "
                                 "shown at several addresses, so write a path from the site root "
                                 "(e.g. /changes/) or a full address")

    def check_references(
        self, path: Path, body: str, body_line: int, facts: Facts | None, inventory: Inventory | None
    ) -> None:
        tables = 0
        for offset, key in facts_module.references(body):
            line = body_line + offset
            if key == COOKIE_TABLE_KEY:
                tables += 1
                if inventory is None and not (path.parent / "cookies.yml").is_file():
                    self.problem(path, line, "{{ cookie_table }} but this version has no "
                                 "cookies.yml: add one or remove the line")
            elif (facts is not None and facts.text(key, "sv") is None
                  and not _unreadable_at(facts.data, tuple(key.split(".")))):
                self.problem(path, line, f"unknown fact '{{{{ {key} }}}}': {facts.path} has no "
                             f"text at '{key}'")
        if inventory is not None and tables == 0:
            self.problem(path, body_line, "this version has a cookies.yml but the text has no "
                         "{{ cookie_table }} line where the cookie table belongs")

    def check_languages_agree(
        self, folder: Path, texts: dict[str, VersionText], fronts: dict[str, tuple[dict, dict]]
    ) -> None:
        if len(texts) < 2:
            return
        base_lang, *others = list(texts)
        base_front, _ = fronts[base_lang]
        base_headings = parse_headings(texts[base_lang].body, texts[base_lang].body_line)
        for lang in others:
            path = folder / f"{lang}.md"
            front, lines = fronts[lang]
            for key in ("effective", "published", "change_type"):
                readable = not _unreadable_at(front, (key,)) and not _unreadable_at(base_front, (key,))
                if key in front and key in base_front and readable and front[key] != base_front[key]:
                    self.problem(path, lines.get((key,), 1), f"{key} '{front[key]}' differs from "
                                 f"{base_lang}.md ('{base_front[key]}'): languages of a version share it")
            headings = parse_headings(texts[lang].body, texts[lang].body_line)
            base_ids = [h.id for h in base_headings]
            ids = [h.id for h in headings]
            if ids == base_ids:
                continue
            for index in range(max(len(ids), len(base_ids))):
                mine = headings[index] if index < len(headings) else None
                theirs = base_headings[index] if index < len(base_headings) else None
                if mine and theirs and mine.id == theirs.id:
                    continue
                if mine is None:
                    self.problem(path, texts[lang].body_line, f"missing heading '{{#{theirs.id}}}' "
                                 f"that {base_lang}.md has on line {theirs.line}")
                elif theirs is None:
                    self.problem(path, mine.line, f"heading id '{mine.id}' has no counterpart in "
                                 f"{base_lang}.md: sections must match across languages")
                else:
                    self.problem(path, mine.line, f"heading id '{mine.id}' differs from "
                                 f"{base_lang}.md line {theirs.line} ('{theirs.id}'): the "
                                 "languages must have the same sections in the same order")
                break

    # cookies.yml ------------------------------------------------------------------------------

    def read_inventory(self, path: Path) -> Inventory | None:
        if not path.is_file():
            return None
        count = len(self.problems)
        data, lines = self.read_yaml(path, "categories: with the cookies of each category")
        if data is None:
            return None
        check = _InventoryCheck(self, path, data, lines)
        categories = check.categories(data)
        if len(self.problems) > count:
            return None
        return Inventory(categories=tuple(categories), data=data, source=path.read_bytes())


CATEGORY_KEYS = ("id", "required", "title", "description", "cookies")
COOKIE_KEYS = ("name", "provider", "purpose", "duration")


class _InventoryCheck:
    """Validates one ``cookies.yml``, reporting at the line of the offending key.

    A value that could not be read as YAML has been reported already and is not judged again.
    """

    def __init__(self, reader: _Reader, path: Path, data: Any, lines: dict) -> None:
        self.reader, self.path, self.data, self.lines = reader, path, data, lines

    def fail(self, where: tuple[Any, ...], message: str) -> None:
        if _unreadable_at(self.data, where):
            return
        line = self.lines.get(where) or self.lines.get(where[:-1], 1)
        self.reader.problem(self.path, line, message)

    def localized(self, value: Any, where: tuple[Any, ...], plain_ok: bool = False) -> dict:
        if plain_ok and isinstance(value, str) and value.strip():
            return {lang: value for lang in LANGUAGES}
        if isinstance(value, Mapping) and any(isinstance(v, Unreadable) for v in value.values()):
            return {}
        if (isinstance(value, Mapping) and set(value) == set(LANGUAGES)
                and all(isinstance(v, str) and v.strip() for v in value.values())):
            return dict(value)
        self.fail(where, f"'{where[-1]}' needs non-empty text in each language: "
                  + ", ".join(f"{lang}: ..." for lang in LANGUAGES))
        return {}

    def unknown_keys(self, item: Mapping, allowed: tuple[str, ...], where: tuple[Any, ...]) -> None:
        for key in item:
            if key not in allowed:
                self.fail((*where, key), f"unknown key '{key}'{_suggest(str(key), allowed)}; "
                          f"allowed: {', '.join(allowed)}")

    def categories(self, data: Any) -> list[Category]:
        if not isinstance(data, Mapping) or not isinstance(data.get("categories"), list):
            self.fail(("categories",), "expected 'categories:' with a list of categories")
            return []
        self.unknown_keys(data, ("categories",), ())
        result, seen = [], set()
        for index, item in enumerate(data["categories"]):
            where = ("categories", index)
            if not isinstance(item, Mapping):
                self.fail(where, "each category is a mapping with " + ", ".join(CATEGORY_KEYS))
                continue
            self.unknown_keys(item, CATEGORY_KEYS, where)
            category_id = item.get("id")
            if not isinstance(category_id, str) or not SECTION_ID.match(category_id):
                self.fail((*where, "id"), "category id must be lowercase letters, digits, hyphens")
            elif category_id in seen:
                self.fail((*where, "id"), f"duplicate category id '{category_id}'")
            seen.add(category_id)
            if not isinstance(item.get("required"), bool):
                self.fail((*where, "required"), "'required' must be true or false")
            cookies = item.get("cookies", [])
            if not isinstance(cookies, list):
                self.fail((*where, "cookies"), "'cookies' must be a list")
                cookies = []
            result.append(Category(
                id=str(category_id),
                required=bool(item.get("required")),
                title=self.localized(item.get("title"), (*where, "title")),
                description=self.localized(item.get("description"), (*where, "description")),
                cookies=tuple(self.cookie(c, (*where, "cookies", i)) for i, c in enumerate(cookies)),
            ))
        if data["categories"] and not any(c.required for c in result):
            self.fail(("categories",), "no required category: strictly necessary cookies need "
                      "one with 'required: true'")
        return result

    def cookie(self, item: Any, where: tuple[Any, ...]) -> Cookie:
        if not isinstance(item, Mapping):
            self.fail(where, "each cookie is a mapping with " + ", ".join(COOKIE_KEYS))
            return Cookie("", {}, {}, {})
        self.unknown_keys(item, COOKIE_KEYS, where)
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            self.fail((*where, "name"), "cookie 'name' must be non-empty text")
        return Cookie(
            name=str(name),
            provider=self.localized(item.get("provider"), (*where, "provider"), plain_ok=True),
            purpose=self.localized(item.get("purpose"), (*where, "purpose")),
            duration=self.localized(item.get("duration"), (*where, "duration")),
        )
