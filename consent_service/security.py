"""Security headers on every response, CORS for configured origins, the rate limits.

Three Content-Security-Policies: the site's pages run no inline script and no inline
style (the theme loads Material's inline helpers from a file); the consent-log page is ours
and needs less still; the API serves only JSON and allows nothing at all. The pages that
demonstrate gated inline snippets are the one exception. nginx sends the same site policy
and headers in production (deploy/nginx/), and the tests compare the two.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from policy_core import urls

from .errors import ApiError

SITE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
INLINE_SNIPPET_CSP = SITE_CSP.replace("script-src 'self';", "script-src 'self' 'unsafe-inline';")
INLINE_SNIPPET_PAGES = re.compile(r"/(?:en/)?demo/(?:index\.html)?")
"""The demonstration of gated inline snippets (docs/demo.md): the banner runs them once their
category is accepted, which only 'unsafe-inline' allows. A site's own gated snippets are
external files (``<script type="text/plain" data-category="…" src="…">``) under SITE_CSP."""
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
API_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), geolocation=(), microphone=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
HSTS = "max-age=31536000"

CORS_PREFIX = "/api/v1/"
NO_CORS_PREFIX = "/api/v1/audit/"
EMBED_PREFIX = "/" + urls.EMBED_PREFIX
EMBED_HEADERS = {"Access-Control-Allow-Origin": "*", "Cross-Origin-Resource-Policy": "cross-origin"}
"""The banner's script, stylesheet and configuration are for pages on any origin: they are the
same for every visitor and carry nothing personal, so any page may load and read them (the
configuration is fetched, the others loaded as script and stylesheet). Recording a choice is
still only for CONSENT_ALLOWED_ORIGINS."""
RATE_LIMITS = (
    ("CONSENT_RATE_LIMIT", "record-consent", ("api.record_consent", "log.withdraw")),
    ("CONSENT_LOGIN_RATE_LIMIT", "admin-login", ("dashboard.login",)),
)
"""Each per-client limit: its setting, its scope (one budget for the scope's endpoints) and the
endpoints that spend it. Every request to them counts, whatever it is answered; GETs of the same
paths are other endpoints (the login form is ``dashboard.login_page``), never limited."""


def page_origin() -> str:
    """The origin of the page a request that records something comes from: its ``Origin``
    header, which :func:`_check_origin` has let through only for the service's own origin and
    ``CONSENT_ALLOWED_ORIGINS``, or the service's own origin for a client that sends none
    (browsers send it with every POST from another origin, so such a request is not one)."""
    origin = request.headers.get("Origin")
    return (origin or f"{request.scheme}://{request.host}").lower()


def use_page_csp() -> None:
    """Mark the current response as one of our own pages (no inline code needed)."""
    g.consent_csp = PAGE_CSP


def init_app(app: Flask) -> None:
    app.before_request(_check_origin)
    app.after_request(_add_headers)


class _NoClientAddress(logging.Filter):
    """Flask-Limiter logs a breach with the limit's key, the client's address, at INFO: keep the
    line for operators, without the address (no IP address is written anywhere)."""

    BREACH = "ratelimit %s (%s) exceeded at endpoint: %s"

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == self.BREACH and isinstance(record.args, tuple) and len(record.args) == 3:
            limit, _address, endpoint = record.args
            record.msg, record.args = "ratelimit %s exceeded at endpoint: %s", (limit, endpoint)
        return True


def _log_no_client_address() -> None:
    limiter_log = logging.getLogger("flask-limiter")
    if not any(isinstance(each, _NoClientAddress) for each in limiter_log.filters):
        limiter_log.addFilter(_NoClientAddress())


def init_rate_limit(app: Flask) -> Limiter | None:
    """Limit recording choices (``CONSENT_RATE_LIMIT``) and signing in to the dashboard
    (``CONSENT_LOGIN_RATE_LIMIT``) per client, each on its own, or nothing when both are off.

    A client is the address the request comes from as ``ProxyFix`` gives it behind
    ``CONSENT_PROXY_HOPS`` trusted proxies; an ``X-Forwarded-For`` no proxy vouches for is not
    believed. The addresses are only the keys of the counters in ``CONSENT_RATE_LIMIT_STORAGE``,
    which expire with their window. A limited request is refused before its view runs, so a
    limited sign-in compares no token; the endpoint's blueprint says how (JSON for the API, the
    login page for the dashboard), and the limiter adds ``Retry-After``."""
    applied = [(app.config[setting], scope, endpoints) for setting, scope, endpoints in RATE_LIMITS
               if app.config[setting] is not None]
    if not applied:
        return None
    _log_no_client_address()
    limiter = Limiter(
        key_func=get_remote_address,
        app=app,
        storage_uri=app.config["CONSENT_RATE_LIMIT_STORAGE"],
        headers_enabled=True,
        swallow_errors=True,
    )
    for rate, scope, endpoints in applied:
        shared = limiter.shared_limit(rate, scope=scope)
        for endpoint in endpoints:
            app.view_functions[endpoint] = shared(app.view_functions[endpoint])
    return limiter


def _origin_allowed(origin: str, app_origins: tuple[str, ...]) -> bool:
    return origin.lower() in app_origins


def _same_origin(origin: str) -> bool:
    return urlsplit(origin).netloc.lower() == request.host.lower()


def _cors_applies() -> bool:
    return request.path.startswith(CORS_PREFIX) and not request.path.startswith(NO_CORS_PREFIX)


def _check_origin() -> Response | None:
    origin = request.headers.get("Origin")
    if origin is None:
        return None
    allowed = _origin_allowed(origin, current_app.config["CONSENT_ALLOWED_ORIGINS"])
    if request.method == "OPTIONS" and request.headers.get("Access-Control-Request-Method"):
        if request.path.startswith(NO_CORS_PREFIX):
            raise ApiError(
                "origin_not_allowed",
                "The audit endpoints are never called from a browser on another origin; "
                "call them from a script with the admin token.",
                status=403,
            )
        if not (allowed and _cors_applies()):
            raise ApiError(
                "origin_not_allowed",
                f"Origin {origin} may not call this API; the operator can add it to CONSENT_ALLOWED_ORIGINS.",
                status=403,
            )
        response = Response(status=204)
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Authorization, Idempotency-Key"
        response.headers["Access-Control-Max-Age"] = "600"
        return response
    if request.method not in ("GET", "HEAD", "OPTIONS") and not (
        _same_origin(origin) or (allowed and _cors_applies())
    ):
        raise ApiError(
            "origin_not_allowed",
            f"Requests from {origin} may not change anything here.",
            status=403,
        )
    return None


def _add_headers(response: Response) -> Response:
    if request.path.startswith(EMBED_PREFIX):
        response.headers.update(EMBED_HEADERS)
    for name, value in COMMON_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.path.startswith("/api/"):
        csp = API_CSP
        if "Cache-Control" not in response.headers:
            response.cache_control.no_store = True
    elif INLINE_SNIPPET_PAGES.fullmatch(request.path):
        csp = INLINE_SNIPPET_CSP
    else:
        csp = g.get("consent_csp", SITE_CSP)
    response.headers.setdefault("Content-Security-Policy", csp)
    origin = request.headers.get("Origin")
    if origin and _cors_applies() and _origin_allowed(origin, current_app.config["CONSENT_ALLOWED_ORIGINS"]):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.vary.add("Origin")
    elif _cors_applies():
        response.vary.add("Origin")
    return response
