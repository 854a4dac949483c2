"""Throughput and latency of POST /api/v1/consents against a trivial Flask JSON endpoint, and
how long a recorded choice waits for its place in a signed checkpoint.

For SQLite and for PostgreSQL (a throwaway server started here, default fsync), this runs
``flask consent init-db`` (tables and the log's signing key), starts gunicorn on 127.0.0.1 as
deployed (``--config python:consent_service.gunicorn_config``, sync workers, each running the
log's sequencer thread) with one app that serves both endpoints, and drives each in turn with
wrk at 32 concurrent connections:

* ceiling:  POST /bench/ceiling, parses the same JSON body and answers a small JSON
            object; no validation, no database;
* consent:  POST /api/v1/consents, the real thing: schema and versions.json checks, a
            new visitor per request (no cookie is sent back, as on a first visit), one
            committed insert, and the 201 with its Ed25519-signed receipt.

Same server, same settings, same run; prints requests/s and p50/p99 latency of both and
their ratio.

**Integration delay** (a 201 until a signed checkpoint includes its record), measured two ways
during the consent run:

* seen by a client: a probe posts a choice of its own every ``--probe-interval`` seconds,
  beside wrk, and notes when each 201 arrived; a watcher fetches ``GET /api/v1/log/checkpoint``
  every ``--watch-interval`` seconds, verifies each new checkpoint's signature with the log's
  key and notes when each tree size was first answered. After the run each probe fetches its
  own record from ``GET /api/v1/me/consents``, and its receipt with that inclusion proof is
  verified (``policy_core.receipt.verify_receipt``); its delay is from its 201 to the first
  verified checkpoint answered with a tree that includes its leaf. This is what a visitor
  could observe, at most one watch interval late;
* every record of the run, from the database afterwards: the first checkpoint (in
  ``log_checkpoints``) whose tree includes the record's leaf, its ``created_at`` minus the
  record's ``recorded_at``. Both are the server's clock; ``recorded_at`` is stamped before the
  insert commits and ``created_at`` before the checkpoint commits, so each end is early by
  about one commit: the figure covers every record, not a sample, and the client-side one
  bounds it from outside.

After the server stops, ``flask consent verify`` recomputes the whole tree (timed), and every
record is in it.

Targets: ratio >= 0.8 on SQLite and >= 0.6 on PostgreSQL; p99 <= 25 ms on SQLite; integration
delay p99 <= 1 s.

Usage: ``python -m bench.consent_throughput [--seconds 10] [--workers 2] [--connections 32]``
(needs ``wrk``: apt-get install -y wrk, and Debian's postgresql for the second half).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.cpu import describe_machine
from bench.databases import DATABASES, Database, on_each_database
from bench.integration import Prober, percentile, recorded_delays, stamp, wait_until_integrated
from bench.load import cpu_per_request, measured, post_script, wrk
from bench.profiling import PROFILE_ENV, profile_summary
from bench.service import BENCH_APP, BODY, fixture_site, flask_consent, init_db, service_environment
from testbed.consent import Gunicorn


def run_backend(database: Database, site: Path, work: Path, args: argparse.Namespace) -> dict:
    """The ceiling's and the consent endpoint's figures on ``database``, the integration delays
    measured during the consent run, and ``flask consent verify`` afterwards."""
    environment = service_environment(database.url, site, work / f"log-{database.name}.key")
    if args.profile:
        environment[PROFILE_ENV] = str(work / f"profile-{database.name}")
        Path(environment[PROFILE_ENV]).mkdir()
    init_db(environment)
    script = post_script(work, BODY)
    server = Gunicorn(environment, args.workers, work / f"gunicorn-{database.name}.log", app=BENCH_APP,
                      threads=args.threads)
    url = server.url
    try:
        with urllib.request.urlopen(f"{url}/api/v1/log/key") as response:
            vkey = response.read().decode().strip()
        groups = database.process_groups(server.process.pid)
        results = {}
        wrk(url + "/bench/ceiling", script, 2, args.connections)  # warm-up
        results["ceiling"] = measured(url + "/bench/ceiling", script, args.seconds, args.connections, groups)
        wrk(url + "/api/v1/consents", script, 2, args.connections)  # warm-up
        wait_until_integrated(database.url)
        prober = Prober(url, vkey, args.probe_interval, args.watch_interval)
        since = stamp(dt.datetime.now(dt.UTC))
        prober.start()
        results["consent"] = measured(url + "/api/v1/consents", script, args.seconds, args.connections,
                                      groups)
        prober.stop_probing()
        until = stamp(dt.datetime.now(dt.UTC))
        wait_until_integrated(database.url)
        time.sleep(2 * args.watch_interval)
        prober.stop_watching()
        results["probe_delays"] = prober.delays()
        results["probe_failures"] = prober.failures
        with urllib.request.urlopen(f"{url}/api/v1/health") as response:
            assert json.load(response)["database"]["ok"]
    finally:
        server.stop()
    if args.profile:
        results["profile"] = profile_summary(Path(environment[PROFILE_ENV]))
    results["recorded_delays"], results["checkpoints_in_run"] = recorded_delays(database.url, since, until)
    started = time.perf_counter()
    verify = flask_consent(environment, "verify", check=False)
    results["verify_seconds"] = time.perf_counter() - started
    results["log"] = json.loads(verify.stdout)
    return results


def report(name: str, results: dict, args: argparse.Namespace) -> None:
    """Prints :func:`run_backend`'s figures for ``name``."""
    ceiling, consent = results["ceiling"], results["consent"]
    ratio = consent["rps"] / ceiling["rps"]
    print(f"\n{name}")
    for label, row in (("ceiling", ceiling), ("consent", consent)):
        print(
            f"  {label:8} {row['rps']:8.0f} req/s   p50 {row['p50_ms']:6.2f} ms   "
            f"p99 {row['p99_ms']:6.2f} ms   non-2xx {row['non_2xx']}  {row['socket_errors']}"
        )
    print(f"  ratio    {ratio:.2f}")
    for label, row in (("ceiling", ceiling), ("consent", consent)):
        per_request = cpu_per_request(row)
        ours = sum(row["cpu"].values()) / row["wall"] / (os.cpu_count() or 1)
        print(f"  CPU per {label} request (us): {per_request}; the cores were "
              f"{row['machine_busy']:.0%} busy, {ours:.0%} with this benchmark")
    recorded, probes = results["recorded_delays"], results["probe_delays"]
    batches = results["checkpoints_in_run"]
    print(
        f"  integration delay, every record of the run ({len(recorded)}, {batches} checkpoints, "
        f"{len(recorded) / max(batches, 1):.0f} records each): p50 {percentile(recorded, 0.5) * 1000:.0f} ms"
        f"   p99 {percentile(recorded, 0.99) * 1000:.0f} ms   max {max(recorded) * 1000:.0f} ms"
    )
    if probes:
        print(
            f"  integration delay seen by a client ({len(probes)} probes, checkpoint polled every "
            f"{args.watch_interval * 1000:.0f} ms, receipts and proofs verified): "
            f"p50 {percentile(probes, 0.5) * 1000:.0f} ms   p99 {percentile(probes, 0.99) * 1000:.0f} ms"
            f"   max {max(probes) * 1000:.0f} ms"
        )
    for failure in results["probe_failures"]:
        print(f"  PROBE FAILURE: {failure}")
    if "profile" in results:
        print("  profile of POST /api/v1/consents in the workers (cProfile, wall clock, us per request;"
              " the profiler slows Python code, so these runs' figures above are not the benchmark's):")
        for phase, micros in results["profile"].items():
            print(f"    {phase:34} {micros:7.0f}")
    log = results["log"]
    print(
        f"  flask consent verify: ok={log['ok']}, {log['records']} records, tree size "
        f"{log['tree_size']}, in {results['verify_seconds']:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="> 1 selects gthread workers")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--probe-interval", type=float, default=0.1,
                        help="seconds between the probe's own choices")
    parser.add_argument("--watch-interval", type=float, default=0.05,
                        help="seconds between fetches of the latest checkpoint")
    parser.add_argument("--only", choices=DATABASES)
    parser.add_argument("--profile", action="store_true",
                        help="profile POST /api/v1/consents in the workers and say where its time goes")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install -y wrk")
    print(
        f"{describe_machine()}; gunicorn -w {args.workers} --threads {args.threads} "
        f"({'gthread' if args.threads > 1 else 'sync'}), wrk -t1 -c{args.connections} -d{args.seconds}s"
    )
    with tempfile.TemporaryDirectory(prefix="consent-bench-") as tmp:
        work = Path(tmp)
        site = fixture_site(work)
        on_each_database(work, args.only, lambda database: report(
            database.label, run_backend(database, site, work, args), args))
        print(f"load average afterwards {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
