"""A refusal leaves no identifier: a choice that allows no optional category, from a browser
without a visitor id, is recorded without one. Only a choice that allows an optional category
creates a visitor; a visitor who has one keeps every later choice under it."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re

import pytest
from sqlalchemy import text

from policy_core.hashing import canonical_json

REFUSALS = {
    "reject all": ("reject_all", {"source": "banner"}),
    "a GPC signal": ("reject_all", {"source": "gpc"}),
    "settings with everything optional off": (
        "custom",
        {"source": "settings", "categories": {"necessary": True, "statistics": False, "media": False}},
    ),
    "a withdrawal": ("withdraw", {"source": "settings"}),
    "a withdrawal by GPC": ("withdraw", {"source": "gpc"}),
}
GRANTS = {
    "accept all": ("accept_all", {}),
    "one optional category": (
        "custom",
        {"source": "settings", "categories": {"necessary": True, "statistics": False, "media": True}},
    ),
}


def visitor_rows(storage) -> int:
    with storage.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM visitors")).scalar_one()


def export_lines(client, admin_headers) -> list[bytes]:
    response = client.get("/api/v1/audit/export", headers=admin_headers)
    assert response.status_code == 200
    return response.get_data().splitlines()


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
def test_a_first_refusal_is_recorded_without_any_visitor_id(
    client, storage, make_body, admin_headers, refusal
):
    kind, fields = REFUSALS[refusal]
    response = client.post("/api/v1/consents", json=make_body(kind, **fields))

    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["visitor"] is None
    assert "Set-Cookie" not in response.headers
    assert visitor_rows(storage) == 0
    [record] = list(storage.iter_records())
    assert record["visitor"] is None
    assert (record["action"], record["source"]) == (kind, fields["source"])


def test_a_refusal_in_the_export_says_visitor_null_and_hashes_as_exported(
    client, make_body, admin_headers
):
    client.post("/api/v1/consents", json=make_body("reject_all"))
    [line] = export_lines(client, admin_headers)
    record = json.loads(line)
    assert "visitor" in record and record["visitor"] is None
    assert b'"visitor":null' in line
    without_hash = {key: value for key, value in record.items() if key not in ("hash", "leaf_index")}
    assert hashlib.sha256(canonical_json(without_hash)).hexdigest() == record["hash"]
    assert client.get("/api/v1/audit/verify", headers=admin_headers).get_json()["ok"] is True


def test_a_refusal_in_the_csv_export_has_an_empty_visitor(client, make_body, admin_headers):
    client.post("/api/v1/consents", json=make_body("reject_all"))
    response = client.get("/api/v1/audit/export?format=csv", headers=admin_headers)
    [row] = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert (row["action"], row["visitor"]) == ("reject_all", "")


@pytest.mark.parametrize("grant", sorted(GRANTS))
def test_a_choice_that_allows_an_optional_category_creates_the_visitor(
    client, storage, make_body, grant
):
    kind, fields = GRANTS[grant]
    response = client.post("/api/v1/consents", json=make_body(kind, **fields))
    visitor = response.get_json()["visitor"]
    assert re.fullmatch(r"[0-9a-f]{32}", visitor)
    assert re.match(rf"ps_visitor={visitor}\.", response.headers["Set-Cookie"])
    assert visitor_rows(storage) == 1
    [record] = list(storage.iter_records())
    assert record["visitor"] == visitor


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
def test_a_later_refusal_by_a_visitor_with_an_id_is_recorded_under_it(
    client, storage, make_body, refusal
):
    accepted = client.post("/api/v1/consents", json=make_body("accept_all")).get_json()
    kind, fields = REFUSALS[refusal]
    later = client.post("/api/v1/consents", json=make_body(kind, **fields))
    assert later.status_code == 201
    assert later.get_json()["visitor"] == accepted["visitor"]
    assert "Set-Cookie" not in later.headers
    assert visitor_rows(storage) == 1
    log = client.get("/api/v1/me/consents").get_json()["records"]
    assert [r["action"] for r in log] == [kind, "accept_all"]


def test_refusals_before_and_after_a_grant_keep_only_the_grant_and_what_follows_under_the_id(
    client, storage, make_body
):
    client.post("/api/v1/consents", json=make_body("reject_all"))
    granted = client.post("/api/v1/consents", json=make_body("custom")).get_json()
    client.post("/api/v1/consents", json=make_body("withdraw"))
    visitors = [record["visitor"] for record in storage.iter_records()]
    assert visitors == [None, granted["visitor"], granted["visitor"]]


def test_a_refusal_with_a_cookie_that_opens_no_visitor_expires_that_cookie(client, storage, make_body):
    client.set_cookie("ps_visitor", "0" * 32 + "." + "x" * 43)
    response = client.post("/api/v1/consents", json=make_body("reject_all"))
    assert response.status_code == 201
    assert response.get_json()["visitor"] is None
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("ps_visitor=;") and "Max-Age=0" in cookie
    assert client.get_cookie("ps_visitor") is None
    assert visitor_rows(storage) == 0


def test_a_purge_of_refusals_deletes_them_and_no_visitor(client, runner, make_body, admin_headers, storage):
    for kind in ("reject_all", "withdraw"):
        client.post("/api/v1/consents", json=make_body(kind))
    storage.integrate_all()
    result = runner.invoke(args=["consent", "purge", "--days", "0"])
    assert "Deleted the content of 2 records" in result.output and "and 0 visitors" in result.output
    assert client.get("/api/v1/audit/verify", headers=admin_headers).get_json()["ok"] is True
