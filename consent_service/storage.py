"""Consent records in SQLite or PostgreSQL, through one SQLAlchemy Core code path.

Appending is serialized so the chain never forks: inside one process one writer
at a time commits everything queued (``writer.GroupCommit``, Datasette's single
writer with group commit), and across processes the database serializes, by
``BEGIN IMMEDIATE`` on SQLite and by ``SELECT … FOR UPDATE`` on the single
``chain_head`` row on PostgreSQL. The head row holds the last sequence number and
hash, so each append reads it, writes the records and moves it forward in one
transaction, committed before the caller answers. Tables and row mapping live in
``records.py``.

SQLite runs in WAL mode with ``synchronous=FULL``: a committed record survives a
power cut, not only a crash of the process.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    delete,
    exists,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import make_url

from policy_core.chain import GENESIS_HASH, Anchor, ChainBroken, record_hash, verify_chain

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
from .records import (
    INSERT_RECORD,
    INSERT_VISITOR,
    MOVE_HEAD,
    RECORD_COLUMNS,
    SCHEMA_VERSION,
    SELECT_BY_KEYS,
    SELECT_HEAD_FOR_UPDATE,
    SELECT_SECRET,
    SELECT_VISITOR_RECORDS,
    chain_head,
    consent_record,
    consent_records,
    format_timestamp,
    metadata,
    parse_timestamp,
    purge_runs,
    record_to_row,
    records_the_same_choice,
    row_to_record,
    schema_info,
    utc_now,
    visitors,
)
from .writer import FileLock, GroupCommit


@dataclass(frozen=True)
class Appended:
    """What the caller may tell the visitor about a recorded choice."""

    id: str
    sequence: int
    hash: str
    recorded_at: str
    visitor: str | None
    replayed: bool = False
    """The idempotency key was recorded before: this is that earlier record."""

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "sequence": self.sequence,
            "hash": self.hash,
            "recorded_at": self.recorded_at,
            "visitor": self.visitor,
        }


@dataclass(frozen=True)
class PurgeResult:
    deleted: int
    visitors_deleted: int
    checkpoint: dict[str, Any] | None


@dataclass(frozen=True)
class PurgeRun:
    """When a purge ran, the cut-off it used and what it deleted."""

    ran_at: dt.datetime
    cutoff: dt.datetime
    deleted: int
    visitors_deleted: int


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    records: int
    head: str | None
    broken_at: int | None = None
    reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        if self.ok:
            return {"ok": True, "records": self.records, "head": self.head}
        return {
            "ok": False,
            "records": self.records,
            "broken_at": self.broken_at,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class _NewConsent:
    """One append waiting for the writer."""

    choice: Choice
    visitor_id: str | None
    new_secret_sha256: str | None
    key_sha256: str | None


class Storage:
    """The consent database. One instance per process; thread-safe."""

    def __init__(self, url: str, *, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.url = url
        parsed = make_url(url)
        self.backend = parsed.get_backend_name()
        self._clock = clock
        self._appends: GroupCommit[_NewConsent, Appended | KeyReused] = GroupCommit(self._commit_consents)
        self._process_lock: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
        if self.backend == "sqlite" and parsed.database:
            self._process_lock = FileLock(f"{parsed.database}.writer-lock")
        self.engine = create_engine_for(url)

    def describe(self) -> str:
        """The URL without its password, for messages."""
        return make_url(self.url).render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()
        if isinstance(self._process_lock, FileLock):
            self._process_lock.close()

    @contextlib.contextmanager
    def _reading(self, **options: Any) -> Iterator[Connection]:
        with translated_errors(), self.engine.connect() as conn:
            if options:
                conn.execution_options(**options)
            yield conn

    @contextlib.contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A write transaction, once this process's writer lock is free."""
        with self._appends.lock, self._transaction() as conn:
            yield conn

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """A write transaction; the caller holds this process's writer lock."""
        with self._process_lock, translated_errors(), self.engine.connect() as conn:
            conn.execution_options(consent_write=True)
            with conn.begin():
                yield conn

    def init_schema(self) -> None:
        """Create the tables and the chain head if missing, or bring an older schema up to
        date; harmless to repeat."""
        with self._writing() as conn:
            metadata.create_all(conn, checkfirst=True)
            version = conn.execute(select(schema_info.c.version)).scalar()
            if version is None:
                conn.execute(insert(schema_info).values(id=1, version=SCHEMA_VERSION))
            elif version > SCHEMA_VERSION:
                raise StorageError(
                    f"the database has schema version {version}, newer than this service "
                    f"({SCHEMA_VERSION}); upgrade the service"
                )
            elif version < SCHEMA_VERSION:
                upgrade_schema(conn, version)
                conn.execute(update(schema_info).values(version=SCHEMA_VERSION))
            if conn.execute(select(chain_head.c.id)).first() is None:
                conn.execute(insert(chain_head).values(id=1, sequence=0, hash=GENESIS_HASH))

    def ping(self) -> None:
        """Raise a :class:`StorageError` unless the database answers and is initialised."""
        with self._reading() as conn:
            if conn.execute(select(chain_head.c.sequence)).first() is None:
                raise DatabaseNotInitialised(NOT_INITIALISED)

    def append_consent(
        self,
        choice: Choice,
        *,
        visitor_id: str | None,
        new_secret_sha256: str | None = None,
        idempotency_key: str | None = None,
    ) -> Appended:
        """Append one choice to the chain and return once it is committed.

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
        with self._transaction() as conn:
            # The head is locked before the keys are looked up: whoever holds it next sees
            # every key committed before, in this process or another. The unique index on
            # the key stands behind that.
            sequence, prev_hash = _lock_head(conn)
            known = _records_by_key(conn, [job.key_sha256 for job in jobs if job.key_sha256])
            recorded_at = format_timestamp(self._clock())
            new_visitors, records = [], []
            results: list[Appended | KeyReused] = []
            for job in jobs:
                earlier = known.get(job.key_sha256) if job.key_sha256 else None
                if earlier is not None:
                    if records_the_same_choice(earlier, job.choice):
                        results.append(_appended(earlier, replayed=True))
                    else:
                        results.append(KeyReused(earlier["sequence"]))
                    continue
                if job.new_secret_sha256 is not None:
                    new_visitors.append({"id": job.visitor_id, "secret_sha256": job.new_secret_sha256,
                                         "created_at": recorded_at})
                sequence += 1
                record = consent_record(
                    job.choice, job.visitor_id, sequence, recorded_at, prev_hash, job.key_sha256
                )
                prev_hash = record["hash"]
                records.append(record)
                if job.key_sha256:
                    known[job.key_sha256] = record
                results.append(_appended(record))
            if new_visitors:
                conn.execute(INSERT_VISITOR, new_visitors)
            if records:
                _append(conn, records)
        return results

    def visitor_secret_sha256(self, visitor_id: str) -> str | None:
        with self._reading() as conn:
            return conn.execute(SELECT_SECRET, {"visitor_id": visitor_id}).scalar()

    def records_for_visitor(self, visitor_id: str) -> list[dict[str, Any]]:
        """The visitor's records, newest first."""
        with self._reading() as conn:
            rows = conn.execute(SELECT_VISITOR_RECORDS, {"visitor_id": visitor_id})
            return [row_to_record(row._mapping) for row in rows]

    def iter_records(
        self, *, since: dt.datetime | None = None, until: dt.datetime | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every record in sequence order, optionally with ``since <= recorded_at < until``,
        read from one snapshot and streamed in chunks."""
        statement = select(consent_records).order_by(consent_records.c.sequence)
        if since is not None:
            statement = statement.where(consent_records.c.recorded_at >= format_timestamp(since))
        if until is not None:
            statement = statement.where(consent_records.c.recorded_at < format_timestamp(until))
        with self._reading(yield_per=1000) as conn:
            rows = conn.execute(statement)
            try:
                for row in rows:
                    yield row_to_record(row._mapping)
            finally:
                rows.close()

    def verify(self) -> VerifyReport:
        """Recompute the whole chain from one snapshot and compare it with the head row."""
        # SQLite's deferred transaction is a snapshot from its first read; PostgreSQL needs
        # REPEATABLE READ for several statements to see one snapshot.
        options = {} if self.backend == "sqlite" else {"isolation_level": "REPEATABLE READ"}
        with self._reading(**options) as conn:
            head = conn.execute(select(chain_head.c.sequence, chain_head.c.hash)).first()
            if head is None:
                raise DatabaseNotInitialised(NOT_INITIALISED)
            checkpoint = conn.execute(
                select(consent_records)
                .where(consent_records.c.type == "checkpoint")
                .order_by(consent_records.c.sequence.desc())
                .limit(1)
            ).first()
            anchor = None
            if checkpoint is not None:
                anchor = Anchor.from_checkpoint(row_to_record(checkpoint._mapping))
            rows = conn.execution_options(yield_per=1000).execute(
                select(consent_records).order_by(consent_records.c.sequence)
            )
            try:
                summary = verify_chain((row_to_record(r._mapping) for r in rows), anchor=anchor)
            except ChainBroken as broken:
                return VerifyReport(
                    ok=False,
                    records=broken.verified,
                    head=None,
                    broken_at=broken.sequence,
                    reason=broken.reason,
                )
            finally:
                rows.close()
        if head.sequence != summary.last_sequence or head.hash != summary.head:
            return VerifyReport(
                ok=False,
                records=summary.records,
                head=None,
                broken_at=min(head.sequence, summary.last_sequence + 1),
                reason=(
                    f"the chain head says sequence {head.sequence} with hash {head.hash}, "
                    f"but the last record is sequence {summary.last_sequence} with hash "
                    f"{summary.head}"
                ),
            )
        return VerifyReport(ok=True, records=summary.records, head=summary.head)

    def purge(self, before: dt.datetime, *, dry_run: bool = False) -> PurgeResult:
        """Delete the records made before ``before`` and the visitors left without records,
        leaving a checkpoint that names the last deleted record and its hash.

        Only a prefix of the chain is deleted (everything up to the first record made on
        or after ``before``), so the retained records still link one to the next."""
        cutoff = format_timestamp(before)
        with self._writing() as conn:
            sequence, head_hash = _lock_head(conn)
            # Walks the chain from its start and stops at the first record to keep, so the
            # cost follows the number of records purged; recorded_at needs no index.
            first_kept = conn.execute(
                select(consent_records.c.sequence)
                .where(consent_records.c.recorded_at >= cutoff)
                .order_by(consent_records.c.sequence)
                .limit(1)
            ).scalar()
            through = sequence if first_kept is None else first_kept - 1
            first = conn.execute(select(func.min(consent_records.c.sequence))).scalar()
            if first is None or through < first:
                return PurgeResult(deleted=0, visitors_deleted=0, checkpoint=None)
            through_hash = conn.execute(
                select(consent_records.c.hash).where(consent_records.c.sequence == through)
            ).scalar_one()
            deleted = conn.execute(
                delete(consent_records).where(consent_records.c.sequence <= through)
            ).rowcount
            orphans = delete(visitors).where(~exists().where(consent_records.c.visitor_id == visitors.c.id))
            visitors_deleted = conn.execute(orphans).rowcount
            checkpoint = {
                "type": "checkpoint",
                "id": str(uuid.uuid4()),
                "sequence": sequence + 1,
                "recorded_at": format_timestamp(self._clock()),
                "purged": {
                    "before": cutoff,
                    "count": deleted,
                    "through_sequence": through,
                    "through_hash": through_hash,
                },
                "prev_hash": head_hash,
            }
            checkpoint["hash"] = record_hash(checkpoint)
            _append(conn, [checkpoint])
            if dry_run:
                conn.rollback()
        return PurgeResult(deleted=deleted, visitors_deleted=visitors_deleted, checkpoint=checkpoint)

    def record_purge_run(self, run: PurgeRun) -> None:
        """Note that a purge ran, so that health can tell when the next one is overdue."""
        with self._writing() as conn:
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


def _appended(record: dict[str, Any], *, replayed: bool = False) -> Appended:
    return Appended(
        id=record["id"],
        sequence=record["sequence"],
        hash=record["hash"],
        recorded_at=record["recorded_at"],
        visitor=record["visitor"],
        replayed=replayed,
    )


def _records_by_key(conn: Connection, keys: list[str]) -> dict[str, dict[str, Any]]:
    """The records already holding any of ``keys`` (idempotency key hashes), by key."""
    if not keys:
        return {}
    rows = conn.execute(SELECT_BY_KEYS, {"keys": keys})
    return {row.idempotency_key_sha256: row_to_record(row._mapping) for row in rows}


def upgrade_schema(conn: Connection, version: int) -> None:
    """Bring a database of schema ``version`` to :data:`SCHEMA_VERSION`; its records keep
    their hashes (a record without a key or a shown-text hash hashes without the field). A
    column already there is left as it is, so an upgrade cut short can be run again."""
    present = {column["name"] for column in inspect(conn).get_columns("consent_records")}
    added = []
    if version < 2:
        added.append(consent_records.c.idempotency_key_sha256)
    if version < 3:
        added.append(consent_records.c.policy_text_sha256)
    for column in added:
        if column.name not in present:
            conn.exec_driver_sql(f"ALTER TABLE consent_records ADD COLUMN {column.name} VARCHAR(64)")
    if version < 2:
        [index] = [i for i in consent_records.indexes if i.name == "ux_consent_records_idempotency_key"]
        index.create(conn, checkfirst=True)


def _lock_head(conn: Connection) -> tuple[int, str]:
    head = conn.execute(SELECT_HEAD_FOR_UPDATE).first()
    if head is None:
        raise DatabaseNotInitialised(NOT_INITIALISED)
    return head.sequence, head.hash


def _append(conn: Connection, records: list[dict[str, Any]]) -> None:
    """Insert records that continue the chain and move the head to the last one."""
    rows = []
    for record in records:
        row = dict.fromkeys(RECORD_COLUMNS)
        row.update(record_to_row(record))
        rows.append(row)
    conn.execute(INSERT_RECORD, rows)
    last = records[-1]
    conn.execute(MOVE_HEAD, {"new_sequence": last["sequence"], "new_hash": last["hash"]})


