"""Verify the consent log's export as an RFC 9162 Merkle tree, offline: every problem, once.

The export is NDJSON, one record per line, in leaf order: the records in the tree first, with
``leaf_index`` 0, 1, 2, … and no gap, then the records not yet integrated, with ``"leaf_index":
null``. Each record's ``hash`` follows :mod:`policy_core.log_record`; its 32 bytes are the leaf's
data. This module checks, for every record, that its content hashes to its ``hash`` (not for a
purged record, whose content is gone), that a record made for the tree has a salt and a purged
one nothing but its hash, and that the leaf indexes run from 0 without a gap, a duplicate or a
record out of order; it computes the tree's root at its full size and at every size asked for.

Given checkpoints saved earlier (signed notes, :mod:`policy_core.checkpoint`) and the log's
vkey, it checks that the export's first ``n`` leaves have the root the log signed for size
``n``. That is what makes the export evidence: editing, deleting, inserting or reordering a
record, or rewriting the log from any point on, changes the root of every tree that contains
the change, and a log that signed a checkpoint cannot produce another history with the same
root. A checkpoint larger than the export says that records were cut from its end.

Memory stays bounded whatever the export's size: the tree is a :class:`merkle.Frontier` (one
hash per set bit of the size), the roots asked for are taken as the frontier passes their
sizes, and records are read in chunks. Parsing and hashing each record is most of the work and
needs nothing from the records before it, so chunks can be checked by several processes
(``workers``); the tree itself is built in order, in the calling process. The same checks
serve the service (records from its database, :meth:`LogAudit.add_record`), the ``policy-site``
commands and anyone auditing an export.
"""

from __future__ import annotations

import base64
import hashlib
import json
import multiprocessing
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policy_core.checkpoint import Checkpoint, open_checkpoint
from policy_core.errors import CoreError
from policy_core.log_record import (
    HASH_PATTERN,
    PURGED_KEYS,
    SALT_PATTERN,
    content_hash,
    is_from_chain,
)
from policy_core.merkle import Frontier
from policy_core.note import Verifier

MAX_RECORD_BYTES = 64 * 1024
"""The longest line read as a record; a record of the log is well under 2 KiB."""

CHUNK_BYTES = 4 << 20
"""How much of an export one process checks at a time."""

PENDING = -1
"""The leaf code of a record not yet in the tree (``"leaf_index": null``)."""
NO_INDEX = -2
"""The leaf code of a line that gives no usable leaf index."""

MADE_FOR_TREE, FROM_CHAIN, PURGED, UNREADABLE = range(4)
"""What a line holds: a record made for the tree, one migrated from the hash chain, what the
retention purge left of a record, or no record that can be read."""

RecordKey = Callable[[Mapping[str, Any]], Hashable | None]
"""What a caller wants to know about each record (given without ``hash`` and ``leaf_index``),
computed where the record is parsed: records are grouped by it (``None`` leaves a record out),
so that checks of the caller's own run once per distinct value rather than once per record."""

_BATCH = 4096
_ABSENT = object()
_decode = json.JSONDecoder().decode
_is_hash = HASH_PATTERN.fullmatch
_is_salt = SALT_PATTERN.fullmatch
_sha256 = hashlib.sha256


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


@dataclass
class Chunk:
    """What checking consecutive lines of an export found, in a form cheap to send between
    processes: one entry per record in each list, in line order."""

    lines: int = 0
    """Lines the chunk spans, blank ones included."""
    first_line: int = 1
    """The export's line number of the chunk's first line."""
    offsets: list[int] = field(default_factory=list)
    """Each record's line, counted from the chunk's first line (0)."""
    codes: list[int] = field(default_factory=list)
    """Each record's leaf index, or :data:`PENDING` or :data:`NO_INDEX`."""
    kinds: list[int] = field(default_factory=list)
    leaves: list[bytes | None] = field(default_factory=list)
    """Each record's leaf hash, ``None`` when it has no readable ``hash``."""
    problems: dict[int, list[str]] = field(default_factory=dict)
    """The problems of the records, by position in the lists above."""
    groups: dict[Hashable, list[int]] = field(default_factory=dict)
    """Records by the caller's :data:`RecordKey`: the position of each in the lists above."""
    first: tuple[int, int, dict[str, Any]] | None = None
    """The first record the key did not leave out: line offset, leaf code, and the record
    without ``hash`` and ``leaf_index`` (the key sees it so too)."""
    last: tuple[int, int, dict[str, Any]] | None = None

    def line(self, offset: int) -> int:
        """The export's line number of the chunk's line ``offset``."""
        return self.first_line + offset

    def place(self, position: int) -> tuple[int, int]:
        """The line and the leaf code of the chunk's record at ``position``."""
        return self.first_line + self.offsets[position], self.codes[position]


def check_record(record: Mapping[str, Any]) -> tuple[int, int, bytes | None, list[str]]:
    """A record on its own: its leaf code, kind, leaf hash and every problem it has alone."""
    return _check_content(dict(record))


