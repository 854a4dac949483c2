"""Upgrading a consent database made while the log was a hash chain: one command (``init-db``)
makes the chain's records the tree's first leaves, in chain order, with their hashes
unchanged, and the upgraded log verifies."""

from __future__ import annotations

import json

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from consent_service.schema_upgrade import alembic_config
from consent_service.services import services
from policy_core.chain import GENESIS_HASH, record_hash
from policy_core.checkpoint import open_checkpoint
from testbed.rfc9162 import rfc_mth


def chain_records(count: int, *, with_checkpoint: bool = True) -> list[dict]:
    """Records as the chain service made them: sequence, prev_hash, hash over both; the
    oldest purged, leaving a checkpoint (as its purge did)."""
    records, prev = [], GENESIS_HASH
    first = 4 if with_checkpoint else 1
    if with_checkpoint:
        checkpoint = {"type": "checkpoint", "id": "00000000-0000-4000-8000-000000000003", "sequence": 3,
                      "recorded_at": "2025-01-01T00:00:00.000000Z",
                      "purged": {"before": "2024-12-01T00:00:00.000000Z", "count": 2,
                                 "through_sequence": 2, "through_hash": "ab" * 32},
                      "prev_hash": "cd" * 32}
        checkpoint["hash"] = record_hash(checkpoint)
        records.append(checkpoint)
        prev = checkpoint["hash"]
    for sequence in range(first, first + count):
        record = {"type": "consent", "id": f"00000000-0000-4000-8000-{sequence:012d}", "sequence": sequence,
                  "visitor": None, "recorded_at": f"2025-06-01T00:00:{sequence % 60:02d}.000000Z",
                  "action": "reject_all", "categories": {"necessary": True, "statistics": False},
                  "policy": {"version": "2026-11-01", "language": "sv", "sha256": "12" * 32},
                  "inventory": "34" * 32, "source": "banner", "prev_hash": prev}
        record["hash"] = record_hash(record)
        records.append(record)
        prev = record["hash"]
    return records


def write_chain(url: str, records: list[dict], *, schema: str) -> None:
    """A database as the chain service left it: Alembic's 0001, or its own schema 1."""
    engine = create_engine(url)
    with engine.begin() as conn:
        if schema == "0001":
            command.upgrade(alembic_config(conn), "0001")
        else:
            conn.execute(text("CREATE TABLE visitors (id VARCHAR(32) PRIMARY KEY, secret_sha256 VARCHAR(64) "
                              "NOT NULL, created_at VARCHAR(27) NOT NULL)"))
            conn.execute(text(
                "CREATE TABLE consent_records (sequence BIGINT PRIMARY KEY, id VARCHAR(36) NOT NULL, "
                "type VARCHAR(16) NOT NULL, visitor_id VARCHAR(32) REFERENCES visitors (id), "
                "recorded_at VARCHAR(27) NOT NULL, action VARCHAR(16), categories TEXT, "
                "policy_version VARCHAR(10), policy_language VARCHAR(8), policy_sha256 VARCHAR(64), "
                "inventory_sha256 VARCHAR(64), source VARCHAR(16), purged TEXT, "
                "prev_hash VARCHAR(64) NOT NULL, hash VARCHAR(64) NOT NULL)"))
            conn.execute(text("CREATE TABLE chain_head (id INTEGER PRIMARY KEY, sequence BIGINT NOT NULL, "
                              "hash VARCHAR(64) NOT NULL)"))
            conn.execute(text("CREATE TABLE schema_info (id INTEGER PRIMARY KEY, version INTEGER NOT NULL)"))
            conn.execute(text("INSERT INTO schema_info VALUES (1, 1)"))
            conn.execute(text("INSERT INTO chain_head VALUES (1, 0, :genesis)"), {"genesis": GENESIS_HASH})
        for record in records:
            row = {"sequence": record["sequence"], "id": record["id"], "type": record["type"],
                   "recorded_at": record["recorded_at"], "prev_hash": record["prev_hash"],
                   "hash": record["hash"], "visitor_id": None, "action": None, "categories": None,
                   "policy_version": None, "policy_language": None, "policy_sha256": None,
                   "inventory_sha256": None, "source": None, "purged": None}
            if record["type"] == "checkpoint":
                row["purged"] = json.dumps(record["purged"], sort_keys=True, separators=(",", ":"))
            else:
                row.update(action=record["action"], policy_version=record["policy"]["version"],
                           categories=json.dumps(record["categories"], sort_keys=True, separators=(",", ":")),
                           policy_language=record["policy"]["language"],
                           policy_sha256=record["policy"]["sha256"], inventory_sha256=record["inventory"],
                           source=record["source"])
            conn.execute(text(
                "INSERT INTO consent_records (sequence, id, type, visitor_id, recorded_at, action, "
                "categories, policy_version, policy_language, policy_sha256, inventory_sha256, source, "
                "purged, "
                "prev_hash, hash) VALUES (:sequence, :id, :type, :visitor_id, :recorded_at, :action, "
                ":categories, :policy_version, :policy_language, :policy_sha256, :inventory_sha256, "
                ":source, :purged, :prev_hash, :hash)"), row)
        last = records[-1]
        conn.execute(text("UPDATE chain_head SET sequence = :s, hash = :h"),
                     {"s": last["sequence"], "h": last["hash"]})
    engine.dispose()


