"""Offline audit of a consent export against a built site: chain, policy versions, summary.

An auditor holds two things: an NDJSON export from the consent service and a copy of the
published site (its ``versions.json``). This module checks, without any network or database,
that the records form one unbroken hash chain and that every choice points at a policy text and
cookie inventory the site actually published. Unlike the service's own ``verify``, which stops at
the first break, it reports every problem it can find, each with its sequence number.

The chain is checked by :mod:`policy_core.chain`, the same verifier the service runs, and the
manifest read by :func:`policy_core.manifest.parse`, so nothing here loads the service itself.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policy_core.chain import anchor_for, chain_problems, sequence_of
from policy_core.hashing import sha256_hex
from policy_core.manifest import Manifest, ManifestError, PublishedVersion, parse
from policy_site.errors import PolicySiteError


class ExportError(PolicySiteError):
    """The export cannot be read at all; the message names file and line."""


@dataclass(frozen=True)
class AuditProblem:
    sequence: int | None
    message: str
    line: int | None = None
    """Line of the record in the NDJSON export, when the problem belongs to one record."""

    def __str__(self) -> str:
        where = f"sequence {self.sequence}" if self.sequence is not None else "export"
        return f"{where}: {self.message}"


@dataclass
class AuditReport:
    records: int = 0
    by_action: Counter[str] = field(default_factory=Counter)
    by_version: Counter[str] = field(default_factory=Counter)
    by_shown_text: Counter[str] = field(default_factory=Counter)
    """How many choices were made on each shown text (by its site path)."""
    first: Mapping[str, Any] | None = None
    last: Mapping[str, Any] | None = None
    problems: list[AuditProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Export:
    records: list[dict[str, Any]]
    lines: list[int]
    """The line each record stands on, for messages that point at it."""


def read_export(path: Path) -> Export:
    """Records of an NDJSON export, in file order."""
    records, lines = [], []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ExportError(f"{path}: not UTF-8 text at byte {error.start}: is this an NDJSON "
                          "export?") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise ExportError(f"{path}:{number}: not a JSON record ({error.msg}); audit reads "
                              "the NDJSON export (the default format)") from None
        if not isinstance(record, dict):
            raise ExportError(f"{path}:{number}: expected a JSON object per line")
        records.append(record)
        lines.append(number)
    return Export(records, lines)


def read_manifest(site: Path) -> Manifest:
    """The site's ``versions.json``: the policy texts and inventories it published."""
    path = site / "versions.json"
    if not path.is_file():
        raise ExportError(f"{path}: not found: --site must be a built site folder")
    try:
        return parse(json.loads(path.read_text(encoding="utf-8")))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ExportError(f"{path}: not a versions.json manifest ({error})") from None
    except ManifestError as error:
        raise ExportError(f"{path}: not a versions.json manifest: {error}") from None


@dataclass(frozen=True)
class ShownTexts:
    """The texts a site says its visitors were shown, found in the site copy by their hashes."""

    by_hash: Mapping[str, str]
    """``text_sha256`` → the file's site path, for every file that hashes to what it should."""
    problems: list[AuditProblem]


def read_shown_texts(site: Path, manifest: Manifest) -> ShownTexts:
    """Every edition's shown text, each checked against the ``text_sha256`` the manifest gives."""
    found, problems = {}, []
    for version in manifest.versions:
        for lang, edition in version.editions.items():
            path = site / edition.text_url.lstrip("/")
            if not path.is_file():
                problems.append(AuditProblem(None, f"{edition.text_url}: the shown text of {version.id} "
                                             f"({lang}) is missing from the site copy"))
            elif sha256_hex(path.read_bytes()) != edition.text_sha256:
                problems.append(AuditProblem(None, f"{edition.text_url}: does not hash to the "
                                             f"text_sha256 versions.json gives for {version.id} ({lang})"))
            else:
                found[edition.text_sha256] = edition.text_url
    return ShownTexts(found, problems)


