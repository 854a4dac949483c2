"""The consent log is a Merkle tree anyone can check: receipts, signed checkpoints, inclusion
and consistency proofs, all verified here with the log's published key and with RFC 9162's
own algorithms (testbed/rfc9162.py), never with the service's code alone."""

from __future__ import annotations

import json
import os
import stat

import pytest
from sqlalchemy import text

from consent_service.app import create_app
from consent_service.services import services
from policy_core.checkpoint import open_checkpoint
from policy_core.merkle import leaf_hash, verify_consistency, verify_inclusion
from policy_core.note_keys import Verifier
from policy_core.receipt import verify_receipt
from testbed.rfc9162 import rfc_consistency, rfc_mth, rfc_path


def vkey(client) -> Verifier:
    response = client.get("/api/v1/log/key")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    return Verifier.from_vkey(response.get_data(as_text=True))


def checkpoint(client, verifier: Verifier):
    response = client.get("/api/v1/log/checkpoint")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    return open_checkpoint(response.get_data(as_text=True), verifier)


def record(client, make_body, kind: str = "accept_all") -> dict:
    response = client.post("/api/v1/consents", json=make_body(kind))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def exported(client, admin_headers) -> list[dict]:
    response = client.get("/api/v1/audit/export", headers=admin_headers)
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def leaf_data(records: list[dict]) -> list[bytes]:
    return [bytes.fromhex(r["hash"]) for r in records if r["leaf_index"] is not None]


def test_a_new_log_publishes_its_key_and_a_signed_checkpoint_of_the_empty_tree(client) -> None:
    verifier = vkey(client)
    assert verifier.name == "consent.example.test/log"
    head = checkpoint(client, verifier)
    assert (head.origin, head.size, head.root) == ("consent.example.test/log", 0, rfc_mth([]))


def test_the_201_carries_a_receipt_signed_by_the_logs_key(client, make_body) -> None:
    answer = record(client, make_body)
    receipt = answer["receipt"]
    assert (receipt["id"], receipt["hash"]) == (answer["id"], answer["hash"])
    assert receipt["time"] == answer["recorded_at"][:23] + "Z"
    verified = verify_receipt(receipt, vkey(client).vkey)
    assert verified.checkpoint is None
    forged = {**receipt, "hash": "0" * 64}
    with pytest.raises(Exception, match="signature"):
        verify_receipt(forged, vkey(client).vkey)


def test_records_join_the_tree_in_order_and_the_checkpoint_signs_the_rfc_root(
        client, storage, make_body, admin_headers) -> None:
    answers = [record(client, make_body, kind) for kind in ("accept_all", "reject_all", "custom")]
    before = exported(client, admin_headers)
    assert [r["leaf_index"] for r in before] == [None, None, None], "nothing is in the tree yet"
    assert storage.integrate_all() == 3
    records = exported(client, admin_headers)
    assert [r["id"] for r in records] == [a["id"] for a in answers]
    assert [r["leaf_index"] for r in records] == [0, 1, 2]
    head = checkpoint(client, vkey(client))
    assert (head.size, head.root) == (3, rfc_mth(leaf_data(records)))


def test_every_record_in_the_tree_has_the_rfcs_inclusion_proof_in_the_visitors_log(
        client, storage, make_body) -> None:
    for kind in ("accept_all", "custom", "accept_all", "custom", "withdraw"):
        record(client, make_body, kind)
    storage.integrate_all()
    answer = client.get("/api/v1/me/consents").get_json()
    head = open_checkpoint(answer["checkpoint"], vkey(client))
    export = list(storage.iter_records())
    data = [bytes.fromhex(r["hash"]) for r in export]
    assert len(answer["records"]) == 5
    for mine in answer["records"]:
        proof = mine["proof"]
        assert proof["tree_size"] == head.size == 5
        hashes = [bytes.fromhex(h) for h in proof["hashes"]]
        assert hashes == rfc_path(mine["leaf_index"], data)
        leaf = leaf_hash(bytes.fromhex(mine["hash"]))
        verify_inclusion(leaf, mine["leaf_index"], head.size, hashes, head.root)


def test_the_visitors_receipt_download_proves_inclusion_offline(client, storage, make_body) -> None:
    answer = record(client, make_body)
    waiting = client.get(f"/api/v1/me/consents/{answer['id']}/receipt")
    assert waiting.status_code == 200
    assert "attachment" in waiting.headers["Content-Disposition"]
    assert waiting.get_json() == answer["receipt"], "before inclusion: the promise the 201 gave"
    storage.integrate_all()
    receipt = client.get(f"/api/v1/me/consents/{answer['id']}/receipt").get_json()
    verified = verify_receipt(receipt, vkey(client).vkey)
    assert verified.checkpoint is not None and verified.leaf_index == 0
    assert {k: receipt[k] for k in answer["receipt"]} == answer["receipt"]


def test_a_receipt_is_only_given_to_the_visitor_whose_record_it_is(client, app, make_body) -> None:
    answer = record(client, make_body)
    stranger = app.test_client()
    assert stranger.get(f"/api/v1/me/consents/{answer['id']}/receipt").status_code == 401
    record(stranger, make_body)
    assert stranger.get(f"/api/v1/me/consents/{answer['id']}/receipt").status_code == 404


