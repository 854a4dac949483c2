"""A 201 from the production server (gunicorn 'consent_service.app:create_app()') means the record
is on disk, and its receipt a promise the log keeps: kill -9 of every server process under load,
then a restart, and every receipt's record is in the signed tree; the sequencer's lease moves to
another server when its holder dies. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import threading
import time
from http.client import HTTPException
from urllib.error import URLError

from consent_service.storage import Storage
from policy_core.checkpoint import open_checkpoint
from policy_core.note_keys import Verifier
from policy_core.receipt import verify_receipt
from testbed.consent import http_text


def wait_for_tree(server_url: str, verifier: Verifier, size: int, seconds: float = 20):
    """The latest checkpoint once it covers ``size`` records (or the last one seen)."""
    deadline = time.monotonic() + seconds
    while True:
        head = open_checkpoint(http_text(f"{server_url}/api/v1/log/checkpoint"), verifier)
        if head.size >= size or time.monotonic() > deadline:
            return head
        time.sleep(0.2)


def test_every_receipt_survives_kill_9_of_every_process_under_load_and_joins_the_tree(
    start_gunicorn, http, make_body, app, admin_headers
):
    server = start_gunicorn(workers=2)
    answered: list[dict] = []
    stop = threading.Event()

    def keep_posting(index: int) -> None:
        kinds = ("accept_all", "custom", "reject_all", "withdraw")
        round_ = 0
        while not stop.is_set():
            try:
                status, _, body = http("POST", f"{server.url}/api/v1/consents",
                                       make_body(kinds[(index + round_) % 4]))
            except (OSError, URLError, HTTPException, json.JSONDecodeError):
                return  # the server is gone: an unanswered request promised nothing
            if status == 201:
                answered.append(body)
            round_ += 1

    writers = [threading.Thread(target=keep_posting, args=(i,)) for i in range(4)]
    for writer in writers:
        writer.start()
    while len(answered) < 60:
        time.sleep(0.02)
    server.kill_hard()  # master and workers, mid-request and mid-batch
    stop.set()
    for writer in writers:
        writer.join()

    restarted = start_gunicorn(workers=2)
    verifier = Verifier.from_vkey(http_text(f"{restarted.url}/api/v1/log/key"))
    survivor = Storage(app.config["CONSENT_DATABASE_URL"], key_file=app.config["CONSENT_LOG_KEY_FILE"])
    try:
        stored = survivor.log_state()
        head = wait_for_tree(restarted.url, verifier, stored["tree_size"] + stored["pending"])
        leaves = {record["id"]: record for record in survivor.iter_records()}
        report = survivor.verify()
    finally:
        survivor.dispose()
    assert report.ok, report
    for body in answered:
        verify_receipt(body["receipt"], verifier)
        record = leaves[body["id"]]
        assert record["hash"] == body["hash"]
        assert record["leaf_index"] is not None and record["leaf_index"] < head.size


def test_the_lease_moves_to_another_server_when_its_holder_is_killed(
    start_gunicorn, http, make_body, app
):
    """Two servers on one database, as on two machines: one sequencer integrates; kill -9 the
    server whose worker holds the lease, and the other takes it over."""
    servers = [start_gunicorn(workers=1), start_gunicorn(workers=1)]
    storage = Storage(app.config["CONSENT_DATABASE_URL"], key_file=app.config["CONSENT_LOG_KEY_FILE"])
    verifier = storage.signer().verifier
    try:
        for server in servers:
            assert http("POST", f"{server.url}/api/v1/consents", make_body("accept_all"))[0] == 201
        assert wait_for_tree(servers[1].url, verifier, 2).size == 2
        holder = storage.log_state()["lease_holder"]
        pid = int(holder.split(":")[1])
        [holding] = [server for server in servers if os.getpgid(pid) == server.process.pid]
        [other] = [server for server in servers if server is not holding]
        holding.kill_hard()

        status, _, answer = http("POST", f"{other.url}/api/v1/consents", make_body("reject_all"))
        assert status == 201
        head = wait_for_tree(other.url, verifier, 3)
        assert head.size == 3, "the surviving server's sequencer took the lease over"
        new_holder = storage.log_state()["lease_holder"]
        assert new_holder != holder and os.getpgid(int(new_holder.split(":")[1])) == other.process.pid
        assert storage.verify().ok
    finally:
        storage.dispose()
