"""Retention: `flask consent purge` deletes old records and the chain still verifies."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from consent_testing import as_choice

from consent_service.credentials import new_visitor
from consent_service.storage import Storage

NOW = dt.datetime.now(dt.UTC)
FOUR_YEARS_AGO = NOW - dt.timedelta(days=4 * 365)
THREE_YEARS_AND_A_DAY_AGO = NOW - dt.timedelta(days=1096)
TWO_YEARS_AGO = NOW - dt.timedelta(days=2 * 365)


@pytest.fixture
def record_at(database_url, app, make_body):
    """Append a choice as if made at a given moment, through a Storage with a stopped clock."""

    def append(moment: dt.datetime, visitor=None) -> tuple[str, int]:
        body = make_body("accept_all")
        choice = as_choice(body)
        storage = Storage(app.config["CONSENT_DATABASE_URL"], clock=lambda: moment)
        try:
            if visitor is None:
                visitor = new_visitor()
                appended = storage.append_consent(
                    choice, visitor_id=visitor.id, new_secret_sha256=visitor.secret_sha256
                )
            else:
                appended = storage.append_consent(choice, visitor_id=visitor.id)
        finally:
            storage.dispose()
        return visitor, appended.sequence

    return append


def verify(client, admin_headers):
    response = client.get("/api/v1/audit/verify", headers=admin_headers)
    return response.status_code, response.get_json()


def export(client, admin_headers):
    body = client.get("/api/v1/audit/export", headers=admin_headers).get_data(as_text=True)
    return [json.loads(line) for line in body.splitlines()]


def test_purge_deletes_records_past_retention_and_leaves_a_checkpoint(
    runner, client, admin_headers, record_at, make_body
):
    old_visitor, _ = record_at(FOUR_YEARS_AGO)
    record_at(THREE_YEARS_AND_A_DAY_AGO, old_visitor)
    record_at(TWO_YEARS_AGO)
    client.post("/api/v1/consents", json=make_body("custom"))
    head_before = verify(client, admin_headers)[1]["head"]

    result = runner.invoke(args=["consent", "purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted 2 records" in result.output
    assert "1 visitors" in result.output

    lines = export(client, admin_headers)
    assert [(line["type"], line["sequence"]) for line in lines] == [
        ("consent", 3),
        ("consent", 4),
        ("checkpoint", 5),
    ]
    checkpoint = lines[-1]
    assert checkpoint["prev_hash"] == head_before
    assert checkpoint["purged"]["through_sequence"] == 2
    assert checkpoint["purged"]["count"] == 2
    assert checkpoint["purged"]["through_hash"] == lines[0]["prev_hash"]
    assert "visitor" not in checkpoint
    assert verify(client, admin_headers) == (200, {"ok": True, "records": 3, "head": checkpoint["hash"]})


def test_the_chain_keeps_verifying_after_more_choices_and_a_second_purge(
    runner, client, admin_headers, record_at, make_body
):
    record_at(FOUR_YEARS_AGO)
    runner.invoke(args=["consent", "purge"])
    client.post("/api/v1/consents", json=make_body("reject_all"))
    assert verify(client, admin_headers)[0] == 200

    result = runner.invoke(args=["consent", "purge", "--days", "0"])
    assert result.exit_code == 0, result.output
    lines = export(client, admin_headers)
    assert [line["type"] for line in lines] == ["checkpoint"]
    assert verify(client, admin_headers)[0] == 200
    assert runner.invoke(args=["consent", "verify"]).exit_code == 0

    client.post("/api/v1/consents", json=make_body("accept_all"))
    assert verify(client, admin_headers)[1]["records"] == 2


def test_a_purged_visitor_credential_no_longer_opens_a_log(app, runner, record_at):
    visitor, _ = record_at(FOUR_YEARS_AGO)
    browser = app.test_client()
    bearer = {"Authorization": f"Bearer {visitor.credential}"}
    assert browser.get("/api/v1/me/consents", headers=bearer).status_code == 200
    runner.invoke(args=["consent", "purge"])
    assert browser.get("/api/v1/me/consents", headers=bearer).status_code == 401


def test_purge_with_nothing_old_changes_nothing(runner, client, admin_headers, make_body):
    client.post("/api/v1/consents", json=make_body())
    before = verify(client, admin_headers)
    result = runner.invoke(args=["consent", "purge"])
    assert "Deleted 0 records" in result.output
    assert verify(client, admin_headers) == before


def test_a_dry_run_reports_and_deletes_nothing(runner, client, admin_headers, record_at):
    record_at(FOUR_YEARS_AGO)
    record_at(TWO_YEARS_AGO)
    result = runner.invoke(args=["consent", "purge", "--dry-run"])
    assert result.exit_code == 0
    assert "Would delete 1 records" in result.output
    assert len(export(client, admin_headers)) == 2


def test_retention_follows_consent_retention_days(make_app, record_at):
    record_at(TWO_YEARS_AGO)
    app = make_app(CONSENT_RETENTION_DAYS="365")
    result = app.test_cli_runner().invoke(args=["consent", "purge"])
    assert re.search(r"Deleted 1 records made before \d{4}-\d\d-\d\d", result.output)


def test_purged_chain_tampering_is_still_detected(runner, client, admin_headers, record_at, storage):
    record_at(FOUR_YEARS_AGO)
    record_at(NOW)
    record_at(NOW)
    runner.invoke(args=["consent", "purge"])
    with storage.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM consent_records WHERE sequence = 2")
    status, report = verify(client, admin_headers)
    assert (status, report["broken_at"]) == (409, 2)
