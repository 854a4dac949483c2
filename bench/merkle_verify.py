"""The Merkle tree over 1,000,000 records: its root from an export, batches, proofs from tiles.

Times, in this one process, interleaved over ``--repeat`` rounds (medians reported, wall
clock and CPU seconds; the ratios are of CPU time, which other load on a shared machine does
not inflate):

* baseline: SHA-256 of 1,000,000 distinct 64-byte strings with hashlib, the least any tree
  over that many leaves costs (a tree of n leaves hashes n leaves and n - 1 nodes);
* root:     what an auditor does with an export's ``hash`` column: 1,000,000 hex record hashes
            to leaf hashes (SHA-256(0x00 || bytes)) and the RFC 9162 root with
            :func:`policy_core.merkle_frontier.tree_hash` (target: <= 10 s);
* batches:  what the sequencer does: the same leaves appended 500 at a time to a
            :class:`policy_core.merkle_frontier.Frontier`, every new complete subtree stored in tiles;
* proofs:   inclusion proofs of 1,000 random leaves, and consistency proofs from 1,000 random
            sizes, in the 1,000,000-leaf tree, read from those tiles held in memory.

Verifying a whole export (parsing each record, recomputing its hash from its canonical JSON,
the checks, the tree and checkpoints) is measured by ``python -m bench.export_verify``.

Usage: ``python -m bench.merkle_verify [--leaves 1000000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import time

from policy_core.merkle import leaf_hash, verify_consistency, verify_inclusion
from policy_core.merkle_frontier import Frontier, tree_hash
from policy_core.merkle_proofs import consistency_proof, inclusion_proof
from policy_core.tiles import store_nodes, tile_source

BATCH = 500
PROOFS = 1000


class Timer:
    """Wall-clock and CPU seconds of this process; on a shared machine the CPU time is what
    the code costs and the wall time what a user waits."""

    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def baseline(strings: list[bytes]) -> Timer:
    with Timer() as timer:
        for value in strings:
            hashlib.sha256(value).digest()
    return timer


def root_from_export(record_hashes: list[str]) -> tuple[Timer, bytes]:
    with Timer() as timer:
        root = tree_hash(leaf_hash(bytes.fromhex(value)) for value in record_hashes)
    return timer, root


def sequence_in_batches(leaves: list[bytes]) -> tuple[Timer, dict, bytes]:
    with Timer() as timer:
        frontier, tiles = Frontier(), {}
        for offset in range(0, len(leaves), BATCH):
            store_nodes(tiles, frontier.extend(leaves[offset:offset + BATCH]))
    return timer, tiles, frontier.root()


def proof_times(tiles: dict, leaves: list[bytes], root: bytes, rng: random.Random
                ) -> tuple[list[float], list[float]]:
    """Seconds per proof read from ``tiles``; each proof is verified (untimed)."""
    size, source = len(leaves), tile_source(tiles)
    inclusion, consistency = [], []
    for _ in range(PROOFS):
        index = rng.randrange(size)
        start = time.process_time()
        proof = inclusion_proof(index, size, source)
        inclusion.append(time.process_time() - start)
        verify_inclusion(leaves[index], index, size, proof, root)
    for _ in range(PROOFS):
        first = rng.randint(1, size - 1)
        start = time.process_time()
        proof = consistency_proof(first, size, source)
        consistency.append(time.process_time() - start)
        verify_consistency(first, size, proof, Frontier.from_source(first, source).root(), root)
    return inclusion, consistency


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    count = arguments.leaves
    record_hashes = [hashlib.sha256(b"record %d" % i).hexdigest() for i in range(count)]
    strings = [bytes.fromhex(value) * 2 for value in record_hashes]
    leaves = [leaf_hash(bytes.fromhex(value)) for value in record_hashes]

    rounds: dict[str, list[Timer]] = {"baseline: sha256 of 64-byte strings": [],
                                      "root from an export's hashes": [],
                                      f"sequencer, {BATCH} per batch, tiles": []}
    timers = list(rounds.values())
    for _ in range(arguments.repeat):
        timers[0].append(baseline(strings))
        timer, root = root_from_export(record_hashes)
        timers[1].append(timer)
        timer, tiles, batched_root = sequence_in_batches(leaves)
        timers[2].append(timer)
        assert batched_root == root, "batches and the export give the same root"
    inclusion, consistency = proof_times(tiles, leaves, root, random.Random(9162))

    base = statistics.median(t.cpu for t in timers[0])
    print(f"{count:,} leaves, median of {arguments.repeat} interleaved rounds")
    print(f"{'':37} {'wall s':>7} {'CPU s':>7} {'CPU x baseline':>15}")
    for name, values in rounds.items():
        cpu = statistics.median(t.cpu for t in values)
        wall = statistics.median(t.wall for t in values)
        print(f"{name:37} {wall:>7.2f} {cpu:>7.2f} {cpu / base:>15.2f}")
    print(f"root from an export: {statistics.median(t.wall for t in timers[1]):.2f} s wall "
          "(target <= 10 s)")
    for name, values in (("inclusion", inclusion), ("consistency", consistency)):
        print(f"{name} proof from tiles: median {statistics.median(values) * 1000:.2f} ms, "
              f"p99 {percentile(values, 0.99) * 1000:.2f} ms CPU ({PROOFS} proofs)")


if __name__ == "__main__":
    main()