@pytest.fixture
def chain_app(app_config, database_url):
    """An app over a database that is not initialised: the test writes a chain there first."""
    from consent_service.app import create_app

    created = []

    def make():
        application = create_app(app_config)
        created.append(application)
        return application

    yield make
    for application in created:
        services(application).storage.dispose()


@pytest.mark.parametrize("schema", ["0001", "chain schema 1"])
def test_init_db_makes_the_chains_records_the_first_leaves_in_order_and_verifies(
        chain_app, database_url, schema, make_body) -> None:
    records = chain_records(40)
    write_chain(database_url, records, schema=schema)
    app = chain_app()
    result = app.test_cli_runner().invoke(args=["consent", "init-db"])
    assert result.exit_code == 0, result.output
    assert "Upgraded the schema from 0001 to revision 0002" in result.output
    assert "the tree has 41 records" in result.output
    storage = services(app).storage
    exported = list(storage.iter_records())
    assert [r["leaf_index"] for r in exported] == list(range(41))
    assert [{k: v for k, v in r.items() if k != "leaf_index"} for r in exported] == records
    verifier = storage.signer().verifier
    head = open_checkpoint(storage.checkpoint().note, verifier)
    assert (head.size, head.root) == (41, rfc_mth([bytes.fromhex(r["hash"]) for r in records]))
    assert storage.verify().ok
    answer = app.test_client().post("/api/v1/consents", json=make_body("reject_all"))
    assert answer.status_code == 201, answer.get_json()
    storage.integrate_all()
    newest = list(storage.iter_records())[-1]
    assert (newest["id"], newest["leaf_index"]) == (answer.get_json()["id"], 41)
    assert "sequence" not in newest and len(newest["salt"]) == 32


def test_init_db_again_changes_nothing(chain_app, database_url) -> None:
    write_chain(database_url, chain_records(5), schema="0001")
    app = chain_app()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["consent", "init-db"]).exit_code == 0
    storage = services(app).storage
    before = (list(storage.iter_records()), storage.checkpoint())
    again = runner.invoke(args=["consent", "init-db"])
    assert again.exit_code == 0 and "Upgraded" not in again.output
    assert (list(storage.iter_records()), storage.checkpoint()) == before


def test_a_tampered_chain_is_reported_by_the_upgrade_not_hidden(chain_app, database_url) -> None:
    records = chain_records(6)
    records[3]["action"] = "accept_all"  # edited after it was hashed
    write_chain(database_url, records, schema="0001")
    result = chain_app().test_cli_runner().invoke(args=["consent", "init-db"])
    assert result.exit_code == 1
    assert "does not verify at leaf 3" in result.output


def test_a_database_from_a_newer_service_is_refused(chain_app, database_url) -> None:
    write_chain(database_url, chain_records(2), schema="0001")
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    result = chain_app().test_cli_runner().invoke(args=["consent", "init-db"])
    assert result.exit_code == 2
    assert "0099" in result.output and "upgrade the service" in result.output


def test_the_tree_does_not_downgrade_to_a_chain_and_says_to_restore_the_backup(app) -> None:
    storage = services(app).storage
    with storage.engine.begin() as conn, pytest.raises(RuntimeError, match="restore the backup"):
        command.downgrade(alembic_config(conn), "0001")
