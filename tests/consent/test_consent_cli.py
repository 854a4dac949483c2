"""Operator commands and the database's life cycle: init-db, export, health."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

from sqlalchemy import inspect

from consent_service.app import create_app
from consent_service.services import services
from consent_service.storage import Storage
from testbed import REPO


def test_init_db_creates_the_tables_and_is_harmless_to_repeat(runner, storage, client, make_body):
    client.post("/api/v1/consents", json=make_body())
    for _ in range(2):
        result = runner.invoke(args=["consent", "init-db"])
        assert result.exit_code == 0, result.output
        assert "Consent database ready" in result.output
    assert {"visitors", "consent_records", "log_tiles", "log_checkpoints", "log_state",
            "alembic_version"} <= set(
        inspect(storage.engine).get_table_names()
    )
    assert len(list(storage.iter_records())) == 1


def test_sqlite_runs_in_wal_mode_with_full_synchronous(tmp_path):
    storage = Storage(f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    storage.init_schema()
    with storage.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL survives power loss
    storage.dispose()


def test_requests_before_init_db_say_what_to_run(make_app, tmp_path, make_body):
    app = make_app(CONSENT_DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    services(app).storage.dispose()
    (tmp_path / "fresh.sqlite3").unlink()
    client = app.test_client()
    response = client.post("/api/v1/consents", json=make_body())
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "database_not_initialised"
    assert "init-db" in error["message"]
    health = client.get("/api/v1/health")
    assert health.status_code == 503
    assert health.get_json()["database"]["ok"] is False


def test_health_reports_process_database_and_site(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    health = response.get_json()
    assert health["status"] == "ok"
    assert health["database"]["ok"] is True
    assert health["database"]["backend"] in ("sqlite", "postgresql")
    assert health["site"] == {"ok": True, "current": "2026-03-01"}


def test_an_unreachable_database_is_reported_not_raised():
    broken = create_app(
        {
            "CONSENT_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none",
            "CONSENT_SITE_DIR": "/nonexistent",
        }
    )
    result = broken.test_cli_runner().invoke(args=["consent", "init-db"])
    assert result.exit_code == 2
    assert "consent database failed" in result.output
    health = broken.test_client().get("/api/v1/health")
    assert health.status_code == 503
    assert health.get_json()["database"]["ok"] is False
    services(broken).storage.dispose()


def test_cli_export_writes_the_same_ndjson_as_the_audit_endpoint(runner, client, admin_headers, make_body):
    client.post("/api/v1/consents", json=make_body("accept_all"))
    client.post("/api/v1/consents", json=make_body("withdraw"))
    result = runner.invoke(args=["consent", "export"])
    assert result.exit_code == 0, result.output
    api = client.get("/api/v1/audit/export", headers=admin_headers).get_data(as_text=True)
    assert result.stdout == api
    assert [json.loads(line)["action"] for line in result.stdout.splitlines()] == ["accept_all", "withdraw"]


def test_the_readme_run_commands_work_from_a_shell(tmp_path, site_dir):
    """`flask --app consent_service.app consent init-db` as the run target calls it."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CONSENT_")},
        "PYTHONPATH": str(REPO),
        "CONSENT_SITE_DIR": str(site_dir),
        "CONSENT_DATABASE_URL": f"sqlite:///{tmp_path / 'shell.sqlite3'}",
    }
    flask = [sys.executable, "-m", "flask", "--app", "consent_service.app", "consent"]
    for command in ("init-db", "init-db", "verify"):
        result = subprocess.run([*flask, command], cwd=REPO, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"ok": True, "records": 0, "tree_size": 0,
                                         "root_hash": hashlib.sha256(b"").hexdigest()}
