"""Operator commands: ``flask --app consent_service.app consent init-db | verify | purge | export``."""

from __future__ import annotations

import datetime as dt
import json
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .audit_api import ndjson_lines
from .engine import StorageError
from .query import Day, utc_window
from .records import utc_now
from .services import services

consent = AppGroup("consent", help="Operate the consent database.")


class OperatorError(click.ClickException):
    """The command could not run (as opposed to finding a broken chain, which exits 1)."""

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
    """Create the tables (harmless to run again)."""
    storage = services().storage
    try:
        storage.init_schema()
    except StorageError as error:
        raise OperatorError(str(error)) from None
    click.echo(f"Consent database ready: {storage.describe()}")


@consent.command("verify")
def verify_command() -> None:
    """Recompute the hash chain; exit 0 when intact, 1 at the first broken record."""
    try:
        report = services().storage.verify()
    except StorageError as error:
        raise OperatorError(str(error)) from None
    click.echo(json.dumps(report.as_json()))
    if not report.ok:
        click.echo(f"The chain is broken at sequence {report.broken_at}: {report.reason}", err=True)
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
    """Delete records past retention, leaving a checkpoint that keeps the chain verifiable."""
    if days is None:
        days = current_app.config["CONSENT_RETENTION_DAYS"]
    before = utc_now() - dt.timedelta(days=days)
    try:
        result = services().storage.purge(before, dry_run=dry_run)
    except StorageError as error:
        raise OperatorError(str(error)) from None
    verb = "Would delete" if dry_run else "Deleted"
    click.echo(
        f"{verb} {result.deleted} records made before {before:%Y-%m-%d %H:%M} UTC "
        f"and {result.visitors_deleted} visitors left without records."
    )
    if result.checkpoint and not dry_run:
        click.echo(
            f"Checkpoint {result.checkpoint['sequence']} keeps the chain verifiable from "
            f"sequence {result.checkpoint['purged']['through_sequence'] + 1}."
        )


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


def init_app(app: Flask) -> None:
    app.cli.add_command(consent)
