"""Offline audit of a consent export against a built site: chain, policy versions, summary.

An auditor holds two things: an NDJSON export from the consent service and a copy of the
published site (its ``versions.json``). This module checks, without any network or database,
that the records form one unbroken hash chain and that every choice points at a policy text and
cookie inventory the site actually published. Unlike the service's own ``verify``, which stops at
the first break, it reports every problem it can find, each with its sequence number.

The record hash rule is the consent service's (``consent_service.chain.record_hash``): SHA-256 of
the record's canonical JSON without its ``hash`` key.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from consent_service.chain import GENESIS_HASH, record_hash


class ExportError(Exception):
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


def read_manifest(site: Path) -> dict[str, Any]:
    """The site's ``versions.json``: the policy texts and inventories it published."""
    path = site / "versions.json"
    if not path.is_file():
        raise ExportError(f"{path}: not found: --site must be a built site folder")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ExportError(f"{path}: not a versions.json manifest ({error})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("versions"), list):
        raise ExportError(f"{path}: not a versions.json manifest (expected an object with versions)")
    return manifest


def audit(export: Export, manifest: Mapping[str, Any], head: str | None = None) -> AuditReport:
    """Every problem in an export, judged against a published manifest.

    Without ``head`` (the chain head the service reports from ``verify``) records deleted from
    the end of an export cannot be told from a log that simply ends there; with it they can.
    """
    records = export.records
    report = AuditReport(records=len(records))
    if not records:
        report.problems.append(AuditProblem(None, "the export holds no records"))
        return report
    report.problems += _order_problems(records, export.lines)
    unique = {_sequence(r): r for r in reversed(records) if _sequence(r) is not None}
    ordered = [unique[sequence] for sequence in sorted(unique)]  # type: ignore[arg-type]
    report.problems += _chain_problems(ordered)
    if head is not None and ordered[-1].get("hash") != head:
        report.problems.append(AuditProblem(_sequence(ordered[-1]), "the export ends here, but its "
                                            "hash is not the chain head given: records after it are "
                                            "missing, or the export is not the whole log"))
    versions = {v.get("id"): v for v in manifest["versions"] if isinstance(v, Mapping)}
    for record in ordered:
        if record.get("type", "consent") != "consent":
            continue
        report.by_action[str(record.get("action"))] += 1
        policy = record.get("policy") or {}
        report.by_version[str(policy.get("version"))] += 1
        report.problems += _policy_problems(record, versions)
    consents = [r for r in ordered if r.get("type", "consent") == "consent"]
    report.first = consents[0] if consents else None
    report.last = consents[-1] if consents else None
    line_of = {}
    for record, line in zip(records, export.lines, strict=True):
        line_of.setdefault(_sequence(record), line)
    report.problems = sorted(
        (AuditProblem(p.sequence, p.message, p.line or line_of.get(p.sequence))
         for p in report.problems),
        key=lambda p: (p.sequence is None, p.sequence or 0),
    )
    return report


def _sequence(record: Mapping[str, Any]) -> int | None:
    sequence = record.get("sequence")
    return sequence if isinstance(sequence, int) and not isinstance(sequence, bool) else None


def _order_problems(records: Iterable[Mapping[str, Any]], lines: Iterable[int]) -> list[AuditProblem]:
    problems, highest, seen = [], 0, set()
    for record, line in zip(records, lines, strict=True):
        sequence = _sequence(record)
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
    problems: list[AuditProblem] = []
    if not ordered:
        return problems
    expected_sequence, expected_prev = _start(ordered, problems)
    for record in ordered:
        sequence = _sequence(record)
        assert sequence is not None
        if sequence < expected_sequence:  # a duplicate, already reported
            continue
        gap = sequence > expected_sequence
        if gap:
            missing = (f"{expected_sequence}" if sequence == expected_sequence + 1
                       else f"{expected_sequence}–{sequence - 1}")
            problems.append(AuditProblem(sequence, f"sequence {missing} missing before it "
                                         "(records were deleted)"))
        elif record.get("prev_hash") != expected_prev:
            problems.append(AuditProblem(sequence, "prev_hash does not match the hash of sequence "
                                         f"{sequence - 1}: the chain is broken here"))
        computed = record_hash(record)
        if record.get("hash") != computed:
            problems.append(AuditProblem(sequence, f"content does not match its hash (hashes to "
                                         f"{computed[:12]}…, record says {str(record.get('hash'))[:12]}…): "
                                         "the record was edited"))
        expected_sequence, expected_prev = sequence + 1, record.get("hash")
    return problems


def _start(ordered: list[Mapping[str, Any]], problems: list[AuditProblem]) -> tuple[int, Any]:
    """Where the chain must begin: sequence 1, or just after what a purge checkpoint covers."""
    first = ordered[0]
    if _sequence(first) == 1:
        return 1, GENESIS_HASH
    for record in ordered:
        purged = record.get("purged") if record.get("type") == "checkpoint" else None
        if isinstance(purged, Mapping) and purged.get("through_sequence") == _sequence(first) - 1:
            return int(purged["through_sequence"]) + 1, purged.get("through_hash")
    problems.append(AuditProblem(_sequence(first), "the export starts here, but no purge checkpoint "
                                 "accounts for the records before it"))
    return _sequence(first), first.get("prev_hash")


def _policy_problems(record: Mapping[str, Any], versions: Mapping[str, Any]) -> list[AuditProblem]:
    sequence = _sequence(record)
    policy = record.get("policy") or {}
    version_id, lang = policy.get("version"), policy.get("language")
    version = versions.get(version_id)
    if version is None:
        return [AuditProblem(sequence, f"points at policy version {version_id!r}, which the site "
                             "does not publish")]
    problems = []
    if version.get("status") == "upcoming":
        problems.append(AuditProblem(sequence, f"consents to version {version_id}, which is not yet "
                                     "in effect"))
    published = version.get("languages", {}).get(lang)
    if published is None:
        problems.append(AuditProblem(sequence, f"language {lang!r} is not published for {version_id}"))
    elif policy.get("sha256") != published.get("sha256"):
        problems.append(AuditProblem(sequence, f"policy sha256 does not match the published {lang} "
                                     f"text of {version_id}"))
    recorded = str(record.get("recorded_at", ""))[:10]
    if recorded and recorded < str(version.get("effective")):
        problems.append(AuditProblem(sequence, f"recorded on {recorded}, before version {version_id} "
                                     f"took effect on {version.get('effective')}"))
    inventory = version.get("inventory") or {}
    if record.get("inventory") != inventory.get("sha256"):
        problems.append(AuditProblem(sequence, f"inventory sha256 does not match the cookie "
                                     f"inventory of {version_id}"))
    return problems
