"""Receipts: the log's signed promise to include a record, and their verification offline.

A receipt is the JSON object the service answers a recorded choice with::

    {"origin": "consent.example.se/log",            the log (its checkpoints' origin)
     "id": "6f1c2d4e-8a9b-4c3d-9e2f-1a2b3c4d5e6f",  the record's id
     "hash": "5e5d3b43…",                            the record's hash: 64 lowercase hex digits,
                                                     the 32 bytes that are the record's leaf data
     "time": "2026-11-26T09:30:00.123Z",             when the log accepted it: RFC 3339, UTC, ms
     "signature": "<base64>"}                        base64(key ID || Ed25519 signature)

The signature is a C2SP signed-note signature by the log's key over exactly this text, five
lines each ending in a newline (U+000A), UTF-8::

    <origin>
    receipt
    <id>
    <hash>
    <time>

so the receipt is the signed note ``text + "\\n" + "— " + origin + " " + signature + "\\n"``,
and the vkey that verifies the log's checkpoints verifies it with any signed-note
implementation. Its second line, ``receipt``, is never a tree size, so no receipt can be
taken for a checkpoint or the other way round.

Once the record is in the tree, the receipt can also carry ``"proof": {"leaf_index": i,
"tree_size": n, "hashes": [hex, …]}`` and ``"checkpoint"``, a signed checkpoint of size ``n``.
It then proves inclusion: the leaf ``SHA-256(0x00 || bytes.fromhex(hash))`` at index ``i`` with
that inclusion proof leads to the checkpoint's root (RFC 9162 §2.1.3.2).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from policy_core.checkpoint import Checkpoint, open_checkpoint
from policy_core.errors import CoreError
from policy_core.merkle import leaf_hash, verify_inclusion
from policy_core.note import open_note, parse_note, sign_note
from policy_core.note_keys import MalformedKey, Signer, Verifier, check_key_name

TAG = "receipt"
"""The second line of every receipt's signed text."""

MAX_PROOF_HASHES = 64
"""An inclusion proof in a tree of at most 2**64 leaves has at most 64 hashes."""

_FIELDS = ("origin", "id", "hash", "time", "signature")
_PROOF_FIELDS = ("leaf_index", "tree_size", "hashes")
_ID = re.compile(r"[!-~]{1,128}", re.ASCII)
_HASH = re.compile(r"[0-9a-f]{64}", re.ASCII)
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", re.ASCII)


class ReceiptInvalid(CoreError):
    """A receipt does not have the documented form, or its proof and checkpoint disagree.
    A bad signature is a :class:`policy_core.note.BadSignature` or
    :class:`policy_core.note.UnknownKey`; a proof that fails, a
    :class:`policy_core.merkle.MerkleError`."""


@dataclass(frozen=True)
class VerifiedReceipt:
    """What a receipt proved: the log's promise, and, with a proof, the record's place."""

    origin: str
    record_id: str
    record_hash: str
    time: str
    leaf_index: int | None = None
    checkpoint: Checkpoint | None = None
    """The checkpoint the record was proven to be included in, when the receipt had a proof."""


def receipt_text(origin: str, record_id: str, record_hash: str, time: str) -> str:
    """The exact text the log signs for a receipt (see the module's docstring)."""
    _check_fields(origin, record_id, record_hash, time)
    return f"{origin}\n{TAG}\n{record_id}\n{record_hash}\n{time}\n"


