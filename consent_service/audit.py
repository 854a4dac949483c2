"""Auditor endpoints: export every record, verify the chain. Off without CONSENT_ADMIN_TOKEN."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context

from policy_core.hashing import canonical_json

from .errors import ApiError, Unauthorized
from .services import services

CSV_COLUMNS = (
    "type",
    "sequence",
    "id",
    "visitor",
    "recorded_at",
    "action",
    "categories",
    "policy_version",
    "policy_language",
    "policy_sha256",
    "inventory",
    "source",
    "purged",
    "prev_hash",
    "hash",
)

bp = Blueprint("audit", __name__, url_prefix="/api/v1/audit")


@bp.before_request
def require_admin_token() -> None:
    token = current_app.config["CONSENT_ADMIN_TOKEN"]
    if token is None:
        raise ApiError(
            "audit_disabled",
            "The audit endpoints are off; the operator turns them on by setting CONSENT_ADMIN_TOKEN.",
            status=404,
        )
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    expected = hashlib.sha256(token.encode("utf-8")).digest()
    given = hashlib.sha256(presented.strip().encode("utf-8", "replace")).digest()
    if scheme.lower() != "bearer" or not hmac.compare_digest(given, expected):
        raise Unauthorized("unauthorized", "Send Authorization: Bearer <CONSENT_ADMIN_TOKEN>.")


@bp.get("/export")
def export() -> Response:
    since = _date_parameter("from")
    until = _date_parameter("to")
    if since and until and since > until:
        raise ApiError("invalid_parameter", "from is after to.", field="from")
    fmt = request.args.get("format", "ndjson")
    if fmt not in ("ndjson", "csv"):
        raise ApiError("invalid_parameter", "format must be ndjson or csv.", field="format")
    storage = services().storage
    storage.ping()
    records = storage.iter_records(
        since=_midnight(since), until=_midnight(until + dt.timedelta(days=1)) if until else None
    )
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    if fmt == "csv":
        response = Response(stream_with_context(_csv_lines(records)), mimetype="text/csv")
        filename = f"consent-export-{stamp}.csv"
    else:
        response = Response(stream_with_context(ndjson_lines(records)), mimetype="application/x-ndjson")
        filename = f"consent-export-{stamp}.ndjson"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.cache_control.no_store = True
    return response


@bp.get("/verify")
def verify() -> tuple[Response, int]:
    report = services().storage.verify()
    return jsonify(report.as_json()), 200 if report.ok else 409


def _date_parameter(name: str) -> dt.date | None:
    value = request.args.get(name, "")
    if not value:
        return None
    try:
        if len(value) != len("YYYY-MM-DD"):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ApiError(
            "invalid_parameter",
            f"{name}={value[:32]!r} is not a date; expected YYYY-MM-DD (UTC).",
            field=name,
        ) from None


def _midnight(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


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
    return [
        record["type"],
        record["sequence"],
        record["id"],
        record.get("visitor", ""),
        record["recorded_at"],
        record.get("action", ""),
        json.dumps(record["categories"], sort_keys=True) if "categories" in record else "",
        policy.get("version", ""),
        policy.get("language", ""),
        policy.get("sha256", ""),
        record.get("inventory", ""),
        record.get("source", ""),
        json.dumps(record["purged"], sort_keys=True) if "purged" in record else "",
        record["prev_hash"],
        record["hash"],
    ]