def test_consistency_proofs_between_any_two_sizes_are_the_rfcs_and_verify(
        client, storage, make_body) -> None:
    record(client, make_body)
    storage.integrate_all()
    first = checkpoint(client, vkey(client))
    for _ in range(6):
        record(client, make_body, "custom")
    storage.integrate_all()
    second = checkpoint(client, vkey(client))
    data = [bytes.fromhex(r["hash"]) for r in storage.iter_records()]
    for m in range(1, second.size + 1):
        answer = client.get(f"/api/v1/log/consistency?first={m}&second={second.size}")
        assert answer.status_code == 200
        hashes = [bytes.fromhex(h) for h in answer.get_json()["hashes"]]
        assert hashes == rfc_consistency(m, data)
    proof = client.get(f"/api/v1/log/consistency?first={first.size}&second={second.size}").get_json()
    verify_consistency(first.size, second.size, [bytes.fromhex(h) for h in proof["hashes"]],
                       first.root, second.root)


@pytest.mark.parametrize("query, field", [
    ("first=1", "second"),
    ("second=1", "first"),
    ("first=2&second=1", "second"),
    ("first=1&second=99", "second"),
    ("first=0&second=1", "first"),
    ("first=-1&second=1", "first"),
    ("first=01&second=1", "first"),
    ("first=1&second=1&first=1", "first"),
    ("first=1&second=1&x=2", "x"),
])
def test_a_consistency_request_the_log_cannot_answer_is_a_400_naming_the_parameter(
        client, storage, make_body, query, field) -> None:
    record(client, make_body)
    storage.integrate_all()
    answer = client.get(f"/api/v1/log/consistency?{query}")
    assert answer.status_code == 400
    assert answer.get_json()["error"]["field"] == field


def test_purge_deletes_content_keeps_leaf_hashes_and_every_proof_still_verifies(
        client, storage, make_body, runner, admin_headers, database_url) -> None:
    for kind in ("accept_all", "custom", "reject_all", "accept_all"):
        record(client, make_body, kind)
    storage.integrate_all()
    head = checkpoint(client, vkey(client))
    engine = storage.engine
    with engine.begin() as conn:  # the first two are old enough to go
        conn.execute(text("UPDATE consent_records SET recorded_at = '2020-01-01T00:00:00.000000Z' "
                          "WHERE leaf_index < 2"))
    kept_before = client.get("/api/v1/me/consents").get_json()["records"]
    result = runner.invoke(args=["consent", "purge", "--days", "30"])
    assert result.exit_code == 0, result.output
    records = exported(client, admin_headers)
    assert records[:2] == [{"leaf_index": 0, "hash": records[0]["hash"], "purged": True},
                           {"leaf_index": 1, "hash": records[1]["hash"], "purged": True}]
    assert all("salt" in r for r in records[2:])
    assert storage.verify().ok
    assert checkpoint(client, vkey(client)) == head, "purging signs nothing new: the tree is unchanged"
    mine = client.get("/api/v1/me/consents").get_json()["records"]
    assert [r["id"] for r in mine] == [r["id"] for r in kept_before if r["leaf_index"] >= 2]
    for kept in mine:
        verify_inclusion(leaf_hash(bytes.fromhex(kept["hash"])), kept["leaf_index"], head.size,
                         [bytes.fromhex(h) for h in kept["proof"]["hashes"]], head.root)


TAMPERING = {
    "an edited column": "UPDATE consent_records SET action = 'accept_all' WHERE leaf_index = 1",
    "a deleted record": "DELETE FROM consent_records WHERE leaf_index = 1",
    "two records swapped": ("UPDATE consent_records SET leaf_index = CASE leaf_index WHEN 0 THEN 2 "
                            "WHEN 2 THEN 0 END WHERE leaf_index IN (0, 2)"),
    "a rewritten hash": ("UPDATE consent_records SET hash = '" + "ab" * 32 + "' WHERE leaf_index = 2"),
    "an edited tile": "UPDATE log_tiles SET hashes = :flipped WHERE level = 0",
    "a forged root": "UPDATE log_state SET root_hash = '" + "cd" * 32 + "'",
}


@pytest.mark.parametrize("kind", TAMPERING)
def test_verify_detects_each_kind_of_tampering(client, storage, make_body, runner, kind) -> None:
    for body_kind in ("accept_all", "reject_all", "custom", "accept_all"):
        record(client, make_body, body_kind)
    storage.integrate_all()
    assert storage.verify().ok
    with storage.engine.begin() as conn:
        if kind == "two records swapped":  # through a free index, since leaf_index is unique
            conn.execute(text("UPDATE consent_records SET leaf_index = 99 WHERE leaf_index = 0"))
            conn.execute(text("UPDATE consent_records SET leaf_index = 0 WHERE leaf_index = 2"))
            conn.execute(text("UPDATE consent_records SET leaf_index = 2 WHERE leaf_index = 99"))
        elif kind == "an edited tile":
            tile = bytearray(conn.execute(text("SELECT hashes FROM log_tiles WHERE level = 0")).scalar_one())
            tile[0] ^= 1
            conn.execute(text(TAMPERING[kind]), {"flipped": bytes(tile)})
        else:
            conn.execute(text(TAMPERING[kind]))
    report = storage.verify()
    assert not report.ok
    result = runner.invoke(args=["consent", "verify"])
    assert result.exit_code == 1
    assert "does not verify" in result.output


