"""Canonical JSON and SHA-256: the two primitives every published hash is made of.

Anyone can recompute a published hash with a standard JSON serializer and SHA-256:
``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` encoded as
UTF-8, then hashed.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                              allow_nan=False)
"""One encoder for every call: it holds only its settings, and building one per record costs
a tenth of verifying a record."""


def sha256_hex(data: bytes) -> str:
    """Lowercase hex SHA-256."""
    return hashlib.sha256(data).hexdigest()


def canonical_json(value: Any) -> bytes:
    """Serialize ``value`` canonically: sorted keys, no insignificant whitespace, UTF-8.

    Only JSON-native values are allowed; ``NaN`` and infinities are refused because JSON has no
    spelling for them, so two implementations could not agree on their bytes.
    """
    return _CANONICAL.encode(value).encode("utf-8")
