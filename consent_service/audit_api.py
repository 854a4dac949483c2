"""Auditor endpoints: export every record, verify the tree. Off without CONSENT_ADMIN_TOKEN."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context

from policy_core.hashing import canonical_json

from .admin_access import has_admin_bearer
from .errors import ApiError, Unauthorized
from .query import Day, InvalidParameter, OneOf, Parameter, Query, reads_query, utc_window
from .services import services

CSV_COLUMNS = (
    "leaf_index",
    "type",
    "id",
    "visitor",
    "recorded_at",
    "action",
    "categories",
    "policy_version",
    "policy_language",
    "policy_sha256",
    "policy_text_sha256",
    "inventory",
    "source",
    "site",
    "purged",
    "salt",
    "sequence",
    "prev_hash",
    "hash",
)

EXPORT_QUERY = Query(
    (
        Parameter("from", Day(), "The first UTC day of `recorded_at` to include."),
        Parameter("to", Day(), "The last UTC day of `recorded_at` to include."),
        Parameter("format", OneOf(("ndjson", "csv"), default="ndjson"), "NDJSON (one record a line) or CSV."),
    )
)

bp = Blueprint("audit", __name__, url_prefix="/api/v1/audit")


@bp.before_request
def require_admin_token() -> None:
    """Every method needs the token except OPTIONS, which only lists the methods (as on
    every other path) and reads nothing. A CORS preflight never gets this far: the
    audit endpoints are not for browsers on other origins (``security``)."""
    token = current_app.config["CONSENT_ADMIN_TOKEN"]
    if token is None:
        raise ApiError(
            "audit_disabled",
            "The audit endpoints are off; the operator turns them on by setting CONSENT_ADMIN_TOKEN.",
            status=404,
        )
    if request.method == "OPTIONS":
        return
    if not has_admin_bearer(request):
        raise Unauthorized("unauthorized", "Send Authorization: Bearer <CONSENT_ADMIN_TOKEN>.")


@bp.get("/export")
@reads_query(EXPORT_QUERY)
def export(query: dict[str, Any]) -> Response:
    try:
        since, until = utc_window(query["from"], query["to"])
    except ValueError as error:
        raise InvalidParameter(
            "invalid_parameter", f"{error}; give from on or before to.", field="from"
        ) from None
    storage = services().storage
    storage.ping()
    records = storage.iter_records(since=since, until=until)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    if query["format"] == "csv":
        response = Response(stream_with_context(_csv_lines(records)), mimetype="text/csv")
        filename = f"consent-export-{stamp}.csv"
    else:
        response = Response(stream_with_context(ndjson_lines(records)), mimetype="application/x-ndjson")
        filename = f"consent-export-{stamp}.ndjson"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.cache_control.no_store = True
    return response


@bp.get("/verify")
@reads_query()
def verify() -> tuple[Response, int]:
    report = services().storage.verify()
    return jsonify(report.as_json()), 200 if report.ok else 409


def ndjson_lines(records: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """One canonical JSON object per line, as exported (shared with ``flask consent export``)."""
    for record in records:
        yield canonical_json(record) + b"\n"


def _csv_lines(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for record in records:
        writer.writerow(_csv_row(record))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _csv_row(record: dict[str, Any]) -> list[Any]:
    policy = record.get("policy") or {}
    purged = record.get("purged")
    return [
        "" if record["leaf_index"] is None else record["leaf_index"],
        record.get("type", "purged" if purged is True else ""),
        record.get("id", ""),
        record.get("visitor", ""),
        record.get("recorded_at", ""),
        record.get("action", ""),
        json.dumps(record["categories"], sort_keys=True) if "categories" in record else "",
        policy.get("version", ""),
        policy.get("language", ""),
        policy.get("sha256", ""),
        policy.get("text_sha256", ""),
        record.get("inventory", ""),
        record.get("source", ""),
        record.get("site", ""),
        json.dumps(purged, sort_keys=True) if purged is not None else "",
        record.get("salt", ""),
        record.get("sequence", ""),
        record.get("prev_hash", ""),
        record["hash"],
    ]
