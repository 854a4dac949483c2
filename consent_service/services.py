"""What one application instance holds: its storage, the built site and its catalogs.

Created by :func:`consent_service.app.create_app` and kept in ``app.extensions``, so
nothing lives at module level and two apps in one process never share state.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import zoneinfo
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app

from policy_core.manifest import Manifest, PublishedVersion
from policy_core.versions import History

from .built_site import SiteDirectory
from .choice import Choice, check_choice
from .schema import parse_consent_request
from .storage import Storage

EXTENSION_KEY = "consent_service"


class CheckedChoices:
    """Bodies already checked, so an identical body is not parsed and validated again.

    A banner sends one of a handful of bodies per policy version (one per action and
    combination of categories), so nearly every request repeats one seen before. The
    result depends only on the bytes, the manifest and the date, all part of the lookup;
    a rebuilt site (a new manifest) empties it. Bodies that fail are not kept.
    """

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._manifest: Manifest | None = None
        self._choices: OrderedDict[tuple[bytes, dt.date], Choice] = OrderedDict()

    def get(self, raw: bytes, manifest: Manifest, today: dt.date) -> Choice:
        key = (raw, today)
        with self._lock:
            if manifest is not self._manifest:
                self._choices.clear()
                self._manifest = manifest
            choice = self._choices.get(key)
            if choice is not None:
                self._choices.move_to_end(key)
                return choice
        choice = check_choice(parse_consent_request(raw), manifest.history(today))
        with self._lock:
            if manifest is self._manifest:
                self._choices[key] = choice
                while len(self._choices) > self._size:
                    self._choices.popitem(last=False)
        return choice


@dataclass
class Services:
    storage: Storage
    site: SiteDirectory
    translations: dict[str, Any]
    timezone: zoneinfo.ZoneInfo
    retention_days: int
    """How long a record is kept (``CONSENT_RETENTION_DAYS``): the purge's promise."""
    checked: CheckedChoices = field(default_factory=CheckedChoices)

    def today(self) -> dt.date:
        """Today's date where the policy applies (``CONSENT_TIMEZONE``)."""
        return dt.datetime.now(self.timezone).date()

    def check_body(self, raw: bytes, site: str) -> Choice:
        """Parse, validate and check a request body against the published versions; the
        choice was made on a page of ``site``, which the body does not say."""
        return dataclasses.replace(self.checked.get(raw, self.site.manifest(), self.today()), site=site)

    def history(self) -> History[PublishedVersion]:
        """The published versions as of today; raises ``SiteNotBuilt`` without a built site."""
        return self.site.manifest().history(self.today())


def install(app: Flask, services: Services) -> None:
    app.extensions[EXTENSION_KEY] = services


def services(app: Flask | None = None) -> Services:
    return (app or current_app).extensions[EXTENSION_KEY]
