"""Auditors verify the log offline with ``policy-site audit``.

``audit`` verifies an export as the log's Merkle tree and against the published site; with
checkpoints saved earlier it proves the log only grew, so that every kind of tampering, even
one that recomputes every hash, is detected by whoever holds a checkpoint that covers it.
Exports and checkpoints are made with the pure core (testbed/log.py), over the product's own
built site (the ``log`` of ``conftest.py``).
"""

from __future__ import annotations

import base64
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from policy_core.log_export import CHUNK_BYTES
from policy_core.note_keys import Signer
from policy_site.cli import main
from testbed import REPO
from testbed.log import (
    ODD_VALUES,
    ORIGIN,
    Log,
    purged,
    rehashed,
    reindexed,
    sealed,
    site_choice,
    write_export,
)
from testbed.site import invoke, policy_site


@pytest.fixture
def export(tmp_path: Path, log: Log) -> Path:
    return write_export(tmp_path / "export.ndjson", log.exported())


def save_checkpoint(tmp_path: Path, log: Log, size: int, records: list[dict] | None = None) -> str:
    path = tmp_path / f"checkpoint-{size}.txt"
    path.write_text(log.checkpoint(size, records), encoding="utf-8")
    return str(path)


# --- an intact export ----------------------------------------------------------------------------

def test_audit_accepts_an_intact_export_and_summarises_it(export: Path, built_site: Path,
                                                          log: Log) -> None:
    result = invoke("audit", str(export), "--site", str(built_site))
    assert result.exit_code == 0, result.stderr
    assert "records: 9 (in the tree: 8, not yet: 1, purged: 0)" in result.stdout
    assert "by action: accept_all 2, custom 2, reject_all 4, withdraw 1" in result.stdout
    assert "by policy version: 2026-11-01 9" in result.stdout
    assert ("by shown text: /versions/2026-11-01/en.shown.md 3, /versions/2026-11-01/sv.shown.md 6"
            in result.stdout)
    assert "first: leaf 0 at 2026-11-02T08:00:00.000000Z" in result.stdout
    assert "last: not yet in the tree at 2026-11-26T10:00:00.000000Z" in result.stdout
    assert f"tree: 8 leaves, root {base64.b64encode(log.root(8)).decode()} (base64" in result.stdout
    assert ("without a checkpoint saved earlier (--checkpoint, --key) nothing shows that the log was "
            "not rewritten as a whole or cut at its end") in result.stdout


def test_with_earlier_checkpoints_audit_proves_the_log_only_grew(export: Path, built_site: Path,
                                                                 log: Log, tmp_path: Path) -> None:
    early, later = save_checkpoint(tmp_path, log, 3), save_checkpoint(tmp_path, log, 6)
    result = invoke("audit", str(export), "--site", str(built_site), "--checkpoint", later,
                    "--checkpoint", early, "--key", log.vkey)
    assert result.exit_code == 0, result.stderr
    assert f"checkpoint {early}: the export's first 3 leaves have the root the log signed" in result.stdout
    assert f"checkpoint {later}: the export's first 6 leaves have the root the log signed" in result.stdout
    assert ("the export holds every checkpoint given (tree sizes 3, 6): the log only grew; leaves 6 "
            "to 7 are newer than every checkpoint given") in result.stdout


def test_a_checkpoint_of_the_whole_export_shows_it_is_exactly_the_signed_log(
        export: Path, built_site: Path, log: Log, tmp_path: Path) -> None:
    key_file = tmp_path / "log.vkey"
    key_file.write_text(log.vkey + "\n", encoding="utf-8")
    result = invoke("audit", str(export), "--site", str(built_site),
                    "--checkpoint", save_checkpoint(tmp_path, log, 8), "--key", str(key_file))
    assert result.exit_code == 0, result.stderr
    assert "it is exactly the log the latest one signed" in result.stdout


def test_purged_records_still_verify_against_earlier_checkpoints(log: Log, built_site: Path,
                                                                  tmp_path: Path) -> None:
    checkpoint = save_checkpoint(tmp_path, log, 8)
    records = log.exported()
    records[0], records[3] = purged(records[0]), purged(records[3])
    result = invoke("audit", str(write_export(tmp_path / "purged.ndjson", records)), "--site",
                    str(built_site), "--checkpoint", checkpoint, "--key", log.vkey)
    assert result.exit_code == 0, result.stderr
    assert "records: 9 (in the tree: 8, not yet: 1, purged: 2)" in result.stdout
    assert "by policy version: 2026-11-01 7" in result.stdout


