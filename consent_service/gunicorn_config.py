"""What gunicorn reads with ``--config python:consent_service.gunicorn_config``: the directory in
which prometheus_client's multiprocess mode keeps every worker's counts, so that ``/metrics``
gives the service's totals whichever worker answers (``consent_service/metrics.py``).

prometheus_client decides on multiprocess mode when it is first imported, from
``PROMETHEUS_MULTIPROC_DIR``, and counts whatever files it finds there. So the variable is set in
the master before any worker starts (workers inherit it), and the directory is emptied when the
server starts, never while it runs: the counts of a worker that exited stay in the totals, as a
counter's must. The systemd unit gives a RuntimeDirectory, which systemd creates empty on every
start; without the variable (``make run``, the tests) a temporary directory is made for the
server and removed when it exits.

No ``child_exit`` hook marks exited workers dead: that is only for per-process gauges, and the
service keeps none (its gauges are read from the database and the disk when asked).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
"""prometheus_client's variable. This module imports neither prometheus_client nor anything that
does: the master would then settle on single-process mode before the variable is set, and every
worker would inherit that."""
TEMPORARY_ATTRIBUTE = "consent_metrics_temporary"


def on_starting(server: Any) -> None:
    """Before the master forks any worker: a directory for the counts, and an empty one."""
    directory = os.environ.get(MULTIPROCESS_ENV)
    if directory:
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        for leftover in folder.glob("*.db"):
            leftover.unlink()
    else:
        os.environ[MULTIPROCESS_ENV] = tempfile.mkdtemp(prefix="consent-metrics-")
        setattr(server, TEMPORARY_ATTRIBUTE, os.environ[MULTIPROCESS_ENV])


def on_exit(server: Any) -> None:
    temporary = getattr(server, TEMPORARY_ATTRIBUTE, None)
    if temporary:
        shutil.rmtree(temporary, ignore_errors=True)
