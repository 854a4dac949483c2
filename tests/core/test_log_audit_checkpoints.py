"""Checkpoints an auditor saved earlier, read with the log's key: each proves the export's first
leaves are the ones the log signed, and names the rewrite, the cut, the forgery or the fork it
finds."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from policy_core.checkpoint import Checkpoint, sign_checkpoint
from policy_core.log_audit import LogAudit, LogAuditError
from policy_core.note import parse_note
from policy_core.note_keys import Signer
from testbed.log import (
    ORIGIN,
    Log,
    audit_file,
    rehashed,
)


def parse_key_id(note: str) -> str:
    """The hex key ID of a note's one signature."""
    return parse_note(note)[1][0].key_id.hex()


def test_an_export_holds_every_checkpoint_the_log_signed_before(log: Log, tmp_path: Path) -> None:
    saved = [(f"size-{size}.txt", log.checkpoint(size)) for size in (8, 1, 5)]
    report = audit_file(tmp_path, log.exported(), verifier=log.signer.verifier, checkpoints=saved)
    assert report.ok, report.problems
    assert [s.checkpoint.size for s in report.checkpoints] == [1, 5, 8]
    assert [s.source for s in report.checkpoints] == ["size-1.txt", "size-5.txt", "size-8.txt"]


def test_a_checkpoint_of_another_history_is_named_with_both_roots(log: Log, tmp_path: Path) -> None:
    records = log.exported()
    records[2]["action"] = "withdraw"
    records[2] = rehashed(records[2])
    report = audit_file(tmp_path, records, verifier=log.signer.verifier,
                        checkpoints=[("early.txt", log.checkpoint(2)), ("later.txt", log.checkpoint(6))])
    signed = base64.b64encode(log.root(6)).decode()
    [problem] = report.problems
    assert problem.source == "later.txt"
    assert str(problem).startswith(f"checkpoint later.txt: the log signed root {signed} for its "
                                   "first 6 leaves, but the export's first 6 leaves have root ")
    assert problem.message.endswith("since that checkpoint, a record among them was edited, deleted, "
                                    "inserted or moved, or the log was rewritten")
    assert [s.source for s in report.checkpoints] == ["early.txt"]


def test_a_checkpoint_larger_than_the_export_says_records_were_cut(log: Log, tmp_path: Path) -> None:
    report = audit_file(tmp_path, log.exported()[:6], verifier=log.signer.verifier,
                        checkpoints=[("saved.txt", log.checkpoint(8))])
    assert [str(problem) for problem in report.problems] == [(
        "checkpoint saved.txt: signed for 8 leaves, but the export's tree has 6: the leaves from "
        "6 on that the log had signed are missing (records were deleted from the end, or the export "
        "is not whole)")]


def test_a_checkpoint_beyond_a_missing_leaf_cannot_be_checked(log: Log, tmp_path: Path) -> None:
    records = log.exported()
    del records[4]
    report = audit_file(tmp_path, records, verifier=log.signer.verifier,
                        checkpoints=[("small.txt", log.checkpoint(4)), ("big.txt", log.checkpoint(7))])
    assert report.root is None and 4 in report.roots
    assert str(report.problems[-1]) == (
        "checkpoint big.txt: tree size 7 cannot be checked: the export does not give leaf 4, so "
        "the root of its first 7 leaves is unknown")
    assert [s.source for s in report.checkpoints] == ["small.txt"]


def test_a_checkpoint_not_signed_by_the_logs_key_is_no_evidence(log: Log, tmp_path: Path) -> None:
    forged = sign_checkpoint(Checkpoint(ORIGIN, 8, log.root(8)), Signer.generate(ORIGIN))
    signed = log.checkpoint(8)
    altered = signed.replace("\n8\n", "\n7\n", 1)
    report = audit_file(tmp_path, log.exported(), verifier=log.signer.verifier,
                        checkpoints=[("forged.txt", forged), ("altered.txt", altered)])
    key = f"{ORIGIN}+{log.signer.verifier.key_id.hex()}"
    assert [str(p) for p in report.problems] == [
        f"checkpoint forged.txt: the checkpoint is not signed by {key}; it is signed by "
        f"{ORIGIN}+{parse_key_id(forged)}",
        f"checkpoint altered.txt: the checkpoint's signature by {key} does not verify: the "
        "checkpoint was changed after it was signed, or another key with that name and ID signed it",
    ]
    assert report.checkpoints == ()


def test_two_checkpoints_of_one_size_with_different_roots_show_a_fork(log: Log, tmp_path: Path) -> None:
    fork = sign_checkpoint(Checkpoint(ORIGIN, 8, bytes(32)), log.signer)
    report = audit_file(tmp_path, log.exported(), verifier=log.signer.verifier,
                        checkpoints=[("a.txt", log.checkpoint(8)), ("b.txt", fork)])
    messages = [str(p) for p in report.problems]
    assert ("checkpoint b.txt: signed by the log for tree size 8 like a.txt, but with another root: "
            "the log showed two different histories") in messages
    assert any(m.startswith("checkpoint b.txt: the log signed root") for m in messages)


def test_checkpoints_are_only_read_with_the_logs_key(log: Log) -> None:
    with pytest.raises(LogAuditError, match="give the log's vkey"):
        LogAudit(checkpoints=[("saved.txt", log.checkpoint(3))])
