"""How long a recorded choice waits for its place in a signed checkpoint, measured two ways
while the service is under load.

* seen by a client (:class:`Prober`): a probe posts a choice of its own at intervals and notes
  when each 201 arrived; a watcher fetches ``GET /api/v1/log/checkpoint`` at shorter intervals,
  verifies each new checkpoint's signature and notes when each tree size was first answered.
  Afterwards each probe's receipt, with its inclusion proof, is verified, and its delay is from
  its 201 to the first checkpoint seen whose tree includes its leaf;
* every record (:func:`recorded_delays`), from the database: the ``created_at`` of the first
  checkpoint whose tree includes the record's leaf, minus its ``recorded_at``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import http.client
import json
import math
import re
import threading
import time
from dataclasses import dataclass, field

from bench.service import BODY


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value that ``share`` of ``values`` do not exceed."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


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
        from policy_core.note_keys import Verifier

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
