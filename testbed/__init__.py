"""The real things the tests and the benchmarks run on: copies of the project, real ``mkdocs
build`` runs, a throwaway PostgreSQL server, gunicorn, nginx, fixture sites and logs, Chromium.

A package beside ``tests/`` rather than inside it, so that ``bench/`` uses the same servers and
fixtures without importing a test module. Not part of the installed product: pytest finds it
through ``pythonpath`` in ``pyproject.toml``, the benchmarks run from the project root
(``python -m bench.<name>``).
"""

from __future__ import annotations

import socket
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
"""The project's root: what the tests copy, build and serve."""

FAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
"""Debian's libfaketime (package faketime): lets a server under test live on another day."""


def faketime_env(moment: str) -> dict[str, str]:
    """Make a process believe it is ``moment`` (``YYYY-MM-DD HH:MM:SS``), its clock running on."""
    assert FAKETIME.is_file(), "faketime is missing: `make test` installs the Debian package"
    return {"LD_PRELOAD": str(FAKETIME), "FAKETIME": f"@{moment}"}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
