"""The log's public endpoints: its latest signed checkpoint, its verifier key, and
consistency proofs between tree sizes. Anyone may fetch them; nothing here is personal.

Monitors and auditors collect checkpoints over time; any two of them, with a consistency
proof, show that the log only grew in between (RFC 9162 §2.1.4).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from .engine import NOT_INITIALISED, DatabaseNotInitialised
from .log_tree import SizeOutOfRange
from .query import InvalidParameter, Parameter, Query, TreeSize, reads_query
from .services import services

bp = Blueprint("log_api", __name__, url_prefix="/api/v1/log")

CONSISTENCY_QUERY = Query((
    Parameter("first", TreeSize(minimum=1), "The smaller tree size (of a checkpoint you hold).",
              required=True),
    Parameter("second", TreeSize(minimum=1), "The larger tree size, at most the latest checkpoint's.",
              required=True),
))


@bp.get("/checkpoint")
@reads_query()
def checkpoint() -> Response:
    """The latest signed checkpoint (C2SP tlog-checkpoint in a signed note)."""
    latest = services().storage.checkpoint()
    if latest is None:  # init-db signs the empty tree: a log without any is not initialised
        raise DatabaseNotInitialised(NOT_INITIALISED)
    response = Response(latest.note, mimetype="text/plain")
    response.cache_control.no_cache = True
    return response


@bp.get("/key")
@reads_query()
def key() -> Response:
    """The log's verifier key as a signed-note vkey, one line."""
    response = Response(services().storage.signer().verifier.vkey + "\n", mimetype="text/plain")
    response.cache_control.max_age = 3600
    return response


@bp.get("/consistency")
@reads_query(CONSISTENCY_QUERY)
def consistency(query: dict[str, Any]) -> Response:
    """The consistency proof from tree size ``first`` to ``second``, as hex hashes."""
    try:
        hashes = services().storage.consistency(query["first"], query["second"])
    except SizeOutOfRange as error:
        raise InvalidParameter("invalid_parameter", f"{error}.", field=error.field) from None
    response = jsonify({"first": query["first"], "second": query["second"],
                        "hashes": [value.hex() for value in hashes]})
    response.cache_control.max_age = 3600
    return response
