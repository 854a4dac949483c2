"""Large exports are read in chunks, in worker processes: wherever the chunks end, the problems,
the roots and the records grouped for the caller are exactly what one pass finds."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_core.hashing import canonical_json
from policy_core.log_audit import audit_export
from policy_core.log_export import MAX_RECORD_BYTES
from testbed.log import (
    Log,
    audit_file,
    chain_records,
    choice,
    read_export_records,
    sealed,
    write_export,
)


def test_chunks_and_worker_processes_find_exactly_what_one_pass_finds(tmp_path: Path) -> None:
    log = Log.of_choices(600)
    records = log.exported()
    records[17]["action"] = "withdraw"
    del records[300]
    records.insert(450, records[449])
    path = write_export(tmp_path / "export.ndjson", records)
    lines = path.read_bytes().split(b"\n")
    lines.insert(123, b"{broken")
    path.write_bytes(b"\n".join(lines))
    options = {"verifier": log.signer.verifier, "sizes": [1, 256, 299],
               "checkpoints": [("a.txt", log.checkpoint(200)), ("b.txt", log.checkpoint(599))]}
    whole = audit_export(path, chunk_bytes=1 << 30, **options)
    assert [(p.line, p.leaf_index) for p in whole.problems] == [
        (18, 17), (124, None), (302, 301), (452, 450), (None, None)]
    assert audit_export(path, chunk_bytes=1, **options) == whole
    assert audit_export(path, chunk_bytes=5000, workers=2, **options) == whole


@pytest.mark.parametrize("chunk_bytes", [1, 1000, 100_000, 1 << 30])
def test_a_line_too_long_for_a_record_is_named_once_wherever_the_chunks_end(chunk_bytes: int,
                                                                           tmp_path: Path) -> None:
    log = Log.of_choices(30)
    path = write_export(tmp_path / "export.ndjson", log.exported())
    lines = path.read_bytes().split(b"\n")
    lines[10:10] = [b'{"a": "' + "é".encode() * MAX_RECORD_BYTES + b'"}', b"x" * (3 * MAX_RECORD_BYTES)]
    lines[25] = lines[25].replace(b'"accept_all"', b'"withdraw"')
    path.write_bytes(b"\n".join(lines))
    assert [(p.line, p.leaf_index, p.message[:40]) for p in audit_export(path, chunk_bytes=chunk_bytes)
            .problems] == [(11, None, "the line is longer than 65,536 bytes, th"),
                           (12, None, "the line is longer than 65,536 bytes, th"),
                           (26, 23, "content does not match its hash (hashes ")]


@pytest.mark.parametrize("chunk_bytes", [1, 3000, 1 << 30])
def test_roots_at_every_size_are_the_same_however_the_export_is_cut(chunk_bytes: int,
                                                                   tmp_path: Path) -> None:
    log = Log(chain_records(40) + [choice(n) for n in range(700)])
    sizes = [1, 39, 40, 41, 255, 256, 257, 511, 700, 740]
    report = audit_file(tmp_path, log.exported(), sizes=sizes, chunk_bytes=chunk_bytes)
    assert report.ok and report.size == 740
    assert {size: report.roots[size] for size in sizes} == {size: log.root(size) for size in sizes}


def test_records_are_grouped_by_what_the_caller_asks_with_the_first_and_last(tmp_path: Path) -> None:
    log = Log([choice(n, action=("accept_all", "reject_all")[n % 2]) for n in range(5)])
    path = write_export(tmp_path / "export.ndjson", log.exported())
    chunks = []
    audit_export(path, key=lambda record: record["action"], on_chunk=chunks.append)
    [chunk] = chunks
    assert chunk.groups == {"accept_all": [0, 2, 4], "reject_all": [1, 3]}
    assert chunk.place(3) == (4, 3), "the fourth record is on line 4 and is leaf 3"
    assert chunk.first[2]["id"] == log.records[0]["id"] and chunk.last[2]["id"] == log.records[4]["id"]


def test_the_export_is_read_as_the_service_writes_it(log: Log, tmp_path: Path) -> None:
    path = write_export(tmp_path / "export.ndjson", log.exported())
    assert path.read_bytes().split(b"\n")[0] == canonical_json(log.records[0])
    assert read_export_records(path) == log.exported()
    assert sealed(log.records[3], 3) == log.records[3]
