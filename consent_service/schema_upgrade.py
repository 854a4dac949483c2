"""Bring any consent database to the current schema: Alembic revisions, and the step before
them for databases made while the service kept its own schema version number.

``init-db`` runs :func:`upgrade` inside one write transaction, so an upgrade cut short leaves
the database as it was. Databases the service made before it used Alembic carry a
``schema_info`` row (versions 1 to 4 of the hash chain): they are brought to the schema of
revision ``0001``, stamped with it, and then upgraded like any other (the ``site`` column and
the ``purge_runs`` table of version 4 are carried over).
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from .engine import StorageError

CHAIN_REVISION = "0001"
LAST_CHAIN_SCHEMA = 4


def alembic_config(conn: Connection | None = None) -> Config:
    """Alembic's configuration, built here rather than read from an ``alembic.ini``."""
    config = Config()
    config.set_main_option("script_location", "consent_service:migrations")
    if conn is not None:
        config.attributes["connection"] = conn
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(conn: Connection) -> tuple[str | None, str]:
    """Upgrade the database on ``conn`` to the newest revision; (revision before, after)."""
    tables = set(inspect(conn).get_table_names())
    config = alembic_config(conn)
    if "schema_info" in tables and "alembic_version" not in tables:
        version = conn.exec_driver_sql("SELECT version FROM schema_info").scalar()
        if version is None or version > LAST_CHAIN_SCHEMA:
            raise StorageError(f"the database has schema version {version}, which this service "
                               "does not know; upgrade the service")
        _upgrade_chain_schema(conn, version)
        conn.exec_driver_sql("DROP TABLE schema_info")
        command.stamp(config, CHAIN_REVISION)
    before = current_revision(conn)
    head = head_revision()
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    if before is not None and before not in known:
        raise StorageError(f"the database is at schema revision {before}, newer than this "
                           f"service knows ({head}); upgrade the service")
    command.upgrade(config, "head")
    return before, head


def _upgrade_chain_schema(conn: Connection, version: int) -> None:
    """Schema 1 or 2 of the chain to 3: the idempotency key's hash (2) and the shown text's (3).
    A column already there is left as it is, so an upgrade cut short can run again."""
    present = {column["name"] for column in inspect(conn).get_columns("consent_records")}
    added = []
    if version < 2:
        added.append("idempotency_key_sha256")
    if version < 3:
        added.append("policy_text_sha256")
    for name in added:
        if name not in present:
            conn.exec_driver_sql(f"ALTER TABLE consent_records ADD COLUMN {name} VARCHAR(64)")
    if version < 2:
        conn.exec_driver_sql("CREATE UNIQUE INDEX IF NOT EXISTS ux_consent_records_idempotency_key "
                             "ON consent_records (idempotency_key_sha256)")
