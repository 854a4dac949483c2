"""The ``/api/v1`` endpoints for recording choices, health and the OpenAPI document,
and the JSON error shape every API error takes."""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

from .built_site import SiteNotBuilt
from .credentials import authenticate, new_visitor, presented_credential, set_visitor_cookie
from .credentials import unauthorized as unauthorized_error
from .errors import ApiError, ServiceUnavailable
from .query import NO_PARAMETERS, Query
from .schema import (
    MAX_BODY_BYTES,
    body_too_large,
    check_content_type,
    openapi_document,
)
from .services import services
from .site import not_found_page
from .storage import DatabaseNotInitialised, StorageError

API_PREFIX = "/api/"

bp = Blueprint("api", __name__, url_prefix="/api/v1")
logger = logging.getLogger(__name__)
View = TypeVar("View", bound=Callable[..., Any])


def reads_query(query: Query = NO_PARAMETERS) -> Callable[[View], View]:
    """Read the view's query parameters before it runs and refuse what cannot be read; a
    view that declares parameters receives their values as ``query``. The declaration
    stays on the view (``declared_query``), where the OpenAPI document is checked against
    it."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def read_then_run(*args: Any, **kwargs: Any) -> Any:
            values = query.read(request.args.items(multi=True))
            if query.parameters:
                kwargs["query"] = values
            return view(*args, **kwargs)

        read_then_run.declared_query = query  # type: ignore[attr-defined]
        return read_then_run  # type: ignore[return-value]

    return decorate


@bp.post("/consents")
@reads_query()
def record_consent() -> tuple[Response, int]:
    """Record one choice; see ``openapi.json`` for the contract."""
    check_content_type(request.mimetype, request.mimetype_params)
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise body_too_large()
    svc = services()
    choice = svc.check_body(request.get_data(cache=False))
    credential, is_bearer = presented_credential(request)
    visitor_id = authenticate(svc.storage, credential)
    if visitor_id is None and is_bearer:
        raise unauthorized_error()
    visitor = None
    if visitor_id is None:
        visitor = new_visitor()
        visitor_id = visitor.id
    appended = svc.storage.append_consent(
        choice,
        visitor_id=visitor_id,
        new_secret_sha256=visitor.secret_sha256 if visitor else None,
    )
    response = jsonify(dataclasses.asdict(appended))
    if visitor is not None:
        set_visitor_cookie(response, visitor, secure=request.is_secure)
    return response, 201


@bp.get("/health")
@reads_query()
def health() -> tuple[Response, int]:
    svc = services()
    database: dict[str, object] = {"ok": True, "backend": svc.storage.backend}
    try:
        svc.storage.ping()
    except StorageError as error:
        database = {"ok": False, "backend": svc.storage.backend, "error": str(error)}
    site: dict[str, object]
    try:
        current = svc.history().current
        site = {"ok": True, "current": current.id if current else None}
    except SiteNotBuilt:
        site = {"ok": False, "current": None, "error": "no usable versions.json in CONSENT_SITE_DIR"}
    ok = bool(database["ok"] and site["ok"])
    response = jsonify({"status": "ok" if ok else "unavailable", "database": database, "site": site})
    response.cache_control.no_store = True
    return response, 200 if ok else 503


@bp.get("/openapi.json")
@reads_query()
def openapi() -> Response:
    response = jsonify(openapi_document())
    response.cache_control.no_cache = True
    return response


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
