"""The log the core's audit tests read, built with the core alone (``testbed.log``)."""

from __future__ import annotations

import pytest

from testbed.log import Log, chain_records, choice


@pytest.fixture
def log() -> Log:
    """Three records migrated from the chain, then five choices made for the tree, then two not
    yet integrated."""
    return Log(chain_records(3) + [choice(n) for n in range(5)], pending=[choice(90), choice(91)])
