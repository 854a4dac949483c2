"""The one user-facing error of the API, and its JSON shape.

Modules raise their own small subclasses (``InvalidBody``, ``InvalidChoice``,
``Unauthorized`` …) beside the code that detects the problem; the API turns any
of them into ``{"error": {"code": …, "message": …, "field": …}}`` with the status
they carry.
"""

from __future__ import annotations

from typing import Any


class ConsentServiceError(Exception):
    """The root of the service's own errors: what the API, the storage, the site directory and
    the settings raise, so the operator commands can report any of them in one place."""


class ApiError(ConsentServiceError):
    """A problem the client can fix; ``status`` is the HTTP status to answer with."""

    status = 400

    def __init__(
        self, code: str, message: str, *, field: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        if status is not None:
            self.status = status

    def as_json(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            error["field"] = self.field
        return {"error": error}


class Unauthorized(ApiError):
    """Missing or wrong credentials. The message never says which part was wrong."""

    status = 401


class ServiceUnavailable(ApiError):
    """The service cannot answer now (database down or not initialised, site not built)."""

    status = 503
