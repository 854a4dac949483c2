"""A stored record's receipt, as the visitor downloads it: the log's signed promise to
include the record, and once it is included, the proof and the checkpoint it leads to."""

from __future__ import annotations

from typing import Any

from policy_core.note_keys import Signer
from policy_core.receipt import attach_proof, make_receipt

from .records import parse_timestamp


def visitor_receipt(signer: Signer, record: dict[str, Any], checkpoint: str | None) -> dict[str, Any]:
    """The receipt of ``record`` (a visitor's record with its ``proof``, as
    ``Storage.records_for_visitor`` gives it); Ed25519 signatures are deterministic, so it is
    the receipt the 201 carried, now with its proof."""
    receipt = make_receipt(signer, record["id"], record["hash"], parse_timestamp(record["recorded_at"]))
    proof = record.get("proof")
    if proof is None or checkpoint is None:
        return receipt
    return attach_proof(receipt, record["leaf_index"], proof["tree_size"],
                        [bytes.fromhex(value) for value in proof["hashes"]], checkpoint)
