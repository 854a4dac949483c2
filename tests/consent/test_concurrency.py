"""Concurrent appends and sequencers: threads, separate connection pools and several gunicorn
worker processes write at once; every record gets exactly one leaf, and the tree verifies, on
SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from consent_service.credentials import new_visitor
from consent_service.storage import Storage
from policy_core.checkpoint import open_checkpoint
from policy_core.note_keys import Verifier
from policy_core.receipt import verify_receipt
from testbed.consent import as_choice, http_text


def test_threads_on_separate_pools_append_and_every_record_gets_one_leaf(app, storage, make_body):
    """Three Storage objects have three locks and pools, like three processes: nothing of
    ours serializes them, and none waits for another's record."""
    url = app.config["CONSENT_DATABASE_URL"]
    storages = [Storage(url, key_file=storage.key_file) for _ in range(3)]
    choice = as_choice(make_body("accept_all"))
    per_thread, threads = 25, 6
    start = threading.Barrier(threads)

    def append_many(index: int) -> list[str]:
        target = storages[index % len(storages)]
        start.wait()
        ids = []
        for _ in range(per_thread):
            visitor = new_visitor()
            ids.append(target.append_consent(choice, visitor_id=visitor.id,
                                             new_secret_sha256=visitor.secret_sha256).id)
        return ids

    try:
        with ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(append_many, range(threads)))
    finally:
        for each in storages:
            each.dispose()
    answered = [record_id for result in results for record_id in result]
    assert len(set(answered)) == per_thread * threads
    assert storage.integrate_all() == per_thread * threads
    leaves = {record["id"]: record["leaf_index"] for record in storage.iter_records()}
    assert sorted(leaves) == sorted(answered)
    assert sorted(leaves.values()) == list(range(per_thread * threads))
    report = storage.verify()
    assert report.ok, report


def test_sequencers_racing_in_several_processes_never_give_a_leaf_twice(app, storage, make_body):
    """Every sequencer forced to integrate at once, while appends go on: the lock on the
    log's state makes them take turns, so the tree has each record once."""
    url = app.config["CONSENT_DATABASE_URL"]
    sequencers = [Storage(url, key_file=storage.key_file) for _ in range(3)]
    choice = as_choice(make_body("reject_all"))
    stop = threading.Event()

    def append() -> int:
        count = 0
        while not stop.is_set():
            storage.append_consent(choice, visitor_id=None)
            count += 1
        return count

    def integrate(each: Storage) -> None:
        for _ in range(15):
            each.integrate(force=True)

    try:
        with ThreadPoolExecutor(4) as pool:
            appended = pool.submit(append)
            list(pool.map(integrate, sequencers))
            stop.set()
            total = appended.result()
    finally:
        for each in sequencers:
            each.dispose()
    assert storage.integrate_all() == total
    assert sorted(r["leaf_index"] for r in storage.iter_records()) == list(range(total))
    assert storage.verify().ok


def test_several_gunicorn_workers_append_and_their_sequencers_integrate_every_receipt(
        start_gunicorn, http, make_body, admin_headers):
    server = start_gunicorn(workers=3)
    clients, per_client = 8, 20

    def send(index: int) -> list[tuple[int, dict]]:
        answers = []
        credential = None
        for round_ in range(per_client):
            headers = {"Authorization": f"Bearer {credential}"} if credential else {}
            kind = ("accept_all", "reject_all", "custom", "withdraw")[round_ % 4]
            status, response_headers, body = http(
                "POST", f"{server.url}/api/v1/consents", make_body(kind), headers
            )
            answers.append((status, body))
            if credential is None and index % 2 == 0:
                credential = response_headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
        return answers

    with ThreadPoolExecutor(clients) as pool:
        results = [answer for batch in pool.map(send, range(clients)) for answer in batch]
    assert {status for status, _ in results} == {201}
    verifier = Verifier.from_vkey(http_text(f"{server.url}/api/v1/log/key"))
    for _, body in results:
        verify_receipt(body["receipt"], verifier)
    total = clients * per_client
    deadline = time.monotonic() + 15
    while True:
        note = http_text(f"{server.url}/api/v1/log/checkpoint")
        if open_checkpoint(note, verifier).size == total or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert open_checkpoint(note, verifier).size == total, "every receipt's record is in the tree"
    status, _, report = http("GET", f"{server.url}/api/v1/audit/verify", headers=admin_headers)
    assert (status, report["ok"], report["tree_size"]) == (200, True, total)
