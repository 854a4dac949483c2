"""The version model: what a policy version is, which one is in effect, and its hashes.

The site generator builds :class:`PolicyVersion` from the sources; the consent service and the
auditor read :class:`~policy_core.manifest.PublishedVersion` from ``versions.json``. Both are
ordered and given a status by the one rule here, :class:`History`, so "which version is in
effect on a day" means the same everywhere.

A version is identified by its effective date (``YYYY-MM-DD``). Its status is always relative to
an *as-of* date: the latest version effective on or before that date is **current**, later ones
are **upcoming**, earlier ones **superseded**.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, Literal, Protocol, TypeVar

from policy_core.hashing import canonical_json, sha256_hex
from policy_core.storage import COOKIE, NameMatch, is_pattern, name_matches

CHANGE_TYPES: tuple[str, ...] = ("material", "editorial")

Status = Literal["current", "upcoming", "superseded"]
STATUSES: tuple[Status, ...] = ("current", "upcoming", "superseded")


@dataclass(frozen=True)
class VersionText:
    """One language of one version, as its source file holds it."""

    lang: str
    path: str
    title: str
    summary: str
    body: str
    body_line: int
    """1-based line number in ``path`` where the body starts (after the front matter)."""
    sha256: str
    """SHA-256 of the source file's bytes after the line that closes the front matter."""
    source: bytes = field(default=b"", repr=False)
    """The whole source file, published beside the version so its hash can be recomputed."""


@dataclass(frozen=True)
class Cookie:
    """One item a category stores on the visitor's device: a cookie unless ``storage`` says
    otherwise; ``name`` may be a pattern (see :mod:`policy_core.storage`)."""

    name: str
    provider: Mapping[str, str]
    purpose: Mapping[str, str]
    duration: Mapping[str, str]
    storage: str = COOKIE


@dataclass(frozen=True)
class Category:
    id: str
    required: bool
    title: Mapping[str, str]
    description: Mapping[str, str]
    cookies: tuple[Cookie, ...]


@dataclass(frozen=True)
class Inventory:
    """A version's cookie inventory: every item it stores on the visitor's device, by category.
    ``data`` is the parsed ``cookies.yml`` that is hashed."""

    categories: tuple[Category, ...]
    data: Mapping[str, Any] = field(repr=False)
    source: bytes = field(default=b"", repr=False)
    """The ``cookies.yml`` as written, published beside the version."""

    @property
    def sha256(self) -> str:
        return sha256_hex(canonical_json(self.data))

    @property
    def category_ids(self) -> list[str]:
        return [c.id for c in self.categories]

    @property
    def required_ids(self) -> list[str]:
        return [c.id for c in self.categories if c.required]

    @property
    def stems(self) -> bool:
        """True for an inventory written as before storage kinds and patterns existed (only
        cookies, no pattern): it names cookies by their stem, and each name also covers its dotted
        forms (``_pk_id.1.a3f2``), as the banner in effect with it read them."""
        items = [item for category in self.categories for item in category.cookies]
        return not any(is_pattern(item.name) or item.storage != COOKIE for item in items)

    def name_matches(self, item: Cookie) -> tuple[NameMatch, ...]:
        """How ``item``'s declared name covers names found in the browser."""
        return name_matches(item.name, stems=self.stems)

    def declaring(self, storage: str, name: str) -> Category | None:
        """The category that declares the item ``name`` found in ``storage``, if any."""
        for category in self.categories:
            for item in category.cookies:
                if item.storage == storage and any(m.covers(name) for m in self.name_matches(item)):
                    return category
        return None


@dataclass(frozen=True)
class PolicyVersion:
    id: str
    effective: date
    published: date
    change_type: str
    texts: Mapping[str, VersionText]
    inventory: Inventory | None

    def text(self, lang: str) -> VersionText:
        return self.texts[lang]


class Dated(Protocol):
    """Anything :class:`History` can order: a version id and its effective date."""

    @property
    def id(self) -> str: ...

    @property
    def effective(self) -> date: ...


V = TypeVar("V", bound=Dated)


class History(Generic[V]):
    """All published versions, oldest first, with status relative to an as-of date."""

    def __init__(self, versions: list[V], as_of: date) -> None:
        self.versions: list[V] = sorted(versions, key=lambda v: v.effective)
        self.as_of = as_of

    def __iter__(self) -> Iterator[V]:
        return iter(self.versions)

    def __len__(self) -> int:
        return len(self.versions)

    def get(self, version_id: str) -> V | None:
        return next((v for v in self.versions if v.id == version_id), None)

    @property
    def current(self) -> V | None:
        """The latest version effective on or before the as-of date, if any."""
        in_effect = [v for v in self.versions if v.effective <= self.as_of]
        return in_effect[-1] if in_effect else None

    @property
    def upcoming(self) -> list[V]:
        return [v for v in self.versions if v.effective > self.as_of]

    def has_taken_effect(self, version: V) -> bool:
        """True for the current and every superseded version: the texts a visitor can have been
        shown and can have consented under."""
        return version.effective <= self.as_of

    def status(self, version: V) -> Status:
        """Upcoming until its effective date, then current until the next one takes effect."""
        if version.effective > self.as_of:
            return "upcoming"
        return "current" if version is self.current else "superseded"

    def previous(self, version: V) -> V | None:
        index = self.versions.index(version)
        return self.versions[index - 1] if index > 0 else None

    def consecutive_pairs(self) -> list[tuple[V, V]]:
        return list(zip(self.versions, self.versions[1:], strict=False))

    def compared_pairs(self) -> list[tuple[V, V]]:
        """The pairs the site shows diffs for: consecutive versions, and every older version
        against the current one, so a visitor who agreed to an old text sees all that changed."""
        pairs = self.consecutive_pairs()
        current = self.current
        if current is not None:
            known = {(old.id, new.id) for old, new in pairs}
            pairs += [(old, current) for old in self.versions
                      if old.effective < current.effective and (old.id, current.id) not in known]
        return pairs

    def newest_first(self) -> list[V]:
        return list(reversed(self.versions))


def published_history(
    versions: Iterable[PolicyVersion], as_of: date
) -> tuple[History[PolicyVersion], list[PolicyVersion]]:
    """The history the site publishes as of ``as_of``, and the versions it leaves out.

    A version is on the site from its ``published`` day; before that it is left out entirely,
    not even announced. The build and ``policy-site check`` both judge by this, so a version is
    checked exactly when it would be shown.
    """
    versions = list(versions)
    return (History([v for v in versions if v.published <= as_of], as_of=as_of),
            [v for v in versions if v.published > as_of])
