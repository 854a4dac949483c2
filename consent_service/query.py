"""Query parameters, read one way by every endpoint and by the export command.

Each endpoint declares the parameters it takes (:class:`Query`). A parameter given
twice, given empty, or written in any form but the documented one is refused with a
400 naming it, never read as absent or as its first value: an auditor who asks for
``?to=`` or ``?to=2026-W49-1`` must not receive the whole export and take it for a
slice. API endpoints also refuse parameters they do not take, so that a misspelt
``?form=csv`` is not silently ignored; pages ignore them, because links to a page may
carry parameters added by others.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from flask import request

from .errors import ApiError

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SHOWN = 32
_SIZE = re.compile(r"0|[1-9][0-9]{0,17}")
MAX_SIZE = 10**18 - 1
"""Characters of a refused name or value repeated in a message."""


class InvalidParameter(ApiError):
    """A query parameter the endpoint cannot read as given; ``field`` names it."""

    status = 400


class Kind(Protocol):
    """How one parameter's text becomes a value, and how it is documented."""

    expected: str

    def read(self, text: str) -> Any:
        """The value; raises ``ValueError`` when ``text`` is not in the documented form."""

    def schema(self) -> dict[str, Any]:
        """The parameter's JSON Schema, as the OpenAPI document gives it."""


class Day:
    """A calendar day written ``YYYY-MM-DD`` and nothing else.

    ``date.fromisoformat`` alone also reads week dates (``2026-W49-1``), ordinal and
    compact forms; whoever writes one of those means something else than the service
    would read, so only the documented form is accepted."""

    expected = "a day written YYYY-MM-DD (UTC)"

    def read(self, text: str) -> dt.date:
        if not _DAY.fullmatch(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date", "pattern": f"^{_DAY.pattern}$"}


@dataclass(frozen=True)
class TreeSize:
    """A tree size: a whole number written in decimal digits, without sign or leading zero."""

    minimum: int = 0

    @property
    def expected(self) -> str:
        return f"a tree size (a whole number from {self.minimum}, such as 1024)"

    def read(self, text: str) -> int:
        if not _SIZE.fullmatch(text) or int(text) < self.minimum:
            raise ValueError(text)
        return int(text)

    def schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": self.minimum, "maximum": MAX_SIZE}


@dataclass(frozen=True)
class OneOf:
    """One of a few fixed words."""

    values: tuple[str, ...]
    default: str | None = None

    @property
    def expected(self) -> str:
        return "one of " + ", ".join(self.values)

    def read(self, text: str) -> str:
        if text not in self.values:
            raise ValueError(text)
        return text

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string", "enum": list(self.values)}
        if self.default is not None:
            schema["default"] = self.default
        return schema


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: Kind
    description: str
    required: bool = False

    @property
    def default(self) -> Any:
        return getattr(self.kind, "default", None)

    def openapi(self) -> dict[str, Any]:
        """This parameter as an OpenAPI parameter object."""
        return {
            "name": self.name,
            "in": "query",
            "required": self.required,
            "description": self.description,
            "schema": self.kind.schema(),
        }


@dataclass(frozen=True)
class Query:
    """The query parameters one endpoint takes; none unless given."""

    parameters: tuple[Parameter, ...] = ()
    refuse_unknown: bool = True

    def read(self, pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
        """Every declared parameter by name (its default when absent); raises
        :class:`InvalidParameter` naming the first parameter that cannot be read."""
        given: dict[str, list[str]] = {}
        for name, value in pairs:
            given.setdefault(name, []).append(value)
        declared = {parameter.name: parameter for parameter in self.parameters}
        unknown = [name for name in given if name not in declared]
        if unknown and self.refuse_unknown:
            raise self._unknown(unknown[0])
        for parameter in self.parameters:
            if parameter.required and parameter.name not in given:
                raise InvalidParameter("missing_parameter", f"{parameter.name} is required: give "
                                       f"{parameter.kind.expected}.", field=parameter.name)
        return {
            name: self._value(parameter, given[name]) if name in given else parameter.default
            for name, parameter in declared.items()
        }

    def openapi(self) -> list[dict[str, Any]]:
        return [parameter.openapi() for parameter in self.parameters]

    def _value(self, parameter: Parameter, values: list[str]) -> Any:
        name, expected = parameter.name, parameter.kind.expected
        if len(values) > 1:
            raise InvalidParameter(
                "invalid_parameter", f"{name} is given {len(values)} times; give it once.", field=name
            )
        [text] = values
        if not text:
            raise InvalidParameter(
                "invalid_parameter", f"{name} is empty; give {expected}, or leave it out.", field=name
            )
        try:
            return parameter.kind.read(text)
        except ValueError:
            raise InvalidParameter(
                "invalid_parameter", f"{name}={text[:_SHOWN]!r} is not {expected}.", field=name
            ) from None

    def _unknown(self, name: str) -> InvalidParameter:
        takes = ", ".join(parameter.name for parameter in self.parameters)
        return InvalidParameter(
            "unknown_parameter",
            f"Unknown query parameter {name[:_SHOWN]!r}; "
            + (f"this endpoint takes {takes}." if takes else "this endpoint takes no query parameters."),
            field=name[:_SHOWN],
        )


NO_PARAMETERS = Query()


def utc_window(first: dt.date | None, last: dt.date | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Inclusive UTC days as the half-open interval ``[since, until)`` of moments;
    raises ``ValueError`` when ``first`` is after ``last``."""
    if first and last and first > last:
        raise ValueError(f"from ({first}) is after to ({last})")
    since = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC) if first else None
    until = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC) if last else None
    return since, until


View = TypeVar("View", bound=Callable[..., Any])


def reads_query(query: Query = NO_PARAMETERS) -> Callable[[View], View]:
    """Read the view's query parameters before it runs and refuse what cannot be read; a
    view that declares parameters receives their values as ``query``. The declaration
    stays on the view (``declared_query``), where the OpenAPI document is checked against
    it."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def read_then_run(*args: Any, **kwargs: Any) -> Any:
            values = query.read(request.args.items(multi=True))
            if query.parameters:
                kwargs["query"] = values
            return view(*args, **kwargs)

        read_then_run.declared_query = query  # type: ignore[attr-defined]
        return read_then_run  # type: ignore[return-value]

    return decorate
