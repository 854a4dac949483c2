"""``policy-site audit`` and ``verify-receipt``: auditors and visitors verify the log offline.

Thin shells over :mod:`policy_site.audit` (the export as the log's tree, against checkpoints
and the published site) and :mod:`policy_core.receipt`. They need no policy project. A
:class:`policy_core.errors.CoreError` they do not report themselves is the command group's to
report, with exit code 1; a bad option is click's, with exit code 2.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from policy_core.errors import CoreError
from policy_core.note import MAX_NOTE_BYTES
from policy_core.note_keys import Verifier
from policy_core.receipt import ReceiptInvalid, verify_receipt

if TYPE_CHECKING:
    from policy_core.log_audit import LogReport

PROBLEMS = 1
"""The exit code of an export with problems or an invalid receipt."""

AUDIT_EXIT_CODES = """\b
Exit codes:
  0  the export verifies (and holds every checkpoint given)
  1  problems were found (each printed as file:line: leaf N: message)
  2  the command was used wrongly (unknown option, a missing file, a
     --key that is no vkey, --checkpoint without --key)"""

RECEIPT_EXIT_CODES = """\b
Exit codes:
  0  the receipt is the log's, and its proof (when it has one) holds
  1  the receipt is invalid: unreadable, not signed by the key, or its
     proof or checkpoint does not hold
  2  the command was used wrongly (unknown option, a missing file, a
     --key that is no vkey)"""

MAX_KEY_FILE_BYTES = 4096
MAX_RECEIPT_BYTES = 256 * 1024
"""A receipt is its five fields, an inclusion proof of at most 64 hashes and a checkpoint."""


class LogKey(click.ParamType):
    """The log's verifier key: a vkey (``<name>+<key ID>+<base64 key>``) or a file holding one."""

    name = "VKEY"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None
                ) -> Verifier:
        if isinstance(value, Verifier):
            return value
        text = str(value)
        path = Path(text)
        if path.is_file():
            with path.open("rb") as stream:
                raw = stream.read(MAX_KEY_FILE_BYTES + 1)
            if len(raw) > MAX_KEY_FILE_BYTES:
                self.fail(f"{path} is larger than a vkey can be ({MAX_KEY_FILE_BYTES} bytes)", param, ctx)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                self.fail(f"{path} is not a text file holding a vkey", param, ctx)
        try:
            return Verifier.from_vkey(text)
        except CoreError as error:
            self.fail(f"{error} (give the log's vkey, as GET /api/v1/log/key serves it, or a file "
                      "holding it)", param, ctx)


@click.command(name="audit", epilog=AUDIT_EXIT_CODES)
@click.argument("export", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--site", "site", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A built copy of the published site (with versions.json).")
@click.option("--checkpoint", "checkpoint_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A checkpoint of the log saved earlier (GET /api/v1/log/checkpoint); repeat it "
                   "for several. The export must hold each: this proves the log only grew.")
@click.option("--key", "verifier", type=LogKey(),
              help="The log's vkey, or a file holding it: checkpoints are verified with it.")
