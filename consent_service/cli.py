"""Operator commands: ``flask --app consent_service.app consent init-db | verify | purge | export |
backup | restore-check``."""

from __future__ import annotations

import datetime as dt
import json
import signal
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from . import backup
from .audit_api import ndjson_lines
from .engine import StorageError
from .log_reads import VerifyReport
from .query import Day, utc_window
from .records import utc_now
from .retention import PurgeRun
from .sequencer import SequencerThread
from .services import services

consent = AppGroup("consent", help="Operate the consent database.")


class OperatorError(click.ClickException):
    """The command could not run (as opposed to finding a broken log, which exits 1)."""

    exit_code = 2


class DayOption(click.ParamType):
    """A UTC day read exactly as the audit export's ``from`` and ``to`` are."""

    name = "YYYY-MM-DD"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return Day().read(str(value))
        except ValueError:
            self.fail(f"{str(value)[:32]!r} is not {Day.expected}.", param, ctx)


@consent.command("init-db")
def init_db_command() -> None:
    """Create the tables and the log's signing key, or bring an older database up to date
    (a hash chain becomes the tree's first leaves), then verify it. Harmless to run again."""
    storage = services().storage
    try:
        done = storage.initialise(current_app.config["CONSENT_LOG_ORIGIN"])
    except StorageError as error:
        raise OperatorError(str(error)) from None
    if done.key_created:
        click.echo(f"Created the log's signing key {storage.key_file} (mode 0600); back it up.")
    if done.revision_before != done.revision:
        click.echo(f"Upgraded the schema from {done.revision_before or 'nothing'} to revision "
                   f"{done.revision}.")
    click.echo(f"Consent database ready: {storage.describe()}; the tree has {done.tree_size} records.")
    report = done.report
    if not report.ok:
        click.echo(f"The log does not verify at leaf {report.broken_at}: {report.reason}", err=True)
        sys.exit(1)


@consent.command("sequence")
@click.option("--once", is_flag=True, help="Integrate what is pending, then exit.")
def sequence_command(once: bool) -> None:
    """Run the log's sequencer (for CONSENT_SEQUENCER=off): integrate new records into the
    tree and sign a checkpoint, every 500 ms, while this process holds the lease."""
    storage = services().storage
    try:
        if once:
            click.echo(json.dumps({"tree_size": storage.integrate_all()}))
            return
        thread = SequencerThread(storage.sequence_tick)
        thread.ensure_started()
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
        thread.stop()
    except StorageError as error:
        raise OperatorError(str(error)) from None


@consent.command("verify")
def verify_command() -> None:
    """Recompute every record's hash and the tree; exit 0 when intact, 1 at the first problem."""
    try:
        report = services().storage.verify()
    except StorageError as error:
        raise OperatorError(str(error)) from None
    click.echo(json.dumps(report.as_json()))
    if not report.ok:
        click.echo(f"The log does not verify at leaf {report.broken_at}: {report.reason}", err=True)
        sys.exit(1)


@consent.command("purge")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="Delete records older than this many days (default: CONSENT_RETENTION_DAYS).",
)
@click.option("--dry-run", is_flag=True, help="Report what would be deleted; delete nothing.")
def purge_command(days: int | None, dry_run: bool) -> None:
    """Delete the content of records past retention; their leaf hashes stay in the tree."""
    if days is None:
        days = current_app.config["CONSENT_RETENTION_DAYS"]
    started = utc_now()
    before = started - dt.timedelta(days=days)
    storage = services().storage
    try:
        result = storage.purge(before, dry_run=dry_run)
        if not dry_run:
            storage.record_purge_run(PurgeRun(ran_at=started, cutoff=before, deleted=result.deleted,
                                              visitors_deleted=result.visitors_deleted))
    except StorageError as error:
        raise OperatorError(str(error)) from None
    verb = "Would delete" if dry_run else "Deleted"
    click.echo(
        f"{verb} the content of {result.deleted} records made before {before:%Y-%m-%d %H:%M} UTC "
        f"and {result.visitors_deleted} visitors left without records."
    )
    if result.through_leaf is not None and not dry_run:
        click.echo(f"Leaves 0 to {result.through_leaf} keep only their hashes: every proof still "
                   "verifies.")


@consent.command("export")
@click.option("--from", "first", type=DayOption(), help="First UTC day.")
@click.option("--to", "last", type=DayOption(), help="Last UTC day.")
def export_command(first: dt.date | None, last: dt.date | None) -> None:
    """Write every record as NDJSON to standard output (as the audit export does)."""
    try:
        start, end = utc_window(first, last)
    except ValueError as error:
        raise click.UsageError(f"{error}; give --from on or before --to.") from None
    try:
        for line in ndjson_lines(services().storage.iter_records(since=start, until=end)):
            click.echo(line, nl=False)
    except StorageError as error:
        raise OperatorError(str(error)) from None


@consent.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(file: Path) -> None:
    """Copy the SQLite database to FILE while the service runs, and verify the copy.

    The copy is consistent (SQLite's online backup API, one read transaction) and readable by
    its owner only. FILE must not exist yet. For PostgreSQL use pg_dump (see the README).
    """
    try:
        report = backup.backup(services().storage, file)
    except (backup.BackupError, StorageError) as error:
        raise OperatorError(str(error)) from None
    except backup.UnusableBackup as error:
        click.echo(f"The copy cannot be restored: {error}", err=True)
        sys.exit(1)
    _report_backup(file, report)


@consent.command("restore-check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_check_command(file: Path) -> None:
    """Verify a SQLite backup as an auditor would; exit 0 when it restores into an intact log.

    FILE is opened read-only and restored into a scratch database, whose whole tree is
    recomputed and whose latest checkpoint is checked against the log's key; prints the
    same JSON as `verify`, exit 1 when the backup is not intact.
    """
    try:
        report = backup.restore_check(file, lambda: services().storage.signer().verifier)
    except backup.UnusableBackup as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    except StorageError as error:
        raise OperatorError(str(error)) from None
    _report_backup(file, report)


def _report_backup(file: Path, report: VerifyReport) -> None:
    click.echo(json.dumps({"backup": str(file), **report.as_json()}))
    if not report.ok:
        click.echo(f"{file}: the log does not verify at leaf {report.broken_at}: {report.reason}",
                   err=True)
        sys.exit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(consent)
