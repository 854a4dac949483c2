"""Fixtures several site test modules share: a log of choices made on the product's own built
site, and the consent service serving the built site for the banner's browser tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from testbed.banner import ConsentServer
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


@pytest.fixture(scope="module")
def server(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsentServer]:
    """gunicorn serving the built site and the API, one per test module: a module may stop and
    restart it, and its records are that module's alone; every test has its own browser context,
    so its own cookies, storage and visitor."""
    consent = ConsentServer(built_site, tmp_path_factory.mktemp("consent")).start()
    yield consent
    consent.stop()
