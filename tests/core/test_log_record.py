"""One hash rule for every record of the log: canonical JSON without ``hash`` and ``leaf_index``."""

from __future__ import annotations

import hashlib
import re

from policy_core.chain import GENESIS_HASH, verify_chain
from policy_core.log_record import (
    is_from_chain,
    is_purged,
    new_salt,
    purged_record,
    record_hash,
    record_leaf_hash,
)


def test_the_hash_covers_everything_but_hash_and_leaf_index() -> None:
    record = {"type": "consent", "salt": "ab" * 16, "categories": {"media": False, "necessary": True},
              "hash": "whatever", "leaf_index": 7}
    hashed = (b'{"categories":{"media":false,"necessary":true},"salt":"abababababababababababababababab",'
              b'"type":"consent"}')
    assert record_hash(record) == hashlib.sha256(hashed).hexdigest()
    assert record_hash({**record, "leaf_index": None}) == record_hash(record)
    assert record_hash({**record, "salt": "cd" * 16}) != record_hash(record)


def test_a_chain_record_keeps_its_hash_once_it_is_a_leaf() -> None:
    records, previous = [], GENESIS_HASH
    for sequence in (1, 2, 3):
        record = {"type": "consent", "id": f"r{sequence}", "sequence": sequence, "prev_hash": previous}
        record["hash"] = previous = record_hash(record)
        records.append(record)
    migrated = [{**record, "leaf_index": index} for index, record in enumerate(records)]
    assert verify_chain(migrated).head == records[-1]["hash"]
    assert all(is_from_chain(record) for record in migrated)


def test_a_leaf_is_the_hash_of_the_records_32_hash_bytes() -> None:
    value = hashlib.sha256(b"a record").hexdigest()
    assert record_leaf_hash(value) == hashlib.sha256(b"\x00" + bytes.fromhex(value)).digest()


def test_salts_are_32_hex_digits_and_never_repeat() -> None:
    salts = {new_salt() for _ in range(1000)}
    assert len(salts) == 1000
    assert all(re.fullmatch(r"[0-9a-f]{32}", salt) for salt in salts)


def test_a_purged_record_keeps_its_leaf_and_nothing_else() -> None:
    assert purged_record(4, "ab" * 32) == {"leaf_index": 4, "hash": "ab" * 32, "purged": True}
    assert is_purged(purged_record(4, "ab" * 32))
    chain_purge_checkpoint = {"type": "checkpoint", "sequence": 9, "purged": {"count": 3}}
    assert not is_purged(chain_purge_checkpoint) and is_from_chain(chain_purge_checkpoint)
