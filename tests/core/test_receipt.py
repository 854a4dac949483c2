"""A receipt is the log's signed promise to include a record; with a proof it shows it did.

The signed bytes are checked as an auditor would recompute them from the documented rule,
with nothing but hashlib and an Ed25519 implementation.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from policy_core.checkpoint import Checkpoint, sign_checkpoint
from policy_core.merkle import ProofMalformed, RootMismatch, leaf_hash
from policy_core.merkle_frontier import leaf_source, tree_hash
from policy_core.merkle_proofs import inclusion_proof
from policy_core.note import BadSignature, UnknownKey
from policy_core.note_keys import Signer
from policy_core.receipt import (
    ReceiptInvalid,
    attach_proof,
    format_time,
    make_receipt,
    receipt_text,
    verify_receipt,
)
from testbed.site import REPO

ORIGIN = "consent.example.se/log"
ACCEPTED = dt.datetime(2026, 11, 26, 9, 30, 0, 123456, tzinfo=dt.UTC)
RECORDS = [hashlib.sha256(b"record %d" % i).hexdigest() for i in range(100)]


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer.generate(ORIGIN)


@pytest.fixture(scope="module")
def receipt(signer: Signer) -> dict:
    return make_receipt(signer, "6f1c2d4e-8a9b-4c3d-9e2f-1a2b3c4d5e6f", RECORDS[37], ACCEPTED)


@pytest.fixture(scope="module")
def proven(signer: Signer, receipt: dict) -> dict:
    """The receipt of record 37 with its inclusion proof in a signed checkpoint of 100 records."""
    leaves = [leaf_hash(bytes.fromhex(h)) for h in RECORDS]
    checkpoint = sign_checkpoint(Checkpoint(ORIGIN, 100, tree_hash(leaves)), signer)
    return attach_proof(receipt, 37, 100, inclusion_proof(37, 100, leaf_source(leaves)), checkpoint)


def changed(receipt: dict, **fields: object) -> dict:
    return {**receipt, **fields}


# What is signed

def test_a_receipt_names_the_log_the_record_its_hash_and_the_time(receipt: dict) -> None:
    assert {key: receipt[key] for key in ("origin", "id", "hash", "time")} == {
        "origin": ORIGIN, "id": "6f1c2d4e-8a9b-4c3d-9e2f-1a2b3c4d5e6f", "hash": RECORDS[37],
        "time": "2026-11-26T09:30:00.123Z"}


def test_an_auditor_can_check_the_signature_from_the_documented_rule(signer: Signer, receipt: dict) -> None:
    text = f"{ORIGIN}\nreceipt\n{receipt['id']}\n{receipt['hash']}\n{receipt['time']}\n".encode()
    name, key_hash, key = signer.verifier.vkey.split("+", 2)
    public = base64.b64decode(key)[1:]
    signature = base64.b64decode(receipt["signature"])
    assert signature[:4] == hashlib.sha256(name.encode() + b"\n\x01" + public).digest()[:4]
    assert signature[:4].hex() == key_hash
    Ed25519PublicKey.from_public_bytes(public).verify(signature[4:], text)
    assert receipt_text(ORIGIN, receipt["id"], receipt["hash"], receipt["time"]).encode() == text


def test_the_time_is_utc_with_milliseconds() -> None:
    stockholm = dt.timezone(dt.timedelta(hours=1))
    assert format_time(dt.datetime(2026, 11, 26, 10, 30, 0, 999999, tzinfo=stockholm)) == \
        "2026-11-26T09:30:00.999Z"
    with pytest.raises(ReceiptInvalid, match="with a time zone"):
        format_time(dt.datetime(2026, 11, 26, 9, 30))


# Verifying the promise

def test_a_receipt_verifies_with_the_logs_vkey_after_a_trip_through_json(signer: Signer,
                                                                          receipt: dict) -> None:
    verified = verify_receipt(json.loads(json.dumps(receipt)), signer.verifier.vkey)
    assert (verified.origin, verified.record_hash, verified.leaf_index) == (ORIGIN, RECORDS[37], None)


@pytest.mark.parametrize(("field", "value"), [
    ("id", "6f1c2d4e-8a9b-4c3d-9e2f-1a2b3c4d5e6e"),
    ("hash", RECORDS[38]),
    ("time", "2026-11-26T09:30:00.124Z"),
])
def test_a_receipt_with_any_field_changed_does_not_verify(signer: Signer, receipt: dict, field: str,
                                                          value: str) -> None:
    with pytest.raises(BadSignature, match="the receipt's signature"):
        verify_receipt(changed(receipt, **{field: value}), signer.verifier)


def test_a_receipt_signed_by_another_key_or_for_another_log_does_not_verify(signer: Signer,
                                                                            receipt: dict) -> None:
    impostor = Signer.generate(ORIGIN)
    forged = make_receipt(impostor, receipt["id"], receipt["hash"], ACCEPTED)
    with pytest.raises(UnknownKey, match="the receipt is not signed by"):
        verify_receipt(forged, signer.verifier)
    other_log = Signer.generate("other.example/log")
    with pytest.raises(UnknownKey):
        verify_receipt(make_receipt(other_log, receipt["id"], receipt["hash"], ACCEPTED), signer.verifier)
    with pytest.raises(UnknownKey):
        verify_receipt(changed(receipt, origin="other.example/log"), other_log.verifier)


# Verifying inclusion

def test_a_receipt_with_its_proof_shows_the_record_is_in_the_signed_tree(signer: Signer,
                                                                         proven: dict) -> None:
    verified = verify_receipt(json.loads(json.dumps(proven)), signer.verifier.vkey)
    assert verified.leaf_index == 37
    assert verified.checkpoint is not None and verified.checkpoint.size == 100


def test_a_changed_proof_hash_or_index_fails_saying_so(signer: Signer, proven: dict) -> None:
    hashes = list(proven["proof"]["hashes"])
    hashes[2] = RECORDS[0]
    with pytest.raises(RootMismatch, match="leaf 37 in the tree of size 100"):
        verify_receipt(changed(proven, proof={**proven["proof"], "hashes": hashes}), signer.verifier)
    with pytest.raises((RootMismatch, ProofMalformed)):
        verify_receipt(changed(proven, proof={**proven["proof"], "leaf_index": 36}), signer.verifier)


def test_another_records_receipt_cannot_borrow_the_proof(signer: Signer, proven: dict) -> None:
    other = make_receipt(signer, "another-record", RECORDS[36], ACCEPTED)
    with pytest.raises(RootMismatch):
        verify_receipt(changed(other, proof=proven["proof"], checkpoint=proven["checkpoint"]),
                       signer.verifier)


def test_the_checkpoint_must_be_the_logs_and_of_the_proofs_size(signer: Signer, proven: dict) -> None:
    with pytest.raises(ReceiptInvalid, match="the proof is for a tree of size 101, the checkpoint is of "
                                             "size 100"):
        verify_receipt(changed(proven, proof={**proven["proof"], "tree_size": 101}), signer.verifier)
    with pytest.raises(BadSignature, match="the checkpoint's signature"):
        verify_receipt(changed(proven, checkpoint=proven["checkpoint"].replace("\n100\n", "\n99\n")),
                       signer.verifier)
    impostor = Signer.generate(ORIGIN)
    leaves = [leaf_hash(bytes.fromhex(h)) for h in RECORDS]
    forged = sign_checkpoint(Checkpoint(ORIGIN, 100, tree_hash(leaves)), impostor)
    with pytest.raises(UnknownKey, match="the checkpoint is not signed by"):
        verify_receipt(changed(proven, checkpoint=forged), signer.verifier)


def test_a_proof_comes_with_its_checkpoint(signer: Signer, proven: dict) -> None:
    without = {key: value for key, value in proven.items() if key != "checkpoint"}
    with pytest.raises(ReceiptInvalid, match="a proof and the checkpoint it leads to, or neither"):
        verify_receipt(without, signer.verifier)


# Form

@pytest.mark.parametrize(("change", "message"), [
    ({"extra": 1}, "a receipt has no field 'extra'"),
    ({"hash": RECORDS[37].upper()}, "64 lowercase hex digits"),
    ({"time": "2026-11-26T09:30:00Z"}, "YYYY-MM-DDTHH:MM:SS.mmmZ"),
    ({"time": "2026-02-30T09:30:00.000Z"}, "not a moment that exists"),
    ({"id": "with space"}, "printable ASCII characters without spaces"),
    ({"id": "x" * 129}, "1 to 128"),
    ({"origin": "has space"}, "the receipt's origin is the log's key name"),
    ({"signature": 7}, "base64 text"),
    ({"proof": {"leaf_index": 1, "tree_size": 2}, "checkpoint": "x"},
     "exactly leaf_index, tree_size, hashes"),
    ({"proof": {"leaf_index": True, "tree_size": 2, "hashes": []}, "checkpoint": "x"}, "leaf_index"),
    ({"proof": {"leaf_index": 1, "tree_size": 2, "hashes": ["00"]}, "checkpoint": "x"}, "proof hash 0"),
    ({"proof": {"leaf_index": 1, "tree_size": 2, "hashes": ["0" * 64] * 65}, "checkpoint": "x"},
     "at most 64"),
])
def test_a_malformed_receipt_is_refused_naming_the_field(signer: Signer, receipt: dict, change: dict,
                                                         message: str) -> None:
    with pytest.raises(ReceiptInvalid, match=message):
        verify_receipt(changed(receipt, **change), signer.verifier)


def test_a_receipt_missing_a_field_or_not_an_object_is_refused(signer: Signer, receipt: dict) -> None:
    with pytest.raises(ReceiptInvalid, match="the receipt has no 'signature'"):
        verify_receipt({k: v for k, v in receipt.items() if k != "signature"}, signer.verifier)
    with pytest.raises(ReceiptInvalid, match="a JSON object"):
        verify_receipt([receipt], signer.verifier)


# The README's examples

def test_the_readmes_example_receipt_and_checkpoint_verify_with_its_example_key() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Verifiable log: formats"):readme.index("### Retention")]
    vkey = re.search(r"signed by\s+`([^`]+)`", section)[1]
    checkpoint = re.search(r"```text\n(consent\.example\.se/log\n1\n.*?\n)```", section, re.S)[1]
    receipt = json.loads(re.search(r"```text\n(\{.*?)```", section, re.S)[1])
    verified = verify_receipt({**receipt, "proof": {"leaf_index": 0, "tree_size": 1, "hashes": []},
                               "checkpoint": checkpoint}, vkey)
    assert verified.checkpoint is not None
    assert verified.checkpoint.root == leaf_hash(bytes.fromhex(receipt["hash"]))
    assert receipt["hash"] in readme[:readme.index("### Verifiable log: formats")], \
        "the example is the README's example record"
