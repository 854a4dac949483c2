"""Auditor access: export and verify, behind CONSENT_ADMIN_TOKEN; tampering is detected."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest

from policy_core.checkpoint import open_checkpoint
from policy_core.note_keys import Verifier
from testbed.rfc9162 import rfc_mth


@pytest.fixture
def four_choices(client, make_body, storage):
    """Four choices from two visitors, in the tree; returns their 201 answers in order."""
    other = client.application.test_client()
    browsers = [(client, "accept_all"), (client, "custom"), (other, "reject_all"), (other, "withdraw")]
    answers = [b.post("/api/v1/consents", json=make_body(kind)).get_json() for b, kind in browsers]
    storage.integrate_all()
    return answers


def export_lines(client, admin_headers, query=""):
    response = client.get(f"/api/v1/audit/export{query}", headers=admin_headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def tamper(storage, *statements: str) -> None:
    with storage.engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def test_audit_endpoints_are_off_without_an_admin_token(make_app):
    app = make_app(CONSENT_ADMIN_TOKEN="")
    client = app.test_client()
    for path in ("/api/v1/audit/export", "/api/v1/audit/verify"):
        response = client.get(path, headers={"Authorization": "Bearer anything-at-all-123456"})
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "audit_disabled"


@pytest.mark.parametrize(
    "header",
    [None, "Bearer wrong-token-0123456789abcdef", "Basic dGVzdDp0ZXN0", "Bearer "],
)
def test_audit_endpoints_refuse_a_missing_or_wrong_token(client, header):
    headers = {"Authorization": header} if header else {}
    for path in ("/api/v1/audit/export", "/api/v1/audit/verify"):
        response = client.get(path, headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_export_streams_every_record_as_ndjson_in_leaf_order(client, admin_headers, four_choices):
    response = client.get("/api/v1/audit/export", headers=admin_headers)
    assert response.mimetype == "application/x-ndjson"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert [line["leaf_index"] for line in lines] == [0, 1, 2, 3]
    assert [line["hash"] for line in lines] == [answer["hash"] for answer in four_choices]
    assert set(lines[0]) == {
        "type",
        "id",
        "visitor",
        "recorded_at",
        "salt",
        "leaf_index",
        "hash",
        "action",
        "categories",
        "policy",
        "inventory",
        "source",
        "site",
    }
    assert lines[0]["type"] == "consent"


def test_an_auditor_can_recompute_every_hash_and_the_signed_root_from_the_export_alone(
        client, admin_headers, four_choices):
    lines = export_lines(client, admin_headers)
    for line in lines:
        without = {key: value for key, value in line.items() if key not in ("hash", "leaf_index")}
        assert hashlib.sha256(json.dumps(without, sort_keys=True, separators=(",", ":"),
                                         ensure_ascii=False).encode()).hexdigest() == line["hash"]
    verifier = Verifier.from_vkey(client.get("/api/v1/log/key").get_data(as_text=True))
    head = open_checkpoint(client.get("/api/v1/log/checkpoint").get_data(as_text=True), verifier)
    assert head.root == rfc_mth([bytes.fromhex(line["hash"]) for line in lines])


def test_export_filters_by_from_and_to_dates(client, admin_headers, four_choices, storage):
    tamper(
        storage,
        "UPDATE consent_records SET recorded_at = '2026-01-10T12:00:00.000000Z' WHERE leaf_index = 0",
    )

    def leaves(query):
        return [r["leaf_index"] for r in export_lines(client, admin_headers, query)]

    assert leaves("?from=2026-01-10&to=2026-01-10") == [0]
    assert 0 not in leaves("?from=2026-01-11")
    assert leaves("?to=2026-01-09") == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?from=yesterday", "from"),
        ("?to=2026-13-01", "to"),
        ("?from=20260101", "from"),
        ("?from=2026-02-01&to=2026-01-01", "from"),
        ("?format=xml", "format"),
        ("?to=", "to"),
        ("?from=", "from"),
        ("?to", "to"),
        ("?format=", "format"),
        ("?to=2026-W49-1", "to"),
        ("?from=2026-335", "from"),
        ("?from=2026-1-5", "from"),
        ("?to=2026-12-01%0A", "to"),
        ("?to=%D9%A2%D9%A0%D9%A2%D9%A6-12-01", "to"),
        ("?from=2026-12-01&from=2020-01-01", "from"),
        ("?format=csv&format=ndjson", "format"),
    ],
)
def test_export_refuses_a_parameter_empty_repeated_or_not_in_the_documented_form(
    client, admin_headers, four_choices, query, field
):
    response = client.get(f"/api/v1/audit/export{query}", headers=admin_headers)
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("invalid_parameter", field)
    assert error["message"].startswith(field)


@pytest.mark.parametrize("query", ["?form=csv", "?From=2026-12-01", "?from=2026-12-01&until=2026-12-31"])
def test_export_refuses_a_parameter_it_does_not_take(client, admin_headers, four_choices, query):
    response = client.get(f"/api/v1/audit/export{query}", headers=admin_headers)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "unknown_parameter"
    assert error["field"] in query
    assert "from, to, format" in error["message"]


def test_parameters_are_checked_only_once_the_token_is(client):
    response = client.get("/api/v1/audit/export?to=")
    assert response.status_code == 401


def test_export_as_csv(client, admin_headers, four_choices):
    response = client.get("/api/v1/audit/export?format=csv", headers=admin_headers)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [int(row["leaf_index"]) for row in rows] == [0, 1, 2, 3]
    assert rows[0]["action"] == "accept_all"
    assert json.loads(rows[0]["categories"]) == {"media": True, "necessary": True, "statistics": True}
    assert rows[1]["hash"] == four_choices[1]["hash"]


def test_verify_reports_an_intact_log_and_its_root(client, admin_headers, four_choices):
    response = client.get("/api/v1/audit/verify", headers=admin_headers)
    assert response.status_code == 200
    root = rfc_mth([bytes.fromhex(answer["hash"]) for answer in four_choices]).hex()
    assert response.get_json() == {"ok": True, "records": 4, "tree_size": 4, "root_hash": root}


def test_verify_of_an_empty_database(client, admin_headers):
    assert client.get("/api/v1/audit/verify", headers=admin_headers).get_json() == {
        "ok": True,
        "records": 0,
        "tree_size": 0,
        "root_hash": rfc_mth([]).hex(),
    }


TAMPERING = {
    "edited": (["UPDATE consent_records SET action = 'reject_all' WHERE leaf_index = 1"], 1),
    "edited categories": (
        [
            """UPDATE consent_records SET categories = '{"media":false,"necessary":true,"statistics":false}'
            WHERE leaf_index = 0"""
        ],
        0,
    ),
    "re-dated": (
        ["UPDATE consent_records SET recorded_at = '2025-01-01T00:00:00.000000Z' WHERE leaf_index = 2"],
        2,
    ),
    "reassigned to another visitor": (
        [
            "UPDATE consent_records SET visitor_id ="
            " (SELECT visitor_id FROM consent_records WHERE leaf_index = 3) WHERE leaf_index = 1"
        ],
        1,
    ),
    "deleted": (["DELETE FROM consent_records WHERE leaf_index = 1"], 1),
    "first deleted": (["DELETE FROM consent_records WHERE leaf_index = 0"], 0),
    "last deleted": (["DELETE FROM consent_records WHERE leaf_index = 3"], 3),
    "reordered": (
        [
            "UPDATE consent_records SET leaf_index = -2 WHERE leaf_index = 1",
            "UPDATE consent_records SET leaf_index = 1 WHERE leaf_index = 2",
            "UPDATE consent_records SET leaf_index = 2 WHERE leaf_index = -2",
        ],
        1,
    ),
}


@pytest.mark.parametrize("kind", TAMPERING)
def test_verify_names_the_first_broken_leaf(client, admin_headers, storage, four_choices, kind):
    statements, broken_at = TAMPERING[kind]
    tamper(storage, *statements)
    response = client.get("/api/v1/audit/verify", headers=admin_headers)
    assert response.status_code == 409
    report = response.get_json()
    assert report["ok"] is False
    assert report["broken_at"] == broken_at
    assert report["reason"]


@pytest.mark.parametrize("kind", ["edited", "deleted", "reordered"])
def test_the_cli_verify_exits_1_on_a_broken_log(runner, storage, four_choices, kind):
    statements, broken_at = TAMPERING[kind]
    tamper(storage, *statements)
    result = runner.invoke(args=["consent", "verify"])
    assert result.exit_code == 1
    assert json.loads(result.stdout.splitlines()[0])["broken_at"] == broken_at


def test_the_cli_verify_exits_0_on_an_intact_log(runner, four_choices):
    result = runner.invoke(args=["consent", "verify"])
    assert result.exit_code == 0, result.output
    root = rfc_mth([bytes.fromhex(answer["hash"]) for answer in four_choices]).hex()
    assert json.loads(result.stdout) == {"ok": True, "records": 4, "tree_size": 4, "root_hash": root}
