"""A record of the consent log as a leaf of its Merkle tree: its hash, its salt, its leaf.

One rule, for every kind of record the log holds (a choice made for the tree, a record
migrated from the hash chain, a chain purge checkpoint), so that the service that writes
records, the export and every verifier compute the same hash:

* drop the keys ``hash`` and ``leaf_index`` (the hash cannot cover itself, and the leaf index
  is given by the sequencer after the record was hashed and stored);
* serialize the rest as canonical JSON (:func:`policy_core.hashing.canonical_json`);
* ``hash`` is the lowercase hex SHA-256 of those bytes.

A record made before the tree existed has no ``leaf_index`` in what it hashed, so the chain's
hashes stay valid as the tree's leaves. The leaf *data* is the 32 raw bytes of ``hash``, and the
leaf hash is ``SHA-256(0x00 || data)`` (:func:`policy_core.merkle.leaf_hash`).

A record made for the tree carries a random ``salt`` so that nobody can guess its content from
its published hash (a choice has few possible values). A record whose content the retention
purge deleted is exported as ``{"leaf_index": i, "hash": "<hex>", "purged": true}``: its leaf
stays, so every proof still verifies, and nothing of its content can be recovered.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

from policy_core.hashing import canonical_json, sha256_hex
from policy_core.merkle import leaf_hash

NOT_HASHED = frozenset({"hash", "leaf_index"})
"""The keys a record's hash does not cover."""

SALT_BYTES = 16
"""A salt is 16 random bytes, written as 32 lowercase hex digits."""

PURGED_KEYS = frozenset({"leaf_index", "hash", "purged"})
"""All a purged record keeps."""

HASH_PATTERN = re.compile(r"[0-9a-f]{64}", re.ASCII)
SALT_PATTERN = re.compile(r"[0-9a-f]{32}", re.ASCII)


def record_hash(record: Mapping[str, Any]) -> str:
    """The hash of ``record``: SHA-256 of its canonical JSON without ``hash`` and ``leaf_index``."""
    return content_hash({key: value for key, value in record.items() if key not in NOT_HASHED})


def content_hash(content: Mapping[str, Any]) -> str:
    """The hash of a record already without the keys in :data:`NOT_HASHED` (a verifier that
    took them out to read them need not copy the rest)."""
    return sha256_hex(canonical_json(content))


def new_salt() -> str:
    """A fresh salt for a record made for the tree: 32 lowercase hex digits from the OS's
    random source."""
    return secrets.token_hex(SALT_BYTES)


def record_leaf_hash(hash_hex: str) -> bytes:
    """The tree's leaf hash of a record whose ``hash`` is ``hash_hex``."""
    return leaf_hash(bytes.fromhex(hash_hex))


def purged_record(leaf_index: int, hash_hex: str) -> dict[str, Any]:
    """What is left of a record once the retention purge deleted its content."""
    return {"leaf_index": leaf_index, "hash": hash_hex, "purged": True}


def is_purged(record: Mapping[str, Any]) -> bool:
    """Whether ``record`` is what the retention purge left of one (``"purged": true``, not a
    chain purge checkpoint, whose ``purged`` is an object)."""
    return record.get("purged") is True


def is_from_chain(record: Mapping[str, Any]) -> bool:
    """Whether ``record`` was made before the tree, by the hash chain (it has a ``sequence``
    or a ``prev_hash``)."""
    return "sequence" in record or "prev_hash" in record
