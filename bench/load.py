"""wrk as the load generator: the Lua script of a POST, one run parsed into figures, and a
run with the CPU time each group of processes spent on it."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from bench.cpu import CpuMeter


def post_script(directory: Path, body: object) -> Path:
    """wrk's script for POSTing ``body`` as JSON, written into ``directory``."""
    script = directory / "post.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(json.dumps(body))}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    return script


def wrk(url: str, script: Path, seconds: int, connections: int) -> dict[str, float]:
    """One wrk run with one thread: requests/s, the number of requests, p50 and p99 latency in
    ms, and the answers that were not 2xx or 3xx and the socket errors."""
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
    """A wrk duration (``812.00us``, ``4.21ms``, ``1.02s``) in milliseconds."""
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


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
