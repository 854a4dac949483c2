"""Backups of the consent database, and the check an auditor makes before trusting one.

SQLite: :func:`backup_sqlite` copies the live database with SQLite's online backup API in one
step, that is from one read transaction, so the copy is the database as of one moment while the
service goes on appending (in WAL mode a reader never blocks the writer). The copy is switched
to a rollback journal, so that it is one self-contained file, written under a temporary name
with owner-only permissions (it holds the hashes of visitors' secrets), synced and renamed into
place.

PostgreSQL: ``pg_dump`` already does this (consistent, online, portable across versions), so
this module refuses and says so; its copies are checked by restoring them with ``pg_restore``
and running ``flask consent verify`` on the result.

:func:`restore_check` reads a SQLite backup without ever writing to it: it copies it into a
scratch database, opens that as the service would and verifies the whole tree with the
service's own verifier, so a backup passes only if it would restore into a working log.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import make_url

from policy_core.note_keys import Verifier

from .engine import DatabaseNotInitialised, StorageError
from .errors import ConsentServiceError
from .log_reads import VerifyReport
from .storage import Storage

PG_DUMP_ADVICE = (
    "back it up with pg_dump (pg_dump --format=custom --file=FILE \"$CONSENT_DATABASE_URL\"), and "
    "check a copy by restoring it with pg_restore into an empty database and running "
    "`flask --app consent_service.app consent verify` against that (README: Backups)"
)


class BackupError(ConsentServiceError):
    """The backup cannot be made here (the message says why and what to do); nothing was written."""


class UnusableBackup(ConsentServiceError):
    """The file is not a copy of a consent database that could be restored."""


def backup(storage: Storage, target: Path) -> VerifyReport:
    """Copy the database ``storage`` uses to ``target`` and verify the copy.

    Raises :class:`BackupError` for PostgreSQL (use ``pg_dump``) and when ``target`` exists.
    """
    if storage.backend != "sqlite":
        raise BackupError(f"the consent database is {storage.backend} ({storage.describe()}): "
                          f"{PG_DUMP_ADVICE}")
    database = make_url(storage.url).database
    assert database is not None  # the configuration refuses a SQLite URL without a file
    backup_sqlite(Path(database), target)
    return restore_check(target, lambda: storage.signer().verifier)


def backup_sqlite(database: Path, target: Path) -> None:
    """A consistent copy of the SQLite file ``database`` at ``target`` (which must not exist)."""
    if target.exists() or target.is_symlink():
        raise BackupError(f"{target} exists: give the backup a new name (for example with the "
                          "date: consent-$(date +%F).sqlite3); nothing was written")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a folder: create it first; nothing was written")
    if not database.is_file():
        raise BackupError(f"{database} does not exist: run `flask --app consent_service.app consent "
                          "init-db` first, or check CONSENT_DATABASE_URL")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        with _connection(f"file:{quote(str(database))}?mode=rw") as source, \
                _connection(f"file:{quote(str(partial))}") as copy:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
        _fsync(partial)
        os.replace(partial, target)
        _fsync(target.parent)
    except sqlite3.Error as error:
        raise BackupError(f"{database} could not be copied: {error}; nothing was written") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()


def restore_check(path: Path, verifier: Callable[[], Verifier]) -> VerifyReport:
    """Restore the SQLite backup at ``path`` into a scratch database and verify its tree, its
    latest checkpoint's signature by the log's key (``verifier()``, asked for only once the
    file proved to be a consent database) included.

    The backup is only ever opened read-only, and nothing is created beside it. Raises
    :class:`UnusableBackup` when it is not a SQLite copy of a consent database.
    """
    with tempfile.TemporaryDirectory(prefix="consent-restore-check-") as scratch:
        restored = Path(scratch) / "restored.sqlite3"
        try:
            # immutable: nothing writes a backup, so SQLite need not lock it or create a -shm
            # or -wal file beside it (it would for a copy still marked as in WAL mode).
            with _connection(f"file:{quote(str(path))}?mode=ro&immutable=1") as source, \
                    _connection(f"file:{quote(str(restored))}") as copy:
                source.backup(copy)
        except sqlite3.Error as error:
            raise UnusableBackup(f"{path} cannot be read as a SQLite database: {error}") from None
        storage = Storage(f"sqlite:///{restored}")
        try:
            storage.ping()
            return storage.verify(verifier())
        except DatabaseNotInitialised:
            raise UnusableBackup(f"{path} is a SQLite database but holds no consent log (no "
                                 "log state): is it a backup of this service's database?") from None
        except StorageError as error:
            raise UnusableBackup(f"{path} cannot be restored: {error}") from None
        finally:
            storage.dispose()


@contextlib.contextmanager
def _connection(uri: str) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(uri, uri=True, timeout=30)
    try:
        yield connection
    finally:
        connection.close()


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