# --- tampering: what each kind looks like, and who detects it -----------------------------------

def edit(records: list[dict], current: dict) -> list[dict]:
    records[4]["action"] = "accept_all"
    return records


def edit_and_rehash(records: list[dict], current: dict) -> list[dict]:
    records[4] = rehashed(records[4], action="accept_all")
    return records


def delete(records: list[dict], current: dict) -> list[dict]:
    del records[3]
    return records


def delete_and_renumber(records: list[dict], current: dict) -> list[dict]:
    del records[3]
    return reindexed(records[:7]) + records[7:]


def delete_from_the_end(records: list[dict], current: dict) -> list[dict]:
    return records[:6]


def reorder(records: list[dict], current: dict) -> list[dict]:
    records[2], records[5] = records[5], records[2]
    return records


def reorder_and_renumber(records: list[dict], current: dict) -> list[dict]:
    records[2], records[5] = records[5], records[2]
    return reindexed(records[:8]) + records[8:]


def insert(records: list[dict], current: dict) -> list[dict]:
    records.insert(3, sealed(site_choice(current, 40), 3))
    return records


def insert_and_renumber(records: list[dict], current: dict) -> list[dict]:
    records.insert(3, sealed(site_choice(current, 40), 3))
    return reindexed(records[:9]) + records[9:]


TAMPERING = {
    "an edited record": (edit, 6, ":5: leaf 4: content does not match its hash"),
    "an edited record, its hash recomputed": (
        edit_and_rehash, 6, ": the log signed root {root} for its first 6 leaves, but the export's "
                            "first 6 leaves have root "),
    "a deleted record": (delete, 6, ":4: leaf 4: leaf 3 is missing before it: records were deleted"),
    "a deleted record, the later ones renumbered": (
        delete_and_renumber, 6, ": the log signed root {root} for its first 6 leaves"),
    "records deleted from the end": (
        delete_from_the_end, 8, ": signed for 8 leaves, but the export's tree has 6: the leaves "
                                "from 6 on that the log had signed are missing"),
    "two records swapped": (reorder, 6, ":6: leaf 2: listed after leaf 5: a duplicate, or records "
                                        "out of order"),
    "two records swapped, renumbered": (reorder_and_renumber, 6, ": the log signed root {root}"),
    "an inserted record": (insert, 6, ":5: leaf 3: listed after leaf 3: a duplicate"),
    "an inserted record, the later ones renumbered": (insert_and_renumber, 6,
                                                      ": the log signed root {root}"),
}


@pytest.mark.parametrize("kind", TAMPERING)
def test_every_kind_of_tampering_is_detected_by_whoever_holds_an_earlier_checkpoint(
        kind: str, log: Log, current: dict, built_site: Path, tmp_path: Path) -> None:
    tamper, size, said = TAMPERING[kind]
    checkpoint = save_checkpoint(tmp_path, log, size)
    export = write_export(tmp_path / "tampered.ndjson", tamper(log.exported(), current))
    result = invoke("audit", str(export), "--site", str(built_site), "--checkpoint", checkpoint,
                    "--key", log.vkey)
    assert result.exit_code == 1
    assert said.format(root=base64.b64encode(log.root(size)).decode()) in result.stderr, result.stderr
    assert "audit: " in result.stderr and " problem(s)" in result.stderr


@pytest.mark.parametrize("point", [0, 2, 5])
def test_a_log_rewritten_from_any_point_is_detected_by_a_checkpoint_covering_it(
        point: int, log: Log, current: dict, built_site: Path, tmp_path: Path) -> None:
    checkpoint = save_checkpoint(tmp_path, log, 6)
    records = log.exported()
    rewritten = records[:point] + [sealed(site_choice(current, 100 + n), point + n)
                                   for n in range(8 - point)]
    export = write_export(tmp_path / "rewritten.ndjson", rewritten)
    alone = invoke("audit", str(export), "--site", str(built_site))
    assert alone.exit_code == 0, "a rewritten log is consistent with itself"
    result = invoke("audit", str(export), "--site", str(built_site), "--checkpoint", checkpoint,
                    "--key", log.vkey)
    assert result.exit_code == 1
    assert f"{checkpoint}: the log signed root " in result.stderr
    assert "or the log was rewritten" in result.stderr


