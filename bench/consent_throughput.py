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

Usage: ``python bench/consent_throughput.py [--seconds 10] [--workers 2] [--connections 32]``
(needs ``wrk``: apt-get install -y wrk, and Debian's postgresql for the second half). The
fixture site and the throwaway PostgreSQL come from the test helpers in ``tests/consent``,
found through ``sys.path``.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import http.client
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "consent"))

from testbed.consent import (  # noqa: E402
    CURRENT,
    inventory_hash,
    policy_hash,
    shown_hash,
    version_entry,
    write_site,
)
from testbed.postgres import PostgresServer, PostgresUnavailable, free_port  # noqa: E402

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

    profile_dir = os.environ.get(PROFILE_ENV)
    if profile_dir:
        app.wsgi_app = ProfiledConsents(app.wsgi_app, Path(profile_dir))
    return app


PROFILE_ENV = "CONSENT_BENCH_PROFILE_DIR"


class ProfiledConsents:
    """WSGI middleware: profiles (cProfile, wall clock) every POST /api/v1/consents of this
    worker process and writes the statistics to ``<directory>/<pid>.prof`` when it exits."""

    def __init__(self, wsgi_app, directory: Path) -> None:
        import atexit
        import cProfile

        self.wsgi_app = wsgi_app
        self.directory = directory
        self.profile = cProfile.Profile()
        self.requests = 0
        atexit.register(self.dump)

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] != "/api/v1/consents":
            return self.wsgi_app(environ, start_response)
        self.requests += 1
        self.profile.enable()
        try:
            return list(self.wsgi_app(environ, start_response))
        finally:
            self.profile.disable()

    def dump(self) -> None:
        if self.requests:
            self.profile.dump_stats(self.directory / f"{os.getpid()}-{self.requests}.prof")


PROFILE_PHASES = (
    # (phase, file the function is in, function): its cumulative time per request
    ("validation (schema, versions.json)", "consent_service/services.py", "check_body"),
    ("visitor credential lookup", "consent_service/credentials.py", "authenticate"),
    ("waiting for the writers' file lock", "consent_service/writer.py", "__enter__"),
    ("BEGIN", "consent_service/engine.py", "_begin_sqlite"),
    ("new record (salt, canonical JSON, hash)", "consent_service/records.py", "consent_record"),
    ("INSERT statements", "sqlalchemy/engine/base.py", "execute"),
    ("COMMIT (with its fsync)", "sqlalchemy/engine/default.py", "do_commit"),
    ("receipt (Ed25519 signature)", "consent_service/storage.py", "_appended"),
    ("answer JSON", "flask/json/__init__.py", "jsonify"),
    ("after-request hooks (headers, metrics)", "flask/app.py", "process_response"),
)


def profile_summary(directory: Path) -> dict[str, float]:
    """Microseconds per request spent in each of :data:`PROFILE_PHASES`, over every worker's
    profile, and the rest of the time the app took."""
    import pstats

    files = sorted(directory.glob("*.prof"))
    requests = sum(int(file.stem.split("-")[1]) for file in files)
    stats = pstats.Stats(*map(str, files)).stats  # type: ignore[attr-defined]

    def cumulative(path: str, function: str) -> float:
        return sum(entry[3] for (file, _line, name), entry in stats.items()
                   if file.endswith(path) and name == function)

    whole = cumulative("flask/app.py", "wsgi_app")
    phases = {phase: cumulative(path, function) for phase, path, function in PROFILE_PHASES}
    phases["everything else (Flask, routing, cookie)"] = whole - sum(phases.values())
    phases["the whole request in the app"] = whole
    return {phase: seconds / requests * 1e6 for phase, seconds in phases.items()}


def service_environment(database_url: str, site: Path, key_file: Path) -> dict[str, str]:
    """The service's settings for a benchmark: its database, site and key; no rate limit."""
    return {
        "CONSENT_DATABASE_URL": database_url,
        "CONSENT_SITE_DIR": str(site),
        "CONSENT_LOG_KEY_FILE": str(key_file),
        "CONSENT_RATE_LIMIT": "off",
    }


