"""The two databases the consent benchmarks run on, one after the other: SQLite in the run's
folder, then a throwaway PostgreSQL server.

Where PostgreSQL is missing or will not start, its half is skipped with a message saying why
and the SQLite figures still stand: a benchmark measures what this machine can run, whereas in
the tests a missing PostgreSQL is a failure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from testbed.postgres import PostgresServer, PostgresUnavailable

DATABASES = ("sqlite", "postgresql")
"""The names ``--only`` chooses from, in the order the benchmarks run them."""


@dataclass(frozen=True)
class Database:
    """One database a benchmark runs on."""

    name: str
    """``sqlite`` or ``postgresql``: for file names."""
    label: str
    """What the report calls it, with the settings that decide its durability."""
    url: str
    server_pid: int | None
    """The PostgreSQL server's first process, under which its CPU time is counted; SQLite's
    work is done in the service's own processes."""

    def process_groups(self, service_pid: int) -> dict[str, list[int]]:
        """The groups of processes whose CPU time a run of the service (its gunicorn master,
        ``service_pid``) on this database costs, for :class:`bench.cpu.CpuMeter`."""
        groups = {"gunicorn": [service_pid]}
        if self.server_pid is not None:
            groups["database"] = [self.server_pid]
        return groups


def on_each_database(work: Path, only: str | None, measure: Callable[[Database], object]) -> None:
    """``measure`` on SQLite (a file in ``work``), then on a PostgreSQL server started for it
    and stopped afterwards; ``only`` (one of :data:`DATABASES`) limits it to one of them."""
    if only in (None, "sqlite"):
        measure(Database("sqlite", "SQLite (WAL, synchronous=FULL)", f"sqlite:///{work / 'consent.sqlite3'}",
                         None))
    if only in (None, "postgresql"):
        try:
            server = PostgresServer().start()
        except PostgresUnavailable as error:
            print(f"\nPostgreSQL skipped: {error}")
            return
        try:
            measure(Database("postgresql", f"PostgreSQL {server.version()} (fsync on)", server.url(),
                             server.postmaster_pid()))
        finally:
            server.stop()
