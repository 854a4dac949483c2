"""GET /api/v1/me/consents: each visitor sees their own records and nobody else's."""

from __future__ import annotations

import re

import pytest


def credential_of(response) -> str:
    return re.match(r"ps_visitor=([^;]+);", response.headers["Set-Cookie"]).group(1)


@pytest.fixture
def visitor_a(app, make_body):
    """Visitor A's browser with two choices recorded; returns (client, credential, visitor id)."""
    browser = app.test_client()
    first = browser.post("/api/v1/consents", json=make_body("accept_all"))
    browser.post("/api/v1/consents", json=make_body("withdraw"))
    return browser, credential_of(first), first.get_json()["visitor"]


@pytest.fixture
def visitor_b(app, make_body):
    browser = app.test_client()
    first = browser.post("/api/v1/consents", json=make_body("custom"))
    return browser, credential_of(first), first.get_json()["visitor"]


def test_a_visitor_sees_their_records_newest_first(visitor_a):
    browser, _, visitor_id = visitor_a
    response = browser.get("/api/v1/me/consents")
    assert response.status_code == 200
    log = response.get_json()
    assert log["visitor"] == visitor_id
    assert [r["action"] for r in log["records"]] == ["withdraw", "accept_all"]
    assert log["records"][0]["recorded_at"] >= log["records"][1]["recorded_at"]
    assert {r["visitor"] for r in log["records"]} == {visitor_id}
    assert response.headers["Cache-Control"] == "no-store"


def test_each_record_carries_the_posted_fields_its_hash_and_its_place_in_the_tree(visitor_a, make_body):
    browser, _, _ = visitor_a
    record = browser.get("/api/v1/me/consents").get_json()["records"][-1]
    body = make_body("accept_all")
    for field in ("action", "categories", "policy", "inventory", "source"):
        assert record[field] == body[field]
    assert {"id", "salt", "recorded_at", "hash", "leaf_index", "proof"} <= set(record)


def test_a_bearer_credential_identifies_the_visitor_too(app, visitor_a):
    _, credential, visitor_id = visitor_a
    response = app.test_client().get("/api/v1/me/consents", headers={"Authorization": f"Bearer {credential}"})
    assert response.status_code == 200
    assert response.get_json()["visitor"] == visitor_id


def test_b_never_sees_a_records(visitor_a, visitor_b):
    _, _, a_id = visitor_a
    browser_b, _, b_id = visitor_b
    log = browser_b.get("/api/v1/me/consents").get_json()
    assert log["visitor"] == b_id
    assert [r["action"] for r in log["records"]] == ["custom"]
    assert a_id not in str(log)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/me/consents?visitor={a}",
        "/api/v1/me/consents?id={a}&visitor_id={a}",
        "/api/v1/me/consents/{a}",
        "/api/v1/visitors/{a}/consents",
    ],
)
def test_b_naming_a_in_the_url_still_gets_only_b_or_nothing(visitor_a, visitor_b, path):
    _, _, a_id = visitor_a
    browser_b, _, b_id = visitor_b
    response = browser_b.get(path.format(a=a_id))
    assert a_id not in response.get_data(as_text=True)
    if response.status_code == 200:
        assert response.get_json()["visitor"] == b_id


def test_a_id_with_b_secret_is_refused(app, visitor_a, visitor_b):
    _, _, a_id = visitor_a
    _, b_credential, _ = visitor_b
    forged = f"{a_id}.{b_credential.split('.')[1]}"
    response = app.test_client().get("/api/v1/me/consents", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_a_cookie_with_a_id_and_a_guessed_secret_is_refused(app, visitor_a):
    _, _, a_id = visitor_a
    browser = app.test_client()
    browser.set_cookie("ps_visitor", f"{a_id}.{'A' * 43}")
    assert browser.get("/api/v1/me/consents").status_code == 401


def test_without_credentials_the_answer_is_401(client):
    response = client.get("/api/v1/me/consents")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_401_says_nothing_about_whether_an_id_exists(app, visitor_a):
    _, _, a_id = visitor_a
    unknown_id = "f" * 32
    answers = []
    for visitor_id in (a_id, unknown_id):
        response = app.test_client().get(
            "/api/v1/me/consents", headers={"Authorization": f"Bearer {visitor_id}.{'x' * 43}"}
        )
        answers.append((response.status_code, response.get_data(), response.headers.get("WWW-Authenticate")))
    assert answers[0] == answers[1]


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer not-a-credential", "Bearer " + "a" * 32, "Token x.y"],
)
def test_malformed_credentials_get_the_same_401(client, header):
    response = client.get("/api/v1/me/consents", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