def flask_consent(environment: dict[str, str], *command: str, check: bool = True
                  ) -> subprocess.CompletedProcess[str]:
    """``flask --app consent_service.app consent <command>`` with ``environment``."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "consent_service.app", "consent", *command],
        cwd=REPO,
        env={**os.environ, **environment, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=check,
    )


def init_db(environment: dict[str, str]) -> None:
    done = flask_consent(environment, "init-db")
    assert "ready" in done.stdout, done.stdout + done.stderr


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
            "--config",
            "python:consent_service.gunicorn_config",
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
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "p50_ms": to_ms(percentiles["50"]),
        "p99_ms": to_ms(percentiles["99"]),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


TICKS = os.sysconf("SC_CLK_TCK")


def process_tree_cpu(roots: list[int]) -> float:
    """CPU seconds (user and system) used so far by the processes ``roots`` and all their
    descendants, read from /proc (a gunicorn master and its workers, a PostgreSQL postmaster
    and its backends): each living process's own time and that of its children which ended
    and were waited for (a backend or an autovacuum worker that exits mid-run still counts)."""
    parents, cpu = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        cpu[pid] = sum(int(value) for value in fields[11:15]) / TICKS  # utime stime cutime cstime
    total, wanted = 0.0, set(roots)
    for pid in cpu:
        ancestor = pid
        while ancestor not in wanted and ancestor in parents and ancestor > 1:
            ancestor = parents[ancestor]
        if ancestor in wanted:
            total += cpu[pid]
    return total


def machine_cpu() -> tuple[float, float]:
    """Busy and total CPU seconds of the whole machine so far (every process, anyone's)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / TICKS, sum(fields[:8]) / TICKS


class CpuMeter:
    """CPU seconds spent during a ``with`` block by each named group of processes, by this
    process's children that ended in it (wrk), and by the whole machine."""

    def __init__(self, groups: dict[str, list[int]]) -> None:
        self.groups = groups
        self.spent: dict[str, float] = {}

    def __enter__(self) -> CpuMeter:
        import resource

        self._start = {name: process_tree_cpu(roots) for name, roots in self.groups.items()}
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        self._children = children.ru_utime + children.ru_stime
        self._machine = machine_cpu()
        self._wall = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        import resource

        self.wall = time.perf_counter() - self._wall
        busy, total = machine_cpu()
        self.machine_busy = (busy - self._machine[0]) / (total - self._machine[1])
        self.spent = {name: process_tree_cpu(roots) - self._start[name]
                      for name, roots in self.groups.items()}
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.spent["wrk"] = children.ru_utime + children.ru_stime - self._children


def measured(url: str, script: Path, seconds: int, connections: int, groups: dict[str, list[int]]
             ) -> dict:
    """One wrk run, with the CPU time each group of processes spent on it."""
    with CpuMeter(groups) as meter:
        row = wrk(url, script, seconds, connections)
    row["cpu"] = meter.spent
    row["wall"] = meter.wall
    row["machine_busy"] = meter.machine_busy
    return row


def cpu_per_request(row: dict) -> str:
    """The CPU microseconds per request of each group of processes in a :func:`measured` run."""
    return ", ".join(f"{group} {spent / row['requests'] * 1e6:.0f}" for group, spent in row["cpu"].items())


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value that ``share`` of ``values`` do not exceed."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def post_script(directory: Path) -> Path:
    script = directory / "post.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(json.dumps(BODY))}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    return script


def _request(url: str, method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request(method, path, body=body, headers=headers or {})
    return connection.getresponse()


@dataclass
class Probe:
    """One choice posted beside the load: when its 201 arrived, its receipt and credential."""

    answered: float
    receipt: dict
    credential: str


@dataclass
class Watch:
    """When each signed tree size was first answered by ``GET /api/v1/log/checkpoint``."""

    sizes: list[int] = field(default_factory=list)
    answered: list[float] = field(default_factory=list)

    def first_including(self, leaf_index: int) -> float | None:
        """When a checkpoint whose tree holds ``leaf_index`` was first seen (sizes only grow)."""
        position = bisect.bisect_right(self.sizes, leaf_index)
        return self.answered[position] if position < len(self.sizes) else None


class Prober:
    """The client-side measurement: a probe posting choices and a watcher of checkpoints, each
    in its own thread, from ``start`` until ``stop``."""

    def __init__(self, url: str, vkey: str, probe_interval: float, watch_interval: float) -> None:
        from policy_core.note import Verifier

        self.url = url
        self.verifier = Verifier.from_vkey(vkey)
        self.probe_interval = probe_interval
        self.watch_interval = watch_interval
        self.probes: list[Probe] = []
        self.watch = Watch()
        self.failures: list[str] = []
        self._stop_probing = threading.Event()
        self._stop_watching = threading.Event()
        self._threads = [threading.Thread(target=self._probe, daemon=True),
                         threading.Thread(target=self._watch, daemon=True)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop_probing(self) -> None:
        self._stop_probing.set()
        self._threads[0].join()

    def stop_watching(self) -> None:
        self._stop_watching.set()
        self._threads[1].join()

    def _probe(self) -> None:
        body = json.dumps(BODY).encode()
        while not self._stop_probing.wait(self.probe_interval):
            response = _request(self.url, "POST", "/api/v1/consents", body,
                                {"Content-Type": "application/json"})
            data = response.read()
            answered = time.monotonic()
            if response.status != 201:
                self.failures.append(f"probe POST answered {response.status}: {data[:200]!r}")
                continue
            cookie = response.getheader("Set-Cookie") or ""
            credential = re.match(r"ps_visitor=([^;]+)", cookie)
            self.probes.append(Probe(answered, json.loads(data)["receipt"], credential.group(1)))

    def _watch(self) -> None:
        from policy_core.checkpoint import open_checkpoint

        while not self._stop_watching.wait(self.watch_interval):
            response = _request(self.url, "GET", "/api/v1/log/checkpoint")
            note = response.read().decode()
            answered = time.monotonic()
            if response.status != 200:
                self.failures.append(f"checkpoint answered {response.status}")
                continue
            size = int(note.split("\n")[1])
            if not self.watch.sizes or size > self.watch.sizes[-1]:
                open_checkpoint(note, self.verifier)  # raises unless the log's key signed it
                self.watch.sizes.append(size)
                self.watch.answered.append(answered)

    def delays(self) -> list[float]:
        """Each probe's delay in seconds, after checking its receipt with its inclusion proof."""
        from policy_core.receipt import attach_proof, verify_receipt

        delays = []
        for probe in self.probes:
            response = _request(self.url, "GET", "/api/v1/me/consents",
                                headers={"Authorization": f"Bearer {probe.credential}"})
            log = json.loads(response.read())
            (record,) = log["records"]
            assert record["id"] == probe.receipt["id"] and record["proof"], record
            proven = attach_proof(probe.receipt, record["leaf_index"], record["proof"]["tree_size"],
                                  [bytes.fromhex(h) for h in record["proof"]["hashes"]], log["checkpoint"])
            verify_receipt(proven, self.verifier)
            seen = self.watch.first_including(record["leaf_index"])
            if seen is None:
                self.failures.append(f"record {record['id']} was never seen in a checkpoint")
                continue
            delays.append(seen - probe.answered)
        return delays


def recorded_delays(database_url: str, since: str, until: str) -> tuple[list[float], int]:
    """For every record made from ``since`` to ``until`` (stored timestamps), the seconds from its
    ``recorded_at`` to the ``created_at`` of the first checkpoint including its leaf; and how
    many checkpoints were signed in that time."""
    from sqlalchemy import create_engine, select

    from consent_service.records import consent_records, log_checkpoints, parse_timestamp

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            checkpoints = conn.execute(select(log_checkpoints.c.tree_size, log_checkpoints.c.created_at)
                                       .order_by(log_checkpoints.c.tree_size)).all()
            records = conn.execute(
                select(consent_records.c.leaf_index, consent_records.c.recorded_at)
                .where(consent_records.c.recorded_at >= since, consent_records.c.recorded_at < until)
            ).all()
    finally:
        engine.dispose()
    sizes = [row.tree_size for row in checkpoints]
    delays = []
    for leaf_index, recorded_at in records:
        assert leaf_index is not None, "a record of the run is not in the tree"
        signed = checkpoints[bisect.bisect_right(sizes, leaf_index)].created_at
        delays.append((parse_timestamp(signed) - parse_timestamp(recorded_at)).total_seconds())
    signed_in_run = sum(1 for row in checkpoints if since <= row.created_at < until)
    return delays, signed_in_run


def wait_until_integrated(database_url: str, timeout: float = 30.0) -> None:
    """Until the sequencer has integrated every stored record (the server still running)."""
    from consent_service.storage import Storage

    storage = Storage(database_url)
    try:
        deadline = time.monotonic() + timeout
        while storage.log_state()["pending"]:
            if time.monotonic() > deadline:
                raise RuntimeError("records still pending after the run: is the sequencer running?")
            time.sleep(0.1)
    finally:
        storage.dispose()


def stamp(moment: dt.datetime) -> str:
    from consent_service.records import format_timestamp

    return format_timestamp(moment)


def run_backend(name: str, database_url: str, site: Path, work: Path, args: argparse.Namespace,
                database_pid: int | None = None) -> dict:
    environment = service_environment(database_url, site, work / f"log-{name}.key")
    if args.profile:
        environment[PROFILE_ENV] = str(work / f"profile-{name}")
        Path(environment[PROFILE_ENV]).mkdir()
    init_db(environment)
    script = post_script(work)
    process, url = start_server(environment, args.workers, args.threads, work / f"gunicorn-{name}.log")
    try:
        with urllib.request.urlopen(f"{url}/api/v1/log/key") as response:
            vkey = response.read().decode().strip()
        groups = {"gunicorn": [process.pid]}
        if database_pid is not None:
            groups["database"] = [database_pid]
        results = {}
        wrk(url + "/bench/ceiling", script, 2, args.connections)  # warm-up
        results["ceiling"] = measured(url + "/bench/ceiling", script, args.seconds, args.connections, groups)
        wrk(url + "/api/v1/consents", script, 2, args.connections)  # warm-up
        wait_until_integrated(database_url)
        prober = Prober(url, vkey, args.probe_interval, args.watch_interval)
        since = stamp(dt.datetime.now(dt.UTC))
        prober.start()
        results["consent"] = measured(url + "/api/v1/consents", script, args.seconds, args.connections,
                                      groups)
        prober.stop_probing()
        until = stamp(dt.datetime.now(dt.UTC))
        wait_until_integrated(database_url)
        time.sleep(2 * args.watch_interval)
        prober.stop_watching()
        results["probe_delays"] = prober.delays()
        results["probe_failures"] = prober.failures
        with urllib.request.urlopen(f"{url}/api/v1/health") as response:
            assert json.load(response)["database"]["ok"]
    finally:
        stop_server(process)
    if args.profile:
        results["profile"] = profile_summary(Path(environment[PROFILE_ENV]))
    results["recorded_delays"], results["checkpoints_in_run"] = recorded_delays(database_url, since, until)
    started = time.perf_counter()
    verify = flask_consent(environment, "verify", check=False)
    results["verify_seconds"] = time.perf_counter() - started
    results["log"] = json.loads(verify.stdout)
    return results


def report(name: str, results: dict, args: argparse.Namespace) -> None:
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
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--profile", action="store_true",
                        help="profile POST /api/v1/consents in the workers and say where its time goes")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install -y wrk")
    print(
        f"{time.strftime('%Y-%m-%d')}  {platform.machine()}, {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"load average {os.getloadavg()[0]:.1f}; "
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
                args,
            )
        if args.only in (None, "postgresql"):
            try:
                server = PostgresServer().start()
            except PostgresUnavailable as error:
                print(f"\nPostgreSQL skipped: {error}")
                return
            try:
                postmaster = int((server.directory / "data" / "postmaster.pid").read_text().split()[0])
                report("PostgreSQL 15 (fsync on)",
                       run_backend("postgresql", server.url(), site, work, args, postmaster), args)
            finally:
                server.stop()
        print(f"load average afterwards {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
