"""Concurrent appends never fork the chain: threads, separate connection pools, and several
gunicorn worker processes, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from consent_testing import as_choice

from consent_service.credentials import new_visitor
from consent_service.storage import Storage


def test_threads_on_separate_pools_append_one_unbroken_chain(app, storage, make_body):
    """Three Storage objects have three locks and pools, like three processes: only the
    database serializes them."""
    url = app.config["CONSENT_DATABASE_URL"]
    storages = [Storage(url) for _ in range(3)]
    choice = as_choice(make_body("accept_all"))
    per_thread, threads = 25, 6
    start = threading.Barrier(threads)

    def append_many(index: int) -> list[int]:
        target = storages[index % len(storages)]
        start.wait()
        sequences = []
        for _ in range(per_thread):
            visitor = new_visitor()
            appended = target.append_consent(
                choice, visitor_id=visitor.id, new_secret_sha256=visitor.secret_sha256
            )
            sequences.append(appended.sequence)
        return sequences

    try:
        with ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(append_many, range(threads)))
    finally:
        for each in storages:
            each.dispose()
    sequences = sorted(s for result in results for s in result)
    assert sequences == list(range(1, per_thread * threads + 1))
    report = storage.verify()
    assert report.ok, report
    assert report.records == per_thread * threads


def test_several_gunicorn_workers_append_one_unbroken_chain(start_gunicorn, http, make_body, admin_headers):
    server = start_gunicorn(workers=3)
    clients, per_client = 8, 20

    def send(index: int) -> list[tuple[int, int]]:
        answers = []
        credential = None
        for round_ in range(per_client):
            headers = {"Authorization": f"Bearer {credential}"} if credential else {}
            kind = ("accept_all", "reject_all", "custom", "withdraw")[round_ % 4]
            status, response_headers, body = http(
                "POST", f"{server.url}/api/v1/consents", make_body(kind), headers
            )
            answers.append((status, body.get("sequence")))
            if credential is None and index % 2 == 0:
                credential = response_headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
        return answers

    with ThreadPoolExecutor(clients) as pool:
        results = [answer for batch in pool.map(send, range(clients)) for answer in batch]
    assert {status for status, _ in results} == {201}
    assert sorted(sequence for _, sequence in results) == list(range(1, clients * per_client + 1))
    status, _, report = http("GET", f"{server.url}/api/v1/audit/verify", headers=admin_headers)
    assert (status, report["ok"], report["records"]) == (200, True, clients * per_client)