def key_material(skey: str) -> str:
    """The base64 seed of ``PRIVATE+KEY+<name>+<hex key ID>+<base64>``, whose alphabet has ``+``
    too: the part no message may ever show."""
    material = skey.strip().split("+", 4)[4]
    assert len(material) == 44
    return material


def test_the_signing_key_is_created_once_readable_by_its_owner_only(app, runner) -> None:
    path = services(app).storage.key_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_bytes()
    assert runner.invoke(args=["consent", "init-db"]).exit_code == 0
    assert path.read_bytes() == before, "init-db never replaces the key"
    secret = key_material(before.decode())
    assert secret not in runner.invoke(args=["consent", "init-db"]).output


def test_a_key_others_can_read_is_refused_with_what_to_do(app, app_config, make_body) -> None:
    path = services(app).storage.key_file
    secret = key_material(path.read_text())
    os.chmod(path, 0o644)
    fresh = create_app(app_config)
    try:
        answer = fresh.test_client().post("/api/v1/consents", json=make_body("reject_all"))
        assert answer.status_code == 503
        assert "chmod 600" in answer.get_json()["error"]["message"]
        assert secret not in answer.get_data(as_text=True)
        result = fresh.test_cli_runner().invoke(args=["consent", "init-db"])
        assert result.exit_code == 2 and "chmod 600" in result.output
        assert secret not in result.output
    finally:
        services(fresh).storage.dispose()


def test_two_processes_integrate_one_at_a_time_and_the_lease_moves_when_its_holder_stops(
        make_app, make_body) -> None:
    first, second = make_app(), make_app()
    one, two = services(first).storage, services(second).storage
    clock = [1000.0]
    one.sequencer._clock = two.sequencer._clock = lambda: clock[0]
    with one.engine.begin() as conn:  # init-db took the lease; it lapsed long ago
        conn.execute(text("UPDATE log_state SET lease_holder = 'init-db', lease_expires = 1"))
    record(first.test_client(), make_body)
    assert one.integrate() is not None, "the first to ask takes the free lease"
    record(second.test_client(), make_body)
    assert two.integrate() is None, "the lease is the first process's while it lives"
    assert two.log_state()["pending"] == 1
    clock[0] += 60  # the first process died: its lease runs out
    batch = two.integrate()
    assert batch is not None and (batch.first_size, batch.tree_size) == (1, 2)
    assert two.log_state()["lease_holder"] == two.sequencer.holder
    assert one.integrate() is None, "the old holder does not take it back while it is renewed"
    assert one.verify().ok


def test_a_rotated_key_cosigns_the_current_tree_and_the_old_checkpoints_stay_verifiable(
        app, app_config, client, storage, make_body, tmp_path) -> None:
    """The README's rotation: move the old key away, init-db makes a new one, and the log goes on."""
    record(client, make_body)
    storage.integrate_all()
    old_vkey = vkey(client)
    old_head = checkpoint(client, old_vkey)
    storage.key_file.rename(tmp_path / "old.key")
    rotated = create_app(app_config)
    try:
        result = rotated.test_cli_runner().invoke(args=["consent", "init-db"])
        assert result.exit_code == 0, result.output
        new_client = rotated.test_client()
        new_vkey = vkey(new_client)
        assert new_vkey.key_id != old_vkey.key_id and new_vkey.name == old_vkey.name
        note = new_client.get("/api/v1/log/checkpoint").get_data(as_text=True)
        assert open_checkpoint(note, old_vkey) == open_checkpoint(note, new_vkey) == old_head
        record(new_client, make_body, "reject_all")
        services(rotated).storage.integrate_all()
        new_head = checkpoint(new_client, new_vkey)
        proof = new_client.get(f"/api/v1/log/consistency?first={old_head.size}&second={new_head.size}")
        hashes = [bytes.fromhex(h) for h in proof.get_json()["hashes"]]
        verify_consistency(old_head.size, new_head.size, hashes, old_head.root, new_head.root)
        assert services(rotated).storage.verify().ok
    finally:
        services(rotated).storage.dispose()


def test_the_log_page_shows_each_receipt_and_whether_its_record_is_in_the_public_log(
        client, storage, make_body) -> None:
    answer = record(client, make_body)
    link = f'href="/api/v1/me/consents/{answer["id"]}/receipt" download'
    waiting = client.get("/en/consent-log").get_data(as_text=True)
    assert link in waiting and "Signed; joins the public log within seconds" in waiting
    storage.integrate_all()
    assert "In the public log (entry 1 of 1)" in client.get("/en/consent-log").get_data(as_text=True)
    assert "I den öppna loggen (post 1 av 1)" in client.get("/consent-log").get_data(as_text=True)
