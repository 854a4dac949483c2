"""The service's check of its own log: the records as the shared verifier
(:mod:`policy_core.log_audit`) checks an export, and what only the database holds besides.

The records must make a tree whose root is the one the log's state and its latest signed
checkpoint give. The stored tiles are compared leaf by leaf as the records go by, so that a
record moved to another place, or whose hash was rewritten, is named where it differs, not
only by a root that no longer matches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from policy_core.log_audit import LogAudit
from policy_core.log_record import HASH_PATTERN, record_leaf_hash
from policy_core.note_keys import Verifier


@dataclass(frozen=True)
class TreeReport:
    ok: bool
    records: int
    tree_size: int
    root_hash: str | None
    broken_at: int | None = None
    reason: str | None = None

    def broken(self, at: int, reason: str) -> TreeReport:
        return replace(self, ok=False, broken_at=at, reason=reason)

    def as_json(self) -> dict[str, Any]:
        if self.ok:
            return {"ok": True, "records": self.records, "tree_size": self.tree_size,
                    "root_hash": self.root_hash}
        return {"ok": False, "records": self.records, "tree_size": self.tree_size,
                "broken_at": self.broken_at, "reason": self.reason}


LATEST = "the latest signed checkpoint"


def check_tree(records: Iterable[Mapping[str, Any]], *, tree_size: int, root_hash: str,
               verifier: Verifier, checkpoint: str | None,
               stored_leaf: Callable[[int], bytes | None]) -> TreeReport:
    """Whether ``records`` (the tree's, in leaf order) verify, make the tree of ``tree_size``
    leaves with ``root_hash`` that ``checkpoint`` signs, and are the leaves ``stored_leaf``
    gives; the first problem names its leaf index."""
    audit = LogAudit(verifier=verifier, checkpoints=[(LATEST, checkpoint)] if checkpoint else ())
    moved: int | None = None
    gap: int | None = None
    for expected, record in enumerate(records):
        index, hash_hex = record.get("leaf_index"), record.get("hash")
        if gap is None and index != expected:
            gap = expected
        if moved is None and isinstance(index, int) and isinstance(hash_hex, str) \
                and HASH_PATTERN.fullmatch(hash_hex):
            stored = stored_leaf(index)
            if stored is not None and stored != record_leaf_hash(hash_hex):
                moved = index
        audit.add_record(record)
    report = audit.finish()
    result = TreeReport(ok=True, records=report.records, tree_size=tree_size, root_hash=root_hash)
    found = [(p.leaf_index, p.message) for p in report.problems if p.leaf_index is not None]
    if moved is not None:
        found.append((moved, "the record is not the one the tree holds at its leaf index"))
    if gap is not None:
        found.append((gap, f"leaf {gap} is missing: the next record has another leaf index"))
    if found:
        return result.broken(*min(found, key=lambda item: item[0]))
    if report.problems:
        return result.broken(report.size, str(report.problems[0]))
    if report.size != tree_size:
        return result.broken(report.size, f"the log's state says {tree_size} leaves, the records "
                                          f"make {report.size}")
    made = report.root.hex() if report.root is not None else None
    if made != root_hash:
        return result.broken(tree_size, f"the records make root {made}, the log's state says {root_hash}")
    if checkpoint is None and tree_size:
        return result.broken(tree_size, "no signed checkpoint is stored")
    return result
