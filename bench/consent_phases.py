"""Where the time of one POST /api/v1/consents goes: each phase timed alone, in one process.

Without a profiler (which would inflate the Python parts) and without concurrency: the app
runs in this process (Werkzeug's test client, no HTTP, no sequencer thread), on a fresh SQLite
(WAL, ``synchronous=FULL``) or PostgreSQL database, and each phase of an append is repeated
``--requests`` times on its own (the phases taking turns), with the same inputs the service uses:

* request, whole:   ``POST /api/v1/consents`` through the app, as a first visit;
* framework:        ``POST /bench/ceiling`` through the same app: Flask, the request hooks
                    (metrics, security headers), JSON in and out, no work;
* validation:       ``Services.check_body`` (the body's schema and versions.json checks; a body
                    seen before is looked up, as the banner's handful of bodies are);
* new visitor:      a random id and secret, and the secret's SHA-256;
* record:           ``records.consent_record`` (salt, canonical JSON, SHA-256) and its row;
* receipt:          ``policy_core.receipt.make_receipt`` (the Ed25519 signature);
* transaction:      the visitor's and the record's inserts, committed (for SQLite under the
                    writers' file lock, ``BEGIN IMMEDIATE``, and the WAL's fsync);
* answer JSON:      the 201's body serialised.

Prints microseconds per request, median of ``--rounds`` rounds, and the sum of the phases next
to the whole. Under load the writers also wait for each other: ``python -m
bench.consent_throughput --profile`` shows that part.

Usage: ``python -m bench.consent_phases [--requests 2000] [--rounds 3] [--only sqlite]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.cpu import describe_machine
from bench.databases import DATABASES, Database, on_each_database
from bench.service import BODY, create_bench_app, fixture_site, service_environment


def interleaved_us(steps: dict[str, Callable[[], object]], count: int) -> dict[str, float]:
    """Microseconds per call of each step, the steps taking turns ``count`` times, so that a
    change of pace (the disk, the WAL's checkpoints, other work on the machine) affects all."""
    spent = dict.fromkeys(steps, 0.0)
    clock = time.perf_counter
    for _ in range(count):
        for name, step in steps.items():
            started = clock()
            step()
            spent[name] += clock() - started
    return {name: total / count * 1e6 for name, total in spent.items()}


def phases(app, count: int) -> dict[str, float]:
    """Microseconds per call of each phase."""
    from werkzeug.test import Client

    from consent_service.credentials import new_visitor
    from consent_service.records import (
        INSERT_RECORD,
        INSERT_VISITOR,
        consent_record,
        format_timestamp,
        record_to_row,
    )
    from consent_service.services import services
    from policy_core.receipt import make_receipt

    client = Client(app, use_cookies=False)  # every request a first visit, as under wrk
    raw = json.dumps(BODY).encode()
    svc = services(app)
    storage = svc.storage
    signer = storage.signer()
    origin = "http://localhost"
    with app.app_context():
        choice = svc.check_body(raw, origin)
    now = dt.datetime.now(dt.UTC)
    stamp = format_timestamp(now)
    record = consent_record(choice, "0" * 32, stamp)

    def post(path: str) -> Callable[[], object]:
        def send() -> None:
            response = client.post(path, data=raw, content_type="application/json")
            assert response.status_code == 201, response.get_data()
        return send

    def validation() -> None:
        with app.app_context():
            svc.check_body(raw, origin)

    def visitor() -> None:
        new_visitor().secret_sha256  # noqa: B018 (the hash is the work)

    def the_record() -> None:
        record_to_row(consent_record(choice, "0" * 32, stamp))

    def transaction() -> None:
        fresh = new_visitor()
        row = record_to_row(consent_record(choice, fresh.id, stamp))
        with storage._process_lock, storage.engine.connect() as conn:
            conn.execution_options(consent_write=True)
            with conn.begin():
                conn.execute(INSERT_VISITOR, [{"id": fresh.id, "secret_sha256": fresh.secret_sha256,
                                               "created_at": stamp}])
                conn.execute(INSERT_RECORD, [row])

    answer = {"id": record["id"], "hash": record["hash"], "recorded_at": stamp, "visitor": "0" * 32,
              "receipt": make_receipt(signer, record["id"], record["hash"], now)}
    steps = {
        "request, whole": post("/api/v1/consents"),
        "framework (ceiling)": post("/bench/ceiling"),
        "validation": validation,
        "new visitor": visitor,
        "record": the_record,
        "receipt": lambda: make_receipt(signer, record["id"], record["hash"], now),
        "transaction": transaction,
        "answer JSON": lambda: json.dumps(answer),
    }
    interleaved_us(steps, 20)  # warm-up: caches, compiled statements, the pool
    return interleaved_us(steps, count)


def run(database: Database, site: Path, work: Path, args: argparse.Namespace) -> None:
    """Prints the phases' medians on ``database``."""
    from consent_service.storage import Storage

    environment = service_environment(database.url, site, work / f"log-{database.name}.key")
    storage = Storage(database.url, key_file=Path(environment["CONSENT_LOG_KEY_FILE"]))
    storage.initialise("bench.example/log")
    storage.dispose()
    os.environ.update(environment, CONSENT_SEQUENCER="off")
    app = create_bench_app()
    rounds = [phases(app, args.requests) for _ in range(args.rounds)]
    services_storage = app.extensions["consent_service"].storage
    services_storage.dispose()
    print(f"\n{database.label}: microseconds per request, median of {args.rounds} rounds of {args.requests}")
    medians = {step: statistics.median(r[step] for r in rounds) for step in rounds[0]}
    parts = [step for step in medians if step not in ("request, whole", "framework (ceiling)")]
    for step, value in medians.items():
        print(f"  {step:22} {value:8.0f}")
    total = medians["framework (ceiling)"] + sum(medians[step] for step in parts)
    print(f"  {'framework + phases':22} {total:8.0f}   (the whole request: {medians['request, whole']:.0f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=DATABASES)
    args = parser.parse_args()
    print(describe_machine())
    with tempfile.TemporaryDirectory(prefix="consent-bench-") as tmp:
        work = Path(tmp)
        site = fixture_site(work)
        on_each_database(work, args.only, lambda database: run(database, site, work, args))


if __name__ == "__main__":
    main()
