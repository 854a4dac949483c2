"""Visitors verify a receipt offline with ``policy-site verify-receipt``: the log's promise
without a proof, inclusion in a signed tree with one, and a message, never a traceback, for
anything else. Receipts are made with the pure core over the ``log`` of ``conftest.py``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from policy_core.log_record import record_leaf_hash
from policy_core.merkle_frontier import leaf_source
from policy_core.merkle_proofs import inclusion_proof
from policy_core.note_keys import Signer
from policy_core.receipt import attach_proof, make_receipt
from policy_site.cli import main
from testbed.log import (
    ODD_VALUES,
    ORIGIN,
    Log,
)
from testbed.site import invoke, policy_site

ACCEPTED = dt.datetime(2026, 11, 26, 9, 30, 0, 123000, tzinfo=dt.UTC)


@pytest.fixture
def receipt(log: Log) -> dict:
    record = log.records[5]
    return make_receipt(log.signer, record["id"], record["hash"], ACCEPTED)


@pytest.fixture
def proven(log: Log, receipt: dict) -> dict:
    leaves = leaf_source([record_leaf_hash(record["hash"]) for record in log.records])
    return attach_proof(receipt, 5, 8, inclusion_proof(5, 8, leaves), log.checkpoint(8))


def write_json(path: Path, value: object) -> str:
    path.write_text(json.dumps(value), encoding="utf-8")
    return str(path)


def test_a_receipt_without_a_proof_is_the_logs_promise(receipt: dict, log: Log, tmp_path: Path) -> None:
    path = write_json(tmp_path / "receipt.json", receipt)
    result = invoke("verify-receipt", path, "--key", log.vkey)
    assert result.exit_code == 0, result.stderr
    assert (f"{path}: signed by {ORIGIN}: record {receipt['id']} with hash {receipt['hash']}, "
            "accepted at 2026-11-26T09:30:00.123Z") in result.stdout
    assert "carries no inclusion proof yet" in result.stdout


def test_a_receipt_with_a_proof_shows_the_record_is_in_the_signed_tree(proven: dict, log: Log,
                                                                      tmp_path: Path) -> None:
    key_file = tmp_path / "log.vkey"
    key_file.write_text(log.vkey, encoding="utf-8")
    result = invoke("verify-receipt", write_json(tmp_path / "receipt.json", proven), "--key",
                    str(key_file))
    assert result.exit_code == 0, result.stderr
    root = base64.b64encode(log.root(8)).decode()
    assert (f"receipt: valid; the record is leaf 5 of the log's tree of 8 leaves, whose checkpoint "
            f"(root {root}) the log signed") in result.stdout


@pytest.mark.parametrize(("change", "said"), [
    (lambda r, log: {**r, "hash": log.records[4]["hash"]}, "the receipt's signature by"),
    (lambda r, log: make_receipt(Signer.generate(ORIGIN), r["id"], r["hash"], ACCEPTED),
     "the receipt is not signed by"),
    (lambda r, log: {**r, "proof": {**r["proof"], "leaf_index": 4}}, "the inclusion proof of leaf 4"),
    (lambda r, log: {**r, "checkpoint": log.checkpoint(7)},
     "the proof is for a tree of size 8, the checkpoint is of size 7"),
    (lambda r, log: {**r, "proof": {**r["proof"], "hashes": r["proof"]["hashes"][:-1]}},
     "the inclusion proof has 2 hashes, but a leaf at index 5 of a tree of size 8 needs 3"),
    (lambda r, log: {key: value for key, value in r.items() if key != "checkpoint"},
     "a receipt carries a proof and the checkpoint it leads to, or neither"),
    (lambda r, log: [r], "a receipt is a JSON object, found list"),
    (lambda r, log: {**r, "time": 5}, "a receipt's time is YYYY-MM-DDTHH:MM:SS.mmmZ"),
])
def test_an_invalid_receipt_says_what_does_not_hold_and_exits_1(change, said: str, proven: dict,
                                                               log: Log, tmp_path: Path) -> None:
    path = write_json(tmp_path / "receipt.json", change(proven, log))
    result = invoke("verify-receipt", path, "--key", log.vkey)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"{path}: the receipt does not verify: ")
    assert said in result.stderr, result.stderr


@pytest.mark.parametrize(("content", "said"), [
    (b"{not json", "not a receipt: the file is not JSON"),
    (b"\xff\xfe", "not a receipt: the file is not JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "not a receipt: the file is not JSON"),
    (b" " * (300 * 1024), "the file is larger than a receipt can be (262,144 bytes)"),
])
def test_a_file_that_is_no_receipt_is_refused_without_a_traceback(content: bytes, said: str, log: Log,
                                                                 tmp_path: Path) -> None:
    path = tmp_path / "receipt.json"
    path.write_bytes(content)
    result = policy_site("verify-receipt", str(path), "--key", log.vkey)
    assert result.returncode == 1
    assert said in result.stderr and "Traceback" not in result.stderr


def test_verify_receipt_used_wrongly_exits_2(receipt: dict, log: Log, tmp_path: Path) -> None:
    path = write_json(tmp_path / "receipt.json", receipt)
    no_key = CliRunner().invoke(main, ["verify-receipt", path])
    assert no_key.exit_code == 2 and "Missing option '--key'" in no_key.stderr
    bad_key = CliRunner().invoke(main, ["verify-receipt", path, "--key", "log+00000000+AAAA"])
    assert bad_key.exit_code == 2 and "Invalid value for '--key'" in bad_key.stderr
    missing = CliRunner().invoke(main, ["verify-receipt", str(tmp_path / "none.json"), "--key", log.vkey])
    assert missing.exit_code == 2 and "does not exist" in missing.stderr


@pytest.mark.parametrize("field", ["origin", "id", "hash", "time", "signature", "proof",
                                   "checkpoint", "proof.leaf_index", "proof.tree_size",
                                   "proof.hashes"])
def test_any_value_in_any_field_of_a_receipt_is_a_message_not_a_traceback(field: str, proven: dict,
                                                                         log: Log, tmp_path: Path
                                                                         ) -> None:
    for value in ODD_VALUES:
        receipt = json.loads(json.dumps(proven))
        if field.startswith("proof."):
            receipt["proof"][field.split(".")[1]] = value
        else:
            receipt[field] = value
        result = invoke("verify-receipt", write_json(tmp_path / "receipt.json", receipt),
                        "--key", log.vkey)
        assert result.exit_code == 1, (field, value, result.output)
        assert "the receipt does not verify: " in result.stderr
