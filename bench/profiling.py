"""Where the time of ``POST /api/v1/consents`` goes under load: cProfile in every gunicorn
worker, summed afterwards into the phases of an append.

The profiler slows Python code, so a profiled run's throughput is not the benchmark's; what it
gives is each phase's share of a request served under the same concurrency.
"""

from __future__ import annotations

import atexit
import cProfile
import os
import pstats
from pathlib import Path

PROFILE_ENV = "CONSENT_BENCH_PROFILE_DIR"
"""Set in the server's environment to the folder the workers write their profiles into."""

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


class ProfiledConsents:
    """WSGI middleware: profiles (cProfile, wall clock) every POST /api/v1/consents of this
    worker process and writes the statistics to ``<directory>/<pid>-<requests>.prof`` when it
    exits."""

    def __init__(self, wsgi_app, directory: Path) -> None:
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


def profile_summary(directory: Path) -> dict[str, float]:
    """Microseconds per request spent in each of :data:`PROFILE_PHASES`, over every worker's
    profile, and the rest of the time the app took."""
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
