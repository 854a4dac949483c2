"""A throwaway PostgreSQL server for tests and benchmarks (Debian's postgresql package).

``initdb`` into a temporary directory, ``pg_ctl start`` on 127.0.0.1 with a free
port and a private socket directory, ``pg_ctl stop`` and delete it all at the end.
``initdb`` refuses to run as root, so as root every command runs as the
``postgres`` user through ``runuser``, with directories that user owns.

A test run that is killed never reaches its teardown, so a small watchdog process
stops the server once the process that started it is gone.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from testbed import free_port

WATCHDOG = """
import os, shutil, subprocess, sys, time
owner, command, directory = int(sys.argv[1]), sys.argv[2:-1], sys.argv[-1]
while os.path.isdir(directory):
    try:
        os.kill(owner, 0)
    except ProcessLookupError:
        subprocess.run(command, capture_output=True, check=False)
        shutil.rmtree(directory, ignore_errors=True)
        break
    time.sleep(1)
"""


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries here, or the server would not start."""


def find_bindir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` with initdb, or initdb on PATH."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return Path(candidates[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


class PostgresServer:
    def __init__(self, bindir: Path | None = None) -> None:
        found = bindir or find_bindir()
        if found is None:
            raise PostgresUnavailable("PostgreSQL server binaries not found: apt-get install -y postgresql")
        self.bindir = found
        self.directory: Path | None = None
        self.port: int | None = None
        self._watchdog: subprocess.Popen[bytes] | None = None

    def _command(self, *args: str) -> list[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return command

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self._command(*args), capture_output=True, text=True, timeout=60, check=False)

    def start(self) -> PostgresServer:
        self.directory = Path(tempfile.mkdtemp(prefix="consent-pg-", dir="/tmp"))
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        data = self.directory / "data"
        result = self._run(
            "initdb",
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        if result.returncode != 0:
            raise PostgresUnavailable(f"initdb failed: {result.stderr.strip()}")
        for _attempt in range(3):
            self.port = free_port()
            options = f"-k {self.directory} -p {self.port} -c listen_addresses=127.0.0.1"
            result = self._run(
                "pg_ctl",
                "-D",
                str(data),
                "-l",
                str(self.directory / "log"),
                "-w",
                "-o",
                options,
                "start",
            )
            if result.returncode == 0:
                self._start_watchdog(data)
                return self
        log = (self.directory / "log").read_text(errors="replace")[-2000:]
        raise PostgresUnavailable(f"pg_ctl start failed: {result.stderr.strip()}\n{log}")

    def _start_watchdog(self, data: Path) -> None:
        stop = self._command("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        self._watchdog = subprocess.Popen(
            [sys.executable, "-c", WATCHDOG, str(os.getpid()), *stop, str(self.directory)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def postmaster_pid(self) -> int:
        """The running server's first process: its backends and workers are its children, so
        their CPU time is found under it."""
        assert self.directory is not None, "the server is not running"
        return int((self.directory / "data" / "postmaster.pid").read_text().split()[0])

    def version(self) -> str:
        """The server's version number, e.g. ``15.18`` from ``postgres (PostgreSQL) 15.18 (Debian
        15.18-0+deb12u1)``."""
        result = subprocess.run([str(self.bindir / "postgres"), "--version"], capture_output=True,
                                text=True, check=True)
        return result.stdout.split()[2]

    def stop(self) -> None:
        if self.directory is None:
            return
        if self._watchdog is not None:
            self._watchdog.terminate()
            self._watchdog.wait(timeout=10)
            self._watchdog = None
        self._run("pg_ctl", "-D", str(self.directory / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory = None
