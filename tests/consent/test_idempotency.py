"""Idempotency-Key: a retried choice is recorded exactly once, on SQLite and PostgreSQL, also
when several workers race with one key; a key reused for another choice is refused."""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from test_consent_api import dump_database

from consent_service.storage import Storage
from testbed.consent import as_choice

API = "/api/v1/consents"


def new_key() -> str:
    return secrets.token_hex(16)


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": f'"{key}"'}


def credential_of(response) -> str:
    return re.match(r"ps_visitor=([^;]+);", response.headers["Set-Cookie"]).group(1)


def count(storage, table: str) -> int:
    with storage.engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_a_first_choice_whose_answer_was_lost_is_recorded_once_when_sent_again(app, storage, make_body):
    """The browser sent its very first choice; the service stored it, but the 201 and the
    ps_visitor cookie in it never arrived. The banner sends the same choice with the same key
    on the next page: one record, one visitor, and the browser gets that visitor's cookie."""
    body, key = make_body("accept_all"), new_key()
    lost = app.test_client().post(API, json=body, headers=keyed(key))
    assert lost.status_code == 201

    browser = app.test_client()  # never saw the first answer, so has no cookie
    retry = browser.post(API, json=body, headers=keyed(key))

    assert retry.status_code == 201
    assert retry.get_json() == lost.get_json()
    assert count(storage, "consent_records") == 1
    assert count(storage, "visitors") == 1
    assert credential_of(retry) == credential_of(lost)
    log = browser.get("/api/v1/me/consents").get_json()
    assert log["visitor"] == lost.get_json()["visitor"]
    assert [r["id"] for r in log["records"]] == [lost.get_json()["id"]]


def test_a_retried_refusal_is_recorded_once_without_a_visitor(client, storage, make_body):
    body, key = make_body("reject_all", source="gpc"), new_key()
    answers = [client.post(API, json=body, headers=keyed(key)) for _ in range(3)]
    assert {a.status_code for a in answers} == {201}
    assert len({a.get_data() for a in answers}) == 1
    assert answers[0].get_json()["visitor"] is None
    assert not [a for a in answers if "Set-Cookie" in a.headers]
    assert count(storage, "consent_records") == 1
    assert count(storage, "visitors") == 0


def test_a_retry_from_a_browser_that_has_its_cookie_gets_the_record_and_no_new_cookie(
    client, storage, make_body
):
    body, key = make_body("accept_all"), new_key()
    first = client.post(API, json=body, headers=keyed(key))
    again = client.post(API, json=body, headers=keyed(key))
    assert again.get_json() == first.get_json()
    assert "Set-Cookie" not in again.headers
    assert count(storage, "consent_records") == 1


def test_a_retry_without_credentials_of_a_choice_made_by_an_existing_visitor_gets_no_cookie(
    app, client, storage, make_body
):
    """The visitor was created by an earlier choice, so this key cannot open it."""
    client.post(API, json=make_body("accept_all"), headers=keyed(new_key()))
    body, key = make_body("withdraw"), new_key()
    first = client.post(API, json=body, headers=keyed(key))
    stranger = app.test_client().post(API, json=body, headers=keyed(key))
    assert stranger.get_json() == first.get_json()
    assert "Set-Cookie" not in stranger.headers


def test_every_choice_with_its_own_key_is_recorded(client, storage, make_body):
    for kind in ("accept_all", "custom", "accept_all"):
        assert client.post(API, json=make_body(kind), headers=keyed(new_key())).status_code == 201
    assert count(storage, "consent_records") == 3


def test_a_key_reused_for_another_choice_is_refused_and_stores_nothing(client, storage, make_body):
    key = new_key()
    client.post(API, json=make_body("reject_all"), headers=keyed(key))
    response = client.post(API, json=make_body("accept_all"), headers=keyed(key))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("idempotency_key_reused", "Idempotency-Key")
    assert [r["action"] for r in storage.iter_records()] == ["reject_all"]
    assert count(storage, "visitors") == 0
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(
    "values",
    [
        ["0123456789abcdef0123456789abcdef"],  # not quoted, as RFC 8941 strings are
        ['"short"'],
        ['"' + "a" * 65 + '"'],
        ['"0123456789abcdef 0123456789abcdef"'],
        ['"0123456789abcdef/0123456789abcdef"'],
        ['""'],
        ['"0123456789abcdef0123456789abcdef"', '"fedcba9876543210fedcba9876543210"'],
    ],
    ids=["bare", "short", "long", "space", "slash", "empty", "twice"],
)
def test_a_key_not_in_the_published_form_is_a_400_and_stores_nothing(client, storage, make_body, values):
    headers = [("Idempotency-Key", value) for value in values]
    response = client.post(API, json=make_body("accept_all"), headers=headers)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("invalid_header", "Idempotency-Key")
    assert "Idempotency-Key" in error["message"]
    assert list(storage.iter_records()) == []
    assert count(storage, "visitors") == 0


