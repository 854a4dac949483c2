"""The hash chain that makes the consent log tamper-evident, and its one verifier.

Pure functions only: no Flask, no database. The service's storage and ``verify`` command, the
offline auditor and the README's checker all follow the same rule, so that an auditor can
recompute every hash from an export with nothing but a SHA-256 implementation and a JSON
serializer.

Each record's ``hash`` follows the log's one rule, :func:`policy_core.log_record.record_hash`
(canonical JSON without ``hash`` and ``leaf_index``, SHA-256); a chain record has no
``leaf_index``, so its hash is the one the chain always had. Because ``prev_hash`` (the
previous record's ``hash``) and ``sequence`` are part of the hashed object, editing, deleting
or reordering any record breaks the chain at that record.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from policy_core.errors import CoreError
from policy_core.log_record import record_hash

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the very first record of a chain."""


class ChainBroken(CoreError):
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

    A purge deletes a prefix of the chain and appends a checkpoint record that names the last
    deleted record (``purged.through_sequence``) and its hash (``purged.through_hash``); the first
    retained record links to that hash.
    """

    sequence: int
    hash: str

    @classmethod
    def from_checkpoint(cls, checkpoint: Mapping[str, Any]) -> Anchor:
        purged = checkpoint["purged"]
        return cls(sequence=int(purged["through_sequence"]), hash=str(purged["through_hash"]))


@dataclass(frozen=True)
class ChainProblem:
    """One thing wrong with the chain, at the record with ``sequence``."""

    sequence: int
    message: str
    verified: int
    """How many records checked out before this one."""
    broken_at: int
    """The first sequence number that is wrong: ``sequence`` itself, or for a gap the first
    missing one."""


@dataclass(frozen=True)
class ChainSummary:
    """What a successful verification saw."""

    records: int
    head: str
    last_sequence: int


def sequence_of(record: Mapping[str, Any]) -> int | None:
    """The record's sequence number, or ``None`` when it has no integer one."""
    sequence = record.get("sequence")
    return sequence if isinstance(sequence, int) and not isinstance(sequence, bool) else None


def anchor_for(first: Mapping[str, Any], records: Iterable[Mapping[str, Any]]) -> Anchor | None:
    """The purge checkpoint among ``records`` that accounts for the records before ``first``.

    ``None`` when ``first`` is sequence 1 (nothing came before it) or when no checkpoint names
    the record just before it.
    """
    first_sequence = sequence_of(first)
    if first_sequence is None or first_sequence == 1:
        return None
    for record in records:
        if record.get("type") == "checkpoint" and isinstance(record.get("purged"), Mapping):
            anchor = Anchor.from_checkpoint(record)
            if anchor.sequence == first_sequence - 1:
                return anchor
    return None


def chain_problems(records: Iterable[Mapping[str, Any]], *, anchor: Anchor | None = None
                   ) -> Iterator[ChainProblem]:
    """Every break in ``records`` (in sequence order), each said once, going on after each.

    The first record links to :data:`GENESIS_HASH` at sequence 1, or to ``anchor`` when earlier
    records were purged. After a gap or an edited record, checking resumes from what the record
    says, so one tampered record is reported as one problem, not as a break of all that follow.
    """
    expected_sequence = 1 if anchor is None else anchor.sequence + 1
    expected_prev = GENESIS_HASH if anchor is None else anchor.hash
    verified = 0
    for record in records:
        sequence = sequence_of(record)
        if sequence is None:
            yield ChainProblem(expected_sequence, "record has no integer sequence: "
                               f"{record.get('sequence')!r}", verified, expected_sequence)
            continue
        if sequence < expected_sequence:
            yield ChainProblem(sequence, f"expected sequence {expected_sequence}, found {sequence} "
                               "(records were duplicated or reordered)", verified, sequence)
            continue
        if sequence > expected_sequence:
            missing = (f"{expected_sequence}" if sequence == expected_sequence + 1
                       else f"{expected_sequence}–{sequence - 1}")
            yield ChainProblem(sequence, f"sequence {missing} missing before sequence {sequence} "
                               "(records were deleted)", verified, expected_sequence)
        elif record.get("prev_hash") != expected_prev:
            yield ChainProblem(sequence, f"prev_hash does not match the hash of sequence "
                               f"{sequence - 1} (expected {expected_prev}, found "
                               f"{record.get('prev_hash')}): the chain is broken here",
                               verified, sequence)
        computed = record_hash(record)
        if record.get("hash") != computed:
            yield ChainProblem(sequence, f"content does not match its hash (hashes to {computed}, "
                               f"the record says {record.get('hash')}): the record was edited",
                               verified, sequence)
        expected_sequence, expected_prev = sequence + 1, record.get("hash")
        verified += 1


def verify_chain(records: Iterable[Mapping[str, Any]], *, anchor: Anchor | None = None) -> ChainSummary:
    """Check that ``records``, in sequence order, form one unbroken chain.

    Raises :class:`ChainBroken` naming the first wrong record, saying what was expected and what
    was found; otherwise says how many records it saw and the chain's head.
    """
    records_seen = 0
    head = GENESIS_HASH if anchor is None else anchor.hash
    last_sequence = 0 if anchor is None else anchor.sequence

    def counted() -> Iterator[Mapping[str, Any]]:
        nonlocal records_seen, head, last_sequence
        for record in records:
            yield record
            records_seen += 1
            head, last_sequence = str(record.get("hash")), sequence_of(record) or last_sequence

    for problem in chain_problems(counted(), anchor=anchor):
        raise ChainBroken(problem.broken_at, problem.message, verified=problem.verified)
    return ChainSummary(records=records_seen, head=head, last_sequence=last_sequence)
