"""Policy versions as the built site publishes them in ``versions.json``.

The service never trusts a choice's policy reference on its word: the version,
language and hashes must match what the site published, and the version must
be in effect or superseded *today* (decided here from the effective date, since
a site built yesterday may be served today), never upcoming.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VERSION_ID = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")


class SiteNotBuilt(Exception):
    """The site directory has no usable ``versions.json``; the message says what is wrong."""


@dataclass(frozen=True)
class Edition:
    """One language edition of a policy version, as published."""

    url: str
    title: str
    sha256: str


@dataclass(frozen=True)
class Inventory:
    """The cookie categories a version asks consent for."""

    sha256: str
    categories: tuple[str, ...]
    required: frozenset[str]


@dataclass(frozen=True)
class PolicyVersion:
    id: str
    effective: dt.date
    status: str
    editions: Mapping[str, Edition]
    inventory: Inventory | None

    def is_in_effect_or_superseded(self, today: dt.date) -> bool:
        """True when the version has taken effect by ``today`` and the site does not call it
        upcoming."""
        return self.status != "upcoming" and self.effective <= today


@dataclass(frozen=True)
class PolicyCatalog:
    """All published versions, by id."""

    versions: Mapping[str, PolicyVersion]

    def get(self, version_id: str) -> PolicyVersion | None:
        return self.versions.get(version_id)

    def in_effect(self, today: dt.date) -> PolicyVersion | None:
        """The version in effect on ``today``: the latest one that has taken effect."""
        candidates = [v for v in self.versions.values() if v.is_in_effect_or_superseded(today)]
        return max(candidates, key=lambda v: v.effective, default=None)


def _require(mapping: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(mapping, dict) or key not in mapping:
        raise SiteNotBuilt(f"versions.json: {where} has no {key!r}")
    value = mapping[key]
    if not isinstance(value, kind):
        raise SiteNotBuilt(f"versions.json: {where}.{key} has the wrong type")
    return value


def parse_catalog(data: Any) -> PolicyCatalog:
    """Build a catalog from the parsed ``versions.json``; raise :class:`SiteNotBuilt` naming
    the first key that does not fit the published format."""
    versions: dict[str, PolicyVersion] = {}
    for index, item in enumerate(_require(data, "versions", list, "the document")):
        where = f"versions[{index}]"
        version_id = _require(item, "id", str, where)
        if not VERSION_ID.match(version_id):
            raise SiteNotBuilt(f"versions.json: {where}.id {version_id!r} is not YYYY-MM-DD")
        try:
            effective = dt.date.fromisoformat(_require(item, "effective", str, where))
        except ValueError:
            raise SiteNotBuilt(f"versions.json: {where}.effective is not a date") from None
        editions = {}
        for language, edition in _require(item, "languages", dict, where).items():
            lwhere = f"{where}.languages.{language}"
            editions[language] = Edition(
                url=_require(edition, "url", str, lwhere),
                title=str(edition.get("title", "")) if isinstance(edition, dict) else "",
                sha256=_require(edition, "sha256", str, lwhere),
            )
        raw_inventory = item.get("inventory")
        inventory = None
        if raw_inventory is not None:
            iwhere = f"{where}.inventory"
            categories = tuple(_require(raw_inventory, "categories", list, iwhere))
            inventory = Inventory(
                sha256=_require(raw_inventory, "sha256", str, iwhere),
                categories=categories,
                required=frozenset(raw_inventory.get("required") or ()),
            )
        versions[version_id] = PolicyVersion(
            id=version_id,
            effective=effective,
            status=str(item.get("status", "")),
            editions=editions,
            inventory=inventory,
        )
    return PolicyCatalog(versions=versions)


class SiteDirectory:
    """The built site on disk: its policy catalog and stylesheets, reloaded when rebuilt.

    ``versions.json`` is re-read whenever its modification time or size changes, so
    a site rebuilt under a running service takes effect without a restart.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._catalog: PolicyCatalog | None = None
        self._stylesheets: tuple[str, ...] = ()

    @property
    def versions_file(self) -> Path:
        return self.root / "versions.json"

    def catalog(self) -> PolicyCatalog:
        """The current catalog; raises :class:`SiteNotBuilt` when there is none."""
        try:
            stat = self.versions_file.stat()
        except OSError:
            raise SiteNotBuilt(
                f"{self.versions_file} does not exist: build the site first "
                "(mkdocs build) or point CONSENT_SITE_DIR at the built site"
            ) from None
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._stamp or self._catalog is None:
                self._catalog = self._load()
                self._stylesheets = self._find_stylesheets()
                self._stamp = stamp
            return self._catalog

    def stylesheets(self) -> tuple[str, ...]:
        """Site-relative URLs of Material's main and palette stylesheets, when built."""
        try:
            self.catalog()
        except SiteNotBuilt:
            return self._find_stylesheets()
        return self._stylesheets

    def _load(self) -> PolicyCatalog:
        try:
            data = json.loads(self.versions_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise SiteNotBuilt(f"{self.versions_file} cannot be read: {error}") from None
        return parse_catalog(data)

    def favicon(self) -> str | None:
        """The site's favicon (Material's default place), when built."""
        path = self.root / "assets" / "images" / "favicon.png"
        return "/assets/images/favicon.png" if path.is_file() else None

    def _find_stylesheets(self) -> tuple[str, ...]:
        folder = self.root / "assets" / "stylesheets"
        found = []
        for stem in ("main", "palette"):
            matches = sorted(folder.glob(f"{stem}.*.min.css"))
            if matches:
                found.append("/" + matches[-1].relative_to(self.root).as_posix())
        return tuple(found)