def format_time(moment: dt.datetime) -> str:
    """``moment`` as a receipt's time: RFC 3339 in UTC, milliseconds, ``Z``."""
    if not isinstance(moment, dt.datetime) or moment.utcoffset() is None:
        raise ReceiptInvalid(f"a receipt's time is a datetime with a time zone, found {moment!r}")
    utc = moment.astimezone(dt.UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def make_receipt(signer: Signer, record_id: str, record_hash: str, time: dt.datetime
                 ) -> dict[str, Any]:
    """The receipt for a record: signed by the log's key, whose name is the log's origin."""
    when = format_time(time)
    _, (signature,) = parse_note(sign_note(receipt_text(signer.name, record_id, record_hash, when),
                                           signer))
    return {"origin": signer.name, "id": record_id, "hash": record_hash, "time": when,
            "signature": signature.encoded}


def attach_proof(receipt: Mapping[str, Any], leaf_index: int, tree_size: int,
                 hashes: Sequence[bytes], checkpoint: str) -> dict[str, Any]:
    """A copy of ``receipt`` carrying the inclusion proof of its record in ``checkpoint``."""
    return {**receipt,
            "proof": {"leaf_index": leaf_index, "tree_size": tree_size,
                      "hashes": [value.hex() for value in hashes]},
            "checkpoint": checkpoint}


def verify_receipt(receipt: Mapping[str, Any], vkey: str | Verifier) -> VerifiedReceipt:
    """Check a receipt against the log's verifier key.

    Always: its form and its signature. When it carries a proof and a checkpoint, also the
    checkpoint's signature and origin, and that the record's leaf is included at the proof's
    index in the checkpoint's tree. Raises an error saying which of these did not hold.
    """
    verifier = vkey if isinstance(vkey, Verifier) else Verifier.from_vkey(vkey)
    if not isinstance(receipt, Mapping):
        raise ReceiptInvalid(f"a receipt is a JSON object, found {type(receipt).__name__}")
    unknown = sorted(set(receipt) - set(_FIELDS) - {"proof", "checkpoint"}, key=str)
    if unknown:
        raise ReceiptInvalid(f"a receipt has no field {unknown[0]!r}; its fields are "
                             f"{', '.join(_FIELDS)}, proof, checkpoint")
    missing = [name for name in _FIELDS if name not in receipt]
    if missing:
        raise ReceiptInvalid(f"the receipt has no {missing[0]!r}")
    origin, record_id, record_hash, time, signature = (receipt[name] for name in _FIELDS)
    text = receipt_text(origin, record_id, record_hash, time)
    if not isinstance(signature, str):
        raise ReceiptInvalid("the receipt's signature is base64 text")
    open_note(f"{text}\n— {origin} {signature}\n", verifier, kind="receipt")
    if "proof" not in receipt and "checkpoint" not in receipt:
        return VerifiedReceipt(origin, record_id, record_hash, time)
    if "proof" not in receipt or "checkpoint" not in receipt:
        raise ReceiptInvalid("a receipt carries a proof and the checkpoint it leads to, or neither")
    leaf_index, tree_size, hashes = _proof_fields(receipt["proof"])
    checkpoint = open_checkpoint(receipt["checkpoint"], verifier, origin=origin)
    if checkpoint.size != tree_size:
        raise ReceiptInvalid(f"the proof is for a tree of size {tree_size}, the checkpoint is "
                             f"of size {checkpoint.size}")
    verify_inclusion(leaf_hash(bytes.fromhex(record_hash)), leaf_index, tree_size, hashes,
                     checkpoint.root)
    return VerifiedReceipt(origin, record_id, record_hash, time, leaf_index, checkpoint)


def _check_fields(origin: object, record_id: object, record_hash: object, time: object) -> None:
    try:
        check_key_name(origin)
    except MalformedKey:
        raise ReceiptInvalid(f"the receipt's origin is the log's key name: non-empty, without "
                             f"spaces or '+', found {origin!r:.80}") from None
    if not isinstance(record_id, str) or not _ID.fullmatch(record_id):
        raise ReceiptInvalid(f"a record id is 1 to 128 printable ASCII characters without spaces, "
                             f"found {record_id!r:.80}")
    if not isinstance(record_hash, str) or not _HASH.fullmatch(record_hash):
        raise ReceiptInvalid(f"a record hash is 64 lowercase hex digits, found {record_hash!r:.80}")
    if not isinstance(time, str) or not _TIME.fullmatch(time):
        raise ReceiptInvalid(f"a receipt's time is YYYY-MM-DDTHH:MM:SS.mmmZ (UTC), found "
                             f"{time!r:.80}")
    try:
        dt.datetime.strptime(time, "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        raise ReceiptInvalid(f"{time} is not a moment that exists") from None


def _proof_fields(proof: object) -> tuple[int, int, list[bytes]]:
    if not isinstance(proof, Mapping) or sorted(proof) != sorted(_PROOF_FIELDS):
        raise ReceiptInvalid(f"a receipt's proof is an object with exactly "
                             f"{', '.join(_PROOF_FIELDS)}")
    leaf_index, tree_size, hashes = (proof[name] for name in _PROOF_FIELDS)
    for name, value in (("leaf_index", leaf_index), ("tree_size", tree_size)):
        if type(value) is not int or value < 0:
            raise ReceiptInvalid(f"the proof's {name} is a non-negative integer, found {value!r:.40}")
    if not isinstance(hashes, list) or len(hashes) > MAX_PROOF_HASHES:
        raise ReceiptInvalid(f"the proof's hashes are a list of at most {MAX_PROOF_HASHES}")
    for position, value in enumerate(hashes):
        if not isinstance(value, str) or not _HASH.fullmatch(value):
            raise ReceiptInvalid(f"proof hash {position} is 64 lowercase hex digits, found "
                                 f"{value!r:.80}")
    return leaf_index, tree_size, [bytes.fromhex(value) for value in hashes]