def test_a_record_keeps_the_hash_of_its_key_and_never_the_key(
    client, storage, make_body, admin_headers, database_url
):
    key = new_key()
    response = client.post(API, json=make_body("accept_all"), headers=keyed(key))
    secret = credential_of(response).split(".")[1]
    [record] = list(storage.iter_records())
    assert record["idempotency_key_sha256"] == hashlib.sha256(key.encode()).hexdigest()
    export = client.get("/api/v1/audit/export", headers=admin_headers).get_data(as_text=True)
    assert record["idempotency_key_sha256"] in export
    everything = dump_database(storage, database_url)
    for value in (key, secret):
        assert value not in export and value not in everything


def test_a_record_without_a_key_has_no_key_field(client, storage, make_body):
    client.post(API, json=make_body("accept_all"))
    [record] = list(storage.iter_records())
    assert "idempotency_key_sha256" not in record


def test_the_database_refuses_a_second_record_with_the_same_key(client, storage, make_body):
    client.post(API, json=make_body("reject_all"), headers=keyed(new_key()))
    with pytest.raises(IntegrityError), storage.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO consent_records (id, type, recorded_at, hash, idempotency_key_sha256) "
            "SELECT id, type, recorded_at, hash, idempotency_key_sha256 FROM consent_records"
        ))


def test_threads_racing_with_one_key_on_separate_pools_store_one_record(app, storage, make_body):
    """Three Storage objects have three locks and pools, like three processes."""
    url = app.config["CONSENT_DATABASE_URL"]
    storages = [Storage(url, key_file=storage.key_file) for _ in range(3)]
    choice, key, threads = as_choice(make_body("reject_all")), new_key(), 9
    start = threading.Barrier(threads)

    def append(index: int) -> str:
        start.wait()
        return storages[index % 3].append_consent(choice, visitor_id=None, idempotency_key=key).id

    try:
        with ThreadPoolExecutor(threads) as pool:
            ids = set(pool.map(append, range(threads)))
    finally:
        for each in storages:
            each.dispose()
    assert len(ids) == 1
    assert count(storage, "consent_records") == 1
    storage.integrate_all()
    assert storage.verify().ok


def test_gunicorn_workers_racing_with_one_key_store_one_record(
    start_gunicorn, http, make_body, admin_headers, storage
):
    server = start_gunicorn(workers=3)
    body, key, senders = make_body("accept_all"), new_key(), 12
    start = threading.Barrier(senders)

    def send(_: int):
        start.wait()
        return http("POST", f"{server.url}{API}", body, keyed(key))

    with ThreadPoolExecutor(senders) as pool:
        answers = list(pool.map(send, range(senders)))
    assert {status for status, _, _ in answers} == {201}
    assert len({answer["id"] for _, _, answer in answers}) == 1
    cookies = {headers.get("Set-Cookie", "").split(";")[0] for _, headers, _ in answers}
    assert len(cookies) == 1, "the same credential in every answer"
    assert cookies.pop().startswith("ps_visitor=")
    status, _, report = http("GET", f"{server.url}/api/v1/audit/verify", headers=admin_headers)
    assert (status, report["ok"]) == (200, True)
    assert count(storage, "consent_records") == 1


def test_a_purge_deletes_keys_with_their_records(client, runner, storage, make_body):
    body, key = make_body("reject_all"), new_key()
    first = client.post(API, json=body, headers=keyed(key)).get_json()
    storage.integrate_all()
    runner.invoke(args=["consent", "purge", "--days", "0"])
    again = client.post(API, json=body, headers=keyed(key)).get_json()
    assert again["id"] != first["id"], "recorded anew: the key went with its record"


def test_a_cross_origin_banner_may_send_the_key(make_app):
    client = make_app(CONSENT_ALLOWED_ORIGINS="https://www.example.se").test_client()
    response = client.options(API, headers={
        "Origin": "https://www.example.se", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, idempotency-key",
    })
    assert response.status_code == 204
    allowed = {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"content-type", "idempotency-key"} <= allowed
