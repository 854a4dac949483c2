"""Backups: ``flask consent backup`` copies SQLite while the service runs, ``restore-check``
verifies a copy as an auditor would, and a PostgreSQL dump restores and verifies with
``pg_dump``/``pg_restore`` and ``flask consent verify``.

The commands run as operators run them, in their own processes with the service's environment.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from consent_service.storage import Storage
from testbed import REPO
from testbed.consent import as_choice

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def consent(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """``flask --app consent_service.app consent ARGS`` with the service's settings."""
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("CONSENT_")}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "consent_service.app", "consent", *args],
                          cwd=REPO, env={**inherited, **environment}, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def settings(app_config: dict) -> dict[str, str]:
    return {key: str(value) for key, value in app_config.items() if key.startswith("CONSENT_")}


def append(storage: Storage, bodies: list[dict], visitor: str) -> None:
    """Record ``bodies`` from one new visitor."""
    for index, body in enumerate(bodies):
        storage.append_consent(as_choice(body), visitor_id=visitor,
                               new_secret_sha256="e" * 64 if index == 0 else None)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@SQLITE_ONLY
def test_a_backup_taken_while_the_service_appends_is_a_tree_the_live_log_signed(
    start_gunicorn, http, make_body, settings, tmp_path: Path
) -> None:
    server = start_gunicorn(workers=2)
    answered: dict[str, int] = {}
    stop = threading.Event()

    def keep_appending() -> None:
        while not stop.is_set():
            status, _, body = http("POST", f"{server.url}/api/v1/consents", make_body("accept_all"))
            assert status == 201
            answered[body["hash"]] = body["id"]

    writers = [threading.Thread(target=keep_appending) for _ in range(3)]
    for writer in writers:
        writer.start()
    try:
        while len(answered) < 20:
            threading.Event().wait(0.05)
        result = consent(settings, "backup", str(tmp_path / "consent.backup.sqlite3"))
        more = len(answered)
        while len(answered) < more + 20:
            threading.Event().wait(0.05)
    finally:
        stop.set()
        for writer in writers:
            writer.join()

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True
    backup = tmp_path / "consent.backup.sqlite3"
    with contextlib.closing(sqlite3.connect(backup)) as copy:
        copied = [row[0] for row in copy.execute("SELECT hash FROM consent_records")]
    assert set(copied) <= set(answered), "the copy holds only records the service had committed"
    assert len(copied) < len(answered), "the service went on appending during the backup"
    live = make_url(settings["CONSENT_DATABASE_URL"]).database
    with contextlib.closing(sqlite3.connect(live)) as service:
        signed = service.execute("SELECT root_hash FROM log_checkpoints WHERE tree_size = ?",
                                 (report["tree_size"],)).fetchone()
    assert signed == (report["root_hash"],), "the copy's tree is one the live log signed"
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600, "it holds the hashes of visitors' secrets"
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith("consent.backup")) == [
        "consent.backup.sqlite3"], "one self-contained file, no -wal beside it"

    check = consent(settings, "restore-check", str(backup))
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout) == {"backup": str(backup), **report}


@SQLITE_ONLY
def test_restore_check_names_an_edited_record_and_never_writes_to_the_backup(
    storage, make_body, settings, tmp_path: Path
) -> None:
    append(storage, [make_body(kind) for kind in ("accept_all", "custom", "reject_all")], "a" * 32)
    storage.integrate_all()
    folder = tmp_path / "backups"
    folder.mkdir()
    backup = folder / "backup.sqlite3"
    assert consent(settings, "backup", str(backup)).returncode == 0
    with sqlite3.connect(backup) as connection:
        connection.execute("UPDATE consent_records SET action = 'reject_all' WHERE leaf_index = 1")
    connection.close()
    os.chmod(backup, 0o400)
    before = digest(backup)

    result = consent(settings, "restore-check", str(backup))

    assert result.returncode == 1
    assert json.loads(result.stdout)["broken_at"] == 1
    assert "the log does not verify at leaf 1" in result.stderr
    assert digest(backup) == before
    assert sorted(path.name for path in folder.iterdir()) == ["backup.sqlite3"]


@SQLITE_ONLY
def test_restore_check_refuses_what_is_not_a_consent_database(settings, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 100, encoding="utf-8")
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()

    for path, said in ((text, "cannot be read as a SQLite database"), (empty, "holds no consent log")):
        result = consent(settings, "restore-check", str(path))
        assert result.returncode == 1, result.stdout
        assert said in result.stderr
        assert "Traceback" not in result.stderr


@SQLITE_ONLY
def test_a_backup_never_overwrites_a_file(settings, tmp_path: Path) -> None:
    existing = tmp_path / "consent.sqlite3.bak"
    existing.write_text("yesterday's backup", encoding="utf-8")
    result = consent(settings, "backup", str(existing))
    assert result.returncode == 2
    assert "exists: give the backup a new name" in result.stderr
    assert existing.read_text(encoding="utf-8") == "yesterday's backup"


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgresql_backups_are_left_to_pg_dump(settings, tmp_path: Path) -> None:
    result = consent(settings, "backup", str(tmp_path / "consent.dump"))
    assert result.returncode == 2
    assert "back it up with pg_dump" in result.stderr
    assert not (tmp_path / "consent.dump").exists()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_pg_dump_restores_with_pg_restore_and_verifies(
    postgres_server, storage, make_body, settings, database_url: str, tmp_path: Path
) -> None:
    """The README's PostgreSQL backup and restore commands, against a real server."""
    append(storage, [make_body(kind) for kind in ("accept_all", "custom", "withdraw")], "c" * 32)
    storage.integrate_all()
    original = storage.verify()
    dump = tmp_path / "consent.dump"
    bindir = postgres_server.bindir
    restored = postgres_server.url("consent_restored")
    with psycopg.connect(postgres_server.url(), autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS consent_restored")
        connection.execute("CREATE DATABASE consent_restored")

    for command in ([str(bindir / "pg_dump"), "--format=custom", f"--file={dump}", database_url],
                    [str(bindir / "pg_restore"), "--no-owner", f"--dbname={restored}", str(dump)]):
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr

    verify = consent({**settings, "CONSENT_DATABASE_URL": restored}, "verify")
    assert verify.returncode == 0, verify.stderr
    assert json.loads(verify.stdout) == {"ok": True, "records": 3, "tree_size": 3,
                                         "root_hash": original.root_hash}
    copy = Storage(restored)
    try:
        assert [r["hash"] for r in copy.iter_records()] == [r["hash"] for r in storage.iter_records()]
    finally:
        copy.dispose()
