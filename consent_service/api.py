"""The ``/api/v1`` endpoints for recording choices, health and the OpenAPI document."""

from __future__ import annotations

import dataclasses
import logging

from flask import Blueprint, Response, jsonify, request

from .built_site import SiteNotBuilt
from .credentials import authenticate, new_visitor, presented_credential, set_visitor_cookie
from .credentials import unauthorized as unauthorized_error
from .engine import StorageError
from .query import reads_query
from .schema import (
    MAX_BODY_BYTES,
    body_too_large,
    check_content_type,
    openapi_document,
)
from .services import services

bp = Blueprint("api", __name__, url_prefix="/api/v1")
logger = logging.getLogger(__name__)


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
