"""POST /api/v1/consents: what a recorded choice looks like, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import inspect, text

from policy_core.log_record import record_hash
from testbed.consent import CURRENT, SUPERSEDED, UPCOMING, fixture_policy, inventory_hash


def post(client, body, **kwargs):
    return client.post("/api/v1/consents", json=body, **kwargs)


def test_a_choice_is_recorded_with_id_hash_and_a_receipt(client, make_body):
    response = post(client, make_body("custom"))
    assert response.status_code == 201
    created = response.get_json()
    assert set(created) == {"id", "hash", "recorded_at", "visitor", "receipt"}
    assert set(created["receipt"]) == {"origin", "id", "hash", "time", "signature"}
    assert re.fullmatch(r"[0-9a-f]{64}", created["hash"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", created["recorded_at"])


def test_the_stored_record_holds_the_posted_fields_and_hashes_to_its_hash(client, storage, make_body):
    body = make_body("custom")
    created = post(client, body).get_json()
    [record] = list(storage.iter_records())
    for field in ("action", "categories", "policy", "inventory", "source"):
        assert record[field] == body[field]
    assert "prev_hash" not in record and "sequence" not in record
    assert record["hash"] == created["hash"] == record_hash(record)
    assert (record["id"], record["visitor"], record["type"]) == (
        created["id"],
        created["visitor"],
        "consent",
    )


def test_the_first_choice_creates_a_visitor_and_sets_the_credential_cookie_once(client, make_body):
    response = post(client, make_body())
    cookie = response.headers["Set-Cookie"]
    visitor = response.get_json()["visitor"]
    assert re.fullmatch(r"[0-9a-f]{32}", visitor)
    value = re.match(r"ps_visitor=([^;]+);", cookie).group(1)
    visitor_id, secret = value.split(".")
    assert visitor_id == visitor
    assert len(secret) >= 22  # at least 128 bits of URL-safe base64
    for attribute in ("HttpOnly", "Path=/", "SameSite=Lax", "Max-Age=31536000"):
        assert attribute in cookie
    assert "Secure" not in cookie

    again = post(client, make_body("withdraw"))
    assert again.status_code == 201
    assert again.get_json()["visitor"] == visitor
    assert "Set-Cookie" not in again.headers


def test_the_cookie_is_secure_when_served_over_https(client, make_body):
    response = post(client, make_body(), base_url="https://consent.example")
    assert "Secure" in response.headers["Set-Cookie"]


def test_the_database_stores_only_a_hash_of_the_secret(client, storage, make_body):
    response = post(client, make_body())
    secret = re.match(r"ps_visitor=[0-9a-f]{32}\.([^;]+);", response.headers["Set-Cookie"]).group(1)
    with storage.engine.connect() as conn:
        stored = conn.execute(text("SELECT secret_sha256 FROM visitors")).scalar_one()
    assert secret not in stored
    assert len(stored) == 64


def test_the_same_choice_twice_hashes_differently_so_a_hash_says_nothing_of_its_content(
        client, storage, make_body):
    first = post(client, make_body("reject_all")).get_json()
    second = post(client, make_body("reject_all")).get_json()
    assert first["hash"] != second["hash"]
    salts = [record["salt"] for record in storage.iter_records()]
    assert len(set(salts)) == 2 and all(re.fullmatch(r"[0-9a-f]{32}", salt) for salt in salts)


def test_later_choices_follow_earlier_ones_in_the_tree(client, storage, make_body):
    first = post(client, make_body("accept_all")).get_json()
    second = post(client, make_body("reject_all")).get_json()
    storage.integrate_all()
    records = list(storage.iter_records())
    assert [(r["id"], r["leaf_index"]) for r in records] == [(first["id"], 0), (second["id"], 1)]


def test_a_bearer_credential_appends_to_that_visitor(app, make_body):
    browser = app.test_client()
    response = post(browser, make_body())
    credential = re.match(r"ps_visitor=([^;]+);", response.headers["Set-Cookie"]).group(1)
    other = app.test_client()
    again = post(other, make_body("withdraw"), headers={"Authorization": f"Bearer {credential}"})
    assert again.status_code == 201
    assert again.get_json()["visitor"] == response.get_json()["visitor"]


def test_a_wrong_bearer_credential_is_refused_and_nothing_is_stored(client, storage, make_body):
    response = post(client, make_body(), headers={"Authorization": "Bearer " + "0" * 32 + "." + "x" * 43})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert list(storage.iter_records()) == []


def test_a_stale_cookie_starts_a_new_visitor(client, make_body):
    client.set_cookie("ps_visitor", "0" * 32 + "." + "x" * 43)
    response = post(client, make_body())
    assert response.status_code == 201
    assert not response.get_json()["visitor"].startswith("0" * 32)
    assert "ps_visitor=" in response.headers["Set-Cookie"]


@pytest.mark.parametrize(
    ("action", "categories"),
    [
        ("accept_all", {"necessary": True, "statistics": True, "media": True}),
        ("reject_all", {"necessary": True, "statistics": False, "media": False}),
        ("withdraw", {"necessary": True, "statistics": False, "media": False}),
        ("custom", {"necessary": True, "statistics": False, "media": True}),
        ("custom", {"necessary": True, "statistics": False, "media": False}),
    ],
)
def test_each_action_with_matching_categories_is_recorded(client, make_body, action, categories):
    assert post(client, make_body(action, categories=categories)).status_code == 201


@pytest.mark.parametrize("source", ["banner", "settings", "gpc"])
def test_each_source_is_recorded(client, make_body, source):
    assert post(client, make_body("reject_all", source=source)).status_code == 201


def test_a_choice_on_the_english_text_is_recorded(client, make_body):
    policy = fixture_policy(CURRENT, "en")
    assert post(client, make_body(policy=policy)).status_code == 201


def test_a_superseded_version_without_inventory_has_nothing_to_consent_to(client, make_body):
    policy = fixture_policy(SUPERSEDED, "sv")
    response = post(client, make_body(policy=policy))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "no_inventory"


def test_an_upcoming_version_is_refused(client, storage, make_body):
    policy = fixture_policy(UPCOMING, "sv")
    response = post(client, make_body(policy=policy, inventory=inventory_hash(UPCOMING)))
    assert response.status_code == 422
    assert response.get_json()["error"] == {
        "code": "version_not_in_effect",
        "message": response.get_json()["error"]["message"],
        "field": "policy.version",
    }
    assert list(storage.iter_records()) == []


def test_no_ip_address_and_no_user_agent_are_stored(client, storage, make_body, database_url):
    canary_agent = "CanaryBrowser/9.9 (consent-test)"
    canary_ip = "198.51.100.77"
    forwarded_ip = "203.0.113.99"
    response = post(
        client,
        make_body(),
        headers={"User-Agent": canary_agent, "X-Forwarded-For": forwarded_ip},
        environ_base={"REMOTE_ADDR": canary_ip},
    )
    assert response.status_code == 201
    columns = {
        column["name"]
        for table in ("visitors", "consent_records")
        for column in inspect(storage.engine).get_columns(table)
    }
    assert not {c for c in columns if re.search(r"ip|addr|agent|ua$", c)}
    everything = dump_database(storage, database_url)
    for canary in (canary_agent, canary_ip, forwarded_ip, "CanaryBrowser"):
        assert canary not in everything


def dump_database(storage, database_url: str) -> str:
    """Every byte the database holds (SQLite files) or every row of every table (PostgreSQL)."""
    storage.dispose()
    if database_url.startswith("sqlite"):
        path = database_url.removeprefix("sqlite:///")
        chunks = []
        for suffix in ("", "-wal", "-shm"):
            try:
                with open(path + suffix, "rb") as handle:
                    chunks.append(handle.read().decode("latin-1"))
            except FileNotFoundError:
                pass
        return "".join(chunks)
    with storage.engine.connect() as conn:
        tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars()
        return "\n".join(
            str(row) for table in list(tables) for row in conn.execute(text(f'SELECT * FROM "{table}"'))
        )
