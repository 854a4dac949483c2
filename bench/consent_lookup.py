"""Latency of GET /api/v1/me/consents, each record with its inclusion proof, with 1,000,000
records in the log's tree; and the time ``flask consent verify`` takes over that tree.

Makes a fresh database (SQLite, then PostgreSQL) with ``flask consent init-db`` (schema and
the log's signing key), fills it with 1,000,000 consent records, interleaved as real traffic
would leave them: one in a hundred is the only record of its visitor (10,000 visitors), the
others are ten per visitor (99,000 visitors). Each record is made as the service makes it
(``records.consent_record``: salted, hashed; ``records.record_to_row``), bulk-inserted, then
integrated by the log's own sequencer (``Storage.integrate_all``: leaf indexes, tiles, a
signed checkpoint per batch). Then starts gunicorn on 127.0.0.1 (two sync workers, as
deployed) and has wrk ask for the logs of 1,000 of those visitors at random, with bearer
credentials: each record in an answer comes with its inclusion proof (20 hashes, read from the
tiles) in the latest checkpoint. Prints requests/s and p50/p99 latency of logs of ten records
(ten proofs) with 2 connections (one per worker: the lookup itself) and with 32 (queueing
included), and of logs of one record (one proof: the proof lookup) with 2. A sample of the
answers is checked: every proof verifies against the checkpoint given with it.

Targets: lookup p99 <= 10 ms at 1,000,000 records.

The CPU time each request cost the workers, PostgreSQL and wrk is printed too, and how busy
the machine was: other work on the two cores stretches the wall clock, less the CPU time.

Usage: ``python -m bench.consent_lookup [--records 1000000] [--seconds 10] [--verify]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import random
import secrets
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlalchemy import insert

from bench.cpu import describe_machine
from bench.databases import DATABASES, Database, on_each_database
from bench.load import cpu_per_request, measured, wrk
from bench.service import BENCH_APP, BODY, fixture_site, flask_consent, init_db, service_environment
from consent_service.records import (
    consent_record,
    consent_records,
    format_timestamp,
    record_to_row,
    utc_now,
    visitors,
)
from consent_service.storage import Storage
from policy_core.checkpoint import open_checkpoint
from policy_core.merkle import leaf_hash, verify_inclusion
from policy_core.note_keys import Verifier
from testbed.consent import Gunicorn, as_choice

PER_VISITOR = 10
ONE_RECORD_SHARE = 100
"""One record in this many is the only record of its visitor (a visitor who chose once)."""
SAMPLED = 1000
BATCH = 20_000
SITE = "http://127.0.0.1"


@dataclasses.dataclass
class Filled:
    """Bearer credentials of sampled visitors with ten records, and with one."""

    ten: list[str]
    one: list[str]


def fill(storage: Storage, total: int) -> Filled:
    """Store ``total`` records as the service would and integrate them into the tree: one in
    :data:`ONE_RECORD_SHARE` is a visitor's only record, the others are ten per visitor,
    interleaved. Returns the credentials of up to :data:`SAMPLED` visitors of each kind."""
    singles = total // ONE_RECORD_SHARE
    tens = (total - singles) // PER_VISITOR
    ten_ids = [secrets.token_hex(16) for _ in range(tens)]
    one_ids = [secrets.token_hex(16) for _ in range(total - tens * PER_VISITOR)]
    now = format_timestamp(utc_now())
    filled = Filled([], [])
    visitor_rows = []
    for ids, sampled in ((ten_ids, filled.ten), (one_ids, filled.one)):
        for index, visitor_id in enumerate(ids):
            if index < SAMPLED:
                secret = secrets.token_urlsafe(32)
                sampled.append(f"{visitor_id}.{secret}")
                digest = hashlib.sha256(secret.encode()).hexdigest()
            else:
                digest = secrets.token_hex(32)
            visitor_rows.append({"id": visitor_id, "secret_sha256": digest, "created_at": now})
    with storage.engine.begin() as conn:
        for start in range(0, len(visitor_rows), BATCH):
            conn.execute(insert(visitors), visitor_rows[start : start + BATCH])
    choice = dataclasses.replace(as_choice(BODY), site=SITE)
    rows = []
    ones, others = iter(one_ids), 0
    for number in range(total):
        if number % ONE_RECORD_SHARE == ONE_RECORD_SHARE - 1 or others == tens * PER_VISITOR:
            visitor_id = next(ones)
        else:
            visitor_id, others = ten_ids[others % tens], others + 1
        rows.append(record_to_row(consent_record(choice, visitor_id, now)))
        if len(rows) == BATCH or number == total - 1:
            with storage.engine.begin() as conn:
                conn.execute(insert(consent_records), rows)
            rows = []
    storage.integrate_all()
    return filled


def lookup_script(script: Path, credentials: list[str]) -> Path:
    table = ",\n".join(f'"Bearer {c}"' for c in credentials)
    script.write_text(
        f"local credentials = {{\n{table}\n}}\n"
        "math.randomseed(7)\n"
        "request = function()\n"
        '  wrk.headers["Authorization"] = credentials[math.random(#credentials)]\n'
        '  return wrk.format("GET", "/api/v1/me/consents")\n'
        "end\n"
    )
    return script


def check_answers(url: str, credentials: list[str], count: int, per_visitor: int) -> int:
    """Fetch ``count`` visitors' logs, ``per_visitor`` records each, and verify every record's
    inclusion proof against the checkpoint answered with it; the number of proofs verified."""
    with urllib.request.urlopen(f"{url}/api/v1/log/key") as response:
        verifier = Verifier.from_vkey(response.read().decode())
    verified = 0
    for credential in random.Random(7).sample(credentials, count):
        request = urllib.request.Request(f"{url}/api/v1/me/consents",
                                         headers={"Authorization": f"Bearer {credential}"})
        with urllib.request.urlopen(request) as response:
            log = json.load(response)
        checkpoint = open_checkpoint(log["checkpoint"], verifier)
        assert len(log["records"]) == per_visitor, len(log["records"])
        for record in log["records"]:
            proof = record["proof"]
            assert proof["tree_size"] == checkpoint.size, (proof, checkpoint.size)
            verify_inclusion(leaf_hash(bytes.fromhex(record["hash"])), record["leaf_index"],
                             proof["tree_size"], [bytes.fromhex(h) for h in proof["hashes"]],
                             checkpoint.root)
            verified += 1
    return verified


def run(database: Database, site: Path, work: Path, args: argparse.Namespace) -> None:
    """Fills ``database``, then prints the lookups' figures."""
    environment = service_environment(database.url, site, work / f"log-{database.name}.key")
    init_db(environment)
    storage = Storage(database.url, key_file=Path(environment["CONSENT_LOG_KEY_FILE"]))
    started = time.perf_counter()
    credentials = fill(storage, args.records)
    filled = time.perf_counter() - started
    state = storage.log_state()
    storage.dispose()
    print(
        f"\n{database.label}: {args.records:,} records, one in {ONE_RECORD_SHARE} a visitor's only one, the "
        f"others ten per visitor; tree size {state['tree_size']:,} (made, stored and integrated in "
        f"{filled:.0f} s)"
    )
    if args.verify:
        started = time.perf_counter()
        done = flask_consent(environment, "verify", check=False)
        seconds = time.perf_counter() - started
        log = json.loads(done.stdout)
        print(f"  flask consent verify: ok={log['ok']}, {log['records']:,} records, "
              f"tree size {log['tree_size']:,}, in {seconds:.1f} s")
    server = Gunicorn(environment, 2, work / f"gunicorn-{database.name}.log", app=BENCH_APP)
    url = server.url
    scripts = {10: lookup_script(work / "ten.lua", credentials.ten),
               1: lookup_script(work / "one.lua", credentials.one)}
    groups = database.process_groups(server.process.pid)
    try:
        verified = (check_answers(url, credentials.ten, 20, PER_VISITOR)
                    + check_answers(url, credentials.one, 20, 1))
        print(f"  {verified} inclusion proofs of the answers verified")
        for per_visitor, connections in ((10, 2), (10, 32), (1, 2)):
            wrk(url, scripts[per_visitor], 2, connections)
            row = measured(url, scripts[per_visitor], args.seconds, connections, groups)
            print(
                f"  logs of {per_visitor:2} record{'s' if per_visitor > 1 else ' '}, {connections:2} "
                f"connections  {row['rps']:6.0f} req/s   p50 {row['p50_ms']:6.2f} ms   "
                f"p99 {row['p99_ms']:6.2f} ms   non-2xx {row['non_2xx']}; "
                f"CPU per request (us): {cpu_per_request(row)}; the cores were "
                f"{row['machine_busy']:.0%} busy"
            )
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--verify", action="store_true", help="also time `flask consent verify`")
    parser.add_argument("--only", choices=DATABASES)
    args = parser.parse_args()
    print(f"{describe_machine()}; gunicorn -w 2 (sync), wrk -t1")
    with tempfile.TemporaryDirectory(prefix="consent-bench-") as tmp:
        work = Path(tmp)
        site = fixture_site(work)
        on_each_database(work, args.only, lambda database: run(database, site, work, args))
        print(f"load average afterwards {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
