"""Who may read what only operators may: the holder of ``CONSENT_ADMIN_TOKEN``, and for
``/metrics`` also a client on this machine.

The token is compared in constant time (the SHA-256 of each side, so neither length nor content
leaks through timing) and never logged. The audit endpoints and ``/metrics`` take it as
``Authorization: Bearer``, the dashboard as the password of its login form.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

from flask import Request, current_app


def token_matches(presented: str) -> bool:
    """Whether ``presented`` is the admin token; never true while none is configured."""
    expected = current_app.config["CONSENT_ADMIN_TOKEN"]
    if expected is None:
        return False
    given = hashlib.sha256(presented.strip().encode("utf-8", "replace")).digest()
    return hmac.compare_digest(given, hashlib.sha256(expected.encode("utf-8")).digest())


def has_admin_bearer(request: Request) -> bool:
    """Whether the request carries ``Authorization: Bearer <CONSENT_ADMIN_TOKEN>``."""
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and token_matches(presented)


def is_loopback_client(request: Request) -> bool:
    """Whether the client is on this machine.

    The address is the one the service believes: behind ``CONSENT_PROXY_HOPS`` trusted proxies,
    the client's as they forward it. A request that came through a proxy the service was not told
    to trust (it carries ``X-Forwarded-For``, and no hops are trusted) is never a loopback client:
    its proxy's address is no one's in particular, and every client of that proxy would pass."""
    if current_app.config["CONSENT_PROXY_HOPS"] == 0 and "X-Forwarded-For" in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False