def test_a_checkpoint_vouches_only_for_the_leaves_it_covers(log: Log, current: dict,
                                                            built_site: Path, tmp_path: Path) -> None:
    checkpoint = save_checkpoint(tmp_path, log, 6)
    rewritten = log.exported()[:6] + [sealed(site_choice(current, 200), 6)]
    result = invoke("audit", str(write_export(tmp_path / "rewritten.ndjson", rewritten)), "--site",
                    str(built_site), "--checkpoint", checkpoint, "--key", log.vkey)
    assert result.exit_code == 0, result.stderr
    assert "leaves 6 to 6 are newer than every checkpoint given" in result.stdout


@pytest.mark.parametrize(("content", "said"), [
    (lambda log: Log([], signer=Signer.generate(ORIGIN)).checkpoint(0).encode(),
     "the checkpoint is not signed by " + ORIGIN + "+"),
    (lambda log: b"\xff\xfe not text", "the note is not UTF-8 (byte 0)"),
    (lambda log: b"x" * (1 << 17), "the note is 65537 bytes, at most 65536 are read"),
    (lambda log: b"consent.example.se/log\n8\n", "the note has no blank line between its text"),
])
def test_a_checkpoint_that_is_not_the_logs_is_refused_naming_its_file(
        content, said: str, export: Path, log: Log, built_site: Path, tmp_path: Path) -> None:
    saved = tmp_path / "saved.txt"
    saved.write_bytes(content(log))
    result = invoke("audit", str(export), "--site", str(built_site), "--checkpoint", str(saved),
                    "--key", log.vkey)
    assert result.exit_code == 1
    assert f"{saved}: {said}" in result.stderr, result.stderr


# --- the checks against the published site ----------------------------------------------------

def test_a_choice_the_site_did_not_publish_is_named_even_with_every_hash_recomputed(
        log: Log, built_site: Path, tmp_path: Path) -> None:
    records = log.exported()
    records[3] = rehashed(records[3], policy={**records[3]["policy"], "version": "2030-01-01"})
    records[5] = rehashed(records[5], recorded_at="2026-10-15T09:00:00.000000Z")
    records[8] = rehashed(records[8], policy={**records[8]["policy"], "text_sha256": "0" * 64})
    export = write_export(tmp_path / "export.ndjson", records)
    result = invoke("audit", str(export), "--site", str(built_site))
    assert result.exit_code == 1
    assert (f"{export}:4: leaf 3: points at policy version '2030-01-01', which the site does not "
            "publish") in result.stderr
    assert (f"{export}:6: leaf 5: recorded on 2026-10-15, before version 2026-11-01 took effect on "
            "2026-11-01") in result.stderr
    assert (f"{export}:9: record not yet in the tree: policy text_sha256 does not match the sv text "
            "of 2026-11-01 its page shows") in result.stderr
    assert (f"{export}:9: record not yet in the tree: policy text_sha256 '{'0' * 64}' names no shown "
            "text") in result.stderr
    assert "audit: 4 problem(s)" in result.stderr


def test_a_shown_text_altered_in_the_site_copy_is_named(export: Path, built_site: Path,
                                                        tmp_path: Path) -> None:
    site = tmp_path / "altered-site"
    shutil.copytree(built_site, site)
    shown = site / "versions/2026-11-01/sv.shown.md"
    shown.write_text(shown.read_text(encoding="utf-8").replace("Integritetspolicy", "Policy", 1),
                     encoding="utf-8")
    result = invoke("audit", str(export), "--site", str(site))
    assert result.exit_code == 1
    assert "/versions/2026-11-01/sv.shown.md: does not hash to the text_sha256" in result.stderr


def test_audit_refuses_an_empty_export_and_an_unreadable_site(export: Path, built_site: Path,
                                                              tmp_path: Path) -> None:
    empty = tmp_path / "empty.ndjson"
    empty.write_text("")
    result = invoke("audit", str(empty), "--site", str(built_site))
    assert result.exit_code == 1 and f"{empty}: the export holds no records" in result.stderr
    broken_site = tmp_path / "site"
    broken_site.mkdir()
    (broken_site / "versions.json").write_text("[]")
    result = invoke("audit", str(export), "--site", str(broken_site))
    assert result.exit_code == 1 and "not a versions.json manifest" in result.stderr


