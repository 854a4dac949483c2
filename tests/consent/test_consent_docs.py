"""The README section stays true: every setting, command and error code is documented, the
worked example hashes as stated, and the auditor's script verifies a real export."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from consent_service.cli import consent as consent_commands
from consent_service.config import SETTINGS
from policy_core.checkpoint import open_checkpoint
from policy_core.log_record import record_hash
from policy_core.merkle import leaf_hash
from policy_core.note_keys import Verifier
from policy_core.receipt import verify_receipt

PACKAGE = Path(__file__).resolve().parents[2] / "consent_service"
README = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
ERROR_CODE = re.compile(
    r"(?:ApiError|InvalidBody|InvalidChoice|InvalidKey|InvalidParameter|Unauthorized|ServiceUnavailable)\(\s*\"([a-z_]+)\""
)


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.DOTALL)


def auditor_script() -> str:
    [script] = [block for block in code_blocks("python") if "hashlib" in block]
    return script


@pytest.mark.parametrize("name", [setting.name for setting in SETTINGS])
def test_every_setting_is_in_the_configuration_table(name):
    assert re.search(rf"^\| `{name}` \|", README, re.MULTILINE)


@pytest.mark.parametrize("setting", [s for s in SETTINGS if s.default != ""], ids=lambda s: s.name)
def test_the_configuration_table_gives_each_settings_real_default(setting):
    """A default written as a value is the one the service has; an empty one (a file in the
    instance folder, no origins) is said in words."""
    [row] = re.findall(rf"^\| `{setting.name}` \| ([^|]+) \|", README, re.MULTILINE)
    assert row.split(" (")[0].strip() == ("unset" if setting.default is None else f"`{setting.default}`")


@pytest.mark.parametrize("command", sorted(consent_commands.commands))
def test_every_operator_command_is_documented(command):
    assert f"consent {command}" in README


def test_every_error_code_raised_is_in_the_error_table():
    raised = set()
    for path in PACKAGE.glob("*.py"):
        raised |= set(ERROR_CODE.findall(path.read_text(encoding="utf-8")))
    raised |= {"not_found", "method_not_allowed", "rate_limited", "internal_error"}
    documented = set(re.findall(r"`([a-z_]+)`", README.split("#### Errors")[1].split("####")[0]))
    assert raised <= documented, sorted(raised - documented)


def test_the_worked_example_hashes_to_the_stated_hash():
    [example] = [block for block in code_blocks("json") if '"salt"' in block]
    stated = re.search(r"gives\n`([0-9a-f]{64})`", README).group(1)
    record = json.loads(example)
    assert hashlib.sha256(example.strip().encode("utf-8")).hexdigest() == stated
    assert record_hash({**record, "hash": "anything"}) == stated


def test_the_retention_default_is_the_one_documented():
    [default] = [s.default for s in SETTINGS if s.name == "CONSENT_RETENTION_DAYS"]
    assert f"**{default} days" in README


def test_the_format_examples_are_signed_by_the_example_key_and_prove_the_example_record():
    [vkey] = re.findall(r"`(consent\.example\.se/log\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+)`", README)
    verifier = Verifier.from_vkey(vkey)
    [note] = [block for block in code_blocks("text") if block.startswith("consent.example.se/log\n1\n")]
    head = open_checkpoint(note, verifier)
    stated = re.search(r"gives\n`([0-9a-f]{64})`", README).group(1)
    assert (head.size, head.root) == (1, leaf_hash(bytes.fromhex(stated)))
    [receipt] = [json.loads(block) for block in code_blocks("text") if block.startswith('{"origin"')]
    assert receipt["hash"] == stated
    verify_receipt(receipt, verifier)


@pytest.fixture
def export(client, admin_headers, make_body, runner, storage, tmp_path):
    """A real export with a purge in it: three choices, purge all, two more choices; and the
    log's checkpoint, saved to a file as an auditor would."""
    for kind in ("accept_all", "custom", "reject_all"):
        client.post("/api/v1/consents", json=make_body(kind))
    storage.integrate_all()
    runner.invoke(args=["consent", "purge", "--days", "0"])
    for kind in ("withdraw", "custom"):
        client.post("/api/v1/consents", json=make_body(kind))
    storage.integrate_all()
    (tmp_path / "checkpoint.txt").write_text(client.get("/api/v1/log/checkpoint").get_data(as_text=True))
    return client.get("/api/v1/audit/export", headers=admin_headers).get_data(as_text=True)


def run_auditor_script(tmp_path: Path, export: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "check_log.py"
    script.write_text(auditor_script(), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-I", str(script), str(tmp_path / "checkpoint.txt")], input=export,
        capture_output=True, text=True, timeout=30
    )


def test_the_auditor_script_verifies_a_real_export(tmp_path, export):
    result = run_auditor_script(tmp_path, export)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: 5 leaves; the first 5 make the checkpoint's root")


@pytest.mark.parametrize("edit", ["content", "order", "deletion", "rewritten"])
def test_the_auditor_script_rejects_a_tampered_export(tmp_path, export, edit):
    lines = export.splitlines()
    records = [json.loads(line) for line in lines]
    if edit == "content":
        lines[3] = lines[3].replace('"withdraw"', '"accept_all"')
    elif edit == "order":
        lines[3], lines[4] = lines[4], lines[3]
    elif edit == "deletion":
        del lines[3]
    else:  # edited and hashed again: only the signed root shows it
        record = {**records[3], "action": "accept_all"}
        record["hash"] = record_hash(record)
        lines[3] = json.dumps(record)
    result = run_auditor_script(tmp_path, "\n".join(lines) + "\n")
    assert result.returncode != 0
    said = {"content": "content does not match its hash", "order": "leaf 3 expected, found leaf 4",
            "deletion": "leaf 3 expected, found leaf 4", "rewritten": "the log was changed"}[edit]
    assert said in result.stderr