def audit(export: Export, manifest: Manifest, shown: ShownTexts, head: str | None = None) -> AuditReport:
    """Every problem in an export, judged against a published manifest and its shown texts.

    Every choice must resolve, by its ``policy.text_sha256``, to a shown text the site copy holds:
    the exact text the visitor read. Without ``head`` (the chain head the service reports from
    ``verify``) records deleted from the end of an export cannot be told from a log that simply
    ends there; with it they can.
    """
    records = export.records
    report = AuditReport(records=len(records))
    report.problems += shown.problems
    if not records:
        report.problems.append(AuditProblem(None, "the export holds no records"))
        return report
    report.problems += _order_problems(records, export.lines)
    unique = {sequence_of(r): r for r in reversed(records) if sequence_of(r) is not None}
    ordered = [unique[sequence] for sequence in sorted(unique)]  # type: ignore[arg-type]
    report.problems += _chain_problems(ordered)
    if head is not None and ordered[-1].get("hash") != head:
        report.problems.append(AuditProblem(sequence_of(ordered[-1]), "the export ends here, but its "
                                            "hash is not the chain head given: records after it are "
                                            "missing, or the export is not the whole log"))
    versions = {v.id: v for v in manifest.versions}
    for record in ordered:
        if record.get("type", "consent") != "consent":
            continue
        report.by_action[str(record.get("action"))] += 1
        policy = record.get("policy") or {}
        report.by_version[str(policy.get("version"))] += 1
        report.problems += _policy_problems(record, versions)
        text_url = shown.by_hash.get(str(policy.get("text_sha256")))
        if text_url is None:
            report.problems.append(AuditProblem(sequence_of(record), "policy text_sha256 "
                                                f"{policy.get('text_sha256')!r} names no shown text "
                                                "of the site copy"))
        else:
            report.by_shown_text[text_url] += 1
    consents = [r for r in ordered if r.get("type", "consent") == "consent"]
    report.first = consents[0] if consents else None
    report.last = consents[-1] if consents else None
    line_of = {}
    for record, line in zip(records, export.lines, strict=True):
        line_of.setdefault(sequence_of(record), line)
    report.problems = sorted(
        (AuditProblem(p.sequence, p.message, p.line or line_of.get(p.sequence))
         for p in report.problems),
        key=lambda p: (p.sequence is None, p.sequence or 0),
    )
    return report


def _order_problems(records: Iterable[Mapping[str, Any]], lines: Iterable[int]) -> list[AuditProblem]:
    problems, highest, seen = [], 0, set()
    for record, line in zip(records, lines, strict=True):
        sequence = sequence_of(record)
        if sequence is None:
            problems.append(AuditProblem(None, f"record {record.get('id')!r} has no sequence number",
                                         line))
            continue
        if sequence in seen:
            problems.append(AuditProblem(sequence, "appears twice in the export", line))
        elif sequence < highest:
            problems.append(AuditProblem(sequence, f"out of order: listed after sequence {highest} "
                                         "(records were reordered)", line))
        seen.add(sequence)
        highest = max(highest, sequence)
    return problems


def _chain_problems(ordered: list[Mapping[str, Any]]) -> list[AuditProblem]:
    if not ordered:
        return []
    anchor = anchor_for(ordered[0], ordered)
    problems = [AuditProblem(p.sequence, p.message) for p in chain_problems(ordered, anchor=anchor)]
    if anchor is None and sequence_of(ordered[0]) != 1:
        problems.insert(0, AuditProblem(sequence_of(ordered[0]), "the export starts here, but no "
                                        "purge checkpoint accounts for the records before it"))
    return problems


def _policy_problems(record: Mapping[str, Any], versions: Mapping[str, PublishedVersion]
                     ) -> list[AuditProblem]:
    sequence = sequence_of(record)
    policy = record.get("policy") or {}
    version_id, lang = policy.get("version"), policy.get("language")
    version = versions.get(version_id)
    if version is None:
        return [AuditProblem(sequence, f"points at policy version {version_id!r}, which the site "
                             "does not publish")]
    problems = []
    if version.status == "upcoming":
        problems.append(AuditProblem(sequence, f"consents to version {version_id}, which is not yet "
                                     "in effect"))
    published = version.editions.get(lang)
    if published is None:
        problems.append(AuditProblem(sequence, f"language {lang!r} is not published for {version_id}"))
    else:
        if policy.get("sha256") != published.sha256:
            problems.append(AuditProblem(sequence, f"policy sha256 does not match the published {lang} "
                                         f"source of {version_id}"))
        if policy.get("text_sha256") != published.text_sha256:
            problems.append(AuditProblem(sequence, f"policy text_sha256 does not match the {lang} text "
                                         f"of {version_id} its page shows"))
    recorded = str(record.get("recorded_at", ""))[:10]
    if recorded and recorded < version.effective.isoformat():
        problems.append(AuditProblem(sequence, f"recorded on {recorded}, before version {version_id} "
                                     f"took effect on {version.effective.isoformat()}"))
    inventory = version.inventory.sha256 if version.inventory else None
    if record.get("inventory") != inventory:
        problems.append(AuditProblem(sequence, f"inventory sha256 does not match the cookie "
                                     f"inventory of {version_id}"))
    return problems
