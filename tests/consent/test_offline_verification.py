"""End to end: what the service hands out verifies offline with the ``policy-site`` commands, as
an auditor or a visitor would run them, with nothing but the files and the log's vkey."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from policy_core.log_record import record_hash
from policy_site.cli import main

REAL = {
    "categories": {"necessary": True, "statistics": True, "media": False},
    "policy": {"version": "2026-11-01", "language": "sv",
               "sha256": "64ee6de64c1857fa8a1dad24bf94f2e2ee5164e1f84fb2412e59c4a15aa46f92",
               "text_sha256": "fec9a0b5d2af9d58ae4f1d45fc6a62bb955701ba9e8f3431b3f38a7d2d5262fb"},
    "inventory": "5cf25d142cd2921f0983cc69d0adc2390d5b524ceab6dae2adbfe5b890cf2a13",
    "source": "banner",
}


@pytest.fixture(scope="module")
def site_dir(built_site: Path) -> Path:
    """The site built from this repository's sources: the choices name its real versions."""
    return built_site


@pytest.fixture
def saved(client, storage, admin_headers, tmp_path) -> dict[str, Path]:
    """Choices, a checkpoint saved early, more choices, a later checkpoint, the export and the key."""
    files = {"key": tmp_path / "log.vkey", "early": tmp_path / "early.txt", "late": tmp_path / "late.txt",
             "export": tmp_path / "export.ndjson", "receipt": tmp_path / "receipt.json"}
    first = client.post("/api/v1/consents", json={**REAL, "action": "custom"}).get_json()
    storage.integrate_all()
    files["early"].write_text(client.get("/api/v1/log/checkpoint").get_data(as_text=True))
    for action, media in (("accept_all", True), ("custom", False)):
        body = {**REAL, "action": action, "categories": {**REAL["categories"], "media": media}}
        assert client.post("/api/v1/consents", json=body).status_code == 201
    storage.integrate_all()
    files["late"].write_text(client.get("/api/v1/log/checkpoint").get_data(as_text=True))
    files["key"].write_text(client.get("/api/v1/log/key").get_data(as_text=True))
    files["export"].write_bytes(client.get("/api/v1/audit/export", headers=admin_headers).get_data())
    files["receipt"].write_bytes(client.get(f"/api/v1/me/consents/{first['id']}/receipt").get_data())
    return files


def audit(saved: dict[str, Path], site: Path) -> object:
    return CliRunner().invoke(main, ["audit", str(saved["export"]), "--site", str(site),
                                     "--key", str(saved["key"]), "--checkpoint", str(saved["early"]),
                                     "--checkpoint", str(saved["late"])])


def test_the_services_export_audits_clean_against_the_checkpoints_it_signed(saved, site_dir) -> None:
    result = audit(saved, site_dir)
    assert result.exit_code == 0, result.output


def test_a_record_rewritten_in_the_export_fails_the_audit_by_the_earlier_checkpoint(saved, site_dir) -> None:
    lines = saved["export"].read_text().splitlines()
    first = json.loads(lines[0])
    first["action"] = "accept_all"
    first["categories"]["media"] = True
    first["hash"] = record_hash(first)
    saved["export"].write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    result = audit(saved, site_dir)
    assert result.exit_code == 1
    assert "early.txt" in result.output


def test_the_visitors_downloaded_receipt_verifies_with_the_logs_key(saved) -> None:
    result = CliRunner().invoke(main, ["verify-receipt", str(saved["receipt"]), "--key", str(saved["key"])])
    assert result.exit_code == 0, result.output
    receipt = json.loads(saved["receipt"].read_text())
    receipt["hash"] = "0" * 64
    saved["receipt"].write_text(json.dumps(receipt))
    forged = CliRunner().invoke(main, ["verify-receipt", str(saved["receipt"]), "--key", str(saved["key"])])
    assert forged.exit_code == 1