def audit_command(export: Path, site: Path, checkpoint_files: tuple[Path, ...],
                  verifier: Verifier | None) -> None:
    """Verify a complete consent export offline as the log's Merkle tree, against a published site.

    \b
    - every record's content hashes to its hash (a purged record keeps only its hash);
    - leaf indexes run from 0 without gap, duplicate or reordering, and the records not yet
      in the tree come last; the tree's root is computed (RFC 9162);
    - with --checkpoint and --key: the export's first N leaves have the root the log signed
      for size N in each checkpoint. Editing, deleting, inserting or reordering a record, or
      rewriting the log from any point, changes that root; a checkpoint larger than the
      export shows that records were cut from its end;
    - every choice points at a policy text and cookie inventory the site published, made
      once that text was in effect.
    Then it summarises the records by action and policy version. Audit a whole export, not
    one cut with from/to. Needs no project: run it anywhere.
    """
    from policy_site import audit

    if checkpoint_files and verifier is None:
        raise click.UsageError("--checkpoint needs --key: a checkpoint is evidence only once its "
                               "signature by the log's key is verified")
    manifest = audit.read_manifest(site)
    saved = [(str(path), _read_limited(path, MAX_NOTE_BYTES + 1)) for path in checkpoint_files]
    report = audit.audit(export, manifest, audit.read_shown_texts(site, manifest), verifier=verifier,
                         checkpoints=saved, workers=_available_cpus())
    log = report.log
    click.echo(f"records: {report.records} (in the tree: {log.size}, not yet: {log.pending}, "
               f"purged: {log.purged})")
    for title, counter in (("by action", report.by_action), ("by policy version", report.by_version),
                           ("by shown text", report.by_shown_text)):
        click.echo(f"{title}: " + ", ".join(f"{key} {count}" for key, count in sorted(counter.items())))
    for label, placed in (("first", report.first), ("last", report.last)):
        if placed is not None:
            where = ("not yet in the tree" if placed.leaf_index is None
                     else f"leaf {placed.leaf_index}")
            click.echo(f"{label}: {where} at {placed.record.get('recorded_at')}")
    if log.root is not None:
        click.echo(f"tree: {log.size} leaves, root {base64.b64encode(log.root).decode('ascii')} "
                   "(base64, as a checkpoint writes it)")
    for held in log.checkpoints:
        click.echo(f"checkpoint {held.source}: the export's first {held.checkpoint.size} leaves "
                   "have the root the log signed")
    for problem in report.problems:
        if problem.source is not None:
            click.echo(f"{problem.source}: {problem.message}", err=True)
        else:
            click.echo(f"{export}:{problem.line}: {problem}" if problem.line else f"{export}: {problem}",
                       err=True)
    if not report.ok:
        click.echo(f"audit: {len(report.problems)} problem(s)", err=True)
        raise SystemExit(PROBLEMS)
    click.echo(f"audit: {_tree_verdict(log)}, and every choice names a published version and the "
               "exact text its visitor was shown")


def _tree_verdict(log: LogReport) -> str:
    if not log.checkpoints:
        return ("every record, leaf index and the tree's root check out; without a checkpoint saved "
                "earlier (--checkpoint, --key) nothing shows that the log was not rewritten as a "
                "whole or cut at its end")
    sizes = ", ".join(str(held.checkpoint.size) for held in log.checkpoints)
    latest = log.checkpoints[-1].checkpoint.size
    newer = ("it is exactly the log the latest one signed" if latest == log.size else
             f"leaves {latest} to {log.size - 1} are newer than every checkpoint given")
    return f"the export holds every checkpoint given (tree sizes {sizes}): the log only grew; {newer}"


@click.command(name="verify-receipt", epilog=RECEIPT_EXIT_CODES)
@click.argument("receipt_file", metavar="FILE",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", "verifier", required=True, type=LogKey(),
              help="The log's vkey, or a file holding it.")
def verify_receipt_command(receipt_file: Path, verifier: Verifier) -> None:
    """Check a receipt the consent service gave for a choice (the JSON file the log page offers).

    Always: that the log's key signed it, a promise that the record with this id and hash is
    in the log from the time it names. When the receipt carries an inclusion proof and a
    checkpoint: that the checkpoint is the log's and that the record is the leaf the proof
    says in that tree, so that the log cannot later deny it without the fork showing.
    """
    raw = _read_limited(receipt_file, MAX_RECEIPT_BYTES + 1)
    try:
        if len(raw) > MAX_RECEIPT_BYTES:
            raise ReceiptInvalid(f"the file is larger than a receipt can be ({MAX_RECEIPT_BYTES:,} bytes)")
        try:
            receipt = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            raise ReceiptInvalid(f"not a receipt: the file is not JSON ({error})") from None
        verified = verify_receipt(receipt, verifier)
    except CoreError as error:
        click.echo(f"{receipt_file}: the receipt does not verify: {error}", err=True)
        raise SystemExit(PROBLEMS) from None
    click.echo(f"{receipt_file}: signed by {verifier.name}: record {verified.record_id} with hash "
               f"{verified.record_hash}, accepted at {verified.time}")
    if verified.checkpoint is None:
        click.echo("receipt: valid; it is the log's promise to include the record and carries no "
                   "inclusion proof yet (download it again once the record is in the tree)")
        return
    root = base64.b64encode(verified.checkpoint.root).decode("ascii")
    click.echo(f"receipt: valid; the record is leaf {verified.leaf_index} of the log's tree of "
               f"{verified.checkpoint.size} leaves, whose checkpoint (root {root}) the log signed")


def _read_limited(path: Path, limit: int) -> bytes:
    """At most ``limit`` bytes of ``path``: enough to tell that a file is too large to be what
    it should be, without reading all of it."""
    with path.open("rb") as stream:
        return stream.read(limit)


def _available_cpus() -> int:
    return len(os.sched_getaffinity(0))
