"""An export of the log verifies as an RFC 9162 tree, and every problem is named by leaf and line.

Exports are built with the pure core (testbed/log.py) the way the service writes them:
records in leaf order, then those not yet in the tree. Roots are compared with
``merkle_frontier.tree_hash`` over the records' leaf hashes, which tests/core/test_merkle.py checks against
the RFC's definition and published vectors.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_core.log_audit import audit_export, audit_records
from policy_core.log_export import MAX_RECORD_BYTES
from policy_core.merkle import EMPTY_ROOT
from testbed.log import (
    Log,
    audit_file,
    purged,
    rehashed,
    reindexed,
    write_export,
)


def found(report) -> list[tuple[int | None, int | None, str]]:
    """(line, leaf, message) of every problem, for exact comparison."""
    return [(p.line, p.leaf_index, p.message) for p in report.problems]


# --- an intact export --------------------------------------------------------------------------

def test_an_intact_export_is_a_tree_whose_root_is_the_rfc_root(log: Log, tmp_path: Path) -> None:
    report = audit_file(tmp_path, log.exported())
    assert report.ok, report.problems
    assert (report.records, report.size, report.pending, report.purged) == (10, 8, 2, 0)
    assert report.root == log.root(8)


def test_the_root_is_computed_at_every_size_asked_for(log: Log, tmp_path: Path) -> None:
    report = audit_file(tmp_path, log.exported(), sizes=[0, 1, 3, 5, 8, 9])
    assert report.roots[0] == EMPTY_ROOT
    for size in (1, 3, 5, 8):
        assert report.roots[size] == log.root(size), size
    assert 9 not in report.roots, "the export's tree has 8 leaves"


def test_an_empty_export_is_the_empty_tree(tmp_path: Path) -> None:
    report = audit_file(tmp_path, [])
    assert report.ok and report.size == 0 and report.root == EMPTY_ROOT


def test_records_from_a_database_verify_as_the_export_does(log: Log, tmp_path: Path) -> None:
    records = log.exported()
    records.insert(6, records.pop(8))
    records[2]["action"] = "custom"
    from_file = audit_file(tmp_path, records, sizes=[4])
    assert [(p.line, p.leaf_index) for p in from_file.problems] == [(3, 2), (8, 6), (9, 7)]
    assert audit_records(records, sizes=[4]) == from_file


def test_purged_records_keep_the_root_and_every_checkpoint(log: Log, tmp_path: Path) -> None:
    checkpoint = log.checkpoint(8)
    records = log.exported()
    records[0], records[4] = purged(records[0]), purged(records[4])
    report = audit_file(tmp_path, records, verifier=log.signer.verifier,
                        checkpoints=[("saved.txt", checkpoint)])
    assert report.ok, report.problems
    assert report.purged == 2 and report.root == log.root(8)
    assert [saved.source for saved in report.checkpoints] == ["saved.txt"]


# --- each record on its own ----------------------------------------------------------------------

def test_an_edited_record_is_named_by_leaf_and_line(log: Log, tmp_path: Path) -> None:
    records = log.exported()
    records[4]["categories"]["statistics"] = False
    report = audit_file(tmp_path, records)
    [(line, leaf, message)] = found(report)
    assert (line, leaf) == (5, 4)
    assert message.startswith("content does not match its hash (hashes to ")
    assert message.endswith(f"the record says {records[4]['hash']}): the record was edited")


def test_a_record_not_yet_in_the_tree_is_checked_too(log: Log, tmp_path: Path) -> None:
    records = log.exported()
    records[9]["action"] = "reject_all"
    [problem] = audit_file(tmp_path, records).problems
    assert (problem.line, problem.leaf_index, problem.pending) == (10, None, True)
    assert str(problem).startswith("record not yet in the tree: content does not match its hash")


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: {**r, "hash": r["hash"].upper()}, "its hash is 64 lowercase hex digits, found '"),
    (lambda r: {k: v for k, v in r.items() if k != "hash"},
     "its hash is 64 lowercase hex digits, found None"),
    (lambda r: rehashed(r, salt=None), "its salt is 32 lowercase hex digits, found None: without "
                                       "one, its content can be guessed from its hash"),
    (lambda r: rehashed(r, salt="abc"), "its salt is 32 lowercase hex digits, found 'abc'"),
])
def test_a_record_needs_a_readable_hash_and_a_salt(log: Log, tmp_path: Path, change, message) -> None:
    records = log.exported()
    records[5] = change(records[5])
    [(line, leaf, said)] = found(audit_file(tmp_path, records))
    assert (line, leaf) == (6, 5) and said.startswith(message), said


def test_a_record_migrated_from_the_chain_needs_no_salt(log: Log, tmp_path: Path) -> None:
    assert "salt" not in log.records[0]
    assert audit_file(tmp_path, log.exported()).ok


def test_a_purged_record_keeps_nothing_but_its_hash(log: Log, tmp_path: Path) -> None:
    records = log.exported()
    records[6] = {**purged(records[6]), "visitor": records[6]["visitor"]}
    assert found(audit_file(tmp_path, records)) == [(7, 6, (
        "a purged record keeps only leaf_index, hash and purged, but this one also holds visitor: "
        "content the purge should have deleted, which no hash covers"))]


def test_a_purged_record_is_in_the_tree(log: Log, tmp_path: Path) -> None:
    records = log.exported()
    records[9] = {**purged(records[9])}
    assert [str(p) for p in audit_file(tmp_path, records).problems] == [
        "record not yet in the tree: a purged record is a leaf of the tree, so it has a leaf_index"]


@pytest.mark.parametrize(("value", "message"), [
    ("absent", "the record has no leaf_index"),
    ("4", "leaf_index is a leaf's number (0, 1, …) or null for a record not yet in the tree, found '4'"),
    (-1, "found -1"),
    (True, "found True"),
])
def test_a_leaf_index_is_a_number_or_null(log: Log, tmp_path: Path, value, message) -> None:
    records = log.exported()
    if value == "absent":
        del records[7]["leaf_index"]
    else:
        records[7]["leaf_index"] = value
    problems = found(audit_file(tmp_path, records))
    assert problems[0][0] == 8 and problems[0][1] is None and problems[0][2].endswith(message)


@pytest.mark.parametrize(("line", "message"), [
    (b"{not json", "not a JSON record (Expecting property name enclosed in double quotes); the "
                   "export is NDJSON, one record per line"),
    (b"[1, 2]", "a record is a JSON object, found list"),
    (b'{"a": NaN}', "not a JSON record (NaN is not a JSON value)"),
    (b'{"a": ' + b"9" * 5000 + b"}", "not a JSON record (Exceeds the limit (4300 digits)"),
    (b'{"a": "\xff"}', "not UTF-8 text (byte 8 of the line): not a record of the log"),
    (b'{"a": "' + b"x" * MAX_RECORD_BYTES + b'"}',
     f"the line is longer than {MAX_RECORD_BYTES:,} bytes, the most a record can be"),
])
def test_a_line_that_is_no_record_is_named_and_the_rest_still_checked(log: Log, tmp_path: Path,
                                                                        line: bytes, message: str
                                                                        ) -> None:
    path = write_export(tmp_path / "export.ndjson", log.exported())
    lines = path.read_bytes().split(b"\n")
    lines[5:5] = [line]
    path.write_bytes(b"\n".join(lines))
    records = log.exported()
    records[7]["action"] = "withdraw"
    write_export(tmp_path / "edited.ndjson", records)
    lines[8] = (tmp_path / "edited.ndjson").read_bytes().split(b"\n")[7]
    path.write_bytes(b"\n".join(lines))
    problems = found(audit_export(path))
    assert problems[0] == (6, None, problems[0][2]) and problems[0][2].startswith(message)
    assert problems[1][:2] == (9, 7) and "the record was edited" in problems[1][2]
    assert len(problems) == 2, problems


# --- the order of the leaves ---------------------------------------------------------------------

def test_a_deleted_record_leaves_a_gap(log: Log, tmp_path: Path) -> None:
    records = log.exported()
    del records[3]
    assert found(audit_file(tmp_path, records)) == [
        (4, 4, "leaf 3 is missing before it: records were deleted, or the export is not whole")]


def test_several_deleted_records_are_named_as_a_range(log: Log, tmp_path: Path) -> None:
    records = log.exported()
    del records[2:5]
    assert found(audit_file(tmp_path, records))[0][2].startswith("leaves 2–4 are missing before it")


def test_a_duplicated_record_is_named_where_it_repeats(log: Log, tmp_path: Path) -> None:
    records = log.exported()
    records.insert(4, records[3])
    assert found(audit_file(tmp_path, records)) == [(5, 3, (
        "listed after leaf 3: a duplicate, or records out of order (the export lists each leaf "
        "once, in order)"))]


def test_records_out_of_order_are_named(log: Log, tmp_path: Path) -> None:
    records = log.exported()
    records[5], records[6] = records[6], records[5]
    assert found(audit_file(tmp_path, records)) == [
        (6, 6, "leaf 5 is missing before it: records were deleted, or the export is not whole"),
        (7, 5, "listed after leaf 6: a duplicate, or records out of order (the export lists each "
               "leaf once, in order)"),
    ]


def test_records_in_the_tree_come_before_those_not_yet_in_it(log: Log, tmp_path: Path) -> None:
    records = log.exported()
    records.insert(7, records.pop(8))
    assert found(audit_file(tmp_path, records)) == [(9, 7, (
        "listed after a record not yet in the tree (line 8): the tree's records come first, in "
        "leaf order"))]


def test_the_chains_records_are_the_first_leaves(log: Log, tmp_path: Path) -> None:
    records = reindexed(log.exported()[:8])
    records.insert(5, records.pop(1))
    assert found(audit_file(tmp_path, reindexed(records)))[0] == (6, 5, (
        "a record of the hash chain listed after one made for the tree (line 3): the chain's "
        "records are the tree's first leaves"))


def test_every_problem_is_reported_not_only_the_first(log: Log, tmp_path: Path) -> None:
    records = log.exported()
    records[1]["action"] = "accept_all"   # leaf 1 edited
    del records[3]                         # leaf 3 deleted
    records[5]["salt"] = ""                # leaf 6 has no salt (rehashed)
    records[5] = rehashed(records[5])
    records.insert(7, records[3])          # leaf 4 again
    report = audit_file(tmp_path, records)
    assert [(line, leaf) for line, leaf, _ in found(report)] == [(2, 1), (4, 4), (6, 6), (8, 4)]
