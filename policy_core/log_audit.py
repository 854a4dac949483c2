"""Verify the consent log's export as an RFC 9162 Merkle tree, offline: every problem, once.

The export is NDJSON, one record per line, in leaf order: the records in the tree first, with
``leaf_index`` 0, 1, 2, … and no gap, then the records not yet integrated, with ``"leaf_index":
null``. Each record's ``hash`` follows :mod:`policy_core.log_record`; its 32 bytes are the leaf's
data. Each record is checked on its own by :mod:`policy_core.log_export` (its hash, salt, the
shape of a purged record); this module checks that the leaf indexes run from 0 without a gap,
a duplicate or a record out of order, the tree's records before those not yet in it, and
computes the tree's root at its full size and at every size asked for.

Given checkpoints saved earlier (signed notes, :mod:`policy_core.checkpoint`) and the log's
vkey, it checks that the export's first ``n`` leaves have the root the log signed for size
``n``. That is what makes the export evidence: editing, deleting, inserting or reordering a
record, or rewriting the log from any point on, changes the root of every tree that contains
the change, and a log that signed a checkpoint cannot produce another history with the same
root. A checkpoint larger than the export says that records were cut from its end.

Memory stays bounded whatever the export's size: the tree is a :class:`merkle_frontier.Frontier` (one
hash per set bit of the size), the roots asked for are taken as the frontier passes their
sizes, and records are read in chunks, which several processes can check (``workers``); the
tree itself is built in order, in the calling process. The same checks
serve the service (records from its database, :meth:`LogAudit.add_record`), the ``policy-site``
commands and anyone auditing an export.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policy_core.checkpoint import Checkpoint, open_checkpoint
from policy_core.errors import CoreError
from policy_core.log_export import (
    CHUNK_BYTES,
    FROM_CHAIN,
    MADE_FOR_TREE,
    NO_INDEX,
    PENDING,
    PURGED,
    Chunk,
    RecordKey,
    check_record,
    read_export,
)
from policy_core.merkle_frontier import Frontier
from policy_core.note_keys import Verifier

_BATCH = 4096
class LogAuditError(CoreError):
    """The verification cannot be run as asked (not a problem of the export)."""


@dataclass(frozen=True)
class LogProblem:
    """One thing wrong with the export or a checkpoint: where, and what was expected and found."""

    message: str
    line: int | None = None
    """The export's line (from 1), when the problem belongs to one."""
    leaf_index: int | None = None
    """The leaf the record at that line is, when it gives one."""
    pending: bool = False
    """Whether the record is one not yet in the tree."""
    source: str | None = None
    """The checkpoint the problem is about, named as the auditor gave it."""

    @classmethod
    def at(cls, message: str, line: int | None, code: int) -> LogProblem:
        """A problem of the record at ``line`` whose leaf code is ``code``."""
        return cls(message, line, code if code >= 0 else None, code == PENDING)

    def __str__(self) -> str:
        if self.source is not None:
            return f"checkpoint {self.source}: {self.message}"
        if self.leaf_index is not None:
            return f"leaf {self.leaf_index}: {self.message}"
        if self.pending:
            return f"record not yet in the tree: {self.message}"
        return self.message


@dataclass(frozen=True)
class SavedCheckpoint:
    """A checkpoint that verified, and where the auditor had saved it."""

    source: str
    checkpoint: Checkpoint


