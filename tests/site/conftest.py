"""Fixtures of the site's tests: a log of choices made on the product's own built site."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testbed.log import Log, chain_records, site_choice


@pytest.fixture(scope="module")
def current(built_site: Path) -> dict:
    """The version in effect on the built site, as versions.json publishes it."""
    manifest = json.loads((built_site / "versions.json").read_text(encoding="utf-8"))
    return next(v for v in manifest["versions"] if v["status"] == "current")


@pytest.fixture
def log(current: dict) -> Log:
    """Two records migrated from the chain, six choices in the tree, one not yet integrated."""
    edition = current["languages"]["sv"]
    migrated = chain_records(2, inventory=current["inventory"]["sha256"],
                             policy={"version": current["id"], "language": "sv",
                                     "sha256": edition["sha256"], "text_sha256": edition["text_sha256"]})
    return Log(migrated + [site_choice(current, n) for n in range(6)],
               pending=[site_choice(current, 6)])
