"""The application factory and the app-wide error handlers.

Run the service with ``flask --app consent_service.app consent init-db`` and then
``gunicorn 'consent_service.app:create_app()'``. Nothing happens at import time: every
application builds its own storage, site and catalogs inside :func:`create_app`.
"""

from __future__ import annotations

import os
import zoneinfo
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from . import api, audit_api, cli, dashboard, i18n, log_api, metrics, security, site, visitor_log
from .built_site import SiteDirectory, SiteNotBuilt
from .config import load_settings
from .engine import DatabaseNotInitialised, StorageError
from .errors import ApiError, ServiceUnavailable
from .schema import MAX_BODY_BYTES, body_too_large
from .sequencer import SequencerThread
from .services import Services, install, services
from .site import not_found_page
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
            storage=Storage(app.config["CONSENT_DATABASE_URL"], key_file=app.config["CONSENT_LOG_KEY_FILE"]),
            site=SiteDirectory(app.config["CONSENT_SITE_DIR"]),
            translations=translations,
            timezone=zoneinfo.ZoneInfo(app.config["CONSENT_TIMEZONE"]),
            retention_days=app.config["CONSENT_RETENTION_DAYS"],
        ),
    )
    i18n.init_app(app, translations)
    metrics.init_app(app)
    security.init_app(app)
    register_error_handlers(app)

    app.url_map.converters["sitepath"] = site.SitePathConverter
    app.register_blueprint(api.bp)
    app.register_blueprint(log_api.bp)
    app.register_blueprint(audit_api.bp)
    app.register_blueprint(visitor_log.bp)
    dashboard.init_app(app)
    app.register_blueprint(site.bp)
    security.init_rate_limit(app)
    cli.init_app(app)
    if app.config["CONSENT_SEQUENCER"] == "thread":
        start_sequencer_with_first_request(app)
    return app


def start_sequencer_with_first_request(app: Flask) -> None:
    """Each serving process runs the sequencer, started by its first request: after gunicorn
    forked it (a thread does not survive a fork), and never in a CLI command."""
    thread = SequencerThread(services(app).storage.sequence_tick)
    app.extensions["consent_sequencer"] = thread

    @app.before_request
    def ensure_sequencer() -> None:
        thread.ensure_started()


API_PREFIX = "/api/"


def error_response(error: ApiError) -> Response:
    response = jsonify(error.as_json())
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="consent"'
    response.cache_control.no_store = True
    return response


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def register_error_handlers(app: Flask) -> None:
    """Every API error becomes ``{"error": {"code", "message"[, "field"]}}``."""

    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError) -> Response:
        return error_response(error)

    @app.errorhandler(StorageError)
    def handle_storage_error(error: StorageError) -> Response:
        code = (
            "database_not_initialised"
            if isinstance(error, DatabaseNotInitialised)
            else "database_unavailable"
        )
        current_app.logger.error("consent database error: %s", error)
        return error_response(ServiceUnavailable(code, f"Try again later: {error}."))

    @app.errorhandler(SiteNotBuilt)
    def handle_site_not_built(error: SiteNotBuilt) -> Response:
        current_app.logger.error("site not built: %s", error)
        return error_response(
            ServiceUnavailable("site_not_built", "The policy versions are not available; try again later.")
        )

    @app.errorhandler(RequestEntityTooLarge)
    def handle_too_large(error: RequestEntityTooLarge) -> Response | HTTPException:
        if is_api_request():
            return error_response(body_too_large())
        return error

    @app.errorhandler(InternalServerError)
    def handle_internal_error(error: InternalServerError) -> Response | HTTPException:
        if is_api_request():
            return error_response(ApiError("internal_error", "Something went wrong on our side.", status=500))
        return error

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException) -> Response | HTTPException:
        if not is_api_request():
            return not_found_page() if error.code == 404 else error
        if error.code == 429:
            api_error = ApiError(
                "rate_limited",
                f"Too many requests from this client (limit: {error.description}); try again later.",
                status=429,
            )
        else:
            code = (error.name or "error").lower().replace(" ", "_")
            api_error = ApiError(code, error.description or error.name, status=error.code or 500)
        response = error_response(api_error)
        allow = dict(error.get_headers()).get("Allow")
        if allow:
            response.headers["Allow"] = allow
        return response
