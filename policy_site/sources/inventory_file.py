"""The rules of a version's ``cookies.yml``: the cookie inventory behind the table and the banner.

The policy's cookie table, the banner and the consent records are all built from this one file,
so its structure and both languages' texts are checked before any of them is.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from policy_core.languages import LANGUAGES
from policy_core.storage import COOKIE, name_problem, storage_problem
from policy_core.versions import Category, Cookie, Inventory
from policy_site.sources.markdown import SECTION_ID
from policy_site.sources.reader import KeyLines, Reader, unknown_key, unreadable_at
from policy_site.sources.yaml_lines import Unreadable

CATEGORY_KEYS = ("id", "required", "title", "description", "cookies")
COOKIE_KEYS = ("name", "storage", "provider", "purpose", "duration")


def read_inventory(reader: Reader, path: Path) -> Inventory | None:
    """The inventory at ``path``; ``None`` when there is none or it has problems (reported)."""
    if not path.is_file():
        return None
    count = len(reader.problems)
    data, lines = reader.read_yaml(path, "categories: with the cookies of each category")
    if data is None:
        return None
    categories = _InventoryCheck(reader, path, data, lines).categories(data)
    if len(reader.problems) > count:
        return None
    return Inventory(categories=tuple(categories), data=data, source=path.read_bytes())


class _InventoryCheck:
    """Validates one ``cookies.yml``, reporting at the line of the offending key.

    A value that could not be read as YAML has been reported already and is not judged again.
    """

    def __init__(self, reader: Reader, path: Path, data: Any, lines: KeyLines) -> None:
        self.reader, self.path, self.data, self.lines = reader, path, data, lines
        self.items: list[tuple[Cookie, tuple[Any, ...]]] = []
        """Every item whose name and storage are valid, with its place in the file."""

    def fail(self, where: tuple[Any, ...], message: str) -> None:
        if unreadable_at(self.data, where):
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
                self.fail((*where, key), unknown_key(str(key), allowed))

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
        self.declared_once(result)
        return result

    def declared_once(self, categories: list[Category]) -> None:
        """Refuse a name that covers an item another name already covers: the banner and the
        scanner must find exactly one category for every item."""
        inventory = Inventory(categories=tuple(categories), data={})
        seen: list[tuple[Cookie, int | None]] = []
        for item, where in self.items:
            line = self.lines.get((*where, "name"))
            for other, other_line in seen:
                if other.storage == item.storage and any(
                    mine.overlaps(theirs) for mine in inventory.name_matches(item)
                    for theirs in inventory.name_matches(other)
                ):
                    self.fail((*where, "name"), f"'{item.name}' covers an item that '{other.name}' "
                              f"(line {other_line}) already declares: declare each item once")
                    break
            seen.append((item, line))

    def cookie(self, item: Any, where: tuple[Any, ...]) -> Cookie:
        if not isinstance(item, Mapping):
            self.fail(where, "each cookie is a mapping with " + ", ".join(COOKIE_KEYS))
            return Cookie("", {}, {}, {})
        self.unknown_keys(item, COOKIE_KEYS, where)
        storage = item.get("storage", COOKIE)
        storage_wrong = storage_problem(storage)
        if storage_wrong is not None:
            self.fail((*where, "storage"), storage_wrong)
        name = item.get("name")
        cookie = Cookie(
            name=str(name),
            provider=self.localized(item.get("provider"), (*where, "provider"), plain_ok=True),
            purpose=self.localized(item.get("purpose"), (*where, "purpose")),
            duration=self.localized(item.get("duration"), (*where, "duration")),
            storage=COOKIE if storage_wrong else storage,
        )
        name_wrong = name_problem(name, cookie.storage)
        if name_wrong is not None:
            self.fail((*where, "name"), name_wrong)
        if storage_wrong is None and name_wrong is None:
            self.items.append((cookie, where))
        return cookie
