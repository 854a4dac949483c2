"""How consent records are stored: the tables, the statements used on every request, and
the mapping between a stored row and the record that is hashed and exported.

A record is kept in typed columns rather than as one JSON blob, so that every column is
covered by the hash: ``row_to_record`` rebuilds exactly the object that was hashed, and
any edit to any column changes what ``verify`` recomputes.

An append is one insert and takes no lock of the service's: the database gives each row its
``row_id``, and the sequencer (``sequencer.py``) later gives it its place in the Merkle tree,
``leaf_index``. The indexes: the leaf index (unique), the pending rows (partial: only rows
not yet in the tree), visitor plus row (a visitor's log) and the idempotency key's hash
(unique: a retried choice is found, and can never be stored twice).

A refusal made without a visitor id has ``visitor`` null. ``idempotency_key_sha256`` is in
a record only when the choice came with a key, ``site`` (the origin of the page the choice
was made on) only when it is known, and ``sequence`` and ``prev_hash`` only in records made
while the log was a hash chain, so every record hashes as it always did. The
retention purge keeps a row's leaf index and hash and deletes the rest: the tree and its
proofs stay whole, and the random salt keeps the deleted content from being guessed back.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    insert,
    select,
    text,
)

from policy_core.hashing import canonical_json
from policy_core.log_record import new_salt, purged_record, record_hash

from .choice import Choice

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

metadata = MetaData()

BigCount = BigInteger().with_variant(Integer(), "sqlite")

visitors = Table(
    "visitors",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("secret_sha256", String(64), nullable=False),
    Column("created_at", String(27), nullable=False),
)

consent_records = Table(
    "consent_records",
    metadata,
    # Arrival order, from the database: appends take no lock of ours. The sequencer gives
    # the pending rows their leaf_index in this order.
    Column("row_id", BigCount, primary_key=True, autoincrement=True),
    Column("leaf_index", BigCount),
    Column("hash", String(64), nullable=False),
    # The rest is the record's content, all of it hashed; the retention purge empties it.
    Column("id", String(36)),
    Column("type", String(16), nullable=False),
    Column("salt", String(32)),
    Column("visitor_id", String(32), ForeignKey("visitors.id"), nullable=True),
    Column("recorded_at", String(27)),
    Column("action", String(16)),
    Column("categories", Text),
    Column("policy_version", String(10)),
    Column("policy_language", String(8)),
    Column("policy_sha256", String(64)),
    Column("policy_text_sha256", String(64)),
    Column("inventory_sha256", String(64)),
    Column("source", String(16)),
    Column("purged", Text),
    Column("idempotency_key_sha256", String(64)),
    Column("site", Text),
    # Records made while the log was a hash chain keep their chain fields (they are hashed).
    Column("sequence", BigCount),
    Column("prev_hash", String(64)),
    Index("ux_consent_records_leaf", "leaf_index", unique=True),
    Index("ix_consent_records_visitor", "visitor_id", "row_id"),
    Index("ux_consent_records_idempotency_key", "idempotency_key_sha256", unique=True),
    Index("ix_consent_records_pending", "row_id",
          sqlite_where=text("leaf_index IS NULL"), postgresql_where=text("leaf_index IS NULL")),
)

log_tiles = Table(
    "log_tiles",
    metadata,
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("tile_index", BigCount, primary_key=True, autoincrement=False),
    Column("hashes", LargeBinary, nullable=False),
)
"""The tree's hashes as C2SP tlog-tiles; a partial tile's row grows in place."""

log_checkpoints = Table(
    "log_checkpoints",
    metadata,
    Column("tree_size", BigCount, primary_key=True, autoincrement=False),
    Column("root_hash", String(64), nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", String(27), nullable=False),
)
"""Every signed checkpoint, so any earlier tree size can still be proved consistent."""

log_state = Table(
    "log_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("tree_size", BigCount, nullable=False),
    Column("root_hash", String(64), nullable=False),
    Column("lease_holder", String(64)),
    Column("lease_expires", Float),
    Column("integrated_at", String(27)),
)
"""One row: the tree's size and root, and which sequencer holds the lease until when."""

purge_runs = Table(
    "purge_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ran_at", String(27), nullable=False),
    Column("cutoff", String(27), nullable=False),
    Column("deleted", Integer, nullable=False),
    Column("visitors_deleted", Integer, nullable=False),
)
"""One row per purge that ran (not for a dry run), so that health can tell an overdue purge
(a purge that found nothing old leaves no other trace). Not part of the log; no personal data."""

PURGED = "purged"
"""The ``type`` of a row whose content the retention purge deleted; its hash stays a leaf."""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def format_timestamp(moment: dt.datetime) -> str:
    """``recorded_at`` as stored and hashed: UTC, microseconds, ``Z``; sorts as text."""
    return moment.astimezone(dt.UTC).strftime(TIMESTAMP_FORMAT)


def parse_timestamp(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=dt.UTC)


