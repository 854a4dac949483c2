"""The log's own reads: a visitor's records with their inclusion proofs, the checkpoints,
consistency proofs, the tree's state, and ``verify``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from policy_core.merkle import MerkleError
from policy_core.note_keys import Verifier
from policy_core.tiles import TileError

from . import log_tree
from .engine import NOT_INITIALISED, DatabaseNotInitialised
from .records import SELECT_VISITOR_RECORDS, consent_records, log_state, parse_timestamp, row_to_record
from .tree_check import TreeReport, check_tree

VerifyReport = TreeReport


class LogReads:
    """Reads of the tree and its proofs, for :class:`storage.Storage`."""

    _reading: Any
    signer: Any

    def records_for_visitor(self, visitor_id: str) -> tuple[list[dict[str, Any]], str | None]:
        """The visitor's records, newest first, each with its inclusion proof in the latest
        checkpoint once integrated; and that checkpoint (``None`` before the first)."""
        with self._reading(snapshot=True) as conn:
            records = [row_to_record(row._mapping)
                       for row in conn.execute(SELECT_VISITOR_RECORDS, {"visitor_id": visitor_id})]
            checkpoint = log_tree.latest_checkpoint(conn)
            _attach_proofs(conn, records, checkpoint)
        return records, None if checkpoint is None else checkpoint.note

    def log_state(self) -> dict[str, Any]:
        """The tree's size and root, who holds the sequencer's lease, and the pending count."""
        with self._reading() as conn:
            state = conn.execute(select(log_state)).first()
            if state is None:
                raise DatabaseNotInitialised(NOT_INITIALISED)
            pending = conn.execute(
                select(func.count()).select_from(consent_records)
                .where(consent_records.c.leaf_index.is_(None))
            ).scalar_one()
            oldest = conn.execute(
                select(func.min(consent_records.c.recorded_at))
                .where(consent_records.c.leaf_index.is_(None))
            ).scalar()
        return {"tree_size": state.tree_size, "root_hash": state.root_hash,
                "lease_holder": state.lease_holder, "lease_expires": state.lease_expires,
                "integrated_at": state.integrated_at, "pending": pending,
                "oldest_pending": None if oldest is None else parse_timestamp(oldest)}

    def checkpoint(self, size: int | None = None) -> log_tree.StoredCheckpoint | None:
        """The latest signed checkpoint, or the one of tree ``size``."""
        with self._reading() as conn:
            if size is None:
                return log_tree.latest_checkpoint(conn)
            return log_tree.checkpoint_at(conn, size)

    def consistency(self, first: int, second: int) -> list[bytes]:
        """The consistency proof between two tree sizes the log has reached.

        Raises :class:`log_tree.SizeOutOfRange` unless ``1 <= first <= second <= the tree's
        size`` (every tree extends the empty one: there is nothing to prove from size 0)."""
        with self._reading(snapshot=True) as conn:
            size = conn.execute(select(log_state.c.tree_size)).scalar_one()
            if first < 1:
                raise log_tree.SizeOutOfRange("first", "first is at least 1: every tree extends "
                                              "the empty one, there is nothing to prove")
            if not first <= second <= size:
                raise log_tree.SizeOutOfRange("second", f"second is from first ({first}) to the "
                                              f"tree's size ({size})")
            return log_tree.consistency(conn, first, second)

    def verify(self, verifier: Verifier | None = None) -> VerifyReport:
        """Recompute every record's hash and the whole tree from one snapshot, and compare the
        root with the stored one, the tiles and the latest signed checkpoint (verified with
        ``verifier``, by default the log's own key)."""
        with self._reading(snapshot=True, yield_per=1000) as conn:
            state = conn.execute(select(log_state)).first()
            if state is None:
                raise DatabaseNotInitialised(NOT_INITIALISED)
            checkpoint = log_tree.latest_checkpoint(conn)
            rows = conn.execute(select(consent_records).where(consent_records.c.leaf_index.is_not(None))
                                .order_by(consent_records.c.leaf_index))
            try:
                report = check_tree((row_to_record(row._mapping) for row in rows),
                                    tree_size=state.tree_size, root_hash=state.root_hash,
                                    verifier=verifier or self.signer().verifier,
                                    checkpoint=None if checkpoint is None else checkpoint.note,
                                    stored_leaf=log_tree.LeafReader(conn, state.tree_size))
            finally:
                rows.close()
            if report.ok:
                report = _check_tiles(conn, report, state.tree_size, state.root_hash)
        return report


def _attach_proofs(conn: Connection, records: list[dict[str, Any]],
                   checkpoint: log_tree.StoredCheckpoint | None) -> None:
    """Give each record its ``proof`` in ``checkpoint``'s tree, ``None`` until it is in it: the
    tiles of every proof are read in one query."""
    size = 0 if checkpoint is None else checkpoint.tree_size
    included = [record for record in records
                if record.get("leaf_index") is not None and record["leaf_index"] < size]
    proofs = log_tree.inclusions(conn, [record["leaf_index"] for record in included], size)
    for record in records:
        record["proof"] = None
    for record, hashes in zip(included, proofs, strict=True):
        record["proof"] = {"tree_size": size, "hashes": [value.hex() for value in hashes]}


def _check_tiles(conn: Connection, report: TreeReport, size: int, root_hash: str) -> TreeReport:
    """The records gave the stored root; the tiles, which proofs are read from, must too."""
    try:
        tiles_root = log_tree.frontier(conn, size).root().hex()
    except (MerkleError, TileError) as error:
        return report.broken(size, f"the stored tiles cannot give the tree of size {size}: {error}")
    if tiles_root != root_hash:
        return report.broken(size, f"the stored tiles give root {tiles_root}, the records {root_hash}")
    return report