@pytest.mark.parametrize(("arguments", "said"), [
    (["--checkpoint", "{checkpoint}"], "--checkpoint needs --key"),
    (["--key", "not-a-key"], "Invalid value for '--key': a vkey is <key name>+<hex key ID>+<base64 key>"),
    (["--key", "{garbage_file}"], "Invalid value for '--key': a vkey is <key name>+<hex key ID>"),
    (["--checkpoint", "{missing}", "--key", "{vkey}"], "'--checkpoint': File "),
])
def test_audit_used_wrongly_says_how_and_exits_2(arguments: list[str], said: str, export: Path,
                                                 built_site: Path, log: Log, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.vkey"
    garbage.write_text("hello\n", encoding="utf-8")
    values = {"checkpoint": save_checkpoint(tmp_path, log, 3), "garbage_file": str(garbage),
              "missing": str(tmp_path / "missing.txt"), "vkey": log.vkey}
    result = CliRunner().invoke(main, ["audit", str(export), "--site", str(built_site),
                                       *(a.format(**values) for a in arguments)])
    assert result.exit_code == 2, result.output
    assert said in result.stderr


def test_the_auditors_commands_need_no_project_and_check_big_exports_in_worker_processes(
        current: dict, built_site: Path, tmp_path: Path) -> None:
    log = Log(site_choice(current, n) for n in range(12_000))
    records = log.exported()
    records[11_000]["action"] = "withdraw"
    export = write_export(tmp_path / "big.ndjson", records)
    assert export.stat().st_size > CHUNK_BYTES, "more than one chunk: worker processes check them"
    checkpoint = save_checkpoint(tmp_path, log, 10_000)
    elsewhere = tmp_path / "auditor"
    elsewhere.mkdir()
    result = policy_site("audit", str(export), "--site", str(built_site), "--checkpoint", checkpoint,
                         "--key", log.vkey, cwd=elsewhere)
    assert result.returncode == 1, result.stderr
    assert f"{export}:11001: leaf 11000: content does not match its hash" in result.stderr
    assert f"checkpoint {checkpoint}: the export's first 10000 leaves have the root" in result.stdout
    assert "audit: 1 problem(s)" in result.stderr


def test_any_value_in_any_field_of_an_exported_record_is_a_problem_not_a_traceback(
        log: Log, built_site: Path, tmp_path: Path) -> None:
    fields = ["type", "id", "action", "policy", "inventory", "recorded_at", "salt", "hash",
              "leaf_index", "purged", "sequence", "prev_hash", "categories"]
    template = log.exported()[4]
    records = [{**template, field: value} for field in fields for value in ODD_VALUES]
    records += [{**template, "policy": {**template["policy"], "version": value}} for value in ODD_VALUES]
    result = invoke("audit", str(write_export(tmp_path / "odd.ndjson", records)), "--site",
                    str(built_site))
    assert result.exit_code == 1
    assert f"audit: {len(result.stderr.splitlines()) - 1} problem(s)" in result.stderr


def test_the_auditors_commands_explain_themselves_and_their_exit_codes() -> None:
    audit_help = invoke("audit", "--help").stdout
    assert "--checkpoint" in audit_help and "--key" in audit_help and "Exit codes:" in audit_help
    receipt_help = invoke("verify-receipt", "--help").stdout
    assert "0  the receipt is the log's" in receipt_help and "2  the command was used wrongly" in receipt_help


def test_the_readme_shows_each_verification_with_options_the_commands_have() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Verify the log as a tree\n")[1].split("\n### ")[0]
    for name in ("audit", "verify-receipt"):
        command = main.commands[name]
        assert f"policy-site {name} " in section, name
        options = {option for param in command.params for option in getattr(param, "opts", [])}
        documented = set(re.findall(r"--[a-z-]+", section))
        assert {option for option in options if option.startswith("--")} <= documented, name
    assert "`0` verified, `1` problems found" in section and "`2` the command was used wrongly" in section