def row_to_record(row: Any) -> dict[str, Any]:
    """A stored row as the record that was hashed (and is exported), with ``hash`` and
    ``leaf_index`` (``None`` until the sequencer integrates it)."""
    if row["type"] == PURGED:
        return purged_record(row["leaf_index"], row["hash"])
    if row["type"] == "checkpoint":
        record: dict[str, Any] = {
            "type": "checkpoint",
            "id": row["id"],
            "recorded_at": row["recorded_at"],
            "purged": json.loads(row["purged"]),
        }
    else:
        record = {
            "type": row["type"],
            "id": row["id"],
            "visitor": row["visitor_id"],
            "recorded_at": row["recorded_at"],
            "action": row["action"],
            "categories": json.loads(row["categories"]),
            "policy": {
                "version": row["policy_version"],
                "language": row["policy_language"],
                "sha256": row["policy_sha256"],
            },
            "inventory": row["inventory_sha256"],
            "source": row["source"],
        }
        if row["policy_text_sha256"] is not None:
            record["policy"]["text_sha256"] = row["policy_text_sha256"]
        if row["idempotency_key_sha256"] is not None:
            record["idempotency_key_sha256"] = row["idempotency_key_sha256"]
        if row["site"] is not None:
            record["site"] = row["site"]
    if row["salt"] is not None:
        record["salt"] = row["salt"]
    if row["sequence"] is not None:
        record["sequence"] = row["sequence"]
        record["prev_hash"] = row["prev_hash"]
    record["hash"] = row["hash"]
    record["leaf_index"] = row["leaf_index"]
    return record


def record_to_row(record: dict[str, Any]) -> dict[str, Any]:
    """The columns of a new record (content, salt and hash; no leaf index yet)."""
    row = dict.fromkeys(RECORD_COLUMNS)
    del row["row_id"]
    row.update(
        id=record["id"],
        type=record["type"],
        salt=record.get("salt"),
        recorded_at=record["recorded_at"],
        sequence=record.get("sequence"),
        prev_hash=record.get("prev_hash"),
        hash=record["hash"],
    )
    if record["type"] == "checkpoint":
        row["purged"] = canonical_json(record["purged"]).decode("utf-8")
        return row
    row.update(
        visitor_id=record["visitor"],
        action=record["action"],
        categories=canonical_json(record["categories"]).decode("utf-8"),
        policy_version=record["policy"]["version"],
        policy_language=record["policy"]["language"],
        policy_sha256=record["policy"]["sha256"],
        policy_text_sha256=record["policy"].get("text_sha256"),
        inventory_sha256=record["inventory"],
        source=record["source"],
        idempotency_key_sha256=record.get("idempotency_key_sha256"),
        site=record.get("site"),
    )
    return row


def consent_record(
    choice: Choice,
    visitor_id: str | None,
    recorded_at: str,
    idempotency_key_sha256: str | None = None,
) -> dict[str, Any]:
    """A new consent record as hashed and exported, ``hash`` included.

    The random ``salt`` makes the hash of a record unguessable from its content: a refusal
    under a given version would otherwise hash the same for everyone on the same
    microsecond, and the published tree would say who refused."""
    record: dict[str, Any] = {
        "type": "consent",
        "id": str(uuid.uuid4()),
        "salt": new_salt(),
        "visitor": visitor_id,
        "recorded_at": recorded_at,
        "action": choice.action,
        "categories": dict(choice.categories),
        "policy": policy_of(choice),
        "inventory": choice.inventory,
        "source": choice.source,
    }
    if idempotency_key_sha256 is not None:
        record["idempotency_key_sha256"] = idempotency_key_sha256
    if choice.site is not None:
        record["site"] = choice.site
    record["hash"] = record_hash(record)
    return record


def policy_of(choice: Choice) -> dict[str, str]:
    """The record's ``policy``: the version, its language and the hashes of its source and of
    the text the visitor was shown."""
    return {
        "version": choice.policy_version,
        "language": choice.policy_language,
        "sha256": choice.policy_sha256,
        "text_sha256": choice.policy_text_sha256,
    }


def records_the_same_choice(record: dict[str, Any], choice: Choice) -> bool:
    """Whether ``record`` holds exactly ``choice``: what a retry must repeat to be one."""
    return (
        record["action"] == choice.action
        and record["categories"] == dict(choice.categories)
        and record["policy"] == policy_of(choice)
        and record["inventory"] == choice.inventory
        and record["source"] == choice.source
    )


# Built once, so that frequent statements reuse SQLAlchemy's compiled form.
INSERT_VISITOR = insert(visitors)
SELECT_SECRET = select(visitors.c.secret_sha256).where(visitors.c.id == bindparam("visitor_id"))
SELECT_VISITOR_RECORDS = (
    select(consent_records)
    .where(consent_records.c.visitor_id == bindparam("visitor_id"))
    .order_by(consent_records.c.row_id.desc())
)
SELECT_BY_KEYS = select(consent_records).where(
    consent_records.c.idempotency_key_sha256.in_(bindparam("keys", expanding=True))
)
INSERT_RECORD = insert(consent_records)
RECORD_COLUMNS = tuple(column.name for column in consent_records.columns)
