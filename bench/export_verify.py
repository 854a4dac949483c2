"""Verifying an export of 1,000,000 records as the log's tree: parsing, hashing, the tree.

Writes a synthetic export (choices as the service records them for the tree: salted, with
``hash`` and ``leaf_index``, one canonical JSON object per line; about 650 bytes each) into a
temporary folder, then times, in this one process, interleaved over ``--repeat`` rounds
(medians reported; wall clock, and CPU seconds of this process and its workers):

* baseline: the least a verifier in Python does per record, in one process: ``json.loads``
            of each line, then SHA-256 of the record's canonical JSON (what the README's
            auditor script does), with no tree and no checks;
* one process: :func:`policy_core.log_audit.audit_export` with ``workers=1``: every check of
            every record, the leaf hashes and the RFC 9162 tree, with the root at the sizes of
            two checkpoints it verifies;
* workers:  the same with one worker process per CPU (what ``policy-site audit`` runs);
* site:     :func:`policy_site.audit.audit` with workers, as ``policy-site audit`` runs it:
            the tree and also every choice judged against a published manifest.

The target is ``<= 10 s`` of wall clock for 1,000,000 records. The peak memory of the process
is printed too: the tree is a frontier and records are read in chunks, so it does not grow
with the export.

Usage: ``python -m bench.export_verify [--records 1000000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from policy_core.checkpoint import Checkpoint, sign_checkpoint
from policy_core.hashing import canonical_json
from policy_core.log_audit import audit_export
from policy_core.log_record import new_salt, record_hash, record_leaf_hash
from policy_core.manifest import parse
from policy_core.merkle_frontier import Frontier
from policy_core.note_keys import Signer
from policy_site.audit import ShownTexts, audit

ORIGIN = "bench.example/log"
VERSION = "2026-11-01"
SHA = {lang: hashlib.sha256(lang.encode()).hexdigest() for lang in ("sv", "en", "sv-text", "en-text")}
INVENTORY = "7" * 64


class Timer:
    """Wall-clock seconds, and CPU seconds of this process and of the workers it waited for."""

    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, _cpu() - self.cpu


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def write_export(path: Path, count: int, signer: Signer, sizes: list[int]) -> dict[int, str]:
    """The export, and signed checkpoints of the tree at ``sizes``."""
    frontier, leaves, checkpoints = Frontier(), [], {}
    with path.open("wb") as stream:
        for index in range(count):
            lang = ("sv", "en")[index % 2]
            record = {"type": "consent", "id": f"00000000-0000-4000-8000-{index:012d}",
                      "visitor": hashlib.md5(b"%d" % index).hexdigest(),
                      "recorded_at": f"2026-11-{10 + index % 20}T09:30:00.{index % 999999:06d}Z",
                      "action": ("accept_all", "reject_all", "custom")[index % 3],
                      "categories": {"necessary": True, "statistics": index % 3 == 0,
                                     "media": index % 2 == 0},
                      "policy": {"version": VERSION, "language": lang, "sha256": SHA[lang],
                                 "text_sha256": SHA[f"{lang}-text"]},
                      "inventory": INVENTORY, "source": "banner", "salt": new_salt()}
            record["hash"] = record_hash(record)
            record["leaf_index"] = index
            stream.write(canonical_json(record) + b"\n")
            leaves.append(record_leaf_hash(record["hash"]))
            if len(leaves) == 4096:
                frontier.extend(leaves, record=False)
                leaves = []
            if index + 1 in sizes:
                frontier.extend(leaves, record=False)
                leaves = []
                checkpoints[index + 1] = sign_checkpoint(Checkpoint(ORIGIN, index + 1, frontier.root()),
                                                         signer)
    return checkpoints


def baseline(path: Path) -> Timer:
    with Timer() as timer, path.open("rb") as stream:
        for line in stream:
            record = json.loads(line)
            del record["hash"], record["leaf_index"]
            hashlib.sha256(canonical_json(record)).hexdigest()
    return timer


def tree(path: Path, signer: Signer, checkpoints: dict[int, str], workers: int) -> Timer:
    with Timer() as timer:
        report = audit_export(path, verifier=signer.verifier, workers=workers,
                              checkpoints=[(str(size), note) for size, note in checkpoints.items()])
    assert report.ok and len(report.checkpoints) == len(checkpoints), report.problems[:3]
    return timer


def site(path: Path, signer: Signer, checkpoints: dict[int, str], workers: int) -> Timer:
    edition = {lang: {"url": f"/versions/{VERSION}/{lang}/", "title": "T", "summary": "S",
                      "sha256": SHA[lang], "text_sha256": SHA[f"{lang}-text"],
                      "text_url": f"/versions/{VERSION}/{lang}.shown.md"} for lang in ("sv", "en")}
    manifest = parse({"as_of": "2026-12-01", "current": VERSION, "versions": [
        {"id": VERSION, "effective": VERSION, "published": VERSION, "change_type": "material",
         "status": "current", "languages": edition,
         "inventory": {"sha256": INVENTORY, "categories": ["necessary", "statistics", "media"],
                       "required": ["necessary"]}}]})
    shown = ShownTexts({SHA[f"{lang}-text"]: edition[lang]["text_url"] for lang in ("sv", "en")}, [])
    with Timer() as timer:
        report = audit(path, manifest, shown, verifier=signer.verifier, workers=workers,
                       checkpoints=[(str(size), note) for size, note in checkpoints.items()])
    assert report.ok, report.problems[:3]
    return timer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    count, workers = arguments.records, len(os.sched_getaffinity(0))
    signer = Signer.generate(ORIGIN)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.ndjson"
        checkpoints = write_export(path, count, signer, [count // 2, count])
        names = ["baseline: json.loads + canonical SHA-256", "audit_export, one process",
                 f"audit_export, {workers} workers", f"policy-site audit's checks, {workers} workers"]
        rounds: dict[str, list[Timer]] = {name: [] for name in names}
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for _ in range(arguments.repeat):
            rounds[names[0]].append(baseline(path))
            rounds[names[1]].append(tree(path, signer, checkpoints, 1))
            rounds[names[2]].append(tree(path, signer, checkpoints, workers))
            rounds[names[3]].append(site(path, signer, checkpoints, workers))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        size = path.stat().st_size
    base_wall = statistics.median(t.wall for t in rounds[names[0]])
    base_cpu = statistics.median(t.cpu for t in rounds[names[0]])
    print(f"{count:,} records ({size / 1e6:,.0f} MB), median of {arguments.repeat} interleaved "
          f"rounds, load average {os.getloadavg()[0]:.1f}")
    print(f"{'':46} {'wall s':>7} {'CPU s':>7} {'wall x base':>12} {'CPU x base':>11}")
    for name, values in rounds.items():
        wall = statistics.median(t.wall for t in values)
        cpu = statistics.median(t.cpu for t in values)
        print(f"{name:46} {wall:>7.2f} {cpu:>7.2f} {wall / base_wall:>12.2f} {cpu / base_cpu:>11.2f}")
    print(f"target: <= 10 s wall for 1,000,000 records; peak memory of this process "
          f"{peak / 1024:,.0f} MiB ({before / 1024:,.0f} MiB before verifying)")


if __name__ == "__main__":
    main()
