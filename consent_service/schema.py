"""Turning a request body into a validated choice, or a clear error.

The JSON Schema used here is the one the OpenAPI document publishes
(``openapi.json`` → ``components.schemas.ConsentRequest``), loaded from the same
file, so the documentation and the validation cannot drift apart.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .errors import ApiError

MAX_BODY_BYTES = 4096
"""A choice is a few hundred bytes; anything much larger is not one."""

MAX_NESTING = 4
"""The request object nests two levels deep (body → policy); allow a little slack."""

FIELD_EXPECTATIONS = {
    "policy.version": "a version id as published, YYYY-MM-DD",
    "policy.language": "a language code as published, such as sv or en",
    "policy.sha256": "64 lowercase hexadecimal digits",
    "inventory": "64 lowercase hexadecimal digits",
}


class InvalidBody(ApiError):
    """The body is not a well-formed ``ConsentRequest``."""


class _Number:
    """Stands in for every JSON number: no field of a choice is numeric, so numbers are
    never converted (a 4,000-digit integer costs nothing) and fail validation by type."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"<number {self.text[:16]}{'…' if len(self.text) > 16 else ''}>"


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document served at ``/api/v1/openapi.json``."""
    text = resources.files(__package__).joinpath("openapi.json").read_text(encoding="utf-8")
    return json.loads(text)


@functools.cache
def consent_request_validator() -> Draft202012Validator:
    schema = openapi_document()["components"]["schemas"]["ConsentRequest"]
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def check_content_type(mimetype: str, params: Mapping[str, str]) -> None:
    charset = params.get("charset", "utf-8").lower()
    if mimetype != "application/json" or charset not in ("utf-8", "utf8"):
        raise InvalidBody(
            "unsupported_media_type",
            "Send the choice as JSON with the header Content-Type: application/json (UTF-8).",
            status=415,
        )


def parse_consent_request(raw: bytes) -> dict[str, Any]:
    """Decode, parse and validate a request body; raise :class:`InvalidBody` otherwise."""
    if len(raw) > MAX_BODY_BYTES:
        raise body_too_large()
    if not raw.strip():
        raise InvalidBody("invalid_json", "The body is empty; send a JSON object.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidBody(
            "invalid_encoding",
            f"The body is not valid UTF-8 (byte {error.start} cannot be decoded).",
        ) from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_object_without_duplicates,
            parse_int=_Number,
            parse_float=_Number,
            parse_constant=_Number,
        )
    except RecursionError:
        raise _too_deep() from None
    except json.JSONDecodeError as error:
        raise InvalidBody(
            "invalid_json",
            f"The body is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}.",
        ) from None
    if _nesting(value) > MAX_NESTING:
        raise _too_deep()
    errors = sorted(consent_request_validator().iter_errors(value), key=_error_rank)
    if errors:
        raise _schema_error(errors[0])
    return value


def body_too_large() -> InvalidBody:
    return InvalidBody(
        "body_too_large",
        f"The body is larger than {MAX_BODY_BYTES} bytes; a choice is much smaller.",
        status=413,
    )


def _too_deep() -> InvalidBody:
    return InvalidBody(
        "too_deep",
        f"The body nests deeper than {MAX_NESTING} levels; a choice nests two.",
    )


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InvalidBody(
                "duplicate_key",
                f"The field {key!r} appears twice in one object; send it once.",
                field=key,
            )
        result[key] = value
    return result


def _nesting(value: Any) -> int:
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth > MAX_NESTING:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _error_rank(error: ValidationError) -> tuple[int, list[str]]:
    """Report what is present and wrong before what is missing, then in field order."""
    order = {"additionalProperties": 0, "type": 1, "required": 3}
    return order.get(str(error.validator), 2), [str(p) for p in error.absolute_path]


def _describe(value: Any) -> str:
    if isinstance(value, _Number):
        return "a number"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _schema_error(error: ValidationError) -> InvalidBody:
    path = [str(part) for part in error.absolute_path]
    field = ".".join(path) or None
    where = f"{field}" if field else "The body"
    kind = error.validator
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        name = extra[0] if extra else "?"
        unknown = ".".join([*path, name])
        return InvalidBody(
            "unknown_field", f"Unknown field {unknown!r}; remove it.", field=unknown, status=422
        )
    if kind == "required":
        missing = [key for key in error.validator_value if key not in error.instance]
        name = ".".join([*path, missing[0]])
        return InvalidBody("missing_field", f"The field {name!r} is required.", field=name, status=422)
    if kind == "type":
        expected = error.validator_value
        if not field:
            message = f"The body must be a JSON object, not {_describe(error.instance)}."
        else:
            message = f"{where} must be {_article(expected)}, not {_describe(error.instance)}."
        return InvalidBody("wrong_type", message, field=field, status=422)
    if kind == "enum":
        choices = ", ".join(str(v) for v in error.validator_value)
        return InvalidBody("invalid_value", f"{where} must be one of: {choices}.", field=field, status=422)
    if "propertyNames" in error.absolute_schema_path:
        name = ".".join([*path, str(error.instance)[:64]])
        return InvalidBody(
            "unknown_category",
            f"{name!r} is not a category id (lowercase letters, digits, - and _).",
            field=name,
            status=422,
        )
    if kind in ("pattern", "minLength", "maxLength") and field:
        expected = FIELD_EXPECTATIONS.get(field, "a value in the published format")
        return InvalidBody("invalid_value", f"{where} must be {expected}.", field=field, status=422)
    if kind == "maxProperties":
        return InvalidBody("invalid_value", f"{where} has too many entries.", field=field, status=422)
    return InvalidBody("invalid_value", f"{where} is not valid: {error.message}", field=field, status=422)


def _article(expected: Any) -> str:
    names = {"object": "an object", "string": "a string", "boolean": "true or false"}
    if isinstance(expected, list):
        return " or ".join(names.get(e, e) for e in expected)
    return names.get(expected, str(expected))
