"""The CPU time a benchmark run cost, read from /proc: per group of processes (a gunicorn
master and its workers, a PostgreSQL postmaster and its backends), for wrk, and for the whole
machine, whose other work on shared cores stretches the wall clock more than the CPU time.
"""

from __future__ import annotations

import os
import platform
import resource
import time
from pathlib import Path


def _ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


def process_tree_cpu(roots: list[int]) -> float:
    """CPU seconds (user and system) used so far by the processes ``roots`` and all their
    descendants: each living process's own time and that of its children which ended and were
    waited for (a backend or an autovacuum worker that exits mid-run still counts)."""
    parents, cpu, ticks = {}, {}, _ticks()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        cpu[pid] = sum(int(value) for value in fields[11:15]) / ticks  # utime stime cutime cstime
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
    return (sum(fields[:8]) - idle) / _ticks(), sum(fields[:8]) / _ticks()


class CpuMeter:
    """CPU seconds spent during a ``with`` block by each named group of processes, by this
    process's children that ended in it (wrk), and by the whole machine."""

    def __init__(self, groups: dict[str, list[int]]) -> None:
        self.groups = groups
        self.spent: dict[str, float] = {}

    def __enter__(self) -> CpuMeter:
        self._start = {name: process_tree_cpu(roots) for name, roots in self.groups.items()}
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        self._children = children.ru_utime + children.ru_stime
        self._machine = machine_cpu()
        self._wall = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        busy, total = machine_cpu()
        self.machine_busy = (busy - self._machine[0]) / (total - self._machine[1])
        self.spent = {name: process_tree_cpu(roots) - self._start[name]
                      for name, roots in self.groups.items()}
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.spent["wrk"] = children.ru_utime + children.ru_stime - self._children


def describe_machine() -> str:
    """Today's date, the machine and its load now: the first line of a benchmark's report."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{time.strftime('%Y-%m-%d')}  {platform.machine()}, {os.cpu_count()} cores, "
            f"{memory:.0f} GiB, load average {os.getloadavg()[0]:.1f}")
