"""The hash chain that makes the consent log tamper-evident.

Pure functions only: no Flask, no database. The storage layer, the CLI and the
audit endpoints all call these, and the README documents the same rule so that
an auditor can recompute every hash from an export with nothing but a SHA-256
implementation and a JSON serializer.

The rule, for a record as exported (one NDJSON line):

* drop the ``hash`` key;
* serialize the rest as canonical JSON: keys sorted, no whitespace between
  tokens, non-ASCII characters written as UTF-8 rather than ``\\u`` escapes;
* ``hash`` is the lowercase hex SHA-256 of those bytes.

Because ``prev_hash`` (the previous record's ``hash``) and ``sequence`` are part
of the hashed object, editing, deleting or reordering any record breaks the
chain at that record.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the very first record of a chain."""


class ChainBroken(Exception):
    """The chain does not verify; ``sequence`` is the first record that is wrong and
    ``verified`` how many records checked out before it."""

    def __init__(self, sequence: int, reason: str, *, verified: int = 0) -> None:
        super().__init__(f"chain broken at sequence {sequence}: {reason}")
        self.sequence = sequence
        self.reason = reason
        self.verified = verified


@dataclass(frozen=True)
class Anchor:
    """Where a purged chain resumes: the last purged record's sequence and hash.

    A purge deletes a prefix of the chain and appends a checkpoint record that
    names the last deleted record (``purged.through_sequence``) and its hash
    (``purged.through_hash``); the first retained record links to that hash.
    """

    sequence: int
    hash: str

    @classmethod
    def from_checkpoint(cls, checkpoint: Mapping[str, Any]) -> Anchor:
        purged = checkpoint["purged"]
        return cls(sequence=int(purged["through_sequence"]), hash=str(purged["through_hash"]))


@dataclass(frozen=True)
class ChainSummary:
    """What a successful verification saw."""

    records: int
    head: str
    last_sequence: int


def canonical_json(value: Any) -> bytes:
    """Serialize ``value`` canonically: sorted keys, no whitespace, UTF-8.

    Only JSON-native values are allowed; ``NaN`` and infinities are refused
    because they have no JSON spelling.
    """
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def record_hash(record: Mapping[str, Any]) -> str:
    """The hash of ``record``: SHA-256 of its canonical JSON without the ``hash`` key."""
    hashed = {key: value for key, value in record.items() if key != "hash"}
    return hashlib.sha256(canonical_json(hashed)).hexdigest()


def verify_chain(records: Iterable[Mapping[str, Any]], *, anchor: Anchor | None = None) -> ChainSummary:
    """Check that ``records``, in sequence order, form one unbroken chain.

    Each record must carry the hash of its own content, link to the previous
    record's hash and have the next sequence number. The first record links to
    :data:`GENESIS_HASH` at sequence 1, or to ``anchor`` when earlier records were
    purged. Raises :class:`ChainBroken` naming the first wrong record, saying
    what was expected and what was found.
    """
    expected_sequence = 1 if anchor is None else anchor.sequence + 1
    expected_prev = GENESIS_HASH if anchor is None else anchor.hash
    count = 0
    for record in records:
        sequence = record.get("sequence")
        if not isinstance(sequence, int) or isinstance(sequence, bool):
            raise ChainBroken(
                expected_sequence, f"record has no integer sequence: {sequence!r}", verified=count
            )
        if sequence != expected_sequence:
            raise ChainBroken(
                min(sequence, expected_sequence),
                f"expected sequence {expected_sequence}, found {sequence}",
                verified=count,
            )
        if record.get("prev_hash") != expected_prev:
            raise ChainBroken(
                sequence,
                f"prev_hash should be {expected_prev}, found {record.get('prev_hash')}",
                verified=count,
            )
        computed = record_hash(record)
        if record.get("hash") != computed:
            raise ChainBroken(
                sequence,
                f"content hashes to {computed}, but the record says {record.get('hash')}",
                verified=count,
            )
        expected_prev = computed
        expected_sequence = sequence + 1
        count += 1
    return ChainSummary(records=count, head=expected_prev, last_sequence=expected_sequence - 1)
