"""How consent records are stored: the tables, the statements used on every request, and
the mapping between a stored row and the record that is hashed and exported.

A record is kept in typed columns rather than as one JSON blob, so that every column is
covered by the hash: ``row_to_record`` rebuilds exactly the object that was hashed, and
any edit to any column changes what ``verify`` recomputes.

Every index is paid for inside the serialized append, so there are only three: the
sequence (the chain order), visitor plus sequence (a visitor's log) and the idempotency
key's hash (unique: a retried choice is found, and can never be stored twice). Record ids
are random UUIDs and need no unique index; purge and export walk the chain in sequence
order instead of searching ``recorded_at``.

A refusal made without a visitor id has ``visitor`` null. ``idempotency_key_sha256`` is in
a record only when the choice came with a key, and ``site`` (the origin of the page the choice
was made on) only when it is known, so records made before either existed hash as they always
did.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    insert,
    select,
    update,
)

from policy_core.chain import record_hash
from policy_core.hashing import canonical_json

from .choice import Choice

SCHEMA_VERSION = 4
"""1: the first schema. 2: ``consent_records.idempotency_key_sha256`` and its unique index.
3: ``consent_records.policy_text_sha256``, the hash of the text the visitor was shown.
4: ``purge_runs``, when each purge ran (created by ``init-db`` like any missing table)."""
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

metadata = MetaData()

SequenceNumber = BigInteger().with_variant(Integer(), "sqlite")

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
    Column("sequence", SequenceNumber, primary_key=True, autoincrement=False),
    Column("id", String(36), nullable=False),
    Column("type", String(16), nullable=False),
    Column("visitor_id", String(32), ForeignKey("visitors.id"), nullable=True),
    Column("recorded_at", String(27), nullable=False),
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
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_consent_records_visitor", "visitor_id", "sequence"),
    Index("ux_consent_records_idempotency_key", "idempotency_key_sha256", unique=True),
)

chain_head = Table(
    "chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("sequence", SequenceNumber, nullable=False),
    Column("hash", String(64), nullable=False),
)

schema_info = Table(
    "schema_info",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),
)

purge_runs = Table(
    "purge_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ran_at", String(27), nullable=False),
    Column("cutoff", String(27), nullable=False),
    Column("deleted", Integer, nullable=False),
    Column("visitors_deleted", Integer, nullable=False),
)
"""One row per purge that ran (not for a dry run), so that health can tell an overdue purge: the
chain's checkpoints only show purges that deleted something. Not part of the chain; it holds
no personal data."""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def format_timestamp(moment: dt.datetime) -> str:
    """``recorded_at`` as stored and hashed: UTC, microseconds, ``Z``; sorts as text."""
    return moment.astimezone(dt.UTC).strftime(TIMESTAMP_FORMAT)


def parse_timestamp(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=dt.UTC)


def row_to_record(row: Any) -> dict[str, Any]:
    """A stored row as the record that was hashed (and is exported), ``hash`` included."""
    if row["type"] == "checkpoint":
        return {
            "type": "checkpoint",
            "id": row["id"],
            "sequence": row["sequence"],
            "recorded_at": row["recorded_at"],
            "purged": json.loads(row["purged"]),
            "prev_hash": row["prev_hash"],
            "hash": row["hash"],
        }
    record = {
        "type": row["type"],
        "id": row["id"],
        "sequence": row["sequence"],
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
        "prev_hash": row["prev_hash"],
        "hash": row["hash"],
    }
    if row["policy_text_sha256"] is not None:
        record["policy"]["text_sha256"] = row["policy_text_sha256"]
    if row["idempotency_key_sha256"] is not None:
        record["idempotency_key_sha256"] = row["idempotency_key_sha256"]
    if row["site"] is not None:
        record["site"] = row["site"]
    return record


def record_to_row(record: dict[str, Any]) -> dict[str, Any]:
    row = {
        "sequence": record["sequence"],
        "id": record["id"],
        "type": record["type"],
        "recorded_at": record["recorded_at"],
        "prev_hash": record["prev_hash"],
        "hash": record["hash"],
    }
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
    sequence: int,
    recorded_at: str,
    prev_hash: str,
    idempotency_key_sha256: str | None = None,
) -> dict[str, Any]:
    """A new consent record as hashed and exported, ``hash`` included."""
    record: dict[str, Any] = {
        "type": "consent",
        "id": str(uuid.uuid4()),
        "sequence": sequence,
        "visitor": visitor_id,
        "recorded_at": recorded_at,
        "action": choice.action,
        "categories": dict(choice.categories),
        "policy": policy_of(choice),
        "inventory": choice.inventory,
        "source": choice.source,
        "prev_hash": prev_hash,
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
SELECT_HEAD_FOR_UPDATE = (
    select(chain_head.c.sequence, chain_head.c.hash).where(chain_head.c.id == 1).with_for_update()
)
INSERT_VISITOR = insert(visitors)
SELECT_SECRET = select(visitors.c.secret_sha256).where(visitors.c.id == bindparam("visitor_id"))
SELECT_VISITOR_RECORDS = (
    select(consent_records)
    .where(consent_records.c.visitor_id == bindparam("visitor_id"))
    .order_by(consent_records.c.sequence.desc())
)
SELECT_BY_KEYS = select(consent_records).where(
    consent_records.c.idempotency_key_sha256.in_(bindparam("keys", expanding=True))
)
INSERT_RECORD = insert(consent_records)
MOVE_HEAD = (
    update(chain_head)
    .where(chain_head.c.id == 1)
    .values(sequence=bindparam("new_sequence"), hash=bindparam("new_hash"))
)
RECORD_COLUMNS = tuple(column.name for column in consent_records.columns)
