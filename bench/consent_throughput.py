"""Throughput and latency of POST /api/v1/consents against a trivial Flask JSON endpoint.

For SQLite and for PostgreSQL (a throwaway server started here, default fsync), this
starts gunicorn on 127.0.0.1 with one app that serves both endpoints, and drives each
in turn with wrk at 32 concurrent connections:

* ceiling:  POST /bench/ceiling, parses the same JSON body and answers a small JSON
            object; no validation, no database;
* consent:  POST /api/v1/consents, the real thing: schema and versions.json checks, a
            new visitor per request (no cookie is sent back, as on a first visit), one
            serialized, committed append to the hash chain.

Same server, same settings, same run; prints requests/s and p50/p99 latency of both and
their ratio. Targets: ratio >= 0.8 and p99 <= 25 ms on SQLite.

Usage: ``python bench/consent_throughput.py [--seconds 10] [--workers 2] [--connections 32]``
(needs ``wrk``: apt-get install -y wrk, and Debian's postgresql for the second half).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "consent"))

from consent_testing import (  # noqa: E402
    CURRENT,
    inventory_hash,
    policy_hash,
    shown_hash,
    version_entry,
    write_site,
)
from pgserver import PostgresServer, PostgresUnavailable, free_port  # noqa: E402

BODY = {
    "action": "custom",
    "categories": {"necessary": True, "statistics": True, "media": False},
    "policy": {"version": CURRENT, "language": "sv", "sha256": policy_hash(CURRENT, "sv"),
                                                     "text_sha256": shown_hash(CURRENT, "sv")},
    "inventory": inventory_hash(CURRENT),
    "source": "banner",
}


def create_bench_app():
    """The consent service plus the ceiling endpoint, in one app (gunicorn entry point)."""
    from flask import jsonify, request

    from consent_service.app import create_app

    app = create_app()

    @app.post("/bench/ceiling")
    def ceiling():
        body = request.get_json()
        return jsonify({"ok": True, "action": body["action"]}), 201

    return app


def start_server(
    environment: dict[str, str], workers: int, threads: int, log: Path
) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, **environment, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "bench")])}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "--no-control-socket",
            "consent_throughput:create_bench_app()",
        ],
        cwd=REPO,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{url}/api/v1/health", timeout=2) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"gunicorn did not start: {log.read_text()[-2000:]}")


def stop_server(process: subprocess.Popen) -> None:
    os.killpg(process.pid, 15)
    process.wait(timeout=20)


def wrk(url: str, script: Path, seconds: int, connections: int) -> dict[str, float]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.MULTILINE))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": to_ms(percentiles["50"]),
        "p99_ms": to_ms(percentiles["99"]),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def post_script(directory: Path) -> Path:
    script = directory / "post.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(json.dumps(BODY))}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    return script


def run_backend(name: str, database_url: str, site: Path, work: Path, args: argparse.Namespace) -> dict:
    environment = {
        "CONSENT_DATABASE_URL": database_url,
        "CONSENT_SITE_DIR": str(site),
        "CONSENT_RATE_LIMIT": "off",
    }
    init = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "consent_service.app", "consent", "init-db"],
        cwd=REPO,
        env={**os.environ, **environment, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "ready" in init.stdout, init.stdout
    script = post_script(work)
    process, url = start_server(environment, args.workers, args.threads, work / f"gunicorn-{name}.log")
    try:
        results = {}
        for label, path in (("ceiling", "/bench/ceiling"), ("consent", "/api/v1/consents")):
            wrk(url + path, script, 2, args.connections)  # warm-up
            results[label] = wrk(url + path, script, args.seconds, args.connections)
        with urllib.request.urlopen(f"{url}/api/v1/health") as response:
            assert json.load(response)["database"]["ok"]
    finally:
        stop_server(process)
    verify = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "consent_service.app", "consent", "verify"],
        cwd=REPO,
        env={**os.environ, **environment, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
    )
    results["chain"] = json.loads(verify.stdout)
    return results


def report(name: str, results: dict) -> None:
    ceiling, consent = results["ceiling"], results["consent"]
    ratio = consent["rps"] / ceiling["rps"]
    print(f"\n{name}")
    for label, row in (("ceiling", ceiling), ("consent", consent)):
        print(
            f"  {label:8} {row['rps']:8.0f} req/s   p50 {row['p50_ms']:6.2f} ms   "
            f"p99 {row['p99_ms']:6.2f} ms   non-2xx {row['non_2xx']}  {row['socket_errors']}"
        )
    print(
        f"  ratio    {ratio:.2f}   chain after the run: ok={results['chain']['ok']}, "
        f"{results['chain']['records']} records"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="> 1 selects gthread workers")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install -y wrk")
    print(
        f"{time.strftime('%Y-%m-%d')}  {platform.machine()}, {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB; "
        f"gunicorn -w {args.workers} --threads {args.threads} "
        f"({'gthread' if args.threads > 1 else 'sync'}), wrk -t1 -c{args.connections} -d{args.seconds}s"
    )
    with tempfile.TemporaryDirectory(prefix="consent-bench-") as tmp:
        work = Path(tmp)
        site = write_site(work / "site", [version_entry(CURRENT, "current")])
        if args.only in (None, "sqlite"):
            report(
                "SQLite (WAL, synchronous=FULL)",
                run_backend("sqlite", f"sqlite:///{work / 'consent.sqlite3'}", site, work, args),
            )
        if args.only in (None, "postgresql"):
            try:
                server = PostgresServer().start()
            except PostgresUnavailable as error:
                print(f"\nPostgreSQL skipped: {error}")
                return
            try:
                report("PostgreSQL 15 (fsync on)", run_backend("postgresql", server.url(), site, work, args))
            finally:
                server.stop()


if __name__ == "__main__":
    main()
