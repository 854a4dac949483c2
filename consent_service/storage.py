"""Consent records in SQLite or PostgreSQL, through one SQLAlchemy Core code path.

An append is one short transaction, committed before the caller answers, that takes no lock
of the service's: inside one process, jobs that arrive together share a transaction
(``writer.GroupCommit``, so they share one fsync); across processes the database alone orders
them. Nothing about an append depends on the one before it. The tree is built afterwards by
the sequencer (``sequencer.py``), which gives committed rows their leaf index in batches and
signs a checkpoint after each; the 201 carries a receipt, the log's signed promise that it will.

SQLite runs in WAL mode with ``synchronous=FULL``: a committed record survives a power cut,
not only a crash of the process. Tables and row mapping live in ``records.py``, the tree's
tiles and checkpoints in ``log_tree.py``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from policy_core.note_keys import Signer
from policy_core.receipt import make_receipt

from . import schema_upgrade
from .choice import Choice
from .engine import (
    NOT_INITIALISED,
    DatabaseNotInitialised,
    StorageError,
    create_engine_for,
    translated_errors,
)
from .idempotency import KeyReused
from .idempotency import key_sha256 as idempotency_key_sha256
from .log_key import create_key, load_key
from .log_reads import LogReads
from .records import (
    INSERT_RECORD,
    INSERT_VISITOR,
    SELECT_BY_KEYS,
    SELECT_SECRET,
    consent_record,
    consent_records,
    format_timestamp,
    log_state,
    parse_timestamp,
    record_to_row,
    records_the_same_choice,
    row_to_record,
    utc_now,
)
from .retention import Retention
from .sequencer import Integration, Sequencer
from .tree_check import TreeReport
from .writer import FileLock, GroupCommit


@dataclass(frozen=True)
class Appended:
    """What the caller may tell the visitor about a recorded choice."""

    id: str
    hash: str
    recorded_at: str
    visitor: str | None
    receipt: dict[str, Any]
    replayed: bool = False
    """The idempotency key was recorded before: this is that earlier record."""

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "hash": self.hash,
            "recorded_at": self.recorded_at,
            "visitor": self.visitor,
            "receipt": self.receipt,
        }


@dataclass(frozen=True)
class Initialised:
    key_created: bool
    revision_before: str | None
    revision: str
    tree_size: int
    report: TreeReport


@dataclass(frozen=True)
class _NewConsent:
    """One append waiting for the writer."""

    choice: Choice
    visitor_id: str | None
    new_secret_sha256: str | None
    key_sha256: str | None


class Storage(LogReads, Retention):
    """The consent database. One instance per process; thread-safe.

    Appends and the reads every request needs are here; the log's own reads (proofs,
    checkpoints, verify) in :class:`log_reads.LogReads`, the purge in
    :class:`retention.Retention`."""

    def __init__(self, url: str, *, key_file: Path | None = None,
                 clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.url = url
        parsed = make_url(url)
        self.backend = parsed.get_backend_name()
        self.key_file = key_file
        self._signer: Signer | None = None
        self._clock = clock
        self._appends: GroupCommit[_NewConsent, Appended | KeyReused] = GroupCommit(self._commit_consents)
        self._process_lock: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
        if self.backend == "sqlite" and parsed.database:
            self._process_lock = FileLock(f"{parsed.database}.writer-lock")
        self.engine = create_engine_for(url)
        self.sequencer = Sequencer(self._transaction, self.signer)

    def describe(self) -> str:
        """The URL without its password, for messages."""
        return make_url(self.url).render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()
        if isinstance(self._process_lock, FileLock):
            self._process_lock.close()

    def signer(self) -> Signer:
        """The log's signing key, read from its file on first use."""
        if self._signer is None:
            if self.key_file is None:
                raise StorageError("no CONSENT_LOG_KEY_FILE is configured for the log's signing key")
            self._signer = load_key(self.key_file)
        return self._signer

    @contextlib.contextmanager
    def _reading(self, *, snapshot: bool = False, **options: Any) -> Iterator[Connection]:
        """A connection for reads; with ``snapshot``, one transaction's view for all of them
        (SQLite's deferred transaction is one from its first read; PostgreSQL needs
        REPEATABLE READ)."""
        if snapshot and self.backend != "sqlite":
            options["isolation_level"] = "REPEATABLE READ"
        with translated_errors(), self.engine.connect() as conn:
            if options:
                conn.execution_options(**options)
            with conn.begin():
                yield conn

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """A write transaction, after this process's other writers."""
        with self._appends.lock, self._process_lock, translated_errors(), self.engine.connect() as conn:
            conn.execution_options(consent_write=True)
            with conn.begin():
                yield conn

    def initialise(self, origin: str) -> Initialised:
        """Everything ``init-db`` does: the signing key (made if missing), the schema (created
        or upgraded), every pending record integrated, and the whole log verified."""
        _, created = create_key(self.key_file, origin) if self.key_file else (None, False)
        before, after = self.init_schema()
        size = self.integrate_all()
        return Initialised(key_created=created, revision_before=before, revision=after,
                           tree_size=size, report=self.verify())

    def init_schema(self) -> tuple[str | None, str]:
        """Create the tables, or bring an older schema up to date (a hash chain becomes the
        tree's first leaves); harmless to repeat. The revisions before and after."""
        with self._transaction() as conn:
            return schema_upgrade.upgrade(conn)

    def ping(self) -> None:
        """Raise a :class:`StorageError` unless the database answers and is initialised."""
        with self._reading() as conn:
            if conn.execute(select(log_state.c.tree_size)).first() is None:
                raise DatabaseNotInitialised(NOT_INITIALISED)

    def append_consent(
        self,
        choice: Choice,
        *,
        visitor_id: str | None,
        new_secret_sha256: str | None = None,
        idempotency_key: str | None = None,
    ) -> Appended:
        """Store one choice and return once it is committed, with its receipt.

        ``visitor_id`` is ``None`` for a choice recorded without a visitor; with
        ``new_secret_sha256`` that visitor is created first. When ``idempotency_key`` is
        already recorded nothing is stored (no visitor either): the answer is that record,
        marked ``replayed``, or :class:`KeyReused` when it holds another choice.
        Concurrent calls share transactions."""
        key_sha256 = None if idempotency_key is None else idempotency_key_sha256(idempotency_key)
        result = self._appends.submit(_NewConsent(choice, visitor_id, new_secret_sha256, key_sha256))
        if isinstance(result, KeyReused):
            raise result
        return result

    def _commit_consents(self, jobs: Sequence[_NewConsent]) -> list[Appended | KeyReused]:
        signer = self.signer()
        try:
            return self._try_commit(jobs, signer)
        except StorageError as error:
            # Two processes stored the same new idempotency key at once (PostgreSQL lets both
            # look before either commits); the unique index refused the second. Again, it
            # now finds the first one's record.
            if not isinstance(error.__cause__, IntegrityError):
                raise
            return self._try_commit(jobs, signer)

    def _try_commit(self, jobs: Sequence[_NewConsent], signer: Signer) -> list[Appended | KeyReused]:
        """Store the new records in one transaction, and sign their receipts after it committed:
        a receipt promises a stored record, and the next writer need not wait for signatures
        (the writers' lock is held for the transaction only)."""
        outcomes: list[tuple[dict[str, Any], bool] | KeyReused] = []
        with translated_errors(), self.engine.connect() as conn, self._process_lock:
            conn.execution_options(consent_write=True)
            with conn.begin():
                known = _records_by_key(conn, [job.key_sha256 for job in jobs if job.key_sha256])
                recorded_at = format_timestamp(self._clock())
                new_visitors, rows = [], []
                for job in jobs:
                    earlier = known.get(job.key_sha256) if job.key_sha256 else None
                    if earlier is not None:
                        same = records_the_same_choice(earlier, job.choice)
                        outcomes.append((earlier, True) if same else KeyReused(earlier["id"]))
                        continue
                    if job.new_secret_sha256 is not None:
                        new_visitors.append({"id": job.visitor_id, "secret_sha256": job.new_secret_sha256,
                                             "created_at": recorded_at})
                    record = consent_record(job.choice, job.visitor_id, recorded_at, job.key_sha256)
                    rows.append(record_to_row(record))
                    if job.key_sha256:
                        known[job.key_sha256] = record
                    outcomes.append((record, False))
                if new_visitors:
                    conn.execute(INSERT_VISITOR, new_visitors)
                if rows:
                    conn.execute(INSERT_RECORD, rows)
        return [outcome if isinstance(outcome, KeyReused)
                else _appended(outcome[0], signer, replayed=outcome[1]) for outcome in outcomes]

    def integrate(self, *, force: bool = False) -> Integration | None:
        """Run one batch of the sequencer (see :class:`sequencer.Sequencer`)."""
        return self.sequencer.integrate(force=force)

    def sequence_tick(self) -> Integration | None:
        """What each process's sequencer thread runs: a batch, unless another live process
        holds the lease (found by a read, so waiting processes write nothing)."""
        with self._reading() as conn:
            if not self.sequencer.may_hold_lease(conn):
                return None
        return self.integrate()

    def integrate_all(self) -> int:
        """Integrate everything pending, taking the lease; the tree's size afterwards."""
        while self.integrate(force=True) is not None:
            pass
        return self.log_state()["tree_size"]

    def visitor_secret_sha256(self, visitor_id: str) -> str | None:
        with self._reading() as conn:
            return conn.execute(SELECT_SECRET, {"visitor_id": visitor_id}).scalar()

    def iter_records(
        self, *, since: dt.datetime | None = None, until: dt.datetime | None = None,
        proofs: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Every record in leaf order, then those not yet in the tree in arrival order,
        optionally with ``since <= recorded_at < until`` (purged leaves have no time and are
        left out of a window), read from one snapshot and streamed in chunks."""
        window = []
        if since is not None:
            window.append(consent_records.c.recorded_at >= format_timestamp(since))
        if until is not None:
            window.append(consent_records.c.recorded_at < format_timestamp(until))
        integrated = (select(consent_records).where(consent_records.c.leaf_index.is_not(None), *window)
                      .order_by(consent_records.c.leaf_index))
        pending = (select(consent_records).where(consent_records.c.leaf_index.is_(None), *window)
                   .order_by(consent_records.c.row_id))
        with self._reading(snapshot=True) as conn:
            for statement in (integrated, pending):
                rows = conn.execution_options(yield_per=1000).execute(statement)
                try:
                    for row in rows:
                        yield row_to_record(row._mapping)
                finally:
                    rows.close()

def _appended(record: dict[str, Any], signer: Signer, *, replayed: bool = False) -> Appended:
    return Appended(
        id=record["id"],
        hash=record["hash"],
        recorded_at=record["recorded_at"],
        visitor=record["visitor"],
        receipt=make_receipt(signer, record["id"], record["hash"], parse_timestamp(record["recorded_at"])),
        replayed=replayed,
    )


def _records_by_key(conn: Connection, keys: list[str]) -> dict[str, dict[str, Any]]:
    """The records already holding any of ``keys`` (idempotency key hashes), by key."""
    if not keys:
        return {}
    rows = conn.execute(SELECT_BY_KEYS, {"keys": keys})
    return {row.idempotency_key_sha256: row_to_record(row._mapping) for row in rows}

