"""One production stack for the whole session: the built site published to a link, gunicorn as
policy-consent.service starts it, nginx configured from deploy/nginx/ in front of it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from testbed.consent import ADMIN_TOKEN
from testbed.production import Production


@pytest.fixture(scope="session")
def production(built_site: Path) -> Iterator[Production]:
    assert shutil.which("nginx"), "nginx is missing: `make test` installs Debian's nginx package"
    stack = Production(built_site, {"CONSENT_PROXY_HOPS": "1", "CONSENT_RATE_LIMIT": "off",
                                    "CONSENT_ADMIN_TOKEN": ADMIN_TOKEN})
    try:
        yield stack.start()
    finally:
        stack.stop()
