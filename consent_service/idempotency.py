"""Idempotency keys: how a retried choice is recognised and recorded only once.

The banner makes a random key for every choice and sends it in the ``Idempotency-Key``
header (draft-ietf-httpapi-idempotency-key-header: an RFC 8941 string, so in double
quotes) each time it sends that choice. The service keeps the key's SHA-256 in the
record; a request whose key is already there is answered with that record and stores
nothing. The key's form is the one the OpenAPI document publishes for the header,
read from the same file, like the request body's schema.

A key is not personal data: it is random, made for one choice, and says nothing about
the browser. Its hash is kept rather than the key itself because a retry that presents
it may receive a new credential for the visitor that choice created (see ``api.py``):
whoever reads an export must not be able to do the same.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from jsonschema import Draft202012Validator

from policy_core.hashing import sha256_hex

from .errors import ApiError, ConsentServiceError
from .schema import openapi_document

HEADER = "Idempotency-Key"
FORM_FIELD = "idempotency_key"
"""The same key in the consent-log page's withdraw form, without the quotes."""
EXAMPLE_KEY = "mI9c1vO0eVtH2yKxS8QdWg"
"""A key of the right form, for messages; real keys are random (128 bits or more)."""


class InvalidKey(ApiError):
    """The idempotency key is not in the published form."""

    status = 400


class KeyReused(ConsentServiceError):
    """The key is already recorded with another choice (``record_id`` is that record)."""

    def __init__(self, record_id: str) -> None:
        super().__init__(f"the idempotency key is already recorded, with record {record_id}")
        self.record_id = record_id


@functools.cache
def header_validator() -> Draft202012Validator:
    operation = openapi_document()["paths"]["/consents"]["post"]
    [parameter] = [p for p in operation["parameters"] if p["in"] == "header" and p["name"] == HEADER]
    Draft202012Validator.check_schema(parameter["schema"])
    return Draft202012Validator(parameter["schema"])


def key_from_header(values: Sequence[str]) -> str | None:
    """The key a request carries (without its quotes), or ``None`` without the header."""
    if not values:
        return None
    if len(values) > 1:
        raise InvalidKey("invalid_header", f"Send {HEADER} once; this request has it {len(values)} times.",
                         field=HEADER)
    if not header_validator().is_valid(values[0]):
        raise InvalidKey(
            "invalid_header",
            f'{HEADER} must be a string in double quotes of 22 to 64 characters A-Z, a-z, 0-9, - and _, '
            f'such as {HEADER}: "{EXAMPLE_KEY}"; make a new random one for each choice.',
            field=HEADER,
        )
    return values[0][1:-1]


def key_from_form(value: str | None) -> str | None:
    """The key of the no-JavaScript withdraw form (the header's rule, without quotes)."""
    if value is None:
        return None
    try:
        return key_from_header([f'"{value}"'])
    except InvalidKey:
        raise InvalidKey("invalid_value", f"{FORM_FIELD} is not a key this page made; reload the page and "
                         "try again.", field=FORM_FIELD, status=422) from None


def key_sha256(key: str) -> str:
    """What a record keeps of its key."""
    return sha256_hex(key.encode("ascii"))

