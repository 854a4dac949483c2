"""Offline audit of a consent export against a built site: the log's tree, policy versions, summary.

An auditor holds an NDJSON export from the consent service, a copy of the published site (its
``versions.json`` and shown texts) and, ideally, checkpoints of the log saved earlier with the
log's vkey. This module checks, without any network or database, that the export is the log's
Merkle tree (:mod:`policy_core.log_audit`, the verifier the service runs too), that it holds every
checkpoint given, and that every choice points at a policy text and cookie inventory the site
actually published and was made once that text was in effect. It reports every problem it can
find, each with its leaf index and line, and reads the export in chunks, so memory does not grow
with it.

Records are checked against the manifest by what a choice says about it (:func:`choice_facts`):
thousands of choices made on the same text are checked once.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policy_core.hashing import canonical_json, sha256_hex
from policy_core.log_audit import Chunk, LogProblem, LogReport, audit_export
from policy_core.manifest import Manifest, ManifestError, PublishedVersion, parse
from policy_core.note_keys import Verifier
from policy_site.errors import PolicySiteError

Facts = tuple[Any, ...]
"""(action, policy version, language, source sha256, text_sha256, inventory, day recorded)."""


class SiteCopyError(PolicySiteError):
    """The site copy cannot be read at all; the message names the file."""


@dataclass(frozen=True)
class Placed:
    """A record and where it stands: its leaf index (``None`` when not yet in the tree)."""

    leaf_index: int | None
    record: Mapping[str, Any]


@dataclass
class AuditReport:
    log: LogReport | None = None
    """What the export says about the tree: size, root, checkpoints held, its own problems."""
    by_action: Counter[str] = field(default_factory=Counter)
    by_version: Counter[str] = field(default_factory=Counter)
    by_shown_text: Counter[str] = field(default_factory=Counter)
    """How many choices were made on each shown text (by its site path)."""
    first: Placed | None = None
    last: Placed | None = None
    problems: list[LogProblem] = field(default_factory=list)

    @property
    def records(self) -> int:
        return self.log.records if self.log else 0

    @property
    def ok(self) -> bool:
        return not self.problems


def read_manifest(site: Path) -> Manifest:
    """The site's ``versions.json``: the policy texts and inventories it published."""
    path = site / "versions.json"
    if not path.is_file():
        raise SiteCopyError(f"{path}: not found: --site must be a built site folder")
    try:
        return parse(json.loads(path.read_text(encoding="utf-8")))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SiteCopyError(f"{path}: not a versions.json manifest ({error})") from None
    except ManifestError as error:
        raise SiteCopyError(f"{path}: not a versions.json manifest: {error}") from None


@dataclass(frozen=True)
class ShownTexts:
    """The texts a site says its visitors were shown, found in the site copy by their hashes."""

    by_hash: Mapping[str, str]
    """``text_sha256`` → the file's site path, for every file that hashes to what it should."""
    problems: list[LogProblem]


def read_shown_texts(site: Path, manifest: Manifest) -> ShownTexts:
    """Every edition's shown text, each checked against the ``text_sha256`` the manifest gives."""
    found, problems = {}, []
    for version in manifest.versions:
        for lang, edition in version.editions.items():
            path = site / edition.text_url.lstrip("/")
            if not path.is_file():
                problems.append(LogProblem(f"{edition.text_url}: the shown text of {version.id} "
                                           f"({lang}) is missing from the site copy"))
            elif sha256_hex(path.read_bytes()) != edition.text_sha256:
                problems.append(LogProblem(f"{edition.text_url}: does not hash to the "
                                           f"text_sha256 versions.json gives for {version.id} ({lang})"))
            else:
                found[edition.text_sha256] = edition.text_url
    return ShownTexts(found, problems)


