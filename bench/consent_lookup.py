"""Latency of GET /api/v1/me/consents with 1,000,000 records in the database.

Fills a fresh database (SQLite, then PostgreSQL) with one unbroken chain of 1,000,000
consent records from 100,000 visitors, ten each, interleaved as real traffic would
leave them; then starts gunicorn on 127.0.0.1 and has wrk ask for the logs of 1,000
of those visitors at random, with bearer credentials. Prints requests/s and p50/p99
latency with 2 connections (one per worker: the lookup itself) and with 32 (queueing
included). Target: p99 <= 10 ms.

Usage: ``python bench/consent_lookup.py [--records 1000000] [--seconds 10]``
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path

from consent_throughput import REPO, start_server, stop_server, wrk

sys.path.insert(0, str(REPO / "tests" / "consent"))

from consent_testing import (  # noqa: E402
    CURRENT,
    inventory_hash,
    policy_hash,
    shown_hash,
    version_entry,
    write_site,
)
from pgserver import PostgresServer, PostgresUnavailable  # noqa: E402
from sqlalchemy import insert, update  # noqa: E402

from consent_service.records import (  # noqa: E402
    chain_head,
    consent_records,
    format_timestamp,
    utc_now,
    visitors,
)
from consent_service.storage import Storage  # noqa: E402
from policy_core.chain import GENESIS_HASH, record_hash  # noqa: E402
from policy_core.hashing import canonical_json  # noqa: E402

PER_VISITOR = 10
SAMPLED = 1000
BATCH = 20_000


def fill(storage: Storage, total: int) -> list[str]:
    """Write ``total`` chained records; return credentials of ``SAMPLED`` of their visitors."""
    storage.init_schema()
    visitor_count = total // PER_VISITOR
    ids = [secrets.token_hex(16) for _ in range(visitor_count)]
    credentials = []
    visitor_rows = []
    now = format_timestamp(utc_now())
    for index, visitor_id in enumerate(ids):
        if index < SAMPLED:
            secret = secrets.token_urlsafe(32)
            credentials.append(f"{visitor_id}.{secret}")
            digest = hashlib.sha256(secret.encode()).hexdigest()
        else:
            digest = secrets.token_hex(32)
        visitor_rows.append({"id": visitor_id, "secret_sha256": digest, "created_at": now})
    with storage.engine.begin() as conn:
        for start in range(0, len(visitor_rows), BATCH):
            conn.execute(insert(visitors), visitor_rows[start : start + BATCH])
    categories = {"necessary": True, "statistics": True, "media": False}
    categories_text = canonical_json(categories).decode()
    policy = {"version": CURRENT, "language": "sv", "sha256": policy_hash(CURRENT, "sv"),
                                                    "text_sha256": shown_hash(CURRENT, "sv")}
    prev = GENESIS_HASH
    rows = []
    for sequence in range(1, total + 1):
        record = {
            "type": "consent",
            "id": str(uuid.uuid4()),
            "sequence": sequence,
            "visitor": ids[sequence % visitor_count],
            "recorded_at": now,
            "action": "custom",
            "categories": categories,
            "policy": policy,
            "inventory": inventory_hash(CURRENT),
            "source": "banner",
            "prev_hash": prev,
        }
        prev = record["hash"] = record_hash(record)
        rows.append(
            {
                "sequence": sequence,
                "id": record["id"],
                "type": "consent",
                "visitor_id": record["visitor"],
                "recorded_at": now,
                "action": "custom",
                "categories": categories_text,
                "policy_version": CURRENT,
                "policy_language": "sv",
                "policy_sha256": policy["sha256"],
                "inventory_sha256": record["inventory"],
                "source": "banner",
                "purged": None,
                "prev_hash": record["prev_hash"],
                "hash": prev,
            }
        )
        if len(rows) == BATCH or sequence == total:
            with storage.engine.begin() as conn:
                conn.execute(insert(consent_records), rows)
            rows = []
    with storage.engine.begin() as conn:
        conn.execute(update(chain_head).where(chain_head.c.id == 1).values(sequence=total, hash=prev))
    return credentials


def lookup_script(directory: Path, credentials: list[str]) -> Path:
    script = directory / "lookup.lua"
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


def run(name: str, database_url: str, site: Path, work: Path, args: argparse.Namespace) -> None:
    storage = Storage(database_url)
    started = time.perf_counter()
    credentials = fill(storage, args.records)
    print(
        f"\n{name}: {args.records:,} records from {args.records // PER_VISITOR:,} visitors "
        f"(filled in {time.perf_counter() - started:.0f} s)"
    )
    if args.verify:
        started = time.perf_counter()
        report = storage.verify()
        print(
            f"  verify: ok={report.ok}, {report.records:,} records in {time.perf_counter() - started:.1f} s"
        )
    storage.dispose()
    environment = {
        "CONSENT_DATABASE_URL": database_url,
        "CONSENT_SITE_DIR": str(site),
        "CONSENT_RATE_LIMIT": "off",
    }
    process, url = start_server(environment, 2, 1, work / f"gunicorn-{name}.log")
    script = lookup_script(work, credentials)
    try:
        for connections in (2, 32):
            wrk(url, script, 2, connections)
            row = wrk(url, script, args.seconds, connections)
            print(
                f"  {connections:2} connections  {row['rps']:7.0f} req/s   p50 {row['p50_ms']:6.2f} ms   "
                f"p99 {row['p99_ms']:6.2f} ms   non-2xx {row['non_2xx']}"
            )
    finally:
        stop_server(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--verify", action="store_true", help="also time a full chain verification")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    print(
        f"{time.strftime('%Y-%m-%d')}  {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB; "
        "gunicorn -w 2 (sync), wrk -t1"
    )
    with tempfile.TemporaryDirectory(prefix="consent-bench-") as tmp:
        work = Path(tmp)
        site = write_site(work / "site", [version_entry(CURRENT, "current")])
        if args.only in (None, "sqlite"):
            run("SQLite", f"sqlite:///{work / 'consent.sqlite3'}", site, work, args)
        if args.only in (None, "postgresql"):
            try:
                server = PostgresServer().start()
            except PostgresUnavailable as error:
                print(f"\nPostgreSQL skipped: {error}")
                return
            try:
                run("PostgreSQL", server.url(), site, work, args)
            finally:
                server.stop()


if __name__ == "__main__":
    main()
