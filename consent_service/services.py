"""What one application instance holds: its storage, the built site and its catalogs.

Created by :func:`consent_service.create_app` and kept in ``app.extensions``, so
nothing lives at module level and two apps in one process never share state.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from .policy import SiteDirectory
from .storage import Storage

EXTENSION_KEY = "consent_service"


@dataclass
class Services:
    storage: Storage
    site: SiteDirectory
    translations: dict[str, Any]
    timezone: zoneinfo.ZoneInfo

    def today(self) -> dt.date:
        """Today's date where the policy applies (``CONSENT_TIMEZONE``)."""
        return dt.datetime.now(self.timezone).date()


def install(app: Flask, services: Services) -> None:
    app.extensions[EXTENSION_KEY] = services


def services(app: Flask | None = None) -> Services:
    return (app or current_app).extensions[EXTENSION_KEY]