def audit(export: Path, manifest: Manifest, shown: ShownTexts, *, verifier: Verifier | None = None,
          checkpoints: Iterable[tuple[str, bytes]] = (), workers: int = 1) -> AuditReport:
    """Every problem in an export, judged as a tree, against the checkpoints given, and against a
    published manifest and its shown texts.

    Every choice must resolve, by its ``policy.text_sha256``, to a shown text the site copy holds:
    the exact text the visitor read. Without ``checkpoints`` (saved earlier, verified with
    ``verifier``) the export is only consistent with itself: a log rewritten as a whole, or cut
    at its end, cannot be told from the real one; with them it can.
    """
    report = AuditReport(problems=list(shown.problems))
    judge = _Judge(manifest, shown)

    def take(chunk: Chunk) -> None:
        for facts, placed in chunk.groups.items():
            messages = judge.problems(facts)
            report.by_action[str(facts[0])] += len(placed)
            report.by_version[str(facts[1])] += len(placed)
            text_url = shown.by_hash.get(facts[4])
            if text_url is not None:
                report.by_shown_text[text_url] += len(placed)
            for position in placed if messages else ():
                line, code = chunk.place(position)
                report.problems.extend(LogProblem.at(message, line, code) for message in messages)
        if chunk.first is not None and report.first is None:
            report.first = _placed(chunk.first)
        if chunk.last is not None:
            report.last = _placed(chunk.last)

    report.log = audit_export(export, verifier=verifier, checkpoints=checkpoints, key=choice_facts,
                              on_chunk=take, workers=workers)
    report.problems += report.log.problems
    if not report.log.records:
        report.problems.append(LogProblem("the export holds no records"))
    report.problems.sort(key=lambda p: (p.line is None, p.line or 0))
    return report


def choice_facts(record: Mapping[str, Any]) -> Facts | None:
    """What a choice says about the published site, or ``None`` for a record that is no choice
    (a chain purge checkpoint, a purged record). Module-level, so worker processes can run it."""
    if record.get("purged") is True or record.get("type", "consent") != "consent":
        return None
    policy = record.get("policy")
    if not isinstance(policy, Mapping):
        policy = {}
    facts = (record.get("action"), policy.get("version"), policy.get("language"),
             policy.get("sha256"), policy.get("text_sha256"), record.get("inventory"),
             str(record.get("recorded_at", ""))[:10])
    try:
        hash(facts)
    except TypeError:
        return tuple(_scalar(value) for value in facts)
    return facts


def _scalar(value: Any) -> Any:
    """``value`` as something hashable: a JSON scalar as it is, anything else as its JSON."""
    if isinstance(value, list | dict):
        return canonical_json(value).decode("utf-8")
    return value


def _placed(found: tuple[int, int, dict[str, Any]]) -> Placed:
    _, code, record = found
    return Placed(code if code >= 0 else None, record)


class _Judge:
    """The manifest's verdict on each distinct :data:`Facts`, computed once."""

    def __init__(self, manifest: Manifest, shown: ShownTexts) -> None:
        self._versions = {version.id: version for version in manifest.versions}
        self._shown = shown
        self._verdicts: dict[Facts, list[str]] = {}

    def problems(self, facts: Facts) -> list[str]:
        verdict = self._verdicts.get(facts)
        if verdict is None:
            verdict = self._verdicts[facts] = self._judge(facts)
        return verdict

    def _judge(self, facts: Facts) -> list[str]:
        problems = _policy_problems(facts, self._versions)
        text_sha256 = facts[4]
        if text_sha256 not in self._shown.by_hash:
            problems.append(f"policy text_sha256 {text_sha256!r} names no shown text of the site copy")
        return problems


def _policy_problems(facts: Facts, versions: Mapping[str, PublishedVersion]) -> list[str]:
    _action, version_id, lang, sha256, text_sha256, inventory, recorded = facts
    version = versions.get(version_id)
    if version is None:
        return [f"points at policy version {version_id!r}, which the site does not publish"]
    problems = []
    if version.status == "upcoming":
        problems.append(f"consents to version {version_id}, which is not yet in effect")
    published = version.editions.get(lang)
    if published is None:
        problems.append(f"language {lang!r} is not published for {version_id}")
    else:
        if sha256 != published.sha256:
            problems.append(f"policy sha256 does not match the published {lang} source of {version_id}")
        if text_sha256 != published.text_sha256:
            problems.append(f"policy text_sha256 does not match the {lang} text of {version_id} its "
                            "page shows")
    if recorded and recorded < version.effective.isoformat():
        problems.append(f"recorded on {recorded}, before version {version_id} took effect on "
                        f"{version.effective.isoformat()}")
    expected_inventory = version.inventory.sha256 if version.inventory else None
    if inventory != expected_inventory:
        problems.append(f"inventory sha256 does not match the cookie inventory of {version_id}")
    return problems
