"""The sequencer: gives committed records their place in the Merkle tree, in batches, and
signs a checkpoint after each batch.

Appends never wait for it: a ``POST`` commits its row and answers with a receipt, a signed
promise to include the record. About every 500 ms the sequencer takes every row still
without a ``leaf_index`` (in ``row_id`` order), appends their leaves to the tree, stores the
new hashes as tiles, and signs a checkpoint of the new size, all in one transaction: a
process killed half-way leaves nothing half-done, and the next batch takes the same rows.

Every service process runs one (safe to start on every worker of every machine); only the
holder of the **lease** in ``log_state`` integrates. The holder renews it with every batch;
when it dies the lease runs out after :data:`LEASE_SECONDS` and the next process to look
takes it over. The integration transaction also locks ``log_state`` (``FOR UPDATE`` on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so even two processes that both believe they hold
the lease integrate one after the other, never the same rows twice.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, select, update

from policy_core.checkpoint import Checkpoint, CheckpointInvalid, open_checkpoint, sign_checkpoint
from policy_core.merkle import leaf_hash
from policy_core.merkle_frontier import Frontier
from policy_core.note import add_signature
from policy_core.note_keys import NoteError, Signer
from policy_core.tiles import TILE_HEIGHT, TILE_WIDTH, store_nodes

from . import log_tree
from .engine import StorageError
from .records import consent_records, format_timestamp, log_checkpoints, log_state, utc_now

logger = logging.getLogger(__name__)

INTERVAL_SECONDS = 0.5
LEASE_SECONDS = 5.0
MAX_BATCH = 20_000
"""Rows integrated per transaction; a backlog (such as a migrated chain) takes several."""


class TreeInconsistent(StorageError):
    """The stored tiles do not give the stored root: the tree was edited outside the service."""


@dataclass(frozen=True)
class Integration:
    """One batch: the tree grew from ``first_size`` to ``tree_size``."""

    first_size: int
    tree_size: int
    root_hash: str
    checkpoint: str


def holder_name() -> str:
    """This process's name in the lease: host and pid (for operators), and a random part."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(4)}"


