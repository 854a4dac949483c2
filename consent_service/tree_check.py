"""The service's check of its own log: every record's hash, and the tree they make."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from policy_core.chain import record_hash
from policy_core.merkle import Frontier, leaf_hash


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


def check_tree(records: Iterable[Mapping[str, Any]], *, tree_size: int, root_hash: str,
               stored_leaf: Callable[[int], bytes | None] = lambda index: None) -> TreeReport:
    """Whether ``records`` (in leaf order) hash as stored and make the tree of ``tree_size``
    leaves with ``root_hash``; stops at the first problem, naming its leaf index.

    ``stored_leaf(index)`` is the leaf hash the stored tree holds at ``index``, when known: a
    record moved to another place, or whose hash was rewritten, is then named where it
    differs, not only by the root that no longer matches."""
    frontier = Frontier()
    count = 0
    for record in records:
        index = record.get("leaf_index")
        report = TreeReport(ok=True, records=count, tree_size=tree_size, root_hash=root_hash)
        if index != frontier.size:
            return report.broken(frontier.size, f"leaf {frontier.size} is missing; the next record "
                                                f"has leaf index {index}")
        if not record.get("purged") and record_hash(record) != record.get("hash"):
            return report.broken(index, "the record's content does not hash to its stored hash")
        leaf = leaf_hash(bytes.fromhex(record["hash"]))
        stored = stored_leaf(index)
        if stored is not None and stored != leaf:
            return report.broken(index, "the record is not the one the tree holds at its leaf index")
        frontier.extend((leaf,), record=False)
        count += 1
    report = TreeReport(ok=True, records=count, tree_size=tree_size, root_hash=root_hash)
    if frontier.size != tree_size:
        return report.broken(frontier.size, f"the log's state says {tree_size} leaves, the records "
                                            f"make {frontier.size}")
    if frontier.root().hex() != root_hash:
        return report.broken(tree_size, f"the records make root {frontier.root().hex()}, the log's "
                                        f"state says {root_hash}")
    return report
