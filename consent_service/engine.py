"""The database engine: SQLite's and PostgreSQL's settings, and their errors as ours.

SQLite runs in WAL mode with ``synchronous=FULL`` (an acknowledged record survives a power cut)
and decides between ``BEGIN`` and ``BEGIN IMMEDIATE`` itself; PostgreSQL gets a small pool.
Every driver error leaves here as a :class:`StorageError` that says what to do, never with the
statement's parameters.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from .errors import ConsentServiceError


class StorageError(ConsentServiceError):
    """The database cannot serve the request; the message says what to do."""


class DatabaseNotInitialised(StorageError):
    """The tables do not exist yet."""


class DatabaseUnavailable(StorageError):
    """The database cannot be reached or refused the operation."""


NOT_INITIALISED = ("the consent database has no tables yet: run "
                   "`flask --app consent_service.app consent init-db`")
OUTDATED = ("the consent database has the tables of an older version of this service: run "
            "`flask --app consent_service.app consent init-db` to bring them up to date")


def create_engine_for(url: str) -> Engine:
    """An engine for ``url`` with the settings its database needs."""
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, hide_parameters=True, connect_args={"timeout": 30})
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    # No pre-ping (a round trip per checkout): after a server restart the first failing
    # statement invalidates the whole pool and only that request gets a 503.
    return create_engine(url, hide_parameters=True, pool_size=5, max_overflow=5, pool_recycle=3600)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is switched off so that _begin_sqlite decides
    # between BEGIN and BEGIN IMMEDIATE (SQLAlchemy's documented pysqlite recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _begin_sqlite(conn: Connection) -> None:
    immediate = conn.get_execution_options().get("consent_write")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextlib.contextmanager
def translated_errors() -> Iterator[None]:
    try:
        yield
    except DBAPIError as error:
        if _is_missing_table(error):
            raise DatabaseNotInitialised(NOT_INITIALISED) from None
        if _is_missing_column(error):
            raise DatabaseNotInitialised(OUTDATED) from None
        raise DatabaseUnavailable(f"the consent database failed: {type(error.orig).__name__}") from error
    except SQLAlchemyError as error:
        raise DatabaseUnavailable(f"the consent database failed: {type(error).__name__}") from error


def _is_missing_table(error: DBAPIError) -> bool:
    sqlstate = getattr(error.orig, "sqlstate", None)
    return sqlstate == "42P01" or "no such table" in str(error.orig)


def _is_missing_column(error: DBAPIError) -> bool:
    sqlstate = getattr(error.orig, "sqlstate", None)
    message = str(error.orig)
    return sqlstate == "42703" or "no such column" in message or "has no column named" in message