@dataclass(frozen=True)
class LogReport:
    """What the export says about the tree, and everything wrong with it."""

    records: int
    """Lines holding something (blank lines are not counted)."""
    size: int
    """The size of the tree the export gives: its highest leaf index + 1."""
    pending: int
    """Records not yet in the tree."""
    purged: int
    """Leaves whose content the retention purge deleted."""
    root: bytes | None
    """The root at ``size``; ``None`` when a leaf below it is missing or has no readable hash."""
    roots: Mapping[int, bytes]
    """The root at every size asked for (and the checkpoints' sizes) that could be computed."""
    checkpoints: tuple[SavedCheckpoint, ...]
    """The checkpoints whose root the export's tree has at their size, smallest first."""
    problems: tuple[LogProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


class LogAudit:
    """The tree that records, given in leaf order, build, and what is wrong with their order.

    Feed records with :meth:`add_record` (parsed, from anywhere) or :meth:`add_chunk` (checked
    lines of an export), then call :meth:`finish` once.
    """

    def __init__(self, *, verifier: Verifier | None = None,
                 checkpoints: Iterable[tuple[str, str | bytes]] = (),
                 sizes: Iterable[int] = ()) -> None:
        self._problems: list[LogProblem] = []
        self._checkpoints = self._open(checkpoints, verifier)
        wanted = {int(size) for size in sizes} | {saved.checkpoint.size for saved in self._checkpoints}
        if any(size < 0 for size in wanted):
            raise LogAuditError("a tree size is a number of leaves, 0 or more")
        self._wanted = sorted(wanted, reverse=True)
        self._roots: dict[int, bytes] = {}
        self._frontier = Frontier()
        self._buffer: list[bytes] = []
        self._expected = 0
        self._missing_from: int | None = None
        self._pending_line: int | None = None
        self._made_for_tree_line: int | None = None
        self._records = self._pending = self._purged = 0
        self._take_root(0)

    def add_record(self, record: Mapping[str, Any], *, line: int | None = None) -> None:
        """The next record, in export order; ``line`` names it in problems, by default its
        position among the records given (from 1): the line it has in the export."""
        code, kind, leaf, problems = check_record(record)
        self._place(self._records + 1 if line is None else line, code, kind, leaf, problems)

    def add_chunk(self, chunk: Chunk) -> None:
        """The next lines of the export, checked by :func:`check_lines`."""
        if self._continues_plainly(chunk):
            self._extend(chunk)
            return
        for position, (offset, code, kind, leaf) in enumerate(
                zip(chunk.offsets, chunk.codes, chunk.kinds, chunk.leaves, strict=True)):
            self._place(chunk.first_line + offset, code, kind, leaf,
                        chunk.problems.get(position, ()))

    def _continues_plainly(self, chunk: Chunk) -> bool:
        """Whether ``chunk`` holds nothing but the next leaves, each fine on its own, in the
        order the rules ask: then the tree takes them all at once (most chunks of an export)."""
        codes, kinds, start = chunk.codes, chunk.kinds, self._expected
        return (bool(codes) and not chunk.problems and self._missing_from is None
                and self._pending_line is None and codes[0] == start
                and codes == list(range(start, start + len(codes)))
                and (FROM_CHAIN not in kinds
                     or (self._made_for_tree_line is None and MADE_FOR_TREE not in kinds)))

    def _extend(self, chunk: Chunk) -> None:
        leaves, start = chunk.leaves, self._expected
        end = start + len(leaves)
        self._records += len(leaves)
        self._purged += chunk.kinds.count(PURGED)
        if self._made_for_tree_line is None and MADE_FOR_TREE in chunk.kinds:
            self._made_for_tree_line = chunk.line(chunk.offsets[chunk.kinds.index(MADE_FOR_TREE)])
        taken = 0
        while self._wanted and self._wanted[-1] <= end:
            size = self._wanted[-1]
            self._buffer.extend(leaves[taken:size - start])
            taken = size - start
            self._take_root(size)
        self._buffer.extend(leaves[taken:])
        self._expected = end
        if len(self._buffer) >= _BATCH:
            self._flush()

    def _place(self, line: int, code: int, kind: int, leaf: bytes | None,
               problems: Iterable[str]) -> None:
        self._records += 1
        for message in problems:
            self._problems.append(LogProblem.at(message, line, code))
        if kind == FROM_CHAIN and self._made_for_tree_line is not None:
            self._problems.append(LogProblem.at(
                f"a record of the hash chain listed after one made for the tree (line "
                f"{self._made_for_tree_line}): the chain's records are the tree's first leaves",
                line, code))
        elif kind == MADE_FOR_TREE and self._made_for_tree_line is None:
            self._made_for_tree_line = line
        if kind == PURGED:
            self._purged += 1
        if code == PENDING:
            self._pending += 1
            if self._pending_line is None:
                self._pending_line = line
            return
        if code == NO_INDEX:
            return
        if self._pending_line is not None:
            self._problems.append(LogProblem.at(
                f"listed after a record not yet in the tree (line {self._pending_line}): the "
                "tree's records come first, in leaf order", line, code))
        expected = self._expected
        if code < expected:
            self._problems.append(LogProblem.at(
                f"listed after leaf {expected - 1}: a duplicate, or records out of order (the "
                "export lists each leaf once, in order)", line, code))
            return
        if code > expected:
            missing = f"leaf {expected} is" if code == expected + 1 else f"leaves {expected}–{code - 1} are"
            self._problems.append(LogProblem.at(
                f"{missing} missing before it: records were deleted, or the export is not whole",
                line, code))
            self._lose(expected)
        self._expected = code + 1
        if leaf is None:
            self._lose(code)
        if self._missing_from is not None:
            return
        self._buffer.append(leaf)
        if self._wanted and self._wanted[-1] == code + 1:
            self._take_root(code + 1)
        elif len(self._buffer) >= _BATCH:
            self._flush()

    def _lose(self, index: int) -> None:
        """From leaf ``index`` on, the export does not give the tree: no root beyond it."""
        if self._missing_from is None:
            self._flush()
            self._missing_from = index

    def _flush(self) -> None:
        if self._buffer:
            self._frontier.extend(self._buffer, record=False)
            self._buffer = []

    def _take_root(self, size: int) -> None:
        self._flush()
        self._roots[size] = self._frontier.root()
        while self._wanted and self._wanted[-1] <= size:
            self._wanted.pop()

    def finish(self) -> LogReport:
        """The tree's size and roots, the checkpoints it holds, and every problem found."""
        size = self._expected
        root = None
        if self._missing_from is None:
            self._take_root(size)
            root = self._roots[size]
        held = self._check_checkpoints(size)
        return LogReport(records=self._records, size=size, pending=self._pending,
                         purged=self._purged, root=root, roots=dict(self._roots),
                         checkpoints=tuple(held), problems=tuple(self._problems))

    def _open(self, checkpoints: Iterable[tuple[str, str | bytes]], verifier: Verifier | None
              ) -> list[SavedCheckpoint]:
        opened = []
        for source, note in checkpoints:
            if verifier is None:
                raise LogAuditError("a checkpoint is only evidence once its signature is "
                                    "verified: give the log's vkey")
            try:
                opened.append(SavedCheckpoint(source, open_checkpoint(note, verifier)))
            except CoreError as error:
                self._problems.append(LogProblem(str(error), source=source))
        return sorted(opened, key=lambda saved: saved.checkpoint.size)

    def _check_checkpoints(self, size: int) -> list[SavedCheckpoint]:
        held, signed = [], {}
        for saved in self._checkpoints:
            checkpoint, source = saved.checkpoint, saved.source
            other = signed.setdefault(checkpoint.size, saved)
            if other.checkpoint.root != checkpoint.root:
                self._problems.append(LogProblem(
                    f"signed by the log for tree size {checkpoint.size} like {other.source}, but "
                    "with another root: the log showed two different histories", source=source))
            ours = self._roots.get(checkpoint.size)
            if checkpoint.size > size:
                self._problems.append(LogProblem(
                    f"signed for {checkpoint.size} leaves, but the export's tree has {size}: the "
                    f"leaves from {size} on that the log had signed are missing (records were "
                    "deleted from the end, or the export is not whole)", source=source))
            elif ours is None:
                self._problems.append(LogProblem(
                    f"tree size {checkpoint.size} cannot be checked: the export does not give "
                    f"leaf {self._missing_from}, so the root of its first {checkpoint.size} "
                    "leaves is unknown", source=source))
            elif ours != checkpoint.root:
                self._problems.append(LogProblem(
                    f"the log signed root {_b64(checkpoint.root)} for its first "
                    f"{checkpoint.size} leaves, but the export's first {checkpoint.size} leaves "
                    f"have root {_b64(ours)}: since that checkpoint, a record among them was "
                    "edited, deleted, inserted or moved, or the log was rewritten", source=source))
            else:
                held.append(saved)
        return held


def audit_records(records: Iterable[Mapping[str, Any]], *, verifier: Verifier | None = None,
                  checkpoints: Iterable[tuple[str, str | bytes]] = (), sizes: Iterable[int] = ()
                  ) -> LogReport:
    """:class:`LogAudit` of records in leaf order (from a database, or parsed already)."""
    audit = LogAudit(verifier=verifier, checkpoints=checkpoints, sizes=sizes)
    for record in records:
        audit.add_record(record)
    return audit.finish()


def audit_export(path: Path, *, verifier: Verifier | None = None,
                 checkpoints: Iterable[tuple[str, str | bytes]] = (), sizes: Iterable[int] = (),
                 key: RecordKey | None = None, on_chunk: Callable[[Chunk], None] | None = None,
                 workers: int = 1, chunk_bytes: int = CHUNK_BYTES) -> LogReport:
    """:class:`LogAudit` of the NDJSON export at ``path``.

    ``on_chunk`` sees every chunk after the tree took it, in order, with the records grouped by
    ``key``, for checks of the caller's own. With ``workers`` > 1 that many processes parse and
    hash the chunks (``key`` must then be a module-level function, so that they can run it).
    """
    audit = LogAudit(verifier=verifier, checkpoints=checkpoints, sizes=sizes)
    for chunk in read_export(path, key=key, workers=workers, chunk_bytes=chunk_bytes):
        audit.add_chunk(chunk)
        if on_chunk is not None:
            on_chunk(chunk)
    return audit.finish()


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")

