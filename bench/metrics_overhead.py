"""What counting requests for /metrics costs: the same trivial endpoint with and without it.

One gunicorn server (as deployed: ``--config python:consent_service.gunicorn_config``, so the
counts go through prometheus_client's multiprocess files) serves two copies of the service:
under ``/counted`` as it is, under ``/plain`` with the two request hooks of
``consent_service.metrics`` taken off. wrk drives ``GET <prefix>/bench/ceiling`` (a small JSON
answer, no database) on each in turn, several rounds alternating, and the ratio of the medians
is printed, with the time one ``/metrics`` scrape takes afterwards; then the CPU time per request
of each in one process, which other work on a shared machine disturbs less than the wall clock.

Usage: ``python -m bench.metrics_overhead [--seconds 5] [--rounds 3] [--workers 2]`` (needs wrk).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.load import wrk
from bench.service import init_db, service_environment
from testbed import REPO
from testbed.consent import CURRENT, SUPERSEDED, Gunicorn, version_entry, write_site

IN_PROCESS = """
import json, sys, time
from werkzeug.test import Client
from bench.metrics_overhead import create_bench_app
rounds, requests = int(sys.argv[1]), int(sys.argv[2])
client = Client(create_bench_app())
found = {"counted": [], "plain": []}
for _ in range(rounds):
    for prefix in found:
        started = time.process_time()
        for _ in range(requests):
            client.get(f"/{prefix}/bench/ceiling").close()
        found[prefix].append((time.process_time() - started) / requests * 1e6)
print(json.dumps(found))
"""
"""What :func:`cpu_per_request` runs in a fresh process: arguments rounds and requests."""


def create_bench_app():
    """Two copies of the service, with and without the request counting (gunicorn entry point)."""
    from flask import jsonify
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from consent_service import metrics
    from consent_service.app import create_app

    def with_ceiling():
        app = create_app()
        app.get("/bench/ceiling")(lambda: jsonify({"ok": True}))
        return app

    counted, plain = with_ceiling(), with_ceiling()
    plain.before_request_funcs[None].remove(metrics._start_clock)
    plain.after_request_funcs[None].remove(metrics._count_request)
    return DispatcherMiddleware(counted, {"/counted": counted, "/plain": plain})


def cpu_per_request(environment: dict[str, str], work: Path, rounds: int, requests: int
                    ) -> dict[str, list[float]]:
    """CPU time per request (this process only, so other load on the machine counts less than on
    the wall clock), the two apps alternating, in a process of its own in multiprocess mode."""
    counts = work / "counts-in-process"
    counts.mkdir()
    result = subprocess.run([sys.executable, "-c", IN_PROCESS, str(rounds), str(requests)], cwd=REPO,
                            check=True, capture_output=True, text=True,
                            env={**os.environ, **environment, "PYTHONPATH": str(REPO),
                                 "PROMETHEUS_MULTIPROC_DIR": str(counts)})
    return json.loads(result.stdout.splitlines()[-1])


def through_gunicorn(environment: dict[str, str], work: Path, args: argparse.Namespace
                     ) -> tuple[dict[str, list[dict]], list[float]]:
    """wrk's figures of each copy, round after round, and the milliseconds of 20 ``/metrics``
    scrapes afterwards."""
    server = Gunicorn(environment, args.workers, work / "gunicorn.log",
                      app="bench.metrics_overhead:create_bench_app()")
    try:
        script = work / "get.lua"
        script.write_text('wrk.method = "GET"\n')
        results: dict[str, list[dict]] = {"counted": [], "plain": []}
        for prefix in results:
            wrk(f"{server.url}/{prefix}/bench/ceiling", script, 2, args.connections)  # warm-up
        for _ in range(args.rounds):
            for prefix in results:
                results[prefix].append(wrk(f"{server.url}/{prefix}/bench/ceiling", script, args.seconds,
                                           args.connections))
        scrapes = []
        for _ in range(20):
            started = time.perf_counter()
            with urllib.request.urlopen(f"{server.url}/metrics", timeout=10) as response:
                response.read()
            scrapes.append((time.perf_counter() - started) * 1000)
    finally:
        server.stop()
    return results, scrapes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install -y wrk")
    with tempfile.TemporaryDirectory(prefix="metrics-bench-") as tmp:
        work = Path(tmp)
        site = write_site(work / "site", [version_entry(SUPERSEDED, "superseded", inventory=False),
                                          version_entry(CURRENT, "current")])
        environment = service_environment(f"sqlite:///{work / 'consent.sqlite3'}", site, work / "log.key")
        init_db(environment)
        results, scrapes = through_gunicorn(environment, work, args)
        print(f"gunicorn -w {args.workers}, wrk -t1 -c{args.connections}, {args.rounds} rounds of "
              f"{args.seconds} s, load average {os.getloadavg()[0]:.1f}")
        medians = {}
        for prefix, runs in results.items():
            medians[prefix] = statistics.median(run["rps"] for run in runs)
            rounds = ", ".join(f"{run['rps']:.0f}" for run in runs)
            print(f"  {prefix:8} {medians[prefix]:8.0f} req/s (rounds: {rounds})   p99 "
                  f"{statistics.median(run['p99_ms'] for run in runs):.2f} ms")
        print(f"  counted / plain: {medians['counted'] / medians['plain']:.2f}")
        cpu = cpu_per_request(environment, work, args.rounds * 2, 2000)
    per = {prefix: statistics.median(values) for prefix, values in cpu.items()}
    print(f"  CPU per request, in process: counted {per['counted']:.0f} µs, plain {per['plain']:.0f} µs, "
          f"counted / plain {per['counted'] / per['plain']:.2f} (rounds "
          f"{min(a / b for a, b in zip(cpu['counted'], cpu['plain'], strict=True)):.2f} to "
          f"{max(a / b for a, b in zip(cpu['counted'], cpu['plain'], strict=True)):.2f})")
    print(f"  one /metrics scrape: median {statistics.median(scrapes):.1f} ms, "
          f"max {max(scrapes):.1f} ms")


if __name__ == "__main__":
    main()
