"""The hash chain as an auditor would recompute it: pure functions, no database."""

from __future__ import annotations

import copy
import hashlib

import pytest

from policy_core.chain import (
    GENESIS_HASH,
    Anchor,
    ChainBroken,
    record_hash,
    verify_chain,
)
from policy_core.hashing import canonical_json


def make_chain(length: int, *, first_sequence: int = 1, prev: str = GENESIS_HASH) -> list[dict]:
    records = []
    for offset in range(length):
        record = {
            "type": "consent",
            "id": f"id-{offset}",
            "sequence": first_sequence + offset,
            "visitor": "v" * 32,
            "recorded_at": f"2026-11-26T10:00:0{offset % 10}.000000Z",
            "action": "accept_all",
            "categories": {"necessary": True, "media": True},
            "policy": {"version": "2026-03-01", "language": "sv", "sha256": "a" * 64},
            "inventory": "b" * 64,
            "source": "banner",
            "prev_hash": prev,
        }
        record["hash"] = record_hash(record)
        prev = record["hash"]
        records.append(record)
    return records


def test_canonical_json_sorts_keys_and_drops_whitespace():
    assert canonical_json({"b": 1, "a": {"d": [1, 2], "c": None}}) == b'{"a":{"c":null,"d":[1,2]},"b":1}'


def test_canonical_json_writes_non_ascii_as_utf8():
    assert canonical_json({"språk": "svenska"}) == '{"språk":"svenska"}'.encode()


def test_canonical_json_refuses_nan():
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


def test_record_hash_is_sha256_of_canonical_json_without_hash_key():
    record = {"sequence": 1, "prev_hash": GENESIS_HASH, "hash": "ignored"}
    expected = hashlib.sha256(
        b'{"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","sequence":1}'
    ).hexdigest()
    assert record_hash(record) == expected


def test_an_intact_chain_verifies_and_reports_its_head():
    records = make_chain(5)
    summary = verify_chain(records)
    assert (summary.records, summary.head, summary.last_sequence) == (5, records[-1]["hash"], 5)


def test_an_empty_chain_verifies_with_the_genesis_head():
    assert verify_chain([]).head == GENESIS_HASH


def test_an_edited_record_breaks_the_chain_at_that_record():
    records = make_chain(5)
    records[2]["action"] = "reject_all"
    with pytest.raises(ChainBroken) as broken:
        verify_chain(records)
    assert broken.value.sequence == 3
    assert broken.value.verified == 2


def test_an_edited_record_with_a_recomputed_hash_breaks_the_next_link():
    records = make_chain(5)
    records[2]["categories"]["media"] = False
    records[2]["hash"] = record_hash(records[2])
    with pytest.raises(ChainBroken) as broken:
        verify_chain(records)
    assert broken.value.sequence == 4
    assert "prev_hash" in broken.value.reason


def test_a_deleted_record_breaks_the_chain_at_the_missing_sequence():
    records = make_chain(5)
    del records[1]
    with pytest.raises(ChainBroken) as broken:
        verify_chain(records)
    assert broken.value.sequence == 2
    assert "sequence 2 missing before sequence 3 (records were deleted)" in broken.value.reason


def test_reordered_records_break_the_chain():
    records = make_chain(5)
    records[1], records[2] = records[2], records[1]
    with pytest.raises(ChainBroken) as broken:
        verify_chain(records)
    assert broken.value.sequence == 2


def test_swapped_contents_under_the_same_sequence_numbers_break_the_chain():
    records = make_chain(5)
    second, third = copy.deepcopy(records[1]), copy.deepcopy(records[2])
    second["sequence"], third["sequence"] = 3, 2
    records[1], records[2] = third, second
    with pytest.raises(ChainBroken) as broken:
        verify_chain(records)
    assert broken.value.sequence == 2


def test_a_purged_chain_verifies_from_its_anchor():
    records = make_chain(6)
    kept = records[3:]
    anchor = Anchor(sequence=3, hash=records[2]["hash"])
    assert verify_chain(kept, anchor=anchor).records == 3


def test_a_purged_chain_without_its_anchor_is_broken_at_the_first_kept_record():
    records = make_chain(6)
    with pytest.raises(ChainBroken) as broken:
        verify_chain(records[3:])
    assert broken.value.sequence == 1


def test_a_wrong_anchor_hash_breaks_the_first_kept_record():
    records = make_chain(6)
    with pytest.raises(ChainBroken) as broken:
        verify_chain(records[3:], anchor=Anchor(sequence=3, hash="f" * 64))
    assert broken.value.sequence == 4


def test_the_anchor_comes_from_a_checkpoint_record():
    checkpoint = {"purged": {"through_sequence": 7, "through_hash": "c" * 64}}
    assert Anchor.from_checkpoint(checkpoint) == Anchor(sequence=7, hash="c" * 64)
