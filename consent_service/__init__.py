"""The consent service: records cookie-banner choices in a tamper-evident hash chain,
shows each visitor their own log, and serves the built policy site from the same origin.

Run it with ``flask --app consent_service consent init-db`` and then
``gunicorn 'consent_service:create_app()'``.
"""

from __future__ import annotations

import os
import zoneinfo
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import api, audit, cli, i18n, log, security, site
from .built_site import SiteDirectory
from .config import load_settings
from .schema import MAX_BODY_BYTES
from .services import Services, install
from .storage import Storage


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application.

    ``config`` overrides the environment: ``CONSENT_*`` keys are validated like the
    environment variables of the same name (see ``config.SETTINGS``); other keys, such
    as ``TESTING``, go to Flask's config as they are.
    """
    overrides = dict(config or {})
    app = Flask(
        __name__,
        instance_relative_config=True,
        static_folder="static",
        static_url_path="/_consent",
    )
    app.config.update({key: value for key, value in overrides.items() if not key.startswith("CONSENT_")})
    app.config.update(load_settings(os.environ, overrides, app.instance_path))
    # One byte over the limit lets a streamed (chunked) body that is too large be told apart
    # from one of exactly the limit: Werkzeug stops reading at MAX_CONTENT_LENGTH.
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES + 1

    hops = app.config["CONSENT_PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    translations = i18n.load_translations()
    install(
        app,
        Services(
            storage=Storage(app.config["CONSENT_DATABASE_URL"]),
            site=SiteDirectory(app.config["CONSENT_SITE_DIR"]),
            translations=translations,
            timezone=zoneinfo.ZoneInfo(app.config["CONSENT_TIMEZONE"]),
        ),
    )
    i18n.init_app(app, translations)
    security.init_app(app)
    api.register_error_handlers(app)

    app.url_map.converters["sitepath"] = site.SitePathConverter
    app.register_blueprint(api.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(log.bp)
    app.register_blueprint(site.bp)
    security.init_rate_limit(app)
    cli.init_app(app)
    return app