def _check_content(record: dict[str, Any]) -> tuple[int, int, bytes | None, list[str]]:
    """:func:`check_record` of a record this module owns: ``hash`` and ``leaf_index`` are
    taken out of it, which leaves what the hash covers."""
    problems = []
    index = record.pop("leaf_index", _ABSENT)
    claimed = record.pop("hash", _ABSENT)
    if type(index) is int and index >= 0:
        code = index
    elif index is None:
        code = PENDING
    else:
        code = NO_INDEX
        problems.append("the record has no leaf_index" if index is _ABSENT else
                        f"leaf_index is a leaf's number (0, 1, …) or null for a record not yet "
                        f"in the tree, found {index!r:.40}")
    if type(claimed) is str and _is_hash(claimed):
        leaf = _sha256(b"\x00" + bytes.fromhex(claimed)).digest()
    else:
        leaf = None
        problems.append(f"its hash is 64 lowercase hex digits, found "
                        f"{None if claimed is _ABSENT else claimed!r:.80}: the leaf it stands "
                        "for is unknown")
    if record.get("purged") is True:
        extra = sorted(set(record) - PURGED_KEYS)
        if extra:
            problems.append(f"a purged record keeps only leaf_index, hash and purged, but this one "
                            f"also holds {', '.join(extra)}: content the purge should have "
                            "deleted, which no hash covers")
        if code == PENDING:
            problems.append("a purged record is a leaf of the tree, so it has a leaf_index")
        return code, PURGED, leaf, problems
    if leaf is not None:
        computed = content_hash(record)
        if computed != claimed:
            problems.append(f"content does not match its hash (hashes to {computed}, the record "
                            f"says {claimed}): the record was edited")
    if is_from_chain(record):
        return code, FROM_CHAIN, leaf, problems
    salt = record.get("salt")
    if not (type(salt) is str and _is_salt(salt)):
        problems.append(f"its salt is 32 lowercase hex digits, found {salt!r:.80}: without "
                        "one, its content can be guessed from its hash")
    return code, MADE_FOR_TREE, leaf, problems


def check_lines(data: bytes, key: RecordKey | None = None) -> Chunk:
    """Check every line of ``data`` (whole lines of an export) on its own."""
    try:
        lines: list[str] | list[bytes] = data.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        lines = data.split(b"\n")
    if not lines[-1]:
        lines.pop()
    chunk = Chunk(lines=len(lines))
    offsets, codes, kinds, leaves = chunk.offsets, chunk.codes, chunk.kinds, chunk.leaves
    for offset, text in enumerate(lines):
        if not text or text.isspace():
            continue
        record, unreadable = _parse(text)
        if record is None:
            code, kind, leaf, problems = NO_INDEX, UNREADABLE, None, [unreadable]
        else:
            code, kind, leaf, problems = _check_content(record)
            if key is not None:
                facts = key(record)
                if facts is not None:
                    chunk.groups.setdefault(facts, []).append(len(codes))
                    chunk.last = (offset, code, record)
                    if chunk.first is None:
                        chunk.first = chunk.last
        if problems:
            chunk.problems[len(codes)] = problems
        offsets.append(offset)
        codes.append(code)
        kinds.append(kind)
        leaves.append(leaf)
    return chunk


def check_file_range(path: str, start: int, end: int, key: RecordKey | None = None) -> Chunk:
    """:func:`check_lines` of bytes ``[start, end)`` of the file at ``path``."""
    with open(path, "rb") as stream:
        stream.seek(start)
        return check_lines(stream.read(end - start), key)


def _parse(text: str | bytes) -> tuple[dict[str, Any] | None, str]:
    if len(text) > MAX_RECORD_BYTES:
        return None, (f"the line is longer than {MAX_RECORD_BYTES:,} bytes, the most a record "
                      "can be: this is not a record of the log")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            return None, (f"not UTF-8 text (byte {error.start + 1} of the line): not a record "
                          "of the log")
    try:
        record = _decode(text)
    except RecursionError:
        return None, "not a record of the log: JSON nested too deeply"
    except ValueError as error:
        reason = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        return None, f"not a JSON record ({reason}); the export is NDJSON, one record per line"
    if type(record) is not dict:
        return None, f"a record is a JSON object, found {type(record).__name__}"
    return record, ""


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


def read_export(path: Path, *, key: RecordKey | None = None, workers: int = 1,
                chunk_bytes: int = CHUNK_BYTES) -> Iterator[Chunk]:
    """The export's lines checked chunk by chunk, in order; at most ``2 * workers`` chunks are
    in flight at a time, so memory does not grow with the export. An export of one chunk is
    checked in this process: starting workers would cost more than they save."""
    ranges = list(_chunk_ranges(path, chunk_bytes))
    first_line = 1
    parallel = workers > 1 and len(ranges) > 1
    for chunk in (_checked_in_parallel(path, ranges, key, workers) if parallel
                  else (check_file_range(str(path), start, end, key) for start, end in ranges)):
        chunk.first_line = first_line
        first_line += chunk.lines
        yield chunk


def _checked_in_parallel(path: Path, ranges: Iterable[tuple[int, int]], key: RecordKey | None,
                         workers: int) -> Iterator[Chunk]:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        in_flight: deque = deque()
        for start, end in ranges:
            in_flight.append(pool.submit(check_file_range, str(path), start, end, key))
            if len(in_flight) > 2 * workers:
                yield in_flight.popleft().result()
        while in_flight:
            yield in_flight.popleft().result()


def _chunk_ranges(path: Path, chunk_bytes: int) -> Iterator[tuple[int, int]]:
    """Byte ranges of about ``chunk_bytes`` that end just after a newline (or where a line
    longer than a record can be is cut: both its parts are then reported)."""
    if chunk_bytes < 1:
        raise LogAuditError("a chunk is at least one byte")
    with path.open("rb") as stream:
        size = stream.seek(0, 2)
        start = 0
        while start < size:
            end = min(size, start + chunk_bytes)
            if end < size:
                stream.seek(end - 1)
                tail = stream.read(MAX_RECORD_BYTES + 1)
                newline = tail.find(b"\n")
                if newline >= 0:
                    end += newline
            yield start, end
            start = end


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")

