"""Retention: `flask consent purge` deletes the content of old records; their leaf hashes stay, so
the tree and every proof still verify."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from consent_service.credentials import new_visitor
from consent_service.storage import Storage
from testbed.consent import as_choice

NOW = dt.datetime.now(dt.UTC)
FOUR_YEARS_AGO = NOW - dt.timedelta(days=4 * 365)
THREE_YEARS_AND_A_DAY_AGO = NOW - dt.timedelta(days=1096)
TWO_YEARS_AGO = NOW - dt.timedelta(days=2 * 365)


@pytest.fixture
def record_at(database_url, app, make_body, storage):
    """Append a choice as if made at a given moment, through a Storage with a stopped clock, and
    integrate it (the log is in time order, as it is when choices arrive day after day)."""

    def append(moment: dt.datetime, visitor=None) -> tuple[str, str]:
        body = make_body("accept_all")
        choice = as_choice(body)
        stopped = Storage(app.config["CONSENT_DATABASE_URL"], key_file=storage.key_file, clock=lambda: moment)
        try:
            if visitor is None:
                visitor = new_visitor()
                appended = stopped.append_consent(
                    choice, visitor_id=visitor.id, new_secret_sha256=visitor.secret_sha256
                )
            else:
                appended = stopped.append_consent(choice, visitor_id=visitor.id)
        finally:
            stopped.dispose()
        storage.integrate_all()
        return visitor, appended.id

    return append


def verify(client, admin_headers):
    response = client.get("/api/v1/audit/verify", headers=admin_headers)
    return response.status_code, response.get_json()


def export(client, admin_headers):
    body = client.get("/api/v1/audit/export", headers=admin_headers).get_data(as_text=True)
    return [json.loads(line) for line in body.splitlines()]


def test_purge_deletes_the_content_of_records_past_retention_and_keeps_their_leaves(
    runner, client, admin_headers, record_at, make_body, storage
):
    old_visitor, _ = record_at(FOUR_YEARS_AGO)
    record_at(THREE_YEARS_AND_A_DAY_AGO, old_visitor)
    record_at(TWO_YEARS_AGO)
    client.post("/api/v1/consents", json=make_body("custom"))
    storage.integrate_all()
    before = export(client, admin_headers)
    verified_before = verify(client, admin_headers)

    result = runner.invoke(args=["consent", "purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted the content of 2 records" in result.output
    assert "1 visitors" in result.output

    lines = export(client, admin_headers)
    assert lines[:2] == [{"leaf_index": i, "hash": before[i]["hash"], "purged": True} for i in (0, 1)]
    assert lines[2:] == before[2:]
    assert verify(client, admin_headers) == verified_before, "the tree and its root are unchanged"


def test_the_log_keeps_verifying_after_more_choices_and_a_second_purge(
    runner, client, admin_headers, record_at, make_body, storage
):
    record_at(FOUR_YEARS_AGO)
    runner.invoke(args=["consent", "purge"])
    client.post("/api/v1/consents", json=make_body("reject_all"))
    storage.integrate_all()
    assert verify(client, admin_headers)[0] == 200

    result = runner.invoke(args=["consent", "purge", "--days", "0"])
    assert result.exit_code == 0, result.output
    lines = export(client, admin_headers)
    assert [line.get("purged") for line in lines] == [True, True]
    assert verify(client, admin_headers)[0] == 200
    assert runner.invoke(args=["consent", "verify"]).exit_code == 0

    client.post("/api/v1/consents", json=make_body("accept_all"))
    storage.integrate_all()
    assert verify(client, admin_headers)[1]["records"] == 3


def test_a_purged_visitor_credential_no_longer_opens_a_log(app, runner, record_at):
    visitor, _ = record_at(FOUR_YEARS_AGO)
    browser = app.test_client()
    bearer = {"Authorization": f"Bearer {visitor.credential}"}
    assert browser.get("/api/v1/me/consents", headers=bearer).status_code == 200
    runner.invoke(args=["consent", "purge"])
    assert browser.get("/api/v1/me/consents", headers=bearer).status_code == 401


def test_purge_with_nothing_old_changes_nothing(runner, client, admin_headers, make_body, storage):
    client.post("/api/v1/consents", json=make_body())
    storage.integrate_all()
    before = (verify(client, admin_headers), export(client, admin_headers))
    result = runner.invoke(args=["consent", "purge"])
    assert "Deleted the content of 0 records" in result.output
    assert (verify(client, admin_headers), export(client, admin_headers)) == before


def test_a_dry_run_reports_and_deletes_nothing(runner, client, admin_headers, record_at):
    record_at(FOUR_YEARS_AGO)
    record_at(TWO_YEARS_AGO)
    before = export(client, admin_headers)
    result = runner.invoke(args=["consent", "purge", "--dry-run"])
    assert result.exit_code == 0
    assert "Would delete the content of 1 records" in result.output
    assert export(client, admin_headers) == before


def test_retention_follows_consent_retention_days(make_app, record_at):
    record_at(TWO_YEARS_AGO)
    app = make_app(CONSENT_RETENTION_DAYS="365")
    result = app.test_cli_runner().invoke(args=["consent", "purge"])
    assert re.search(r"Deleted the content of 1 records made before \d{4}-\d\d-\d\d", result.output)


@pytest.mark.parametrize("statement, broken_at", [
    ("DELETE FROM consent_records WHERE leaf_index = 1", 1),
    ("DELETE FROM consent_records WHERE leaf_index = 0", 0),
    ("UPDATE consent_records SET hash = '" + "0" * 64 + "' WHERE leaf_index = 0", 0),
])
def test_tampering_with_purged_or_kept_leaves_is_still_detected(
        runner, client, admin_headers, record_at, storage, statement, broken_at):
    record_at(FOUR_YEARS_AGO)
    record_at(NOW)
    record_at(NOW)
    runner.invoke(args=["consent", "purge"])
    assert verify(client, admin_headers)[0] == 200
    with storage.engine.begin() as conn:
        conn.exec_driver_sql(statement)
    status, report = verify(client, admin_headers)
    assert (status, report["broken_at"]) == (409, broken_at)
