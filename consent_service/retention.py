"""Retention: the purge that deletes the content of records past their time, and the note of
each run that health reads.

Only a prefix of the tree is purged (every leaf before the first one made on or after the
cut-off), so the oldest record kept says how far retention reaches. A purged row keeps its
leaf index and hash: the tree, its checkpoints and every proof stay whole.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, exists, func, insert, select, update

from .records import (
    PURGED,
    consent_records,
    format_timestamp,
    log_state,
    parse_timestamp,
    purge_runs,
    visitors,
)

CONTENT_COLUMNS = tuple(
    column.name for column in consent_records.columns
    if column.name not in {"row_id", "leaf_index", "hash", "type"}
)
"""What the retention purge deletes from a row: all of it but its place and hash in the tree."""


@dataclass(frozen=True)
class PurgeResult:
    deleted: int
    visitors_deleted: int
    through_leaf: int | None
    """The last leaf whose content was deleted (every leaf up to it was)."""


@dataclass(frozen=True)
class PurgeRun:
    """When a purge ran, the cut-off it used and what it deleted."""

    ran_at: dt.datetime
    cutoff: dt.datetime
    deleted: int
    visitors_deleted: int




class Retention:
    """The purge and its bookkeeping, for :class:`storage.Storage`."""

    _transaction: Any
    _reading: Any

    def purge(self, before: dt.datetime, *, dry_run: bool = False) -> PurgeResult:
        """Delete the content of the records made before ``before`` and the visitors left
        without records; their leaf hashes stay, so every proof still verifies.

        Only a prefix of the tree is purged (every leaf before the first one made on or after
        ``before``), so the oldest retained record says how far retention reaches."""
        cutoff = format_timestamp(before)
        with self._transaction() as conn:
            size = conn.execute(select(log_state.c.tree_size).with_for_update()).scalar_one()
            first_kept = conn.execute(
                select(func.min(consent_records.c.leaf_index))
                .where(consent_records.c.leaf_index.is_not(None),
                       consent_records.c.recorded_at >= cutoff)
            ).scalar()
            through = size - 1 if first_kept is None else first_kept - 1
            if through < 0:
                return PurgeResult(deleted=0, visitors_deleted=0, through_leaf=None)
            deleted = conn.execute(
                update(consent_records)
                .where(consent_records.c.leaf_index <= through, consent_records.c.type != PURGED)
                .values(type=PURGED, **dict.fromkeys(CONTENT_COLUMNS))
            ).rowcount
            orphans = delete(visitors).where(~exists().where(consent_records.c.visitor_id == visitors.c.id))
            visitors_deleted = conn.execute(orphans).rowcount
            if dry_run:
                conn.rollback()
        return PurgeResult(deleted=deleted, visitors_deleted=visitors_deleted, through_leaf=through)

    def record_purge_run(self, run: PurgeRun) -> None:
        """Note that a purge ran, so that health can tell when the next one is overdue."""
        with self._transaction() as conn:
            conn.execute(insert(purge_runs).values(
                ran_at=format_timestamp(run.ran_at), cutoff=format_timestamp(run.cutoff),
                deleted=run.deleted, visitors_deleted=run.visitors_deleted))

    def last_purge_run(self) -> PurgeRun | None:
        """The purge that ran last, if any has."""
        with self._reading() as conn:
            row = conn.execute(select(purge_runs).order_by(purge_runs.c.id.desc()).limit(1)).first()
        if row is None:
            return None
        return PurgeRun(ran_at=parse_timestamp(row.ran_at), cutoff=parse_timestamp(row.cutoff),
                        deleted=row.deleted, visitors_deleted=row.visitors_deleted)

    def oldest_consent_at(self) -> dt.datetime | None:
        """When the oldest consent record whose content is kept was made (the tree is in time
        order: the first such leaf, found past the purged ones through the leaf index)."""
        with self._reading() as conn:
            first = conn.execute(
                select(consent_records.c.recorded_at)
                .where(consent_records.c.type == "consent")
                .order_by(consent_records.c.leaf_index.is_(None), consent_records.c.leaf_index,
                          consent_records.c.row_id)
                .limit(1)
            ).scalar()
        return None if first is None else parse_timestamp(first)
