"""Visitor credentials: a random id and a random secret, of which only a hash is stored.

The credential is ``<visitor id>.<secret>``: the id is 128 random bits (32 hex
digits), the secret 256 random bits (43 URL-safe characters). It reaches the
browser once, in the ``ps_visitor`` cookie set with the first choice, and comes
back in that cookie or as ``Authorization: Bearer <visitor id>.<secret>``.

The database keeps SHA-256 of the secret. A fast hash is enough here: the secret
is 256 random bits, not a password, so it cannot be guessed from its hash.

Only a choice that allows an optional category creates a visitor. When that choice
carries an idempotency key, the secret is derived from the key instead of drawn at
random (SHA-256 of a fixed label and the key, base64url): a retry of the choice, sent
because its first answer and the cookie in it never arrived, is then given the same
credential, without the service ever keeping a secret it could hand out again. The
banner keeps the key only until the service has confirmed the choice; the record
keeps a different hash of it (``idempotency.key_sha256``), from which the secret
cannot be computed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from flask import Request, Response

from policy_core.cookies import VISITOR_COOKIE

from .errors import Unauthorized
from .storage import Storage

COOKIE_NAME = VISITOR_COOKIE
COOKIE_MAX_AGE = 365 * 24 * 60 * 60
"""Twelve months, as the policy text says."""

SECRET_LABEL = b"ps_visitor secret from idempotency key\x00"

CREDENTIAL = re.compile(r"^([0-9a-f]{32})\.([A-Za-z0-9_-]{43})$")
_UNUSED_HASH = hashlib.sha256(b"no such visitor").hexdigest()


@dataclass(frozen=True)
class NewVisitor:
    id: str
    secret: str

    @property
    def credential(self) -> str:
        return f"{self.id}.{self.secret}"

    @property
    def secret_sha256(self) -> str:
        return secret_sha256(self.secret)


def new_visitor(idempotency_key: str | None = None) -> NewVisitor:
    """A visitor to create: a random id, and a random secret or one derived from the key of
    the choice that creates it."""
    if idempotency_key is None:
        secret = secrets.token_urlsafe(32)
    else:
        digest = hashlib.sha256(SECRET_LABEL + idempotency_key.encode("ascii")).digest()
        secret = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return NewVisitor(id=secrets.token_hex(16), secret=secret)


def secret_sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def unauthorized() -> Unauthorized:
    return Unauthorized(
        "unauthorized",
        "No valid visitor credentials: send the ps_visitor cookie set by your first choice, "
        "or Authorization: Bearer <visitor id>.<secret>.",
    )


def presented_credential(request: Request) -> tuple[str | None, bool]:
    """The credential the request carries, and whether it came as a bearer token.

    A bearer token takes precedence over the cookie."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer":
            raise unauthorized()
        return value.strip(), True
    return request.cookies.get(COOKIE_NAME), False


def authenticate(storage: Storage, credential: str | None) -> str | None:
    """The visitor id if ``credential`` is valid, else ``None``.

    Unknown ids and wrong secrets take the same path (a hash comparison in constant
    time), so the answer does not tell whether an id exists."""
    if not credential:
        return None
    match = CREDENTIAL.match(credential)
    if match is None:
        return None
    visitor_id, secret = match.groups()
    stored = storage.visitor_secret_sha256(visitor_id)
    presented = secret_sha256(secret)
    if not hmac.compare_digest(presented, stored or _UNUSED_HASH) or stored is None:
        return None
    return visitor_id


def forget_visitor_cookie(response: Response, *, secure: bool) -> None:
    """Expire a ``ps_visitor`` cookie that no longer opens any visitor's log."""
    response.delete_cookie(COOKIE_NAME, path="/", secure=secure, httponly=True, samesite="Lax")


def set_visitor_cookie(response: Response, visitor: NewVisitor, *, secure: bool) -> None:
    response.set_cookie(
        COOKIE_NAME,
        visitor.credential,
        max_age=COOKIE_MAX_AGE,
        path="/",
        secure=secure,
        httponly=True,
        samesite="Lax",
    )
