"""The ``/api/v1`` endpoints for recording choices, health and the OpenAPI document."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify, request

from .built_site import SiteNotBuilt
from .choice import InvalidChoice
from .credentials import (
    NewVisitor,
    authenticate,
    forget_visitor_cookie,
    new_visitor,
    presented_credential,
    set_visitor_cookie,
)
from .credentials import unauthorized as unauthorized_error
from .engine import StorageError
from .health import CheckContext, run_checks
from .idempotency import HEADER, KeyReused, key_from_header
from .metrics import count_appended
from .query import OneOf, Parameter, Query, reads_query
from .records import utc_now
from .schema import (
    MAX_BODY_BYTES,
    body_too_large,
    check_content_type,
    openapi_document,
)
from .security import page_origin
from .services import Services, services
from .storage import Appended

bp = Blueprint("api", __name__, url_prefix="/api/v1")
logger = logging.getLogger(__name__)


@bp.post("/consents")
@reads_query()
def record_consent() -> tuple[Response, int]:
    """Record one choice; see ``openapi.json`` for the contract.

    A choice that allows no optional category is recorded under the visitor who presents
    a valid credential, and otherwise without any visitor: a refusal leaves no identifier
    behind (and a stale ``ps_visitor`` cookie is expired). Only a choice that allows an
    optional category creates a visitor. A retry with the same idempotency key gets the
    first answer again, with the cookie when that first answer created the visitor. The
    record names the page's origin (``site``): only the service's own and those in
    ``CONSENT_ALLOWED_ORIGINS`` get this far."""
    check_content_type(request.mimetype, request.mimetype_params)
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise body_too_large()
    key = key_from_header(request.headers.getlist(HEADER))
    svc = services()
    choice = svc.check_body(request.get_data(cache=False), page_origin())
    credential, is_bearer = presented_credential(request)
    visitor_id = authenticate(svc.storage, credential)
    if visitor_id is None and is_bearer:
        raise unauthorized_error()
    visitor = new_visitor(key) if visitor_id is None and choice.grants_optional else None
    try:
        appended = svc.storage.append_consent(
            choice,
            visitor_id=visitor.id if visitor else visitor_id,
            new_secret_sha256=visitor.secret_sha256 if visitor else None,
            idempotency_key=key,
        )
    except KeyReused as reused:
        raise InvalidChoice(
            "idempotency_key_reused",
            f"This {HEADER} was already used for a different choice (record {reused.record_id}); "
            "send every choice with a new key, and a retry with the key and body of the first attempt.",
            field=HEADER,
        ) from None
    if not appended.replayed:
        count_appended(choice)
    response = jsonify(appended.as_json())
    secure = request.is_secure
    handed_out = _credential_for(svc, appended, visitor)
    if handed_out is not None:
        set_visitor_cookie(response, handed_out, secure=secure)
    elif credential and not is_bearer and visitor_id is None:
        forget_visitor_cookie(response, secure=secure)
    return response, 201


def _credential_for(svc: Services, appended: Appended, visitor: NewVisitor | None) -> NewVisitor | None:
    """The credential to set as the cookie: the new visitor's, or on a replay the one the
    first answer set, when the secret derived from the key still opens that visitor."""
    if visitor is None or appended.visitor is None:
        return None
    if not appended.replayed:
        return visitor
    again = NewVisitor(id=appended.visitor, secret=visitor.secret)
    return again if authenticate(svc.storage, again.credential) == appended.visitor else None


HEALTH_QUERY = Query((
    Parameter("strict", OneOf(("0", "1"), default="0"),
              "1: answer 503 also when a check fails (for monitors). Without it, 503 only when the "
              "database or the site cannot be used."),
))


@bp.get("/health")
@reads_query(HEALTH_QUERY)
def health(query: dict[str, Any]) -> tuple[Response, int]:
    """The database and the site, usable or not; and every scheduled promise (``health.py``).

    ``status`` is ``ok``, ``behind`` (usable, but a check failed: the site is not published as
    of today, the purge is overdue) or ``unavailable``."""
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
    checks = run_checks(CheckContext(svc, utc_now()))
    usable = bool(database["ok"] and site["ok"])
    kept = all(result.ok for result in checks.values())
    status = "unavailable" if not usable else "ok" if kept else "behind"
    response = jsonify({"status": status, "database": database, "site": site,
                        "checks": {name: result.as_json() for name, result in checks.items()}})
    response.cache_control.no_store = True
    failing = not usable or (query["strict"] == "1" and not kept)
    return response, 503 if failing else 200


@bp.get("/openapi.json")
@reads_query()
def openapi() -> Response:
    response = jsonify(openapi_document())
    response.cache_control.no_cache = True
    return response
