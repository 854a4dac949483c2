"""The real things the tests and the benchmarks run on: copies of the project, real ``mkdocs
build`` runs, a throwaway PostgreSQL server, gunicorn, nginx, fixture sites and logs, Chromium.

A package beside ``tests/`` rather than inside it, so that ``bench/`` uses the same servers and
fixtures without importing a test module. Not part of the installed product: pytest finds it
through ``pythonpath`` in ``pyproject.toml``, the benchmarks run from the project root
(``python -m bench.<name>``).
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
"""The project's root: what the tests copy, build and serve."""