class Sequencer:
    """Integrates pending records into the tree for one process, under the lease."""

    def __init__(self, transaction: Callable[[], object], signer: Callable[[], Signer],
                 *, holder: str | None = None, lease_seconds: float = LEASE_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self._transaction = transaction
        self._signer = signer
        self.holder = holder or holder_name()
        self._lease_seconds = lease_seconds
        self._clock = clock
        self._frontier: Frontier | None = None
        self._lock = threading.Lock()

    def integrate(self, *, force: bool = False) -> Integration | None:
        """Integrate one batch if this process holds (or can take) the lease; ``force`` takes
        it regardless (``init-db`` and tests). ``None`` when nothing was pending or the lease
        is another live process's."""
        with self._lock:
            grown: Frontier | None = None
            with self._transaction() as conn:  # type: ignore[attr-defined]
                state = conn.execute(_STATE_FOR_UPDATE).one()
                now = self._clock()
                held_by_other = (state.lease_holder not in (None, self.holder)
                                 and (state.lease_expires or 0) > now)
                if held_by_other and not force:
                    return None
                conn.execute(update(log_state).where(log_state.c.id == 1).values(
                    lease_holder=self.holder, lease_expires=now + self._lease_seconds))
                self._frontier, cached = None, self._frontier
                result, grown = self._integrate(conn, state.tree_size, state.root_hash, cached)
            # Reached only once committed: a rolled-back batch leaves nothing cached.
            self._frontier = grown
            return result

    def may_hold_lease(self, conn: Connection) -> bool:
        """Whether the lease is free, expired or ours: a read without lock, before trying."""
        state = conn.execute(select(log_state.c.lease_holder, log_state.c.lease_expires)).one()
        return state.lease_holder in (None, self.holder) or (state.lease_expires or 0) <= self._clock()

    def _integrate(self, conn: Connection, size: int, root_hex: str, cached: Frontier | None
                   ) -> tuple[Integration | None, Frontier | None]:
        pending = conn.execute(_PENDING).all()
        frontier = _restored_frontier(conn, size, root_hex, cached)
        if not pending:
            latest = log_tree.checkpoint_at(conn, size)
            if latest is None:  # a new log: sign the empty tree
                self._sign(conn, frontier)
            else:
                self._vouch(conn, latest)
            return None, frontier
        nodes = frontier.extend([leaf_hash(bytes.fromhex(row.hash)) for row in pending])
        keys = {(node.level // TILE_HEIGHT, node.index // TILE_WIDTH)
                for node in nodes if node.level % TILE_HEIGHT == 0}
        tiles = log_tree.read_tiles(conn, keys)
        stored = set(tiles)
        changed = store_nodes(tiles, nodes)
        log_tree.write_tiles(conn, tiles, changed, stored)
        conn.execute(_SET_LEAF, [{"r": row.row_id, "i": size + offset}
                                 for offset, row in enumerate(pending)])
        note = self._sign(conn, frontier)
        return Integration(size, frontier.size, frontier.root().hex(), note), frontier

    def _vouch(self, conn: Connection, latest: log_tree.StoredCheckpoint) -> None:
        """After a key rotation the latest checkpoint is the old key's: add this key's
        signature to it, so the current tree is signed by the key in use, and the old
        signature stays for those who hold the old vkey."""
        signer = self._signer()
        try:
            open_checkpoint(latest.note, signer.verifier)
        except (CheckpointInvalid, NoteError):
            conn.execute(update(log_checkpoints).where(log_checkpoints.c.tree_size == latest.tree_size)
                         .values(note=add_signature(latest.note, signer)))

    def _sign(self, conn: Connection, frontier: Frontier) -> str:
        """Sign and store the checkpoint of ``frontier``'s tree, and make it the log's state."""
        signer = self._signer()
        root = frontier.root()
        note = sign_checkpoint(Checkpoint(signer.name, frontier.size, root), signer)
        when = format_timestamp(utc_now())
        conn.execute(log_checkpoints.insert().values(
            tree_size=frontier.size, root_hash=root.hex(), note=note, created_at=when))
        conn.execute(update(log_state).where(log_state.c.id == 1).values(
            tree_size=frontier.size, root_hash=root.hex(), integrated_at=when))
        return note


def _restored_frontier(conn: Connection, size: int, root_hex: str, cached: Frontier | None
                       ) -> Frontier:
    """The frontier at ``size``: the one kept from this process's last batch when the tree has
    not moved since, else read back from the tiles and checked against the stored root."""
    if cached is not None and cached.size == size and cached.root().hex() == root_hex:
        return Frontier(cached.size, cached.hashes)
    restored = log_tree.frontier(conn, size)
    if restored.root().hex() != root_hex:
        raise TreeInconsistent(f"the stored tiles give root {restored.root().hex()} at size "
                               f"{size}, but the log's state says {root_hex}")
    return restored


class SequencerThread:
    """Runs :meth:`Sequencer.integrate` every :data:`INTERVAL_SECONDS` in a daemon thread.

    A daemon thread killed with its process mid-batch leaves an open transaction, which the
    database rolls back: nothing is half-integrated."""

    def __init__(self, tick: Callable[[], object], interval: float = INTERVAL_SECONDS) -> None:
        self._tick = tick
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started_in: int | None = None
        self._start_lock = threading.Lock()

    def ensure_started(self) -> None:
        """Start the thread in this process if it is not running (idempotent, fork-aware)."""
        if self._started_in == os.getpid():
            return
        with self._start_lock:
            if self._started_in == os.getpid():
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="consent-sequencer", daemon=True)
            self._thread.start()
            self._started_in = os.getpid()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._started_in == os.getpid():
            self._thread.join(timeout=5)
        self._started_in = None

    def _run(self) -> None:
        said = None
        while not self._stop.wait(self._interval):
            try:
                self._tick()
                said = None
            except StorageError as error:  # said once, not twice a second, until it changes
                if str(error) != said:
                    logger.error("the consent log's sequencer cannot work: %s; retrying", error)
                    said = str(error)
            except Exception:  # a bug must not end the loop either; the next tick retries
                logger.exception("the consent log's sequencer failed; retrying")


_STATE_FOR_UPDATE = (
    select(log_state.c.tree_size, log_state.c.root_hash, log_state.c.lease_holder,
           log_state.c.lease_expires)
    .where(log_state.c.id == 1)
    .with_for_update()
)
_PENDING = (
    select(consent_records.c.row_id, consent_records.c.hash)
    .where(consent_records.c.leaf_index.is_(None))
    .order_by(consent_records.c.row_id)
    .limit(MAX_BATCH)
)
_SET_LEAF = (
    update(consent_records)
    .where(consent_records.c.row_id == bindparam("r"))
    .values(leaf_index=bindparam("i"))
)
