"""``versions.json``, the site's manifest: the contract between the site, the service and auditors.

One owner for the format: :func:`build` writes it from a :class:`~policy_core.versions.History`,
``manifest.schema.json`` states it, and :func:`parse` is the only reader, used by the consent
service and by the offline auditor. The writer's output is tested against the schema, so the
three cannot drift apart.

Each edition's ``sha256`` is the SHA-256 of the source file's bytes after the line that closes
its front matter; an inventory's ``sha256`` that of the canonical JSON of its ``cookies.yml``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from policy_core.errors import CoreError
from policy_core.hashing import sha256_hex
from policy_core.languages import LANGUAGES
from policy_core.urls import shown_text_url
from policy_core.versions import History, PolicyVersion

UrlFor = Callable[[str, str], str]
"""``url_for(version_id, lang)``: the version's page, relative to the site root."""

ShownText = Callable[[PolicyVersion, str], str]
"""``shown(version, lang)``: the text a visitor of that edition's page is shown."""


class ManifestError(CoreError):
    """A ``versions.json`` that does not fit the published format; the message names the key."""


@dataclass(frozen=True)
class Edition:
    """One language edition of a published version."""

    url: str
    title: str
    summary: str
    sha256: str
    """SHA-256 of the source file after its front matter."""
    text_sha256: str
    """SHA-256 of the shown text, the exact text a visitor of the page reads."""
    text_url: str


@dataclass(frozen=True)
class PublishedInventory:
    """The cookie categories a published version asks consent for."""

    sha256: str
    categories: tuple[str, ...]
    required: frozenset[str]


@dataclass(frozen=True)
class PublishedVersion:
    """A policy version as ``versions.json`` publishes it."""

    id: str
    effective: dt.date
    published: dt.date
    change_type: str
    status: str
    editions: Mapping[str, Edition]
    inventory: PublishedInventory | None


@dataclass(frozen=True)
class Manifest:
    as_of: dt.date
    current: str | None
    versions: tuple[PublishedVersion, ...]

    def history(self, today: dt.date) -> History[PublishedVersion]:
        """The versions as of ``today``, never beyond the day the site was built as of.

        A site built yesterday may be served today, after its upcoming version took effect: that
        version is still not one a visitor of this site can have been shown, so it stays
        upcoming until the site is rebuilt. A site built as of a future day announces nothing
        before that day comes.
        """
        return History(list(self.versions), as_of=min(self.as_of, today))

    def took_effect_since_built(self, today: dt.date) -> list[PublishedVersion]:
        """The versions that took effect after the day the site was built as of, up to ``today``.

        Each is in effect today, yet the site (and :meth:`history`) still treats it as upcoming,
        so a non-empty list means the site must be published anew as of today. A version
        announced only after the build is not in the manifest at all: the site's age says that.
        """
        return [version for version in self.versions if self.as_of < version.effective <= today]


def build(history: History[PolicyVersion], url_for: UrlFor, shown: ShownText) -> dict[str, Any]:
    """The manifest of ``history``, as the JSON value to publish."""
    current = history.current
    return {
        "as_of": history.as_of.isoformat(),
        "current": current.id if current else None,
        "versions": [_entry(history, version, url_for, shown) for version in history],
    }


def shown_text_bytes(text: str) -> bytes:
    """The shown text as published and hashed: UTF-8 (sources are LF only), one final newline."""
    return (text.rstrip("\n") + "\n").encode("utf-8")


def to_json(manifest: Mapping[str, Any]) -> bytes:
    """The published bytes: indented for people, deterministic for reproducible builds."""
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()


def _entry(history: History[PolicyVersion], version: PolicyVersion, url_for: UrlFor,
           shown: ShownText) -> dict[str, Any]:
    inventory = version.inventory
    return {
        "id": version.id,
        "effective": version.effective.isoformat(),
        "published": version.published.isoformat(),
        "change_type": version.change_type,
        "status": history.status(version),
        "languages": {
            lang: {
                "url": "/" + url_for(version.id, lang),
                "title": version.text(lang).title,
                "summary": version.text(lang).summary,
                "sha256": version.text(lang).sha256,
                "text_sha256": sha256_hex(shown_text_bytes(shown(version, lang))),
                "text_url": "/" + shown_text_url(version.id, lang),
            }
            for lang in LANGUAGES
        },
        "inventory": None if inventory is None else {
            "sha256": inventory.sha256,
            "categories": inventory.category_ids,
            "required": inventory.required_ids,
        },
    }


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of ``versions.json`` (draft 2020-12)."""
    text = (resources.files("policy_core") / "manifest.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def validate(data: Any) -> None:
    """Raise :class:`ManifestError` naming the first place ``data`` does not fit the schema."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema())
    error = min(validator.iter_errors(data), key=lambda e: list(e.absolute_path), default=None)
    if error is not None:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        raise ManifestError(f"{where.lstrip('.') or 'the document'}: {error.message}")


def parse(data: Any) -> Manifest:
    """Read a parsed ``versions.json``; raise :class:`ManifestError` naming what does not fit.

    Beyond the schema it checks what a schema cannot say: dates are real dates, ids are
    effective dates and unique, and every status is the one the as-of date gives.
    """
    validate(data)
    as_of = _date(data["as_of"], "as_of")
    versions = []
    for index, item in enumerate(data["versions"]):
        where = f"versions[{index}]"
        effective = _date(item["effective"], f"{where}.effective")
        if item["id"] != item["effective"]:
            raise ManifestError(f"{where}.id: {item['id']} is not its effective "
                                f"date {item['effective']}")
        inventory = item["inventory"]
        if inventory is not None and not set(inventory["required"]) <= set(inventory["categories"]):
            raise ManifestError(f"{where}.inventory.required: names a category "
                                "that is not in categories")
        versions.append(PublishedVersion(
            id=item["id"],
            effective=effective,
            published=_date(item["published"], f"{where}.published"),
            change_type=item["change_type"],
            status=item["status"],
            editions={lang: Edition(**edition) for lang, edition in item["languages"].items()},
            inventory=None if inventory is None else PublishedInventory(
                sha256=inventory["sha256"],
                categories=tuple(inventory["categories"]),
                required=frozenset(inventory["required"]),
            ),
        ))
    ids = [v.id for v in versions]
    if len(set(ids)) != len(ids):
        raise ManifestError("versions: a version id appears twice")
    manifest = Manifest(as_of=as_of, current=data["current"], versions=tuple(versions))
    history = History(list(versions), as_of=as_of)
    for version in versions:
        if version.status != history.status(version):
            raise ManifestError(f"version {version.id} is marked {version.status}, "
                                f"but as of {as_of} it is {history.status(version)}")
    if manifest.current != (history.current.id if history.current else None):
        raise ManifestError(f"current: {manifest.current} is not the version "
                            f"in effect on {as_of}")
    return manifest


def _date(value: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ManifestError(f"{where}: {value!r} is not a calendar date") from None
